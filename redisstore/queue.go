package redisstore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kelviq/kelviq-go/internal/backoff"
	"github.com/kelviq/kelviq-go/usage"
)

// DefaultLease is how long a queue entry stays with a holder that stops
// renewing it before another may take it over. Keep it above the usage
// reporter's request timeout and backoff cap.
const DefaultLease = time.Minute

// DefaultPushTimeout is how long Push keeps trying to learn whether Redis
// stored a batch of reports, e.g. through a restart or a failover, before
// it gives up and says the outcome is unknown.
const DefaultPushTimeout = 10 * time.Second

// group is the consumer group every Queue on a stream shares.
const group = "kelviq-usage"

// Queue is a durable usage.Queue on a Redis stream. Reports pushed by any
// process wait in the stream; reporters on the same stream share a consumer
// group, so each entry is claimed by one of them; a claim is a lease that
// the holder renews while it delivers, and that another holder takes over
// (XAUTOCLAIM) once it has been idle for the lease, e.g. after its process
// died. Entries the dead holder had marked as being sent come back flagged
// MaybeSent, so that a DELTA is not sent twice. SETs do not wait in the
// stream but in a slot per customer and feature, under a lease of their
// own, so that the last SET reported is the value the API ends with
// whichever holders deliver them (see slots.go); Claim returns a slot as
// one entry per report it stands for, each a SET of the slot's value.
//
// Keys: the stream is name; name+":sending" is a hash of the entries being
// sent; name+":parked" is a stream of the reports parked for
// reconciliation; the slots' keys start with name+":slot" and
// name+":deltas"; name+":push:"+token, one per round trip of Push, lives
// DefaultPushTimeout plus a minute and makes the push idempotent. Create it
// with NewQueue; it is safe for concurrent use.
//
// What Redis can lose: a primary acknowledges a write before its replicas
// have it (replication is asynchronous), so when it dies and a replica
// takes over, the last writes it acknowledged may be missing there. For
// the queue that means reports whose Push returned nil may be gone (lost
// usage, never counted twice), and the removal of delivered entries or
// their "being sent" marks may be undone: an entry delivered again comes
// back flagged MaybeSent, so a DELTA is parked as uncertain rather than
// sent twice, unless its mark was lost too; a SET accepted and lost
// leaves the one before it to be the last. WithReplicaAck closes that
// window: every write of the queue then waits for replicas to confirm it.
type Queue struct {
	rdb      redis.UniversalClient
	stream   string
	sending  string
	parked   string
	consumer string
	lease    time.Duration
	maxLen   int64

	// The SETs' slots (see slots.go).
	slots, slotValue, slotHolder, slotList, deltas string

	pushTimeout time.Duration
	acks        int           // WAIT for this many replicas after each write; 0: do not
	ackTimeout  time.Duration // how long one WAIT waits

	mu      sync.Mutex
	cursor  string // where XAUTOCLAIM goes on
	ready   bool   // the group exists
	claims  int    // Claim calls, for the occasional sweep of consumers
	slotIDs slotClaims

	pmu     sync.Mutex
	pending []*pushReq // Pushes waiting for the next round trip
	pushing bool       // a Push is sending them
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

// WithPushTimeout sets how long Push keeps retrying a round trip whose
// outcome it does not know (a lost connection, a restart, a failover)
// before it returns an error matching usage.ErrOutcomeUnknown (default
// DefaultPushTimeout). Retrying cannot store a report twice.
func WithPushTimeout(d time.Duration) QueueOption {
	return func(q *Queue) {
		if d > 0 {
			q.pushTimeout = d
		}
	}
}

// WithReplicaAck makes every write of the queue (Push, and the claims,
// marks and removals of delivery) wait until n replicas of the primary
// have it, for at most timeout each time (Redis's WAIT, on the connection
// that wrote). A Push that is not confirmed in time is retried (it cannot
// be stored twice) until the push timeout, then fails with an error
// matching usage.ErrOutcomeUnknown: it is stored on the primary but may be
// lost if the primary dies. A delivery step that is not confirmed fails,
// and the reporter retries it before sending. It costs a replica's round
// trip per write; see BENCH.md. Use it with n at most the number of
// replicas that are up, or every write waits for timeout.
func WithReplicaAck(n int, timeout time.Duration) QueueOption {
	return func(q *Queue) {
		if n > 0 && timeout > 0 {
			q.acks, q.ackTimeout = n, timeout
		}
	}
}

// NewQueue returns a Queue on the stream called name. On a Redis Cluster
// (or Ring) client the name must have a hash tag, e.g. "{acme:usage}", so
// that all the queue's keys are in one slot; a name without one is an
// error that says so.
func NewQueue(rdb redis.UniversalClient, name string, opts ...QueueOption) (*Queue, error) {
	switch {
	case rdb == nil:
		return nil, errNoClient
	case name == "":
		return nil, errors.New("redisstore: NewQueue: the queue name is empty")
	case sharded(rdb) && !hasHashTag(name):
		return nil, fmt.Errorf("redisstore: NewQueue: queue name %q has no hash tag: on a Redis Cluster the queue's keys "+
			"must share a slot, so put the part they share in braces, e.g. %q", name, "{"+name+"}")
	}
	host, _ := os.Hostname()
	q := &Queue{rdb: rdb, stream: name, sending: name + ":sending", parked: name + ":parked",
		consumer: host + "-" + strconv.Itoa(os.Getpid()) + "-" + token()[:8], lease: DefaultLease, cursor: "0-0",
		pushTimeout: DefaultPushTimeout, slots: name + ":slots", slotValue: name + ":slot:value",
		slotHolder: name + ":slot:holder", slotList: name + ":slot:ids:", deltas: name + ":deltas", slotIDs: slotClaims{}}
	for _, o := range opts {
		if o != nil {
			o(q)
		}
	}
	return q, nil
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
		noteErr(q.rdb, err)
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
	noteErr(q.rdb, err)
	return err
}

// pushScript stores the reports ARGV[4..], one argument each: its kind
// ("S" for a SET, "D" for a DELTA), value, a space, slot key, a tab and,
// for a DELTA, the report as stored in the stream; and returns an
// ID, false (no room), or "!" (the value would overflow), for each. A
// DELTA is appended to the stream KEYS[1] as long as the bound ARGV[1]
// (0: none) leaves room, and counted in KEYS[3] by slot key; but a DELTA
// for a customer and feature with a SET pending is added to that SET's
// slot. A SET replaces its slot's value (KEYS[4]) and makes the slot wait
// in KEYS[5] if it was not. A report in a slot gets its ID from the
// stream (added and deleted at once), so that IDs keep one order; the
// slot lists it under ARGV[3] plus the slot key. The reply is recorded
// under KEYS[2] for ARGV[2] ms: run again with the same KEYS[2] (a retry
// after a lost reply), the script returns the recorded reply and stores
// nothing. A rerun still writes (it renews the record), so that a WAIT
// after it covers the first run's writes too.
var pushScript = redis.NewScript(`
local done = redis.call('GET', KEYS[2])
local out = {}
if done then
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
  for id in string.gmatch(done .. ',', '([^,]*),') do
    if id == '' then out[#out+1] = false else out[#out+1] = id end
  end
  return out
end
local room = -1
if tonumber(ARGV[1]) > 0 then room = tonumber(ARGV[1]) - redis.call('XLEN', KEYS[1]) end
local rec = {}
for i = 4, #ARGV do
  local a = ARGV[i]
  local sp = string.find(a, ' ', 2, true)
  local tab = string.find(a, '\t', sp + 1, true)
  local kind, v, k = string.sub(a, 1, 1), string.sub(a, 2, sp - 1), string.sub(a, sp + 1, tab - 1)
  local id = false
  if kind == 'S' or redis.call('ZSCORE', KEYS[5], k) then
    local ok = true
    if kind == 'S' then
      redis.call('HSET', KEYS[4], k, v)
    else
      local r = redis.pcall('HINCRBY', KEYS[4], k, v)
      ok = type(r) == 'number'
    end
    if ok then
      id = redis.call('XADD', KEYS[1], '*', 's', '')
      redis.call('XDEL', KEYS[1], id)
      redis.call('RPUSH', ARGV[3] .. k, id)
      if kind == 'S' then redis.call('ZADD', KEYS[5], 'NX', 0, k) end
    else
      id = '!'
    end
  elseif room ~= 0 then
    id = redis.call('XADD', KEYS[1], '*', 'r', string.sub(a, tab + 1), 'k', k)
    redis.call('HINCRBY', KEYS[3], k, 1)
    if room > 0 then room = room - 1 end
  end
  out[#out+1] = id
  if id then rec[#rec+1] = id else rec[#rec+1] = '' end
end
redis.call('SET', KEYS[2], table.concat(rec, ','), 'PX', ARGV[2])
return out
`)

// pushReq is one Push waiting for the round trip that stores it.
type pushReq struct {
	r    usage.Report
	arg  []byte // the push script's argument
	id   string
	err  error
	done chan struct{}
}

// Push appends r to the stream and returns once Redis has it. Concurrent
// Pushes share round trips: the first caller sends every report waiting
// at that moment in one script call, and the others wait for it. Once
// handed over, a report is stored or not whatever happens to ctx, so Push
// waits for the outcome rather than return while it is unknown: a round
// trip whose reply is lost is sent again (it cannot store a report
// twice) until WithPushTimeout; if the outcome is still unknown then, the
// error matches usage.ErrOutcomeUnknown.
func (q *Queue) Push(ctx context.Context, r usage.Report) (string, error) {
	if err := q.check(); err != nil {
		return "", err
	}
	// One argument of the push script per report: kind, value, slot key
	// and, for a DELTA (a SET is stored as its slot's value), the report.
	var payload []byte
	if r.Behaviour != usage.Set {
		var err error
		if payload, err = json.Marshal(r); err != nil {
			return "", err
		}
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	arg := make([]byte, 0, 24+len(r.CustomerID)+len(r.FeatureID)+len(payload))
	if r.Behaviour == usage.Set {
		arg = append(arg, 'S')
	} else {
		arg = append(arg, 'D')
	}
	arg = strconv.AppendInt(arg, int64(r.Value), 10)
	arg = append(arg, ' ')
	arg = append(arg, slotKey(r)...)
	arg = append(arg, '\t')
	arg = append(arg, payload...)
	req := &pushReq{r: r, arg: arg, done: make(chan struct{})}
	q.pmu.Lock()
	q.pending = append(q.pending, req)
	if q.pushing {
		q.pmu.Unlock()
		<-req.done
		return req.id, req.err
	}
	q.pushing = true
	for len(q.pending) > 0 {
		batch := q.pending
		q.pending = nil
		q.pmu.Unlock()
		q.pushBatch(context.WithoutCancel(ctx), batch)
		q.pmu.Lock()
	}
	q.pushing = false
	q.pmu.Unlock()
	<-req.done
	return req.id, req.err
}

// maxPushBatch bounds the reports sent in one script call.
const maxPushBatch = 512

func (q *Queue) pushBatch(ctx context.Context, batch []*pushReq) {
	for len(batch) > 0 {
		n := min(len(batch), maxPushBatch)
		part := batch[:n]
		batch = batch[n:]
		args := make([]any, 0, n+3)
		args = append(args, q.maxLen, (q.pushTimeout + time.Minute).Milliseconds(), q.slotList)
		for _, p := range part {
			args = append(args, p.arg)
		}
		ids, err := q.pushOnce(ctx, []string{q.stream, q.stream + ":push:" + token(), q.deltas, q.slotValue, q.slots}, args)
		for i, p := range part {
			switch {
			case err != nil:
				p.err = err
			case i >= len(ids):
				p.err = errors.New("redisstore: push: short reply")
			default:
				if id, ok := ids[i].(string); ok && id == "!" {
					p.err = fmt.Errorf("redisstore: push: value: %d added to the pending SET of customer %q, feature %q would overflow",
						p.r.Value, p.r.CustomerID, p.r.FeatureID)
				} else if ok {
					p.id = id
				} else {
					p.err = usage.ErrQueueFull
				}
			}
			close(p.done)
		}
	}
}

// pushOnce runs the push script until Redis replies to it, retrying what may
// pass on (a lost connection, a server restarting or failing over) until
// the push timeout.
func (q *Queue) pushOnce(ctx context.Context, keys []string, args []any) ([]any, error) {
	deadline := time.Now().Add(q.pushTimeout)
	maybe := false // an attempt may have stored the batch
	wait := 20 * time.Millisecond
	for {
		actx, cancel := context.WithDeadline(ctx, deadline)
		res, err := q.write(actx, pushScript, keys, args...)
		cancel()
		if err == nil {
			ids, ok := res.([]any)
			if !ok {
				return nil, fmt.Errorf("redisstore: push: unexpected reply %T", res)
			}
			return ids, nil
		}
		var short *notReplicatedError
		switch {
		case errors.As(err, &short):
			maybe = true // stored on the primary; the replicas have not confirmed it
		case replied(err) && !replyFromWrongServer(err.Error()):
			// Redis refused the script as a whole (no permission, out of
			// memory, ...): waiting will not change that.
			return nil, q.pushFailed(err, maybe)
		case !notSent(err) && !replied(err):
			maybe = true
		}
		if time.Now().Add(wait).After(deadline) {
			return nil, q.pushFailed(err, maybe)
		}
		_ = backoff.Sleep(ctx, backoff.Equal(wait, wait, 1))
		wait = min(2*wait, time.Second)
	}
}

func (q *Queue) pushFailed(err error, maybe bool) error {
	if maybe {
		return fmt.Errorf("redisstore: push: %w (%w)", usage.ErrOutcomeUnknown, err)
	}
	return fmt.Errorf("redisstore: push: %w", err)
}

// notReplicatedError is a write that fewer replicas than WithReplicaAck
// asks for confirmed in time.
type notReplicatedError struct {
	got, want int64
	within    time.Duration
}

func (e *notReplicatedError) Error() string {
	return fmt.Sprintf("redisstore: %d of %d replicas confirmed the write within %v", e.got, e.want, e.within)
}

// write runs a script of the queue's that writes, and with WithReplicaAck
// waits, on the same connection, until the replicas confirm it. Errors
// that may come from a failover make a Cluster client re-read its slots.
func (q *Queue) write(ctx context.Context, s *redis.Script, keys []string, args ...any) (any, error) {
	res, err := q.writeAcked(ctx, s, keys, args)
	noteErr(q.rdb, err)
	return res, err
}

func (q *Queue) writeAcked(ctx context.Context, s *redis.Script, keys []string, args []any) (any, error) {
	if q.acks == 0 {
		return s.Run(ctx, q.rdb, keys, args...).Result()
	}
	var conn redis.Cmdable = q.rdb
	if cc, ok := q.rdb.(*redis.ClusterClient); ok {
		// WAIT names no key: send it to the primary of the queue's slot,
		// with the script, on one connection.
		node, err := cc.MasterForKey(ctx, keys[0])
		if err != nil {
			return nil, err
		}
		conn = node
	}
	run := func(eval func(p redis.Pipeliner) *redis.Cmd) (*redis.Cmd, *redis.IntCmd, error) {
		var res *redis.Cmd
		var wait *redis.IntCmd
		_, err := conn.Pipelined(ctx, func(p redis.Pipeliner) error {
			res = eval(p)
			wait = redis.NewIntCmd(ctx, "wait", q.acks, q.ackTimeout.Milliseconds())
			_ = p.Process(ctx, wait)
			return nil
		})
		return res, wait, err
	}
	res, wait, err := run(func(p redis.Pipeliner) *redis.Cmd { return s.EvalSha(ctx, p, keys, args...) })
	if res != nil && redis.HasErrorPrefix(res.Err(), "NOSCRIPT") {
		res, wait, err = run(func(p redis.Pipeliner) *redis.Cmd { return s.Eval(ctx, p, keys, args...) })
	}
	if res == nil {
		return nil, err
	}
	if err := res.Err(); err != nil {
		return nil, err
	}
	n, werr := wait.Result()
	if werr != nil {
		return nil, &notReplicatedError{want: int64(q.acks), within: q.ackTimeout}
	}
	if n < int64(q.acks) {
		return nil, &notReplicatedError{got: n, want: int64(q.acks), within: q.ackTimeout}
	}
	return res.Val(), nil
}

// sweepScript removes consumers of the group that hold nothing and have
// been idle longer than ARGV[2] ms (processes that ended), except ARGV[3].
// Checking and removing in one script keeps a consumer from claiming an
// entry in between (removing a consumer drops its pending entries).
var sweepScript = redis.NewScript(`
local n = 0
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local f = {}
  for i = 1, #c, 2 do f[c[i]] = c[i+1] end
  if f['pending'] == 0 and f['idle'] > tonumber(ARGV[2]) and f['name'] ~= ARGV[3] then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], f['name'])
    n = n + 1
  end
end
return n
`)

// sweepEvery is how many Claim calls pass between sweeps of ended
// consumers.
const sweepEvery = 100

// Claim takes over entries idle for the lease, then reads new ones. Every
// so often it also removes consumers that hold nothing and have been idle
// for ten leases, so that ended processes do not pile up in the group.
func (q *Queue) Claim(ctx context.Context, max int) ([]usage.Entry, error) {
	q.mu.Lock()
	q.claims++
	sweep := q.claims%sweepEvery == 1
	q.mu.Unlock()
	if sweep {
		_ = q.withGroup(ctx, func() error {
			return sweepScript.Run(ctx, q.rdb, []string{q.stream}, group, (10 * q.lease).Milliseconds(), q.consumer).Err()
		})
	}
	// The SETs' slots first: there are few of them (one per customer and
	// feature), and DELTAs come in the stream without end under load.
	out, err := q.claimSlots(ctx, max)
	if err != nil {
		return nil, err
	}
	if len(out) >= max {
		return out, nil
	}
	nslots := len(out)
	err = q.withGroup(ctx, func() error {
		out = out[:nslots]
		q.mu.Lock()
		cursor := q.cursor
		q.mu.Unlock()
		msgs, next, err := q.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: q.stream, Group: group,
			MinIdle: q.lease, Start: cursor, Count: int64(max - nslots), Consumer: q.consumer}).Result()
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
	if err != nil && nslots > 0 {
		// The slots are leased to this holder: hand them over rather than
		// leave them waiting for the lease; the stream can wait.
		return out[:nslots], nil
	}
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

// holdScript renews the claim of consumer ARGV[2] on those of the IDs
// ARGV[4..] (sorted) it still holds, marks them as being sent (ARGV[3] "1")
// or not, and returns them. XPENDING over the IDs' range, a page at a
// time, finds them.
var holdScript = redis.NewScript(`
local want = {}
for i = 4, #ARGV do want[ARGV[i]] = true end
local held = {}
local from = ARGV[4]
while true do
  local page = redis.call('XPENDING', KEYS[1], ARGV[1], from, ARGV[#ARGV], 1000, ARGV[2])
  for _, p in ipairs(page) do
    if want[p[1]] then held[#held+1] = p[1] end
  end
  if #page < 1000 then break end
  from = '(' .. page[#page][1]
end
for i = 1, #held, 500 do
  local part = {unpack(held, i, math.min(i + 499, #held))}
  local args = {unpack(part)}
  args[#args+1] = 'JUSTID'
  redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, unpack(args))
  if ARGV[3] == '1' then
    local kv = {}
    for _, id in ipairs(part) do kv[#kv+1] = id; kv[#kv+1] = ARGV[2] end
    redis.call('HSET', KEYS[2], unpack(kv))
  else
    redis.call('HDEL', KEYS[2], unpack(part))
  end
end
return held
`)

// Hold renews this holder's claim on the entries it still has, and marks
// them as being sent or not.
func (q *Queue) Hold(ctx context.Context, ids []string, sending bool) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	stream, slots := q.splitIDs(ids)
	var held []string
	if len(slots) > 0 {
		h, err := q.holdSlots(ctx, slots)
		if err != nil {
			return nil, err
		}
		held = h
	}
	if len(stream) == 0 {
		return held, nil
	}
	mark := "0"
	if sending {
		mark = "1"
	}
	sorted := slices.Clone(stream)
	slices.SortFunc(sorted, compareIDs)
	n := len(held)
	err := q.withGroup(ctx, func() error {
		args := append([]any{group, q.consumer, mark}, anys(sorted)...)
		var err error
		res, err := q.write(ctx, holdScript, []string{q.stream, q.sending}, args...)
		if err != nil {
			return err
		}
		held = held[:n]
		list, _ := res.([]any)
		for _, v := range list {
			if id, ok := v.(string); ok {
				held = append(held, id)
			}
		}
		return nil
	})
	return held, err
}

// settleScript removes delivered, rejected or parked entries, and parks
// a report (ARGV[4] "1": ARGV[5..7] are its payload, reason and time).
// ARGV[8] is how many stream IDs follow: those are acknowledged and
// deleted, their marks dropped and their DELTAs uncounted. Pairs of slot
// key and count come after them: when ARGV[2] still holds the slot, its
// first count IDs (those it claimed) are removed, and the slot with them
// if no newer report came, else it is freed to be sent again.
var settleScript = redis.NewScript(`
if ARGV[4] == '1' then
  redis.call('XADD', KEYS[3], '*', 'r', ARGV[5], 'reason', ARGV[6], 'at', ARGV[7])
end
local last = 8 + tonumber(ARGV[8])
for i = 9, last do
  local m = redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i])
  if #m > 0 then
    local f = m[1][2]
    for j = 1, #f, 2 do
      if f[j] == 'k' and redis.call('HINCRBY', KEYS[4], f[j+1], -1) <= 0 then
        redis.call('HDEL', KEYS[4], f[j+1])
      end
    end
  end
end
for i = 9, last, 500 do
  local part = {unpack(ARGV, i, math.min(i + 499, last))}
  redis.call('XACK', KEYS[1], ARGV[1], unpack(part))
  redis.call('XDEL', KEYS[1], unpack(part))
  redis.call('HDEL', KEYS[2], unpack(part))
end
for i = last + 1, #ARGV, 2 do
  local k = ARGV[i]
  if redis.call('HGET', KEYS[7], k) == ARGV[2] then
    local list = ARGV[3] .. k
    redis.call('LTRIM', list, tonumber(ARGV[i+1]), -1)
    redis.call('HDEL', KEYS[7], k)
    if redis.call('LLEN', list) == 0 then
      redis.call('ZREM', KEYS[5], k)
      redis.call('HDEL', KEYS[6], k)
    else
      redis.call('ZADD', KEYS[5], 0, k)
    end
  end
end
return 1
`)

// settle runs settleScript on ids; park is nil for Ack.
func (q *Queue) settle(ctx context.Context, ids []string, park []any) error {
	if err := q.check(); err != nil {
		return err
	}
	stream, slots := q.splitIDs(ids)
	if park == nil {
		park = []any{"0", "", "", 0}
	} else {
		park = append([]any{"1"}, park...)
	}
	args := append([]any{group, q.consumer, q.slotList}, park...)
	args = append(args, len(stream))
	args = append(args, anys(stream)...)
	var claimed []string
	for k, ids := range slots {
		args = append(args, k, len(ids))
		claimed = append(claimed, ids...)
	}
	_, err := q.write(ctx, settleScript, []string{q.stream, q.sending, q.parked, q.deltas, q.slots, q.slotValue, q.slotHolder}, args...)
	if err == nil {
		q.forget(claimed)
	}
	return err
}

// Ack removes the entries: from the stream, the group and the marks, or
// from their slot, which stays, to be sent again, if a newer report came
// for its customer and feature.
func (q *Queue) Ack(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	return q.settle(ctx, ids, nil)
}

// Park removes the entries and adds r to the parked stream, in one step.
func (q *Queue) Park(ctx context.Context, ids []string, r usage.Report, reason string) error {
	if err := q.check(); err != nil {
		return err
	}
	payload, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return q.settle(ctx, ids, []any{payload, reason, time.Now().UnixMilli()})
}

// Parked lists the parked reports, oldest first.
func (q *Queue) Parked(ctx context.Context) ([]usage.ParkedReport, error) {
	if err := q.check(); err != nil {
		return nil, err
	}
	msgs, err := q.rdb.XRange(ctx, q.parked, "-", "+").Result()
	if err != nil {
		noteErr(q.rdb, err)
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

// doneScript returns 1 when the stream KEYS[1] holds no entry up to
// ARGV[1] (ms ARGV[2], sequence ARGV[3]) and no slot of KEYS[2] holds a
// report up to it.
var doneScript = redis.NewScript(`
if #redis.call('XRANGE', KEYS[1], '-', ARGV[1], 'COUNT', 1) > 0 then return 0 end
local ms, sq = tonumber(ARGV[2]), tonumber(ARGV[3])
for _, k in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local h = redis.call('LINDEX', ARGV[4] .. k, 0)
  if h then
    local a, b = string.match(h, '^(%d+)-(%d+)$')
    a, b = tonumber(a), tonumber(b)
    if a < ms or (a == ms and b <= sq) then return 0 end
  end
end
return 1
`)

// Done reports whether the stream and the SETs' slots hold no report
// with an ID up to id.
func (q *Queue) Done(ctx context.Context, id string) (bool, error) {
	if err := q.check(); err != nil {
		return false, err
	}
	ms, seq, err := usage.ParseID(id)
	if err != nil {
		return false, err
	}
	n, err := doneScript.Run(ctx, q.rdb, []string{q.stream, q.slots}, id, ms, seq, q.slotList).Int()
	if err != nil {
		noteErr(q.rdb, err)
		return false, err
	}
	return n == 1, nil
}

// compareIDs orders stream IDs; malformed ones sort first.
func compareIDs(a, b string) int {
	am, as, aerr := usage.ParseID(a)
	bm, bs, berr := usage.ParseID(b)
	switch {
	case aerr != nil || berr != nil:
		return cmp.Compare(boolInt(berr != nil), boolInt(aerr != nil))
	case am != bm:
		return cmp.Compare(am, bm)
	}
	return cmp.Compare(as, bs)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
