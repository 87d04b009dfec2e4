package usage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrQueueFull is returned by Queue.Push when the queue holds as many
// reports as it may, and by Reporter.Report when the reporter is set to
// fail rather than wait (WithFailWhenFull).
var ErrQueueFull = errors.New("kelviq: usage: queue is full")

// ErrOutcomeUnknown is matched (errors.Is) by the error of Queue.Push, and
// so of Reporter.Report, when the queue cannot tell whether it stored the
// report: e.g. the reply was lost as Redis restarted or failed over, and
// asking again did not settle it in time. The report may be queued (and
// then delivered) or not: reporting it again may count it twice.
var ErrOutcomeUnknown = errors.New("kelviq: usage: outcome unknown: the report may or may not be queued")

// Entry is a report held in a Queue.
type Entry struct {
	// ID is the queue's identifier of the entry: two unsigned decimal
	// numbers joined by "-" (as Redis stream IDs are), increasing in the
	// order entries were pushed.
	ID string
	// Report is the report as pushed.
	Report Report
	// MaybeSent reports that an earlier holder marked the entry as being
	// sent (Hold with sending true) and then lost it without acknowledging
	// it, e.g. because its process died: the API may have received it.
	MaybeSent bool
}

// Queue holds reports between Report and their delivery. The Reporter's
// default is an in-memory queue (NewMemoryQueue); redisstore.NewQueue is a
// durable one that several processes share, each entry delivered by one of
// them. Implementations must be safe for concurrent use.
//
// The Reporter sends each batch's reports of one customer and feature in
// order, but holders deliver concurrently: a queue that several holders
// share must itself keep one customer and feature's SETs from being
// delivered out of order (redisstore's Queue gives them a slot under a
// lease of its own), or an older SET may be the last to reach the API.
//
// An entry is claimed by one holder at a time. A holder that stops renewing
// its claim (Hold) loses it after the queue's lease, and another Claim may
// take the entry over, flagged MaybeSent if it was marked as being sent.
type Queue interface {
	// Push appends a report and returns its ID, or ErrQueueFull, or an
	// error matching ErrOutcomeUnknown when it cannot tell whether the
	// report was stored. Any other error means it was not stored.
	Push(ctx context.Context, r Report) (id string, err error)
	// Claim returns up to max entries that no live holder has, oldest
	// first, and makes the caller their holder. It returns an empty slice
	// when there are none.
	Claim(ctx context.Context, max int) ([]Entry, error)
	// Hold renews the caller's claim on the entries and marks them as
	// being sent (sending true) or not sent (false). It returns the IDs the
	// caller still holds; only those may be sent.
	Hold(ctx context.Context, ids []string, sending bool) (held []string, err error)
	// Ack removes delivered (or rejected) entries.
	Ack(ctx context.Context, ids []string) error
	// Park removes the entries and keeps r, the report sent for them, with
	// reason, for reconciliation (see Parked).
	Park(ctx context.Context, ids []string, r Report, reason string) error
	// Parked lists the parked reports, oldest first.
	Parked(ctx context.Context) ([]ParkedReport, error)
	// Done reports whether every entry pushed with an ID up to id has been
	// acknowledged or parked.
	Done(ctx context.Context, id string) (bool, error)
}

// ParkedReport is a report whose delivery is uncertain, kept for
// reconciliation.
type ParkedReport struct {
	// ID is the queue's identifier of the parked record.
	ID string
	// Report is the report as sent (for a DELTA, the sum of the reports
	// it stood for).
	Report Report
	// Reason says why it was parked, e.g. the error of the request.
	Reason string
	// At is when it was parked.
	At time.Time
}

// ParseID splits an entry ID into its two numbers.
func ParseID(id string) (ms, seq uint64, err error) {
	a, b, ok := strings.Cut(id, "-")
	if ok {
		if ms, err = strconv.ParseUint(a, 10, 64); err == nil {
			if seq, err = strconv.ParseUint(b, 10, 64); err == nil {
				return ms, seq, nil
			}
		}
	}
	return 0, 0, fmt.Errorf("kelviq: usage: %q is not a queue entry ID", id)
}

// idLess reports whether entry ID a sorts before b; IDs that do not parse
// sort first.
func idLess(a, b string) bool {
	am, as, aerr := ParseID(a)
	bm, bs, berr := ParseID(b)
	switch {
	case aerr != nil || berr != nil:
		return aerr != nil && berr == nil
	case am != bm:
		return am < bm
	}
	return as < bs
}

// DefaultQueueSize is the capacity of the default in-memory queue.
const DefaultQueueSize = 100000

// MemoryQueue is the default Queue: reports held in process, lost if the
// process dies. Create it with NewMemoryQueue.
type MemoryQueue struct {
	mu      sync.Mutex
	max     int
	seq     uint64
	entries []memEntry // entries[start:] are the queue, in ID order
	start   int        // first entry not removed
	next    int        // first unclaimed entry
	live    int        // entries not removed
	parked  []ParkedReport
	now     func() time.Time
}

type memEntry struct {
	seq           uint64
	r             Report
	claimed, gone bool
}

// NewMemoryQueue returns an in-memory Queue holding at most size reports
// (DefaultQueueSize when size <= 0). Its claims have no lease: the one
// process that holds it is their only holder.
func NewMemoryQueue(size int) *MemoryQueue {
	if size <= 0 {
		size = DefaultQueueSize
	}
	return &MemoryQueue{max: size, now: time.Now}
}

func memID(seq uint64) string { return "0-" + strconv.FormatUint(seq, 10) }

// Push appends r, or returns ErrQueueFull.
func (q *MemoryQueue) Push(_ context.Context, r Report) (string, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.live >= q.max {
		return "", ErrQueueFull
	}
	if q.start > 0 && q.start >= len(q.entries)/2 && len(q.entries) == cap(q.entries) {
		// Reuse the room of removed entries before growing.
		n := copy(q.entries, q.entries[q.start:])
		clear(q.entries[n:])
		q.entries = q.entries[:n]
		q.next -= q.start
		q.start = 0
	}
	q.seq++
	q.entries = append(q.entries, memEntry{seq: q.seq, r: r})
	q.live++
	return memID(q.seq), nil
}

// Claim returns up to max unclaimed entries, oldest first.
func (q *MemoryQueue) Claim(_ context.Context, max int) ([]Entry, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := min(max, len(q.entries)-q.next)
	if n <= 0 {
		return nil, nil
	}
	out := make([]Entry, n)
	for i := range out {
		e := &q.entries[q.next+i]
		e.claimed = true
		out[i] = Entry{ID: memID(e.seq), Report: e.r}
	}
	q.next += n
	return out, nil
}

// Hold returns the IDs that are still queued and claimed.
func (q *MemoryQueue) Hold(_ context.Context, ids []string, _ bool) ([]string, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	held := make([]string, 0, len(ids))
	for _, id := range ids {
		if i, ok := q.find(id); ok && q.entries[i].claimed {
			held = append(held, id)
		}
	}
	return held, nil
}

// find returns the index of the queued entry with id.
func (q *MemoryQueue) find(id string) (int, bool) {
	_, seq, err := ParseID(id)
	if err != nil {
		return 0, false
	}
	lo, hi := q.start, len(q.entries)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if q.entries[m].seq < seq {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(q.entries) && q.entries[lo].seq == seq && !q.entries[lo].gone
}

// Ack removes the entries.
func (q *MemoryQueue) Ack(_ context.Context, ids []string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.remove(ids)
	return nil
}

func (q *MemoryQueue) remove(ids []string) {
	for _, id := range ids {
		if i, ok := q.find(id); ok {
			q.entries[i].gone = true
			q.entries[i].r = Report{}
			q.live--
		}
	}
	for q.start < len(q.entries) && q.entries[q.start].gone {
		q.start++
	}
	q.next = max(q.next, q.start)
	if q.start == len(q.entries) {
		q.entries, q.start, q.next = q.entries[:0], 0, 0
		return
	}
	// Removed entries behind one that stays (e.g. one being retried) are
	// dropped once they outnumber the queued ones.
	if window := len(q.entries) - q.start; window > 64 && window-q.live > q.live {
		kept, next := q.entries[:0], 0
		for i, e := range q.entries[q.start:] {
			if q.start+i == q.next {
				next = len(kept)
			}
			if !e.gone {
				kept = append(kept, e)
			}
		}
		if q.next == len(q.entries) {
			next = len(kept)
		}
		clear(q.entries[len(kept):])
		q.entries, q.start, q.next = kept, 0, next
	}
}

// Park removes the entries and keeps r.
func (q *MemoryQueue) Park(_ context.Context, ids []string, r Report, reason string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.remove(ids)
	q.seq++
	q.parked = append(q.parked, ParkedReport{ID: memID(q.seq), Report: r, Reason: reason, At: q.now()})
	return nil
}

// Parked lists the parked reports.
func (q *MemoryQueue) Parked(context.Context) ([]ParkedReport, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]ParkedReport(nil), q.parked...), nil
}

// Done reports whether no entry up to id is left.
func (q *MemoryQueue) Done(_ context.Context, id string) (bool, error) {
	_, seq, err := ParseID(id)
	if err != nil {
		return false, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.start == len(q.entries) || q.entries[q.start].seq > seq, nil
}

// Len returns how many reports are queued, claimed ones included.
func (q *MemoryQueue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.live
}

// pending returns the queued reports, oldest first.
func (q *MemoryQueue) pending() []Report {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []Report
	for _, e := range q.entries[q.start:] {
		if !e.gone {
			out = append(out, e.r)
		}
	}
	return out
}
