package kelviqtest_test

import (
	"context"
	"testing"
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/kelviqtest"
)

func TestBillingPeriodsRenewAndEndWithTheClock(t *testing.T) {
	t.Parallel()
	clk := testkit.NewClock(time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC))
	srv, org, c := setup(t, "clocked", kelviqtest.WithClock(clk.Now))
	ctx := context.Background()
	product := testkit.Must(c.Catalog.Products.Create(ctx, api.ProductCreateRequest{Name: "Calls", TaxCode: api.ProductCreateRequestTaxCodeSaas}))(t)
	featureID, planID := "calls", "monthly"
	feature := testkit.Must(c.Catalog.Features.Create(ctx, api.FeatureCreateRequest{Name: "Calls", Identifier: &featureID, FeatureType: "METER", FeatureDetails: testkit.MeterDetails()}))(t)
	testkit.Must(c.Catalog.Plans.Create(ctx, api.PlanCreateRequest{Name: "Monthly", Identifier: &planID, Product: *product.Id}))(t)
	limit, reset := any(10), api.PlanEntitlementDetailsReset("EVERY_MONTH")
	testkit.Must(c.Catalog.Plans.AddFeatures(ctx, planID, nil, api.PlanFeaturesCreateRequest{PlanEntitlements: []api.PlanFeatureEntitlementWrite{
		{Feature: *feature.Id, Details: api.PlanEntitlementDetails{Value: &limit, HardLimit: testkit.Ptr(true), Reset: &reset}},
	}}))(t)
	testkit.Must(c.Catalog.Plans.BulkSetPrices(ctx, planID, api.PlanPriceBulkRequest{Prices: []api.PlanPriceCreateRequest{{
		PriceType: "PAID", Currency: testkit.Ptr("USD"),
		ChargeCatalogPrice: &[]api.PlanChargeCatalogPrice{{Charges: &[]api.PlanCharge{{
			ChargePeriod: testkit.Ptr(api.PlanChargeChargePeriod("MONTHLY")), PriceData: &map[string]any{"amount": "10.00"},
		}}}},
	}}}))(t)
	testkit.Must(c.Catalog.Plans.Publish(ctx, planID, api.PlanPublishRequest{}))(t)
	testkit.Must(c.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "cus_t"}))(t)
	created := testkit.Must(c.Subscriptions.Create(ctx, api.CreateSubscriptionRequest{PlanIdentifier: planID, ChargePeriod: "MONTHLY", CustomerId: nullable.NewNullableWithValue("cus_t")}))(t)
	subID := created.Id.String()
	if created.StartDate == nil || created.StartDate.String() != "2026-01-15" || *created.Amount != "10.00" {
		t.Fatalf("created subscription = start %v amount %v", created.StartDate, created.Amount)
	}
	testkit.Must(c.Usage.Report(ctx, api.ReportUsageRequest{CustomerId: "cus_t", FeatureId: featureID, Value: 3, Behaviour: "SET"}))(t)
	// resetAt is the period's end, written yyyy-MM-dd HH:mm:ss as the
	// reference says (not ISO 8601).
	if e := entitlement(t, c, "cus_t", featureID); e == nil || e.ResetAt == nil || *e.ResetAt != "2026-02-15 10:00:00" {
		t.Fatalf("resetAt = %v, want 2026-02-15 10:00:00", e)
	}

	orders := func() []api.OrderResponse {
		t.Helper()
		return *testkit.Must(c.Orders.List(ctx, nil))(t).Results
	}
	if n := len(orders()); n != 1 {
		t.Fatalf("%d orders after subscribing, want 1", n)
	}

	// A month later the period has renewed: a renewal order, usage reset.
	clk.Advance(31 * 24 * time.Hour)
	sub := testkit.Must(c.Subscriptions.Get(ctx, subID))(t)
	if want := time.Date(2026, 2, 15, 10, 0, 0, 0, time.UTC); !sub.BillingPeriodStartTime.Equal(want) || !sub.BillingPeriodEndTime.Equal(want.AddDate(0, 1, 0)) {
		t.Fatalf("period after a month = %v – %v", sub.BillingPeriodStartTime, sub.BillingPeriodEndTime)
	}
	list := orders()
	if len(list) != 2 || (*list[0].AmountTotalUnits) != 1000 {
		t.Fatalf("orders after a month = %d", len(list))
	}
	if n := testkit.Must(srv.Usage(org.Identifier.String(), "cus_t", featureID))(t); n != 0 {
		t.Fatalf("usage after the monthly reset = %d", n)
	}
	renewed := false
	for _, e := range srv.Events() {
		renewed = renewed || e.Type == "subscription.updated"
	}
	if !renewed {
		t.Fatal("no subscription.updated event for the renewal")
	}

	// Cancelled at the period's end: active until then, gone after.
	testkit.Must(c.Subscriptions.Cancel(ctx, subID, api.CancelSubscriptionRequest{CancellationType: "CURRENT_PERIOD_ENDS"}))(t)
	if e := entitlement(t, c, "cus_t", featureID); e == nil || !*e.HasAccess {
		t.Fatalf("entitlement before the period's end = %+v", e)
	}
	clk.Advance(30 * 24 * time.Hour)
	if s := testkit.Must(c.Subscriptions.Get(ctx, subID))(t); *s.Status != "canceled" {
		t.Fatalf("status after the period's end = %s", *s.Status)
	}
	if e := entitlement(t, c, "cus_t", featureID); e != nil {
		t.Fatalf("entitlement after the period's end = %+v", e)
	}
	if n := len(orders()); n != 2 {
		t.Fatalf("%d orders after the cancellation took effect, want 2 (no renewal)", n)
	}
}
