package redisstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kelviq/kelviq-go/entitlements"
	"github.com/kelviq/kelviq-go/internal/redistest"
	"github.com/kelviq/kelviq-go/redisstore"
	"github.com/kelviq/kelviq-go/usage"
)

func TestCacheStoreContract(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	c := redisstore.NewCache(rdb, redisstore.WithPrefix("acme:"))

	v, epoch, err := c.Get(ctx, "cus-1", "f:seats")
	if err != nil || v != nil || epoch != "" {
		t.Fatalf("Get on nothing = %q, %q, %v", v, epoch, err)
	}
	if err := c.Set(ctx, "cus-1", "f:seats", []byte("one"), epoch, time.Minute); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := c.Get(ctx, "cus-1", "f:seats"); string(v) != "one" {
		t.Fatalf("Get after Set = %q", v)
	}
	if ttl := rdb.PTTL(ctx, "acme:ent:cus-1").Val(); ttl <= 0 || ttl > time.Minute {
		t.Errorf("hash TTL = %v, want (0, 1m]", ttl)
	}
	// Invalidate drops every field and changes the epoch; a Set with the
	// old epoch (a fetch that started before) is ignored.
	if err := c.Set(ctx, "cus-1", "*", []byte("all"), epoch, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := c.Invalidate(ctx, "cus-1"); err != nil {
		t.Fatal(err)
	}
	v, epoch2, err := c.Get(ctx, "cus-1", "f:seats")
	if err != nil || v != nil || epoch2 == "" || epoch2 == epoch {
		t.Fatalf("Get after Invalidate = %q, epoch %q (was %q), %v", v, epoch2, epoch, err)
	}
	if v, _, _ := c.Get(ctx, "cus-1", "*"); v != nil {
		t.Error("Invalidate left the all-features result")
	}
	if err := c.Set(ctx, "cus-1", "f:seats", []byte("old"), epoch, time.Minute); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := c.Get(ctx, "cus-1", "f:seats"); v != nil {
		t.Errorf("a Set with the epoch from before Invalidate stored %q", v)
	}
	if err := c.Set(ctx, "cus-1", "f:seats", []byte("new"), epoch2, time.Minute); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := c.Get(ctx, "cus-1", "f:seats"); string(v) != "new" {
		t.Errorf("Get = %q, want new", v)
	}
	// Another prefix is another cache.
	other := redisstore.NewCache(rdb, redisstore.WithPrefix("globex:"))
	if v, _, _ := other.Get(ctx, "cus-1", "f:seats"); v != nil {
		t.Errorf("another prefix sees %q", v)
	}

	// Locks.
	release, err := c.Lock(ctx, "cus-1", "f:seats", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Lock(ctx, "cus-1", "f:seats", time.Minute); !errors.Is(err, entitlements.ErrLocked) {
		t.Fatalf("second Lock = %v, want ErrLocked", err)
	}
	if _, err := c.Lock(ctx, "cus-1", "f:sso", time.Minute); err != nil {
		t.Errorf("a lock on another field: %v", err)
	}
	if err := release(ctx); err != nil {
		t.Fatal(err)
	}
	short, err := c.Lock(ctx, "cus-1", "f:seats", 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // the lock expires...
	if _, err := c.Lock(ctx, "cus-1", "f:seats", time.Minute); err != nil {
		t.Fatalf("Lock after expiry: %v", err)
	}
	// ...and its late release does not drop the new holder's lock.
	if err := short(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Lock(ctx, "cus-1", "f:seats", time.Minute); !errors.Is(err, entitlements.ErrLocked) {
		t.Errorf("a stale release dropped another holder's lock: %v", err)
	}
}

func report(c string, v int, b usage.Behaviour) usage.Report {
	return usage.Report{CustomerID: c, FeatureID: "api-calls", Value: v, Behaviour: b}
}

func TestQueueContract(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	a := newQueue(t, rdb, "acme:usage", redisstore.WithLease(100*time.Millisecond))
	b := newQueue(t, rdb, "acme:usage", redisstore.WithLease(100*time.Millisecond))
	if a.Consumer() == b.Consumer() {
		t.Fatal("two queues share a consumer name")
	}
	var ids []string
	for i := range 4 {
		id, err := a.Push(ctx, report("cus-1", i+1, usage.Delta))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	got, err := a.Claim(ctx, 3)
	if err != nil || len(got) != 3 || got[0].ID != ids[0] || got[2].Report.Value != 3 || got[0].MaybeSent {
		t.Fatalf("a.Claim = %+v, %v", got, err)
	}
	// b gets only what a has not claimed.
	gotB, err := b.Claim(ctx, 10)
	if err != nil || len(gotB) != 1 || gotB[0].ID != ids[3] {
		t.Fatalf("b.Claim = %+v, %v", gotB, err)
	}
	if held, err := b.Hold(ctx, ids[:3], true); err != nil || len(held) != 0 {
		t.Fatalf("b holds a's entries: %v, %v", held, err)
	}
	// a marks the first as being sent, the second as not, and dies.
	if held, err := a.Hold(ctx, ids[:1], true); err != nil || len(held) != 1 {
		t.Fatalf("a.Hold = %v, %v", held, err)
	}
	if held, err := a.Hold(ctx, ids[1:2], false); err != nil || len(held) != 1 {
		t.Fatalf("a.Hold = %v, %v", held, err)
	}
	// Before the lease is over, b cannot take them; after, it can.
	if gotB, _ := b.Claim(ctx, 10); len(gotB) != 0 {
		t.Fatalf("b took over live claims: %+v", gotB)
	}
	time.Sleep(150 * time.Millisecond)
	if err := b.Ack(ctx, []string{ids[3]}); err != nil {
		t.Fatal(err)
	}
	gotB, err = b.Claim(ctx, 10)
	if err != nil || len(gotB) != 3 {
		t.Fatalf("b.Claim after the lease = %+v, %v", gotB, err)
	}
	for _, e := range gotB {
		if want := e.ID == ids[0]; e.MaybeSent != want {
			t.Errorf("entry %s MaybeSent = %t, want %t", e.ID, e.MaybeSent, want)
		}
	}
	// a lost them: its Hold says so.
	if held, _ := a.Hold(ctx, ids[:3], true); len(held) != 0 {
		t.Errorf("a still holds %v", held)
	}
	if done, _ := b.Done(ctx, ids[0]); done {
		t.Error("Done before anything was acknowledged")
	}
	if err := b.Park(ctx, ids[:1], report("cus-1", 1, usage.Delta), "maybe sent"); err != nil {
		t.Fatal(err)
	}
	if err := b.Ack(ctx, ids[1:3]); err != nil {
		t.Fatal(err)
	}
	if done, err := b.Done(ctx, ids[3]); err != nil || !done {
		t.Errorf("Done = %t, %v after everything was settled", done, err)
	}
	parked, err := a.Parked(ctx)
	if err != nil || len(parked) != 1 || parked[0].Report != report("cus-1", 1, usage.Delta) || parked[0].Reason != "maybe sent" || parked[0].At.IsZero() {
		t.Errorf("Parked = %+v, %v", parked, err)
	}
	if n := rdb.XLen(ctx, "acme:usage").Val(); n != 0 {
		t.Errorf("stream holds %d entries after all were settled", n)
	}
	if n := rdb.HLen(ctx, "acme:usage:sending").Val(); n != 0 {
		t.Errorf("%d marks left", n)
	}
	if _, err := a.Done(ctx, "junk"); err == nil {
		t.Error("Done accepted a malformed ID")
	}
}

func TestQueueMaxLenAndForeignEntries(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	q := newQueue(t, rdb, "q", redisstore.WithMaxLen(2))
	for range 2 {
		if _, err := q.Push(ctx, report("c", 1, usage.Delta)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := q.Push(ctx, report("c", 1, usage.Delta)); !errors.Is(err, usage.ErrQueueFull) {
		t.Fatalf("push beyond WithMaxLen = %v, want ErrQueueFull", err)
	}
	// Something else wrote into the stream: it is parked, never sent.
	rdb.XAdd(ctx, redisArgs{"q", []any{"r", `{"customerId":"c"}`}}.args())
	rdb.XAdd(ctx, redisArgs{"q", []any{"other", "x"}}.args())
	got, err := newQueue(t, rdb, "q").Claim(ctx, 10)
	if err != nil || len(got) != 2 {
		t.Fatalf("Claim = %+v, %v; want the two reports only", got, err)
	}
	parked, _ := q.Parked(ctx)
	if len(parked) != 2 || parked[0].Reason == "" {
		t.Errorf("foreign entries parked as %+v", parked)
	}
}

func TestQueueGroupRecreatedAfterRedisRestart(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	q := newQueue(t, rdb, "q")
	if _, err := q.Push(ctx, report("c", 1, usage.Delta)); err != nil {
		t.Fatal(err)
	}
	if got, err := q.Claim(ctx, 10); err != nil || len(got) != 1 {
		t.Fatalf("Claim = %v, %v", got, err)
	}
	srv.Kill()
	if _, err := q.Claim(ctx, 10); err == nil {
		t.Fatal("Claim with Redis down succeeded")
	}
	srv.Restart(t) // no persistence: the stream and group are gone
	if _, err := q.Push(ctx, report("c", 2, usage.Delta)); err != nil {
		t.Fatal(err)
	}
	got, err := q.Claim(ctx, 10)
	if err != nil || len(got) != 1 || got[0].Report.Value != 2 {
		t.Fatalf("Claim after restart = %+v, %v", got, err)
	}
}

type redisArgs struct {
	stream string
	values []any
}

func (a redisArgs) args() *redis.XAddArgs { return &redis.XAddArgs{Stream: a.stream, Values: a.values} }

// Consumers of ended processes that hold nothing are removed; one that
// holds entries is kept, and so are its entries.
func TestQueueSweepsEndedConsumers(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	lease := 20 * time.Millisecond
	idle := newQueue(t, rdb, "q", redisstore.WithLease(lease), redisstore.WithConsumer("ended-idle"))
	holder := newQueue(t, rdb, "q", redisstore.WithLease(time.Hour), redisstore.WithConsumer("ended-holding"))
	if _, err := idle.Claim(ctx, 1); err != nil { // registers the consumer
		t.Fatal(err)
	}
	if _, err := holder.Push(ctx, report("c", 1, usage.Delta)); err != nil {
		t.Fatal(err)
	}
	if got, err := holder.Claim(ctx, 1); err != nil || len(got) != 1 {
		t.Fatal(got, err)
	}
	time.Sleep(15 * lease)
	live := newQueue(t, rdb, "q", redisstore.WithLease(lease))
	if _, err := live.Claim(ctx, 1); err != nil { // the first Claim sweeps
		t.Fatal(err)
	}
	names := map[string]int64{}
	for _, c := range rdb.XInfoConsumers(ctx, "q", "kelviq-usage").Val() {
		names[c.Name] = c.Pending
	}
	if _, ok := names["ended-idle"]; ok {
		t.Errorf("the idle ended consumer was kept: %v", names)
	}
	if names["ended-holding"] != 1 && names[live.Consumer()] != 1 {
		t.Errorf("the claimed entry was lost with its consumer: %v", names)
	}
}

// Hold finds a holder's entries among many others of its own, a page of
// XPENDING at a time.
func TestQueueHoldAmongManyEntries(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	q := newQueue(t, rdb, "q")
	for i := range 2500 {
		if _, err := q.Push(ctx, report("c", i+1, usage.Delta)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := q.Claim(ctx, 2500)
	if err != nil || len(got) != 2500 {
		t.Fatalf("Claim: %d, %v", len(got), err)
	}
	// Every 7th, first (2499 = 7*357) and last included, in reverse order.
	var ids []string
	for i := len(got) - 1; i >= 0; i -= 7 {
		ids = append(ids, got[i].ID)
	}
	if ids[len(ids)-1] != got[0].ID {
		t.Fatal("the first entry is not among the IDs")
	}
	held, err := q.Hold(ctx, ids, true)
	if err != nil || len(held) != len(ids) {
		t.Fatalf("Hold = %d of %d, %v", len(held), len(ids), err)
	}
	if n := rdb.HLen(ctx, "q:sending").Val(); n != int64(len(ids)) {
		t.Errorf("%d marks, want %d", n, len(ids))
	}
	if held, err := newQueue(t, rdb, "q").Hold(ctx, ids, true); err != nil || len(held) != 0 {
		t.Errorf("another consumer holds %d, %v", len(held), err)
	}
	if err := q.Ack(ctx, ids); err != nil {
		t.Fatal(err)
	}
	if n := rdb.HLen(ctx, "q:sending").Val(); n != 0 {
		t.Errorf("%d marks after Ack", n)
	}
	if n := rdb.XLen(ctx, "q").Val(); n != int64(2500-len(ids)) {
		t.Errorf("stream holds %d, want %d", n, 2500-len(ids))
	}
}

// newQueue is redisstore.NewQueue for a name that must be accepted.
func newQueue(t testing.TB, rdb redis.UniversalClient, name string, opts ...redisstore.QueueOption) *redisstore.Queue {
	t.Helper()
	q, err := redisstore.NewQueue(rdb, name, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return q
}
