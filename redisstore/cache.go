// Package redisstore keeps the entitlements cache and the usage queue in
// Redis, through go-redis v9, so that every instance of a service shares
// them: NewCache is an entitlements.Store, NewQueue a durable usage.Queue.
// Both take a redis.UniversalClient, so a single node, Sentinel and Cluster
// all work. Only programs that import this package link go-redis.
//
// With Redis Cluster, give the queue a name with a hash tag, e.g.
// "{acme:usage}": its keys are the name plus suffixes, and its scripts need
// them in one slot (NewQueue refuses a name without one on a Cluster
// client). After an error that a failover can cause (a node unreachable,
// CLUSTERDOWN, ...) the package makes the ClusterClient re-read its slot
// map, so that the replica that took over is used within moments rather
// than after go-redis's ClusterStateReloadInterval (60 s unless set).
package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kelviq/kelviq-go/entitlements"
)

// epochField holds a customer's epoch in its hash. Lookup fields start
// with "*" or "f:", so it cannot collide with one.
const epochField = "#epoch"

// epochKeep is how long a customer's epoch outlives an Invalidate: a
// result fetched before it and stored later than this could slip in.
const epochKeep = 10 * time.Minute

var errNoClient = errors.New("redisstore: redis client is nil")

// Cache is an entitlements.Store on Redis: one hash per customer, holding
// each of the customer's cached results and an epoch that Invalidate
// changes, plus short lock keys. Create it with NewCache; it is safe for
// concurrent use.
type Cache struct {
	rdb    redis.UniversalClient
	prefix string
}

var _ entitlements.Store = (*Cache)(nil)

// CacheOption configures a Cache.
type CacheOption func(*Cache)

// WithPrefix starts every key of the Cache with prefix (default
// "kelviq:"), e.g. one per organization and environment when several share
// a Redis.
func WithPrefix(prefix string) CacheOption {
	return func(c *Cache) { c.prefix = prefix }
}

// NewCache returns a Cache on rdb.
func NewCache(rdb redis.UniversalClient, opts ...CacheOption) *Cache {
	c := &Cache{rdb: rdb, prefix: "kelviq:"}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	return c
}

func (c *Cache) key(customerID string) string { return c.prefix + "ent:" + customerID }

func (c *Cache) lockKey(customerID, field string) string {
	return c.prefix + "entlock:" + strconv.Itoa(len(customerID)) + ":" + customerID + ":" + field
}

// Get returns the customer's value for field, or nil, and the customer's
// epoch.
func (c *Cache) Get(ctx context.Context, customerID, field string) ([]byte, string, error) {
	if c.rdb == nil {
		return nil, "", errNoClient
	}
	vals, err := c.rdb.HMGet(ctx, c.key(customerID), field, epochField).Result()
	if err != nil {
		noteErr(c.rdb, err)
		return nil, "", err
	}
	var value []byte
	var epoch string
	if s, ok := vals[0].(string); ok {
		value = []byte(s)
	}
	if s, ok := vals[1].(string); ok {
		epoch = s
	}
	return value, epoch, nil
}

var setScript = redis.NewScript(`
local e = redis.call('HGET', KEYS[1], '#epoch') or ''
if e ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
local keep = tonumber(ARGV[4])
if redis.call('PTTL', KEYS[1]) < keep then redis.call('PEXPIRE', KEYS[1], keep) end
return 1
`)

// Set keeps value for the customer's field unless the customer's epoch is no
// longer epoch. The customer's hash lives at least keep after each Set.
func (c *Cache) Set(ctx context.Context, customerID, field string, value []byte, epoch string, keep time.Duration) error {
	if c.rdb == nil {
		return errNoClient
	}
	ms := max(keep.Milliseconds(), 1)
	err := setScript.Run(ctx, c.rdb, []string{c.key(customerID)}, epoch, field, value, ms).Err()
	noteErr(c.rdb, err)
	return err
}

var invalidateScript = redis.NewScript(`
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], '#epoch', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`)

// Invalidate drops the customer's values and gives it a new epoch, so that
// a result fetched before is not stored after, then tells the Checkers of
// other processes (see Subscribe).
func (c *Cache) Invalidate(ctx context.Context, customerID string) error {
	if c.rdb == nil {
		return errNoClient
	}
	if err := invalidateScript.Run(ctx, c.rdb, []string{c.key(customerID)}, token(), epochKeep.Milliseconds()).Err(); err != nil {
		noteErr(c.rdb, err)
		return err
	}
	err := c.rdb.Publish(ctx, c.channel(), customerID).Err()
	noteErr(c.rdb, err)
	return err
}

func (c *Cache) channel() string { return c.prefix + "ent:invalidated" }

var _ entitlements.Notifier = (*Cache)(nil)

// Subscribe calls invalidated with the customer ID of every Invalidate made
// on this Redis with the same prefix, until ctx ends (it then returns nil).
// go-redis subscribes again by itself after a lost connection; what is
// published meanwhile is missed.
func (c *Cache) Subscribe(ctx context.Context, invalidated func(customerID string)) error {
	if c.rdb == nil {
		return errNoClient
	}
	ps := c.rdb.Subscribe(ctx, c.channel())
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil { // the confirmation
		if ctx.Err() != nil {
			return nil
		}
		noteErr(c.rdb, err)
		return err
	}
	ch := ps.Channel()
	for {
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-ch:
			if !ok {
				return errors.New("redisstore: subscription closed")
			}
			invalidated(m.Payload)
		}
	}
}

var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// lockScript takes the lock KEYS[1] with the token ARGV[1] for ARGV[2] ms
// if it is free, or held by something that is not one of ours: a key that
// never expires or lives longer than any of our locks (another writer's,
// or garbage) is not trusted to mean that someone is asking the API.
var lockScript = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 1 end
local left = redis.call('PTTL', KEYS[1])
if left == -1 or left > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`)

// Lock takes the customer's lock for field for ttl, or returns
// entitlements.ErrLocked.
func (c *Cache) Lock(ctx context.Context, customerID, field string, ttl time.Duration) (func(context.Context) error, error) {
	if c.rdb == nil {
		return nil, errNoClient
	}
	key, tok := c.lockKey(customerID, field), token()
	n, err := lockScript.Run(ctx, c.rdb, []string{key}, tok, max(ttl.Milliseconds(), 1)).Int()
	if err != nil {
		noteErr(c.rdb, err)
		return nil, err
	}
	if n != 1 {
		return nil, entitlements.ErrLocked
	}
	return func(ctx context.Context) error {
		return unlockScript.Run(ctx, c.rdb, []string{key}, tok).Err()
	}, nil
}

// token returns a random string unique enough to tell holders apart.
func token() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
