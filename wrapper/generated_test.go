package wrapper_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/oapi-codegen/nullable"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/wrapper"
)

// captureBody starts a server that records the raw body of the one request
// it gets and responds 200 with respBody.
func captureBody(t *testing.T, respBody string) (*wrapper.Client, *[]byte) {
	t.Helper()
	var got []byte
	c, srv := setup(t)
	srv.setResponder(func(w http.ResponseWriter, _ *http.Request, req testRequest) bool {
		got = req.Body
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, respBody)
		return true
	})
	return c, &got
}

// PATCH bodies must omit what the caller did not set and send null only
// when asked to: otherwise an update would wipe fields.
func TestPatchBodiesByteForByte(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		name string
		body api.CustomerUpdateRequest
		want string
	}{
		{"nothing set", api.CustomerUpdateRequest{}, `{}`},
		{"one value", api.CustomerUpdateRequest{Name: nullable.NewNullableWithValue("Ada Lovelace")}, `{"name":"Ada Lovelace"}`},
		{"explicit null", api.CustomerUpdateRequest{Email: nullable.NewNullNullable[string]()}, `{"email":null}`},
		{"value and null", api.CustomerUpdateRequest{
			Name:     nullable.NewNullableWithValue("Ada"),
			Metadata: nullable.NewNullNullable[map[string]string](),
		}, `{"metadata":null,"name":"Ada"}`},
		{"empty string is a value", api.CustomerUpdateRequest{Name: nullable.NewNullableWithValue("")}, `{"name":""}`},
	}
	for _, tc := range cases {
		t.Run("updateCustomer/"+tc.name, func(t *testing.T) {
			t.Parallel()
			c, got := captureBody(t, `{}`)
			if _, err := c.API().UpdateCustomerWithResponse(ctx, "cus_42", tc.body); err != nil {
				t.Fatal(err)
			}
			if string(*got) != tc.want {
				t.Errorf("body = %s, want %s", *got, tc.want)
			}
		})
	}

	name, visible := "Pro (annual)", false
	planCases := []struct {
		name string
		body api.PlanUpdateRequest
		want string
	}{
		{"nothing set", api.PlanUpdateRequest{}, `{}`},
		{"two fields", api.PlanUpdateRequest{Name: &name, IsVisible: &visible}, `{"isVisible":false,"name":"Pro (annual)"}`},
	}
	for _, tc := range planCases {
		t.Run("updateCatalogPlan/"+tc.name, func(t *testing.T) {
			t.Parallel()
			c, got := captureBody(t, `{}`)
			if _, err := c.API().UpdateCatalogPlanWithResponse(ctx, "pro-annual", nil, tc.body); err != nil {
				t.Fatal(err)
			}
			if string(*got) != tc.want {
				t.Errorf("body = %s, want %s", *got, tc.want)
			}
		})
	}
}

// Responses decode what the API sends: "" for an email, decimals exactly
// (as numbers or as strings), null distinct from absent.
func TestGeneratedTypesDecode(t *testing.T) {
	t.Parallel()
	var cust api.CustomerResponse
	if err := json.Unmarshal([]byte(`{"email":"","name":null}`), &cust); err != nil {
		t.Fatalf("empty email must decode: %v", err)
	}
	if v, err := testkit.PtrGet(cust.Email); err != nil || v != "" {
		t.Errorf("email = %q, %v; want empty string value", v, err)
	}
	if !(cust.Name == nil) || (cust.Metadata != nil) {
		t.Errorf("name null = %v, metadata specified = %v; want true, false", (cust.Name == nil), (cust.Metadata != nil))
	}

	for _, raw := range []string{`{"amount":1234567890.10}`, `{"amount":"1234567890.10"}`} {
		var r api.RefundResponse
		if err := json.Unmarshal([]byte(raw), &r); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if r.Amount == nil || r.Amount.String() != "1234567890.10" {
			t.Errorf("%s: amount = %v, want exactly 1234567890.10", raw, r.Amount)
		}
	}
	var bad api.RefundResponse
	if err := json.Unmarshal([]byte(`{"amount":"ten"}`), &bad); err == nil {
		t.Error(`amount "ten" decoded without error`)
	}
}

// An unset `value` (any JSON value) in a plan entitlement must not go out as
// null: a PATCH would clear the feature's limit.
func TestPatchPlanFeatureOmitsUnsetValue(t *testing.T) {
	t.Parallel()
	hard := true
	var null interface{}
	var five interface{} = 5
	cases := []struct {
		name  string
		value *interface{}
		want  string
	}{
		{"unset", nil, `{"details":{"hardLimit":true}}`},
		{"explicit null", &null, `{"details":{"hardLimit":true,"value":null}}`},
		{"a number", &five, `{"details":{"hardLimit":true,"value":5}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, got := captureBody(t, `{}`)
			body := api.PlanFeaturePatchRequest{Details: api.PlanEntitlementDetails{HardLimit: &hard, Value: tc.value}}
			if _, err := c.API().UpdateCatalogPlanFeatureWithResponse(context.Background(), "pro-annual", "f0e1d2c3-b4a5-4968-8776-655443322110", body); err != nil {
				t.Fatal(err)
			}
			if string(*got) != tc.want {
				t.Errorf("body = %s, want %s", *got, tc.want)
			}
		})
	}
}
