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
// responded with 204 (it was processed; a 2xx stops retries).
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

func (failingStore) Claim(context.Context, string, time.Time) (webhook.ReplayState, error) {
	return webhook.ReplayNew, errors.New("store down")
}
func (failingStore) Done(context.Context, string, time.Time) error { return nil }
func (failingStore) Forget(context.Context, string) error          { return nil }

// A store that cannot respond means 503 and no processing.
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

// The memory store is bounded, expires ids, and tells in-flight claims
// from done ones.
func TestMemoryReplayStore(t *testing.T) {
	ctx := context.Background()
	s := webhook.NewMemoryReplayStore(3)
	now := time.Now()
	for i := range 10 {
		if st, err := s.Claim(ctx, fmt.Sprint("id", i), now.Add(time.Minute)); st != webhook.ReplayNew || err != nil {
			t.Fatalf("new id %d: %v, err %v", i, st, err)
		}
	}
	// Capacity 3: the last three are remembered, the first ones dropped.
	// (In this order: claiming id0 again evicts one of the others.)
	for _, c := range []struct {
		i    int
		want webhook.ReplayState
	}{{9, webhook.ReplayInFlight}, {8, webhook.ReplayInFlight}, {7, webhook.ReplayInFlight}, {0, webhook.ReplayNew}} {
		st, _ := s.Claim(ctx, fmt.Sprint("id", c.i), now.Add(time.Minute))
		if st != c.want {
			t.Errorf("id%d: %v, want %v", c.i, st, c.want)
		}
	}
	if err := s.Done(ctx, "id9", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Claim(ctx, "id9", now.Add(time.Minute)); st != webhook.ReplayDone {
		t.Errorf("id9 after Done: %v", st)
	}
	if err := s.Forget(ctx, "id9"); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Claim(ctx, "id9", now.Add(time.Minute)); st != webhook.ReplayNew {
		t.Errorf("id9 after Forget: %v", st)
	}
	// An expired id is new again.
	if st, _ := s.Claim(ctx, "old", now.Add(-time.Second)); st != webhook.ReplayNew {
		t.Error("first sight of old")
	}
	if st, _ := s.Claim(ctx, "old", now.Add(time.Minute)); st != webhook.ReplayNew {
		t.Errorf("an expired id counted as %v", st)
	}
	if _, err := s.Claim(ctx, "", now.Add(time.Minute)); err == nil {
		t.Error("an empty id was claimed")
	}
	for st, want := range map[webhook.ReplayState]string{webhook.ReplayNew: "new", webhook.ReplayInFlight: "in flight", webhook.ReplayDone: "done"} {
		if st.String() != want {
			t.Errorf("%d.String() = %q", int(st), st.String())
		}
	}
}

// Of 32 copies of one delivery at once, one is processed; while it is
// being processed every other copy gets 409 with Retry-After (not
// 204: the first copy may still fail), and a copy after it succeeded is
// responded with 204 without processing.
func TestReplayGuardConcurrentCopies(t *testing.T) {
	var processed atomic.Int64
	release := make(chan struct{})
	h := newHandler(t, testSecret, func(context.Context, webhook.Event) error {
		processed.Add(1)
		<-release
		return nil
	}, at(t0), webhook.WithReplayGuard(webhook.NewMemoryReplayStore(100)))
	codes := make(chan *httptest.ResponseRecorder, 32)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, signedReq("msg_burst", t0, `{"type":"customer.created"}`))
			codes <- rec
		})
	}
	// 31 copies get a response while the first is held in the callback.
	for range 31 {
		rec := <-codes
		if rec.Code != http.StatusConflict || rec.Header().Get("Retry-After") != strconv.Itoa(webhook.ReplayRetryAfter) {
			t.Errorf("a copy while the first is in flight: %d (Retry-After %q), want 409", rec.Code, rec.Header().Get("Retry-After"))
		}
	}
	close(release)
	wg.Wait()
	if rec := <-codes; rec.Code != http.StatusNoContent {
		t.Errorf("the processed copy: %d", rec.Code)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, signedReq("msg_burst", t0, `{"type":"customer.created"}`))
	if rec.Code != http.StatusNoContent {
		t.Errorf("a copy after success: %d, want 204", rec.Code)
	}
	if n := processed.Load(); n != 1 {
		t.Errorf("processed %d times, want 1", n)
	}
}

// A copy that arrives while the first attempt runs is not told "done":
// when that attempt then fails, kelviq's next retry is processed.
func TestReplayGuardCopyDuringAFailingAttempt(t *testing.T) {
	var calls atomic.Int64
	started, release := make(chan struct{}), make(chan struct{})
	h := newHandler(t, testSecret, func(context.Context, webhook.Event) error {
		if calls.Add(1) == 1 {
			close(started)
			<-release
			return errors.New("database down")
		}
		return nil
	}, at(t0), webhook.WithReplayGuard(webhook.NewMemoryReplayStore(10)))
	first := make(chan int)
	go func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, signedReq("msg_flaky", t0, `{"type":"customer.created"}`))
		first <- rec.Code
	}()
	<-started
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, signedReq("msg_flaky", t0, `{"type":"customer.created"}`))
	if rec.Code != http.StatusConflict {
		t.Fatalf("a copy during the first attempt: %d, want 409 (it must not be 204)", rec.Code)
	}
	close(release)
	if code := <-first; code != http.StatusInternalServerError {
		t.Fatalf("the failing attempt: %d", code)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, signedReq("msg_flaky", t0, `{"type":"customer.created"}`))
	if rec.Code != http.StatusNoContent || calls.Load() != 2 {
		t.Fatalf("the retry after the failure: %d after %d calls, want 204 after 2", rec.Code, calls.Load())
	}
}

// A callback that panics releases the id: the retry is processed.
func TestReplayGuardForgetsAfterAPanic(t *testing.T) {
	var calls atomic.Int64
	h := newHandler(t, testSecret, func(context.Context, webhook.Event) error {
		if calls.Add(1) == 1 {
			panic("boom")
		}
		return nil
	}, at(t0), webhook.WithReplayGuard(webhook.NewMemoryReplayStore(10)))
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the callback's panic did not reach ServeHTTP's caller")
			}
		}()
		h.ServeHTTP(httptest.NewRecorder(), signedReq("msg_panic", t0, `{"type":"customer.created"}`))
	}()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, signedReq("msg_panic", t0, `{"type":"customer.created"}`))
	if rec.Code != http.StatusNoContent || calls.Load() != 2 {
		t.Fatalf("the retry after a panic: %d after %d calls, want 204 after 2", rec.Code, calls.Load())
	}
}

// At the tolerance window's edges (exactly the tolerance in the past or
// in the future, as documented for WithTolerance) a delivery is accepted
// and its copy deduplicated; one second past an edge a copy of a
// delivery processed before is refused by verification (400), not
// responded with 204 by the guard.
func TestReplayGuardAtTheWindowEdges(t *testing.T) {
	for _, edge := range []time.Duration{webhook.DefaultTolerance, -webhook.DefaultTolerance} {
		var calls atomic.Int64
		store := webhook.NewMemoryReplayStore(10)
		fn := func(context.Context, webhook.Event) error { calls.Add(1); return nil }
		id := fmt.Sprintf("msg_edge_%d", int64(edge.Seconds()))
		h := newHandler(t, testSecret, fn, at(t0.Add(edge)), webhook.WithReplayGuard(store))
		for i := range 2 {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, signedReq(id, t0, `{"type":"customer.created"}`))
			if rec.Code != http.StatusNoContent {
				t.Fatalf("edge %v, copy %d: %d", edge, i, rec.Code)
			}
		}
		if calls.Load() != 1 {
			t.Errorf("edge %v: processed %d times", edge, calls.Load())
		}
		past := edge + time.Second
		if edge < 0 {
			past = edge - time.Second
		}
		h = newHandler(t, testSecret, fn, at(t0.Add(past)), webhook.WithReplayGuard(store))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, signedReq(id, t0, `{"type":"customer.created"}`))
		if rec.Code != http.StatusBadRequest {
			t.Errorf("1s past edge %v: %d, want 400", edge, rec.Code)
		}
	}
}

// An id remembered again after it expired is held once, not once more
// each time: the store's memory stays bounded by its capacity.
func TestMemoryReplayStoreReRememberedIDsStayBounded(t *testing.T) {
	ctx := context.Background()
	s := webhook.NewMemoryReplayStore(10)
	past := time.Now().Add(-time.Second)
	for range 100000 {
		if st, err := s.Claim(ctx, "msg_again", past); st != webhook.ReplayNew || err != nil {
			t.Fatalf("%v, err %v", st, err)
		}
	}
	if n := webhook.ReplayStoreLen(s); n != 1 {
		t.Fatalf("the store holds %d entries for one id", n)
	}
}
