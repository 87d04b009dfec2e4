package webhook_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kelviq/kelviq-go/webhook"
)

func signedReq(id string, ts time.Time, payload string) *http.Request {
	sig := webhook.Sign(testSecret, id, ts, []byte(payload))
	return postReq(payload, hdr(id, strconv.FormatInt(ts.Unix(), 10), sig))
}

// Without the guard, a delivery replayed inside the tolerance window is
// processed again; with it, the callback runs once and the replay is
// answered 204 (it was processed; a 2xx stops retries).
func TestReplayGuard(t *testing.T) {
	const payload = `{"type":"customer.created","data":{"object":{"customer_id":"cus_1"}}}`
	for _, guarded := range []bool{false, true} {
		var calls atomic.Int64
		opts := []webhook.Option{at(t0.Add(10 * time.Second))}
		if guarded {
			opts = append(opts, webhook.WithReplayGuard(webhook.NewMemoryReplayStore(0)))
		}
		h := newHandler(t, testSecret, func(context.Context, webhook.Event) error { calls.Add(1); return nil }, opts...)
		for range 3 {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, signedReq("msg_replayed", t0, payload))
			if rec.Code != http.StatusNoContent {
				t.Fatalf("guarded %v: status %d", guarded, rec.Code)
			}
		}
		want := int64(3)
		if guarded {
			want = 1
		}
		if n := calls.Load(); n != want {
			t.Errorf("guarded %v: callback ran %d times, want %d", guarded, n, want)
		}
	}
}

// A delivery whose callback failed is forgotten, so kelviq's retry (same
// webhook-id) is processed.
func TestReplayGuardForgetsFailedDeliveries(t *testing.T) {
	fail := true
	calls := 0
	h := newHandler(t, testSecret, func(context.Context, webhook.Event) error {
		calls++
		if fail {
			return errors.New("database down")
		}
		return nil
	}, at(t0), webhook.WithReplayGuard(webhook.NewMemoryReplayStore(10)))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, signedReq("msg_retry", t0, `{"type":"customer.created"}`))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("first delivery: %d", rec.Code)
	}
	fail = false
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, signedReq("msg_retry", t0, `{"type":"customer.created"}`))
	if rec.Code != http.StatusNoContent || calls != 2 {
		t.Fatalf("retry: status %d after %d calls", rec.Code, calls)
	}
}

// failingStore fails every call.
type failingStore struct{}

func (failingStore) Remember(context.Context, string, time.Time) (bool, error) {
	return false, errors.New("store down")
}
func (failingStore) Forget(context.Context, string) error { return nil }

// A store that cannot answer means 503 and no processing.
func TestReplayGuardStoreDown(t *testing.T) {
	called := false
	h := newHandler(t, testSecret, func(context.Context, webhook.Event) error { called = true; return nil },
		at(t0), webhook.WithReplayGuard(failingStore{}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, signedReq("msg_x", t0, `{"type":"customer.created"}`))
	if rec.Code != http.StatusServiceUnavailable || called {
		t.Fatalf("status %d, called %v", rec.Code, called)
	}
	if _, err := webhook.NewHandler(testSecret, func(context.Context, webhook.Event) error { return nil }, webhook.WithReplayGuard(nil)); !errors.Is(err, webhook.ErrInvalidOption) {
		t.Errorf("nil store: err = %v", err)
	}
}

// The memory store is bounded, expires ids, and is atomic under
// concurrency: of many concurrent deliveries of one id, one is processed.
func TestMemoryReplayStore(t *testing.T) {
	ctx := context.Background()
	s := webhook.NewMemoryReplayStore(3)
	now := time.Now()
	for i := range 10 {
		if seen, err := s.Remember(ctx, fmt.Sprint("id", i), now.Add(time.Minute)); seen || err != nil {
			t.Fatalf("new id %d: seen %v, err %v", i, seen, err)
		}
	}
	// Capacity 3: the last three are remembered, the first ones dropped.
	// (In this order: remembering id0 again evicts one of the others.)
	for _, c := range []struct {
		i    int
		want bool
	}{{9, true}, {8, true}, {7, true}, {0, false}} {
		seen, _ := s.Remember(ctx, fmt.Sprint("id", c.i), now.Add(time.Minute))
		if seen != c.want {
			t.Errorf("id%d: seen %v, want %v", c.i, seen, c.want)
		}
	}
	// An expired id is new again.
	if seen, _ := s.Remember(ctx, "old", now.Add(-time.Second)); seen {
		t.Error("first sight of old")
	}
	if seen, _ := s.Remember(ctx, "old", now.Add(time.Minute)); seen {
		t.Error("an expired id counted as seen")
	}

	var processed atomic.Int64
	h := newHandler(t, testSecret, func(context.Context, webhook.Event) error { processed.Add(1); return nil },
		at(t0), webhook.WithReplayGuard(webhook.NewMemoryReplayStore(100)))
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			h.ServeHTTP(httptest.NewRecorder(), signedReq("msg_burst", t0, `{"type":"customer.created"}`))
		})
	}
	wg.Wait()
	if n := processed.Load(); n != 1 {
		t.Errorf("32 concurrent copies processed %d times, want 1", n)
	}
}

// An id remembered again after it expired is held once, not once more
// each time: the store's memory stays bounded by its capacity.
func TestMemoryReplayStoreReRememberedIDsStayBounded(t *testing.T) {
	ctx := context.Background()
	s := webhook.NewMemoryReplayStore(10)
	past := time.Now().Add(-time.Second)
	for range 100000 {
		if seen, err := s.Remember(ctx, "msg_again", past); seen || err != nil {
			t.Fatalf("seen %v, err %v", seen, err)
		}
	}
	if n := webhook.ReplayStoreLen(s); n != 1 {
		t.Fatalf("the store holds %d entries for one id", n)
	}
}
