package redisstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kelviq/kelviq-go/internal/redistest"
	"github.com/kelviq/kelviq-go/redisstore"
	"github.com/kelviq/kelviq-go/usage"
)

// Redis runs a push but its reply is lost (the connection drops, as in a
// restart or failover): the push is sent again, by go-redis itself or by
// Push, and the report is stored once.
func TestPushLostReplyStoredOnce(t *testing.T) {
	srv := redistest.Start(t)
	direct := srv.Client(t)
	ctx := context.Background()
	for _, retries := range []int{-1, 3} { // Push retries; go-redis retries
		proxy := redistest.NewProxy(t, srv.Addr)
		o := srv.Options()
		o.Addr, o.MaxRetries = proxy.Addr, retries
		rdb := redis.NewClient(o)
		t.Cleanup(func() { rdb.Close() })
		name := "q" + strings.Repeat("x", retries+2)
		q := newQueue(t, rdb, name)
		if _, err := q.Push(ctx, report("c", 1, usage.Delta)); err != nil { // loads the script
			t.Fatal(err)
		}
		proxy.CutReplies(1)
		id, err := q.Push(ctx, report("c", 2, usage.Delta))
		if err != nil || id == "" {
			t.Fatalf("MaxRetries %d: Push after a lost reply = %q, %v", retries, id, err)
		}
		if proxy.Cut() != 0 {
			t.Fatal("no reply was cut")
		}
		msgs := direct.XRange(ctx, name, "-", "+").Val()
		if len(msgs) != 2 || msgs[1].ID != id {
			t.Errorf("MaxRetries %d: the stream holds %d entries (%v), want 2 ending with %s", retries, len(msgs), msgs, id)
		}
	}
}

// Every reply is lost: Push gives up after its timeout with
// ErrOutcomeUnknown, and however often it tried, the report is stored at
// most once. A refused connection is a plain error: nothing was stored.
func TestPushOutcomeUnknown(t *testing.T) {
	srv := redistest.Start(t)
	direct := srv.Client(t)
	proxy := redistest.NewProxy(t, srv.Addr)
	o := srv.Options()
	o.Addr = proxy.Addr
	rdb := redis.NewClient(o)
	t.Cleanup(func() { rdb.Close() })
	ctx := context.Background()
	q := newQueue(t, rdb, "q", redisstore.WithPushTimeout(500*time.Millisecond))
	if _, err := q.Push(ctx, report("c", 1, usage.Delta)); err != nil {
		t.Fatal(err)
	}
	proxy.CutReplies(1 << 30)
	_, err := q.Push(ctx, report("c", 2, usage.Delta))
	if !errors.Is(err, usage.ErrOutcomeUnknown) {
		t.Fatalf("Push with every reply lost = %v, want ErrOutcomeUnknown", err)
	}
	if n := direct.XLen(ctx, "q").Val(); n != 2 {
		t.Errorf("the stream holds %d entries, want 2 (the lost push stored once)", n)
	}
	proxy.CutReplies(0)

	srv.Kill()
	_, err = newQueue(t, srv.Client(t), "q", redisstore.WithPushTimeout(200*time.Millisecond)).Push(ctx, report("c", 3, usage.Delta))
	if err == nil || errors.Is(err, usage.ErrOutcomeUnknown) {
		t.Errorf("Push to a dead server = %v, want a plain error", err)
	}
}

// On a Cluster (or Ring) client the queue's name needs a hash tag; the
// error shows the name to use. Other clients take any name but an empty
// one.
func TestNewQueueNeedsAHashTagOnCluster(t *testing.T) {
	cluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}})
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": "127.0.0.1:1"}})
	single := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { cluster.Close(); ring.Close(); single.Close() })
	for _, rdb := range []redis.UniversalClient{cluster, ring} {
		for _, bad := range []string{"acme:usage", "{}acme", "acme{", "acme}{"} {
			_, err := redisstore.NewQueue(rdb, bad)
			if err == nil || !strings.Contains(err.Error(), `"{`+bad+`}"`) {
				t.Errorf("%T: NewQueue(%q) = %v, want an error showing %q", rdb, bad, err, "{"+bad+"}")
			}
		}
		for _, good := range []string{"{acme:usage}", "{acme}:usage", "usage:{acme}"} {
			if _, err := redisstore.NewQueue(rdb, good); err != nil {
				t.Errorf("%T: NewQueue(%q) = %v", rdb, good, err)
			}
		}
	}
	if _, err := redisstore.NewQueue(single, "acme:usage"); err != nil {
		t.Errorf("single node: %v", err)
	}
	for _, rdb := range []redis.UniversalClient{single, nil} {
		if _, err := redisstore.NewQueue(rdb, ""); err == nil {
			t.Errorf("NewQueue(%T, \"\") accepted", rdb)
		}
	}
}
