package kelviqtest_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kelviq/kelviq-go/kelviqtest"
)

// delivery is one webhook request as a plain net/http receiver saw it.
type delivery struct {
	at     time.Time
	header http.Header
	body   []byte
}

// plainReceiver records every request and responds with 500 to the first fails
// of them, 200 after. It uses the standard library only: what it checks
// does not rest on this module's webhook package.
type plainReceiver struct {
	mu    sync.Mutex
	fails int
	got   []delivery
}

func (p *plainReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got = append(p.got, delivery{at: time.Now(), header: r.Header.Clone(), body: body})
	if len(p.got) <= p.fails {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (p *plainReceiver) deliveries() []delivery {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]delivery(nil), p.got...)
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// verifyAsTheGuideSays checks one delivery the way kelviq's webhook guide
// tells a receiver to: the headers, HMAC-SHA256 over
// "{webhook-id}.{webhook-timestamp}.{raw body}" keyed with the whole
// secret, hex, after "v1,"; the timestamp within 5 minutes; the body's id
// equal to webhook-id.
func verifyAsTheGuideSays(t *testing.T, secret string, d delivery) map[string]any {
	t.Helper()
	id, ts, sig := d.header.Get("webhook-id"), d.header.Get("webhook-timestamp"), d.header.Get("webhook-signature")
	if !uuidPattern.MatchString(id) {
		t.Errorf("webhook-id %q is not a UUID", id)
	}
	if ct := d.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		t.Fatalf("webhook-timestamp %q: %v", ts, err)
	}
	if off := time.Since(time.Unix(sec, 0)); off > 5*time.Minute || off < -5*time.Minute {
		t.Errorf("webhook-timestamp %d is %v off", sec, off)
	}
	hexSig, ok := strings.CutPrefix(sig, "v1,")
	if !ok {
		t.Fatalf("webhook-signature %q lacks v1,", sig)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(id + "." + ts + "." + string(d.body)))
	got, err := hex.DecodeString(hexSig)
	if err != nil || !hmac.Equal(got, mac.Sum(nil)) {
		t.Fatalf("signature %q does not match the body %s", sig, d.body)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, d.body); err != nil || !bytes.Equal(compact.Bytes(), d.body) {
		t.Errorf("the signed body is not compact JSON: %s", d.body)
	}
	var env map[string]any
	if err := json.Unmarshal(d.body, &env); err != nil {
		t.Fatal(err)
	}
	if env["id"] != id {
		t.Errorf("body id %v, webhook-id %s", env["id"], id)
	}
	return env
}

func TestBlackBoxWebhookDelivery(t *testing.T) {
	t.Parallel()
	const secret = "kq_whsec_black_box_0123"
	const spacing = 150 * time.Millisecond
	rcv := &plainReceiver{fails: 3} // every retry is needed
	endpoint := httptest.NewServer(rcv)
	defer endpoint.Close()
	srv, err := kelviqtest.New(kelviqtest.WithWebhook(endpoint.URL, secret), kelviqtest.WithWebhookRetries(kelviqtest.DefaultWebhookRetries, spacing))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	id, err := srv.TriggerEvent("subscription.created")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.FlushWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	got := rcv.deliveries()
	// The first attempt and 3 retries, the same event each time.
	if len(got) != 1+kelviqtest.DefaultWebhookRetries {
		t.Fatalf("%d deliveries, want 4", len(got))
	}
	for i, d := range got {
		env := verifyAsTheGuideSays(t, secret, d)
		if env["id"] != id || env["type"] != "subscription.created" || !bytes.Equal(d.body, got[0].body) {
			t.Errorf("delivery %d: id %v type %v (want %s), same body: %v", i, env["id"], env["type"], id, bytes.Equal(d.body, got[0].body))
		}
		if i > 0 {
			if gap := d.at.Sub(got[i-1].at); gap < spacing {
				t.Errorf("retry %d came %v after the attempt before, less than the spacing %v", i, gap, spacing)
			}
		}
	}
	// The payload's fields, as the guide's subscription example has them.
	obj := object(verifyAsTheGuideSays(t, secret, got[0]))
	for _, k := range []string{"id", "object", "status", "plan", "product", "amount", "amount_units", "currency", "recurrence",
		"start_date", "end_date", "billing_period_start_time", "billing_period_end_time", "trial_start", "trial_end",
		"customer", "features", "organization", "created_on", "modified_on"} {
		if _, ok := obj[k]; !ok {
			t.Errorf("subscription.created lacks %s", k)
		}
	}
	if obj["object"] != "subscription" || obj["end_date"] != nil {
		t.Errorf("subscription.created object %v, end_date %v", obj["object"], obj["end_date"])
	}

	// A receiver that responds with 2xx at once gets one delivery.
	rcv.mu.Lock()
	rcv.got, rcv.fails = nil, 0
	rcv.mu.Unlock()
	if _, err := srv.TriggerEvent("invoice.payment_failed"); err != nil {
		t.Fatal(err)
	}
	if err := srv.FlushWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rcv.deliveries(); len(got) != 1 {
		t.Fatalf("%d deliveries to a receiver that responded with 200, want 1", len(got))
	} else if env := verifyAsTheGuideSays(t, secret, got[0]); object(env)["status"] != "PAYMENT_FAILED" {
		t.Errorf("invoice.payment_failed status %v", object(env)["status"])
	}
}
