package redisstore

import (
	"context"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/kelviq/kelviq-go/usage"
)

// SETs do not wait in the stream. Each customer and feature with a SET
// not yet delivered has a slot: its value (the newest SET, plus the DELTAs
// reported after it, added as they arrive), the IDs of the reports it
// stands for, oldest first, and a lease. Only the holder of a slot's lease
// may send it, so one delivery per customer and feature is in flight; a
// holder sends the value it claimed and, once delivered, removes the IDs
// it claimed, no more: a SET reported meanwhile keeps the slot, and the
// slot is sent again with it. A slot is not claimed while DELTAs reported
// before its first SET are still in the stream, so that they reach the
// API first. Hence what the API ends with, per customer and feature, is
// the value of the reports in the order the queue took them.
//
// Keys, beside the stream name: name+":slots", a sorted set of the slots'
// customer-and-feature keys, scored by when their lease ends (0: free);
// name+":slot:value" and name+":slot:holder", hashes by that key;
// name+":slot:ids:"+key, a list per slot; name+":deltas", a hash counting
// by that key the DELTAs in the stream.

// slotKey is the field that names a customer and feature in the slots'
// keys and in a stream entry. Report.Validate refuses control characters
// in both IDs, so the newline cannot be part of either.
func slotKey(r usage.Report) string { return r.CustomerID + "\n" + r.FeatureID }

// claimSlotsScript leases to ARGV[1] for ARGV[2] ms the slots whose lease
// has ended (or that are free) and that no older DELTA waits for, until
// they stand for ARGV[3] reports or more, and returns for each its key,
// value and IDs. A slot that waits for DELTAs moves behind the free ones.
var claimSlotsScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local max = tonumber(ARGV[3])
local out, n = {}, 0
for _, k in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, max)) do
  if n >= max then break end
  if tonumber(redis.call('HGET', KEYS[4], k) or '0') > 0 then
    redis.call('ZADD', KEYS[1], now, k)
  else
    local ids = redis.call('LRANGE', ARGV[4] .. k, 0, -1)
    if #ids == 0 then
      redis.call('ZREM', KEYS[1], k)
      redis.call('HDEL', KEYS[2], k)
      redis.call('HDEL', KEYS[3], k)
    else
      redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), k)
      redis.call('HSET', KEYS[3], k, ARGV[1])
      out[#out+1] = {k, redis.call('HGET', KEYS[2], k), ids}
      n = n + #ids
    end
  end
end
return out
`)

// holdSlotsScript renews ARGV[1]'s lease, for ARGV[2] ms, on those of the
// slots ARGV[3..] it still holds, and returns them.
var holdSlotsScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local held = {}
for i = 3, #ARGV do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[1] then
    redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[i])
    held[#held+1] = ARGV[i]
  end
end
return held
`)

// slotClaims remembers, in process, which claimed entry IDs are of slots,
// and of which.
type slotClaims map[string]string // entry ID -> slot key

// splitIDs parts ids into stream IDs and the slots' (by slot key, in the
// order claimed).
func (q *Queue) splitIDs(ids []string) (stream []string, slots map[string][]string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, id := range ids {
		if k, ok := q.slotIDs[id]; ok {
			if slots == nil {
				slots = map[string][]string{}
			}
			slots[k] = append(slots[k], id)
		} else {
			stream = append(stream, id)
		}
	}
	return stream, slots
}

func (q *Queue) forget(ids []string) {
	q.mu.Lock()
	for _, id := range ids {
		delete(q.slotIDs, id)
	}
	q.mu.Unlock()
}

// claimSlots leases up to max reports' worth of slots.
func (q *Queue) claimSlots(ctx context.Context, max int) ([]usage.Entry, error) {
	res, err := q.write(ctx, claimSlotsScript, q.slotKeys(), q.consumer, q.lease.Milliseconds(), max, q.slotList)
	if err != nil {
		return nil, err
	}
	list, _ := res.([]any)
	var out []usage.Entry
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, s := range list {
		f, _ := s.([]any)
		if len(f) != 3 {
			continue
		}
		k, _ := f[0].(string)
		v, _ := f[1].(string)
		ids, _ := f[2].([]any)
		customer, feature, ok := strings.Cut(k, "\n")
		value, err := strconv.Atoi(v)
		if !ok || err != nil {
			continue // not ours: never written by this package
		}
		// Every report the slot stands for is one entry, with the slot's
		// value: folded by the reporter, they give that value, and each
		// counts as delivered once.
		for _, id := range ids {
			id, _ := id.(string)
			q.slotIDs[id] = k
			out = append(out, usage.Entry{ID: id, Report: usage.Report{CustomerID: customer, FeatureID: feature,
				Value: value, Behaviour: usage.Set}})
		}
	}
	return out, nil
}

// holdSlots renews the leases of the slots and returns the IDs of those
// still held.
func (q *Queue) holdSlots(ctx context.Context, slots map[string][]string) ([]string, error) {
	args := []any{q.consumer, q.lease.Milliseconds()}
	for k := range slots {
		args = append(args, k)
	}
	res, err := q.write(ctx, holdSlotsScript, []string{q.slots, q.slotHolder}, args...)
	if err != nil {
		return nil, err
	}
	list, _ := res.([]any)
	kept := map[string]bool{}
	var held []string
	for _, v := range list {
		if k, ok := v.(string); ok {
			kept[k] = true
			held = append(held, slots[k]...)
		}
	}
	for k, ids := range slots {
		if !kept[k] {
			q.forget(ids) // another holder has it: its entries are new to it
		}
	}
	return held, nil
}

// slotKeys are the keys of the claim script, in its order.
func (q *Queue) slotKeys() []string {
	return []string{q.slots, q.slotValue, q.slotHolder, q.deltas}
}
