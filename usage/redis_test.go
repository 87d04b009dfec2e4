package usage_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/countingapi"
	"github.com/kelviq/kelviq-go/internal/redistest"
	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/kelviqtest"
	"github.com/kelviq/kelviq-go/redisstore"
	"github.com/kelviq/kelviq-go/usage"
	"github.com/kelviq/kelviq-go/wrapper"
)

// The child process of TestReportsSurviveSIGKILL: it reports N DELTAs of
// value 1..N into the Redis queue, says so, and keeps delivering until it
// is killed.
func TestChildReporter(t *testing.T) {
	if !testkit.InChild("TestChildReporter") {
		t.Skip("runs only as the child process of TestReportsSurviveSIGKILL")
	}
	n, _ := strconv.Atoi(os.Getenv("REPORTS"))
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("REDIS_ADDR"), ContextTimeoutEnabled: true})
	key, interval := cmp.Or(os.Getenv("API_KEY"), "sk_test_child"), 20*time.Millisecond
	if d, err := time.ParseDuration(os.Getenv("INTERVAL")); err == nil {
		interval = d
	}
	batch := 50
	if b, err := strconv.Atoi(os.Getenv("BATCH")); err == nil {
		batch = b
	}
	client, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(os.Getenv("API_URL")), wrapper.WithServerKey(key))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := usage.NewReporter(client, usage.WithQueue(newQueue(t, rdb, "acme:usage")),
		usage.WithInterval(interval), usage.WithBatchSize(batch), usage.WithConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		r := usage.Report{CustomerID: "cus-" + strconv.Itoa(i%3), FeatureID: "api-calls", Value: i, Behaviour: usage.Delta}
		if err := rep.Report(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	fmt.Println("queued")
	time.Sleep(time.Minute) // killed long before
}

// startChildReporter runs TestChildReporter in a process of its own with
// env, and returns once the child says its reports are queued.
func startChildReporter(t *testing.T, env ...string) *exec.Cmd {
	t.Helper()
	c := testkit.StartChild(t, "TestChildReporter", env...)
	c.Await(t, "queued")
	return c.Cmd
}

// A reporter process is SIGKILLed with reports queued and one request in
// flight; a second reporter on the same Redis queue delivers the rest. The
// in-flight DELTA (which the API did apply) is parked as uncertain, not
// sent again: the totals are exact.
func TestReportsSurviveSIGKILL(t *testing.T) {
	const n = 600
	rs := redistest.Start(t)
	api := countingapi.Start(t)
	release := make(chan struct{})
	api.SetHold(release)
	api.SetFaults(func(k int) countingapi.Fault {
		if k == 1 {
			return countingapi.Hold // the child's first request hangs until it is dead
		}
		return countingapi.OK
	})

	cmd := startChildReporter(t, "REPORTS="+strconv.Itoa(n), "REDIS_ADDR="+rs.Addr, "API_URL="+api.URL)
	deadline := time.Now().Add(30 * time.Second)
	for len(api.HeldValues()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the child sent nothing")
		}
		time.Sleep(time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	close(release) // the API applies the request the dead child sent
	deadline = time.Now().Add(10 * time.Second)
	for api.Applied() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the held request was not applied")
		}
		time.Sleep(time.Millisecond)
	}
	if api.UsageRequests() != 1 {
		t.Fatalf("the child sent %d requests before dying, want 1", api.UsageRequests())
	}

	var mu sync.Mutex
	var uncertain []usage.Report
	rep, err := usage.NewReporter(countingClient(t, api),
		usage.WithQueue(newQueue(t, rs.Client(t), "acme:usage", redisstore.WithLease(200*time.Millisecond))),
		usage.WithInterval(10*time.Millisecond),
		usage.WithOnUncertain(func(r usage.Report, _ error) { mu.Lock(); uncertain = append(uncertain, r); mu.Unlock() }))
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Close(context.Background())
	// The second reporter reported nothing itself: wait until the stream
	// is empty.
	rdb := rs.Client(t)
	deadline = time.Now().Add(30 * time.Second)
	for rdb.XLen(context.Background(), "acme:usage").Val() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d entries left undelivered; stats %+v", rdb.XLen(context.Background(), "acme:usage").Val(), rep.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
	want := map[string]int{}
	for i := 1; i <= n; i++ {
		want["cus-"+strconv.Itoa(i%3)] += i
	}
	for c, w := range want {
		if got := api.Total(c, "api-calls"); got != w {
			t.Errorf("total of %s = %d, want %d", c, got, w)
		}
	}
	held := api.HeldValues()
	mu.Lock()
	defer mu.Unlock()
	parked, err := rep.Uncertain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sumUncertain := 0
	for _, p := range parked {
		sumUncertain += p.Report.Value
		if !strings.Contains(p.Reason, "may have sent") {
			t.Errorf("parked with reason %q", p.Reason)
		}
	}
	if len(uncertain) == 0 || len(parked) != len(uncertain) || sumUncertain != held[0] {
		t.Errorf("uncertain %v, parked %+v; want the held request's value %d", uncertain, parked, held[0])
	}
	st := rep.Stats()
	if st.Sent+st.Uncertain != n || st.Rejected != 0 {
		t.Errorf("second reporter: %+v, want Sent+Uncertain = %d", st, n)
	}
	t.Logf("child delivered nothing (its request hung); second reporter: %+v; held value %d", st, held[0])
}

// Two reporters share one queue and both report: each report is delivered
// once.
func TestTwoReportersShareAQueue(t *testing.T) {
	rs := redistest.Start(t)
	api := countingapi.Start(t)
	var reps []*usage.Reporter
	for range 2 {
		rep, err := usage.NewReporter(countingClient(t, api), usage.WithQueue(newQueue(t, rs.Client(t), "{acme}:usage")),
			usage.WithInterval(5*time.Millisecond), usage.WithBatchSize(20))
		if err != nil {
			t.Fatal(err)
		}
		reps = append(reps, rep)
	}
	var wg sync.WaitGroup
	for _, rep := range reps {
		wg.Go(func() {
			for i := range 500 {
				if err := rep.Report(context.Background(), usage.Report{CustomerID: "cus-1", FeatureID: "api-calls", Value: i, Behaviour: usage.Delta}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	var sent uint64
	for _, rep := range reps {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := rep.Close(ctx); err != nil {
			t.Fatal(err)
		}
		cancel()
		sent += rep.Stats().Sent
	}
	if got, want := api.Total("cus-1", "api-calls"), 2*(499*500/2); got != want {
		t.Errorf("total = %d, want %d", got, want)
	}
	if sent != 1000 {
		t.Errorf("sent %d reports, want 1000", sent)
	}
}

// An entry another holder marked as being sent comes back MaybeSent: a SET
// is sent again, a DELTA is parked.
func TestMaybeSentEntries(t *testing.T) {
	rs := redistest.Start(t)
	api := countingapi.Start(t)
	rdb := rs.Client(t)
	ctx := context.Background()
	dead := newQueue(t, rdb, "q", redisstore.WithLease(50*time.Millisecond))
	for _, r := range []usage.Report{
		{CustomerID: "cus-1", FeatureID: "seats", Value: 9, Behaviour: usage.Set},
		{CustomerID: "cus-1", FeatureID: "api-calls", Value: 4, Behaviour: usage.Delta},
		{CustomerID: "cus-1", FeatureID: "api-calls", Value: 5, Behaviour: usage.Delta},
	} {
		if _, err := dead.Push(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := dead.Claim(ctx, 2) // the SET and the first DELTA...
	if err != nil || len(got) != 2 {
		t.Fatal(got, err)
	}
	if _, err := dead.Hold(ctx, []string{got[0].ID, got[1].ID}, true); err != nil { // ...marked as being sent
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	rep, err := usage.NewReporter(countingClient(t, api), usage.WithQueue(newQueue(t, rdb, "q", redisstore.WithLease(50*time.Millisecond))),
		usage.WithInterval(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for rdb.XLen(ctx, "q").Val() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("not settled")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := rep.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if api.Total("cus-1", "seats") != 9 || api.Total("cus-1", "api-calls") != 5 {
		t.Errorf("totals seats %d, api-calls %d; want 9 and 5 (the maybe-sent DELTA of 4 not re-sent)",
			api.Total("cus-1", "seats"), api.Total("cus-1", "api-calls"))
	}
	parked, _ := rep.Uncertain(ctx)
	if len(parked) != 1 || parked[0].Report.Value != 4 {
		t.Errorf("parked = %+v", parked)
	}
}

// The 64-goroutine test of reporter_test.go on the Redis queue (1,000
// DELTAs each, to keep the race detector's run short): refused
// connections and 429s, an exact total.
func TestConcurrentDeltasThroughRedisQueue(t *testing.T) {
	const goroutines, each = 64, 1000
	rs := redistest.Start(t)
	srv := countingapi.Start(t)
	srv.SetFaults(func(n int) countingapi.Fault {
		if n%3 == 0 {
			return countingapi.Status429
		}
		return countingapi.OK
	})
	var h handedBack
	rep := newReporter(t, srv, &h, usage.WithInterval(5*time.Millisecond),
		usage.WithQueue(newQueue(t, rs.Client(t), "{acme}:usage")))
	srv.Refuse(true)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for range each {
				if err := rep.Report(context.Background(), usage.Report{CustomerID: "cus-" + strconv.Itoa(g%4), FeatureID: "api-calls", Value: 1, Behaviour: usage.Delta}); err != nil {
					t.Error(err)
					return
				}
			}
		})
		if g == goroutines/2 {
			srv.Refuse(false)
		}
	}
	wg.Wait()
	mustFlush(t, rep)
	for c := range 4 {
		wantTotal(t, srv, "cus-"+strconv.Itoa(c), "api-calls", goroutines/4*each)
	}
	if st := rep.Stats(); st.Sent != goroutines*each || st.Uncertain != 0 || st.Rejected != 0 || st.Retried == 0 {
		t.Errorf("Stats = %+v", st)
	}
}

// Redis dies with reports queued: Report fails with an error (nothing is
// dropped silently), the loop reports the queue failures and retries; once
// Redis is back (its append-only file kept the stream), everything queued
// before is delivered, exactly once.
func TestRedisKilledWithReportsQueued(t *testing.T) {
	rs := redistest.Start(t, redistest.Args("--appendonly", "yes", "--appendfsync", "always"))
	srv := countingapi.Start(t)
	var mu sync.Mutex
	var queueErrs []string
	rep := newReporter(t, srv, nil, usage.WithInterval(5*time.Millisecond),
		usage.WithQueue(newQueue(t, rs.Client(t), "acme:usage", redisstore.WithPushTimeout(300*time.Millisecond))),
		usage.WithOnQueueError(func(op string, err error) { mu.Lock(); queueErrs = append(queueErrs, op); mu.Unlock() }))
	srv.Refuse(true) // nothing is delivered before Redis dies
	for i := 1; i <= 100; i++ {
		mustReport(t, rep, "cus-1", "api-calls", i, usage.Delta)
	}
	rs.Kill()
	err := rep.Report(context.Background(), usage.Report{CustomerID: "cus-1", FeatureID: "api-calls", Value: 1000, Behaviour: usage.Delta})
	if err == nil {
		t.Fatal("Report with Redis down returned no error")
	}
	if errors.Is(err, usage.ErrOutcomeUnknown) {
		t.Fatalf("Report with the connection refused: %v; want a plain error (nothing was sent)", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(queueErrs)
		mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no queue error reported while Redis was down")
		}
		time.Sleep(5 * time.Millisecond)
	}
	rs.Restart(t)
	srv.Refuse(false)
	mustFlush(t, rep)
	wantTotal(t, srv, "cus-1", "api-calls", 5050)
	if st := rep.Stats(); st.Queued != 100 || st.Sent != 100 || st.Uncertain != 0 {
		t.Errorf("Stats = %+v", st)
	}
}

// The same against the in-memory fake, end to end: a reporter process
// takes 300 DELTAs into the Redis queue and is SIGKILLed before sending
// any; a second reporter on the queue delivers them, and the fake's usage
// totals are exact.
func TestReportsSurviveSIGKILLAgainstFake(t *testing.T) {
	const n = 300
	rs := redistest.Start(t)
	srv := kelviqtest.NewServer(t)
	org, client := srv.NewOrganization(t, "usage-sigkill")
	ctx := context.Background()
	for i := range 3 {
		if _, err := client.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "cus-" + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := client.Catalog.Features.Create(ctx, api.FeatureCreateRequest{Name: "API calls", Identifier: testkit.Ptr("api-calls"), FeatureType: api.FeatureCreateRequestFeatureTypeMETER, FeatureDetails: testkit.MeterDetails()}); err != nil {
		t.Fatal(err)
	}

	cmd := startChildReporter(t, "REPORTS="+strconv.Itoa(n), "REDIS_ADDR="+rs.Addr,
		"API_URL="+srv.URL(), "API_KEY="+org.ServerKey.Reveal(), "INTERVAL=1h", "BATCH=1000")
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if got, _ := srv.Usage(org.Identifier.String(), "cus-1", "api-calls"); got != 0 {
		t.Fatalf("the child sent reports before it was killed (usage %d); the test needs them queued", got)
	}

	rdb := rs.Client(t)
	rep, err := usage.NewReporter(client, usage.WithQueue(newQueue(t, rdb, "acme:usage", redisstore.WithLease(200*time.Millisecond))),
		usage.WithInterval(10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	// The second reporter reported nothing itself: wait until the stream,
	// where the dead one left its reports, is empty.
	deadline := time.Now().Add(30 * time.Second)
	for rdb.XLen(ctx, "acme:usage").Val() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d entries left undelivered; stats %+v", rdb.XLen(ctx, "acme:usage").Val(), rep.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := rep.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for c := range 3 {
		var want int64
		for i := 1; i <= n; i++ {
			if i%3 == c {
				want += int64(i)
			}
		}
		got, err := srv.Usage(org.Identifier.String(), "cus-"+strconv.Itoa(c), "api-calls")
		if err != nil || got != want {
			t.Errorf("cus-%d: the fake's usage is %d (%v), want %d", c, got, err, want)
		}
	}
	if st := rep.Stats(); st.Uncertain != 0 || st.Rejected != 0 {
		t.Errorf("stats %+v: want nothing uncertain or rejected", st)
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

// Redis (append-only file, fsync always) is SIGKILLed and restarted while
// 16 goroutines report, through a go-redis client with its default
// retries. Every report Report accepted is delivered once: the fake never
// counts more than was reported (go-redis re-sending a push Redis had run
// stores it once), nothing accepted is lost, and Report says the outcome
// is unknown only when it is.
func TestRedisRestartMidRunCountsOnce(t *testing.T) {
	rs := redistest.Start(t, redistest.Args("--appendonly", "yes", "--appendfsync", "always"))
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr, ContextTimeoutEnabled: true})
	t.Cleanup(func() { rdb.Close() })
	srv := countingapi.Start(t)
	var h handedBack
	rep := newReporter(t, srv, &h, usage.WithInterval(5*time.Millisecond),
		usage.WithQueue(newQueue(t, rdb, "acme:usage", redisstore.WithLease(time.Second))))
	var ok, unknown, failed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				err := rep.Report(context.Background(), usage.Report{CustomerID: "cus-1", FeatureID: "api-calls", Value: 1, Behaviour: usage.Delta})
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, usage.ErrOutcomeUnknown):
					unknown.Add(1)
				default:
					failed.Add(1)
				}
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	rs.Kill()
	time.Sleep(300 * time.Millisecond)
	rs.Restart(t)
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	mustFlush(t, rep)
	_, uncertain, _ := h.lists()
	sumUncertain := 0
	for _, u := range uncertain {
		sumUncertain += u.Value
	}
	got := int64(srv.Total("cus-1", "api-calls"))
	t.Logf("reported ok %d, outcome unknown %d, refused %d; delivered %d; uncertain %d; stats %+v",
		ok.Load(), unknown.Load(), failed.Load(), got, sumUncertain, rep.Stats())
	if got > ok.Load()+unknown.Load() {
		t.Errorf("the API counted %d, more than the %d reported (%d ok, %d unknown)", got, ok.Load()+unknown.Load(), ok.Load(), unknown.Load())
	}
	if got+int64(sumUncertain) < ok.Load() {
		t.Errorf("lost: %d reported ok, %d delivered, %d uncertain", ok.Load(), got, sumUncertain)
	}
	if ok.Load() == 0 {
		t.Error("nothing was reported")
	}
}
