package usage_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/kelviq/kelviq-go/usage"
	"github.com/kelviq/kelviq-go/wrapper"
)

// Report usage from a busy handler: Report returns at once, the reporter
// adds the DELTAs up and sends one request per customer and feature.
func ExampleReporter() {
	// A stand-in for the kelviq API that prints each request it gets.
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		fmt.Println(r.Method, r.URL.Path, body["customerId"], body["featureId"], body["behaviour"], body["value"])
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
	}))
	defer srv.Close()

	client, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(srv.URL+"/api/v1"),
		wrapper.WithServerKey("sk_test_x"))
	if err != nil {
		log.Fatal(err)
	}
	rep, err := usage.NewReporter(client,
		// Send only on Close, one request at a time, to keep this
		// example's output the same on every run; the defaults send every
		// second, four requests at a time.
		usage.WithInterval(time.Hour), usage.WithConcurrency(1),
		usage.WithOnUncertain(func(r usage.Report, err error) {
			log.Printf("may or may not have been counted, reconcile: %+v: %v", r, err)
		}))
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	for range 100 {
		_ = rep.Report(ctx, usage.Report{CustomerID: "cus-1", FeatureID: "api-calls", Value: 3, Behaviour: usage.Delta})
	}
	_ = rep.Report(ctx, usage.Report{CustomerID: "cus-1", FeatureID: "seats", Value: 4, Behaviour: usage.Set})
	_ = rep.Report(ctx, usage.Report{CustomerID: "cus-1", FeatureID: "seats", Value: 5, Behaviour: usage.Set})

	// Close sends what is queued, then stops.
	if err := rep.Close(ctx); err != nil {
		log.Fatal(err)
	}
	st := rep.Stats()
	fmt.Printf("queued %d, sent %d in %d requests\n", st.Queued, st.Sent, st.Requests)

	// Output:
	// POST /api/v1/report/usage/ cus-1 api-calls DELTA 300
	// POST /api/v1/report/usage/ cus-1 seats SET 5
	// queued 102, sent 102 in 2 requests
}
