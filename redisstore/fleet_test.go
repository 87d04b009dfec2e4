package redisstore_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oapi-codegen/nullable"
	"github.com/redis/go-redis/v9"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/entitlements"
	"github.com/kelviq/kelviq-go/internal/redistest"
	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/kelviqtest"
	"github.com/kelviq/kelviq-go/redisstore"
	"github.com/kelviq/kelviq-go/usage"
	"github.com/kelviq/kelviq-go/wrapper"
)

// The fleet tests run the shared cache and the durable queue on real
// deployments, each process of a fleet standing for itself with its own
// go-redis client: a Redis Cluster (three primaries, a replica each) and a
// Sentinel set (a primary, two replicas, three sentinels). The last step
// of each kills the primary that holds the queue with SIGKILL while
// reports flow. The deployment is started once per test, since that is
// what takes time.

// TestClusterFleet: the README's claim for Redis Cluster.
func TestClusterFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a six-node Redis Cluster")
	}
	c := redistest.StartCluster(t)
	t.Run("ACL", func(t *testing.T) { clusterACL(t, c) })
	runFleet(t, topology{
		client: func(t *testing.T) redis.UniversalClient { return c.Client(t) },
		kill: func(t *testing.T, key string, revive bool) func() {
			p := c.Primary(t, key)
			p.Kill()
			return func() {
				c.WaitFailover(t, key, p, 30*time.Second)
				if revive {
					// The old primary comes back as the new one's replica,
					// so that WithReplicaAck(1) can be met again.
					p.Restart(t)
				}
			}
		},
	})
}

// TestSentinelFleet: the README's claim for Redis Sentinel.
func TestSentinelFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Sentinel set of six servers")
	}
	st := redistest.StartSentinel(t)
	runFleet(t, topology{
		client: func(t *testing.T) redis.UniversalClient { return st.Client(t) },
		kill: func(t *testing.T, _ string, _ bool) func() {
			p := st.Primary(t)
			p.Kill()
			return func() { st.WaitFailover(t, p, 30*time.Second) }
		},
	})
}

type topology struct {
	// client is a new client on the deployment, as one fleet instance has.
	client func(t *testing.T) redis.UniversalClient
	// kill SIGKILLs the primary holding key and returns a func that waits
	// until a replica has taken over (and, with revive on a Cluster,
	// restarts the dead node, which comes back as a replica).
	kill func(t *testing.T, key string, revive bool) (waitFailover func())
}

func runFleet(t *testing.T, topo topology) {
	fx := newFleetFake(t)
	t.Run("SharedCache", func(t *testing.T) { fleetSharedCache(t, fx, topo) })
	t.Run("Reporters", func(t *testing.T) { fleetReporters(t, fx, topo) })
	t.Run("Failover", func(t *testing.T) { fleetFailover(t, fx, topo) })
	t.Run("Recovery", func(t *testing.T) { fleetRecovery(t, topo) })
}

// The primary of a slot dies for good and a replica takes over: the queue
// and the cache on that slot work again within seconds (on a Cluster,
// because redisstore makes go-redis re-read the slot map after the
// errors; go-redis alone waits up to its 60 s ClusterStateReloadInterval).
func fleetRecovery(t *testing.T, topo topology) {
	const queue = "{fleet-recovery}:usage"
	ctx := context.Background()
	rdb := topo.client(t)
	q := newQueue(t, rdb, queue, redisstore.WithPushTimeout(200*time.Millisecond))
	cache := redisstore.NewCache(rdb, redisstore.WithPrefix("{fleet-recovery}:"))
	if _, err := q.Push(ctx, report("cus-0", 1, usage.Delta)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cache.Get(ctx, "cus-0", "*"); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	waitFailover := topo.kill(t, queue, false)
	done := make(chan struct{})
	var promoted time.Duration
	go func() { defer close(done); waitFailover(); promoted = time.Since(killed) }()
	var pushOK, getOK time.Duration
	for pushOK == 0 || getOK == 0 {
		if time.Since(killed) > 20*time.Second {
			t.Fatalf("20 s after the kill: Push recovered after %v, Get after %v (0: not yet)", pushOK, getOK)
		}
		qctx, cancel := context.WithTimeout(ctx, time.Second)
		if _, err := q.Push(qctx, report("cus-0", 1, usage.Delta)); err == nil && pushOK == 0 {
			pushOK = time.Since(killed)
		}
		if _, _, err := cache.Get(qctx, "cus-0", "*"); err == nil && getOK == 0 {
			getOK = time.Since(killed)
		}
		cancel()
		time.Sleep(20 * time.Millisecond)
	}
	<-done
	t.Logf("replica promoted %v after the kill; Push works again after %v, Cache.Get after %v",
		promoted.Round(time.Millisecond), pushOK.Round(time.Millisecond), getOK.Round(time.Millisecond))
}

// fleetFake is an organization on the fake with customers cus-0 .. cus-3
// for usage, the metered features api-calls and seats, and the customer
// cus-ent subscribed to a plan with both.
type fleetFake struct {
	srv    *kelviqtest.Server
	org    *wrapper.PartnerOrganization
	client *wrapper.Client
	// slow is client with every request held back 0 to 10 ms at random,
	// as a network does: requests sent in one order may arrive in another.
	slow *wrapper.Client
}

func newFleetFake(t *testing.T) *fleetFake {
	t.Helper()
	srv := kelviqtest.NewServer(t)
	org, client := srv.NewOrganization(t, "fleet")
	ctx := context.Background()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range 4 {
		must(client.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "cus-" + strconv.Itoa(i)}))
	}
	product, err := client.Catalog.Products.Create(ctx, api.ProductCreateRequest{Name: "Fleet", TaxCode: api.ProductCreateRequestTaxCodeSaas})
	must(product, err)
	plan := "fleet-plan"
	must(client.Catalog.Plans.Create(ctx, api.PlanCreateRequest{Name: "Fleet", Identifier: &plan, Product: *product.Id}))
	var ents []api.PlanFeatureEntitlementWrite
	for _, id := range []string{"api-calls", "seats"} {
		f, err := client.Catalog.Features.Create(ctx, api.FeatureCreateRequest{Name: id, Identifier: &id, FeatureType: api.FeatureCreateRequestFeatureTypeMETER, FeatureDetails: testkit.MeterDetails()})
		must(f, err)
		limit := any(1 << 40)
		ents = append(ents, api.PlanFeatureEntitlementWrite{Feature: *f.Id, Details: api.PlanEntitlementDetails{Value: &limit}})
	}
	must(client.Catalog.Plans.AddFeatures(ctx, plan, nil, api.PlanFeaturesCreateRequest{PlanEntitlements: ents}))
	must(client.Catalog.Plans.BulkSetPrices(ctx, plan, api.PlanPriceBulkRequest{Prices: []api.PlanPriceCreateRequest{{PriceType: "FREE"}}}))
	must(client.Catalog.Plans.Publish(ctx, plan, api.PlanPublishRequest{}))
	session, err := client.Checkout.CreateSession(ctx, api.CreateCheckoutSessionRequest{PlanIdentifier: plan, ChargePeriod: "MONTHLY",
		SuccessUrl: "https://fleet.example/ok", CustomerId: nullable.NewNullableWithValue("cus-ent")})
	must(session, err)
	if err := srv.CompleteCheckout(*session.CheckoutSessionId); err != nil {
		t.Fatal(err)
	}
	slow, err := wrapper.New(wrapper.WithBaseURL(srv.URL()), wrapper.WithPartnerKey(srv.PartnerKey()), wrapper.WithoutEnvKeys(),
		wrapper.WithMiddleware(func(req *http.Request, _ wrapper.AttemptInfo, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
			time.Sleep(rand.N(10 * time.Millisecond))
			return next(req)
		}))
	if err != nil {
		t.Fatal(err)
	}
	if slow, err = slow.ForOrganization(org); err != nil {
		t.Fatal(err)
	}
	return &fleetFake{srv: srv, org: org, client: client, slow: slow}
}

func (fx *fleetFake) lookups() int {
	n := 0
	for _, r := range fx.srv.Requests() {
		if r.OperationID == "getCustomerEntitlements" {
			n++
		}
	}
	return n
}

func (fx *fleetFake) usage(t *testing.T, customer, feature string) int64 {
	t.Helper()
	n, err := fx.srv.Usage(fx.org.Identifier.String(), customer, feature)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Eight instances miss the same result at once: the API is asked once.
// Invalidate on one reaches the in-process layer of all of them at once
// (their local TTL is a minute here, so only the notification can).
func fleetSharedCache(t *testing.T, fx *fleetFake, topo topology) {
	const instances = 8
	ctx := context.Background()
	var checkers []*entitlements.Checker
	var storeErrs atomic.Int64
	for range instances {
		c, err := entitlements.NewChecker(fx.client,
			entitlements.WithStore(redisstore.NewCache(topo.client(t), redisstore.WithPrefix("fleet:"))),
			entitlements.WithLocalTTL(time.Minute), entitlements.WithStoreTimeout(5*time.Second),
			entitlements.WithOnStoreError(func(op string, err error) { storeErrs.Add(1); t.Logf("store %s: %v", op, err) }))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		checkers = append(checkers, c)
	}
	// Let every subscription to invalidations be in place.
	time.Sleep(200 * time.Millisecond)
	before := fx.lookups()
	var wg sync.WaitGroup
	for _, c := range checkers {
		for range 4 {
			wg.Go(func() {
				e, err := c.Entitlement(ctx, "cus-ent", "api-calls")
				if err != nil || !e.HasAccess || e.CurrentUsage != 0 {
					t.Errorf("Entitlement = %+v, %v", e, err)
				}
			})
		}
	}
	wg.Wait()
	if n := fx.lookups() - before; n != 1 {
		t.Errorf("%d instances asked the API %d times for one result, want 1", instances, n)
	}

	if _, err := fx.client.Usage.Report(ctx, api.ReportUsageRequest{CustomerId: "cus-ent", FeatureId: "api-calls", Value: 5, Behaviour: "DELTA"}); err != nil {
		t.Fatal(err)
	}
	if err := checkers[0].Invalidate(ctx, "cus-ent"); err != nil {
		t.Fatal(err)
	}
	before = fx.lookups()
	for i, c := range checkers {
		deadline := time.Now().Add(5 * time.Second)
		for {
			e, err := c.Entitlement(ctx, "cus-ent", "api-calls")
			if err == nil && e.CurrentUsage == 5 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("instance %d still returns %+v (%v) 5 s after Invalidate", i, e, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if n := fx.lookups() - before; n != 1 {
		t.Errorf("after Invalidate, %d instances asked the API %d times, want 1", instances, n)
	}
	if n := storeErrs.Load(); n != 0 {
		t.Errorf("%d store errors on a healthy deployment", n)
	}
}

// fleetReporter is one instance's reporter and what its callbacks saw.
type fleetReporter struct {
	rep                   *usage.Reporter
	uncertain, rejected   atomic.Int64 // sums of values handed back
	nUncertain, nRejected atomic.Int64
}

func newFleetReporter(t *testing.T, fx *fleetFake, rdb redis.UniversalClient, name string, opts ...redisstore.QueueOption) *fleetReporter {
	t.Helper()
	q := newQueue(t, rdb, name, append([]redisstore.QueueOption{redisstore.WithLease(2 * time.Second)}, opts...)...)
	fr := &fleetReporter{}
	rep, err := usage.NewReporter(fx.slow, usage.WithQueue(q), usage.WithInterval(5*time.Millisecond),
		usage.WithBackoff(20*time.Millisecond, 200*time.Millisecond),
		usage.WithOnUncertain(func(r usage.Report, _ error) { fr.uncertain.Add(int64(r.Value)); fr.nUncertain.Add(1) }),
		usage.WithOnRejected(func(r usage.Report, err error) {
			fr.rejected.Add(int64(r.Value))
			fr.nRejected.Add(1)
			t.Logf("rejected %+v: %v", r, err)
		}))
	if err != nil {
		t.Fatal(err)
	}
	fr.rep = rep
	t.Cleanup(func() { _ = rep.Close(context.Background()) })
	return fr
}

// Four instances report 8,000 DELTAs, and 1,600 SETs and DELTAs of the
// same customers' seats, at once into one queue; whoever claims an entry
// delivers it. The fake's totals are exact, the seats end at the last SET
// accepted (plus the DELTAs after it), and every report was delivered
// once, by one of them.
func fleetReporters(t *testing.T, fx *fleetFake, topo topology) {
	const instances, goroutines, each, rounds = 4, 8, 250, 5
	ctx := context.Background()
	var reps []*fleetReporter
	for range instances {
		reps = append(reps, newFleetReporter(t, fx, topo.client(t), "{fleet}:usage"))
	}
	want := map[string]int64{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var reported atomic.Int64
	for i, fr := range reps {
		for g := range goroutines {
			wg.Go(func() {
				for k := range each {
					c, v := "cus-"+strconv.Itoa((g+k)%4), 1+(i+k)%7
					if err := fr.rep.Report(ctx, usage.Report{CustomerID: c, FeatureID: "api-calls", Value: v, Behaviour: usage.Delta}); err != nil {
						t.Error(err)
						return
					}
					reported.Add(1)
					mu.Lock()
					want[c] += int64(v)
					mu.Unlock()
				}
			})
		}
	}
	// The seats of cus-0 .. cus-3 get SETs, and some DELTAs, from every
	// instance at once, with no flush in between: a lock per customer
	// fixes the order Report accepts them in (the reporters still deliver
	// them concurrently, whoever claims them), and the fake must end with
	// what that order gives: the last SET plus the DELTAs after it.
	var seatMu [4]sync.Mutex
	var wantSeats [4]int64
	setters := sync.WaitGroup{}
	for i, fr := range reps {
		for c := range 4 {
			setters.Go(func() {
				for k := range rounds * 20 {
					r := usage.Report{CustomerID: "cus-" + strconv.Itoa(c), FeatureID: "seats",
						Value: (i*7919 + k*104729 + c*13) % 1000, Behaviour: usage.Set}
					if k%5 == 4 {
						r.Value, r.Behaviour = 1+k%3, usage.Delta
					}
					seatMu[c].Lock()
					err := fr.rep.Report(ctx, r)
					if err == nil {
						if r.Behaviour == usage.Set {
							wantSeats[c] = int64(r.Value)
						} else {
							wantSeats[c] += int64(r.Value)
						}
					}
					seatMu[c].Unlock()
					if err != nil {
						t.Error(err)
						return
					}
					reported.Add(1)
				}
			})
		}
	}
	wg.Wait()
	setters.Wait()
	for _, fr := range reps {
		if err := fr.rep.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for c, w := range want {
		if got := fx.usage(t, c, "api-calls"); got != w {
			t.Errorf("%s api-calls at the fake = %d, want %d", c, got, w)
		}
	}
	for c, w := range wantSeats {
		if got := fx.usage(t, "cus-"+strconv.Itoa(c), "seats"); got != w {
			t.Errorf("cus-%d seats at the fake = %d, want %d (the last SET accepted and the DELTAs after it)", c, got, w)
		}
	}
	var sent, uncertain, rejected uint64
	for _, fr := range reps {
		st := fr.rep.Stats()
		sent, uncertain, rejected = sent+st.Sent, uncertain+st.Uncertain, rejected+st.Rejected
	}
	if sent != uint64(reported.Load()) || uncertain != 0 || rejected != 0 {
		t.Errorf("instances sent %d, uncertain %d, rejected %d of %d reports", sent, uncertain, rejected, reported.Load())
	}
}

// Three instances report DELTAs without pause; the primary holding the
// queue is SIGKILLed, a replica takes over, and they go on. With
// WithReplicaAck(1) the accounting closes exactly: the fake never counts
// more than was reported, and everything reported is at the fake or was
// handed to OnUncertain; Report recovers within seconds.
func fleetFailover(t *testing.T, fx *fleetFake, topo topology) {
	const instances, goroutines = 3, 6
	const queue = "{fleet-failover}:usage"
	ctx := context.Background()
	var reps []*fleetReporter
	for range instances {
		reps = append(reps, newFleetReporter(t, fx, topo.client(t), queue, redisstore.WithReplicaAck(1, time.Second)))
	}
	const customer = "cus-3"
	start := fx.usage(t, customer, "api-calls")
	var (
		ok, unknown, failed atomic.Int64 // sums of values by what Report said
		killedAt            atomic.Int64 // UnixNano; 0 before the kill
		lastFailure         atomic.Int64 // UnixNano of the last failed Report
		stop                = make(chan struct{})
		wg                  sync.WaitGroup
		reports             atomic.Int64
	)
	for i, fr := range reps {
		for g := range goroutines {
			wg.Go(func() {
				for k := 0; ; k++ {
					select {
					case <-stop:
						return
					default:
					}
					v := 1 + (i+g+k)%5
					rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
					err := fr.rep.Report(rctx, usage.Report{CustomerID: customer, FeatureID: "api-calls", Value: v, Behaviour: usage.Delta})
					cancel()
					reports.Add(1)
					now := time.Now().UnixNano()
					switch {
					case err == nil:
						ok.Add(int64(v))
					case errors.Is(err, usage.ErrOutcomeUnknown):
						unknown.Add(int64(v))
						lastFailure.Store(now)
					default:
						failed.Add(int64(v))
						lastFailure.Store(now)
					}
					time.Sleep(time.Millisecond)
				}
			})
		}
	}
	// SETs of cus-0 .. cus-2's seats flow too, through every instance in
	// turn, one at a time per customer (so that the order Report accepted
	// them in is known); the last one accepted must be what the fake ends
	// with. A SET whose Report failed may or may not be stored: it is
	// older than the final one, which each setter repeats until accepted.
	var lastSet [3]atomic.Int64
	var sets, setsOK atomic.Int64
	for c := range lastSet {
		wg.Go(func() {
			for k := 0; ; k++ {
				final := false
				select {
				case <-stop:
					final = true
				default:
				}
				v := (k*7919 + c*104729) % 1000
				for {
					rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
					err := reps[(c+k)%instances].rep.Report(rctx, usage.Report{CustomerID: "cus-" + strconv.Itoa(c), FeatureID: "seats", Value: v, Behaviour: usage.Set})
					cancel()
					sets.Add(1)
					if err == nil {
						setsOK.Add(1)
						lastSet[c].Store(int64(v))
					}
					if err == nil || !final {
						break
					}
					time.Sleep(50 * time.Millisecond)
				}
				if final {
					return
				}
				time.Sleep(2 * time.Millisecond)
			}
		})
	}
	time.Sleep(500 * time.Millisecond)
	// An instance dies holding entries it had begun to send: its DELTAs
	// come back to the others as maybe sent (uncertain, never resent), its
	// SETs' slots as the newest value, once its lease ends.
	crashed := newQueue(t, topo.client(t), queue, redisstore.WithLease(2*time.Second))
	var held []usage.Entry
	crashedSets := 0
	for deadline := time.Now().Add(5 * time.Second); crashedSets == 0 && time.Now().Before(deadline); {
		es, err := crashed.Claim(ctx, 40)
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]string, len(es))
		for i, e := range es {
			ids[i] = e.ID
			if e.Report.Behaviour == usage.Set {
				crashedSets++
			}
		}
		if _, err := crashed.Hold(ctx, ids, true); err != nil {
			t.Fatal(err)
		}
		held = append(held, es...)
	}
	if crashedSets == 0 {
		t.Error("the instance to crash got no SET to hold in 5 s")
	}
	t.Logf("the crashed instance held %d entries, %d of them SETs", len(held), crashedSets)
	killedAt.Store(time.Now().UnixNano())
	waitFailover := topo.kill(t, queue, true)
	waitFailover()
	promoted := time.Since(time.Unix(0, killedAt.Load()))
	time.Sleep(2 * time.Second) // reports flow on the new primary
	close(stop)
	wg.Wait()
	fctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for _, fr := range reps {
		if err := fr.rep.Flush(fctx); err != nil {
			t.Fatalf("Flush after the failover: %v", err)
		}
	}
	got := fx.usage(t, customer, "api-calls") - start
	var uncertain, rejected, nUncertain int64
	var st usage.Stats
	for _, fr := range reps {
		uncertain += fr.uncertain.Load()
		rejected += fr.rejected.Load()
		nUncertain += fr.nUncertain.Load()
		s := fr.rep.Stats()
		st.Queued, st.Sent, st.Uncertain, st.QueueUnknown = st.Queued+s.Queued, st.Sent+s.Sent, st.Uncertain+s.Uncertain, st.QueueUnknown+s.QueueUnknown
	}
	outage := time.Duration(0)
	if lf := lastFailure.Load(); lf != 0 {
		outage = time.Duration(lf - killedAt.Load())
	}
	t.Logf("%d reports; replica promoted %v after the kill; last failed Report %v after it; sum reported ok %d, outcome unknown %d, refused %d; "+
		"the fake counted %d; handed to OnUncertain %d (%d reports), rejected %d; stats %+v",
		reports.Load(), promoted.Round(time.Millisecond), outage.Round(time.Millisecond), ok.Load(), unknown.Load(), failed.Load(),
		got, uncertain, nUncertain, rejected, st)
	for c := range lastSet {
		if got, w := fx.usage(t, "cus-"+strconv.Itoa(c), "seats"), lastSet[c].Load(); got != w {
			t.Errorf("cus-%d seats at the fake = %d, want %d, the last SET accepted", c, got, w)
		}
	}
	t.Logf("%d SETs reported, %d accepted", sets.Load(), setsOK.Load())
	if got > ok.Load()+unknown.Load() {
		t.Errorf("the fake counted %d, more than the %d reported (ok %d + outcome unknown %d)", got, ok.Load()+unknown.Load(), ok.Load(), unknown.Load())
	}
	if got+uncertain+rejected < ok.Load() {
		t.Errorf("lost: %d reported ok, but the fake counted %d and only %d were handed back (uncertain %d, rejected %d)",
			ok.Load(), got, uncertain+rejected, uncertain, rejected)
	}
	if rejected != 0 {
		t.Errorf("%d rejected on a healthy API", rejected)
	}
	if ok.Load() == 0 {
		t.Fatal("no report was queued")
	}
	if outage > 20*time.Second {
		t.Errorf("Report failed until %v after the kill; a replica had taken over %v after it", outage, promoted)
	}
}

// The cache and the queue through a user with only ACLRules plus the
// Cluster's documented additions (+cluster|slots +cluster|shards
// +readonly), set on every node: a client that reads from replicas
// (ReadOnly) for the cache, a plain one for the queue. Nothing fails, the
// totals are exact, and the user can do nothing else.
func clusterACL(t *testing.T, c *redistest.Cluster) {
	const user, pw = "kelviq-app", "app-pw-5c21"
	const prefix, queue = "{acl}:", "{acl:usage}"
	ctx := context.Background()
	rules := append(redisstore.ACLRules(prefix, queue), "+cluster|slots", "+cluster|shards", "+readonly")
	args := []any{"ACL", "SETUSER", user, "on", ">" + pw}
	for _, r := range rules {
		args = append(args, r)
	}
	for _, n := range c.Nodes {
		if err := n.Do(ctx, args...).Err(); err != nil {
			t.Fatalf("ACL SETUSER on %s: %v", n.Addr, err)
		}
	}
	client := func(readOnly bool) *redis.ClusterClient {
		o := c.Options()
		o.Username, o.Password, o.ReadOnly = user, pw, readOnly
		rdb := redis.NewClusterClient(o)
		t.Cleanup(func() { _ = rdb.Close() })
		return rdb
	}
	fx := newFleetFake(t)
	var mu sync.Mutex
	var errs []string
	note := func(op string, err error) { mu.Lock(); errs = append(errs, op+": "+err.Error()); mu.Unlock() }

	checker, err := entitlements.NewChecker(fx.client, entitlements.WithStore(redisstore.NewCache(client(true), redisstore.WithPrefix(prefix))),
		entitlements.WithStoreTimeout(5*time.Second), entitlements.WithOnStoreError(note))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { checker.Close() })
	time.Sleep(100 * time.Millisecond) // the invalidation subscription
	before := fx.lookups()
	for range 3 {
		if ok, err := checker.HasAccess(ctx, "cus-ent", "seats"); err != nil || !ok {
			t.Fatalf("HasAccess = %t, %v", ok, err)
		}
	}
	if err := checker.Invalidate(ctx, "cus-ent"); err != nil {
		t.Fatal(err)
	}
	if ok, err := checker.HasAccess(ctx, "cus-ent", "seats"); err != nil || !ok {
		t.Fatalf("HasAccess after Invalidate = %t, %v", ok, err)
	}
	if n := fx.lookups() - before; n != 2 {
		t.Errorf("%d lookups, want 2 (one before and one after Invalidate)", n)
	}
	other, err := entitlements.NewChecker(fx.client, entitlements.WithStore(redisstore.NewCache(client(true), redisstore.WithPrefix(prefix))),
		entitlements.WithStoreTimeout(5*time.Second), entitlements.WithOnStoreError(note))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	before = fx.lookups()
	if ok, err := other.HasAccess(ctx, "cus-ent", "seats"); err != nil || !ok {
		t.Fatalf("HasAccess on a second instance = %t, %v", ok, err)
	}
	if n := fx.lookups() - before; n != 0 {
		t.Errorf("a second instance asked the API %d times; the shared cache had the result", n)
	}

	q := newQueue(t, client(false), queue, redisstore.WithLease(time.Second))
	rep, err := usage.NewReporter(fx.client, usage.WithQueue(q), usage.WithInterval(5*time.Millisecond), usage.WithOnQueueError(note))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 200; i++ {
		r := usage.Report{CustomerID: "cus-1", FeatureID: "api-calls", Value: i, Behaviour: usage.Delta}
		if i%10 == 0 {
			r = usage.Report{CustomerID: "cus-1", FeatureID: "seats", Value: i, Behaviour: usage.Set}
		}
		if err := rep.Report(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := rep.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := fx.usage(t, "cus-1", "api-calls"), int64(200*201/2-(10+200)*20/2); got != want {
		t.Errorf("api-calls %d, want %d", got, want)
	}
	if got := fx.usage(t, "cus-1", "seats"); got != 200 {
		t.Errorf("seats %d, want 200", got)
	}
	if _, err := q.Parked(ctx); err != nil {
		t.Errorf("Parked: %v", err)
	}
	mu.Lock()
	if len(errs) != 0 {
		t.Errorf("errors through the ACL user: %q", errs)
	}
	mu.Unlock()
	app := client(false)
	for name, err := range map[string]error{
		"GET {acl2}:key": app.Get(ctx, "{acl2}:key").Err(),
		"FLUSHALL":       app.FlushAll(ctx).Err(),
		"CLUSTER NODES":  app.ClusterNodes(ctx).Err(),
	} {
		if err == nil || !strings.Contains(err.Error(), "NOPERM") {
			t.Errorf("%s as the ACL user = %v, want NOPERM", name, err)
		}
	}
}
