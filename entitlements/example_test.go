package entitlements_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/kelviq/kelviq-go/entitlements"
	"github.com/kelviq/kelviq-go/wrapper"
)

// Check a customer's access to a feature, with the default 60-second cache
// and a stale window that rides out short outages of the edge host.
func ExampleChecker_HasAccess() {
	// A stand-in for the kelviq edge host.
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"customerId":%q,"entitlements":[{"featureId":"team-seats","featureType":"METER",`+
			`"hasAccess":true,"usageLimit":10,"currentUsage":3,"remaining":7,"hardLimit":true}]}`,
			r.URL.Query().Get("customer_id"))
	}))
	defer srv.Close()

	client, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(srv.URL+"/api/v1"),
		wrapper.WithServerKey("sk_test_x"))
	if err != nil {
		log.Fatal(err)
	}
	checker, err := entitlements.NewChecker(client, entitlements.WithStaleWindow(5*time.Minute))
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	for range 3 {
		ok, err := checker.HasAccess(ctx, "northwind-cust-17", "team-seats")
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("team-seats:", ok)
	}
	ok, err := checker.HasAccess(ctx, "northwind-cust-17", "sso")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("sso (not in the plan):", ok)

	e, err := checker.Entitlement(ctx, "northwind-cust-17", "team-seats")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("team-seats usage: %d of %d, %d left\n", e.CurrentUsage, e.UsageLimit, e.Remaining)
	fmt.Println("requests sent:", requests.Load())

	// Output:
	// team-seats: true
	// team-seats: true
	// team-seats: true
	// sso (not in the plan): false
	// team-seats usage: 3 of 10, 7 left
	// requests sent: 2
}
