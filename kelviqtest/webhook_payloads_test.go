package kelviqtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/kelviqtest"
)

// guidePayload is what kelviq's webhook guide (guides/webhooks.mdx) shows
// for an event type: the keys of data.object in its example, and whether
// the example carries data.previous_attributes (an update event). It is
// our own summary of the examples, which are the contract.
type guidePayload struct {
	object []string
	update bool
}

// The field sets, one list per resource, as the guide's examples have
// them. invoice adds payment_link (changelog v1.7.1, after the examples).
var (
	customerFields = []string{"id", "object", "customer_id", "name", "email", "details", "metadata", "billing_address",
		"subscriptions", "organization", "created_on", "modified_on"}
	checkoutFields = []string{"id", "object", "status", "checkout_type", "customer_id", "customer", "organization", "amount",
		"amount_units", "currency", "discount_code", "features", "plan", "product", "billing_address", "metadata", "data",
		"created_on", "modified_on"}
	orderFields = []string{"id", "object", "status", "billing_type", "customer_id", "customer", "organization", "is_renewal",
		"paid_at", "amount_total", "amount_total_units", "currency", "subscription_id", "product", "plan", "features",
		"created_on", "modified_on"}
	subscriptionFields = []string{"id", "object", "status", "plan", "product", "amount", "amount_units", "currency", "recurrence",
		"start_date", "end_date", "billing_period_start_time", "billing_period_end_time", "trial_start", "trial_end", "customer",
		"features", "organization", "created_on", "modified_on"}
	usageAlertFields = []string{"id", "object", "feature", "customer", "usage_limit", "current_usage", "threshold_type",
		"threshold_value", "period_start_time", "period_end_time", "subscription_id", "organization", "created_on", "modified_on"}
	invoiceFields = []string{"id", "object", "status", "paid_at", "amount_total", "amount_total_units", "currency", "due_date",
		"order_id", "customer_id", "customer", "subscription_id", "organization", "product", "created_on", "modified_on", "payment_link"}
	refundFields = []string{"id", "object", "status", "amount", "amount_units", "currency", "reason", "order_id", "customer",
		"subscription_id", "organization", "created_on", "modified_on"}
	paymentMethodFields = []string{"id", "object", "organization", "customer_id", "customer", "method_type", "method_data",
		"is_default", "status"}

	// Nested objects.
	customerRefFields     = []string{"id", "name", "email", "customer_id", "billing_address"}
	planRefFields         = []string{"name", "version", "identifier"}
	productRefFields      = []string{"id", "name"}
	checkoutDataFields    = []string{"name", "email", "referer", "cancel_url", "success_url", "tax_behavior", "discounts_enabled"}
	usageAlertFeatureKeys = []string{"id", "name", "identifier", "feature_type"}
	methodDataFields      = []string{"brand", "last4", "exp_month", "exp_year", "funding", "country"}
	addressFields         = []string{"line1", "line2", "city", "state", "postal_code", "country"}
)

// guidePayloads has one entry for each event type of the guide's table.
var guidePayloads = map[string]guidePayload{
	"checkout.completed":        {object: checkoutFields},
	"customer.created":          {object: customerFields},
	"customer.updated":          {object: customerFields, update: true},
	"order.created":             {object: orderFields},
	"order.updated":             {object: orderFields, update: true},
	"order.refunded":            {object: orderFields, update: true},
	"subscription.created":      {object: subscriptionFields},
	"subscription.updated":      {object: subscriptionFields, update: true},
	"subscription.cancelled":    {object: subscriptionFields, update: true},
	"subscription.plan_changed": {object: subscriptionFields, update: true},
	"feature.usage_alert":       {object: usageAlertFields},
	"invoice.created":           {object: invoiceFields},
	"invoice.paid":              {object: invoiceFields, update: true},
	"invoice.payment_failed":    {object: invoiceFields},
	"refund.created":            {object: refundFields},
	"refund.updated":            {object: refundFields},
	"payment_method.created":    {object: paymentMethodFields},
	"payment_method.updated":    {object: paymentMethodFields},
	"payment_method.deleted":    {object: paymentMethodFields},
}

// eventsFromState are the types the fake sends for changes of its own
// state (the others, which need a failed payment or a dashboard action,
// come from TriggerEvent only).
var eventsFromState = []string{
	"checkout.completed", "customer.created", "customer.updated", "order.created", "order.refunded",
	"subscription.created", "subscription.updated", "subscription.cancelled", "subscription.plan_changed",
	"feature.usage_alert", "invoice.created", "invoice.paid", "refund.created", "refund.updated", "payment_method.created",
}

func TestEventTypesAreTheGuides(t *testing.T) {
	t.Parallel()
	got := kelviqtest.EventTypes()
	if len(got) != len(guidePayloads) {
		t.Fatalf("EventTypes() has %d types, the guide %d", len(got), len(guidePayloads))
	}
	for _, typ := range got {
		if _, ok := guidePayloads[typ]; !ok {
			t.Errorf("EventTypes() has %q, the guide does not", typ)
		}
	}
	// The guide: there is no payment.failed event.
	if _, err := kelviqtest.NewServer(t).TriggerEvent("payment.failed"); err == nil {
		t.Error("payment.failed was triggered")
	}
}

// sameKeys fails t unless m's keys are exactly want.
func sameKeys(t *testing.T, what string, m any, want []string) {
	t.Helper()
	obj, ok := m.(map[string]any)
	if !ok {
		t.Errorf("%s: not an object: %v", what, m)
		return
	}
	got := slices.Sorted(maps.Keys(obj))
	w := slices.Sorted(slices.Values(want))
	if !slices.Equal(got, w) {
		t.Errorf("%s: keys %v, the guide's %v", what, got, w)
	}
}

// checkPayload checks one event body against the guide: the envelope,
// compact JSON, previous_attributes on update events only, and the field
// sets of the object and of the objects it nests.
func checkPayload(t *testing.T, typ string, body []byte) {
	t.Helper()
	var compact bytes.Buffer
	if err := json.Compact(&compact, body); err != nil || !bytes.Equal(compact.Bytes(), body) {
		t.Errorf("%s: body is not compact JSON: %s", typ, body)
	}
	var env map[string]any
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("%s: %v", typ, err)
	}
	sameKeys(t, typ+" envelope", env, []string{"id", "type", "created_at", "data"})
	if env["type"] != typ {
		t.Errorf("%s: type %v", typ, env["type"])
	}
	if ts, _ := env["created_at"].(string); !strings.HasSuffix(ts, "Z") {
		t.Errorf("%s: created_at %q is not UTC ISO 8601", typ, ts)
	} else if _, err := time.Parse(time.RFC3339, ts); err != nil {
		t.Errorf("%s: created_at: %v", typ, err)
	}
	g, ok := guidePayloads[typ]
	if !ok {
		t.Fatalf("%s: not an event type of the guide", typ)
	}
	data, _ := env["data"].(map[string]any)
	if _, has := data["previous_attributes"]; has && !g.update {
		t.Errorf("%s: previous_attributes on an event that is not an update: %s", typ, body)
	}
	o, _ := data["object"].(map[string]any)
	sameKeys(t, typ+" data.object", o, g.object)
	for _, k := range []string{"customer"} {
		if c, ok := o[k].(map[string]any); ok && typ != "customer.created" && typ != "customer.updated" {
			sameKeys(t, typ+" customer", c, customerRefFields)
			if a, ok := c["billing_address"].(map[string]any); ok && len(a) > 0 {
				sameKeys(t, typ+" customer.billing_address", a, addressFields)
			}
		}
	}
	if p, ok := o["plan"]; ok {
		sameKeys(t, typ+" plan", p, planRefFields)
	}
	if p, ok := o["product"]; ok {
		sameKeys(t, typ+" product", p, productRefFields)
	}
	switch typ {
	case "checkout.completed":
		sameKeys(t, typ+" data", o["data"], checkoutDataFields)
	case "feature.usage_alert":
		sameKeys(t, typ+" feature", o["feature"], usageAlertFeatureKeys)
	}
	if strings.HasPrefix(typ, "payment_method.") {
		sameKeys(t, typ+" method_data", o["method_data"], methodDataFields)
	}
	if prev, ok := data["previous_attributes"].(map[string]any); ok && typ == "subscription.plan_changed" {
		sameKeys(t, typ+" previous_attributes", prev, subscriptionFields)
	}
}

func TestTriggeredPayloadsHaveTheGuidesFields(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	for _, typ := range kelviqtest.EventTypes() {
		id, err := srv.TriggerEvent(typ)
		if err != nil {
			t.Fatal(err)
		}
		events := srv.Events()
		e := events[len(events)-1]
		if e.ID != id || e.Type != typ {
			t.Fatalf("last event %s %s, want %s %s", e.ID, e.Type, id, typ)
		}
		checkPayload(t, typ, e.Payload)
	}
}

// TestStatePayloadsHaveTheGuidesFields drives the fake through every change
// that sends a webhook and checks each payload against the guide.
func TestStatePayloadsHaveTheGuidesFields(t *testing.T) {
	t.Parallel()
	clk := testkit.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	srv := kelviqtest.NewServer(t, kelviqtest.WithClock(clk.Now))
	s := newPricedShop(t, srv, "payloads")
	ctx := context.Background()
	c := s.c
	testkit.Must(c.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "cus_pay", Name: nullable.NewNullableWithValue("Pat Payer"),
		Email:          nullable.NewNullableWithValue("pat@payer.example"),
		BillingAddress: nullable.NewNullableWithValue(api.BillingAddress{Country: testkit.Ptr("NL"), City: testkit.Ptr("Utrecht"), PostalCode: testkit.Ptr("3511 AB")})}))(t)
	testkit.Must(c.Customers.Update(ctx, "cus_pay", api.CustomerUpdateRequest{Name: nullable.NewNullableWithValue("Pat P. Payer")}))(t)
	session := testkit.Must(c.Checkout.CreateSession(ctx, api.CreateCheckoutSessionRequest{PlanIdentifier: "team", ChargePeriod: "MONTHLY",
		SuccessUrl: "https://payer.example/ok", CustomerId: nullable.NewNullableWithValue("cus_pay"),
		Metadata: nullable.NewNullableWithValue(map[string]any{"workspace_ref": "ws-77", "campaignTag": "autumn"})}))(t)
	if err := srv.CompleteCheckout(*session.CheckoutSessionId); err != nil {
		t.Fatal(err)
	}
	subs := *testkit.Must(c.Subscriptions.List(ctx, &api.ListSubscriptionsParams{CustomerId: testkit.Ptr("cus_pay")}))(t).Results
	subID := subs[0].Id.String()
	testkit.Must(c.Usage.Report(ctx, api.ReportUsageRequest{CustomerId: "cus_pay", FeatureId: "seats", Value: 3, Behaviour: "SET"}))(t) // at the limit: an alert
	testkit.Must(c.Subscriptions.Update(ctx, subID, api.UpdateSubscriptionRequest{PlanIdentifier: "team", ChargePeriod: "YEARLY"}))(t)
	testkit.Must(c.Subscriptions.Update(ctx, subID, api.UpdateSubscriptionRequest{PlanIdentifier: "solo", ChargePeriod: "MONTHLY"}))(t)
	testkit.Must(c.Subscriptions.Cancel(ctx, subID, api.CancelSubscriptionRequest{CancellationType: "CURRENT_PERIOD_ENDS"}))(t)
	clk.Advance(40 * 24 * time.Hour)
	testkit.Must(c.Subscriptions.Get(ctx, subID))(t) // the period is over: cancelled
	orderID := *testkit.Must(c.CheckoutSessions.Get(ctx, *session.CheckoutSessionId))(t).Order.Id
	testkit.Must(c.Refunds.Create(ctx, api.RefundCreateRequest{OrderId: orderID, AmountUnits: testkit.Ptr(int64(100))}))(t)

	seen := map[string]bool{}
	for _, e := range srv.Events() {
		seen[e.Type] = true
		checkPayload(t, e.Type, e.Payload)
	}
	for _, typ := range eventsFromState {
		if !seen[typ] {
			t.Errorf("no %s event from the fake's state", typ)
		}
	}
}

// pricedShop is a shop (newShop) whose plan "team" costs 20.00 a month and
// 200.00 a year, with a second published plan "solo" at 5.00 a month or
// 15.00 once.
func newPricedShop(t *testing.T, srv *kelviqtest.Server, externalID string) *shop {
	t.Helper()
	s := newShop(t, srv, externalID)
	ctx := context.Background()
	price := func(plan string, amounts map[string]string) {
		t.Helper()
		var charges []api.PlanCharge
		for period, amount := range amounts {
			charges = append(charges, api.PlanCharge{ChargePeriod: testkit.Ptr(api.PlanChargeChargePeriod(period)), PriceData: &map[string]any{"amount": amount}})
		}
		testkit.Must(s.c.Catalog.Plans.BulkSetPrices(ctx, plan, api.PlanPriceBulkRequest{Prices: []api.PlanPriceCreateRequest{{
			PriceType: "PAID", Currency: testkit.Ptr("USD"), ChargeCatalogPrice: &[]api.PlanChargeCatalogPrice{{Charges: &charges}},
		}}}))(t)
		testkit.Must(s.c.Catalog.Plans.Publish(ctx, plan, api.PlanPublishRequest{}))(t)
	}
	price("team", map[string]string{"MONTHLY": "20.00", "YEARLY": "200.00"})
	solo := "solo"
	testkit.Must(s.c.Catalog.Plans.Create(ctx, api.PlanCreateRequest{Name: "Solo", Identifier: &solo, Product: *s.product.Id}))(t)
	price("solo", map[string]string{"MONTHLY": "5.00", "ONE_TIME": "15.00"})
	return s
}

// eventsOf returns the decoded events of one type, oldest first.
func eventsOf(t *testing.T, srv *kelviqtest.Server, typ string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, e := range srv.Events() {
		if e.Type != typ {
			continue
		}
		var env map[string]any
		if err := json.Unmarshal(e.Payload, &env); err != nil {
			t.Fatal(err)
		}
		out = append(out, env)
	}
	return out
}

// object and previous are an event's data.object and
// data.previous_attributes (nil when absent).
func object(env map[string]any) map[string]any {
	data, _ := env["data"].(map[string]any)
	o, _ := data["object"].(map[string]any)
	return o
}

func previous(env map[string]any) map[string]any {
	data, _ := env["data"].(map[string]any)
	p, _ := data["previous_attributes"].(map[string]any)
	return p
}
