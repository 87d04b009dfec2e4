package webhook

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// ReplayStore remembers the webhook-ids of deliveries a [Handler] has
// accepted, so that a delivery replayed while its timestamp is still
// within the tolerance is not processed twice. Implementations must be
// safe for concurrent use; a shared store (e.g. Redis) protects a fleet of
// handlers, [NewMemoryReplayStore] one process.
type ReplayStore interface {
	// Remember records id until expires and reports whether it was
	// already recorded and not yet expired. It must be atomic: of two
	// concurrent calls with the same id, at most one reports false.
	Remember(ctx context.Context, id string, expires time.Time) (seen bool, err error)
	// Forget removes id, so that a delivery whose processing failed can
	// be retried by kelviq.
	Forget(ctx context.Context, id string) error
}

// DefaultReplayCapacity is the number of ids [NewMemoryReplayStore] keeps
// when given a capacity that is not positive.
const DefaultReplayCapacity = 10000

// WithReplayGuard makes the [Handler] remember each accepted delivery's
// webhook-id in store until its timestamp leaves the tolerance window (a
// replay after that fails verification anyway). A delivery whose id is
// remembered is answered 204 No Content without calling the callback: it
// was processed already, and a 2xx stops kelviq from retrying it. When the
// callback fails, the id is forgotten so that kelviq's retry is processed.
// When the store fails, the delivery is answered 503 and not processed.
// The guard is off by default. [Verify] ignores this option.
func WithReplayGuard(store ReplayStore) Option {
	return func(c *config) {
		if store == nil {
			c.fail("WithReplayGuard", "requires a non-nil store")
			return
		}
		c.replay = store
	}
}

// NewMemoryReplayStore returns an in-process [ReplayStore] that holds at
// most capacity ids ([DefaultReplayCapacity] when capacity is not
// positive). Expired ids are dropped first; when every id is still live,
// the one that expires soonest is dropped, so size it for the deliveries
// expected within the tolerance window.
func NewMemoryReplayStore(capacity int) ReplayStore {
	if capacity <= 0 {
		capacity = DefaultReplayCapacity
	}
	return &memoryReplayStore{cap: capacity, ids: make(map[string]time.Time), now: time.Now}
}

type memoryReplayStore struct {
	mu    sync.Mutex
	cap   int
	ids   map[string]time.Time
	order []string // insertion order, for eviction
	now   func() time.Time
}

func (s *memoryReplayStore) Remember(_ context.Context, id string, expires time.Time) (bool, error) {
	if id == "" {
		return false, errors.New("webhook: empty webhook-id")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if exp, ok := s.ids[id]; ok {
		if now.Before(exp) {
			return true, nil
		}
		s.remove(id) // expired: remembered anew below, once
	}
	for len(s.ids) >= s.cap && len(s.order) > 0 {
		s.evictOne(now)
	}
	s.ids[id] = expires
	s.order = append(s.order, id)
	return false, nil
}

// evictOne drops the oldest entry (expired ones first in practice, as
// deliveries arrive in roughly timestamp order), compacting the queue.
func (s *memoryReplayStore) evictOne(now time.Time) {
	victim := 0
	for i, id := range s.order {
		if exp, ok := s.ids[id]; !ok || !now.Before(exp) {
			victim = i
			break
		}
		if i == 0 || s.ids[id].Before(s.ids[s.order[victim]]) {
			victim = i
		}
	}
	delete(s.ids, s.order[victim])
	s.order = append(s.order[:victim], s.order[victim+1:]...)
}

func (s *memoryReplayStore) Forget(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.remove(id)
	return nil
}

// remove drops id from the map and the eviction order.
func (s *memoryReplayStore) remove(id string) {
	delete(s.ids, id)
	if i := slices.Index(s.order, id); i >= 0 {
		s.order = slices.Delete(s.order, i, i+1)
	}
}

// guard applies the replay guard around fn.
func (h *Handler) guard(ctx context.Context, e Event, fn func() error) (status int, err error) {
	if h.cfg.replay == nil {
		return 0, fn()
	}
	// The id matters until the timestamp leaves the tolerance window by
	// the handler's clock; stores count on the wall clock.
	left := e.Timestamp.Add(h.cfg.tolerance + time.Second).Sub(h.cfg.now())
	seen, err := h.cfg.replay.Remember(ctx, e.ID, time.Now().Add(left))
	if err != nil {
		return 503, fmt.Errorf("replay store: %w", err)
	}
	if seen {
		return 204, nil
	}
	if err := fn(); err != nil {
		_ = h.cfg.replay.Forget(context.WithoutCancel(ctx), e.ID)
		return 0, err
	}
	return 0, nil
}
