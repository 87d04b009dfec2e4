package webhook_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/kelviq/kelviq-go/webhook"
)

// This example mounts a webhook endpoint on a ServeMux. The delivery is
// simulated with httptest and signed with [webhook.Sign], the way kelviq
// signs it.
func ExampleNewHandler() {
	secret := "kq_whsec_example" // in production: os.Getenv("KELVIQ_WEBHOOK_SECRET")

	// Only needed here to make the output deterministic; omit in production.
	sent := time.Unix(1700000000, 0)
	clock := webhook.WithNow(func() time.Time { return sent.Add(2 * time.Second) })

	mux := http.NewServeMux()
	handler, err := webhook.NewHandler(secret, func(ctx context.Context, e webhook.Event) error {
		switch e.Type {
		case webhook.EventSubscriptionCreated, webhook.EventSubscriptionPlanChanged:
			sub, err := e.Subscription()
			if err != nil {
				return err
			}
			fmt.Printf("%s: %s is on %s v%d, %s %s every %s\n",
				e.Type, sub.Customer.Email, sub.Plan.Name, sub.Plan.Version, sub.Amount, sub.Currency, sub.Recurrence)
		case webhook.EventSubscriptionCancelled:
			sub, err := e.Subscription()
			if err != nil {
				return err
			}
			fmt.Printf("%s: %s ends on %s\n", e.Type, sub.ID, sub.EndDate)
		default:
			fmt.Printf("ignoring %s\n", e.Type)
		}
		return nil
	}, clock)
	if err != nil {
		log.Fatal(err) // an empty secret or a bad option
	}
	mux.Handle("POST /webhooks/kelviq", handler)

	// kelviq uses the event's UUID as the webhook-id header too.
	const id = "4c1d9e7a-2b3f-4a5c-8d6e-0f1a2b3c4d5e"
	body := `{"id":"` + id + `","type":"subscription.created","created_at":"2023-11-14T22:13:19Z",` +
		`"data":{"object":{"id":"d2f4a6c8-1b3d-4e5f-8a7b-9c0d1e2f3a4b","object":"subscription","status":"active",` +
		`"plan":{"name":"Growth","version":2,"identifier":"growth"},"product":{"id":"5b7d9f1a-3c5e-4a7b-9d1f-2a4c6e8b0d2f","name":"Acme Analytics"},` +
		`"amount":"24.00","amount_units":2400,"currency":"USD","recurrence":"1 month","start_date":"2023-11-14","end_date":null,` +
		`"customer":{"id":"8e6c4a2b-0f1d-4b3a-9c5e-7d9f1b3d5f7a","name":"Ada","email":"ada@example.com","customer_id":"cust-42"},` +
		`"organization":"1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d","created_on":"2023-11-14T22:13:18Z","modified_on":"2023-11-14T22:13:18Z"}}}`
	req := httptest.NewRequest(http.MethodPost, "/webhooks/kelviq", strings.NewReader(body))
	req.Header.Set(webhook.HeaderID, id)
	req.Header.Set(webhook.HeaderTimestamp, strconv.FormatInt(sent.Unix(), 10))
	req.Header.Set(webhook.HeaderSignature, webhook.Sign(secret, id, sent, []byte(body)))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println("status:", rec.Code)

	// The same request with a tampered body is rejected before the callback.
	req = httptest.NewRequest(http.MethodPost, "/webhooks/kelviq", strings.NewReader(strings.Replace(body, `"24.00"`, `"0.01"`, 1)))
	req.Header.Set(webhook.HeaderID, id)
	req.Header.Set(webhook.HeaderTimestamp, strconv.FormatInt(sent.Unix(), 10))
	req.Header.Set(webhook.HeaderSignature, webhook.Sign(secret, id, sent, []byte(body)))
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println("status:", rec.Code, strings.TrimSpace(rec.Body.String()))

	// Output:
	// subscription.created: ada@example.com is on Growth v2, 24.00 USD every 1 month
	// status: 204
	// status: 400 invalid signature
}

// This example verifies a delivery by hand, for frameworks that are not
// built on net/http handlers.
func ExampleVerify() {
	secret := "kq_whsec_example"
	payload := []byte(`{"id":"msg_1","type":"subscription.cancelled","created_at":"2023-11-14T22:13:18Z",` +
		`"data":{"object":{"id":"sub-7","object":"subscription","status":"canceled","end_date":"2023-12-01"},` +
		`"previous_attributes":{"status":"active","end_date":null}}}`)

	headers := http.Header{}
	headers.Set("webhook-id", "msg_1")
	headers.Set("webhook-timestamp", "1700000000")
	headers.Set("webhook-signature", "v1,"+strings.Repeat("0", 64)+" "+webhook.Sign(secret, "msg_1", time.Unix(1700000000, 0), payload))

	now := webhook.WithNow(func() time.Time { return time.Unix(1700000030, 0) }) // tests only
	e, err := webhook.Verify(payload, headers, secret, now)
	if err != nil {
		fmt.Println("rejected:", err)
		return
	}
	sub, err := e.Subscription()
	if err != nil {
		fmt.Println("bad data:", err)
		return
	}
	var before struct {
		Status string `json:"status"`
	}
	if err := e.DecodePrevious(&before); err != nil {
		fmt.Println("bad previous attributes:", err)
		return
	}
	fmt.Println(e.ID, e.Type, e.Type.Known(), e.CreatedAt.Format(time.RFC3339))
	fmt.Printf("%s: %s -> %s, ends %s\n", sub.ID, before.Status, sub.Status, sub.EndDate)

	// Ten minutes later the same delivery is stale.
	late := webhook.WithNow(func() time.Time { return time.Unix(1700000600, 0) })
	_, err = webhook.Verify(payload, headers, secret, late)
	fmt.Println(errors.Is(err, webhook.ErrStaleTimestamp), errors.Is(err, webhook.ErrTimestampTooOld))

	// Output:
	// msg_1 subscription.cancelled true 2023-11-14T22:13:18Z
	// sub-7: active -> canceled, ends 2023-12-01
	// true true
}
