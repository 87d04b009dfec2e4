package kelviqtest_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/testkit"
)

// Two catalog rules of the reference that testdata/documented.md lists:
// settings exist on first read, and a published latest version cannot be
// discarded.
func TestCatalogReferenceRules(t *testing.T) {
	t.Parallel()
	_, _, c := setup(t, "catalog-rules")
	ctx := context.Background()
	product := testkit.Must(c.Catalog.Products.Create(ctx, api.ProductCreateRequest{Name: "Ledger", TaxCode: api.ProductCreateRequestTaxCodeSaas}))(t)
	if settings := testkit.Must(c.Catalog.Products.GetSettings(ctx, product.Id.String()))(t); settings == nil {
		t.Fatal("no settings on first read")
	}
	ident := "ledger-basic"
	testkit.Must(c.Catalog.Plans.Create(ctx, api.PlanCreateRequest{Name: "Ledger Basic", Identifier: &ident, Product: *product.Id}))(t)
	testkit.Must(c.Catalog.Plans.BulkSetPrices(ctx, ident, api.PlanPriceBulkRequest{Prices: []api.PlanPriceCreateRequest{{PriceType: "FREE"}}}))(t)
	testkit.Must(c.Catalog.Plans.Publish(ctx, ident, api.PlanPublishRequest{}))(t)
	apiError(t, c.Catalog.Plans.DiscardDraft(ctx, ident), http.StatusBadRequest)
}
