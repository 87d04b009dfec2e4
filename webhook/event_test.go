package webhook_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kelviq/kelviq-go/webhook"
)

// The bodies below follow the shape of kelviq's documented example
// payloads (envelope with data.object, snake_case fields, decimal string
// amounts plus integer *_units), with values made up for these tests.

const checkoutCompletedBody = `{"id":"5f0e6a4c-2b1d-4c8e-9a77-3d2e1f0a9b8c","type":"checkout.completed","created_at":"2026-02-14T09:30:15Z",` +
	`"data":{"object":{"id":"cs_7Qx2LmN","object":"checkout_session","status":"COMPLETED","checkout_type":"SUBSCRIPTION",` +
	`"customer_id":"acct-7781","customer":{"id":"c0ffee00-1111-4222-8333-444455556666","name":"Mira Okafor","email":"mira@example.org","customer_id":"acct-7781",` +
	`"billing_address":{"line1":"12 Harbour Road","line2":null,"city":"Lisbon","state":null,"postal_code":"1100-148","country":"PT"}},` +
	`"organization":"0b7d2c9e-5a41-4f3e-8d6c-2e9f1a7b3c55","amount":"48.50","amount_units":4850,"currency":"EUR","discount_code":null,` +
	`"features":[{"identifier":"seats","quantity":3}],"plan":{"name":"Team","version":3,"identifier":"team"},` +
	`"product":{"id":"7e1f0c3a-9b2d-4a6e-b5c8-0d1e2f3a4b5c","name":"Ledgerly"},` +
	`"billing_address":{"line1":"12 Harbour Road","line2":"","city":"Lisbon","state":"","postal_code":"1100-148","country":"PT"},` +
	`"metadata":{"signup_ref":"spring-campaign","team":"finance"},"data":{"source":"pricing-page","seats":3},` +
	`"created_on":"2026-02-14T09:28:02Z","modified_on":"2026-02-14T09:30:14Z","added_later":{"x":1}}}}`

const customerUpdatedBody = `{"id":"a1b2c3d4-0000-4000-8000-00000000c0de","type":"customer.updated","created_at":"2026-02-20T16:05:44Z",` +
	`"data":{"object":{"id":"c0ffee00-1111-4222-8333-444455556666","object":"customer","customer_id":"acct-7781","name":"Mira Okafor-Reyes",` +
	`"email":"mira.reyes@example.org","details":{"locale":"pt-PT","vat_exempt":false},"metadata":{"tier":"gold"},` +
	`"billing_address":{"line1":"12 Harbour Road","line2":null,"city":"Lisbon","state":null,"postal_code":"1100-148","country":"PT"},` +
	`"subscriptions":2,"organization":"0b7d2c9e-5a41-4f3e-8d6c-2e9f1a7b3c55","created_on":"2025-11-03T08:00:00Z","modified_on":"2026-02-20T16:05:43Z"},` +
	`"previous_attributes":{"name":"Mira Okafor","email":"mira@example.org","metadata":{"tier":"silver"}}}}`

const orderRefundedBody = `{"id":"0d9c8b7a-6e5f-4d3c-8b2a-19f8e7d6c5b4","type":"order.refunded","created_at":"2026-03-02T11:12:13Z",` +
	`"data":{"object":{"id":"ORD-20260301080910-Z3K9P","object":"order","status":"REFUNDED","billing_type":"SUBSCRIPTION",` +
	`"customer_id":"acct-9912","customer":{"id":"5e6f7a8b-1c2d-4e3f-9a0b-c1d2e3f4a5b6","name":"Tomas Berg","email":"tomas@example.net","customer_id":"acct-9912","billing_address":{}},` +
	`"organization":"0b7d2c9e-5a41-4f3e-8d6c-2e9f1a7b3c55","is_renewal":true,"paid_at":"2026-03-01T08:09:12Z",` +
	`"amount_total":"120.00","amount_total_units":12000,"currency":"SEK","subscription_id":"3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f",` +
	`"product":{"id":"7e1f0c3a-9b2d-4a6e-b5c8-0d1e2f3a4b5c","name":"Ledgerly"},"plan":{"name":"Solo","version":1,"identifier":"solo"},` +
	`"features":null,"created_on":"2026-03-01T08:09:10Z","modified_on":"2026-03-02T11:12:12Z"}}}`

// Here the amount is a JSON number rather than a string.
const subscriptionCancelledBody = `{"id":"9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c6b","type":"subscription.cancelled","created_at":"2026-03-15T23:59:01Z",` +
	`"data":{"object":{"id":"3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f","object":"subscription","status":"canceled",` +
	`"plan":{"name":"Solo","version":1,"identifier":"solo"},"product":{"id":"7e1f0c3a-9b2d-4a6e-b5c8-0d1e2f3a4b5c","name":"Ledgerly"},` +
	`"amount":15.5,"amount_units":1550,"currency":"CHF","recurrence":"3 months","start_date":"2025-12-31","end_date":"2026-03-31",` +
	`"billing_period_start_time":"2025-12-31T00:00:00Z","billing_period_end_time":"2026-03-31T00:00:00Z",` +
	`"customer":{"id":"5e6f7a8b-1c2d-4e3f-9a0b-c1d2e3f4a5b6","name":"Tomas Berg","email":"tomas@example.net","customer_id":"acct-9912",` +
	`"billing_address":{"line1":"Storgatan 4","line2":null,"city":"Umea","state":null,"postal_code":"903 26","country":"SE"}},` +
	`"features":null,"organization":"0b7d2c9e-5a41-4f3e-8d6c-2e9f1a7b3c55","created_on":"2025-12-31T00:00:02Z","modified_on":"2026-03-15T23:59:00Z"},` +
	`"previous_attributes":{"status":"active","end_date":null}}}`

const featureUsageAlertBody = `{"id":"44e3d2c1-b0a9-4876-9543-210fedcba987","type":"feature.usage_alert","created_at":"2026-03-20T07:45:00Z",` +
	`"data":{"object":{"id":"f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9","object":"feature_usage_alert",` +
	`"feature":{"id":"6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d","name":"Report exports","identifier":"report-exports","feature_type":"METER"},` +
	`"customer":{"id":"c0ffee00-1111-4222-8333-444455556666","name":"Mira Okafor","email":"mira@example.org","customer_id":"acct-7781","billing_address":{}},` +
	`"usage_limit":500,"current_usage":451.5,"threshold_type":"PERCENTAGE","threshold_value":90,` +
	`"period_start_time":"2026-03-01T00:00:00Z","period_end_time":null,"subscription_id":"8f7e6d5c-4b3a-4291-8f0e-d9c8b7a69584",` +
	`"organization":"0b7d2c9e-5a41-4f3e-8d6c-2e9f1a7b3c55","created_on":"2026-03-20T07:44:59Z","modified_on":"2026-03-20T07:44:59Z"}}}`

const invoicePaidBody = `{"id":"7b6a5948-3726-4150-8f9e-8d7c6b5a4938","type":"invoice.paid","created_at":"2026-04-01T00:10:20Z",` +
	`"data":{"object":{"id":"INV-2026-000417","object":"invoice","status":"PAID","paid_at":"2026-04-01T00:10:18Z",` +
	`"amount_total":"9.99","amount_total_units":999,"currency":"USD","due_date":null,"order_id":"ORD-20260401001015-M4W2Q",` +
	`"customer_id":"acct-3321","customer":{"id":"2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e","name":"Ana Lima","email":"ana@example.com","customer_id":"acct-3321","billing_address":{"country":"BR"}},` +
	`"subscription_id":"6d5c4b3a-2918-4e7d-8c6b-5a4938271605","organization":"0b7d2c9e-5a41-4f3e-8d6c-2e9f1a7b3c55",` +
	`"product":{"id":"7e1f0c3a-9b2d-4a6e-b5c8-0d1e2f3a4b5c","name":"Ledgerly"},"created_on":"2026-04-01T00:10:15Z","modified_on":"2026-04-01T00:10:18Z"}}}`

const refundUpdatedBody = `{"id":"1f2e3d4c-5b6a-4789-8a9b-0c1d2e3f4a5b","type":"refund.updated","created_at":"2026-03-03T10:00:00Z",` +
	`"data":{"object":{"id":"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d","object":"refund","status":"SUCCEEDED","amount":"60.00","amount_units":6000,` +
	`"currency":"SEK","reason":"requested_by_customer","order_id":"ORD-20260301080910-Z3K9P","organization":"0b7d2c9e-5a41-4f3e-8d6c-2e9f1a7b3c55",` +
	`"created_on":"2026-03-02T11:12:10Z","modified_on":"2026-03-03T09:59:58Z"},"previous_attributes":{"status":"PROCESSING"}}}`

const paymentMethodCreatedBody = `{"id":"c3b2a190-8f7e-4d6c-9b5a-493827160504","type":"payment_method.created","created_at":"2026-01-09T14:22:31Z",` +
	`"data":{"object":{"id":9071,"object":"payment_method","organization":"0b7d2c9e-5a41-4f3e-8d6c-2e9f1a7b3c55","customer_id":"acct-3321",` +
	`"customer":{"id":"2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e","name":"Ana Lima","email":"ana@example.com","customer_id":"acct-3321","billing_address":{}},` +
	`"method_type":"card","method_data":{"brand":"mastercard","last4":"4444","exp_month":11,"exp_year":2029,"funding":"debit","country":"NL"},` +
	`"is_default":true,"status":"active"}}}`

func TestEventTypes(t *testing.T) {
	// The event types listed in kelviq's webhook guide.
	documented := []string{
		"checkout.completed",
		"customer.created", "customer.updated",
		"order.created", "order.updated", "order.refunded",
		"subscription.created", "subscription.updated", "subscription.cancelled", "subscription.plan_changed",
		"feature.usage_alert",
		"invoice.created", "invoice.paid", "invoice.payment_failed",
		"refund.created", "refund.updated",
		"payment_method.created", "payment_method.updated", "payment_method.deleted",
	}
	constants := []webhook.EventType{
		webhook.EventCheckoutCompleted,
		webhook.EventCustomerCreated, webhook.EventCustomerUpdated,
		webhook.EventOrderCreated, webhook.EventOrderUpdated, webhook.EventOrderRefunded,
		webhook.EventSubscriptionCreated, webhook.EventSubscriptionUpdated,
		webhook.EventSubscriptionCancelled, webhook.EventSubscriptionPlanChanged,
		webhook.EventFeatureUsageAlert,
		webhook.EventInvoiceCreated, webhook.EventInvoicePaid, webhook.EventInvoicePaymentFailed,
		webhook.EventRefundCreated, webhook.EventRefundUpdated,
		webhook.EventPaymentMethodCreated, webhook.EventPaymentMethodUpdated, webhook.EventPaymentMethodDeleted,
	}
	for i, c := range constants {
		if string(c) != documented[i] {
			t.Errorf("constant %d = %q, want %q", i, c, documented[i])
		}
	}

	all := webhook.EventTypes()
	if len(all) != len(documented) {
		t.Fatalf("EventTypes() has %d entries, want %d: %v", len(all), len(documented), all)
	}
	seen := map[webhook.EventType]bool{}
	for _, et := range all {
		if seen[et] {
			t.Errorf("EventTypes() lists %q twice", et)
		}
		seen[et] = true
		if !et.Known() {
			t.Errorf("%q.Known() = false", et)
		}
	}
	for _, d := range documented {
		if !seen[webhook.EventType(d)] {
			t.Errorf("EventTypes() lacks %q", d)
		}
	}

	// Each call returns a fresh slice.
	all[0] = "tampered"
	if webhook.EventTypes()[0] != webhook.EventCheckoutCompleted {
		t.Error("EventTypes() returned a shared slice")
	}

	// Guesses of earlier versions, near misses and other spellings are
	// not known.
	for _, u := range []webhook.EventType{
		"", "customer", "customer.deleted", "Customer.Created", "customer.created ",
		"subscription.canceled", "subscription.renewed", "subscription.trial_ending",
		"checkout.session.completed", "checkout.session.expired", "order.completed",
		"charge.succeeded", "charge.failed", "invoice.payment-failed", "refund.succeeded", "refund.failed",
		"feature.usage-alert", "payment_method", "paymentmethod.created",
	} {
		if u.Known() {
			t.Errorf("%q.Known() = true", u)
		}
	}
}

func TestEnvelope(t *testing.T) {
	e := verifyBody(t, customerUpdatedBody)
	if e.ID != "msg_x" {
		t.Errorf("ID = %q, want the webhook-id header", e.ID)
	}
	if e.Type != webhook.EventCustomerUpdated {
		t.Errorf("Type = %q", e.Type)
	}
	if want := time.Date(2026, 2, 20, 16, 5, 44, 0, time.UTC); !e.CreatedAt.Equal(want) || e.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt = %v, want %v", e.CreatedAt, want)
	}
	if !e.Timestamp.Equal(t0) {
		t.Errorf("Timestamp = %v, want the webhook-timestamp header %v", e.Timestamp, t0)
	}
	var env struct {
		Data struct {
			Object   json.RawMessage `json:"object"`
			Previous json.RawMessage `json:"previous_attributes"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(customerUpdatedBody), &env); err != nil {
		t.Fatal(err)
	}
	if string(e.Object) != string(env.Data.Object) {
		t.Errorf("Object = %s", e.Object)
	}
	if string(e.PreviousAttributes) != string(env.Data.Previous) {
		t.Errorf("PreviousAttributes = %s", e.PreviousAttributes)
	}
	if !strings.HasPrefix(string(e.Data), `{"object":{`) || !strings.HasSuffix(string(e.Data), `"tier":"silver"}}}`) {
		t.Errorf("Data is not the whole data member: %s", e.Data)
	}
	if string(e.Raw) != customerUpdatedBody {
		t.Errorf("Raw = %s", e.Raw)
	}

	// Events without previous_attributes have none.
	e = verifyBody(t, invoicePaidBody)
	if e.PreviousAttributes != nil {
		t.Errorf("PreviousAttributes = %s, want nil", e.PreviousAttributes)
	}
	var prev map[string]any
	if err := e.DecodePrevious(&prev); !errors.Is(err, webhook.ErrNoData) {
		t.Errorf("DecodePrevious without previous_attributes: err = %v, want ErrNoData", err)
	}
	e = verifyBody(t, `{"type":"refund.updated","data":{"object":{"id":"r"},"previous_attributes":null}}`)
	if e.PreviousAttributes != nil {
		t.Errorf("null previous_attributes: %s, want nil", e.PreviousAttributes)
	}
}

func TestCreatedAt(t *testing.T) {
	cases := []struct {
		createdAt string // JSON value, or "" to leave the member out
		want      time.Time
	}{
		{`"2026-04-01T17:28:39Z"`, time.Date(2026, 4, 1, 17, 28, 39, 0, time.UTC)},
		{`"2026-04-01T17:28:39.250Z"`, time.Date(2026, 4, 1, 17, 28, 39, 250e6, time.UTC)},
		{`"2026-04-01T19:28:39+02:00"`, time.Date(2026, 4, 1, 17, 28, 39, 0, time.UTC)},
		// Absent or not RFC 3339: zero, and the delivery is still accepted.
		{``, time.Time{}},
		{`null`, time.Time{}},
		{`""`, time.Time{}},
		{`"2026-04-01 17:28:39"`, time.Time{}},
		{`"2026-04-01"`, time.Time{}},
		{`"yesterday"`, time.Time{}},
		{`1775064519`, time.Time{}},
		{`{"at":"2026-04-01T17:28:39Z"}`, time.Time{}},
	}
	for _, c := range cases {
		body := `{"type":"order.created","data":{"object":{"id":"ORD-1"}}}`
		if c.createdAt != "" {
			body = `{"type":"order.created","created_at":` + c.createdAt + `,"data":{"object":{"id":"ORD-1"}}}`
		}
		e := verifyBody(t, body)
		if !e.CreatedAt.Equal(c.want) || e.CreatedAt.IsZero() != c.want.IsZero() {
			t.Errorf("created_at %s: CreatedAt = %v, want %v", c.createdAt, e.CreatedAt, c.want)
		}
		if o, err := e.Order(); err != nil || o.ID != "ORD-1" {
			t.Errorf("created_at %s: Order() = %+v, %v", c.createdAt, o, err)
		}
	}
}

func TestCheckoutCompleted(t *testing.T) {
	e := verifyBody(t, checkoutCompletedBody)
	cs, err := e.CheckoutSession()
	if err != nil {
		t.Fatalf("CheckoutSession(): %v", err)
	}
	want := webhook.CheckoutSession{
		ID: "cs_7Qx2LmN", Object: "checkout_session", Status: "COMPLETED", CheckoutType: "SUBSCRIPTION",
		CustomerID: "acct-7781",
		Customer: webhook.Customer{
			ID: "c0ffee00-1111-4222-8333-444455556666", Name: "Mira Okafor", Email: "mira@example.org", CustomerID: "acct-7781",
			BillingAddress: webhook.BillingAddress{Line1: "12 Harbour Road", City: "Lisbon", PostalCode: "1100-148", Country: "PT"},
		},
		Organization: "0b7d2c9e-5a41-4f3e-8d6c-2e9f1a7b3c55",
		Amount:       "48.50", AmountUnits: 4850, Currency: "EUR",
		Features:       json.RawMessage(`[{"identifier":"seats","quantity":3}]`),
		Plan:           webhook.Plan{Name: "Team", Version: 3, Identifier: "team"},
		Product:        webhook.Product{ID: "7e1f0c3a-9b2d-4a6e-b5c8-0d1e2f3a4b5c", Name: "Ledgerly"},
		BillingAddress: webhook.BillingAddress{Line1: "12 Harbour Road", City: "Lisbon", PostalCode: "1100-148", Country: "PT"},
		Metadata:       map[string]any{"signup_ref": "spring-campaign", "team": "finance"},
		Data:           map[string]any{"source": "pricing-page", "seats": float64(3)},
		CreatedOn:      "2026-02-14T09:28:02Z", ModifiedOn: "2026-02-14T09:30:14Z",
	}
	if !reflect.DeepEqual(*cs, want) {
		t.Errorf("CheckoutSession() =\n%+v\nwant\n%+v", *cs, want)
	}
	if e.Type != webhook.EventCheckoutCompleted || !e.Type.Known() {
		t.Errorf("Type = %q", e.Type)
	}
}

func TestCustomerUpdated(t *testing.T) {
	e := verifyBody(t, customerUpdatedBody)
	c, err := e.Customer()
	if err != nil {
		t.Fatalf("Customer(): %v", err)
	}
	want := webhook.Customer{
		ID: "c0ffee00-1111-4222-8333-444455556666", Object: "customer", CustomerID: "acct-7781",
		Name: "Mira Okafor-Reyes", Email: "mira.reyes@example.org",
		Details:        map[string]any{"locale": "pt-PT", "vat_exempt": false},
		Metadata:       map[string]string{"tier": "gold"},
		BillingAddress: webhook.BillingAddress{Line1: "12 Harbour Road", City: "Lisbon", PostalCode: "1100-148", Country: "PT"},
		Subscriptions:  2,
		Organization:   "0b7d2c9e-5a41-4f3e-8d6c-2e9f1a7b3c55",
		CreatedOn:      "2025-11-03T08:00:00Z", ModifiedOn: "2026-02-20T16:05:43Z",
	}
	if !reflect.DeepEqual(*c, want) {
		t.Errorf("Customer() =\n%+v\nwant\n%+v", *c, want)
	}

	// previous_attributes holds the earlier values of what changed; the
	// resource type decodes it, leaving the unchanged fields zero.
	var prev webhook.Customer
	if err := e.DecodePrevious(&prev); err != nil {
		t.Fatalf("DecodePrevious: %v", err)
	}
	if prev.Name != "Mira Okafor" || prev.Email != "mira@example.org" || prev.Metadata["tier"] != "silver" || prev.ID != "" {
		t.Errorf("DecodePrevious = %+v", prev)
	}
	// A map tells which attributes changed.
	var changed map[string]json.RawMessage
	if err := e.DecodePrevious(&changed); err != nil || len(changed) != 3 {
		t.Errorf("DecodePrevious into map = %v, %v", changed, err)
	}
}

func TestOrderRefunded(t *testing.T) {
	e := verifyBody(t, orderRefundedBody)
	o, err := e.Order()
	if err != nil {
		t.Fatalf("Order(): %v", err)
	}
	want := webhook.Order{
		ID: "ORD-20260301080910-Z3K9P", Object: "order", Status: "REFUNDED", BillingType: "SUBSCRIPTION",
		CustomerID: "acct-9912",
		Customer: webhook.Customer{
			ID: "5e6f7a8b-1c2d-4e3f-9a0b-c1d2e3f4a5b6", Name: "Tomas Berg", Email: "tomas@example.net", CustomerID: "acct-9912",
		},
		Organization: "0b7d2c9e-5a41-4f3e-8d6c-2e9f1a7b3c55",
		IsRenewal:    true, PaidAt: "2026-03-01T08:09:12Z",
		AmountTotal: "120.00", AmountTotalUnits: 12000, Currency: "SEK",
		SubscriptionID: "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f",
		Product:        webhook.Product{ID: "7e1f0c3a-9b2d-4a6e-b5c8-0d1e2f3a4b5c", Name: "Ledgerly"},
		Plan:           webhook.Plan{Name: "Solo", Version: 1, Identifier: "solo"},
		Features:       json.RawMessage(`null`),
		CreatedOn:      "2026-03-01T08:09:10Z", ModifiedOn: "2026-03-02T11:12:12Z",
	}
	if !reflect.DeepEqual(*o, want) {
		t.Errorf("Order() =\n%+v\nwant\n%+v", *o, want)
	}
	// The decimal string keeps its digits and converts exactly.
	if f, err := o.AmountTotal.Float64(); err != nil || f != 120 || o.AmountTotal.String() != "120.00" {
		t.Errorf("AmountTotal = %s (%v, %v)", o.AmountTotal, f, err)
	}
}

func TestSubscriptionCancelled(t *testing.T) {
	e := verifyBody(t, subscriptionCancelledBody)
	if e.Type != webhook.EventSubscriptionCancelled {
		t.Fatalf("Type = %q", e.Type)
	}
	s, err := e.Subscription()
	if err != nil {
		t.Fatalf("Subscription(): %v", err)
	}
	want := webhook.Subscription{
		ID: "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f", Object: "subscription", Status: "canceled",
		Plan:    webhook.Plan{Name: "Solo", Version: 1, Identifier: "solo"},
		Product: webhook.Product{ID: "7e1f0c3a-9b2d-4a6e-b5c8-0d1e2f3a4b5c", Name: "Ledgerly"},
		Amount:  "15.5", AmountUnits: 1550, Currency: "CHF", Recurrence: "3 months",
		StartDate: "2025-12-31", EndDate: "2026-03-31",
		BillingPeriodStartTime: "2025-12-31T00:00:00Z", BillingPeriodEndTime: "2026-03-31T00:00:00Z",
		Customer: webhook.Customer{
			ID: "5e6f7a8b-1c2d-4e3f-9a0b-c1d2e3f4a5b6", Name: "Tomas Berg", Email: "tomas@example.net", CustomerID: "acct-9912",
			BillingAddress: webhook.BillingAddress{Line1: "Storgatan 4", City: "Umea", PostalCode: "903 26", Country: "SE"},
		},
		Features:     json.RawMessage(`null`),
		Organization: "0b7d2c9e-5a41-4f3e-8d6c-2e9f1a7b3c55",
		CreatedOn:    "2025-12-31T00:00:02Z", ModifiedOn: "2026-03-15T23:59:00Z",
	}
	if !reflect.DeepEqual(*s, want) {
		t.Errorf("Subscription() =\n%+v\nwant\n%+v", *s, want)
	}
	var prev webhook.Subscription
	if err := e.DecodePrevious(&prev); err != nil || prev.Status != "active" || prev.EndDate != "" {
		t.Errorf("DecodePrevious = %+v, %v", prev, err)
	}
}

func TestFeatureUsageAlert(t *testing.T) {
	e := verifyBody(t, featureUsageAlertBody)
	a, err := e.FeatureUsageAlert()
	if err != nil {
		t.Fatalf("FeatureUsageAlert(): %v", err)
	}
	want := webhook.FeatureUsageAlert{
		ID: "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9", Object: "feature_usage_alert",
		Feature: webhook.Feature{ID: "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d", Name: "Report exports", Identifier: "report-exports", FeatureType: "METER"},
		Customer: webhook.Customer{
			ID: "c0ffee00-1111-4222-8333-444455556666", Name: "Mira Okafor", Email: "mira@example.org", CustomerID: "acct-7781",
		},
		UsageLimit: "500", CurrentUsage: "451.5", ThresholdType: "PERCENTAGE", ThresholdValue: "90",
		PeriodStartTime: "2026-03-01T00:00:00Z", PeriodEndTime: "",
		SubscriptionID: "8f7e6d5c-4b3a-4291-8f0e-d9c8b7a69584",
		Organization:   "0b7d2c9e-5a41-4f3e-8d6c-2e9f1a7b3c55",
		CreatedOn:      "2026-03-20T07:44:59Z", ModifiedOn: "2026-03-20T07:44:59Z",
	}
	if !reflect.DeepEqual(*a, want) {
		t.Errorf("FeatureUsageAlert() =\n%+v\nwant\n%+v", *a, want)
	}
	if n, err := a.UsageLimit.Int64(); err != nil || n != 500 {
		t.Errorf("UsageLimit.Int64() = %d, %v", n, err)
	}
}

// invoice.payment_failed carries an invoice like the others, with the
// status PAYMENT_FAILED and a payment_link to recover it.
func TestInvoicePaymentFailed(t *testing.T) {
	body := `{"id":"5f0c2a8e-1d3b-4c6a-9e7f-2b4d6c8a0e13","type":"invoice.payment_failed","created_at":"2026-05-01T08:00:05Z",` +
		`"data":{"object":{"id":"INV-2026-000512","object":"invoice","status":"PAYMENT_FAILED","paid_at":null,` +
		`"amount_total":"24.50","amount_total_units":2450,"currency":"EUR","due_date":null,"order_id":null,` +
		`"payment_link":"https://pay.example/invoices/INV-2026-000512?sig=abc","customer_id":"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",` +
		`"subscription_id":"3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a","created_on":"2026-05-01T08:00:00Z","modified_on":"2026-05-01T08:00:05Z"}}}`
	e := verifyBody(t, body)
	if !e.Type.Known() {
		t.Fatalf("%q is not Known", e.Type)
	}
	inv, err := e.Invoice()
	if err != nil {
		t.Fatalf("Invoice(): %v", err)
	}
	if inv.Status != "PAYMENT_FAILED" || inv.PaidAt != "" || inv.PaymentLink != "https://pay.example/invoices/INV-2026-000512?sig=abc" ||
		inv.AmountTotal != "24.50" || inv.SubscriptionID != "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a" {
		t.Errorf("Invoice() = %+v", *inv)
	}
}

func TestInvoicePaid(t *testing.T) {
	e := verifyBody(t, invoicePaidBody)
	inv, err := e.Invoice()
	if err != nil {
		t.Fatalf("Invoice(): %v", err)
	}
	want := webhook.Invoice{
		ID: "INV-2026-000417", Object: "invoice", Status: "PAID", PaidAt: "2026-04-01T00:10:18Z",
		AmountTotal: "9.99", AmountTotalUnits: 999, Currency: "USD", DueDate: "", OrderID: "ORD-20260401001015-M4W2Q",
		CustomerID: "acct-3321",
		Customer: webhook.Customer{
			ID: "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e", Name: "Ana Lima", Email: "ana@example.com", CustomerID: "acct-3321",
			BillingAddress: webhook.BillingAddress{Country: "BR"},
		},
		SubscriptionID: "6d5c4b3a-2918-4e7d-8c6b-5a4938271605",
		Organization:   "0b7d2c9e-5a41-4f3e-8d6c-2e9f1a7b3c55",
		Product:        webhook.Product{ID: "7e1f0c3a-9b2d-4a6e-b5c8-0d1e2f3a4b5c", Name: "Ledgerly"},
		CreatedOn:      "2026-04-01T00:10:15Z", ModifiedOn: "2026-04-01T00:10:18Z",
	}
	if !reflect.DeepEqual(*inv, want) {
		t.Errorf("Invoice() =\n%+v\nwant\n%+v", *inv, want)
	}
}

func TestRefundUpdated(t *testing.T) {
	e := verifyBody(t, refundUpdatedBody)
	r, err := e.Refund()
	if err != nil {
		t.Fatalf("Refund(): %v", err)
	}
	want := webhook.Refund{
		ID: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", Object: "refund", Status: "SUCCEEDED",
		Amount: "60.00", AmountUnits: 6000, Currency: "SEK", Reason: "requested_by_customer",
		OrderID: "ORD-20260301080910-Z3K9P", Organization: "0b7d2c9e-5a41-4f3e-8d6c-2e9f1a7b3c55",
		CreatedOn: "2026-03-02T11:12:10Z", ModifiedOn: "2026-03-03T09:59:58Z",
	}
	if !reflect.DeepEqual(*r, want) {
		t.Errorf("Refund() =\n%+v\nwant\n%+v", *r, want)
	}
	var prev webhook.Refund
	if err := e.DecodePrevious(&prev); err != nil || prev.Status != "PROCESSING" {
		t.Errorf("DecodePrevious = %+v, %v", prev, err)
	}
}

func TestPaymentMethodCreated(t *testing.T) {
	e := verifyBody(t, paymentMethodCreatedBody)
	pm, err := e.PaymentMethod()
	if err != nil {
		t.Fatalf("PaymentMethod(): %v", err)
	}
	want := webhook.PaymentMethod{
		ID: 9071, Object: "payment_method", Organization: "0b7d2c9e-5a41-4f3e-8d6c-2e9f1a7b3c55",
		CustomerID: "acct-3321",
		Customer: webhook.Customer{
			ID: "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e", Name: "Ana Lima", Email: "ana@example.com", CustomerID: "acct-3321",
		},
		MethodType: "card",
		MethodData: webhook.MethodData{Brand: "mastercard", Last4: "4444", ExpMonth: 11, ExpYear: 2029, Funding: "debit", Country: "NL"},
		IsDefault:  true, Status: "active",
	}
	if !reflect.DeepEqual(*pm, want) {
		t.Errorf("PaymentMethod() =\n%+v\nwant\n%+v", *pm, want)
	}
}

// TestAccessorsMatchEventTypes checks, for every documented event type and
// a few unknown ones, that exactly the accessor of its resource decodes it
// and every other accessor reports ErrEventTypeMismatch.
func TestAccessorsMatchEventTypes(t *testing.T) {
	accessors := map[string]func(webhook.Event) error{
		"checkout.":       func(e webhook.Event) error { _, err := e.CheckoutSession(); return err },
		"customer.":       func(e webhook.Event) error { _, err := e.Customer(); return err },
		"order.":          func(e webhook.Event) error { _, err := e.Order(); return err },
		"subscription.":   func(e webhook.Event) error { _, err := e.Subscription(); return err },
		"feature.":        func(e webhook.Event) error { _, err := e.FeatureUsageAlert(); return err },
		"invoice.":        func(e webhook.Event) error { _, err := e.Invoice(); return err },
		"refund.":         func(e webhook.Event) error { _, err := e.Refund(); return err },
		"payment_method.": func(e webhook.Event) error { _, err := e.PaymentMethod(); return err },
	}
	types := append(webhook.EventTypes(), "order.disputed", "customer.deleted", "widget.exploded", "", "checkout", "orders.created")
	for _, et := range types {
		// An empty object decodes into every resource type.
		e := verifyBody(t, `{"type":"`+string(et)+`","data":{"object":{}}}`)
		matched := 0
		for prefix, get := range accessors {
			err := get(e)
			if strings.HasPrefix(string(et), prefix) {
				matched++
				if err != nil {
					t.Errorf("%q: %s accessor: %v", et, prefix, err)
				}
				continue
			}
			if !errors.Is(err, webhook.ErrEventTypeMismatch) {
				t.Errorf("%q: %s accessor: err = %v, want ErrEventTypeMismatch", et, prefix, err)
			}
		}
		if et.Known() && matched != 1 {
			t.Errorf("known type %q matched %d accessors", et, matched)
		}
	}

	// A mismatch is reported before looking at the data.
	e := verifyBody(t, invoicePaidBody)
	if _, err := e.Order(); !errors.Is(err, webhook.ErrEventTypeMismatch) || !strings.Contains(err.Error(), "invoice.paid") {
		t.Errorf("Order() on invoice.paid: err = %v", err)
	}
	e = verifyBody(t, `{"type":"invoice.paid"}`)
	if _, err := e.Refund(); !errors.Is(err, webhook.ErrEventTypeMismatch) {
		t.Errorf("Refund() on invoice.paid without data: err = %v, want ErrEventTypeMismatch", err)
	}
}

func TestUnknownEventTypeKept(t *testing.T) {
	payload := ` {"id":"e1","type":"widget.exploded","created_at":"2026-05-06T07:08:09Z","data":{"object":{"object":"widget","pieces":3,"nested":{"a":[1,2]}}},"extra":true}`
	e := verifyBody(t, payload)
	if e.Type != "widget.exploded" || e.Type.Known() {
		t.Errorf("Type = %q (known=%v), want unknown widget.exploded", e.Type, e.Type.Known())
	}
	if string(e.Object) != `{"object":"widget","pieces":3,"nested":{"a":[1,2]}}` {
		t.Errorf("Object = %s", e.Object)
	}
	if string(e.Data) != `{"object":{"object":"widget","pieces":3,"nested":{"a":[1,2]}}}` {
		t.Errorf("Data = %s", e.Data)
	}
	if string(e.Raw) != payload {
		t.Errorf("Raw = %s", e.Raw)
	}
	if e.CreatedAt.IsZero() {
		t.Error("CreatedAt not parsed for an unknown type")
	}
	var w struct {
		Object string `json:"object"`
		Pieces int    `json:"pieces"`
	}
	if err := e.Decode(&w); err != nil || w.Object != "widget" || w.Pieces != 3 {
		t.Errorf("Decode = %+v, %v", w, err)
	}
	var m map[string]any
	if err := e.Decode(&m); err != nil || m["pieces"] != float64(3) {
		t.Errorf("Decode into map: %v, %v", m, err)
	}
}

func TestNoObject(t *testing.T) {
	for _, p := range []string{
		`{"type":"customer.created"}`,
		`{"type":"customer.created","data":null}`,
		`{"type":"customer.created","data":{}}`,
		`{"type":"customer.created","data":{"object":null}}`,
		`{"type":"customer.created","data":{"previous_attributes":{"name":"x"}}}`,
		`{"type":"customer.created","data":[1,2]}`,
		`{"type":"customer.created","data":"customer"}`,
		// The shape this package used to expect: the resource directly in data.
		`{"type":"customer.created","data":{"id":"9b2f","customer_id":"cust-42"}}`,
	} {
		e := verifyBody(t, p)
		if e.Object != nil {
			t.Errorf("%s: Object = %s, want nil", p, e.Object)
		}
		if _, err := e.Customer(); !errors.Is(err, webhook.ErrNoData) {
			t.Errorf("%s: Customer() err = %v, want ErrNoData", p, err)
		}
		var m map[string]any
		if err := e.Decode(&m); !errors.Is(err, webhook.ErrNoData) {
			t.Errorf("%s: Decode err = %v, want ErrNoData", p, err)
		}
	}
	// data itself is kept whenever it is present and not null.
	for p, want := range map[string]string{
		`{"type":"customer.created","data":null}`:  "",
		`{"type":"customer.created","data":[1,2]}`: "[1,2]",
		`{"type":"customer.created","data":{}}`:    "{}",
	} {
		if e := verifyBody(t, p); string(e.Data) != want {
			t.Errorf("%s: Data = %s, want %q", p, e.Data, want)
		}
	}
	// previous_attributes without an object is still available.
	e := verifyBody(t, `{"type":"customer.updated","data":{"previous_attributes":{"name":"x"}}}`)
	var prev webhook.Customer
	if err := e.DecodePrevious(&prev); err != nil || prev.Name != "x" {
		t.Errorf("DecodePrevious = %+v, %v", prev, err)
	}
}

func TestObjectOfWrongShape(t *testing.T) {
	// A field that does not fit its type is reported, not silently zeroed.
	for _, p := range []string{
		`{"type":"refund.updated","data":{"object":{"amount":"not-a-number"}}}`,
		`{"type":"refund.updated","data":{"object":{"amount_units":"6000"}}}`,
		`{"type":"refund.updated","data":{"object":[1,2]}}`,
		`{"type":"refund.updated","data":{"object":"refund"}}`,
	} {
		e := verifyBody(t, p)
		_, err := e.Refund()
		if err == nil || errors.Is(err, webhook.ErrNoData) || errors.Is(err, webhook.ErrEventTypeMismatch) {
			t.Errorf("%s: Refund() err = %v, want a decode error", p, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), "webhook: ") || !strings.Contains(err.Error(), "refund.updated") {
			t.Errorf("%s: error %q lacks prefix or event type", p, err)
		}
	}
	// A string id where the payment method's integer id is expected.
	e := verifyBody(t, `{"type":"payment_method.updated","data":{"object":{"id":"pm_1"}}}`)
	if _, err := e.PaymentMethod(); err == nil {
		t.Error("PaymentMethod() accepted a string id")
	}
	// Bad previous_attributes do not affect the object.
	e = verifyBody(t, `{"type":"refund.updated","data":{"object":{"id":"r1"},"previous_attributes":{"amount":true}}}`)
	if r, err := e.Refund(); err != nil || r.ID != "r1" {
		t.Errorf("Refund() = %+v, %v", r, err)
	}
	var prev webhook.Refund
	if err := e.DecodePrevious(&prev); err == nil || errors.Is(err, webhook.ErrNoData) {
		t.Errorf("DecodePrevious err = %v, want a decode error", err)
	}
}

func TestEnvelopeTypeKeys(t *testing.T) {
	cases := []struct {
		payload string
		want    webhook.EventType
	}{
		{`{"type":"order.created","event_type":"x","event":"y"}`, webhook.EventOrderCreated},
		{`{"event_type":"order.updated","event":"y"}`, webhook.EventOrderUpdated},
		{`{"event":"order.refunded"}`, webhook.EventOrderRefunded},
		{`{"type":{"nested":true},"event_type":"refund.updated"}`, webhook.EventRefundUpdated},
		{`{"type":"","event":"refund.created"}`, webhook.EventRefundCreated},
		{`{"id":"no type at all"}`, ""},
		{`{}`, ""},
	}
	for _, c := range cases {
		e := verifyBody(t, c.payload)
		if e.Type != c.want {
			t.Errorf("%s: Type = %q, want %q", c.payload, e.Type, c.want)
		}
	}
}

func TestEventIsACopy(t *testing.T) {
	payload := []byte(refundUpdatedBody)
	id, ts := "msg_copy", "1700000000"
	e, err := webhook.Verify(payload, hdr(id, ts, "v1,"+refMAC(testSecret, id, ts, payload)), testSecret, at(t0))
	if err != nil {
		t.Fatal(err)
	}
	for i := range payload {
		payload[i] = 'X'
	}
	if string(e.Raw) != refundUpdatedBody || !json.Valid(e.Data) || !json.Valid(e.Object) || string(e.PreviousAttributes) != `{"status":"PROCESSING"}` {
		t.Errorf("event aliases the caller's buffer: Raw=%s Data=%s Object=%s Previous=%s", e.Raw, e.Data, e.Object, e.PreviousAttributes)
	}
	if r, err := e.Refund(); err != nil || r.Status != "SUCCEEDED" {
		t.Errorf("Refund() after the buffer changed = %+v, %v", r, err)
	}
}
