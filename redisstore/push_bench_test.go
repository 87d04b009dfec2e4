package redisstore_test

import (
	"context"
	"strconv"
	"sync/atomic"
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

// BenchmarkPush64Set pushes SETs of 8 customers from 64 goroutines: each
// replaces its customer's pending SET.
func BenchmarkPush64Set(b *testing.B) {
	rs := redistest.Start(b)
	q := newQueue(b, rs.Client(b), "bench")
	var n atomic.Int64
	b.SetParallelism(32)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			if _, err := q.Push(context.Background(), report("cus-"+strconv.FormatInt(i%8, 10), int(i), "SET")); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
