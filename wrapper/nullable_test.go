package wrapper_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"sync"
	"testing"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/wrapper"
)

// Set and Null fill the optional fields of a request: a field left unset is
// not sent, so a PATCH keeps its stored value; Null sends null, which clears
// it.
func ExampleSet() {
	patch := api.CustomerUpdateRequest{
		Name:  wrapper.Set("Ada Lovelace"), // "name": "Ada Lovelace"
		Email: wrapper.Null[string](),      // "email": null: clear it
		// Metadata and BillingAddress unset: left as they are
	}
	b, err := json.Marshal(patch)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(b))
	// Output:
	// {"email":null,"name":"Ada Lovelace"}
}

// patchRecorder is a stand-in for the API that records the method, path
// and body of each request and responds with a customer.
type patchRecorder struct {
	mu     sync.Mutex
	method []string
	path   []string
	body   []string
}

func (p *patchRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	p.method = append(p.method, r.Method)
	p.path = append(p.path, r.URL.Path)
	p.body = append(p.body, string(b))
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"customerId": "cus-1", "name": "Ada Lovelace", "email": null}`)
}

// TestSetAndNullPatchBody checks, byte for byte, the PATCH bodies that
// Customers.Update sends for fields built with Set and Null, and for fields
// left unset.
func TestSetAndNullPatchBody(t *testing.T) {
	rec := &patchRecorder{}
	client, _ := setup(t, withHandler(rec.ServeHTTP), withKeys("", "sk_test_nullable"))
	for _, tc := range []struct {
		name  string
		patch api.CustomerUpdateRequest
		want  string
	}{
		{"set and null", api.CustomerUpdateRequest{
			Name:     wrapper.Set("Ada Lovelace"),
			Email:    wrapper.Null[string](),
			Metadata: wrapper.Set(map[string]string{"plan": "pro"}),
		}, `{"email":null,"metadata":{"plan":"pro"},"name":"Ada Lovelace"}`},
		{"all unset", api.CustomerUpdateRequest{}, `{}`},
		{"empty values are values", api.CustomerUpdateRequest{
			Name:     wrapper.Set(""),
			Metadata: wrapper.Set(map[string]string{}),
		}, `{"metadata":{},"name":""}`},
		{"null object", api.CustomerUpdateRequest{BillingAddress: wrapper.Null[api.BillingAddress]()}, `{"billingAddress":null}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec.mu.Lock()
			n := len(rec.body)
			rec.mu.Unlock()
			c, err := client.Customers.Update(context.Background(), "cus-1", tc.patch)
			if err != nil {
				t.Fatal(err)
			}
			if wrapper.Deref(c.CustomerId) != "cus-1" {
				t.Fatalf("response not decoded: %+v", c)
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if len(rec.body) != n+1 {
				t.Fatalf("want one request, got %d", len(rec.body)-n)
			}
			if rec.method[n] != http.MethodPatch || rec.path[n] != "/api/v1/customers/cus-1/" {
				t.Fatalf("sent %s %s, want PATCH /api/v1/customers/cus-1/", rec.method[n], rec.path[n])
			}
			if rec.body[n] != tc.want {
				t.Fatalf("body %s, want %s", rec.body[n], tc.want)
			}
		})
	}
}

func TestSetAndNullStates(t *testing.T) {
	s := wrapper.Set(42)
	if v, err := s.Get(); err != nil || v != 42 || !s.IsSpecified() || s.IsNull() {
		t.Fatalf("Set(42): %v, %v, specified %v, null %v", v, err, s.IsSpecified(), s.IsNull())
	}
	n := wrapper.Null[int]()
	if !n.IsSpecified() || !n.IsNull() {
		t.Fatalf("Null[int](): specified %v, null %v", n.IsSpecified(), n.IsNull())
	}
	if _, err := n.Get(); err == nil {
		t.Fatal("Null[int]().Get() should fail: there is no value")
	}
}
