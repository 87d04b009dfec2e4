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
// taken on, and whether each is still being processed or done, so that a
// delivery replayed while its timestamp is still within the tolerance is
// not processed twice, nor acknowledged as "done" while its first copy may still
// fail. Implementations must be safe for concurrent use; a shared store
// (e.g. Redis) protects a fleet of handlers, [NewMemoryReplayStore] one
// process.
type ReplayStore interface {
	// Claim records id as being processed until expires, unless the store
	// holds it already and it has not expired, and reports what it found:
	// [ReplayNew] when this call recorded the claim, else [ReplayInFlight]
	// or [ReplayDone]. It must be atomic: of concurrent calls with the
	// same id, at most one reports ReplayNew.
	Claim(ctx context.Context, id string, expires time.Time) (ReplayState, error)
	// Done records that the delivery with id was processed, and keeps it
	// until expires.
	Done(ctx context.Context, id string, expires time.Time) error
	// Forget removes id, so that a delivery whose processing failed can
	// be retried by kelviq.
	Forget(ctx context.Context, id string) error
}

// ReplayState is what a [ReplayStore] holds for a webhook-id.
type ReplayState int

const (
	// ReplayNew: the id was not held (or had expired); the caller's Claim
	// now holds it, and the caller processes the delivery.
	ReplayNew ReplayState = iota
	// ReplayInFlight: another copy of the delivery is being processed.
	ReplayInFlight
	// ReplayDone: the delivery was processed.
	ReplayDone
)

// String returns "new", "in flight" or "done".
func (s ReplayState) String() string {
	switch s {
	case ReplayNew:
		return "new"
	case ReplayInFlight:
		return "in flight"
	case ReplayDone:
		return "done"
	}
	return fmt.Sprintf("ReplayState(%d)", int(s))
}

// DefaultReplayCapacity is the number of ids [NewMemoryReplayStore] keeps
// when given a capacity that is not positive.
const DefaultReplayCapacity = 10000

// WithReplayGuard makes the [Handler] claim each verified delivery's
// webhook-id in store before calling the callback, until the delivery's
// timestamp leaves the tolerance window (a replay after that fails
// verification anyway). A copy of a delivery that arrives
//
//   - while another copy is being processed gets 409 Conflict with
//     Retry-After, without calling the callback: it is not a 2xx, so kelviq
//     retries it, and the retry is processed if the first copy fails;
//   - after a copy was processed gets 204 No Content without
//     calling the callback: a 2xx stops kelviq from retrying it.
//
// When the callback fails or panics, the id is forgotten so that kelviq's
// retry is processed. When the store fails, the delivery gets 503
// and not processed. A claim whose process died while processing lasts
// until the window ends; copies meanwhile get 409. The guard is
// off by default. [Verify] ignores this option.
func WithReplayGuard(store ReplayStore) Option {
	return func(c *config) {
		if store == nil {
			c.fail("WithReplayGuard", "requires a non-nil store")
			return
		}
		c.replay = store
	}
}

// ReplayRetryAfter is the Retry-After, in seconds, of the 409 response to a
// copy of a delivery that is still being processed.
const ReplayRetryAfter = 5

// NewMemoryReplayStore returns an in-process [ReplayStore] that holds at
// most capacity ids ([DefaultReplayCapacity] when capacity is not
// positive). Expired ids are dropped first; when every id is still live,
// the one that expires soonest is dropped, so size it for the deliveries
// expected within the tolerance window.
func NewMemoryReplayStore(capacity int) ReplayStore {
	if capacity <= 0 {
		capacity = DefaultReplayCapacity
	}
	return &memoryReplayStore{cap: capacity, ids: make(map[string]replayEntry), now: time.Now}
}

type memoryReplayStore struct {
	mu    sync.Mutex
	cap   int
	ids   map[string]replayEntry
	order []string // insertion order, for eviction
	now   func() time.Time
}

// replayEntry is what the memory store holds for an id.
type replayEntry struct {
	expires time.Time
	done    bool
}

func (s *memoryReplayStore) Claim(_ context.Context, id string, expires time.Time) (ReplayState, error) {
	if id == "" {
		return ReplayNew, errors.New("webhook: empty webhook-id")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if e, ok := s.ids[id]; ok {
		if now.Before(e.expires) {
			if e.done {
				return ReplayDone, nil
			}
			return ReplayInFlight, nil
		}
		s.remove(id) // expired: claimed anew below, once
	}
	for len(s.ids) >= s.cap && len(s.order) > 0 {
		s.evictOne(now)
	}
	s.ids[id] = replayEntry{expires: expires}
	s.order = append(s.order, id)
	return ReplayNew, nil
}

func (s *memoryReplayStore) Done(_ context.Context, id string, expires time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.ids[id]; !ok {
		for len(s.ids) >= s.cap && len(s.order) > 0 {
			s.evictOne(s.now())
		}
		s.order = append(s.order, id)
	}
	s.ids[id] = replayEntry{expires: expires, done: true}
	return nil
}

// evictOne drops the entry that expires soonest (an expired one at once),
// compacting the queue.
func (s *memoryReplayStore) evictOne(now time.Time) {
	victim := 0
	for i, id := range s.order {
		e, ok := s.ids[id]
		if !ok || !now.Before(e.expires) {
			victim = i
			break
		}
		if i == 0 || e.expires.Before(s.ids[s.order[victim]].expires) {
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

// guard applies the replay guard around fn. It returns the status to
// respond with, without fn's result (409 in flight, 204 done, 503 store down),
// or 0 and fn's error. The claim is forgotten when fn fails or panics.
func (h *Handler) guard(ctx context.Context, e Event, fn func() error) (status int, err error) {
	if h.cfg.replay == nil {
		return 0, fn()
	}
	// The id matters until the timestamp leaves the tolerance window by
	// the handler's clock; stores count on the wall clock.
	left := e.Timestamp.Add(h.cfg.tolerance + time.Second).Sub(h.cfg.now())
	expires := time.Now().Add(left)
	state, err := h.cfg.replay.Claim(ctx, e.ID, expires)
	switch {
	case err != nil:
		return 503, fmt.Errorf("replay store: %w", err)
	case state == ReplayDone:
		return 204, nil
	case state == ReplayInFlight:
		return 409, nil
	}
	finished := false
	defer func() {
		if !finished { // fn panicked: let kelviq's retry be processed
			_ = h.cfg.replay.Forget(context.WithoutCancel(ctx), e.ID)
		}
	}()
	err = fn()
	finished = true
	if err != nil {
		_ = h.cfg.replay.Forget(context.WithoutCancel(ctx), e.ID)
		return 0, err
	}
	// Processed. Should Done fail, the claim stays in flight until it
	// expires: copies get 409, never processed twice.
	_ = h.cfg.replay.Done(context.WithoutCancel(ctx), e.ID, expires)
	return 0, nil
}
