package kelviqtest_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/kelviqtest"
	"github.com/kelviq/kelviq-go/webhook"
	"github.com/kelviq/kelviq-go/wrapper"
)

// receiver is a webhook endpoint built on webhook.NewHandler: it verifies
// every delivery and keeps the events it accepted.
type receiver struct {
	*httptest.Server
	events chan webhook.Event
}

func newReceiver(t *testing.T, secret string) *receiver {
	t.Helper()
	r := &receiver{events: make(chan webhook.Event, 256)}
	h, err := webhook.NewHandler(secret, func(_ context.Context, e webhook.Event) error {
		r.events <- e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.Server = httptest.NewServer(h)
	t.Cleanup(r.Close)
	return r
}

// expect waits for the next event of type typ, failing on a timeout; events
// of other types received meanwhile are skipped.
func (r *receiver) expect(t *testing.T, typ webhook.EventType) webhook.Event {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e := <-r.events:
			if e.Type == typ {
				return e
			}
		case <-deadline:
			t.Fatalf("no %s webhook within 10s", typ)
		}
	}
}

func TestTriggeredEventsArriveSignedAndTyped(t *testing.T) {
	t.Parallel()
	const secret = "kq_whsec_trigger_test"
	rcv := newReceiver(t, secret)
	srv := kelviqtest.NewServer(t, kelviqtest.WithWebhook(rcv.URL, secret))
	for _, typ := range webhook.EventTypes() {
		id, err := srv.TriggerEvent(string(typ))
		if err != nil {
			t.Fatal(err)
		}
		e := rcv.expect(t, typ)
		if e.ID != id {
			t.Fatalf("%s: event id %q, want %q", typ, e.ID, id)
		}
		// The typed accessor for the event's resource decodes it.
		var decodeErr error
		kind, _, _ := strings.Cut(string(typ), ".")
		switch kind {
		case "checkout":
			_, decodeErr = e.CheckoutSession()
		case "customer":
			var c *webhook.Customer
			if c, decodeErr = e.Customer(); decodeErr == nil && c.CustomerID == "" {
				t.Errorf("%s: customer without an ID", typ)
			}
		case "order":
			_, decodeErr = e.Order()
		case "subscription":
			_, decodeErr = e.Subscription()
		case "feature":
			_, decodeErr = e.FeatureUsageAlert()
		case "invoice":
			_, decodeErr = e.Invoice()
		case "refund":
			_, decodeErr = e.Refund()
		case "payment_method":
			_, decodeErr = e.PaymentMethod()
		default:
			t.Fatalf("no accessor for %s", typ)
		}
		if decodeErr != nil {
			t.Errorf("%s: %v", typ, decodeErr)
		}
	}
	if _, err := srv.TriggerEvent("customer.exploded"); err == nil {
		t.Fatal("an unknown event type was triggered")
	}
}

func TestFlushAfterCloseFails(t *testing.T) {
	t.Parallel()
	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL
	dead.Close() // every delivery fails to connect
	srv := kelviqtest.NewServer(t, kelviqtest.WithWebhook(url, "kq_whsec_closed"), kelviqtest.WithWebhookRetries(10, time.Hour))
	if _, err := srv.TriggerEvent("customer.created"); err != nil {
		t.Fatal(err)
	}
	srv.Close() // drops the delivery waiting an hour to retry
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.FlushWebhooks(ctx); !errors.Is(err, kelviqtest.ErrClosed) {
		t.Fatalf("FlushWebhooks after Close = %v, want ErrClosed", err)
	}
}

// flaky responds with 500 to the first fails deliveries, then 204, and records
// the webhook-id of each attempt.
type flaky struct {
	mu    sync.Mutex
	fails int
	ids   []string
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ids = append(f.ids, r.Header.Get(webhook.HeaderID))
	if len(f.ids) <= f.fails {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func TestWebhookRetriesAndLogs(t *testing.T) {
	t.Parallel()
	fl := &flaky{fails: 2}
	endpoint := httptest.NewServer(fl)
	defer endpoint.Close()
	srv, _, c := setup(t, "retry", kelviqtest.WithWebhook(endpoint.URL, "kq_whsec_retry"), kelviqtest.WithWebhookRetries(3, time.Millisecond))
	ctx := context.Background()
	testkit.Must(c.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "cus_retry"}))(t)
	flushCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := srv.FlushWebhooks(flushCtx); err != nil {
		t.Fatal(err)
	}
	fl.mu.Lock()
	ids := append([]string(nil), fl.ids...)
	fl.mu.Unlock()
	if len(ids) != 3 || ids[0] == "" || ids[0] != ids[1] || ids[1] != ids[2] {
		t.Fatalf("attempts (webhook-id each) = %q, want 3 of one event", ids)
	}
	// One log row per attempt, newest first.
	logs := testkit.Must(c.WebhookLogs.List(ctx, nil))(t)
	if logs.Results == nil || len(*logs.Results) != 3 {
		t.Fatalf("webhook logs = %+v", logs)
	}
	for i, lg := range *logs.Results {
		retry := 2 - i
		ok, code := retry == 2, http.StatusInternalServerError
		if ok {
			code = http.StatusNoContent
		}
		if lg.EventType != "customer.created" || lg.IsSuccess != ok || lg.RetryCount != retry || lg.StatusCode != code || lg.EventId.String() != ids[0] {
			t.Fatalf("log row %d = %+v", i, lg)
		}
	}
	lg := (*logs.Results)[0]

	// A receiver with another secret refuses every attempt: the fake gives up.
	const secret = "kq_whsec_right"
	wrong := newReceiver(t, "kq_whsec_wrong")
	srv2 := kelviqtest.NewServer(t, kelviqtest.WithWebhook(wrong.URL, secret), kelviqtest.WithWebhookRetries(1, time.Millisecond))
	org2 := testkit.Must(srv2.Client().Partner.Provision(ctx, wrapper.ProvisionParams{ExternalID: "wrong", Email: "wrong@example.com"}))(t)
	c2 := testkit.Must(srv2.Client().ForOrganization(org2))(t)
	testkit.Must(c2.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "cus_wrong"}))(t)
	if err := srv2.FlushWebhooks(flushCtx); err != nil {
		t.Fatal(err)
	}
	lg = (*testkit.Must(c2.WebhookLogs.List(ctx, nil))(t).Results)[0]
	if lg.IsSuccess || lg.RetryCount != 1 || lg.StatusCode != http.StatusBadRequest {
		t.Fatalf("refused delivery log = %+v", lg)
	}
	select {
	case e := <-wrong.events:
		t.Fatalf("a delivery signed with another secret was accepted: %+v", e)
	default:
	}
}

func TestWebhookOptions(t *testing.T) {
	t.Parallel()
	for _, opt := range []kelviqtest.Option{
		kelviqtest.WithWebhook("not a url", "kq_whsec_x"),
		kelviqtest.WithWebhook("/relative", "kq_whsec_x"),
		kelviqtest.WithWebhook("http://127.0.0.1:9/hook", "whsec_x"),
		kelviqtest.WithWebhook("http://127.0.0.1:9/hook", "kq_whsec_"),
		kelviqtest.WithWebhook("http://127.0.0.1:9/hook", "kq_whsec_a b"),
		kelviqtest.WithWebhook("http://127.0.0.1:9/hook", "kq_whsec_é"),
		kelviqtest.WithWebhookRetries(-1, time.Second),
		kelviqtest.WithWebhookRetries(1, -time.Second),
	} {
		if s, err := kelviqtest.New(opt); err == nil {
			s.Close()
			t.Errorf("option accepted")
		}
	}
}
