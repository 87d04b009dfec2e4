package entitlements_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kelviq/kelviq-go/entitlements"
	"github.com/kelviq/kelviq-go/internal/countingapi"
	"github.com/kelviq/kelviq-go/internal/redistest"
	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/redisstore"
	"github.com/kelviq/kelviq-go/wrapper"
)

// The child process of TestTwoProcessesShareOneLookup: a checker on the
// shared Redis cache that looks one entitlement up when told to.
func TestChildChecker(t *testing.T) {
	if !testkit.InChild("TestChildChecker") {
		t.Skip("runs only as the child process of TestTwoProcessesShareOneLookup")
	}
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("REDIS_ADDR"), ContextTimeoutEnabled: true})
	defer rdb.Close()
	client, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(os.Getenv("API_URL")), wrapper.WithServerKey("sk_test_child"))
	if err != nil {
		t.Fatal(err)
	}
	checker, err := entitlements.NewChecker(client, entitlements.WithStore(redisstore.NewCache(rdb, redisstore.WithPrefix("acme:"))))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("ready")
	if line, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil || line != "go\n" {
		t.Fatalf("stdin: %q, %v", line, err)
	}
	ok, err := checker.HasAccess(context.Background(), "cus-1", "seats")
	fmt.Printf("result %t %v\n", ok, err)
}

// Two processes miss the same entitlement at the same moment: one asks the
// API (under the cache's lock), the other waits for its result in Redis.
func TestTwoProcessesShareOneLookup(t *testing.T) {
	rs := redistest.Start(t)
	api := countingapi.Start(t)
	api.SetEntitlementDelay(300 * time.Millisecond) // the first lookup is still in flight when the second misses
	env := []string{"REDIS_ADDR=" + rs.Addr, "API_URL=" + api.URL}
	a, b := testkit.StartChild(t, "TestChildChecker", env...), testkit.StartChild(t, "TestChildChecker", env...)
	a.Await(t, "ready")
	b.Await(t, "ready")
	for _, c := range []*testkit.Child{a, b} {
		if _, err := io.WriteString(c.In, "go\n"); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []*testkit.Child{a, b} {
		if got := c.Await(t, "result"); got != "result true <nil>" {
			t.Errorf("child printed %q", got)
		}
	}
	if n := api.EntitlementRequests(); n != 1 {
		t.Errorf("the API saw %d lookups from two processes, want 1", n)
	}
}

type storeErrors struct {
	mu  sync.Mutex
	ops []string
	err []error
}

func (s *storeErrors) record(op string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ops, s.err = append(s.ops, op), append(s.err, err)
}

func (s *storeErrors) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ops)
}

// Redis dies mid-test: lookups go on from the process and the API, never a
// Redis error; the hook reports the failures; after a restart the shared
// layer is used again.
func TestRedisKilledLookupsContinue(t *testing.T) {
	rs := redistest.Start(t)
	api := countingapi.Start(t)
	var hook storeErrors
	checker, err := entitlements.NewChecker(countingClient(t, api),
		entitlements.WithStore(redisstore.NewCache(rs.Client(t))), entitlements.WithLocalTTL(0),
		entitlements.WithOnStoreError(hook.record))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = checker.Close() })
	ctx := context.Background()
	has := func(customer, feature string, want bool) {
		t.Helper()
		ok, err := checker.HasAccess(ctx, customer, feature)
		if err != nil || ok != want {
			t.Fatalf("HasAccess(%s, %s) = %t, %v; want %t", customer, feature, ok, err, want)
		}
	}
	has("cus-1", "seats", true)
	has("cus-1", "seats", true) // from Redis (no local layer)
	if n := api.EntitlementRequests(); n != 1 || hook.count() != 0 {
		t.Fatalf("%d lookups, %d store errors; want 1, 0", n, hook.count())
	}

	rs.Kill()
	has("cus-1", "seats", true) // the in-process result, within the TTL
	has("cus-1", "sso", false)  // the API
	has("cus-2", "seats", true) // the API
	if n := api.EntitlementRequests(); n != 3 {
		t.Errorf("%d lookups with Redis down, want 3", n)
	}
	if hook.count() == 0 {
		t.Fatal("the hook reported no Redis failure")
	}
	hook.mu.Lock()
	gets := 0
	for i, op := range hook.ops {
		switch {
		case hook.err[i] == nil:
			t.Errorf("hook: %s with a nil error", op)
		case op == "get":
			gets++
		case op != "subscribe":
			t.Errorf("hook: %s %v", op, hook.err[i])
		}
	}
	if gets == 0 {
		t.Errorf("the hook reported no failed get: %v", hook.ops)
	}
	hook.mu.Unlock()
	if err := checker.Invalidate(ctx, "cus-1"); err == nil {
		t.Error("Invalidate with Redis down returned no error")
	}

	rs.Restart(t) // empty: no persistence
	has("cus-3", "seats", true)
	before := hook.count()
	has("cus-3", "seats", true)
	has("cus-3", "seats", true)
	if n := api.EntitlementRequests(); n != 4 {
		t.Errorf("%d lookups after the restart, want 4", n)
	}
	hook.mu.Lock()
	for _, op := range hook.ops[before:] {
		if op != "subscribe" {
			t.Errorf("store error after the restart: %s", op)
		}
	}
	hook.mu.Unlock()
}

// Redis that accepts connections but replies to nothing (paused) holds no
// lookup up beyond the store timeout.
func TestRedisPausedIsBypassed(t *testing.T) {
	rs := redistest.Start(t)
	api := countingapi.Start(t)
	var hook storeErrors
	checker, err := entitlements.NewChecker(countingClient(t, api),
		entitlements.WithStore(redisstore.NewCache(rs.Client(t))), entitlements.WithStoreTimeout(50*time.Millisecond),
		entitlements.WithOnStoreError(hook.record))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = checker.Close() })
	rs.Stop()
	defer rs.Cont()
	ok, err := checker.HasAccess(context.Background(), "cus-1", "seats")
	if !ok || err != nil {
		t.Fatalf("HasAccess = %t, %v", ok, err)
	}
	hook.mu.Lock()
	defer hook.mu.Unlock()
	var netErr net.Error
	if len(hook.err) == 0 || !errors.Is(hook.err[0], context.DeadlineExceeded) && !(errors.As(hook.err[0], &netErr) && netErr.Timeout()) {
		t.Errorf("hook = %v %v, want a timeout", hook.ops, hook.err)
	}
}

// An Invalidate in one process drops the customer's results in the other
// processes' in-process layer at once (Redis pub/sub), not after their
// local TTL.
func TestInvalidateReachesOtherCheckersAtOnce(t *testing.T) {
	rs := redistest.Start(t)
	api := countingapi.Start(t)
	var checkers []*entitlements.Checker
	for range 2 {
		c, err := entitlements.NewChecker(countingClient(t, api), entitlements.WithLocalTTL(time.Minute),
			entitlements.WithStore(redisstore.NewCache(rs.Client(t), redisstore.WithPrefix("acme:"))))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		checkers = append(checkers, c)
	}
	a, b := checkers[0], checkers[1]
	ctx := context.Background()
	for _, c := range checkers {
		if ok, err := c.HasAccess(ctx, "cus-1", "seats"); err != nil || !ok {
			t.Fatal(ok, err)
		}
	}
	if n := api.EntitlementRequests(); n != 1 {
		t.Fatalf("%d lookups, want 1", n)
	}
	// b's result is in process for a minute; a's Invalidate drops it. The
	// subscription may still be starting: invalidate until b asks again.
	deadline := time.Now().Add(10 * time.Second)
	for api.EntitlementRequests() == 1 {
		if time.Now().After(deadline) {
			t.Fatal("b kept serving its in-process result after Invalidate")
		}
		if err := a.Invalidate(ctx, "cus-1"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
		if _, err := b.HasAccess(ctx, "cus-1", "seats"); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
}

// countingClient is a wrapper client for srv (countingapi.Client, made by
// wrapper.New), with opts after its own.
func countingClient(t testing.TB, srv *countingapi.Server, opts ...wrapper.Option) *wrapper.Client {
	t.Helper()
	return countingapi.Client(t, srv, wrapper.New, wrapper.WithBaseURL, wrapper.WithServerKey, wrapper.WithHTTPClient, append(opts, wrapper.WithoutEnvKeys())...)
}
