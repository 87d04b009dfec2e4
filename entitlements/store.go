package entitlements

import (
	"container/list"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// ErrLocked is returned by Store.Lock when another holder has the lock.
var ErrLocked = errors.New("kelviq: entitlements: lock is held elsewhere")

// Store is a cache shared by Checkers, e.g. of every instance of a service
// (redisstore.Cache is one on Redis). It holds opaque values, encoded and
// checked by the Checker, under a customer ID and a field naming the lookup
// within that customer. It must be safe for concurrent use, and it should
// honour ctx's deadline (the Checker stops waiting for it after
// WithStoreTimeout either way).
//
// A Store shared by Checkers of several organizations or environments must
// keep them apart itself, e.g. with a key prefix per organization.
type Store interface {
	// Get returns the value last Set for the customer's field, or nil, and
	// an epoch token to pass to Set. The epoch changes when the customer is
	// invalidated.
	Get(ctx context.Context, customerID, field string) (value []byte, epoch string, err error)
	// Set keeps value for the customer's field for at least keep, unless
	// the customer was invalidated since the Get that returned epoch; then
	// it does nothing.
	Set(ctx context.Context, customerID, field string, value []byte, epoch string, keep time.Duration) error
	// Invalidate drops every value of the customer.
	Invalidate(ctx context.Context, customerID string) error
	// Lock takes a lock on the customer's field that expires after ttl,
	// or returns ErrLocked when another holder has it. release drops the
	// lock if it is still this holder's.
	Lock(ctx context.Context, customerID, field string, ttl time.Duration) (release func(context.Context) error, err error)
}

// Notifier is implemented by a Store that can tell a Checker about
// Invalidate calls made by other Checkers on the same store (redisstore's
// Cache does, with Redis pub/sub), so that their in-process results are
// dropped at once rather than within the local TTL.
type Notifier interface {
	// Subscribe calls invalidated with the customer ID of each Invalidate
	// made through the store anywhere, until ctx ends. It returns when
	// ctx ends, or with an error when it cannot subscribe at all. Messages
	// missed while the store is unreachable are lost; the local TTL bounds
	// what that costs.
	Subscribe(ctx context.Context, invalidated func(customerID string)) error
}

// formatVersion is the version of the encoding of values in a Store. A
// value of another version is ignored.
const formatVersion = 1

type wireResult struct {
	V  int            `json:"v"`
	At int64          `json:"at"` // Unix nanoseconds
	E  []wireEntitled `json:"e"`
}

type wireEntitled struct {
	ID    string `json:"id"`
	Type  string `json:"t,omitempty"`
	Has   bool   `json:"a,omitempty"`
	Lim   bool   `json:"l,omitempty"`
	Limit int    `json:"ul,omitempty"`
	Used  int    `json:"cu,omitempty"`
	Left  int    `json:"r,omitempty"`
	Hard  bool   `json:"h,omitempty"`
	Reset string `json:"ra,omitempty"`
}

func encodeResult(v result) []byte {
	w := wireResult{V: formatVersion, At: v.FetchedAt.UnixNano(), E: make([]wireEntitled, len(v.Entitlements))}
	for i, e := range v.Entitlements {
		w.E[i] = wireEntitled{e.FeatureID, e.FeatureType, e.HasAccess, e.Limited, e.UsageLimit, e.CurrentUsage, e.Remaining, e.HardLimit, e.ResetAt}
	}
	b, _ := json.Marshal(w) // plain values: cannot fail
	return b
}

// decodeResult decodes a Store value; anything that is not exactly a value
// of this format version is an error.
// maxStoredResult bounds a value decoded from a Store: a result lists a
// customer's features, far less than this; a larger value is not one.
const maxStoredResult = 1 << 20

func decodeResult(b []byte) (result, error) {
	if len(b) > maxStoredResult {
		return result{}, fmt.Errorf("stored value is %d bytes, more than a result can be (%d)", len(b), maxStoredResult)
	}
	var w struct {
		V  *int            `json:"v"`
		At *int64          `json:"at"`
		E  *[]wireEntitled `json:"e"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return result{}, fmt.Errorf("stored result does not decode: %w", err)
	}
	switch {
	case w.V == nil || w.At == nil || w.E == nil:
		return result{}, errors.New("stored value is not an entitlements result")
	case *w.V != formatVersion:
		return result{}, fmt.Errorf("stored result has format version %d, want %d", *w.V, formatVersion)
	case *w.At <= 0:
		return result{}, errors.New("stored result has no fetch time")
	}
	v := result{FetchedAt: time.Unix(0, *w.At), Entitlements: make([]Entitlement, len(*w.E))}
	for i, e := range *w.E {
		if e.ID == "" {
			return result{}, errors.New("stored result has an entitlement without a feature ID")
		}
		v.Entitlements[i] = Entitlement{e.ID, e.Type, e.Has, e.Lim, e.Limit, e.Used, e.Left, e.Hard, e.Reset}
	}
	return v, nil
}

// flightGroup collapses concurrent calls with the same key into one. The
// call runs detached from every caller's context (context.WithoutCancel of
// the first caller's), and each caller waits on its own context.
type flightGroup struct {
	mu    sync.Mutex
	calls map[string]*flightCall
}

type flightCall struct {
	done    chan struct{}
	waiters int // callers that joined, the first included; guarded by flightGroup.mu
	val     result
	err     error
}

func (g *flightGroup) do(ctx context.Context, key string, fn func(context.Context) (result, error)) (result, error) {
	g.mu.Lock()
	c, ok := g.calls[key]
	if !ok {
		if g.calls == nil {
			g.calls = map[string]*flightCall{}
		}
		c = &flightCall{done: make(chan struct{})}
		g.calls[key] = c
		go g.run(context.WithoutCancel(ctx), key, c, fn)
	}
	c.waiters++
	g.mu.Unlock()
	select {
	case <-c.done:
		return c.val, c.err
	case <-ctx.Done():
		return result{}, ctx.Err()
	}
}

func (g *flightGroup) run(ctx context.Context, key string, c *flightCall, fn func(context.Context) (result, error)) {
	defer func() {
		if r := recover(); r != nil {
			c.err = fmt.Errorf("kelviq: entitlements lookup panicked: %v", r)
		}
		g.mu.Lock()
		delete(g.calls, key)
		g.mu.Unlock()
		close(c.done)
	}()
	c.val, c.err = fn(ctx)
}

// waiting returns how many callers share the call in flight for key (for
// tests).
func (g *flightGroup) waiting(key string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c, ok := g.calls[key]; ok {
		return c.waiters
	}
	return 0
}

// memoryStore is the in-process layer: a map bounded to max entries, in the
// order they were set, dropping from the oldest end those past keep and then
// those beyond max. Keys are localKey values.
type memoryStore struct {
	mu    sync.Mutex
	max   int
	keep  time.Duration
	now   func() time.Time
	order *list.List // of *memoryEntry, least recently set first
	items map[string]*list.Element
	byCus map[string]map[string]struct{} // customer ID -> keys
}

type memoryEntry struct {
	key, customer string
	v             result
}

func newMemoryStore(max int, keep time.Duration, now func() time.Time) *memoryStore {
	return &memoryStore{max: max, keep: keep, now: now, order: list.New(),
		items: map[string]*list.Element{}, byCus: map[string]map[string]struct{}{}}
}

func (s *memoryStore) get(key string) (result, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.items[key]
	if !ok {
		return result{}, false
	}
	return el.Value.(*memoryEntry).v, true
}

func (s *memoryStore) set(key string, v result) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.items[key]; ok {
		el.Value.(*memoryEntry).v = v
		s.order.MoveToBack(el)
	} else {
		customer, _, _ := strings.Cut(key, "\x00")
		s.items[key] = s.order.PushBack(&memoryEntry{key: key, customer: customer, v: v})
		keys := s.byCus[customer]
		if keys == nil {
			keys = map[string]struct{}{}
			s.byCus[customer] = keys
		}
		keys[key] = struct{}{}
	}
	for el := s.order.Front(); el != nil; el = s.order.Front() {
		e := el.Value.(*memoryEntry)
		if s.order.Len() <= s.max && now.Sub(e.v.FetchedAt) < s.keep {
			break
		}
		s.remove(el)
	}
}

func (s *memoryStore) remove(el *list.Element) {
	e := el.Value.(*memoryEntry)
	s.order.Remove(el)
	delete(s.items, e.key)
	if keys := s.byCus[e.customer]; keys != nil {
		delete(keys, e.key)
		if len(keys) == 0 {
			delete(s.byCus, e.customer)
		}
	}
}

// dropCustomer removes every entry of the customer.
func (s *memoryStore) dropCustomer(customerID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for key := range s.byCus[customerID] {
		s.remove(s.items[key])
	}
}

func (s *memoryStore) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.order.Len()
}
