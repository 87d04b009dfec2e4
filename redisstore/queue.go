package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kelviq/kelviq-go/usage"
)

// DefaultLease is how long a queue entry stays with a holder that stops
// renewing it before another may take it over. Keep it above the usage
// reporter's request timeout and backoff cap.
const DefaultLease = time.Minute

// group is the consumer group every Queue on a stream shares.
const group = "kelviq-usage"

// Queue is a durable usage.Queue on a Redis stream. Reports pushed by any
// process wait in the stream; reporters on the same stream share a consumer
// group, so each entry is claimed by one of them; a claim is a lease that
// the holder renews while it delivers, and that another holder takes over
// (XAUTOCLAIM) once it has been idle for the lease, e.g. after its process
// died. Entries the dead holder had marked as being sent come back flagged
// MaybeSent, so that a DELTA is not sent twice.
//
// Keys: the stream is name; name+":sending" is a hash of the entries being
// sent; name+":parked" is a stream of the reports parked for
// reconciliation. Create it with NewQueue; it is safe for concurrent use.
type Queue struct {
	rdb      redis.UniversalClient
	stream   string
	sending  string
	parked   string
	consumer string
	lease    time.Duration
	maxLen   int64

	mu     sync.Mutex
	cursor string // where XAUTOCLAIM goes on
	ready  bool   // the group exists
}

var _ usage.Queue = (*Queue)(nil)

// QueueOption configures a Queue.
type QueueOption func(*Queue)

// WithLease sets how long an idle claim lasts (default DefaultLease).
func WithLease(d time.Duration) QueueOption {
	return func(q *Queue) {
		if d > 0 {
			q.lease = d
		}
	}
}

// WithMaxLen bounds the stream: Push returns usage.ErrQueueFull when it
// holds n entries (default 0, no bound).
func WithMaxLen(n int64) QueueOption {
	return func(q *Queue) {
		if n > 0 {
			q.maxLen = n
		}
	}
}

// WithConsumer names this holder in the consumer group (default: host name,
// process ID and a random part). Two live Queues must not share a name.
func WithConsumer(name string) QueueOption {
	return func(q *Queue) {
		if name != "" {
			q.consumer = name
		}
	}
}

// NewQueue returns a Queue on the stream called name.
func NewQueue(rdb redis.UniversalClient, name string, opts ...QueueOption) *Queue {
	host, _ := os.Hostname()
	q := &Queue{rdb: rdb, stream: name, sending: name + ":sending", parked: name + ":parked",
		consumer: host + "-" + strconv.Itoa(os.Getpid()) + "-" + token()[:8], lease: DefaultLease, cursor: "0-0"}
	for _, o := range opts {
		if o != nil {
			o(q)
		}
	}
	return q
}

// Consumer returns this holder's name in the consumer group.
func (q *Queue) Consumer() string { return q.consumer }

func (q *Queue) check() error {
	switch {
	case q.rdb == nil:
		return errNoClient
	case q.stream == "":
		return errors.New("redisstore: queue name is empty")
	}
	return nil
}

// ensureGroup creates the stream and the consumer group when missing.
func (q *Queue) ensureGroup(ctx context.Context, force bool) error {
	q.mu.Lock()
	ready := q.ready
	q.mu.Unlock()
	if ready && !force {
		return nil
	}
	err := q.rdb.XGroupCreateMkStream(ctx, q.stream, group, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return err
	}
	q.mu.Lock()
	q.ready = true
	q.mu.Unlock()
	return nil
}

// withGroup runs f, creating the group first and again if Redis lost it
// (e.g. a restart without persistence).
func (q *Queue) withGroup(ctx context.Context, f func() error) error {
	if err := q.check(); err != nil {
		return err
	}
	if err := q.ensureGroup(ctx, false); err != nil {
		return err
	}
	err := f()
	if err != nil && strings.HasPrefix(err.Error(), "NOGROUP") {
		if err := q.ensureGroup(ctx, true); err != nil {
			return err
		}
		err = f()
	}
	return err
}

var pushScript = redis.NewScript(`
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[2]) then return false end
return redis.call('XADD', KEYS[1], '*', 'r', ARGV[1])
`)

// Push appends r to the stream.
func (q *Queue) Push(ctx context.Context, r usage.Report) (string, error) {
	if err := q.check(); err != nil {
		return "", err
	}
	payload, err := json.Marshal(r)
	if err != nil {
		return "", err
	}
	if q.maxLen <= 0 {
		return q.rdb.XAdd(ctx, &redis.XAddArgs{Stream: q.stream, Values: []any{"r", payload}}).Result()
	}
	id, err := pushScript.Run(ctx, q.rdb, []string{q.stream}, payload, q.maxLen).Text()
	if errors.Is(err, redis.Nil) {
		return "", usage.ErrQueueFull
	}
	return id, err
}

// Claim takes over entries idle for the lease, then reads new ones.
func (q *Queue) Claim(ctx context.Context, max int) ([]usage.Entry, error) {
	var out []usage.Entry
	err := q.withGroup(ctx, func() error {
		out = out[:0]
		q.mu.Lock()
		cursor := q.cursor
		q.mu.Unlock()
		msgs, next, err := q.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: q.stream, Group: group,
			MinIdle: q.lease, Start: cursor, Count: int64(max), Consumer: q.consumer}).Result()
		if err != nil {
			return err
		}
		q.mu.Lock()
		q.cursor = next
		q.mu.Unlock()
		if len(msgs) > 0 {
			ids := make([]string, len(msgs))
			for i, m := range msgs {
				ids[i] = m.ID
			}
			marks, err := q.rdb.HMGet(ctx, q.sending, ids...).Result()
			if err != nil {
				return err
			}
			for i, m := range msgs {
				e, ok := q.entry(ctx, m)
				if ok {
					e.MaybeSent = marks[i] != nil
					out = append(out, e)
				}
			}
		}
		if len(out) >= max {
			return nil
		}
		streams, err := q.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: q.consumer,
			Streams: []string{q.stream, ">"}, Count: int64(max - len(out)), Block: -1}).Result()
		if errors.Is(err, redis.Nil) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, s := range streams {
			for _, m := range s.Messages {
				if e, ok := q.entry(ctx, m); ok {
					out = append(out, e)
				}
			}
		}
		return nil
	})
	return out, err
}

// entry decodes a stream message; one that is not a report is parked at
// once with its raw content, and skipped.
func (q *Queue) entry(ctx context.Context, m redis.XMessage) (usage.Entry, bool) {
	raw, _ := m.Values["r"].(string)
	var r usage.Report
	err := json.Unmarshal([]byte(raw), &r)
	if err == nil {
		err = r.Validate()
	}
	if err != nil {
		_ = q.Park(ctx, []string{m.ID}, usage.Report{}, fmt.Sprintf("entry is not a usage report (%v): %.200q", err, raw))
		return usage.Entry{}, false
	}
	return usage.Entry{ID: m.ID, Report: r}, true
}

var holdScript = redis.NewScript(`
local out = {}
for i = 4, #ARGV do
  local id = ARGV[i]
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1)
  if #p == 1 and p[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, id, 'JUSTID')
    if ARGV[3] == '1' then
      redis.call('HSET', KEYS[2], id, ARGV[2])
    else
      redis.call('HDEL', KEYS[2], id)
    end
    out[#out+1] = id
  end
end
return out
`)

// Hold renews this holder's claim on the entries it still has, and marks
// them as being sent or not.
func (q *Queue) Hold(ctx context.Context, ids []string, sending bool) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	mark := "0"
	if sending {
		mark = "1"
	}
	var held []string
	err := q.withGroup(ctx, func() error {
		args := append([]any{group, q.consumer, mark}, anys(ids)...)
		var err error
		held, err = holdScript.Run(ctx, q.rdb, []string{q.stream, q.sending}, args...).StringSlice()
		return err
	})
	return held, err
}

var ackScript = redis.NewScript(`
for i = 2, #ARGV do
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[i])
  redis.call('XDEL', KEYS[1], ARGV[i])
  redis.call('HDEL', KEYS[2], ARGV[i])
end
return 1
`)

// Ack removes the entries from the stream, the group and the marks.
func (q *Queue) Ack(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := q.check(); err != nil {
		return err
	}
	return ackScript.Run(ctx, q.rdb, []string{q.stream, q.sending}, append([]any{group}, anys(ids)...)...).Err()
}

var parkScript = redis.NewScript(`
redis.call('XADD', KEYS[3], '*', 'r', ARGV[2], 'reason', ARGV[3], 'at', ARGV[4])
for i = 5, #ARGV do
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[i])
  redis.call('XDEL', KEYS[1], ARGV[i])
  redis.call('HDEL', KEYS[2], ARGV[i])
end
return 1
`)

// Park removes the entries and adds r to the parked stream, in one step.
func (q *Queue) Park(ctx context.Context, ids []string, r usage.Report, reason string) error {
	if err := q.check(); err != nil {
		return err
	}
	payload, err := json.Marshal(r)
	if err != nil {
		return err
	}
	args := append([]any{group, payload, reason, time.Now().UnixMilli()}, anys(ids)...)
	return parkScript.Run(ctx, q.rdb, []string{q.stream, q.sending, q.parked}, args...).Err()
}

// Parked lists the parked reports, oldest first.
func (q *Queue) Parked(ctx context.Context) ([]usage.ParkedReport, error) {
	if err := q.check(); err != nil {
		return nil, err
	}
	msgs, err := q.rdb.XRange(ctx, q.parked, "-", "+").Result()
	if err != nil {
		return nil, err
	}
	out := make([]usage.ParkedReport, 0, len(msgs))
	for _, m := range msgs {
		p := usage.ParkedReport{ID: m.ID}
		raw, _ := m.Values["r"].(string)
		_ = json.Unmarshal([]byte(raw), &p.Report)
		p.Reason, _ = m.Values["reason"].(string)
		if at, ok := m.Values["at"].(string); ok {
			if ms, err := strconv.ParseInt(at, 10, 64); err == nil {
				p.At = time.UnixMilli(ms)
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// Done reports whether the stream holds no entry with an ID up to id.
func (q *Queue) Done(ctx context.Context, id string) (bool, error) {
	if err := q.check(); err != nil {
		return false, err
	}
	if _, _, err := usage.ParseID(id); err != nil {
		return false, err
	}
	msgs, err := q.rdb.XRangeN(ctx, q.stream, "-", id, 1).Result()
	if err != nil {
		return false, err
	}
	return len(msgs) == 0, nil
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
