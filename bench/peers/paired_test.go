package peers_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/bench/internal/benchapi"
	"github.com/kelviq/kelviq-go/bench/peers/ogenapi"
	"github.com/kelviq/kelviq-go/wrapper"
)

// The paired benchmark compares three clients of the same server the way
// this noisy, shared 2-core machine allows:
//
//   - raw: the tuned hand-written net/http + encoding/json client;
//   - ogen: the client ogen v1.25.0 generates from openapi.json (package
//     ogenapi), on the same tuned transport as raw;
//   - wrapper: this module's wrapper.Client with its defaults.
//
// The server runs in a process of its own (so its CPU counts against no
// client's time or allocations); the clients do equal blocks of work in
// turn, the order changing every block (all six orders in rotation); the
// throughput ratios are taken per block, and their median and
// interquartile range are reported. Allocations and bytes are counted
// exactly, from the runtime's totals around one block per client.
//
//	go test -run '^$' -bench BenchmarkPaired -benchtime 1x -benchmem .

// The lists the server holds; the walks pick one by its length.
const (
	shortList = 1_000
	longList  = 10_000
)

func TestMain(m *testing.M) {
	benchapi.MaybeServe(longList, shortList)
	os.Exit(m.Run())
}

// clients are the three clients, in the order their times are kept.
var clients = []string{"raw", "ogen", "wrapper"}

// workload is one piece of work, done in blocks by each client.
type workload struct {
	name   string
	blocks int
	do     [3]func(ctx context.Context) error // one block, by each client in clients' order
	units  int                                // the work in one block, for allocations per unit
	unit   string
}

// parallel runs per calls of f in each of callers goroutines.
func parallel(ctx context.Context, callers, per int, f func(context.Context) error) error {
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Go(func() {
			for range per {
				if err := f(ctx); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// keys is the ogen client's SecuritySource.
type keys struct{}

func (keys) BearerAuth(context.Context, ogenapi.OperationName) (ogenapi.BearerAuth, error) {
	return ogenapi.BearerAuth{Token: benchapi.ServerKey}, nil
}

func (keys) PartnerKeyAuth(context.Context, ogenapi.OperationName) (ogenapi.PartnerKeyAuth, error) {
	return ogenapi.PartnerKeyAuth{APIKey: benchapi.PartnerKey}, nil
}

func BenchmarkPaired(b *testing.B) {
	base := benchapi.StartServer(b) + "/api/v1"
	raw := &benchapi.Raw{HC: &http.Client{Transport: benchapi.TunedTransport()}, Base: base}
	og, err := ogenapi.NewClient(base, keys{}, ogenapi.WithClient(&http.Client{Transport: benchapi.TunedTransport()}))
	if err != nil {
		b.Fatal(err)
	}
	lib, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(base),
		wrapper.WithPartnerKey(benchapi.PartnerKey), wrapper.WithServerKey(benchapi.ServerKey))
	if err != nil {
		b.Fatal(err)
	}
	get := [3]func(context.Context) error{
		func(ctx context.Context) error {
			o, err := raw.OrgByExternalID(ctx, benchapi.ExternalID)
			if err == nil && o.OrganizationSlug == nil {
				err = fmt.Errorf("raw: no slug")
			}
			return err
		},
		func(ctx context.Context) error {
			r, err := og.RetrievePartnerOrganizationByExternalId(ctx, ogenapi.RetrievePartnerOrganizationByExternalIdParams{ExternalId: benchapi.ExternalID})
			if err != nil {
				return err
			}
			if o, ok := r.(*ogenapi.PartnerOrganization); !ok || o.OrganizationSlug.Value == "" {
				return fmt.Errorf("ogen: response %T", r)
			}
			return nil
		},
		func(ctx context.Context) error {
			o, err := lib.Partner.GetByExternalID(ctx, benchapi.ExternalID)
			if err == nil && o.Slug == "" {
				err = fmt.Errorf("wrapper: no slug")
			}
			return err
		},
	}
	walk := func(items int) [3]func(context.Context) error {
		search := strconv.Itoa(items) // the server picks the list by it
		want := func(who string, n int) error {
			if n != items {
				return fmt.Errorf("%s walked %d items, want %d", who, n, items)
			}
			return nil
		}
		return [3]func(context.Context) error{
			func(ctx context.Context) error {
				n := 0
				if err := raw.AllCustomers(ctx, search, func(benchapi.Customer) { n++ }); err != nil {
					return err
				}
				return want("raw", n)
			},
			func(ctx context.Context) error {
				// ogen has no pager: pages by number, as raw does.
				n := 0
				for page := 1; ; page++ {
					r, err := og.ListCustomers(ctx, ogenapi.ListCustomersParams{
						Search: ogenapi.NewOptString(search), Page: ogenapi.NewOptInt(page), PageSize: ogenapi.NewOptInt(benchapi.PageSize)})
					if err != nil {
						return err
					}
					n += len(r.Results)
					if r.Next.Null || !r.Next.Set || len(r.Results) == 0 {
						break
					}
				}
				return want("ogen", n)
			},
			func(ctx context.Context) error {
				n := 0
				for _, err := range lib.Customers.All(ctx, &api.ListCustomersParams{Search: &search}) {
					if err != nil {
						return err
					}
					n++
				}
				return want("wrapper", n)
			},
		}
	}
	per := func(callers, calls int, f func(context.Context) error) func(context.Context) error {
		return func(ctx context.Context) error { return parallel(ctx, callers, calls, f) }
	}
	byCallers := func(callers, calls int) [3]func(context.Context) error {
		return [3]func(context.Context) error{per(callers, calls, get[0]), per(callers, calls, get[1]), per(callers, calls, get[2])}
	}
	workloads := []workload{
		{name: "get/callers=1", blocks: 120, units: 500, unit: "call", do: byCallers(1, 500)},
		{name: "get/callers=64", blocks: 120, units: 64 * 100, unit: "call", do: byCallers(64, 100)},
		{name: "walk/items=1000", blocks: 102, units: shortList, unit: "item", do: walk(shortList)},
		{name: "walk/items=10000", blocks: 42, units: longList, unit: "item", do: walk(longList)},
	}
	for _, w := range workloads {
		b.Run(w.name, func(b *testing.B) {
			for b.Loop() {
				run(b, w)
			}
		})
	}
}

// orders are the six orders of the three clients; block i runs in
// orders[i%6], so each client runs first, second and last equally often
// (the block counts are multiples of six).
var orders = [6][3]int{{0, 1, 2}, {2, 1, 0}, {1, 2, 0}, {0, 2, 1}, {2, 0, 1}, {1, 0, 2}}

// run runs the blocks of w and reports the ratios and allocations.
func run(b *testing.B, w workload) {
	ctx := context.Background()
	timeIt := func(f func(context.Context) error) time.Duration {
		start := time.Now()
		if err := f(ctx); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	for _, f := range w.do { // warm up: connections, caches
		timeIt(f)
	}
	// Ratios of throughput per block: a/b is b's time over a's.
	type ratio struct {
		name string
		a, b int
		vs   []float64
	}
	ratios := []*ratio{{name: "wrapper/raw", a: 2, b: 0}, {name: "wrapper/ogen", a: 2, b: 1}, {name: "ogen/raw", a: 1, b: 0}}
	for i := range w.blocks {
		var t [3]time.Duration
		for _, c := range orders[i%len(orders)] {
			t[c] = timeIt(w.do[c])
		}
		for _, r := range ratios {
			r.vs = append(r.vs, t[r.b].Seconds()/t[r.a].Seconds())
		}
	}
	for _, r := range ratios {
		vs := r.vs
		slices.Sort(vs)
		q := func(f float64) float64 { return vs[int(f*float64(len(vs)-1)+0.5)] }
		b.ReportMetric(q(0.5), r.name+"-median")
		b.ReportMetric(q(0.25), r.name+"-q1")
		b.ReportMetric(q(0.75), r.name+"-q3")
		b.Logf("%s: %s throughput median %.3f (IQR %.3f–%.3f, %d blocks)", w.name, r.name, q(0.5), q(0.25), q(0.75), w.blocks)
	}
	for c, f := range w.do {
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		timeIt(f)
		runtime.ReadMemStats(&m1)
		allocs := float64(m1.Mallocs-m0.Mallocs) / float64(w.units)
		bytes := float64(m1.TotalAlloc-m0.TotalAlloc) / float64(w.units)
		b.ReportMetric(allocs, clients[c]+"-allocs/"+w.unit)
		b.ReportMetric(bytes, clients[c]+"-B/"+w.unit)
		b.Logf("%s: %s allocs/%s %.2f, B/%s %.0f", w.name, clients[c], w.unit, allocs, w.unit, bytes)
	}
}
