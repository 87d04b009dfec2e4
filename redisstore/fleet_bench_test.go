package redisstore_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
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

// BenchmarkFleetReports reports DELTAs (kind=set: SETs of an increasing
// value) from 64 goroutines through a
// Reporter on the Redis queue, on one node, a Cluster and a Sentinel set,
// with and without WithReplicaAck(1): an op is one report, delivered (the
// time includes the final Close; the API's total is checked), and
// reports/s is b.N over that time. The deployments start once; the
// sub-benchmarks run in one function, so -count alternates them.
func BenchmarkFleetReports(b *testing.B) {
	single := redistest.Start(b)
	cluster := redistest.StartCluster(b)
	sentinel := redistest.StartSentinel(b)
	ack := []redisstore.QueueOption{redisstore.WithReplicaAck(1, time.Second)}
	type bench struct {
		name string
		rdb  func() redis.UniversalClient
		opts []redisstore.QueueOption
		set  bool
	}
	var benches []bench
	for _, tc := range []bench{
		{"topology=single", func() redis.UniversalClient { return single.Client(b) }, nil, false},
		{"topology=cluster", func() redis.UniversalClient { return cluster.Client(b) }, nil, false},
		{"topology=cluster/ack=1", func() redis.UniversalClient { return cluster.Client(b) }, ack, false},
		{"topology=sentinel", func() redis.UniversalClient { return sentinel.Client(b) }, nil, false},
		{"topology=sentinel/ack=1", func() redis.UniversalClient { return sentinel.Client(b) }, ack, false},
	} {
		benches = append(benches, tc)
		tc.name, tc.set = tc.name+"/kind=set", true
		benches = append(benches, tc)
	}
	for _, tc := range benches {
		b.Run(tc.name, func(b *testing.B) {
			api := countingapi.Start(b)
			client, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(api.URL), wrapper.WithServerKey("sk_test_bench"))
			if err != nil {
				b.Fatal(err)
			}
			defer client.CloseIdleConnections()
			name := "{bench}:" + fmt.Sprint(time.Now().UnixNano())
			rep, err := usage.NewReporter(client, usage.WithQueue(newQueue(b, tc.rdb(), name, tc.opts...)))
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			var n atomic.Int64
			b.SetParallelism(64 / max(1, runtime.GOMAXPROCS(0)))
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					r := usage.Report{CustomerID: fmt.Sprintf("cus-%d", i%8), FeatureID: "api-calls", Value: 1, Behaviour: usage.Delta}
					if tc.set {
						r.Value, r.Behaviour = int(i), usage.Set
					}
					if err := rep.Report(ctx, r); err != nil {
						b.Error(err)
						return
					}
				}
			})
			fctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			if err := rep.Close(fctx); err != nil {
				b.Fatal(err)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			if tc.set {
				// Which SET of a customer Report took last is not known
				// here (64 goroutines race); each was delivered, folded or
				// not, and every customer has a value.
				if st := rep.Stats(); st.Sent != uint64(b.N) {
					b.Fatalf("%d of %d SETs delivered", st.Sent, b.N)
				}
				for c := range min(8, b.N) {
					if api.Total(fmt.Sprintf("cus-%d", (c+1)%8), "api-calls") == 0 {
						b.Fatalf("cus-%d has no value", (c+1)%8)
					}
				}
			} else {
				total := 0
				for c := range 8 {
					total += api.Total(fmt.Sprintf("cus-%d", c), "api-calls")
				}
				if total != b.N {
					b.Fatalf("the API counted %d of %d reports", total, b.N)
				}
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "reports/s")
		})
	}
}

// BenchmarkFleetHasAccess measures the latency of HasAccess for a result
// another instance put in the shared cache on one Redis node, against the
// floor: a bare go-redis GET on the same server. p50-ns and p99-ns are
// per call. "shared" is the default (the result, taken from Redis, is
// reused in process for the local TTL); "shared-30s-old" the same with a
// result fetched 30 s before it was taken (reused in process too: the
// local TTL runs from the take); "every-call" asks Redis on each call
// (WithLocalTTL(0)).
func BenchmarkFleetHasAccess(b *testing.B) {
	rs := redistest.Start(b)
	api := countingapi.Start(b)
	client, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(api.URL), wrapper.WithServerKey("sk_test_bench"))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	rdb := rs.Client(b)
	if err := rdb.Set(ctx, "bench:plain", "1", 0).Err(); err != nil {
		b.Fatal(err)
	}
	checker := func(prefix string, opts ...entitlements.Option) *entitlements.Checker {
		c, err := entitlements.NewChecker(client, append(opts, entitlements.WithStore(redisstore.NewCache(rs.Client(b), redisstore.WithPrefix(prefix))))...)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		return c
	}
	past := func() time.Time { return time.Now().Add(-30 * time.Second) }
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"via=shared", hasAccess(ctx, b, checker("b1:"), checker("b1:"))},
		{"via=shared-30s-old", hasAccess(ctx, b, checker("b2:", entitlements.WithClock(past)), checker("b2:"))},
		{"via=every-call", hasAccess(ctx, b, checker("b3:"), checker("b3:", entitlements.WithLocalTTL(0)))},
		{"via=bare-GET", func() error { return rdb.Get(ctx, "bench:plain").Err() }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			lat := make([]time.Duration, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				t0 := time.Now()
				if err := tc.call(); err != nil {
					b.Fatal(err)
				}
				lat[i] = time.Since(t0)
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
			b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
		})
	}
}

// hasAccess has first fetch the result into the shared cache, and returns
// a HasAccess call on then, another instance.
func hasAccess(ctx context.Context, b *testing.B, first, then *entitlements.Checker) func() error {
	if ok, err := first.HasAccess(ctx, "cus-1", "seats"); err != nil || !ok {
		b.Fatal(ok, err)
	}
	return func() error {
		ok, err := then.HasAccess(ctx, "cus-1", "seats")
		if err == nil && !ok {
			err = fmt.Errorf("no access")
		}
		return err
	}
}
