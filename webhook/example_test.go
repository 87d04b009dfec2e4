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
		case webhook.EventCustomerCreated:
			c, err := e.Customer()
			if err != nil {
				return err
			}
			fmt.Printf("new customer %s <%s>\n", c.CustomerID, c.Email)
		default:
			fmt.Printf("ignoring %s\n", e.Type)
		}
		return nil
	}, clock)
	if err != nil {
		log.Fatal(err) // an empty secret or a bad option
	}
	mux.Handle("POST /webhooks/kelviq", handler)

	body := `{"type":"customer.created","data":{"id":"9b2f","customer_id":"cust-42","email":"ada@example.com"}}`
	req := httptest.NewRequest(http.MethodPost, "/webhooks/kelviq", strings.NewReader(body))
	req.Header.Set(webhook.HeaderID, "msg_2Yp")
	req.Header.Set(webhook.HeaderTimestamp, strconv.FormatInt(sent.Unix(), 10))
	req.Header.Set(webhook.HeaderSignature, webhook.Sign(secret, "msg_2Yp", sent, []byte(body)))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println("status:", rec.Code)

	// The same request with a tampered body is rejected before the callback.
	req = httptest.NewRequest(http.MethodPost, "/webhooks/kelviq", strings.NewReader(strings.Replace(body, "cust-42", "cust-43", 1)))
	req.Header.Set(webhook.HeaderID, "msg_2Yp")
	req.Header.Set(webhook.HeaderTimestamp, strconv.FormatInt(sent.Unix(), 10))
	req.Header.Set(webhook.HeaderSignature, webhook.Sign(secret, "msg_2Yp", sent, []byte(body)))
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println("status:", rec.Code, strings.TrimSpace(rec.Body.String()))

	// Output:
	// new customer cust-42 <ada@example.com>
	// status: 204
	// status: 400 invalid signature
}

// This example verifies a delivery by hand, for frameworks that are not
// built on net/http handlers.
func ExampleVerify() {
	secret := "kq_whsec_example"
	payload := []byte(`{"type":"subscription.canceled","data":{"id":"sub_7","customer_id":"cust-42","status":"canceled"}}`)

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
	fmt.Println(e.ID, e.Type, e.Type.Known(), sub.ID, sub.Status)

	// Ten minutes later the same delivery is stale.
	late := webhook.WithNow(func() time.Time { return time.Unix(1700000600, 0) })
	_, err = webhook.Verify(payload, headers, secret, late)
	fmt.Println(errors.Is(err, webhook.ErrStaleTimestamp), errors.Is(err, webhook.ErrTimestampTooOld))

	// Output:
	// msg_1 subscription.canceled true sub_7 canceled
	// true true
}
