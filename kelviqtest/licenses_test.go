package kelviqtest_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/oapi-codegen/nullable"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/testkit"
)

func TestLicensesKeepTheirInstanceLimit(t *testing.T) {
	t.Parallel()
	_, _, c := setup(t, "licensed")
	ctx := context.Background()
	product := testkit.Must(c.Catalog.Products.Create(ctx, api.ProductCreateRequest{Name: "Desktop app", TaxCode: api.ProductCreateRequestTaxCodeSoftware}))(t)
	planID := "desktop"
	testkit.Must(c.Catalog.Plans.Create(ctx, api.PlanCreateRequest{Name: "Desktop", Identifier: &planID, Product: *product.Id,
		License: &api.LicenseConfig{Enabled: testkit.Ptr(true), ActivationLimit: testkit.Ptr(2), ActivationLimitEnabled: testkit.Ptr(true)}}))(t)
	testkit.Must(c.Catalog.Plans.BulkSetPrices(ctx, planID, api.PlanPriceBulkRequest{Prices: []api.PlanPriceCreateRequest{{PriceType: "FREE"}}}))(t) // the API publishes no plan without a price
	testkit.Must(c.Catalog.Plans.Publish(ctx, planID, api.PlanPublishRequest{}))(t)
	testkit.Must(c.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "cus_dev", Email: nullable.NewNullableWithValue("dev@example.com")}))(t)
	testkit.Must(c.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "cus_other"}))(t)
	sub := testkit.Must(c.Subscriptions.Create(ctx, api.CreateSubscriptionRequest{PlanIdentifier: planID, ChargePeriod: "YEARLY", CustomerId: nullable.NewNullableWithValue("cus_dev")}))(t)
	if sub.License == nil || len(*sub.License) != 1 {
		t.Fatalf("subscription licenses = %+v", sub.License)
	}
	key := (*(*sub.License)[0].LicenseKey)

	activate := func(name string) (*api.LicenseActivationResponse, error) {
		return c.Licenses.Activate(ctx, api.LicenseActivation{LicenseKey: key, CustomerId: testkit.Ptr("cus_dev"), InstanceName: &name})
	}
	first := testkit.Must(activate("laptop"))(t)
	testkit.Must(activate("desktop"))(t)
	_, err := activate("third") // over the limit of 2: 403, as the reference says
	apiError(t, err, http.StatusForbidden)
	if first.License == nil || *first.License.ActivationLimit != 2 {
		t.Fatalf("activation = %+v", first)
	}
	_, err = c.Licenses.Activate(ctx, api.LicenseActivation{LicenseKey: key, CustomerId: testkit.Ptr("cus_other")})
	apiError(t, err, http.StatusForbidden)

	v := testkit.Must(c.Licenses.Validate(ctx, api.LicenseValidate{LicenseKey: key, InstanceId: first.InstanceId}))(t)
	if !*v.Valid || *v.License.ActivationUsage != 2 {
		t.Fatalf("validate = %+v", v)
	}
	testkit.Must(c.Licenses.Deactivate(ctx, api.LicenseDeactivation{LicenseKey: key, InstanceId: *first.InstanceId}))(t)
	v = testkit.Must(c.Licenses.Validate(ctx, api.LicenseValidate{LicenseKey: key, InstanceId: first.InstanceId}))(t)
	if *v.Valid || *v.Code != "INSTANCE_NOT_FOUND" || *v.License.ActivationUsage != 1 {
		t.Fatalf("validate a deactivated instance = %+v", v)
	}
	_, err = c.Licenses.Deactivate(ctx, api.LicenseDeactivation{LicenseKey: key, InstanceId: *first.InstanceId})
	apiError(t, err, http.StatusNotFound)
	testkit.Must(activate("third"))(t) // the freed place is usable
	// An unknown key: validate and deactivate are 404.
	_, err = c.Licenses.Validate(ctx, api.LicenseValidate{LicenseKey: "KQ-0000-0000-0000-0000"})
	apiError(t, err, http.StatusNotFound)
}
