package kelviqtest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/wrapper"
)

// The reference: a new plan "starts as an unpublished draft (isLatest=false)
// until publish is called"; publishing then makes it isLatest=true, and a
// draft opened on top of it shows isLatest=false again.
func TestDraftPlansAreNotLatestUntilPublished(t *testing.T) {
	t.Parallel()
	_, _, c := setup(t, "drafts")
	ctx := context.Background()
	product := testkit.Must(c.Catalog.Products.Create(ctx, api.ProductCreateRequest{Name: "Atlas", TaxCode: api.ProductCreateRequestTaxCodeSaas}))(t)
	ident := "atlas-pro"
	created := testkit.Must(c.Catalog.Plans.Create(ctx, api.PlanCreateRequest{Name: "Atlas Pro", Identifier: &ident, Product: *product.Id}))(t)
	if created.IsLatest == nil || *created.IsLatest {
		t.Fatalf("a new draft shows isLatest %v, want false", created.IsLatest)
	}
	if got := testkit.Must(c.Catalog.Plans.Get(ctx, ident, nil))(t); *got.IsLatest {
		t.Fatalf("GET of the new draft: isLatest true, want false")
	}
	testkit.Must(c.Catalog.Plans.BulkSetPrices(ctx, ident, api.PlanPriceBulkRequest{Prices: []api.PlanPriceCreateRequest{{PriceType: "FREE"}}}))(t)
	testkit.Must(c.Catalog.Plans.Publish(ctx, ident, api.PlanPublishRequest{}))(t)
	if got := testkit.Must(c.Catalog.Plans.Get(ctx, ident, nil))(t); !*got.IsLatest || *got.Version != 1 {
		t.Fatalf("after publishing: isLatest %v, version %d; want true, 1", *got.IsLatest, *got.Version)
	}
	v2 := testkit.Must(c.Catalog.Plans.Update(ctx, ident, nil, api.PlanUpdateRequest{Name: testkit.Ptr("Atlas Pro+")}))(t)
	if *v2.Version != 2 || *v2.IsLatest {
		t.Fatalf("the draft opened by an edit: version %d, isLatest %v; want 2, false", *v2.Version, *v2.IsLatest)
	}
	one := 1
	if v1 := testkit.Must(c.Catalog.Plans.Get(ctx, ident, &api.RetrieveCatalogPlanParams{Version: &one}))(t); !*v1.IsLatest {
		t.Fatal("the published version 1 shows isLatest false while a draft is open")
	}
	list := testkit.Must(c.Catalog.Plans.List(ctx, nil))(t)
	if r := *list.Results; len(r) != 1 || *r[0].Version != 2 || *r[0].IsLatest {
		t.Fatalf("the list shows the newest version (the draft, isLatest false): %+v", r)
	}
}

// The reference: publishing "fails with 400 if no price exists"; the plan
// stays a draft. Once it has a price, it publishes.
func TestPublishingAPlanWithoutAPriceIs400(t *testing.T) {
	t.Parallel()
	_, _, c := setup(t, "unpriced")
	ctx := context.Background()
	product := testkit.Must(c.Catalog.Products.Create(ctx, api.ProductCreateRequest{Name: "Atlas", TaxCode: api.ProductCreateRequestTaxCodeSaas}))(t)
	ident := "atlas-free"
	testkit.Must(c.Catalog.Plans.Create(ctx, api.PlanCreateRequest{Name: "Atlas Free", Identifier: &ident, Product: *product.Id}))(t)
	_, err := c.Catalog.Plans.Publish(ctx, ident, api.PlanPublishRequest{})
	var ae *wrapper.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 400 {
		t.Fatalf("publishing a plan without a price: %v, want a 400", err)
	}
	if got := testkit.Must(c.Catalog.Plans.Get(ctx, ident, nil))(t); *got.IsLatest || (*got.Details)["status"] != "draft" {
		t.Fatalf("after the refused publish the plan is %v (isLatest %v), want still a draft", (*got.Details)["status"], *got.IsLatest)
	}
	testkit.Must(c.Catalog.Plans.BulkSetPrices(ctx, ident, api.PlanPriceBulkRequest{Prices: []api.PlanPriceCreateRequest{{PriceType: "FREE"}}}))(t)
	testkit.Must(c.Catalog.Plans.Publish(ctx, ident, api.PlanPublishRequest{}))(t)
}

// The reference: "Duplicate currencies among PAID prices are rejected", and
// the replacement is atomic, so the old prices stay.
func TestTwoPaidPricesInOneCurrencyAre400(t *testing.T) {
	t.Parallel()
	_, _, c := setup(t, "dupes")
	ctx := context.Background()
	product := testkit.Must(c.Catalog.Products.Create(ctx, api.ProductCreateRequest{Name: "Atlas", TaxCode: api.ProductCreateRequestTaxCodeSaas}))(t)
	ident := "atlas-team"
	testkit.Must(c.Catalog.Plans.Create(ctx, api.PlanCreateRequest{Name: "Atlas Team", Identifier: &ident, Product: *product.Id}))(t)
	eur := "EUR"
	testkit.Must(c.Catalog.Plans.BulkSetPrices(ctx, ident, api.PlanPriceBulkRequest{Prices: []api.PlanPriceCreateRequest{{PriceType: "PAID", Currency: &eur}}}))(t)
	_, err := c.Catalog.Plans.BulkSetPrices(ctx, ident, api.PlanPriceBulkRequest{Prices: []api.PlanPriceCreateRequest{
		{PriceType: "PAID", Currency: testkit.Ptr("USD")}, {PriceType: "FREE"}, {PriceType: "PAID", Currency: testkit.Ptr("USD")},
	}})
	if !errors.Is(err, wrapper.ErrValidation) {
		t.Fatalf("two PAID USD prices: %v, want a 400", err)
	}
	prices := testkit.Must(c.Catalog.Plans.ListPrices(ctx, ident, nil))(t)
	if r := *prices.Results; len(r) != 1 || *r[0].Currency != "EUR" {
		t.Fatalf("after the refused replacement the prices are %+v, want the one EUR price", r)
	}
}
