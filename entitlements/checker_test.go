package entitlements

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/wrapper"
)

const accessTestKey = "sk_test_x"

// accessServer serves GET /api/v1/entitlements/ and counts requests.
type accessServer struct {
	*httptest.Server
	hits atomic.Int32

	mu      sync.Mutex
	reqs    []*http.Request
	respond func(w http.ResponseWriter, r *http.Request)
}

// accessEntitlements is the customer's full response; a feature_id query
// narrows it, as the API does.
var accessEntitlements = map[string]string{
	"team-seats": `{"featureId":"team-seats","hasAccess":true,"featureType":"METER","usageLimit":10,"currentUsage":3,"remaining":7,"hardLimit":true,"resetAt":"2026-07-01T00:00:00Z"}`,
	"sso":        `{"featureId":"sso","hasAccess":false,"featureType":"BOOLEAN","usageLimit":null,"currentUsage":null,"remaining":null,"hardLimit":null}`,
}

func accessOK(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var items []string
	if f := q.Get("feature_id"); f != "" {
		if e, ok := accessEntitlements[f]; ok {
			items = append(items, e)
		}
	} else {
		items = append(items, accessEntitlements["team-seats"], accessEntitlements["sso"])
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"customerId":%q,"entitlements":[%s]}`, q.Get("customer_id"), strings.Join(items, ","))
}

func accessStatus(code int, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		// The client may retry some statuses; let it do so without waiting.
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
}

func newAccessServer(t *testing.T) *accessServer {
	t.Helper()
	s := &accessServer{respond: accessOK}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		s.reqs = append(s.reqs, r)
		respond := s.respond
		s.mu.Unlock()
		if r.Method != http.MethodGet || r.URL.Path != "/api/v1/entitlements/" {
			http.Error(w, `{"detail":"no route"}`, http.StatusTeapot)
			return
		}
		respond(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *accessServer) setRespond(f func(http.ResponseWriter, *http.Request)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.respond = f
}

func (s *accessServer) lastRequest() *http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.reqs) == 0 {
		return nil
	}
	return s.reqs[len(s.reqs)-1]
}

func (s *accessServer) requests() int { return int(s.hits.Load()) }

// accessWantMoreRequests checks that the lookup asked the server, however
// many times the client's own retries sent it.
func accessWantMoreRequests(t *testing.T, srv *accessServer, before int) int {
	t.Helper()
	n := srv.requests()
	if n <= before {
		t.Fatalf("server saw %d requests, want more than %d", n, before)
	}
	return n
}

// newAccessClock is the clock the checker tests start from.
func newAccessClock() *testkit.Clock {
	return testkit.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
}

func newAccessChecker(t *testing.T, srv *accessServer, opts ...Option) *Checker {
	t.Helper()
	c, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(srv.URL+"/api/v1"), wrapper.WithServerKey(accessTestKey))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	a, err := NewChecker(c, opts...)
	if err != nil {
		t.Fatalf("NewChecker: %v", err)
	}
	return a
}

func accessMustHave(t *testing.T, a *Checker, customerID, featureID string, want bool) {
	t.Helper()
	got, err := a.HasAccess(context.Background(), customerID, featureID)
	if err != nil {
		t.Fatalf("HasAccess(%q, %q): %v", customerID, featureID, err)
	}
	if got != want {
		t.Fatalf("HasAccess(%q, %q) = %t, want %t", customerID, featureID, got, want)
	}
}

func accessWantRequests(t *testing.T, srv *accessServer, n int) {
	t.Helper()
	if got := srv.requests(); got != n {
		t.Fatalf("server saw %d requests, want %d", got, n)
	}
}

func TestCheckerRequestAndResult(t *testing.T) {
	srv := newAccessServer(t)
	a := newAccessChecker(t, srv)

	accessMustHave(t, a, "northwind-cust-17", "team-seats", true)
	r := srv.lastRequest()
	if got := r.URL.Query().Get("customer_id"); got != "northwind-cust-17" {
		t.Errorf("customer_id = %q", got)
	}
	if got := r.URL.Query().Get("feature_id"); got != "team-seats" {
		t.Errorf("feature_id = %q", got)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+accessTestKey {
		t.Errorf("Authorization = %q", got)
	}

	accessMustHave(t, a, "northwind-cust-17", "sso", false)
	// A feature the API lists nothing for: false, no error.
	accessMustHave(t, a, "northwind-cust-17", "unknown-feature", false)
	accessWantRequests(t, srv, 3)

	// An ID that needs escaping reaches the server intact.
	accessMustHave(t, a, "a&b=c d/é", "team-seats", true)
	if got := srv.lastRequest().URL.Query().Get("customer_id"); got != "a&b=c d/é" {
		t.Errorf("escaped customer_id arrived as %q", got)
	}
}

func TestCheckerEntitlements(t *testing.T) {
	srv := newAccessServer(t)
	a := newAccessChecker(t, srv)
	ctx := context.Background()

	e, err := a.Entitlement(ctx, "cust-1", "team-seats")
	if err != nil {
		t.Fatal(err)
	}
	want := Entitlement{FeatureID: "team-seats", FeatureType: "METER", HasAccess: true, Limited: true,
		UsageLimit: 10, CurrentUsage: 3, Remaining: 7, HardLimit: true, ResetAt: "2026-07-01T00:00:00Z"}
	if e != want {
		t.Errorf("Entitlement = %+v, want %+v", e, want)
	}
	e, err = a.Entitlement(ctx, "cust-1", "sso")
	if err != nil {
		t.Fatal(err)
	}
	if want := (Entitlement{FeatureID: "sso", FeatureType: "BOOLEAN"}); e != want {
		t.Errorf("Entitlement(sso) = %+v, want %+v", e, want)
	}
	e, err = a.Entitlement(ctx, "cust-1", "nope")
	if err != nil || e != (Entitlement{FeatureID: "nope"}) {
		t.Errorf("Entitlement(nope) = %+v, %v", e, err)
	}

	all, err := a.Entitlements(ctx, "cust-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].FeatureID != "team-seats" || all[1].FeatureID != "sso" {
		t.Fatalf("Entitlements = %+v", all)
	}
	if q := srv.lastRequest().URL.Query(); q.Has("feature_id") || q.Get("customer_id") != "cust-1" {
		t.Errorf("all-features query = %v", q)
	}
	// The caller's slice is its own: changing it changes nothing cached.
	all[0].HasAccess = false
	again, err := a.Entitlements(ctx, "cust-1")
	if err != nil || !again[0].HasAccess {
		t.Errorf("cached result changed by the caller: %+v, %v", again, err)
	}
	accessWantRequests(t, srv, 4)

	srv.setRespond(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"customerId":"cust-2"}`))
	})
	none, err := a.Entitlements(ctx, "cust-2")
	if err != nil || none == nil || len(none) != 0 {
		t.Errorf("Entitlements with none = %#v, %v; want an empty non-nil slice", none, err)
	}
}

func TestCheckerCacheTTL(t *testing.T) {
	srv := newAccessServer(t)
	clock := newAccessClock()
	a := newAccessChecker(t, srv, WithClock(clock.Now))

	accessMustHave(t, a, "cust-1", "team-seats", true)
	accessMustHave(t, a, "cust-1", "team-seats", true)
	accessWantRequests(t, srv, 1)

	clock.Advance(59 * time.Second)
	accessMustHave(t, a, "cust-1", "team-seats", true)
	accessWantRequests(t, srv, 1)

	clock.Advance(time.Second) // 60 s: the default TTL is over
	accessMustHave(t, a, "cust-1", "team-seats", true)
	accessWantRequests(t, srv, 2)
	accessMustHave(t, a, "cust-1", "team-seats", true)
	accessWantRequests(t, srv, 2)

	// Other customers, features and the all-features lookup are their own entries.
	accessMustHave(t, a, "cust-2", "team-seats", true)
	accessMustHave(t, a, "cust-1", "sso", false)
	if _, err := a.Entitlements(context.Background(), "cust-1"); err != nil {
		t.Fatal(err)
	}
	accessWantRequests(t, srv, 5)

	// A shorter TTL.
	srv2 := newAccessServer(t)
	b := newAccessChecker(t, srv2, WithClock(clock.Now), WithCacheTTL(5*time.Second))
	accessMustHave(t, b, "cust-1", "team-seats", true)
	clock.Advance(4 * time.Second)
	accessMustHave(t, b, "cust-1", "team-seats", true)
	accessWantRequests(t, srv2, 1)
	clock.Advance(time.Second)
	accessMustHave(t, b, "cust-1", "team-seats", true)
	accessWantRequests(t, srv2, 2)
}

func TestCheckerTTLZeroDisablesCache(t *testing.T) {
	srv := newAccessServer(t)
	a := newAccessChecker(t, srv, WithCacheTTL(0))
	for range 3 {
		accessMustHave(t, a, "cust-1", "team-seats", true)
	}
	accessWantRequests(t, srv, 3)
	if a.local != nil {
		t.Error("TTL 0 without a stale window still keeps results")
	}
}

// accessBlockUntilWaiting makes the server hold the request until n callers share
// the lookup for key, so that the test does not depend on timing.
func accessBlockUntilWaiting(t *testing.T, a **Checker, key string, n int) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		deadline := time.Now().Add(10 * time.Second)
		for (*a).flight.waiting(key) < n {
			if time.Now().After(deadline) {
				t.Errorf("only %d of %d callers joined the shared lookup", (*a).flight.waiting(key), n)
				break
			}
			time.Sleep(time.Millisecond)
		}
		accessOK(w, r)
	}
}

func TestCheckerCollapsesConcurrentLookups(t *testing.T) {
	const n = 50
	for _, tc := range []struct {
		name string
		opts []Option
	}{
		{"default TTL", nil},
		{"TTL 0", []Option{WithCacheTTL(0)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newAccessServer(t)
			var a *Checker
			srv.setRespond(accessBlockUntilWaiting(t, &a, localKey("cust-1", "team-seats"), n))
			a = newAccessChecker(t, srv, tc.opts...)

			var wg sync.WaitGroup
			errs := make(chan error, n)
			for range n {
				wg.Go(func() {
					ok, err := a.HasAccess(context.Background(), "cust-1", "team-seats")
					if err == nil && !ok {
						err = errors.New("HasAccess = false, want true")
					}
					if err != nil {
						errs <- err
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			accessWantRequests(t, srv, 1)
			if w := a.flight.waiting(localKey("cust-1", "team-seats")); w != 0 {
				t.Errorf("finished lookup still in flight with %d waiters", w)
			}
		})
	}

	t.Run("all features", func(t *testing.T) {
		srv := newAccessServer(t)
		var a *Checker
		srv.setRespond(accessBlockUntilWaiting(t, &a, localKey("cust-1", ""), n))
		a = newAccessChecker(t, srv, WithCacheTTL(0))
		var wg sync.WaitGroup
		var failed atomic.Int32
		for range n {
			wg.Go(func() {
				if list, err := a.Entitlements(context.Background(), "cust-1"); err != nil || len(list) != 2 {
					failed.Add(1)
				}
			})
		}
		wg.Wait()
		if f := failed.Load(); f != 0 {
			t.Errorf("%d callers failed", f)
		}
		accessWantRequests(t, srv, 1)
	})
}

func TestCheckerCallerCancelDoesNotCancelSharedLookup(t *testing.T) {
	srv := newAccessServer(t)
	release := make(chan struct{})
	var serverCtxErr atomic.Value
	srv.setRespond(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-time.After(10 * time.Second):
			t.Error("request was never released")
		}
		if err := r.Context().Err(); err != nil {
			serverCtxErr.Store(err)
		}
		accessOK(w, r)
	})
	a := newAccessChecker(t, srv, WithCacheTTL(0))
	key := localKey("cust-1", "team-seats")

	ctx, cancel := context.WithCancel(context.Background())
	firstErr := make(chan error, 1)
	go func() {
		_, err := a.HasAccess(ctx, "cust-1", "team-seats")
		firstErr <- err
	}()
	accessWaitFor(t, func() bool { return a.flight.waiting(key) == 1 && srv.requests() == 1 })

	second := make(chan error, 1)
	go func() {
		ok, err := a.HasAccess(context.Background(), "cust-1", "team-seats")
		if err == nil && !ok {
			err = errors.New("HasAccess = false")
		}
		second <- err
	}()
	accessWaitFor(t, func() bool { return a.flight.waiting(key) == 2 })

	cancel()
	if err := <-firstErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller got %v, want context.Canceled", err)
	}
	close(release)
	if err := <-second; err != nil {
		t.Fatalf("second caller: %v", err)
	}
	if v := serverCtxErr.Load(); v != nil {
		t.Errorf("shared request was cancelled: %v", v)
	}
	accessWantRequests(t, srv, 1)

	// A caller whose context is already done sends nothing.
	done, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := a.HasAccess(done, "cust-1", "team-seats"); !errors.Is(err, context.Canceled) {
		t.Errorf("done context: %v", err)
	}
	accessWantRequests(t, srv, 1)
}

func accessWaitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestCheckerStaleWindowOn5xx(t *testing.T) {
	srv := newAccessServer(t)
	clock := newAccessClock()
	type staleEvent struct {
		customerID, featureID string
		age                   time.Duration
		err                   error
	}
	var events []staleEvent
	a := newAccessChecker(t, srv, WithClock(clock.Now), WithCacheTTL(time.Minute), WithStaleWindow(30*time.Second),
		WithOnStale(func(c, f string, age time.Duration, err error) { events = append(events, staleEvent{c, f, age, err}) }))

	accessMustHave(t, a, "cust-1", "team-seats", true)
	srv.setRespond(accessStatus(http.StatusServiceUnavailable, `{"detail":"edge down"}`))

	clock.Advance(61 * time.Second) // past the TTL, inside the stale window
	accessMustHave(t, a, "cust-1", "team-seats", true)
	n := accessWantMoreRequests(t, srv, 1) // it did ask
	if len(events) != 1 || events[0].age != 61*time.Second || !errors.Is(events[0].err, wrapper.ErrServer) ||
		events[0].customerID != "cust-1" || events[0].featureID != "team-seats" {
		t.Errorf("stale events = %+v", events)
	}

	clock.Advance(28 * time.Second) // 89 s old
	accessMustHave(t, a, "cust-1", "team-seats", true)
	n = accessWantMoreRequests(t, srv, n)

	clock.Advance(time.Second) // 90 s = TTL + window: too old
	_, err := a.HasAccess(context.Background(), "cust-1", "team-seats")
	var apiErr *wrapper.APIError
	if !errors.Is(err, wrapper.ErrServer) || !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
		t.Fatalf("after the window: %v, want the 503", err)
	}
	n = accessWantMoreRequests(t, srv, n)
	if len(events) != 2 {
		t.Errorf("%d stale events, want 2", len(events))
	}

	// Recovery: a good result is cached afresh.
	srv.setRespond(accessOK)
	accessMustHave(t, a, "cust-1", "team-seats", true)
	accessMustHave(t, a, "cust-1", "team-seats", true)
	accessWantRequests(t, srv, n+1)

	// Without a stale window the 503 is returned as soon as the TTL is over.
	srv2 := newAccessServer(t)
	b := newAccessChecker(t, srv2, WithClock(clock.Now))
	accessMustHave(t, b, "cust-1", "team-seats", true)
	srv2.setRespond(accessStatus(http.StatusBadGateway, ``))
	clock.Advance(time.Minute)
	if _, err := b.HasAccess(context.Background(), "cust-1", "team-seats"); !errors.Is(err, wrapper.ErrServer) {
		t.Fatalf("no stale window: %v, want wrapper.ErrServer", err)
	}
}

func TestCheckerStaleWindowOnNetworkError(t *testing.T) {
	srv := newAccessServer(t)
	clock := newAccessClock()
	a := newAccessChecker(t, srv, WithClock(clock.Now), WithStaleWindow(time.Hour))
	all, err := a.Entitlements(context.Background(), "cust-1")
	if err != nil {
		t.Fatal(err)
	}
	accessMustHave(t, a, "cust-1", "team-seats", true)
	srv.Close()

	clock.Advance(2 * time.Minute)
	accessMustHave(t, a, "cust-1", "team-seats", true)
	again, err := a.Entitlements(context.Background(), "cust-1")
	if err != nil || len(again) != len(all) {
		t.Fatalf("stale Entitlements = %+v, %v", again, err)
	}
	// Nothing known for this customer: the network error itself.
	if _, err := a.HasAccess(context.Background(), "cust-2", "team-seats"); err == nil || errors.Is(err, wrapper.ErrServer) {
		t.Fatalf("unknown customer while down: %v, want a network error", err)
	}
	clock.Advance(time.Hour) // past TTL + window
	if _, err := a.HasAccess(context.Background(), "cust-1", "team-seats"); err == nil {
		t.Fatal("no error once the stale window is over")
	}
}

func TestCheckerStaleWindowWithTTLZero(t *testing.T) {
	srv := newAccessServer(t)
	clock := newAccessClock()
	a := newAccessChecker(t, srv, WithClock(clock.Now), WithCacheTTL(0), WithStaleWindow(time.Minute))
	accessMustHave(t, a, "cust-1", "team-seats", true)
	accessMustHave(t, a, "cust-1", "team-seats", true)
	accessWantRequests(t, srv, 2) // nothing served from the cache...
	srv.setRespond(accessStatus(http.StatusInternalServerError, `{}`))
	clock.Advance(30 * time.Second)
	accessMustHave(t, a, "cust-1", "team-seats", true) // ...but it is the fallback
	accessWantMoreRequests(t, srv, 2)
}

func TestCheckerClientErrorsNeverMaskedByStale(t *testing.T) {
	for _, tc := range []struct {
		name    string
		respond func(http.ResponseWriter, *http.Request)
		is      error
	}{
		{"401", accessStatus(http.StatusUnauthorized, `{"detail":"Invalid token sk_test_x"}`), wrapper.ErrUnauthorized},
		{"403", accessStatus(http.StatusForbidden, `{"detail":"no"}`), wrapper.ErrForbidden},
		{"404", accessStatus(http.StatusNotFound, `{"detail":"Customer not found"}`), wrapper.ErrNotFound},
		{"429", accessStatus(http.StatusTooManyRequests, `{"detail":"slow down"}`), wrapper.ErrRateLimited},
		{"undecodable 200", accessStatus(http.StatusOK, `{"entitlements":"nope"`), wrapper.ErrDecode},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newAccessServer(t)
			clock := newAccessClock()
			stale := 0
			a := newAccessChecker(t, srv, WithClock(clock.Now), WithStaleWindow(time.Hour),
				WithOnStale(func(string, string, time.Duration, error) { stale++ }))
			accessMustHave(t, a, "cust-1", "team-seats", true)
			srv.setRespond(tc.respond)
			clock.Advance(2 * time.Minute)
			ok, err := a.HasAccess(context.Background(), "cust-1", "team-seats")
			if ok || !errors.Is(err, tc.is) {
				t.Fatalf("HasAccess = %t, %v; want false and %v", ok, err, tc.is)
			}
			if strings.Contains(err.Error(), accessTestKey) {
				t.Errorf("error shows the key: %v", err)
			}
			if stale != 0 {
				t.Errorf("stale hook called %d times", stale)
			}
		})
	}
}

func TestCheckerValidation(t *testing.T) {
	srv := newAccessServer(t)
	a := newAccessChecker(t, srv)
	ctx := context.Background()
	for _, tc := range []struct {
		name, customer, feature, field string
	}{
		{"empty customer", "", "team-seats", "customer_id"},
		{"empty feature", "cust-1", "", "feature_id"},
		{"both empty", "", "", "customer_id"},
		{"control character", "cust\n1", "team-seats", "customer_id"},
		{"invalid UTF-8", "cust-1", "team\xff", "feature_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := a.HasAccess(ctx, tc.customer, tc.feature)
			var ve *wrapper.ValidationError
			if ok || !errors.As(err, &ve) || ve.Field != tc.field || !errors.Is(err, wrapper.ErrInvalidInput) {
				t.Fatalf("HasAccess = %t, %v; want a *wrapper.ValidationError for %s", ok, err, tc.field)
			}
			if _, err := a.Entitlement(ctx, tc.customer, tc.feature); !errors.As(err, &ve) || ve.Field != tc.field {
				t.Errorf("Entitlement: %v", err)
			}
		})
	}
	list, err := a.Entitlements(ctx, "")
	var ve *wrapper.ValidationError
	if list != nil || !errors.As(err, &ve) || ve.Field != "customer_id" || ve.Rule != "must not be empty" {
		t.Errorf("Entitlements(\"\") = %v, %v", list, err)
	}
	accessWantRequests(t, srv, 0)
}

func TestCheckerMissingKey(t *testing.T) {
	srv := newAccessServer(t)
	c, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(srv.URL+"/api/v1"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewChecker(c, WithStaleWindow(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.HasAccess(context.Background(), "cust-1", "team-seats"); !errors.Is(err, wrapper.ErrMissingCredential) {
		t.Fatalf("no server key: %v", err)
	}
	accessWantRequests(t, srv, 0)
}

func TestNewCheckerOptions(t *testing.T) {
	c, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithServerKey(accessTestKey))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts []Option
		want string
	}{
		{"negative TTL", []Option{WithCacheTTL(-time.Second)}, "WithCacheTTL"},
		{"negative stale window", []Option{WithStaleWindow(-1)}, "WithStaleWindow"},
		{"negative fetch timeout", []Option{WithFetchTimeout(-1)}, "WithFetchTimeout"},
		{"zero max entries", []Option{WithMaxEntries(0)}, "WithMaxEntries"},
		{"nil store", []Option{WithStore(nil)}, "WithStore"},
		{"nil clock", []Option{WithClock(nil)}, "WithClock"},
		{"nil stale hook", []Option{WithOnStale(nil)}, "WithOnStale"},
		{"nil store hook", []Option{WithOnStoreError(nil)}, "WithOnStoreError"},
		{"negative local TTL", []Option{WithLocalTTL(-1)}, "WithLocalTTL"},
		{"zero store timeout", []Option{WithStoreTimeout(0)}, "WithStoreTimeout"},
		{"zero lock TTL", []Option{WithLockTTL(0)}, "WithLockTTL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := NewChecker(c, tc.opts...)
			if a != nil || err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewChecker = %v, %v; want an error naming %s", a, err, tc.want)
			}
		})
	}
	if _, err := NewChecker(nil); err == nil {
		t.Error("nil client accepted")
	}
	a, err := NewChecker(c, nil, WithCacheTTL(0), WithStaleWindow(0), WithFetchTimeout(0), WithMaxEntries(1))
	if err != nil || a.ttl != 0 || a.local != nil || a.shared != nil || a.timeout != 0 {
		t.Errorf("zero values: %+v, %v", a, err)
	}
	a, err = NewChecker(c)
	if err != nil || a.ttl != DefaultCacheTTL || a.stale != 0 || a.timeout != DefaultFetchTimeout {
		t.Fatalf("defaults: %v", err)
	}
	if a.local == nil || a.local.max != DefaultMaxEntries || a.shared != nil || a.localTTL != DefaultCacheTTL {
		t.Errorf("default layers: local %+v, shared %v, local TTL %v", a.local, a.shared, a.localTTL)
	}
	a, err = NewChecker(c, WithStore(newMapStore()))
	if err != nil || a.shared == nil || a.localTTL != DefaultLocalTTL || a.storeTimeout != DefaultStoreTimeout || a.lockTTL != DefaultLockTTL {
		t.Errorf("defaults with a store: %v", err)
	}
	a, err = NewChecker(c, WithStore(newMapStore()), WithCacheTTL(0))
	if err != nil || a.shared != nil || a.local != nil {
		t.Errorf("TTL 0 with a store keeps results: %v", err)
	}
}

func TestMemoryStoreBounded(t *testing.T) {
	clock := newAccessClock()
	s := newMemoryStore(3, time.Minute, clock.Now)
	for i := range 5 {
		s.set(fmt.Sprint("k", i), result{FetchedAt: clock.Now()})
	}
	if s.len() != 3 {
		t.Fatalf("len = %d, want 3", s.len())
	}
	for i, want := range []bool{false, false, true, true, true} {
		if _, ok := s.get(fmt.Sprint("k", i)); ok != want {
			t.Errorf("k%d present = %t, want %t", i, ok, want)
		}
	}
	// Re-setting a key makes it the newest.
	s.set("k2", result{FetchedAt: clock.Now()})
	s.set("k5", result{FetchedAt: clock.Now()})
	if _, ok := s.get("k2"); !ok {
		t.Error("re-set k2 was evicted")
	}
	if _, ok := s.get("k3"); ok {
		t.Error("oldest k3 was kept")
	}
	// Expired entries go on the next Set, even below the bound.
	clock.Advance(time.Minute)
	s.set("k6", result{FetchedAt: clock.Now()})
	if s.len() != 1 {
		t.Errorf("len after expiry = %d, want 1", s.len())
	}
}

func TestFlightPanicBecomesError(t *testing.T) {
	var g flightGroup
	_, err := g.do(context.Background(), "k", func(context.Context) (result, error) { panic("boom") })
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("err = %v", err)
	}
	if g.waiting("k") != 0 {
		t.Error("panicked call left in flight")
	}
}
