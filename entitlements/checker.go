// Package entitlements reports whether a customer may use a feature, with a
// cache in front of the API's GET /entitlements/.
//
// A Checker keeps results in process and, optionally, in a Store shared by
// every instance of a service (see the redisstore package for one on Redis):
// a result fetched by one instance then serves all of them until its TTL,
// and concurrent misses for the same result across processes send about one
// request, because the first one takes a short lock in the store and the
// others wait for its result. Invalidate drops a customer's results
// everywhere.
//
// The shared store is a cache, never a dependency: when it is slow or down,
// HasAccess serves results from the in-process layer and the API, never with the
// store's error, and WithOnStoreError reports the failure.
package entitlements

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/check"
	"github.com/kelviq/kelviq-go/wrapper"
)

// Defaults of a Checker.
const (
	// DefaultCacheTTL is how long a looked-up entitlement is reused, as in
	// kelviq's official SDKs.
	DefaultCacheTTL = 60 * time.Second
	// DefaultLocalTTL is how long a result taken from a shared Store is
	// reused in process before the Store is asked again. It bounds how long
	// another process's Invalidate can go unnoticed here.
	DefaultLocalTTL = time.Second
	// DefaultMaxEntries bounds the in-process layer.
	DefaultMaxEntries = 10000
	// DefaultFetchTimeout bounds one shared request to the API.
	DefaultFetchTimeout = 30 * time.Second
	// DefaultStoreTimeout bounds each call to a shared Store.
	DefaultStoreTimeout = 100 * time.Millisecond
	// DefaultLockTTL is how long the lock a process takes before asking the
	// API lives, and so the longest other processes wait for its result.
	DefaultLockTTL = 5 * time.Second
)

// Entitlement is a customer's access to, and usage of, one feature, as
// GET /entitlements/ reports it. It holds only values, so a copy shares
// nothing with the cache.
type Entitlement struct {
	// FeatureID is the feature's identifier, e.g. "team-seats".
	FeatureID string
	// FeatureType is the API's type for the feature, e.g. "METER".
	FeatureType string
	// HasAccess reports whether the customer may use the feature.
	HasAccess bool
	// Limited reports whether the API gave a usage limit; UsageLimit and
	// Remaining mean something only when it is true.
	Limited bool
	// UsageLimit is the most the customer may use (0 when none is given).
	UsageLimit int
	// CurrentUsage is what the customer has used (0 when none is given).
	CurrentUsage int
	// Remaining is what is left of UsageLimit (0 when none is given).
	Remaining int
	// HardLimit reports whether use beyond UsageLimit is refused (false
	// when the API does not say).
	HardLimit bool
	// ResetAt is when usage resets, exactly as the API sends it (empty when
	// none is given).
	ResetAt string
}

func fromAPI(d *api.EntitlementDetail) Entitlement {
	var e Entitlement
	if d.FeatureId != nil {
		e.FeatureID = *d.FeatureId
	}
	if d.FeatureType != nil {
		e.FeatureType = *d.FeatureType
	}
	if d.HasAccess != nil {
		e.HasAccess = *d.HasAccess
	}
	if d.ResetAt != nil {
		e.ResetAt = *d.ResetAt
	}
	if d.UsageLimit != nil {
		e.Limited, e.UsageLimit = true, int(*d.UsageLimit)
	}
	if d.CurrentUsage != nil {
		e.CurrentUsage = int(*d.CurrentUsage)
	}
	if d.Remaining != nil {
		e.Remaining = int(*d.Remaining)
	}
	if d.HardLimit != nil {
		e.HardLimit = *d.HardLimit
	}
	return e
}

// result is one cached result: the entitlements it listed and when the
// request for it was sent.
type result struct {
	// Entitlements are the entitlements in the result. For a one-feature
	// lookup it holds only that feature's (none when the customer has no
	// entitlement for it).
	Entitlements []Entitlement
	// FetchedAt is when the request that produced the result was sent, by
	// the clock of the Checker that sent it.
	FetchedAt time.Time
	// taken is when this process took the result: FetchedAt for one it
	// fetched, the moment it read it for one from the shared Store. The
	// local TTL runs from it (not kept in the Store).
	taken time.Time
}

// Option configures a Checker in NewChecker.
type Option func(*settings) error

type settings struct {
	ttl, stale, timeout    time.Duration
	localTTL, storeTimeout time.Duration
	lockTTL, lockPoll      time.Duration
	maxEntries             int
	store                  Store
	now                    func() time.Time
	onStale                func(customerID, featureID string, age time.Duration, err error)
	onStoreError           func(op string, err error)
}

// WithCacheTTL sets how long a result is reused without asking the API
// (default DefaultCacheTTL, 60 s). 0 disables the cache: every call that is
// not collapsed into a concurrent identical one sends a request.
func WithCacheTTL(d time.Duration) Option {
	return check.Option("entitlements.WithCacheTTL", d < 0, fmt.Sprintf("%v is negative", d), func(s *settings) { s.ttl = d })
}

// WithStaleWindow lets a lookup that fails with a network error or a 5xx
// response (errors.Is(err, wrapper.ErrServer)) return the last known result
// instead, provided it is younger than the cache TTL plus d. The default, 0,
// never serves a stale result. Other errors (401, 403, 404, 429, invalid
// input, a missing key, a response that does not decode, the caller's own
// context) are always returned. The fallback applies to the error the client
// returns once its own retries (see wrapper.WithMaxRetries) are spent.
func WithStaleWindow(d time.Duration) Option {
	return check.Option("entitlements.WithStaleWindow", d < 0, fmt.Sprintf("%v is negative", d), func(s *settings) { s.stale = d })
}

// WithStore shares results through store (e.g. redisstore.NewCache) with
// every Checker using the same store, in front of the in-process layer.
func WithStore(store Store) Option {
	return check.Option("entitlements.WithStore", store == nil, "store is nil", func(s *settings) { s.store = store })
}

// WithLocalTTL sets how long a result is reused in process before a
// shared Store is asked again (default DefaultLocalTTL, 1 s; at most the
// cache TTL). 0 asks the Store on every call. Without a Store, the
// in-process layer uses the cache TTL and this option changes nothing.
// While the Store fails, in-process results are reused up to the cache TTL.
func WithLocalTTL(d time.Duration) Option {
	return check.Option("entitlements.WithLocalTTL", d < 0, fmt.Sprintf("%v is negative", d), func(s *settings) { s.localTTL = d })
}

// WithStoreTimeout bounds each call to the shared Store (default
// DefaultStoreTimeout, 100 ms). A call that takes longer counts as a Store
// failure: the lookup goes on without it.
func WithStoreTimeout(d time.Duration) Option {
	return check.Option("entitlements.WithStoreTimeout", d <= 0, fmt.Sprintf("%v is not positive", d), func(s *settings) { s.storeTimeout = d })
}

// WithLockTTL sets how long the short lock taken in the shared Store before
// asking the API lives (default DefaultLockTTL, 5 s). Other processes that
// miss the same result wait for it at most this long, then ask the API
// themselves.
func WithLockTTL(d time.Duration) Option {
	return check.Option("entitlements.WithLockTTL", d <= 0, fmt.Sprintf("%v is not positive", d), func(s *settings) { s.lockTTL = d })
}

// WithMaxEntries bounds the in-process layer (default DefaultMaxEntries).
// Beyond it, expired results and then the oldest ones are dropped.
func WithMaxEntries(n int) Option {
	return check.Option("entitlements.WithMaxEntries", n <= 0, fmt.Sprintf("%d is not a positive number of entries", n), func(s *settings) { s.maxEntries = n })
}

// WithClock replaces time.Now, e.g. with a fake clock in tests. now must be
// safe for concurrent use.
func WithClock(now func() time.Time) Option {
	return check.Option("entitlements.WithClock", now == nil, "clock is nil", func(s *settings) { s.now = now })
}

// WithFetchTimeout bounds each request the checker sends (default
// DefaultFetchTimeout, 30 s; 0 leaves only the HTTP client's own limits). A
// request is shared by every concurrent caller of the same lookup and is not
// cancelled by any one caller's context, so this is what ends a request that
// never gets a response.
func WithFetchTimeout(d time.Duration) Option {
	return check.Option("entitlements.WithFetchTimeout", d < 0, fmt.Sprintf("%v is negative", d), func(s *settings) { s.timeout = d })
}

// WithOnStale calls f, in the caller's goroutine, each time a stale result
// is served in place of err (see WithStaleWindow); age is the result's age.
// featureID is empty for Entitlements. err carries no credential.
func WithOnStale(f func(customerID, featureID string, age time.Duration, err error)) Option {
	return check.Option("entitlements.WithOnStale", f == nil, "func is nil", func(s *settings) { s.onStale = f })
}

// WithOnStoreError calls f each time the shared Store fails or holds a value
// that is not a valid result (which is then ignored); op is "get", "set",
// "lock", "unlock", "subscribe" or "invalidate" (the last only from
// Invalidate, which also returns the error), or "decode" for a value that
// is corrupt, of another format version or foreign. The lookup goes on without the Store.
// f may be called from a background goroutine and must be safe for
// concurrent use.
func WithOnStoreError(f func(op string, err error)) Option {
	return check.Option("entitlements.WithOnStoreError", f == nil, "func is nil", func(s *settings) { s.onStoreError = f })
}

// Checker reports whether a customer may use a feature, with a cache in
// front of GET /entitlements/ (sent to the edge host with the client's
// server key). Concurrent identical lookups in one process share one
// request; with a shared Store, concurrent misses across processes share
// about one. It is safe for concurrent use; create it with NewChecker, keep
// it for the life of the Client, and Close it when done.
//
// Lookups of one feature and lookups of all of a customer's features are
// cached separately. A shared request runs with the values (not the
// cancellation or deadline) of the context of the caller that started it,
// bounded by WithFetchTimeout; a caller that gives up leaves it running, and
// its result is still cached.
type Checker struct {
	client       *wrapper.Client
	ttl          time.Duration
	localTTL     time.Duration
	stale        time.Duration
	timeout      time.Duration
	storeTimeout time.Duration
	lockTTL      time.Duration
	lockPoll     time.Duration
	local        *memoryStore // nil when nothing is kept
	shared       Store        // nil without WithStore
	now          func() time.Time
	onStale      func(customerID, featureID string, age time.Duration, err error)
	onStoreError func(op string, err error)
	flight       flightGroup
	// invalidations counts Invalidate calls; a result fetched across one
	// is not kept in process.
	invalidations atomic.Uint64
	// stopWatch ends the subscription to a Notifier store; watching is
	// closed when it has ended.
	stopWatch context.CancelFunc
	watching  chan struct{}
}

// NewChecker returns a Checker that looks entitlements up with c, which
// needs a server key. An invalid option is an error naming the option. With
// a Store that is a Notifier, the Checker listens for invalidations made
// elsewhere in a goroutine (and, for redisstore, a Redis connection) until
// Close.
func NewChecker(c *wrapper.Client, opts ...Option) (*Checker, error) {
	if c == nil {
		return nil, errors.New("kelviq: entitlements.NewChecker: client is nil")
	}
	s := settings{ttl: DefaultCacheTTL, timeout: DefaultFetchTimeout, maxEntries: DefaultMaxEntries,
		localTTL: DefaultLocalTTL, storeTimeout: DefaultStoreTimeout, lockTTL: DefaultLockTTL,
		lockPoll: 10 * time.Millisecond, now: time.Now}
	if err := check.Apply(&s, opts); err != nil {
		return nil, err
	}
	a := &Checker{client: c, ttl: s.ttl, stale: s.stale, timeout: s.timeout, storeTimeout: s.storeTimeout,
		lockTTL: s.lockTTL, lockPoll: s.lockPoll, now: s.now, onStale: s.onStale, onStoreError: s.onStoreError}
	a.localTTL = s.ttl
	if s.store != nil {
		a.localTTL = min(s.localTTL, s.ttl)
		if s.ttl > 0 {
			a.shared = s.store
		}
	}
	if s.ttl > 0 || s.stale > 0 {
		a.local = newMemoryStore(s.maxEntries, s.ttl+s.stale, s.now)
	}
	if n, ok := a.shared.(Notifier); ok && a.local != nil {
		var ctx context.Context
		ctx, a.stopWatch = context.WithCancel(context.Background())
		a.watching = make(chan struct{})
		go a.watch(ctx, n)
	}
	return a, nil
}

// watch drops in-process results of customers invalidated elsewhere, and
// subscribes again after a failure, until ctx ends.
func (a *Checker) watch(ctx context.Context, n Notifier) {
	defer close(a.watching)
	wait := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := n.Subscribe(ctx, func(customerID string) {
			a.invalidations.Add(1)
			a.local.dropCustomer(customerID)
		})
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			a.storeFailed("subscribe", err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(2*wait, 10*time.Second)
	}
}

// Close stops the Checker's subscription to invalidations made by other
// processes (see Notifier), if it has one; lookups keep working. Call it
// when the Checker is no longer needed, so that its goroutine ends.
func (a *Checker) Close() error {
	if a.stopWatch != nil {
		a.stopWatch()
		<-a.watching
	}
	return nil
}

// HasAccess reports whether the customer (your ID of them) may use the
// feature (its identifier). A feature the API lists no entitlement for,
// e.g. one that is not in the customer's plan, is false with a nil error;
// an unknown customer is whatever error the API gives (typically a
// *wrapper.APIError matching wrapper.ErrNotFound). Empty or malformed IDs
// are a *wrapper.ValidationError, returned before anything is sent. A
// failure of the shared Store is never returned.
func (a *Checker) HasAccess(ctx context.Context, customerID, featureID string) (bool, error) {
	e, err := a.Entitlement(ctx, customerID, featureID)
	if err != nil {
		return false, err
	}
	return e.HasAccess, nil
}

// Entitlement returns the customer's entitlement for one feature. For a
// feature the API lists no entitlement for it returns an Entitlement with
// only FeatureID set (HasAccess false) and a nil error. Errors are as for
// HasAccess.
func (a *Checker) Entitlement(ctx context.Context, customerID, featureID string) (Entitlement, error) {
	if err := checkID("customer_id", customerID); err != nil {
		return Entitlement{}, err
	}
	if err := checkID("feature_id", featureID); err != nil {
		return Entitlement{}, err
	}
	list, err := a.lookup(ctx, customerID, featureID)
	if err != nil {
		return Entitlement{}, err
	}
	for _, e := range list {
		if e.FeatureID == featureID {
			return e, nil
		}
	}
	return Entitlement{FeatureID: featureID}, nil
}

// Entitlements returns the customer's entitlements for every feature, in
// the API's order (an empty, non-nil slice when there are none). The slice
// is the caller's own. Errors are as for HasAccess.
func (a *Checker) Entitlements(ctx context.Context, customerID string) ([]Entitlement, error) {
	if err := checkID("customer_id", customerID); err != nil {
		return nil, err
	}
	list, err := a.lookup(ctx, customerID, "")
	if err != nil {
		return nil, err
	}
	out := slices.Clone(list)
	if out == nil {
		out = []Entitlement{}
	}
	return out, nil
}

// Invalidate drops every cached result for the customer: in this process at
// once, in the shared Store (so in every process that asks it next), and in
// the in-process layer of other processes as soon as the Store tells them
// (a Store that is a Notifier, such as redisstore's), else within their
// local TTL (see WithLocalTTL). Call it when the customer's entitlements
// change, e.g. from a webhook for a subscription event. An empty customer
// ID is a *wrapper.ValidationError; a Store failure is returned (and
// reported to WithOnStoreError).
func (a *Checker) Invalidate(ctx context.Context, customerID string) error {
	if err := checkID("customer_id", customerID); err != nil {
		return err
	}
	a.invalidations.Add(1)
	if a.local != nil {
		a.local.dropCustomer(customerID)
	}
	if a.shared == nil {
		return nil
	}
	err := a.storeCall(ctx, func(ctx context.Context) error { return a.shared.Invalidate(ctx, customerID) })
	if err != nil {
		a.storeFailed("invalidate", err)
		return fmt.Errorf("kelviq: entitlements: invalidate %q in the shared store: %w", customerID, err)
	}
	return nil
}

// checkID refuses an empty ID, and text that cannot be an ID.
func checkID(field, v string) error {
	switch {
	case v == "":
		return &wrapper.ValidationError{Field: field, Rule: "must not be empty"}
	case !utf8.ValidString(v):
		return &wrapper.ValidationError{Field: field, Rule: "must be valid UTF-8"}
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		return &wrapper.ValidationError{Field: field, Rule: "must not contain control characters"}
	}
	return nil
}

// field is the name of a lookup within its customer: "*" for all
// features, "f:" and the identifier for one.
func field(featureID string) string {
	if featureID == "" {
		return "*"
	}
	return "f:" + featureID
}

// localKey is the in-process key of a lookup. The customer ID has no
// control characters, so the NUL keeps it unambiguous.
func localKey(customerID, featureID string) string {
	return customerID + "\x00" + field(featureID)
}

// lookup returns the entitlements for the key: from the cache when fresh,
// else from one request shared with concurrent identical lookups, else (on
// a network error or 5xx, within the stale window) from the cache. The
// slice is shared; callers copy it.
func (a *Checker) lookup(ctx context.Context, customerID, featureID string) ([]Entitlement, error) {
	key := localKey(customerID, featureID)
	if v, ok := a.localFresh(key); ok {
		return v.Entitlements, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v, err := a.flight.do(ctx, key, func(fctx context.Context) (result, error) {
		// Another lookup may have stored a result since ours missed.
		if v, ok := a.localFresh(key); ok {
			return v, nil
		}
		return a.miss(fctx, key, customerID, featureID)
	})
	if err == nil {
		return v.Entitlements, nil
	}
	if cerr := ctx.Err(); cerr != nil && errors.Is(err, cerr) {
		return nil, err
	}
	if a.stale > 0 && a.local != nil && servableStale(err) {
		if old, ok := a.local.get(key); ok {
			if age := a.now().Sub(old.FetchedAt); age < a.ttl+a.stale {
				if a.onStale != nil {
					a.onStale(customerID, featureID, age, err)
				}
				return old.Entitlements, nil
			}
		}
	}
	return nil, err
}

// localFresh returns the in-process result for key while it may be reused
// without asking further: taken by this process less than the local TTL
// ago, and fetched less than the cache TTL ago. A result from the shared
// Store is thus reused here for the local TTL from when it was read, even
// if another process fetched it long before.
func (a *Checker) localFresh(key string) (result, bool) {
	if a.localTTL <= 0 || a.local == nil {
		return result{}, false
	}
	v, ok := a.local.get(key)
	now := a.now()
	if !ok || now.Sub(v.taken) >= a.localTTL || now.Sub(v.FetchedAt) >= a.ttl {
		return result{}, false
	}
	return v, true
}

// localUnexpired returns the in-process result for key when it was fetched
// less than the cache TTL ago (what serves while the Store fails).
func (a *Checker) localUnexpired(key string) (result, bool) {
	if a.ttl <= 0 || a.local == nil {
		return result{}, false
	}
	v, ok := a.local.get(key)
	if !ok || a.now().Sub(v.FetchedAt) >= a.ttl {
		return result{}, false
	}
	return v, true
}

// miss looks past the in-process layer: the shared Store, then (under the
// Store's lock, when another process is not already asking) the API.
func (a *Checker) miss(ctx context.Context, key, customerID, featureID string) (result, error) {
	gen := a.invalidations.Load()
	if a.shared == nil {
		return a.fetch(ctx, key, customerID, featureID, gen, nil)
	}
	fld := field(featureID)
	v, epoch, err := a.sharedGet(ctx, customerID, fld)
	if err != nil {
		// The Store is down or slow: results kept in process serve up to
		// the full TTL, and the API is asked without the lock.
		if v, ok := a.localUnexpired(key); ok {
			return v, nil
		}
		return a.fetch(ctx, key, customerID, featureID, gen, nil)
	}
	if v != nil {
		a.keepLocal(key, *v, gen)
		return *v, nil
	}
	release, locked, err := a.sharedLock(ctx, customerID, fld)
	if err != nil {
		return a.fetch(ctx, key, customerID, featureID, gen, nil)
	}
	if !locked {
		// Another process is asking the API: wait for its result, at most
		// the lock's life.
		if v, ok := a.awaitShared(ctx, customerID, fld); ok {
			a.keepLocal(key, v, gen)
			return v, nil
		}
		return a.fetch(ctx, key, customerID, featureID, gen, &epoch)
	}
	defer func() {
		if err := a.storeCall(context.WithoutCancel(ctx), release); err != nil {
			a.storeFailed("unlock", err)
		}
	}()
	// The holder before us may have stored its result and let go between
	// our Get and our Lock.
	if v, ep, err := a.sharedGet(ctx, customerID, fld); err == nil {
		if v != nil {
			a.keepLocal(key, *v, gen)
			return *v, nil
		}
		epoch = ep
	}
	return a.fetch(ctx, key, customerID, featureID, gen, &epoch)
}

// awaitShared polls the Store until a fresh result appears or the lock's
// life is over.
func (a *Checker) awaitShared(ctx context.Context, customerID, fld string) (result, bool) {
	deadline := time.Now().Add(a.lockTTL)
	t := time.NewTimer(a.lockPoll)
	defer t.Stop()
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return result{}, false
		case <-t.C:
		}
		v, _, err := a.sharedGet(ctx, customerID, fld)
		if err != nil {
			return result{}, false
		}
		if v != nil {
			return *v, true
		}
		t.Reset(a.lockPoll)
	}
	return result{}, false
}

// sharedGet reads and decodes the Store's result; it returns nil for none,
// a stale one, or one that does not decode. epoch is the Store's token for
// a later Set.
func (a *Checker) sharedGet(ctx context.Context, customerID, fld string) (*result, string, error) {
	var raw []byte
	var epoch string
	err := a.storeCall(ctx, func(ctx context.Context) error {
		var err error
		raw, epoch, err = a.shared.Get(ctx, customerID, fld)
		return err
	})
	if err != nil {
		a.storeFailed("get", err)
		return nil, "", err
	}
	if raw == nil {
		return nil, epoch, nil
	}
	v, err := decodeResult(raw)
	if err != nil {
		a.storeFailed("decode", err)
		return nil, epoch, nil
	}
	age := a.now().Sub(v.FetchedAt)
	if age >= a.ttl || age < -a.ttl {
		return nil, epoch, nil
	}
	return &v, epoch, nil
}

func (a *Checker) sharedLock(ctx context.Context, customerID, fld string) (release func(context.Context) error, locked bool, err error) {
	err = a.storeCall(ctx, func(ctx context.Context) error {
		var err error
		release, err = a.shared.Lock(ctx, customerID, fld, a.lockTTL)
		return err
	})
	switch {
	case err == nil:
		return release, true, nil
	case errors.Is(err, ErrLocked):
		return nil, false, nil
	default:
		a.storeFailed("lock", err)
		return nil, false, err
	}
}

// storeCall runs f with the Store timeout. It returns when f does or the
// timeout passes, whichever is first, so a Store that ignores its context
// cannot hold a lookup up.
func (a *Checker) storeCall(ctx context.Context, f func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.storeTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("store panicked: %v", r)
			}
		}()
		done <- f(ctx)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("shared store did not respond within %v: %w", a.storeTimeout, ctx.Err())
	}
}

func (a *Checker) storeFailed(op string, err error) {
	if a.onStoreError != nil {
		a.onStoreError(op, err)
	}
}

// keepLocal stores v in process unless an Invalidate happened since gen,
// taken now unless it says when.
func (a *Checker) keepLocal(key string, v result, gen uint64) {
	if a.local != nil && a.invalidations.Load() == gen {
		if v.taken.IsZero() {
			v.taken = a.now()
		}
		a.local.set(key, v)
	}
}

// fetch sends one request and keeps its result in process and, when epoch
// is not nil, in the shared Store.
func (a *Checker) fetch(ctx context.Context, key, customerID, featureID string, gen uint64, epoch *string) (result, error) {
	if a.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, a.timeout)
		defer cancel()
	}
	params := api.GetCustomerEntitlementsParams{CustomerId: customerID}
	if featureID != "" {
		params.FeatureId = &featureID
	}
	sent := a.now()
	body, err := a.client.Entitlements.Get(ctx, params)
	if err != nil {
		return result{}, err
	}
	list := []Entitlement{}
	if body.Entitlements != nil {
		for i := range *body.Entitlements {
			e := fromAPI(&(*body.Entitlements)[i])
			if featureID == "" || e.FeatureID == featureID {
				list = append(list, e)
			}
		}
	}
	v := result{Entitlements: list, FetchedAt: sent, taken: sent}
	a.keepLocal(key, v, gen)
	if epoch != nil && a.shared != nil {
		raw := encodeResult(v)
		err := a.storeCall(ctx, func(ctx context.Context) error {
			return a.shared.Set(ctx, customerID, field(featureID), raw, *epoch, a.ttl+a.stale)
		})
		if err != nil {
			a.storeFailed("set", err)
		}
	}
	return v, nil
}

// servableStale reports whether err is one a stale result may stand in for:
// a 5xx response or a failure to reach the API at all.
func servableStale(err error) bool {
	var apiErr *wrapper.APIError
	if errors.As(err, &apiErr) {
		return errors.Is(apiErr, wrapper.ErrServer)
	}
	if errors.Is(err, wrapper.ErrInvalidInput) || errors.Is(err, wrapper.ErrMissingCredential) ||
		errors.Is(err, wrapper.ErrDecode) || errors.Is(err, wrapper.ErrBodyTooLarge) ||
		errors.Is(err, wrapper.ErrUnknownOperation) {
		return false
	}
	var netErr net.Error
	return errors.As(err, &netErr) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, context.DeadlineExceeded)
}
