package kelviqtest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/oapi-codegen/nullable"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/kelviqtest"
)

// TestEndpointsBeyondTheReference: GET and DELETE /customers/{id}/ and
// POST /report/event/, which kelviq's SDKs call and openapi.json omits.
func TestEndpointsBeyondTheReference(t *testing.T) {
	t.Parallel()
	srv, org, c := setup(t, "beyond")
	ctx := context.Background()
	testkit.Must(c.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "cus_far", Name: nullable.NewNullableWithValue("Far Away"),
		Metadata: nullable.NewNullableWithValue(map[string]string{"tier": "gold"})}))(t)
	auth := http.Header{"Authorization": {"Bearer " + org.ServerKey.Reveal()}, "Content-Type": {"application/json"}}
	base := srv.URL()

	// GET, with or without the trailing slash: the customer as created.
	for _, path := range []string{"/customers/cus_far/", "/customers/cus_far"} {
		status, _, body := rawDo(t, "GET", base+path, auth, nil)
		var got api.CustomerResponse
		if err := json.Unmarshal(body, &got); status != http.StatusOK || err != nil || *got.CustomerId != "cus_far" || *got.Name != "Far Away" || got.Id == nil || got.CreatedOn == nil {
			t.Fatalf("GET %s = %d %s", path, status, body)
		}
	}
	if status, _, _ := rawDo(t, "GET", base+"/customers/cus_far/", nil, nil); status != http.StatusUnauthorized {
		t.Fatalf("GET without a key = %d", status)
	}
	if status, _, _ := rawDo(t, "GET", base+"/customers/cus_nobody/", auth, nil); status != http.StatusNotFound {
		t.Fatalf("GET of an unknown customer = %d", status)
	}
	// Another organization's key does not see it.
	other := testkit.Must(srv.ProvisionOrganization("beyond-other", "other@shop.example"))(t)
	if status, _, _ := rawDo(t, "GET", base+"/customers/cus_far/", http.Header{"Authorization": {"Bearer " + other.ServerKey.Reveal()}}, nil); status != http.StatusNotFound {
		t.Fatalf("GET with another organization's key = %d", status)
	}

	// DELETE archives: 204, then 404; the customerId stays taken.
	if status, _, body := rawDo(t, "DELETE", base+"/customers/cus_far/", auth, nil); status != http.StatusNoContent || len(body) != 0 {
		t.Fatalf("DELETE = %d %s", status, body)
	}
	if status, _, _ := rawDo(t, "GET", base+"/customers/cus_far/", auth, nil); status != http.StatusNotFound {
		t.Fatalf("GET after DELETE = %d", status)
	}
	if list := testkit.Must(c.Customers.List(ctx, nil))(t); *list.Count != 0 {
		t.Fatalf("an archived customer is listed: %d", *list.Count)
	}
	_, err := c.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "cus_far"})
	apiError(t, err, http.StatusBadRequest)
	// PATCH is still the reference's operation (an archived customer: 404).
	_, err = c.Customers.Update(ctx, "cus_far", api.CustomerUpdateRequest{Name: nullable.NewNullableWithValue("Back")})
	apiError(t, err, http.StatusNotFound)

	// POST /report/event/: echoed with orgId, snake_case accepted; the
	// same idempotencyKey again gets the first response, recorded once.
	camel := `{"customerId":"cus_far","eventName":"export_run","idempotencyKey":"key-1","timestamp":"2026-07-01 10:00:00.000001","properties":{"featureId":"exports","value":2}}`
	status, _, body := rawDo(t, "POST", base+"/report/event/", auth, []byte(camel))
	var response map[string]any
	if err := json.Unmarshal(body, &response); status != http.StatusOK || err != nil || response["orgId"] != org.Identifier.String() ||
		response["eventName"] != "export_run" || response["idempotencyKey"] != "key-1" || response["timestamp"] != "2026-07-01 10:00:00.000001" {
		t.Fatalf("report event = %d %s", status, body)
	}
	snake := `{"customer_id":"cus_far","event_name":"export_run","idempotency_key":"key-2","timestamp":"2026-07-01 10:00:01.000000"}`
	if status, _, body := rawDo(t, "POST", base+"/report/event", auth, []byte(snake)); status != http.StatusOK {
		t.Fatalf("snake_case report event = %d %s", status, body)
	}
	again := `{"customerId":"cus_far","eventName":"other","idempotencyKey":"key-1","timestamp":"2026-07-02 10:00:00.000000"}`
	if status, _, body := rawDo(t, "POST", base+"/report/event/", auth, []byte(again)); status != http.StatusOK || !json.Valid(body) {
		t.Fatalf("repeated key = %d %s", status, body)
	} else if json.Unmarshal(body, &response); response["eventName"] != "export_run" {
		t.Fatalf("a repeated idempotencyKey got %s, not the first event", body)
	}
	if events := testkit.Must(srv.RawEvents(org.Identifier.String()))(t); len(events) != 2 {
		t.Fatalf("%d raw events recorded, want 2", len(events))
	}
	// Missing fields and a bad timestamp are 400 naming the field.
	for body, field := range map[string]string{
		`{"eventName":"x","idempotencyKey":"k","timestamp":"2026-07-01 10:00:00.0"}`:                                    "customerId",
		`{"customerId":"c","eventName":"x","idempotencyKey":"k","timestamp":"2026-07-01T10:00:00Z"}`:                    "timestamp",
		`{"customerId":"c","eventName":"x","timestamp":"2026-07-01 10:00:00.0"}`:                                        "idempotencyKey",
		`{"customerId":"c","eventName":"x","idempotencyKey":"k3","timestamp":"2026-07-01 10:00:00.0","properties":[1]}`: "properties",
	} {
		status, _, got := rawDo(t, "POST", base+"/report/event/", auth, []byte(body))
		var errs map[string]any
		if status != http.StatusBadRequest || json.Unmarshal(got, &errs) != nil || errs[field] == nil {
			t.Errorf("%s = %d %s, want 400 naming %s", body, status, got, field)
		}
	}
	if status, _, _ := rawDo(t, "POST", base+"/report/event/", nil, []byte(camel)); status != http.StatusUnauthorized {
		t.Fatalf("report event without a key = %d", status)
	}
}

// TestClientKeyWhereTheGuidesSaySo: the organization's client API key
// opens getCustomerEntitlements, getPromotion and getProductOffering (the
// guides tell browser code to use it there), and nothing else.
func TestClientKeyWhereTheGuidesSaySo(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	s := newShop(t, srv, "client-key")
	ctx := context.Background()
	testkit.Must(s.c.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "cus_browser"}))(t)
	if err := srv.AddPromotion(s.org.Identifier.String(), kelviqtest.Promotion{ID: "p1", Code: "HELLO5", Country: "Spain", CountryCode: "ES", Percentage: 5, Message: "5 % off"}); err != nil {
		t.Fatal(err)
	}
	if s.org.ClientKey == "" {
		t.Fatal("no client key")
	}
	client := http.Header{"Authorization": {"Bearer " + s.org.ClientKey}}
	for path, want := range map[string]int{
		"/entitlements/?customer_id=cus_browser":                        http.StatusOK,
		"/entitlements?customerId=cus_browser":                          http.StatusOK,
		"/promotions?promotion_id=p1":                                   http.StatusOK,
		"/monetization/product-offering/" + s.product.Id.String() + "/": http.StatusOK,
		"/customers/": http.StatusUnauthorized,
		"/orders/":    http.StatusUnauthorized,
	} {
		if status, _, body := rawDo(t, "GET", srv.URL()+path, client, nil); status != want {
			t.Errorf("GET %s with the client key = %d %s, want %d", path, status, body, want)
		}
	}
}
