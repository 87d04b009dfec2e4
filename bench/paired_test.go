package bench_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kelviq/kelviq-go/wrapper"
)

// The paired benchmark compares the wrapper with the tuned hand-written
// client (baseline) the way this noisy, shared 2-core machine allows: the
// server runs in a process of its own (so its CPU is not counted against
// either client's allocations), the two clients do equal blocks of work in
// alternation (the order flipping every block), the throughput ratio is
// taken per block, and the median and interquartile range of the ratios are
// reported. Allocations and bytes are counted exactly, from the runtime's
// totals around one single-caller block per client.
//
//	go test -run '^$' -bench BenchmarkPaired -benchtime 1x -benchmem ./bench/

// serverEnv makes the test binary run the benchmark's server instead of
// its tests (see TestMain).
const serverEnv = "KELVIQ_BENCH_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(serverEnv) == "1" {
		serveForever()
		return
	}
	os.Exit(m.Run())
}

// serveForever serves the benchmark API on a loopback port, prints the
// address, and exits when standard input closes.
func serveForever() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	base := "http://" + ln.Addr().String()
	pages := customerPages(base, pagingItems)
	mux := apiMux(func() [][]byte { return pages })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Println("ADDR", base)
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = srv.Close()
}

const pagingItems = 10_000

// customerPages builds the pages of n customers, 100 to a page.
func customerPages(base string, n int) [][]byte {
	var bodies [][]byte
	for start, page := 0, 1; start < n; start, page = start+pageSize, page+1 {
		var sb strings.Builder
		next := "null"
		if start+pageSize < n {
			next = fmt.Sprintf(`"%s/api/v1/customers/?page=%d&page_size=%d"`, base, page+1, pageSize)
		}
		fmt.Fprintf(&sb, `{"count":%d,"next":%s,"previous":null,"results":[`, n, next)
		for i := start; i < min(start+pageSize, n); i++ {
			if i > start {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, `{"id":"00000000-0000-4000-8000-%012d","customerId":"cus_%06d","email":"c%06d@northwind.example","name":"Customer %d","metadata":{"tier":"gold"},"createdOn":"2026-01-02T03:04:05Z"}`, i, i, i, i)
		}
		sb.WriteString("]}")
		bodies = append(bodies, []byte(sb.String()))
	}
	return bodies
}

// startServer runs the server process and returns its base URL.
func startServer(b *testing.B) string {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), serverEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "ADDR ")
	if err != nil || !ok {
		b.Fatalf("server process said %q (%v)", line, err)
	}
	return addr
}

// pair is one workload run by both clients.
type pair struct {
	name   string
	blocks int
	// raw and lib do one block of equal work.
	raw, lib func(ctx context.Context) error
	// units is the work in one block, for allocations per unit.
	units int
	unit  string
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

func BenchmarkPaired(b *testing.B) {
	base := startServer(b) + "/api/v1"
	raw := &baseline{hc: &http.Client{Transport: tunedTransport()}, base: base}
	lib, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(base),
		wrapper.WithPartnerKey(partnerKey), wrapper.WithServerKey(serverKey))
	if err != nil {
		b.Fatal(err)
	}
	getRaw := func(ctx context.Context) error {
		o, err := raw.orgByExternalID(ctx, externalID)
		if err == nil && o.OrganizationSlug == nil {
			err = fmt.Errorf("no slug")
		}
		return err
	}
	getLib := func(ctx context.Context) error {
		o, err := lib.Partner.GetByExternalID(ctx, externalID)
		if err == nil && o.Slug == "" {
			err = fmt.Errorf("no slug")
		}
		return err
	}
	pageRaw := func(ctx context.Context) error {
		n := 0
		err := raw.allCustomers(ctx, func(baseCustomer) { n++ })
		if err == nil && n != pagingItems {
			err = fmt.Errorf("walked %d items", n)
		}
		return err
	}
	pageLib := func(ctx context.Context) error {
		n := 0
		for _, err := range lib.Customers.All(ctx, nil) {
			if err != nil {
				return err
			}
			n++
		}
		if n != pagingItems {
			return fmt.Errorf("walked %d items", n)
		}
		return nil
	}
	pairs := []pair{
		{name: "get/callers=1", blocks: 61, units: 1000, unit: "call",
			raw: func(ctx context.Context) error { return parallel(ctx, 1, 1000, getRaw) },
			lib: func(ctx context.Context) error { return parallel(ctx, 1, 1000, getLib) }},
		{name: "get/callers=64", blocks: 101, units: 64 * 100, unit: "call",
			raw: func(ctx context.Context) error { return parallel(ctx, 64, 100, getRaw) },
			lib: func(ctx context.Context) error { return parallel(ctx, 64, 100, getLib) }},
		{name: "paging", blocks: 41, units: pagingItems, unit: "item",
			raw: pageRaw, lib: pageLib},
	}
	for _, p := range pairs {
		b.Run(p.name, func(b *testing.B) {
			for b.Loop() {
				runPair(b, p)
			}
		})
	}
}

// runPair runs the blocks of p and reports the ratios and allocations.
func runPair(b *testing.B, p pair) {
	ctx := context.Background()
	timeIt := func(f func(context.Context) error) time.Duration {
		start := time.Now()
		if err := f(ctx); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	// Warm both up: connections, caches.
	timeIt(p.raw)
	timeIt(p.lib)
	ratios := make([]float64, 0, p.blocks)
	for i := range p.blocks {
		var tRaw, tLib time.Duration
		if i%2 == 0 {
			tRaw, tLib = timeIt(p.raw), timeIt(p.lib)
		} else {
			tLib, tRaw = timeIt(p.lib), timeIt(p.raw)
		}
		ratios = append(ratios, tRaw.Seconds()/tLib.Seconds()) // the wrapper's throughput relative to raw
	}
	slices.Sort(ratios)
	q := func(f float64) float64 { return ratios[int(f*float64(len(ratios)-1)+0.5)] }
	count := func(f func(context.Context) error) (allocs, bytes float64) {
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		timeIt(f)
		runtime.ReadMemStats(&m1)
		return float64(m1.Mallocs-m0.Mallocs) / float64(p.units), float64(m1.TotalAlloc-m0.TotalAlloc) / float64(p.units)
	}
	rawAllocs, rawBytes := count(p.raw)
	libAllocs, libBytes := count(p.lib)
	b.ReportMetric(q(0.5), "ratio-median")
	b.ReportMetric(q(0.25), "ratio-q1")
	b.ReportMetric(q(0.75), "ratio-q3")
	b.ReportMetric(rawAllocs, "raw-allocs/"+p.unit)
	b.ReportMetric(libAllocs, "wrapper-allocs/"+p.unit)
	b.ReportMetric(rawBytes, "raw-B/"+p.unit)
	b.ReportMetric(libBytes, "wrapper-B/"+p.unit)
	b.Logf("%s: wrapper/raw throughput median %.3f (IQR %.3f–%.3f, %d blocks); allocs/%s %.1f vs %.1f; B/%s %.0f vs %.0f",
		p.name, q(0.5), q(0.25), q(0.75), p.blocks, p.unit, libAllocs, rawAllocs, p.unit, libBytes, rawBytes)
}
