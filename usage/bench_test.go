package usage_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/countingapi"
	"github.com/kelviq/kelviq-go/internal/redistest"
	"github.com/kelviq/kelviq-go/usage"
	"github.com/kelviq/kelviq-go/wrapper"
)

// BenchmarkReport64 reports DELTAs from 64 goroutines (8 customers, one
// feature): through a Reporter with the in-memory queue, through one with
// the Redis queue, and by calling client.Usage.Report directly. An op is
// one report; the reporters' time includes the final Flush, so every
// report was delivered. requests/10k-reports is what reached the API.
// The three run in one function, so -count alternates them.
func BenchmarkReport64(b *testing.B) {
	rs := redistest.Start(b)
	for _, mode := range []string{"reporter-memory", "reporter-redis", "direct"} {
		b.Run("via="+mode, func(b *testing.B) {
			srv := countingapi.Start(b)
			client, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(srv.URL), wrapper.WithServerKey("sk_test_bench"))
			if err != nil {
				b.Fatal(err)
			}
			defer client.CloseIdleConnections()
			var rep *usage.Reporter
			switch mode {
			case "reporter-memory":
				rep, err = usage.NewReporter(client)
			case "reporter-redis":
				rdb := rs.Client(b)
				rdb.FlushAll(context.Background())
				rep, err = usage.NewReporter(client, usage.WithQueue(newQueue(b, rdb, "bench:usage")))
			}
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			var n atomic.Int64
			b.SetParallelism(64 / max(1, testingProcs()))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					c := fmt.Sprintf("cus-%d", i%8)
					var err error
					if rep != nil {
						err = rep.Report(ctx, usage.Report{CustomerID: c, FeatureID: "api-calls", Value: 1, Behaviour: usage.Delta})
					} else {
						_, err = client.Usage.Report(ctx, api.ReportUsageRequest{CustomerId: c, FeatureId: "api-calls", Value: 1, Behaviour: api.ReportUsageRequestBehaviourDELTA})
					}
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
			if rep != nil {
				fctx, cancel := context.WithTimeout(ctx, time.Minute)
				if err := rep.Close(fctx); err != nil {
					b.Fatal(err)
				}
				cancel()
			}
			b.StopTimer()
			total := 0
			for c := range 8 {
				total += srv.Total(fmt.Sprintf("cus-%d", c), "api-calls")
			}
			if total != b.N {
				b.Fatalf("the API counted %d of %d reports", total, b.N)
			}
			b.ReportMetric(float64(srv.UsageRequests())*10000/float64(b.N), "requests/10k-reports")
		})
	}
}

// testingProcs is GOMAXPROCS, the number RunParallel multiplies
// SetParallelism by.
func testingProcs() int { return runtime.GOMAXPROCS(0) }
