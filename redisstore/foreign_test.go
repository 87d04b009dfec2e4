package redisstore_test

import (
	"context"
	"strconv"
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
)

// Values under the cache's prefix written by someone else (another
// tenant, another version, garbage, a huge value, a key of another type, a
// lock that never expires) are ignored: every result comes from the API,
// and the lookups store valid results in their place.
func TestCacheIgnoresForeignValues(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	future := time.Now().Add(time.Hour).UnixNano()
	forged := `{"v":1,"at":` + strconv.FormatInt(future, 10) + `,"e":[{"id":"seats","a":false}]}`
	foreign := map[string]func() error{
		"garbage":         func() error { return rdb.HSet(ctx, "kelviq:ent:cus-1", "f:seats", "\x00not json").Err() },
		"other version":   func() error { return rdb.HSet(ctx, "kelviq:ent:cus-2", "f:seats", `{"v":99,"at":1,"e":[]}`).Err() },
		"from the future": func() error { return rdb.HSet(ctx, "kelviq:ent:cus-3", "f:seats", forged).Err() },
		"huge":            func() error { return rdb.HSet(ctx, "kelviq:ent:cus-4", "f:seats", strings.Repeat("x", 4<<20)).Err() },
		"another type":    func() error { return rdb.Set(ctx, "kelviq:ent:cus-5", "a string", 0).Err() },
		"eternal lock": func() error {
			return rdb.Set(ctx, "kelviq:entlock:5:cus-6:f:seats", "someone else", 0).Err()
		},
	}
	for name, write := range foreign {
		if err := write(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	api := countingapi.Start(t)
	var mu sync.Mutex
	ops := map[string]int{}
	checker, err := entitlements.NewChecker(countingClient(t, api), entitlements.WithStore(redisstore.NewCache(rdb)),
		entitlements.WithLocalTTL(0), entitlements.WithStoreTimeout(2*time.Second),
		entitlements.WithOnStoreError(func(op string, _ error) { mu.Lock(); ops[op]++; mu.Unlock() }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { checker.Close() })
	for i := 1; i <= 6; i++ {
		start := time.Now()
		ok, err := checker.HasAccess(ctx, "cus-"+strconv.Itoa(i), "seats")
		if err != nil || !ok {
			t.Errorf("cus-%d: HasAccess = %t, %v; want the API's true", i, ok, err)
		}
		if d := time.Since(start); d > entitlements.DefaultLockTTL/2 {
			t.Errorf("cus-%d: took %v (waited on a foreign lock?)", i, d)
		}
	}
	if n := api.EntitlementRequests(); n != 6 {
		t.Errorf("%d lookups, want 6 (none served from a foreign value)", n)
	}
	mu.Lock()
	// Each foreign value is reported each time it is read (before and
	// after taking the lock).
	if ops["decode"] < 3 || ops["get"] == 0 {
		t.Errorf("store errors %v: want decode (garbage, other version, huge) and get (another type)", ops)
	}
	mu.Unlock()
	// The lookups replaced the foreign values with their results, which
	// serve the next lookups (the key of another type is left alone; the
	// result kept in process serves while it fails).
	for i := 1; i <= 6; i++ {
		_, _ = checker.HasAccess(ctx, "cus-"+strconv.Itoa(i), "seats")
	}
	if n := api.EntitlementRequests(); n != 6 {
		t.Errorf("%d lookups after the stores, want still 6", n)
	}
	if raw := rdb.HGet(ctx, "kelviq:ent:cus-4", "f:seats").Val(); len(raw) > 1000 {
		t.Errorf("the huge value is still there (%d bytes)", len(raw))
	}
}

// Entries in the queue's stream written by someone else are parked with a
// short reason, never sent; a huge one does not make a huge reason.
func TestQueueParksForeignEntries(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	q := newQueue(t, rdb, "q")
	for _, values := range [][]any{
		{"r", `{"customerId":"","featureId":"f","value":1,"behaviour":"DELTA"}`},
		{"r", `{"customerId":"c","featureId":"f","value":1,"behaviour":"MULTIPLY"}`},
		{"r", `{"customerId":"c","featureId":"f","value":-1,"behaviour":"SET"}`},
		{"r", strings.Repeat("y", 2<<20)},
		{"r", "\xff\xfe"},
		{"something", "else"},
	} {
		if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: "q", Values: values}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := q.Push(ctx, report("c", 5, usage.Delta)); err != nil {
		t.Fatal(err)
	}
	got, err := q.Claim(ctx, 100)
	if err != nil || len(got) != 1 || got[0].Report != report("c", 5, usage.Delta) {
		t.Fatalf("Claim = %+v, %v; want only the real report", got, err)
	}
	parked, err := q.Parked(ctx)
	if err != nil || len(parked) != 6 {
		t.Fatalf("Parked = %d, %v; want 6", len(parked), err)
	}
	for _, p := range parked {
		if p.Reason == "" || len(p.Reason) > 400 || p.Report != (usage.Report{}) {
			t.Errorf("parked %+v (reason %d bytes)", p.Report, len(p.Reason))
		}
	}
}
