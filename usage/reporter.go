// Package usage reports feature usage to kelviq in the background, from a
// queue, with delivery rules that neither drop nor double-count a report.
//
// Report enqueues and returns. A background loop sends what is queued every
// interval (or as soon as a batch is full), adding up the DELTAs for the
// same customer and feature and keeping the last SET, so a busy service
// sends one request per customer and feature per batch.
//
// The API takes no idempotency key. Each request's outcome is classified
// by the client's one retry rulebook (wrapper.RetryRules says it), a SET
// counting as idempotent and a DELTA not, and then:
//
//   - applied (a 2xx response): delivered;
//   - retried, as the rulebook says (not applied and retryable, such as
//     a connection that could not be opened or a 429; or, for a SET, may
//     be applied and retryable): with backoff, before anything later in
//     the queue is sent;
//   - a DELTA that may have been applied (sent with no response, 408, 5xx):
//     never re-sent blindly: handed to WithOnUncertain and parked in the
//     queue for reconciliation (Reporter.Uncertain);
//   - anything else (400 or 422 or another refusal, input refused before
//     sending, a SET that got a 5xx no retry can help): handed back
//     (WithOnRejected, Stats.Rejected), never retried.
//
// Nothing is dropped silently: a report is delivered, handed back, parked,
// or still queued (Close says which reports of the in-memory queue were
// left). The library never counts a report twice; a DELTA whose fate it
// cannot know is parked for you to reconcile.
//
// Order: a reporter settles each request (delivered, handed back or
// parked) before it sends anything it claimed later. With several
// reporters on one shared queue, reports for the same customer and feature
// may go out from different processes: DELTAs add up in any order, but the
// last SET to arrive wins, so send the SETs of one customer and feature
// from one process.
//
// The default queue is in memory (NewMemoryQueue); redisstore.NewQueue keeps
// reports in Redis, where they survive the process and another reporter on
// the same queue delivers them. Report returns nil once the queue has the
// report; an error matching ErrOutcomeUnknown when the queue cannot tell
// whether it stored it (e.g. its reply was lost as Redis failed over);
// any other error when it did not.
package usage

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/backoff"
	"github.com/kelviq/kelviq-go/internal/check"
	"github.com/kelviq/kelviq-go/internal/transport"
	"github.com/kelviq/kelviq-go/wrapper"
)

// Behaviour says how the API applies a report's value.
type Behaviour string

const (
	// Delta adds the value to the customer's usage of the feature.
	Delta Behaviour = "DELTA"
	// Set replaces the customer's usage of the feature with the value.
	Set Behaviour = "SET"
)

// Report is one usage figure for a metered feature.
type Report struct {
	// CustomerID is your ID of the customer.
	CustomerID string `json:"customerId"`
	// FeatureID is the feature's identifier.
	FeatureID string `json:"featureId"`
	// Value is the amount used (Delta) or the new total (Set).
	Value int `json:"value"`
	// Behaviour is Delta or Set.
	Behaviour Behaviour `json:"behaviour"`
}

// Validate reports the first field that the API would refuse, as a
// *wrapper.ValidationError.
func (r Report) Validate() error {
	for _, f := range []struct{ name, v string }{{"customerId", r.CustomerID}, {"featureId", r.FeatureID}} {
		switch {
		case f.v == "":
			return &wrapper.ValidationError{Field: f.name, Rule: "must not be empty"}
		case !utf8.ValidString(f.v):
			return &wrapper.ValidationError{Field: f.name, Rule: "must be valid UTF-8"}
		case strings.IndexFunc(f.v, unicode.IsControl) >= 0:
			return &wrapper.ValidationError{Field: f.name, Rule: "must not contain control characters"}
		}
	}
	switch r.Behaviour {
	case Delta, Set:
	default:
		return &wrapper.ValidationError{Field: "behaviour", Rule: `must be "DELTA" or "SET"`}
	}
	if r.Behaviour == Set && r.Value < 0 {
		return &wrapper.ValidationError{Field: "value", Rule: "must not be negative for SET"}
	}
	return nil
}

// Defaults of a Reporter.
const (
	DefaultInterval       = time.Second
	DefaultBatchSize      = 1000
	DefaultConcurrency    = 4
	DefaultBackoffBase    = 100 * time.Millisecond
	DefaultBackoffCap     = 10 * time.Second
	DefaultRequestTimeout = 30 * time.Second
)

// Stats counts what a Reporter did. Report counts are of reports as given
// to Report, not of requests.
type Stats struct {
	// Queued is how many reports Report accepted.
	Queued uint64
	// Sent is how many reports were delivered (a 2xx response).
	Sent uint64
	// Retried is how many requests were sent again after a failure.
	Retried uint64
	// Rejected is how many reports were handed back (WithOnRejected).
	Rejected uint64
	// Uncertain is how many reports were parked because the API may or
	// may not have applied them (WithOnUncertain).
	Uncertain uint64
	// Requests is how many requests were attempted, refused connections
	// included.
	Requests uint64
	// QueueUnknown is how many Report calls returned an error matching
	// ErrOutcomeUnknown: the queue could not tell whether it stored the
	// report (such a report, if stored, is counted again in Sent,
	// Rejected or Uncertain when it is delivered, never in Queued).
	QueueUnknown uint64
}

// Option configures a Reporter in NewReporter.
type Option func(*settings) error

type settings struct {
	queue                 Queue
	queueSize             int
	failWhenFull          bool
	interval              time.Duration
	batch, concurrency    int
	backoffBase, backoffC time.Duration
	requestTimeout        time.Duration
	onRejected            func(Report, error)
	onUncertain           func(Report, error)
	onQueueError          func(op string, err error)
}

// WithQueue keeps reports in q instead of the default in-memory queue.
func WithQueue(q Queue) Option {
	return check.Option("usage.WithQueue", q == nil, "queue is nil", func(s *settings) { s.queue = q })
}

// WithQueueSize bounds the default in-memory queue (default
// DefaultQueueSize). It cannot be combined with WithQueue.
func WithQueueSize(n int) Option {
	return check.Option("usage.WithQueueSize", n <= 0, fmt.Sprintf("%d is not a positive size", n), func(s *settings) { s.queueSize = n })
}

// WithFailWhenFull makes Report return ErrQueueFull at once when the queue
// is full; by default it waits for room until its context ends.
func WithFailWhenFull() Option {
	return func(s *settings) error { s.failWhenFull = true; return nil }
}

// WithInterval sets how often queued reports are sent (default
// DefaultInterval, 1 s).
func WithInterval(d time.Duration) Option {
	return check.Option("usage.WithInterval", d <= 0, fmt.Sprintf("%v is not positive", d), func(s *settings) { s.interval = d })
}

// WithBatchSize sets how many queued reports are taken at a time, and how
// many reports waiting make the loop send before the interval is over
// (default DefaultBatchSize).
func WithBatchSize(n int) Option {
	return check.Option("usage.WithBatchSize", n <= 0, fmt.Sprintf("%d is not positive", n), func(s *settings) { s.batch = n })
}

// WithConcurrency sets how many requests of one batch may be in flight at
// once (default DefaultConcurrency).
func WithConcurrency(n int) Option {
	return check.Option("usage.WithConcurrency", n <= 0, fmt.Sprintf("%d is not positive", n), func(s *settings) { s.concurrency = n })
}

// WithBackoff sets the base and the cap of the exponential backoff
// between retries (defaults 100 ms and 10 s), with equal jitter: a wait in
// [window/2, window]. Keep the cap well under the lease of a shared queue.
func WithBackoff(base, max time.Duration) Option {
	return check.Option("usage.WithBackoff", base <= 0 || max < base, fmt.Sprintf("need 0 < base <= cap, got %v, %v", base, max), func(s *settings) { s.backoffBase, s.backoffC = base, max })
}

// WithRequestTimeout bounds each request (default DefaultRequestTimeout).
// A request that times out was sent but got no response.
func WithRequestTimeout(d time.Duration) Option {
	return check.Option("usage.WithRequestTimeout", d <= 0, fmt.Sprintf("%v is not positive", d), func(s *settings) { s.requestTimeout = d })
}

// WithOnRejected calls f for each request the API refused (or that was
// refused before sending, or a SET no retry can help), with the report as
// sent and the error. The report is not retried. f runs on the delivery loop and must not block.
func WithOnRejected(f func(Report, error)) Option {
	return check.Option("usage.WithOnRejected", f == nil, "func is nil", func(s *settings) { s.onRejected = f })
}

// WithOnUncertain calls f for each DELTA the API may or may not have
// applied (sent with no response, or a 5xx response), with the report as sent
// (the sum of the DELTAs it stood for) and the error. The report is parked
// in the queue for reconciliation (Reporter.Uncertain), never re-sent. f
// runs on the delivery loop and must not block.
func WithOnUncertain(f func(Report, error)) Option {
	return check.Option("usage.WithOnUncertain", f == nil, "func is nil", func(s *settings) { s.onUncertain = f })
}

// WithOnQueueError calls f when the queue fails; op names the call
// ("claim", "hold", "ack", "park", "done"). The loop retries with backoff.
func WithOnQueueError(f func(op string, err error)) Option {
	return check.Option("usage.WithOnQueueError", f == nil, "func is nil", func(s *settings) { s.onQueueError = f })
}

// Reporter sends usage reports in the background. Create it with
// NewReporter, and Close it before the program ends. It is safe for
// concurrent use.
type Reporter struct {
	client *wrapper.Client
	queue  Queue
	memory *MemoryQueue // the default queue, nil with WithQueue
	s      settings

	wake      chan struct{} // send now
	stop      chan struct{} // closed by Close
	stopped   chan struct{} // closed when the loop ends
	loopCtx   context.Context
	loopStop  context.CancelFunc
	closing   sync.Once
	closed    atomic.Bool
	reporting atomic.Int64 // Report calls in progress
	pending   atomic.Int64 // reports pushed since the loop last looked

	lastMu sync.Mutex
	last   string // ID of the newest report pushed here

	queued, sent, retried, rejected, uncertain, requests, unknown atomic.Uint64
}

// NewReporter returns a Reporter that sends with c, which needs a server
// key, and starts its delivery loop. An invalid option is an error naming
// the option.
func NewReporter(c *wrapper.Client, opts ...Option) (*Reporter, error) {
	if c == nil {
		return nil, errors.New("kelviq: usage.NewReporter: client is nil")
	}
	s := settings{interval: DefaultInterval, batch: DefaultBatchSize, concurrency: DefaultConcurrency,
		backoffBase: DefaultBackoffBase, backoffC: DefaultBackoffCap, requestTimeout: DefaultRequestTimeout}
	if err := check.Apply(&s, opts); err != nil {
		return nil, err
	}
	r := &Reporter{client: c, queue: s.queue, s: s,
		wake: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{})}
	if r.queue == nil {
		r.memory = NewMemoryQueue(s.queueSize)
		r.queue = r.memory
	} else if s.queueSize != 0 {
		return nil, errors.New("kelviq: usage.WithQueueSize: applies only to the default queue, not to a WithQueue queue")
	}
	r.loopCtx, r.loopStop = context.WithCancel(context.Background())
	go r.loop()
	return r, nil
}

// ErrClosed is returned by Report after Close.
var ErrClosed = errors.New("kelviq: usage: reporter is closed")

// Report validates r and queues it for delivery. It returns once r is in
// the queue (for a durable queue: stored), not when it is delivered. When
// the queue is full it waits for room until ctx ends, or returns
// ErrQueueFull at once with WithFailWhenFull. Invalid input is a
// *wrapper.ValidationError and is not queued; a report the queue could
// not store (e.g. Redis is down) is not queued either, and its error is
// returned. An error matching ErrOutcomeUnknown says the queue cannot tell
// whether it stored the report (Stats.QueueUnknown counts them): it may be
// delivered, so reporting it again may count it twice.
func (r *Reporter) Report(ctx context.Context, rep Report) error {
	if err := rep.Validate(); err != nil {
		return err
	}
	// Close waits for the Reports in progress, so that none slips into the
	// queue after its final flush.
	r.reporting.Add(1)
	defer r.reporting.Add(-1)
	if r.closed.Load() {
		return ErrClosed
	}
	wait := time.Millisecond
	for {
		id, err := r.queue.Push(ctx, rep)
		if err == nil {
			r.queued.Add(1)
			r.noteLast(id)
			if r.pending.Add(1) >= int64(r.s.batch) {
				r.kick()
			}
			return nil
		}
		if errors.Is(err, ErrOutcomeUnknown) {
			r.unknown.Add(1)
			return fmt.Errorf("kelviq: usage: queue: %w", err)
		}
		if !errors.Is(err, ErrQueueFull) {
			return fmt.Errorf("kelviq: usage: queue: %w", err)
		}
		if r.s.failWhenFull {
			return err
		}
		if r.closed.Load() {
			return ErrClosed
		}
		r.kick()
		if err := sleep(ctx, wait); err != nil {
			return fmt.Errorf("kelviq: usage: queue stayed full: %w", err)
		}
		wait = min(2*wait, 50*time.Millisecond)
	}
}

func (r *Reporter) noteLast(id string) {
	r.lastMu.Lock()
	if r.last == "" || idLess(r.last, id) {
		r.last = id
	}
	r.lastMu.Unlock()
}

func (r *Reporter) kick() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Flush asks the loop to send now and returns when everything reported so
// far through this Reporter has been delivered, handed back or parked (with
// a shared queue, by whichever process claimed it), or when ctx ends.
func (r *Reporter) Flush(ctx context.Context) error {
	r.lastMu.Lock()
	last := r.last
	r.lastMu.Unlock()
	if last == "" {
		return nil
	}
	wait := time.Millisecond
	for {
		r.kick()
		done, err := r.queue.Done(ctx, last)
		if err != nil {
			r.queueFailed("done", err)
		} else if done {
			return nil
		}
		select {
		case <-r.stopped:
			if done, err := r.queue.Done(ctx, last); err == nil && done {
				return nil
			}
			return errors.New("kelviq: usage: Flush: the reporter stopped with reports undelivered")
		default:
		}
		if err := sleep(ctx, wait); err != nil {
			return fmt.Errorf("kelviq: usage: Flush: %w", err)
		}
		wait = min(2*wait, 20*time.Millisecond)
	}
}

// NotDeliveredError is returned by Close when reports were still queued
// in the default in-memory queue as the reporter stopped; they are lost.
type NotDeliveredError struct {
	// Reports are the reports left undelivered.
	Reports []Report
	// Err is why Close stopped waiting (the context's error).
	Err error
}

func (e *NotDeliveredError) Error() string {
	return fmt.Sprintf("kelviq: usage: %d reports not delivered: %v", len(e.Reports), e.Err)
}

func (e *NotDeliveredError) Unwrap() error { return e.Err }

// Close flushes (see Flush), then stops the delivery loop; Report fails with
// ErrClosed afterwards. If ctx ends first, the loop is stopped anyway:
// reports in a durable queue stay there for another reporter, and reports left in
// the default in-memory queue are returned in a *NotDeliveredError. A
// request already sent is waited for (at most WithRequestTimeout), so that
// its outcome is known.
func (r *Reporter) Close(ctx context.Context) error {
	r.closed.Store(true)
	for r.reporting.Load() > 0 {
		if err := sleep(ctx, time.Millisecond); err != nil {
			break
		}
	}
	ferr := r.Flush(ctx)
	r.closing.Do(func() { close(r.stop) })
	if ferr != nil {
		r.loopStop()
	}
	<-r.stopped
	r.loopStop()
	if ferr == nil {
		return nil
	}
	if r.memory != nil {
		if left := r.memory.pending(); len(left) > 0 {
			return &NotDeliveredError{Reports: left, Err: ferr}
		}
	}
	return ferr
}

// Stats returns what the reporter has done so far.
func (r *Reporter) Stats() Stats {
	return Stats{Queued: r.queued.Load(), Sent: r.sent.Load(), Retried: r.retried.Load(),
		Rejected: r.rejected.Load(), Uncertain: r.uncertain.Load(), Requests: r.requests.Load(), QueueUnknown: r.unknown.Load()}
}

// Uncertain lists the reports parked in the queue because the API may or
// may not have applied them. Reconcile them against the customer's usage
// (e.g. client.Entitlements.Get) before reporting them again.
func (r *Reporter) Uncertain(ctx context.Context) ([]ParkedReport, error) {
	return r.queue.Parked(ctx)
}

func (r *Reporter) queueFailed(op string, err error) {
	if r.s.onQueueError != nil {
		r.s.onQueueError(op, err)
	}
}

// loop sends what is queued every interval, when woken, and until stopped.
func (r *Reporter) loop() {
	defer close(r.stopped)
	ctx := r.loopCtx
	t := time.NewTicker(r.s.interval)
	defer t.Stop()
	qwait := r.s.backoffBase
	for {
		select {
		case <-r.stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.wake:
		}
		r.pending.Store(0)
		for ctx.Err() == nil {
			entries, err := r.queue.Claim(ctx, r.s.batch)
			if err != nil {
				r.queueFailed("claim", err)
				_ = sleep(ctx, r.jitter(qwait))
				qwait = min(2*qwait, r.s.backoffC)
				break
			}
			qwait = r.s.backoffBase
			if len(entries) == 0 {
				break
			}
			r.deliver(ctx, entries)
			if len(entries) < r.s.batch {
				// Less than a batch was waiting: the rest waits for the
				// interval, a full batch or Flush, so that a steady trickle
				// is still sent in batches.
				break
			}
		}
	}
}

// group is the entries of one customer and feature in a batch, folded
// into one report.
type group struct {
	ids   []string
	parts []Report // the entries' reports, by ids
	rep   Report
	next  *group // more of the same customer and feature, sent after this
	// pos and neg add up the positive and the negative values folded
	// since the last SET (see fits).
	pos, neg int
}

// fits reports whether e can be folded into g without the sum
// overflowing, for g and for any part of it (refold keeps a part): the
// positive and the negative values are added up apart.
func (g *group) fits(e Entry) bool {
	if len(g.ids) == 0 || e.Report.Behaviour == Set {
		return true
	}
	b := e.Report.Value
	return !(b > 0 && g.pos > math.MaxInt-b) && !(b < 0 && g.neg < math.MinInt-b)
}

// fold adds e to g: a DELTA adds to the value, a SET replaces it (and a
// DELTA after a SET adds to that SET).
func (g *group) fold(e Entry) {
	g.ids = append(g.ids, e.ID)
	g.parts = append(g.parts, e.Report)
	if v := e.Report.Value; len(g.ids) == 1 || e.Report.Behaviour == Set {
		g.rep = e.Report
		g.pos, g.neg = max(v, 0), min(v, 0)
		return
	}
	g.rep.Value += e.Report.Value
	if v := e.Report.Value; v > 0 {
		g.pos += v
	} else {
		g.neg += v
	}
}

// deliver sends a batch: one request per customer and feature, at most
// WithConcurrency at once, each retried as the rules say before deliver
// returns, so nothing later overtakes it.
func (r *Reporter) deliver(ctx context.Context, entries []Entry) {
	type key struct{ c, f string }
	index := map[key]*group{}
	var groups []*group
	for _, e := range entries {
		if e.MaybeSent && e.Report.Behaviour == Delta {
			// An earlier holder may have sent it: never re-send a DELTA.
			r.settleUncertain(ctx, &group{ids: []string{e.ID}, parts: []Report{e.Report}, rep: e.Report},
				errors.New("kelviq: usage: claimed from a holder that may have sent it before it stopped"))
			continue
		}
		k := key{e.Report.CustomerID, e.Report.FeatureID}
		switch g := index[k]; {
		case g == nil:
			g = &group{}
			index[k] = g
			groups = append(groups, g)
			g.fold(e)
		case !g.fits(e):
			// The sum would overflow: the rest goes in a request of its
			// own, sent after this one.
			g.next = &group{}
			index[k] = g.next
			g.next.fold(e)
		default:
			g.fold(e)
		}
	}
	sem := make(chan struct{}, r.s.concurrency)
	var wg sync.WaitGroup
	for _, g := range groups {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			for ; g != nil; g = g.next {
				r.send(ctx, g)
			}
		})
	}
	wg.Wait()
}

// send delivers one group, retrying as the rules allow, until it is
// settled or ctx ends (then the entries stay queued and claimed; a durable
// queue hands them to another holder after its lease).
func (r *Reporter) send(ctx context.Context, g *group) {
	body := api.ReportUsageRequest{CustomerId: g.rep.CustomerID, FeatureId: g.rep.FeatureID,
		Value: g.rep.Value, Behaviour: api.ReportUsageRequestBehaviour(g.rep.Behaviour)}
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			if sleep(ctx, r.backoff(attempt)) != nil {
				return
			}
		}
		held, err := r.queue.Hold(ctx, g.ids, true)
		if err != nil {
			r.queueFailed("hold", err)
			continue
		}
		if len(held) != len(g.ids) {
			// Another holder took some entries over (our lease ran out):
			// they are its to send. Send only what is still ours.
			if len(held) == 0 {
				return
			}
			r.refold(g, held)
			body.Value = g.rep.Value
			body.Behaviour = api.ReportUsageRequestBehaviour(g.rep.Behaviour)
		}
		// The client's own retries are off: whether to send again is
		// decided here, by the rules above, and counted in Stats. A request
		// once started is not cancelled by Close (an abandoned DELTA would
		// be uncertain); WithRequestTimeout bounds it.
		cctx, cancel := context.WithTimeout(wrapper.WithCallOptions(context.WithoutCancel(ctx), wrapper.MaxRetries(0)), r.s.requestTimeout)
		r.requests.Add(1)
		if attempt > 0 {
			r.retried.Add(1)
		}
		_, err = r.client.Usage.Report(cctx, body)
		cancel()
		// The client's rulebook classifies the outcome (internal/transport):
		// a SET is idempotent, a DELTA is not. Each outcome is counted, and
		// handed to its callback, before the queue is told: Flush returns
		// once the queue says done, and by then Stats and the callbacks
		// must have seen it.
		switch v := transport.Classify(0, err); {
		case v.Effect == transport.Applied:
			r.sent.Add(uint64(len(g.ids)))
			r.settle(ctx, func(ctx context.Context) error { return r.queue.Ack(ctx, g.ids) }, "ack")
			return
		case v.Resend(g.rep.Behaviour == Set):
			if v.Effect == transport.NotApplied {
				if _, herr := r.queue.Hold(ctx, g.ids, false); herr != nil {
					r.queueFailed("hold", herr)
				}
			}
		case v.Effect == transport.MaybeApplied && g.rep.Behaviour == Delta:
			r.settleUncertain(ctx, g, err)
			return
		default: // refused, or a SET another attempt cannot help
			r.rejected.Add(uint64(len(g.ids)))
			if r.s.onRejected != nil {
				r.s.onRejected(g.rep, err)
			}
			r.settle(ctx, func(ctx context.Context) error { return r.queue.Ack(ctx, g.ids) }, "ack")
			return
		}
	}
}

// refold keeps only the held entries of g, folded again.
func (r *Reporter) refold(g *group, held []string) {
	keep := make(map[string]bool, len(held))
	for _, id := range held {
		keep[id] = true
	}
	var ng group
	for i, id := range g.ids {
		if keep[id] {
			ng.fold(Entry{ID: id, Report: g.parts[i]})
		}
	}
	ng.next = g.next
	*g = ng
}

func (r *Reporter) settleUncertain(ctx context.Context, g *group, cause error) {
	reason := "delivery uncertain"
	if cause != nil {
		reason = cause.Error()
	}
	r.uncertain.Add(uint64(len(g.ids))) // before the queue is told: see send
	if r.s.onUncertain != nil {
		r.s.onUncertain(g.rep, cause)
	}
	r.settle(ctx, func(ctx context.Context) error { return r.queue.Park(ctx, g.ids, g.rep, reason) }, "park")
}

// settle runs a queue call that must happen (ack or park), retrying with
// backoff while the queue fails, until ctx ends.
func (r *Reporter) settle(ctx context.Context, f func(context.Context) error, op string) {
	for attempt := 1; ; attempt++ {
		// The outcome is known: record it even while stopping.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		err := f(sctx)
		cancel()
		if err == nil {
			return
		}
		r.queueFailed(op, err)
		if sleep(ctx, r.backoff(attempt)) != nil {
			return
		}
	}
}

// backoff returns the wait before retry number n (1-based): equal jitter
// over the exponential window.
func (r *Reporter) backoff(n int) time.Duration {
	return backoff.Equal(r.s.backoffBase, r.s.backoffC, n)
}

// jitter returns a wait in [w/2, w] (equal jitter).
func (r *Reporter) jitter(w time.Duration) time.Duration { return backoff.Equal(w, w, 1) }

// sleep waits d, or less if ctx ends first.
func sleep(ctx context.Context, d time.Duration) error { return backoff.Sleep(ctx, d) }
