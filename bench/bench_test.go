// Package bench compares three ways of calling the kelviq API against one
// local server, in one run: a hand-written net/http + encoding/json client
// on a tuned transport (the baseline), the generated client on Go's default
// transport, and this module's wrapper. Run it with `make bench`; results
// and the exact command are in BENCH.md.
package bench_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/bench/internal/benchapi"
	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/wrapper"
)

const (
	partnerKey = benchapi.PartnerKey
	serverKey  = benchapi.ServerKey
	externalID = benchapi.ExternalID
	pageSize   = benchapi.PageSize
)

var orgBody = benchapi.OrgBody

// server serves the two operations the benchmarks use. Customer pages are
// built once per item count.
type server struct {
	*httptest.Server
	mu      sync.Mutex
	pages   map[int][][]byte // item count -> page bodies
	items   int
	closers []func()
}

func newServer(b *testing.B) *server {
	s := &server{pages: map[int][][]byte{}}
	mux := benchapi.Mux(func(int) [][]byte {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.pages[s.items]
	})
	s.Server = httptest.NewServer(mux)
	b.Cleanup(func() {
		for _, f := range s.closers {
			f()
		}
		s.Close()
	})
	return s
}

// onClose runs f when the server shuts down (before it closes).
func (s *server) onClose(f func()) { s.closers = append(s.closers, f) }

// usePages makes the server hold n customers in pages of 100.
func (s *server) usePages(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.items = n
	if _, ok := s.pages[n]; ok {
		return
	}
	bodies := benchapi.CustomerPages(s.URL, n)
	s.pages[n] = bodies
}

// --- the three clients -------------------------------------------------

func newBaseline(s *server) *benchapi.Raw {
	c := &benchapi.Raw{HC: &http.Client{Transport: benchapi.TunedTransport()}, Base: s.URL + "/api/v1"}
	s.onClose(c.HC.CloseIdleConnections)
	return c
}

// newGenerated is the generated client as its README shows it: Go's
// default transport and a request editor for the key. With 2 idle
// connections per host it opens and closes connections all the time under
// concurrency; it runs last in each group, and its cleanup waits a moment,
// so that the churn it leaves in the kernel does not slow the next run.
func newGenerated(b *testing.B, s *server, header, value string) *api.ClientWithResponses {
	c, err := api.NewClientWithResponses(s.URL+"/api/v1/", api.WithHTTPClient(&http.Client{}),
		api.WithRequestEditorFn(func(_ context.Context, r *http.Request) error { r.Header.Set(header, value); return nil }))
	if err != nil {
		b.Fatal(err)
	}
	s.onClose(http.DefaultTransport.(*http.Transport).CloseIdleConnections)
	s.onClose(func() { time.Sleep(time.Second) })
	return c
}

func newWrapper(b *testing.B, s *server) *wrapper.Client {
	c, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(s.URL+"/api/v1"),
		wrapper.WithPartnerKey(partnerKey), wrapper.WithServerKey(serverKey))
	if err != nil {
		b.Fatal(err)
	}
	s.onClose(c.CloseIdleConnections)
	return c
}

// --- benchmarks ----------------------------------------------------------

// run calls op b.N times from `callers` goroutines in all.
func run(b *testing.B, callers int, op func(context.Context) error) {
	ctx := context.Background()
	b.ReportAllocs()
	if callers == 1 {
		for b.Loop() {
			if err := op(ctx); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	b.SetParallelism((callers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := op(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// Each sub-benchmark gets a server of its own, so that connections one
// client leaves behind do not slow the next.
func BenchmarkGetByExternalID(b *testing.B) {
	for _, callers := range []int{1, 64} {
		b.Run(fmt.Sprintf("callers=%d/client=baseline", callers), func(b *testing.B) {
			s := newServer(b)
			c := newBaseline(s)
			run(b, callers, func(ctx context.Context) error {
				o, err := c.OrgByExternalID(ctx, externalID)
				if err == nil && o.OrganizationSlug == nil {
					err = fmt.Errorf("no slug")
				}
				return err
			})
		})
		b.Run(fmt.Sprintf("callers=%d/client=wrapper", callers), func(b *testing.B) {
			s := newServer(b)
			c := newWrapper(b, s)
			run(b, callers, func(ctx context.Context) error {
				o, err := c.Partner.GetByExternalID(ctx, externalID)
				if err == nil && o.Slug == "" {
					err = fmt.Errorf("no slug")
				}
				return err
			})
		})
		b.Run(fmt.Sprintf("callers=%d/client=generated", callers), func(b *testing.B) {
			s := newServer(b)
			c := newGenerated(b, s, "X-Kelviq-Partner-Key", partnerKey)
			run(b, callers, func(ctx context.Context) error {
				r, err := c.RetrievePartnerOrganizationByExternalIdWithResponse(ctx, externalID)
				if err == nil && r.JSON200 == nil {
					err = fmt.Errorf("status %d", r.StatusCode())
				}
				return err
			})
		})
	}
}

// BenchmarkAutoPaging walks 10,000 customers in pages of 100.
func BenchmarkAutoPaging(b *testing.B) {
	const items = 10_000
	serve := func(b *testing.B) *server {
		s := newServer(b)
		s.usePages(items)
		return s
	}
	count := func(b *testing.B, n int) {
		if n != items {
			b.Fatalf("walked %d items, want %d", n, items)
		}
	}
	b.Run("client=baseline", func(b *testing.B) {
		c := newBaseline(serve(b))
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			if err := c.AllCustomers(context.Background(), "", func(benchapi.Customer) { n++ }); err != nil {
				b.Fatal(err)
			}
			count(b, n)
		}
	})
	b.Run("client=wrapper", func(b *testing.B) {
		c := newWrapper(b, serve(b))
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			for _, err := range c.Customers.All(context.Background(), nil) {
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			count(b, n)
		}
	})
	b.Run("client=generated", func(b *testing.B) {
		c := newGenerated(b, serve(b), "Authorization", "Bearer "+serverKey)
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			size := pageSize
			for page := 1; ; page++ {
				r, err := c.ListCustomersWithResponse(context.Background(), &api.ListCustomersParams{Page: &page, PageSize: &size})
				if err != nil || r.JSON200 == nil {
					b.Fatal(err, r.StatusCode())
				}
				n += len(*r.JSON200.Results)
				if next, err := testkit.PtrGet(r.JSON200.Next); err != nil || next == "" {
					break
				}
			}
			count(b, n)
		}
	})
}

// BenchmarkAutoPagingHeap reports the peak live heap (measured after a
// forced GC at every page) while the wrapper walks 1,000 and then 10,000
// customers: with one page in memory at a time it stays flat as the item
// count grows.
func BenchmarkAutoPagingHeap(b *testing.B) {
	for _, items := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("items=%d/client=wrapper", items), func(b *testing.B) {
			s := newServer(b)
			s.usePages(items)
			c := newWrapper(b, s)
			var peak uint64
			var ms runtime.MemStats
			for b.Loop() {
				runtime.GC()
				runtime.ReadMemStats(&ms)
				base := ms.HeapAlloc
				n := 0
				for _, err := range c.Customers.All(context.Background(), nil) {
					if err != nil {
						b.Fatal(err)
					}
					if n++; n%pageSize == 0 {
						runtime.GC()
						runtime.ReadMemStats(&ms)
						if ms.HeapAlloc > base && ms.HeapAlloc-base > peak {
							peak = ms.HeapAlloc - base
						}
					}
				}
				if n != items {
					b.Fatalf("walked %d items, want %d", n, items)
				}
			}
			b.ReportMetric(float64(peak), "peak-live-heap-B")
		})
	}
}
