package usage_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kelviq/kelviq-go/internal/countingapi"
	"github.com/kelviq/kelviq-go/usage"
	"github.com/kelviq/kelviq-go/wrapper"
)

// handedBack records the reports given to the callbacks.
type handedBack struct {
	mu        sync.Mutex
	rejected  []usage.Report
	uncertain []usage.Report
	errs      []error
}

func (h *handedBack) reject(r usage.Report, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.rejected = append(h.rejected, r)
	h.errs = append(h.errs, err)
}

func (h *handedBack) uncertainOf(r usage.Report, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.uncertain = append(h.uncertain, r)
	h.errs = append(h.errs, err)
}

func (h *handedBack) lists() ([]usage.Report, []usage.Report, []error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]usage.Report(nil), h.rejected...), append([]usage.Report(nil), h.uncertain...), append([]error(nil), h.errs...)
}

// newReporter returns a reporter on srv that sends only when flushed (or
// when a batch fills), with fast backoff, closed at the end of the test.
func newReporter(t *testing.T, srv *countingapi.Server, h *handedBack, opts ...usage.Option) *usage.Reporter {
	t.Helper()
	base := []usage.Option{usage.WithInterval(time.Hour), usage.WithBackoff(time.Millisecond, 20*time.Millisecond)}
	if h != nil {
		base = append(base, usage.WithOnRejected(h.reject), usage.WithOnUncertain(h.uncertainOf))
	}
	rep, err := usage.NewReporter(countingClient(t, srv), append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = rep.Close(ctx)
	})
	return rep
}

// countingClient is a wrapper client for srv (countingapi.Client, made by
// wrapper.New), with opts after its own.
func countingClient(t testing.TB, srv *countingapi.Server, opts ...wrapper.Option) *wrapper.Client {
	t.Helper()
	return countingapi.Client(t, srv, wrapper.New, wrapper.WithBaseURL, wrapper.WithServerKey, wrapper.WithHTTPClient, append(opts, wrapper.WithoutEnvKeys())...)
}

func mustReport(t *testing.T, rep *usage.Reporter, c, f string, v int, b usage.Behaviour) {
	t.Helper()
	if err := rep.Report(context.Background(), usage.Report{CustomerID: c, FeatureID: f, Value: v, Behaviour: b}); err != nil {
		t.Fatalf("Report: %v", err)
	}
}

func mustFlush(t *testing.T, rep *usage.Reporter) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := rep.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v (stats %+v)", err, rep.Stats())
	}
}

func wantTotal(t *testing.T, srv *countingapi.Server, c, f string, want int) {
	t.Helper()
	if got := srv.Total(c, f); got != want {
		t.Errorf("total of %s/%s = %d, want %d", c, f, got, want)
	}
}

func TestReporterAddsUpDeltasAndKeepsLastSet(t *testing.T) {
	srv := countingapi.Start(t)
	rep := newReporter(t, srv, nil)
	for i := 1; i <= 10; i++ {
		mustReport(t, rep, "cus-1", "api-calls", i, usage.Delta)
		mustReport(t, rep, "cus-2", "api-calls", 2, usage.Delta)
	}
	mustReport(t, rep, "cus-1", "seats", 4, usage.Set)
	mustReport(t, rep, "cus-1", "seats", 7, usage.Set)
	// A DELTA after a SET adds to it; a SET after a DELTA replaces it.
	mustReport(t, rep, "cus-3", "seats", 5, usage.Set)
	mustReport(t, rep, "cus-3", "seats", 3, usage.Delta)
	mustReport(t, rep, "cus-4", "seats", 3, usage.Delta)
	mustReport(t, rep, "cus-4", "seats", 5, usage.Set)
	mustFlush(t, rep)

	wantTotal(t, srv, "cus-1", "api-calls", 55)
	wantTotal(t, srv, "cus-2", "api-calls", 20)
	wantTotal(t, srv, "cus-1", "seats", 7)
	wantTotal(t, srv, "cus-3", "seats", 8)
	wantTotal(t, srv, "cus-4", "seats", 5)
	if n := srv.UsageRequests(); n != 5 {
		t.Errorf("%d requests for 5 customer+feature pairs, want 5", n)
	}
	st := rep.Stats()
	if st != (usage.Stats{Queued: 26, Sent: 26, Requests: 5}) {
		t.Errorf("Stats = %+v", st)
	}
}

func TestReporterBatchSizeSendsBeforeTheInterval(t *testing.T) {
	srv := countingapi.Start(t)
	rep := newReporter(t, srv, nil, usage.WithBatchSize(10))
	for range 10 {
		mustReport(t, rep, "cus-1", "api-calls", 1, usage.Delta)
	}
	deadline := time.Now().Add(10 * time.Second)
	for srv.Total("cus-1", "api-calls") != 10 {
		if time.Now().After(deadline) {
			t.Fatalf("a full batch was not sent within 10s (interval is 1h): total %d", srv.Total("cus-1", "api-calls"))
		}
		time.Sleep(time.Millisecond)
	}
}

func TestDeliveryRules(t *testing.T) {
	for _, tc := range []struct {
		name      string
		b         usage.Behaviour
		faults    []countingapi.Fault // first requests; then OK
		total     int                 // the server's total afterwards
		requests  int
		stats     usage.Stats
		rejected  bool
		uncertain bool
	}{
		{"429 is retried", usage.Delta, []countingapi.Fault{countingapi.Status429, countingapi.Status429}, 7, 3,
			usage.Stats{Queued: 1, Sent: 1, Retried: 2, Requests: 3}, false, false},
		{"400 is handed back", usage.Delta, []countingapi.Fault{countingapi.Status400}, 0, 1,
			usage.Stats{Queued: 1, Rejected: 1, Requests: 1}, true, false},
		{"DELTA dropped after applying is uncertain", usage.Delta, []countingapi.Fault{countingapi.DropApplied}, 7, 1,
			usage.Stats{Queued: 1, Uncertain: 1, Requests: 1}, false, true},
		{"DELTA dropped unapplied is uncertain", usage.Delta, []countingapi.Fault{countingapi.DropUnapplied}, 0, 1,
			usage.Stats{Queued: 1, Uncertain: 1, Requests: 1}, false, true},
		{"DELTA with 503 is uncertain", usage.Delta, []countingapi.Fault{countingapi.Status503Applied}, 7, 1,
			usage.Stats{Queued: 1, Uncertain: 1, Requests: 1}, false, true},
		{"SET dropped after applying is retried", usage.Set, []countingapi.Fault{countingapi.DropApplied}, 7, 2,
			usage.Stats{Queued: 1, Sent: 1, Retried: 1, Requests: 2}, false, false},
		{"SET with 503 is retried", usage.Set, []countingapi.Fault{countingapi.Status503, countingapi.Status503Applied}, 7, 3,
			usage.Stats{Queued: 1, Sent: 1, Retried: 2, Requests: 3}, false, false},
		{"SET with 400 is handed back", usage.Set, []countingapi.Fault{countingapi.Status400}, 0, 1,
			usage.Stats{Queued: 1, Rejected: 1, Requests: 1}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := countingapi.Start(t)
			srv.SetFaults(func(n int) countingapi.Fault {
				if n <= len(tc.faults) {
					return tc.faults[n-1]
				}
				return countingapi.OK
			})
			var h handedBack
			rep := newReporter(t, srv, &h)
			mustReport(t, rep, "cus-1", "api-calls", 7, tc.b)
			mustFlush(t, rep)
			wantTotal(t, srv, "cus-1", "api-calls", tc.total)
			if n := srv.UsageRequests(); n != tc.requests {
				t.Errorf("%d requests, want %d", n, tc.requests)
			}
			if st := rep.Stats(); st != tc.stats {
				t.Errorf("Stats = %+v, want %+v", st, tc.stats)
			}
			rej, unc, errs := h.lists()
			want := usage.Report{CustomerID: "cus-1", FeatureID: "api-calls", Value: 7, Behaviour: tc.b}
			if tc.rejected != (len(rej) == 1 && rej[0] == want) || len(rej) > 1 {
				t.Errorf("rejected = %+v", rej)
			}
			if tc.uncertain != (len(unc) == 1 && unc[0] == want) || len(unc) > 1 {
				t.Errorf("uncertain = %+v", unc)
			}
			if tc.rejected && !errors.Is(errs[0], wrapper.ErrValidation) {
				t.Errorf("rejected with %v, want a 400 APIError", errs[0])
			}
			parked, err := rep.Uncertain(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if tc.uncertain != (len(parked) == 1 && parked[0].Report == want && parked[0].Reason != "") {
				t.Errorf("parked = %+v", parked)
			}
		})
	}
}

func TestRefusedConnectionsAreRetried(t *testing.T) {
	srv := countingapi.Start(t)
	srv.Refuse(true)
	var h handedBack
	rep := newReporter(t, srv, &h, usage.WithInterval(5*time.Millisecond))
	mustReport(t, rep, "cus-1", "api-calls", 5, usage.Delta)
	mustReport(t, rep, "cus-1", "seats", 2, usage.Set)
	deadline := time.Now().Add(10 * time.Second)
	for rep.Stats().Retried < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("no retries while refused: %+v", rep.Stats())
		}
		time.Sleep(time.Millisecond)
	}
	srv.Refuse(false)
	mustFlush(t, rep)
	wantTotal(t, srv, "cus-1", "api-calls", 5)
	wantTotal(t, srv, "cus-1", "seats", 2)
	if st := rep.Stats(); st.Sent != 2 || st.Uncertain != 0 || st.Rejected != 0 || srv.UsageRequests() != 2 {
		t.Errorf("Stats = %+v, server requests %d", st, srv.UsageRequests())
	}
}

func TestReportValidation(t *testing.T) {
	srv := countingapi.Start(t)
	rep := newReporter(t, srv, nil)
	for _, tc := range []struct {
		r     usage.Report
		field string
	}{
		{usage.Report{FeatureID: "f", Value: 1, Behaviour: usage.Delta}, "customerId"},
		{usage.Report{CustomerID: "c", Value: 1, Behaviour: usage.Delta}, "featureId"},
		{usage.Report{CustomerID: "c", FeatureID: "f", Value: 1}, "behaviour"},
		{usage.Report{CustomerID: "c", FeatureID: "f", Value: 1, Behaviour: "delta"}, "behaviour"},
		{usage.Report{CustomerID: "c\n", FeatureID: "f", Value: 1, Behaviour: usage.Delta}, "customerId"},
		{usage.Report{CustomerID: "c", FeatureID: "f", Value: -1, Behaviour: usage.Set}, "value"},
	} {
		err := rep.Report(context.Background(), tc.r)
		var ve *wrapper.ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field || !errors.Is(err, wrapper.ErrInvalidInput) {
			t.Errorf("Report(%+v) = %v, want a ValidationError for %s", tc.r, err, tc.field)
		}
	}
	if st := rep.Stats(); st.Queued != 0 {
		t.Errorf("invalid reports were queued: %+v", st)
	}
}

func TestQueueFull(t *testing.T) {
	srv := countingapi.Start(t)
	srv.Refuse(true) // nothing leaves the queue
	rep := newReporter(t, srv, nil, usage.WithQueueSize(2), usage.WithFailWhenFull())
	mustReport(t, rep, "cus-1", "api-calls", 1, usage.Delta)
	mustReport(t, rep, "cus-1", "api-calls", 1, usage.Delta)
	err := rep.Report(context.Background(), usage.Report{CustomerID: "cus-1", FeatureID: "api-calls", Value: 1, Behaviour: usage.Delta})
	if !errors.Is(err, usage.ErrQueueFull) {
		t.Fatalf("third report = %v, want ErrQueueFull", err)
	}

	waiting := newReporter(t, srv, nil, usage.WithQueueSize(1))
	mustReport(t, waiting, "cus-1", "api-calls", 1, usage.Delta)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err = waiting.Report(ctx, usage.Report{CustomerID: "cus-1", FeatureID: "api-calls", Value: 1, Behaviour: usage.Delta})
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, err) {
		t.Fatalf("report into a full queue = %v, want it to wait for ctx", err)
	}
	// Room appears once the API is reachable again.
	srv.Refuse(false)
	mustReport(t, waiting, "cus-1", "api-calls", 1, usage.Delta)
	mustFlush(t, waiting)
	mustFlush(t, rep)
	wantTotal(t, srv, "cus-1", "api-calls", 4)
}

func TestCloseHandsBackUndelivered(t *testing.T) {
	srv := countingapi.Start(t)
	srv.Refuse(true)
	rep, err := usage.NewReporter(countingClient(t, srv), usage.WithBackoff(time.Millisecond, 5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	mustReport(t, rep, "cus-1", "api-calls", 3, usage.Delta)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err = rep.Close(ctx)
	var nd *usage.NotDeliveredError
	if !errors.As(err, &nd) || len(nd.Reports) != 1 || nd.Reports[0].Value != 3 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close = %v, want the undelivered report", err)
	}
	if err := rep.Report(context.Background(), usage.Report{CustomerID: "c", FeatureID: "f", Value: 1, Behaviour: usage.Delta}); !errors.Is(err, usage.ErrClosed) {
		t.Errorf("Report after Close = %v", err)
	}
}

func TestCloseFlushes(t *testing.T) {
	srv := countingapi.Start(t)
	rep, err := usage.NewReporter(countingClient(t, srv), usage.WithInterval(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for range 100 {
		mustReport(t, rep, "cus-1", "api-calls", 1, usage.Delta)
	}
	if err := rep.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	wantTotal(t, srv, "cus-1", "api-calls", 100)
}

func TestNewReporterOptions(t *testing.T) {
	srv := countingapi.Start(t)
	c := countingClient(t, srv)
	for _, tc := range []struct {
		name string
		opt  usage.Option
	}{
		{"WithQueue", usage.WithQueue(nil)},
		{"WithQueueSize", usage.WithQueueSize(0)},
		{"WithInterval", usage.WithInterval(0)},
		{"WithBatchSize", usage.WithBatchSize(-1)},
		{"WithConcurrency", usage.WithConcurrency(0)},
		{"WithBackoff", usage.WithBackoff(time.Second, time.Millisecond)},
		{"WithRequestTimeout", usage.WithRequestTimeout(0)},
		{"WithOnRejected", usage.WithOnRejected(nil)},
		{"WithOnUncertain", usage.WithOnUncertain(nil)},
		{"WithOnQueueError", usage.WithOnQueueError(nil)},
	} {
		rep, err := usage.NewReporter(c, tc.opt)
		if rep != nil || err == nil || !errorNames(err, tc.name) {
			t.Errorf("%s: NewReporter = %v, %v; want an error naming it", tc.name, rep, err)
		}
	}
	if _, err := usage.NewReporter(nil); err == nil {
		t.Error("nil client accepted")
	}
	if _, err := usage.NewReporter(c, usage.WithQueue(usage.NewMemoryQueue(5)), usage.WithQueueSize(5)); err == nil {
		t.Error("WithQueueSize with WithQueue accepted")
	}
}

func errorNames(err error, name string) bool { return err != nil && contains(err.Error(), name) }

func contains(s, sub string) bool {
	return len(sub) == 0 || len(s) >= len(sub) && (s[:len(sub)] == sub || contains(s[1:], sub))
}

// 64 goroutines report 10,000 DELTAs each while the API refuses
// connections for a while and responds with 429 to every third request: the
// total is exact, nothing is uncertain or handed back.
func TestConcurrentDeltasThroughRefusalsAnd429(t *testing.T) {
	const goroutines, each = 64, 10000
	srv := countingapi.Start(t)
	srv.SetFaults(func(n int) countingapi.Fault {
		if n%3 == 0 {
			return countingapi.Status429
		}
		return countingapi.OK
	})
	var h handedBack
	rep := newReporter(t, srv, &h, usage.WithInterval(5*time.Millisecond))
	stopFlap := make(chan struct{})
	flapped := make(chan struct{})
	go func() { // refuse connections for 20 ms of every 50
		defer close(flapped)
		for {
			srv.Refuse(true)
			select {
			case <-stopFlap:
				srv.Refuse(false)
				return
			case <-time.After(20 * time.Millisecond):
			}
			srv.Refuse(false)
			select {
			case <-stopFlap:
				return
			case <-time.After(30 * time.Millisecond):
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				r := usage.Report{CustomerID: fmt.Sprintf("cus-%d", g%8), FeatureID: "api-calls", Value: 1 + i%3, Behaviour: usage.Delta}
				if err := rep.Report(context.Background(), r); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(stopFlap)
	<-flapped
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	mustFlush(t, rep)
	// Each goroutine's values sum to 3333*(1+2+3) + 1 = 19999; eight of
	// them share each customer.
	sum := 0
	for c := range 8 {
		wantTotal(t, srv, fmt.Sprintf("cus-%d", c), "api-calls", 8*19999)
		sum += srv.Total(fmt.Sprintf("cus-%d", c), "api-calls")
	}
	st := rep.Stats()
	if sum != goroutines*19999 || st.Queued != goroutines*each || st.Sent != goroutines*each || st.Uncertain != 0 || st.Rejected != 0 {
		t.Errorf("sum %d, Stats %+v", sum, st)
	}
	if st.Retried == 0 {
		t.Error("no retries: the faults did not happen")
	}
	t.Logf("%d reports in %d requests (%d retried)", st.Queued, st.Requests, st.Retried)
}

// Reports racing with Close are either delivered by it or refused with
// ErrClosed: none is left behind in the in-memory queue.
func TestCloseWhileReporting(t *testing.T) {
	srv := countingapi.Start(t)
	rep, err := usage.NewReporter(countingClient(t, srv), usage.WithInterval(time.Millisecond), usage.WithBatchSize(50))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var accepted atomic.Int64
	for range 16 {
		wg.Go(func() {
			for {
				err := rep.Report(context.Background(), usage.Report{CustomerID: "cus-1", FeatureID: "api-calls", Value: 1, Behaviour: usage.Delta})
				if errors.Is(err, usage.ErrClosed) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				accepted.Add(1)
			}
		})
	}
	for accepted.Load() < 2000 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := rep.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wg.Wait()
	if got, want := srv.Total("cus-1", "api-calls"), int(accepted.Load()); got != want {
		t.Errorf("total %d, want the %d accepted reports", got, want)
	}
}

// slowSettle is a memory queue whose Ack and Park take effect at once but
// return late, as a queue on a slow network does.
type slowSettle struct{ *usage.MemoryQueue }

func (q slowSettle) Ack(ctx context.Context, ids []string) error {
	err := q.MemoryQueue.Ack(ctx, ids)
	time.Sleep(100 * time.Millisecond)
	return err
}

// When Flush returns, Stats already counts what was delivered: the count
// does not wait for the queue's acknowledgement to come back.
func TestStatsCountedWhenFlushReturns(t *testing.T) {
	srv := countingapi.Start(t)
	rep := newReporter(t, srv, nil, usage.WithQueue(slowSettle{usage.NewMemoryQueue(0)}))
	for i := 1; i <= 10; i++ {
		mustReport(t, rep, "cus-1", "api-calls", i, usage.Delta)
	}
	mustFlush(t, rep)
	if st := rep.Stats(); st.Sent != 10 {
		t.Errorf("Stats right after Flush = %+v, want Sent 10", st)
	}
	wantTotal(t, srv, "cus-1", "api-calls", 55)
}

// DELTAs whose sum would overflow an int are not added up into one
// request: what would overflow goes in a request of its own, sent after,
// so the values sent add up to exactly what was reported.
func TestBatchSumNeverOverflows(t *testing.T) {
	var mu sync.Mutex
	var values []int
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Value int `json:"value"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		values = append(values, body.Value)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"value":%d}`, body.Value)
	}))
	t.Cleanup(api.Close)
	client, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(api.URL+"/api/v1"),
		wrapper.WithEdgeURL(api.URL+"/api/v1"), wrapper.WithServerKey("sk_test_overflow"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := usage.NewReporter(client, usage.WithInterval(time.Hour), usage.WithConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rep.Close(context.Background()) })
	half := math.MaxInt/2 + 1
	for _, v := range []int{half, half, -3, half, 7} {
		mustReport(t, rep, "cus-1", "api-calls", v, usage.Delta)
	}
	for _, v := range []int{-half, -half, -1} {
		mustReport(t, rep, "cus-2", "api-calls", v, usage.Delta)
	}
	mustFlush(t, rep)
	mu.Lock()
	defer mu.Unlock()
	// cus-1: half | half-3 | half+7; cus-2: -2*half (math.MinInt) | -1.
	want := map[int]int{half: 1, half - 3: 1, half + 7: 1, math.MinInt: 1, -1: 1}
	got := map[int]int{}
	for _, v := range values {
		got[v]++
	}
	if !maps.Equal(got, want) {
		t.Errorf("values sent %v, want %v", values, want)
	}
	if st := rep.Stats(); st.Sent != 8 || st.Requests != 5 {
		t.Errorf("Stats = %+v", st)
	}
}

// A 501 is outside the rulebook's retryable statuses (the client's engine
// does not retry it either): a SET responded with 501 is handed back after one
// request instead of being retried, and a DELTA is parked (it may have
// been applied).
func TestNonRetryable5xx(t *testing.T) {
	var seen atomic.Int64
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		http.Error(w, `{"detail":"not here"}`, http.StatusNotImplemented)
	}))
	t.Cleanup(api.Close)
	client, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(api.URL+"/api/v1"), wrapper.WithServerKey("sk_test_501"))
	if err != nil {
		t.Fatal(err)
	}
	var h handedBack
	rep, err := usage.NewReporter(client, usage.WithInterval(time.Hour), usage.WithBackoff(time.Millisecond, 5*time.Millisecond),
		usage.WithOnRejected(h.reject), usage.WithOnUncertain(h.uncertainOf))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rep.Close(context.Background()) })
	mustReport(t, rep, "cus-1", "seats", 5, usage.Set)
	mustReport(t, rep, "cus-2", "api-calls", 3, usage.Delta)
	mustFlush(t, rep)
	rejected, uncertain, errs := h.lists()
	if len(rejected) != 1 || rejected[0].Behaviour != usage.Set || len(uncertain) != 1 || uncertain[0].Behaviour != usage.Delta {
		t.Fatalf("rejected %+v, uncertain %+v (errors %v); want the SET handed back and the DELTA parked", rejected, uncertain, errs)
	}
	for _, err := range errs {
		var apiErr *wrapper.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotImplemented {
			t.Errorf("error %v, want the 501 *APIError", err)
		}
	}
	if st := rep.Stats(); seen.Load() != 2 || st.Requests != 2 || st.Retried != 0 || st.Rejected != 1 || st.Uncertain != 1 {
		t.Errorf("server saw %d requests, stats %+v; want 2 requests, none retried", seen.Load(), st)
	}
}
