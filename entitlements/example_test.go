package entitlements_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kelviq/kelviq-go/entitlements"
	"github.com/kelviq/kelviq-go/webhook"
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

// Drop a customer's cached entitlements when kelviq says they changed: a
// webhook handler for subscription events (and usage alerts) calls
// Invalidate. With a shared store (entitlements.WithStore(
// redisstore.NewCache(rdb))) this drops them for every instance.
func ExampleChecker_Invalidate() {
	// A stand-in for the kelviq edge host: the plan changes after the
	// first lookup.
	var plan atomic.Value
	plan.Store("starter")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"customerId":%q,"entitlements":[{"featureId":"sso","hasAccess":%t}]}`,
			r.URL.Query().Get("customer_id"), plan.Load() == "growth")
	}))
	defer srv.Close()

	client, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(srv.URL+"/api/v1"),
		wrapper.WithServerKey("sk_test_x"))
	if err != nil {
		log.Fatal(err)
	}
	checker, err := entitlements.NewChecker(client)
	if err != nil {
		log.Fatal(err)
	}

	secret := "kq_whsec_example" // in production: os.Getenv("KELVIQ_WEBHOOK_SECRET")
	handler, err := webhook.NewHandler(secret, func(ctx context.Context, e webhook.Event) error {
		var customerID string
		switch e.Type {
		case webhook.EventSubscriptionCreated, webhook.EventSubscriptionUpdated,
			webhook.EventSubscriptionCancelled, webhook.EventSubscriptionPlanChanged:
			sub, err := e.Subscription()
			if err != nil {
				return err
			}
			customerID = sub.Customer.CustomerID
		case webhook.EventFeatureUsageAlert:
			alert, err := e.FeatureUsageAlert()
			if err != nil {
				return err
			}
			customerID = alert.Customer.CustomerID
		default:
			return nil
		}
		// An error makes the handler respond with 500, so kelviq delivers again.
		return checker.Invalidate(ctx, customerID)
	})
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	ok, _ := checker.HasAccess(ctx, "cust-42", "sso")
	fmt.Println("sso on starter:", ok)

	// The customer upgrades; kelviq sends subscription.plan_changed.
	plan.Store("growth")
	now := time.Now()
	body := `{"id":"evt_1","type":"subscription.plan_changed","data":{"object":{"object":"subscription",` +
		`"plan":{"identifier":"growth"},"customer":{"customer_id":"cust-42"}}}}`
	req := httptest.NewRequest(http.MethodPost, "/webhooks/kelviq", strings.NewReader(body))
	req.Header.Set(webhook.HeaderID, "evt_1")
	req.Header.Set(webhook.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(webhook.HeaderSignature, webhook.Sign(secret, "evt_1", now, []byte(body)))
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	fmt.Println("webhook:", rec.Code)

	// Without Invalidate the cached "false" would stand for up to 60 s.
	ok, _ = checker.HasAccess(ctx, "cust-42", "sso")
	fmt.Println("sso on growth:", ok)

	// Output:
	// sso on starter: false
	// webhook: 204
	// sso on growth: true
}
