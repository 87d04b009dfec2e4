package redisstore_test

import (
	"context"
	"testing"

	"github.com/kelviq/kelviq-go/internal/redistest"
)

// BenchmarkPush64 pushes reports from 64 goroutines; concurrent pushes
// share round trips.
func BenchmarkPush64(b *testing.B) {
	rs := redistest.Start(b)
	q := newQueue(b, rs.Client(b), "bench")
	b.SetParallelism(32)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := q.Push(context.Background(), report("cus-1", 1, "DELTA")); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
