package kelviqtest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/oapi-codegen/nullable"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/entitlements"
	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/kelviqtest"
	"github.com/kelviq/kelviq-go/wrapper"
)

// TestSellAndMeterFlow is the life of a customer, through the typed
// services, with every state change's webhook received by webhook.NewHandler
// and verified: provision → product, feature, plan with a usage limit →
// publish → checkout completed → subscription → entitlement granted → usage
// past the limit → access refused (hard limit) → subscription cancelled →
// access gone.
func TestSellAndMeterFlow(t *testing.T) {
	t.Parallel()
	const secret = "kq_whsec_flow_0123456789"
	rcv := newReceiver(t, secret)
	srv := kelviqtest.NewServer(t, kelviqtest.WithWebhook(rcv.URL, secret))
	ctx := context.Background()

	// Provision, then act for the organization.
	org := testkit.Must(srv.Client().Partner.Provision(ctx, wrapper.ProvisionParams{ExternalID: "flow-co", Email: "owner@flow.example.com", BusinessName: "Flow Co"}))(t)
	c := testkit.Must(srv.Client().ForOrganization(org))(t)

	// Catalog: a product, a metered feature, a plan with a hard usage limit
	// of 5 and a monthly price, published.
	product := testkit.Must(c.Catalog.Products.Create(ctx, api.ProductCreateRequest{Name: "Reports", TaxCode: api.ProductCreateRequestTaxCodeSaas}))(t)
	featureID := "reports"
	feature := testkit.Must(c.Catalog.Features.Create(ctx, api.FeatureCreateRequest{Name: "Reports", Identifier: &featureID, FeatureType: "METER", FeatureDetails: testkit.MeterDetails()}))(t)
	planID := "starter"
	testkit.Must(c.Catalog.Plans.Create(ctx, api.PlanCreateRequest{Name: "Starter", Identifier: &planID, Product: *product.Id}))(t)
	limit := any(5)
	testkit.Must(c.Catalog.Plans.AddFeatures(ctx, planID, nil, api.PlanFeaturesCreateRequest{PlanEntitlements: []api.PlanFeatureEntitlementWrite{
		{Feature: *feature.Id, Details: api.PlanEntitlementDetails{Value: &limit, HardLimit: testkit.Ptr(true)}},
	}}))(t)
	testkit.Must(c.Catalog.Plans.BulkSetPrices(ctx, planID, api.PlanPriceBulkRequest{Prices: []api.PlanPriceCreateRequest{{
		PriceType: "PAID", Currency: testkit.Ptr("USD"),
		ChargeCatalogPrice: &[]api.PlanChargeCatalogPrice{{Charges: &[]api.PlanCharge{{
			ChargePeriod: testkit.Ptr(api.PlanChargeChargePeriod("MONTHLY")), PriceData: &map[string]any{"amount": "9.00"},
		}}}},
	}}}))(t)
	testkit.Must(c.Catalog.Plans.Publish(ctx, planID, api.PlanPublishRequest{}))(t)

	// Checkout, completed by opening the checkout link as the buyer would.
	session := testkit.Must(c.Checkout.CreateSession(ctx, api.CreateCheckoutSessionRequest{
		PlanIdentifier: planID, ChargePeriod: "MONTHLY", SuccessUrl: "https://flow.example.com/welcome",
		CustomerId: nullable.NewNullableWithValue("cus_flow"),
	}))(t)
	status, h, body := rawDo(t, "GET", *session.CheckoutUrl, nil, nil)
	if status != http.StatusSeeOther || h.Get("Location") != "https://flow.example.com/welcome" {
		t.Fatalf("checkout link: %d %q %s", status, h.Get("Location"), body)
	}
	cust := testkit.Must(rcv.expect(t, "customer.created").Customer())(t)
	if cust.CustomerID != "cus_flow" || cust.Organization != org.Identifier.String() {
		t.Fatalf("customer.created = %+v", cust)
	}
	// checkout.completed comes before the subscription exists; its
	// customer_id is the customer's kelviq ID, as the guide's example shows.
	co := testkit.Must(rcv.expect(t, "checkout.completed").CheckoutSession())(t)
	if co.ID != *session.CheckoutSessionId || co.Status != "success" || co.CustomerID != cust.ID || co.Customer.CustomerID != "cus_flow" || co.AmountUnits != 900 {
		t.Fatalf("checkout.completed = %+v", co)
	}
	subEvent := testkit.Must(rcv.expect(t, "subscription.created").Subscription())(t)
	if subEvent.Status != "active" || subEvent.Plan.Identifier != planID || subEvent.Amount.String() != "9.00" || subEvent.Customer.CustomerID != "cus_flow" {
		t.Fatalf("subscription.created = %+v", subEvent)
	}
	orderEvent := testkit.Must(rcv.expect(t, "order.created").Order())(t)
	if orderEvent.Status != "COMPLETE" || orderEvent.AmountTotalUnits != 900 || orderEvent.SubscriptionID != subEvent.ID {
		t.Fatalf("order.created = %+v", orderEvent)
	}

	// The subscription, as the API reports it.
	subs := testkit.Must(c.Subscriptions.List(ctx, &api.ListSubscriptionsParams{CustomerId: testkit.Ptr("cus_flow")}))(t)
	if subs.Results == nil || len(*subs.Results) != 1 || (*subs.Results)[0].Id.String() != subEvent.ID || *(*subs.Results)[0].Status != "active" {
		t.Fatalf("subscriptions = %+v", subs)
	}

	// Entitlement granted.
	if got, want := readMeter(t, entitlement(t, c, "cus_flow", featureID)), (meter{true, 5, 0, 5, true}); got != want {
		t.Fatalf("entitlement after checkout = %+v, want %+v", got, want)
	}

	// Usage past the limit: an alert, and access refused.
	testkit.Must(c.Usage.Report(ctx, api.ReportUsageRequest{CustomerId: "cus_flow", FeatureId: featureID, Value: 4, Behaviour: "DELTA"}))(t)
	if got, want := readMeter(t, entitlement(t, c, "cus_flow", featureID)), (meter{true, 5, 4, 1, true}); got != want {
		t.Fatalf("entitlement at 4 of 5 = %+v, want %+v", got, want)
	}
	// The wrapper's access checker reads the same response.
	if ok := testkit.Must(testkit.Must(entitlements.NewChecker(c))(t).HasAccess(ctx, "cus_flow", featureID))(t); !ok {
		t.Fatal("AccessChecker: no access at 4 of 5")
	}
	testkit.Must(c.Usage.Report(ctx, api.ReportUsageRequest{CustomerId: "cus_flow", FeatureId: featureID, Value: 2, Behaviour: "DELTA"}))(t)
	alert := testkit.Must(rcv.expect(t, "feature.usage_alert").FeatureUsageAlert())(t)
	if alert.Feature.Identifier != featureID || alert.CurrentUsage.String() != "6" || alert.UsageLimit.String() != "5" || alert.Customer.CustomerID != "cus_flow" {
		t.Fatalf("feature.usage_alert = %+v", alert)
	}
	if got, want := readMeter(t, entitlement(t, c, "cus_flow", featureID)), (meter{false, 5, 6, 0, true}); got != want {
		t.Fatalf("entitlement past the hard limit = %+v, want %+v", got, want)
	}
	if ok := testkit.Must(testkit.Must(entitlements.NewChecker(c))(t).HasAccess(ctx, "cus_flow", featureID))(t); ok {
		t.Fatal("AccessChecker: access past the hard limit")
	}
	if n := testkit.Must(srv.Usage(org.Identifier.String(), "cus_flow", featureID))(t); n != 6 {
		t.Fatalf("Server.Usage = %d", n)
	}

	// Cancelled now: access gone.
	testkit.Must(c.Subscriptions.Cancel(ctx, subEvent.ID, api.CancelSubscriptionRequest{CancellationType: "IMMEDIATE"}))(t)
	cancelled := testkit.Must(rcv.expect(t, "subscription.cancelled").Subscription())(t)
	if cancelled.ID != subEvent.ID || cancelled.Status != "canceled" || cancelled.EndDate == "" {
		t.Fatalf("subscription.cancelled = %+v", cancelled)
	}
	if e := entitlement(t, c, "cus_flow", featureID); e != nil {
		t.Fatalf("entitlement after cancelling = %+v", e)
	}

	// Webhook payloads are snake_case, as kelviq's are (free-form maps such
	// as metadata aside).
	for _, e := range srv.Events() {
		var env map[string]any
		if err := json.Unmarshal(e.Payload, &env); err != nil {
			t.Fatal(err)
		}
		if k := camelKey(env); k != "" {
			t.Errorf("%s: camelCase key %q in %s", e.Type, k, e.Payload)
		}
	}
}

// camelKey finds a key with an upper-case letter, not looking inside
// free-form maps.
func camelKey(v any) string {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if strings.ContainsAny(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
				return k
			}
			switch k {
			case "metadata", "details", "custom_fields_data", "customization", "price_data", "feature_details", "meter", "rollover":
				continue
			}
			if ck := camelKey(val); ck != "" {
				return ck
			}
		}
	case []any:
		for _, item := range x {
			if ck := camelKey(item); ck != "" {
				return ck
			}
		}
	}
	return ""
}
