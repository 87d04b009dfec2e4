package entitlements

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kelviq/kelviq-go/internal/testkit"
)

// hookLog records WithOnStoreError calls.
type hookLog struct {
	mu  sync.Mutex
	ops []string
	err []error
}

func (h *hookLog) record(op string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ops = append(h.ops, op)
	h.err = append(h.err, err)
}

func (h *hookLog) list() ([]string, []error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.ops...), append([]error(nil), h.err...)
}

func TestSharedStoreServesOtherCheckers(t *testing.T) {
	srv, clock, store, a, b := sharedPair(t)

	accessMustHave(t, a, "cust-1", "team-seats", true)
	accessWantRequests(t, srv, 1)
	raw, _, _ := store.Get(context.Background(), "cust-1", "f:team-seats")
	v, err := decodeResult(raw)
	if err != nil || !v.FetchedAt.Equal(clock.Now()) || len(v.Entitlements) != 1 || v.Entitlements[0].UsageLimit != 10 {
		t.Fatalf("stored result = %+v, %v", v, err)
	}
	// b has nothing in process: it takes a's result from the store.
	e, err := b.Entitlement(context.Background(), "cust-1", "team-seats")
	if err != nil || !e.HasAccess || e.Remaining != 7 || e.ResetAt != "2026-07-01T00:00:00Z" {
		t.Fatalf("b.Entitlement = %+v, %v", e, err)
	}
	accessWantRequests(t, srv, 1)

	// Within the local TTL b does not even ask the store.
	gets := store.count("get")
	accessMustHave(t, b, "cust-1", "team-seats", true)
	if store.count("get") != gets {
		t.Error("hit within the local TTL asked the store")
	}
	// Past it, the store is asked again, and still serves until the TTL.
	clock.Advance(DefaultLocalTTL)
	accessMustHave(t, b, "cust-1", "team-seats", true)
	if store.count("get") != gets+1 {
		t.Errorf("store gets = %d, want %d", store.count("get"), gets+1)
	}
	clock.Advance(DefaultCacheTTL - DefaultLocalTTL) // the stored result is now 60 s old
	accessMustHave(t, b, "cust-1", "team-seats", true)
	accessWantRequests(t, srv, 2)
}

func TestSharedStoreForeignValuesIgnored(t *testing.T) {
	for _, tc := range []struct{ name, value string }{
		{"not JSON", "\x00\xffgarbage"},
		{"other version", `{"v":2,"at":1772366400000000000,"e":[{"id":"team-seats","a":false}]}`},
		{"foreign JSON", `{"hasAccess":false}`},
		{"no fetch time", `{"v":1,"at":0,"e":[]}`},
		{"entitlement without ID", `{"v":1,"at":1772366400000000000,"e":[{"a":false}]}`},
		{"truncated", `{"v":1,"at":1772366400000000000,"e":[{"id":"team-seats"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newAccessServer(t)
			store := newMapStore()
			var hook hookLog
			a := newAccessChecker(t, srv, WithClock(newAccessClock().Now), WithStore(store), WithOnStoreError(hook.record))
			store.put("cust-1", "f:team-seats", []byte(tc.value))
			accessMustHave(t, a, "cust-1", "team-seats", true) // from the API, not the stored false
			accessWantRequests(t, srv, 1)
			ops, errs := hook.list()
			if len(ops) == 0 {
				t.Error("the hook was not told of the foreign value")
			}
			for i, op := range ops { // read once before the lock, once after
				if op != "decode" {
					t.Errorf("hook: %s %v, want decode", op, errs[i])
				}
			}
			raw, _, _ := store.Get(context.Background(), "cust-1", "f:team-seats")
			if _, err := decodeResult(raw); err != nil {
				t.Errorf("the foreign value was not replaced: %q", raw)
			}
		})
	}
}

func TestSharedStoreFailuresNeverSurface(t *testing.T) {
	srv := newAccessServer(t)
	clock := newAccessClock()
	store := newMapStore()
	var hook hookLog
	a := newAccessChecker(t, srv, WithClock(clock.Now), WithStore(store), WithOnStoreError(hook.record))
	accessMustHave(t, a, "cust-1", "team-seats", true)

	store.set(errStoreDown, 0)
	// Past the local TTL the store is asked and fails: the in-process
	// result serves up to the full TTL.
	clock.Advance(30 * time.Second)
	accessMustHave(t, a, "cust-1", "team-seats", true)
	accessWantRequests(t, srv, 1)
	// A lookup nothing is known for goes to the API.
	accessMustHave(t, a, "cust-2", "sso", false)
	accessWantRequests(t, srv, 2)
	// Past the TTL, the API again.
	clock.Advance(30 * time.Second)
	accessMustHave(t, a, "cust-1", "team-seats", true)
	accessWantRequests(t, srv, 3)
	ops, errs := hook.list()
	if len(ops) != 3 || ops[0] != "get" || ops[1] != "get" || ops[2] != "get" {
		t.Errorf("hook ops = %v, want three gets", ops)
	}
	for _, err := range errs {
		if !errors.Is(err, errStoreDown) {
			t.Errorf("hook error %v, want the store's", err)
		}
	}
	if err := a.Invalidate(context.Background(), "cust-1"); !errors.Is(err, errStoreDown) {
		t.Errorf("Invalidate with the store down = %v, want its error", err)
	}
}

func TestSharedStoreSlowIsBypassed(t *testing.T) {
	srv := newAccessServer(t)
	store := newMapStore()
	var hook hookLog
	a := newAccessChecker(t, srv, WithStore(store), WithStoreTimeout(10*time.Millisecond), WithOnStoreError(hook.record))
	store.set(nil, 300*time.Millisecond) // and it ignores its context
	accessMustHave(t, a, "cust-1", "team-seats", true)
	accessWantRequests(t, srv, 1)
	ops, errs := hook.list()
	if len(ops) == 0 || ops[0] != "get" || !errors.Is(errs[0], context.DeadlineExceeded) ||
		!strings.Contains(errs[0].Error(), "did not respond within 10ms") {
		t.Errorf("hook = %v %v, want a get timeout", ops, errs)
	}
}

func TestInvalidate(t *testing.T) {
	srv, clock, store, a, b := sharedPair(t)
	ctx := context.Background()

	accessMustHave(t, a, "cust-1", "team-seats", true)
	if _, err := a.Entitlements(ctx, "cust-1"); err != nil {
		t.Fatal(err)
	}
	accessMustHave(t, a, "cust-2", "team-seats", true)
	accessMustHave(t, b, "cust-1", "team-seats", true)
	accessWantRequests(t, srv, 3)

	if err := a.Invalidate(ctx, "cust-1"); err != nil {
		t.Fatal(err)
	}
	if raw, _, _ := store.Get(ctx, "cust-1", "f:team-seats"); raw != nil {
		t.Error("store still holds the invalidated result")
	}
	// a asks at once; cust-2 is untouched.
	accessMustHave(t, a, "cust-1", "team-seats", true)
	accessWantRequests(t, srv, 4)
	accessMustHave(t, a, "cust-2", "team-seats", true)
	accessWantRequests(t, srv, 4)
	// b reuses its in-process result until its local TTL, then takes a's new one.
	accessMustHave(t, b, "cust-1", "team-seats", true)
	clock.Advance(DefaultLocalTTL)
	accessMustHave(t, b, "cust-1", "team-seats", true)
	accessWantRequests(t, srv, 4)

	if err := a.Invalidate(ctx, ""); err == nil {
		t.Error("Invalidate accepted an empty customer ID")
	}
}

// A result fetched while the customer is invalidated is not kept: it may
// predate the change.
func TestInvalidateDuringFetch(t *testing.T) {
	srv := newAccessServer(t)
	store := newMapStore()
	var a *Checker
	srv.setRespond(func(w http.ResponseWriter, r *http.Request) {
		if srv.requests() == 1 {
			if err := a.Invalidate(context.Background(), "cust-1"); err != nil {
				t.Error(err)
			}
		}
		accessOK(w, r)
	})
	a = newAccessChecker(t, srv, WithStore(store))
	accessMustHave(t, a, "cust-1", "team-seats", true)
	if raw, _, _ := store.Get(context.Background(), "cust-1", "f:team-seats"); raw != nil {
		t.Error("a result fetched across Invalidate was stored")
	}
	if a.local.len() != 0 {
		t.Error("a result fetched across Invalidate was kept in process")
	}
	accessMustHave(t, a, "cust-1", "team-seats", true)
	accessWantRequests(t, srv, 2)
}

func TestSharedLockWaitsForTheHolder(t *testing.T) {
	srv := newAccessServer(t)
	store := newMapStore()
	a := newAccessChecker(t, srv, WithStore(store))

	// Another process holds the lock and is asking the API.
	release, err := store.Lock(context.Background(), "cust-1", "f:team-seats", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		ok, err := a.HasAccess(context.Background(), "cust-1", "team-seats")
		if err == nil && !ok {
			err = errors.New("HasAccess = false")
		}
		done <- err
	}()
	accessWaitFor(t, func() bool { return store.count("lock") >= 1 && store.count("get") >= 2 })
	// The holder's result lands in the store; a takes it.
	store.put("cust-1", "f:team-seats", encodeResult(result{
		Entitlements: []Entitlement{{FeatureID: "team-seats", HasAccess: true}}, FetchedAt: time.Now()}))
	_ = release(context.Background())
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	accessWantRequests(t, srv, 0)

	// A holder that never stores a result: after the lock's life, a asks itself.
	b := newAccessChecker(t, srv, WithStore(store), WithLockTTL(30*time.Millisecond))
	if _, err := store.Lock(context.Background(), "cust-2", "f:team-seats", time.Hour); err != nil {
		t.Fatal(err)
	}
	accessMustHave(t, b, "cust-2", "team-seats", true)
	accessWantRequests(t, srv, 1)
}

// A result another process fetched long ago (but within the cache TTL) is
// reused here for the local TTL from when this process took it from the
// store, not from when it was fetched: a fleet's HasAccess calls are then
// served in process, not each by a store round trip.
func TestSharedResultLocalTTLRunsFromWhenTaken(t *testing.T) {
	srv, clock, store, a, b := sharedPair(t)
	accessMustHave(t, a, "cust-1", "team-seats", true)
	clock.Advance(30 * time.Second) // a's result is 30 s old, far past the local TTL
	gets := store.count("get")
	accessMustHave(t, b, "cust-1", "team-seats", true)
	if store.count("get") != gets+1 {
		t.Fatalf("store gets = %d, want %d", store.count("get"), gets+1)
	}
	clock.Advance(DefaultLocalTTL / 2)
	for range 100 {
		accessMustHave(t, b, "cust-1", "team-seats", true)
	}
	if n := store.count("get"); n != gets+1 {
		t.Errorf("b asked the store %d more times within the local TTL of taking the result", n-gets-1)
	}
	clock.Advance(DefaultLocalTTL / 2)
	accessMustHave(t, b, "cust-1", "team-seats", true)
	if store.count("get") != gets+2 {
		t.Errorf("past the local TTL: store gets = %d, want %d", store.count("get"), gets+2)
	}
	// The cache TTL still runs from the fetch: the result is not reused in
	// process once it is 60 s old, however recently it was taken.
	clock.Advance(DefaultCacheTTL - 30*time.Second - DefaultLocalTTL - time.Millisecond)
	accessMustHave(t, b, "cust-1", "team-seats", true) // taken again, 1 ms short of 60 s
	clock.Advance(time.Millisecond)
	accessMustHave(t, b, "cust-1", "team-seats", true)
	accessWantRequests(t, srv, 2)
}

// sharedPair is the start of the tests of a fleet: one API, one clock and
// one shared store, and two checkers (two processes) on them.
func sharedPair(t *testing.T) (srv *accessServer, clock *testkit.Clock, store *mapStore, a, b *Checker) {
	t.Helper()
	srv, clock, store = newAccessServer(t), newAccessClock(), newMapStore()
	a = newAccessChecker(t, srv, WithClock(clock.Now), WithStore(store))
	b = newAccessChecker(t, srv, WithClock(clock.Now), WithStore(store))
	return srv, clock, store, a, b
}
