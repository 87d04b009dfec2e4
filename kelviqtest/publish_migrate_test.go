package kelviqtest_test

import (
	"context"
	"testing"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/testkit"
)

// Publishing a plan's new version moves running subscriptions only as
// asked (publishCatalogPlan's updateFeatures and updatePricing): without
// either, customers keep the entitlements and price they subscribed to.
func TestPublishMigratesCustomersOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	_, s, _, subID := subscribed(t, "publish-migrate")
	ctx := context.Background()
	var seats string
	for f, err := range s.c.Catalog.Features.All(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if f.Identifier != nil && *f.Identifier == "seats" {
			seats = f.Id.String()
		}
	}
	val := func(v any) *any { return &v }
	newVersion := func(limit int, monthly string) {
		t.Helper()
		testkit.Must(s.c.Catalog.Plans.UpdateFeature(ctx, "team", seats, api.PlanFeaturePatchRequest{Details: api.PlanEntitlementDetails{Value: val(limit)}}))(t)
		charges := []api.PlanCharge{{ChargePeriod: testkit.Ptr(api.PlanChargeChargePeriod("MONTHLY")), PriceData: &map[string]any{"amount": monthly}}}
		testkit.Must(s.c.Catalog.Plans.BulkSetPrices(ctx, "team", api.PlanPriceBulkRequest{Prices: []api.PlanPriceCreateRequest{{
			PriceType: "PAID", Currency: testkit.Ptr("USD"), ChargeCatalogPrice: &[]api.PlanChargeCatalogPrice{{Charges: &charges}},
		}}}))(t)
	}
	state := func() (int32, string) {
		t.Helper()
		sub := testkit.Must(s.c.Subscriptions.Get(ctx, subID))(t)
		amount := ""
		if sub.Amount != nil {
			amount = *sub.Amount
		}
		return readMeter(t, entitlement(t, s.c, "cus_1", "seats")).limit, amount
	}
	limit0, amount0 := state()

	newVersion(9, "30.00")
	testkit.Must(s.c.Catalog.Plans.Publish(ctx, "team", api.PlanPublishRequest{}))(t)
	if l, a := state(); l != limit0 || a != amount0 {
		t.Fatalf("a bare publish moved the customer: seats %d → %d, amount %s → %s", limit0, l, amount0, a)
	}

	newVersion(12, "40.00")
	testkit.Must(s.c.Catalog.Plans.Publish(ctx, "team", api.PlanPublishRequest{UpdateFeatures: testkit.Ptr(true)}))(t)
	if l, a := state(); l != 12 || a != amount0 {
		t.Fatalf("updateFeatures: seats %d (want 12), amount %s (want %s, pricing not asked)", l, a, amount0)
	}

	newVersion(15, "50.00")
	testkit.Must(s.c.Catalog.Plans.Publish(ctx, "team", api.PlanPublishRequest{UpdatePricing: testkit.Ptr(true)}))(t)
	if l, a := state(); l != 12 || a == amount0 || a != "50.00" {
		t.Fatalf("updatePricing: seats %d (want 12, features not asked), amount %s (want 50.00)", l, a)
	}
}
