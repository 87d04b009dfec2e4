package kelviqtest_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/oapi-codegen/nullable"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/kelviqtest"
	"github.com/kelviq/kelviq-go/wrapper"
)

// shop is an organization with a published plan "team": "seats" (METER,
// hard limit 3), "exports" (METER, soft limit 2) and "sso" (BOOLEAN).
type shop struct {
	org     *wrapper.PartnerOrganization
	c       *wrapper.Client
	product api.Product
}

func newShop(t *testing.T, srv *kelviqtest.Server, externalID string) *shop {
	t.Helper()
	ctx := context.Background()
	org, c := srv.NewOrganization(t, externalID)
	product := testkit.Must(c.Catalog.Products.Create(ctx, api.ProductCreateRequest{Name: "Team tool", TaxCode: api.ProductCreateRequestTaxCodeSaas}))(t)
	feature := func(ident string, kind api.FeatureCreateRequestFeatureType) api.CatalogFeature {
		req := api.FeatureCreateRequest{Name: ident, Identifier: &ident, FeatureType: kind}
		if kind == api.FeatureCreateRequestFeatureTypeMETER {
			req.FeatureDetails = testkit.MeterDetails()
		}
		return *testkit.Must(c.Catalog.Features.Create(ctx, req))(t)
	}
	seats, exports, sso := feature("seats", "METER"), feature("exports", "METER"), feature("sso", "BOOLEAN")
	ident := "team"
	testkit.Must(c.Catalog.Plans.Create(ctx, api.PlanCreateRequest{Name: "Team", Identifier: &ident, Product: *product.Id}))(t)
	val := func(v any) *any { return &v }
	testkit.Must(c.Catalog.Plans.AddFeatures(ctx, ident, nil, api.PlanFeaturesCreateRequest{PlanEntitlements: []api.PlanFeatureEntitlementWrite{
		{Feature: *seats.Id, Details: api.PlanEntitlementDetails{Value: val(3), HardLimit: testkit.Ptr(true)}},
		{Feature: *exports.Id, Details: api.PlanEntitlementDetails{Value: val(2), HardLimit: testkit.Ptr(false)}},
		{Feature: *sso.Id, Details: api.PlanEntitlementDetails{Value: val(true)}},
	}}))(t)
	testkit.Must(c.Catalog.Plans.BulkSetPrices(ctx, ident, api.PlanPriceBulkRequest{Prices: []api.PlanPriceCreateRequest{{PriceType: "FREE"}}}))(t) // the API publishes no plan without a price
	testkit.Must(c.Catalog.Plans.Publish(ctx, ident, api.PlanPublishRequest{}))(t)
	return &shop{org: org, c: c, product: *product}
}

// entitlement returns the customer's entitlement to one feature, or nil.
func entitlement(t *testing.T, c *wrapper.Client, customer, feature string) *api.EntitlementDetail {
	t.Helper()
	res := testkit.Must(c.Entitlements.Get(context.Background(), api.GetCustomerEntitlementsParams{CustomerId: customer}))(t)
	if res.Entitlements == nil {
		t.Fatal("no entitlements list")
	}
	for _, e := range *res.Entitlements {
		if e.FeatureId != nil && *e.FeatureId == feature {
			return &e
		}
	}
	return nil
}

// meter is an entitlement's numbers: access, limit, usage, remaining, hard.
type meter struct {
	access                  bool
	limit, usage, remaining int32
	hard                    bool
}

func readMeter(t *testing.T, e *api.EntitlementDetail) meter {
	t.Helper()
	if e == nil {
		t.Fatal("no entitlement")
	}
	return meter{
		access:    *e.HasAccess,
		limit:     (*e.UsageLimit),
		usage:     (*e.CurrentUsage),
		remaining: (*e.Remaining),
		hard:      (*e.HardLimit),
	}
}

func TestEntitlementsFollowSubscriptionsAndUsage(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	s := newShop(t, srv, "entitled")
	ctx := context.Background()
	testkit.Must(s.c.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "cus_1", Email: nullable.NewNullableWithValue("one@example.com")}))(t)

	// No subscription, no entitlement.
	if e := entitlement(t, s.c, "cus_1", "seats"); e != nil {
		t.Fatalf("entitlement before subscribing: %+v", e)
	}
	sub := testkit.Must(s.c.Subscriptions.Create(ctx, api.CreateSubscriptionRequest{
		PlanIdentifier: "team", ChargePeriod: "MONTHLY", CustomerId: nullable.NewNullableWithValue("cus_1"),
	}))(t)

	if got, want := readMeter(t, entitlement(t, s.c, "cus_1", "seats")), (meter{true, 3, 0, 3, true}); got != want {
		t.Fatalf("seats after subscribing = %+v, want %+v", got, want)
	}
	if e := entitlement(t, s.c, "cus_1", "sso"); e == nil || !*e.HasAccess || !(e.UsageLimit == nil) {
		t.Fatalf("sso = %+v", e)
	}

	report := func(feature string, v int, b api.ReportUsageRequestBehaviour) {
		t.Helper()
		res := testkit.Must(s.c.Usage.Report(ctx, api.ReportUsageRequest{CustomerId: "cus_1", FeatureId: feature, Value: v, Behaviour: b}))(t)
		if res.Value == nil || *res.Value != v || res.IdempotencyKey == nil || *res.IdempotencyKey == "" {
			t.Fatalf("report usage response %+v", res)
		}
	}
	report("seats", 2, "DELTA")
	if got, want := readMeter(t, entitlement(t, s.c, "cus_1", "seats")), (meter{true, 3, 2, 1, true}); got != want {
		t.Fatalf("seats after DELTA 2 = %+v, want %+v", got, want)
	}
	if n := testkit.Must(srv.Usage(s.org.Identifier.String(), "cus_1", "seats"))(t); n != 2 {
		t.Fatalf("Server.Usage = %d, want 2", n)
	}
	report("seats", 2, "DELTA") // 4 > 3, a hard limit: refused
	if got, want := readMeter(t, entitlement(t, s.c, "cus_1", "seats")), (meter{false, 3, 4, 0, true}); got != want {
		t.Fatalf("seats past the hard limit = %+v, want %+v", got, want)
	}
	report("seats", 1, "SET")
	if got, want := readMeter(t, entitlement(t, s.c, "cus_1", "seats")), (meter{true, 3, 1, 2, true}); got != want {
		t.Fatalf("seats after SET 1 = %+v, want %+v", got, want)
	}
	report("exports", 5, "SET") // past a soft limit: still allowed
	if got, want := readMeter(t, entitlement(t, s.c, "cus_1", "exports")), (meter{true, 2, 5, 0, false}); got != want {
		t.Fatalf("exports past the soft limit = %+v, want %+v", got, want)
	}
	if n := testkit.Must(srv.Usage(s.org.Identifier.String(), "cus_1", "exports"))(t); n != 5 {
		t.Fatalf("Server.Usage(exports) = %d, want 5", n)
	}

	// Unknown customer or feature: 404, for the call and for Server.Usage.
	_, err := s.c.Usage.Report(ctx, api.ReportUsageRequest{CustomerId: "cus_nobody", FeatureId: "seats", Value: 1, Behaviour: "DELTA"})
	apiError(t, err, http.StatusNotFound)
	_, err = s.c.Usage.Report(ctx, api.ReportUsageRequest{CustomerId: "cus_1", FeatureId: "nothing", Value: 1, Behaviour: "DELTA"})
	apiError(t, err, http.StatusNotFound)
	_, err = s.c.Entitlements.Get(ctx, api.GetCustomerEntitlementsParams{CustomerId: "cus_nobody"})
	apiError(t, err, http.StatusNotFound)
	if _, err := srv.Usage(s.org.Identifier.String(), "cus_nobody", "seats"); err == nil {
		t.Fatal("Server.Usage of an unknown customer: no error")
	}

	// Cancelled at the end of the period: access lasts until then.
	testkit.Must(s.c.Subscriptions.Cancel(ctx, sub.Id.String(), api.CancelSubscriptionRequest{CancellationType: "CURRENT_PERIOD_ENDS"}))(t)
	if e := entitlement(t, s.c, "cus_1", "seats"); e == nil || !*e.HasAccess {
		t.Fatalf("seats after a cancellation at the period's end = %+v", e)
	}
	_, err = s.c.Subscriptions.Cancel(ctx, sub.Id.String(), api.CancelSubscriptionRequest{CancellationType: "IMMEDIATE"})
	apiError(t, err, http.StatusBadRequest)

	// Cancelled now: access is gone.
	testkit.Must(s.c.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "cus_2"}))(t)
	sub2 := testkit.Must(s.c.Subscriptions.Create(ctx, api.CreateSubscriptionRequest{
		PlanIdentifier: "team", ChargePeriod: "YEARLY", CustomerId: nullable.NewNullableWithValue("cus_2"),
	}))(t)
	if entitlement(t, s.c, "cus_2", "seats") == nil {
		t.Fatal("no seats for cus_2")
	}
	testkit.Must(s.c.Subscriptions.Cancel(ctx, sub2.Id.String(), api.CancelSubscriptionRequest{CancellationType: "IMMEDIATE"}))(t)
	if e := entitlement(t, s.c, "cus_2", "seats"); e != nil {
		t.Fatalf("seats after an immediate cancellation = %+v", e)
	}
	got := testkit.Must(s.c.Subscriptions.Get(ctx, sub2.Id.String()))(t)
	if got.Status == nil || *got.Status != "canceled" || (got.CanceledAt == nil) {
		t.Fatalf("cancelled subscription = %+v", got)
	}
}

func TestSubscriptionsNeedAPublishedPlanAndAKnownCustomer(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	s := newShop(t, srv, "strict")
	ctx := context.Background()
	_, err := s.c.Subscriptions.Create(ctx, api.CreateSubscriptionRequest{PlanIdentifier: "team", ChargePeriod: "MONTHLY", CustomerId: nullable.NewNullableWithValue("cus_nobody")})
	apiError(t, err, http.StatusBadRequest)
	testkit.Must(s.c.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "cus_1"}))(t)
	_, err = s.c.Subscriptions.Create(ctx, api.CreateSubscriptionRequest{PlanIdentifier: "no-such-plan", ChargePeriod: "MONTHLY", CustomerId: nullable.NewNullableWithValue("cus_1")})
	apiError(t, err, http.StatusBadRequest)
	_, err = s.c.Subscriptions.Get(ctx, "6b1f3c52-8f0e-4c1a-9a51-2d6a4c1f0e77")
	var ae *wrapper.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown subscription: %v", err)
	}
}

func TestRefundsStayWithinTheOrder(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	s := newShop(t, srv, "refunds")
	ctx := context.Background()
	testkit.Must(s.c.Catalog.Plans.BulkSetPrices(ctx, "team", api.PlanPriceBulkRequest{Prices: []api.PlanPriceCreateRequest{{
		PriceType: "PAID", Currency: testkit.Ptr("USD"),
		ChargeCatalogPrice: &[]api.PlanChargeCatalogPrice{{Charges: &[]api.PlanCharge{{
			ChargePeriod: testkit.Ptr(api.PlanChargeChargePeriod("MONTHLY")), PriceData: &map[string]any{"amount": "12.50"},
		}}}},
	}}}))(t)
	testkit.Must(s.c.Catalog.Plans.Publish(ctx, "team", api.PlanPublishRequest{}))(t)
	session := testkit.Must(s.c.Checkout.CreateSession(ctx, api.CreateCheckoutSessionRequest{
		PlanIdentifier: "team", ChargePeriod: "MONTHLY", SuccessUrl: "https://shop.example.com/ok", CustomerId: nullable.NewNullableWithValue("cus_9"),
	}))(t)
	if err := srv.CompleteCheckout(*session.CheckoutSessionId); err != nil {
		t.Fatal(err)
	}
	if err := srv.CompleteCheckout(*session.CheckoutSessionId); err == nil {
		t.Fatal("a checkout completed twice")
	}
	detail := testkit.Must(s.c.CheckoutSessions.Get(ctx, *session.CheckoutSessionId))(t)
	if detail.Order == nil || detail.Order.Id == nil || (*detail.Order.AmountTotal) != "12.50" {
		t.Fatalf("completed checkout = %+v", detail)
	}
	orderID := *detail.Order.Id
	testkit.Must(s.c.Refunds.Create(ctx, api.RefundCreateRequest{OrderId: orderID, AmountUnits: testkit.Ptr(int64(1000))}))(t)
	_, err := s.c.Refunds.Create(ctx, api.RefundCreateRequest{OrderId: orderID, AmountUnits: testkit.Ptr(int64(251))})
	apiError(t, err, http.StatusBadRequest)
	testkit.Must(s.c.Refunds.Create(ctx, api.RefundCreateRequest{OrderId: orderID}))(t) // the 2.50 left
	order := testkit.Must(s.c.Orders.Get(ctx, orderID))(t)
	if order.Status == nil || *order.Status != "REFUNDED" || *order.RefundedTotalUnits != 1250 {
		t.Fatalf("order after refunds = status %v, refunded %v", order.Status, order.RefundedTotalUnits)
	}
	_, err = s.c.Refunds.Create(ctx, api.RefundCreateRequest{OrderId: orderID, AmountUnits: testkit.Ptr(int64(1))})
	apiError(t, err, http.StatusBadRequest)
}
