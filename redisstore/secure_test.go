package redisstore_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kelviq/kelviq-go/entitlements"
	"github.com/kelviq/kelviq-go/internal/countingapi"
	"github.com/kelviq/kelviq-go/internal/redistest"
	"github.com/kelviq/kelviq-go/redisstore"
	"github.com/kelviq/kelviq-go/usage"
	"github.com/kelviq/kelviq-go/wrapper"
)

// Redis as production runs it: TLS only (a certificate authority made for
// the test), a password for the default user, and the library's own ACL
// user with only ACLRules. The cache and the queue work through it; the
// user can do nothing else; a wrong password and a plain connection fail.
func TestPasswordACLAndTLS(t *testing.T) {
	const adminPW, appPW = "admin-pw-7f3e", "app-pw-19ac"
	srv := redistest.Start(t, redistest.Password(adminPW), redistest.TLS(t))
	ctx := context.Background()
	rules := redisstore.ACLRules("kelviq:", "{acme:usage}")
	args := []any{"ACL", "SETUSER", "kelviq-app", "on", ">" + appPW}
	for _, r := range rules {
		args = append(args, r)
	}
	if err := srv.Client(t).Do(ctx, args...).Err(); err != nil {
		t.Fatalf("ACL SETUSER %v: %v", rules, err)
	}
	o := srv.Options()
	o.Username, o.Password = "kelviq-app", appPW
	app := redis.NewClient(o)
	t.Cleanup(func() { app.Close() })

	api := countingapi.Start(t)
	var mu sync.Mutex
	var storeErrs []string
	checker, err := entitlements.NewChecker(countingClient(t, api), entitlements.WithStore(redisstore.NewCache(app)),
		entitlements.WithStoreTimeout(2*time.Second),
		entitlements.WithOnStoreError(func(op string, err error) { mu.Lock(); storeErrs = append(storeErrs, op+": "+err.Error()); mu.Unlock() }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { checker.Close() })
	for range 3 {
		if ok, err := checker.HasAccess(ctx, "cus-1", "seats"); err != nil || !ok {
			t.Fatalf("HasAccess = %t, %v", ok, err)
		}
	}
	if err := checker.Invalidate(ctx, "cus-1"); err != nil {
		t.Fatal(err)
	}
	if ok, err := checker.HasAccess(ctx, "cus-1", "seats"); err != nil || !ok {
		t.Fatalf("HasAccess after Invalidate = %t, %v", ok, err)
	}
	if n := api.EntitlementRequests(); n != 2 {
		t.Errorf("%d lookups, want 2 (one before and one after Invalidate)", n)
	}

	var queueErrs []string
	rep, err := usage.NewReporter(countingClient(t, api), usage.WithQueue(newQueue(t, app, "{acme:usage}", redisstore.WithLease(time.Second))),
		usage.WithInterval(5*time.Millisecond),
		usage.WithOnQueueError(func(op string, err error) { mu.Lock(); queueErrs = append(queueErrs, op+": "+err.Error()); mu.Unlock() }))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 200; i++ {
		if err := rep.Report(ctx, usage.Report{CustomerID: "cus-1", FeatureID: "api-calls", Value: i, Behaviour: usage.Delta}); err != nil {
			t.Fatal(err)
		}
	}
	if err := rep.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := api.Total("cus-1", "api-calls"); got != 200*201/2 {
		t.Errorf("total %d, want %d", got, 200*201/2)
	}
	if _, err := newQueue(t, app, "{acme:usage}").Parked(ctx); err != nil {
		t.Errorf("Parked: %v", err)
	}
	mu.Lock()
	if len(storeErrs)+len(queueErrs) != 0 {
		t.Errorf("errors through the ACL user: store %q, queue %q", storeErrs, queueErrs)
	}
	mu.Unlock()

	// Nothing beyond the rules: other keys, other commands.
	for name, err := range map[string]error{
		"GET other:key":  app.Get(ctx, "other:key").Err(),
		"SET other:key":  app.Set(ctx, "other:key", "x", 0).Err(),
		"KEYS *":         app.Keys(ctx, "*").Err(),
		"FLUSHALL":       app.FlushAll(ctx).Err(),
		"CONFIG GET":     app.ConfigGet(ctx, "*").Err(),
		"EVAL other key": app.Eval(ctx, "return redis.call('GET', KEYS[1])", []string{"other:key"}).Err(),
	} {
		if err == nil || !strings.Contains(err.Error(), "NOPERM") {
			t.Errorf("%s as the ACL user = %v, want NOPERM", name, err)
		}
	}

	wrong := srv.Options()
	wrong.Username, wrong.Password = "kelviq-app", "not-the-password"
	bad := redis.NewClient(wrong)
	t.Cleanup(func() { bad.Close() })
	if err := bad.Ping(ctx).Err(); err == nil || strings.Contains(err.Error(), "not-the-password") {
		t.Errorf("wrong password: %v", err)
	}
	plain := srv.Options()
	plain.TLSConfig = nil
	noTLS := redis.NewClient(plain)
	t.Cleanup(func() { noTLS.Close() })
	if err := noTLS.Ping(ctx).Err(); err == nil {
		t.Error("a plain connection to the TLS port worked")
	}
	untrusted := srv.Options()
	untrusted.TLSConfig.RootCAs = nil // the system's roots: not the test's CA
	other := redis.NewClient(untrusted)
	t.Cleanup(func() { other.Close() })
	if err := other.Ping(ctx).Err(); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("a client that does not trust the CA: %v", err)
	}
}

// countingClient is a wrapper client for srv (countingapi.Client, made by
// wrapper.New), with opts after its own.
func countingClient(t testing.TB, srv *countingapi.Server, opts ...wrapper.Option) *wrapper.Client {
	t.Helper()
	return countingapi.Client(t, srv, wrapper.New, wrapper.WithBaseURL, wrapper.WithServerKey, wrapper.WithHTTPClient, append(opts, wrapper.WithoutEnvKeys())...)
}
