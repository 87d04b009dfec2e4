package wrapper

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kelviq/kelviq-go/api"
)

// Defaults of an AccessChecker.
const (
	// DefaultAccessCacheTTL is how long a looked-up entitlement is reused,
	// as in kelviq's official SDKs.
	DefaultAccessCacheTTL = 60 * time.Second
	// DefaultAccessMaxEntries bounds the default in-memory cache.
	DefaultAccessMaxEntries = 10000
	// DefaultAccessFetchTimeout bounds one shared request to the API.
	DefaultAccessFetchTimeout = 30 * time.Second
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

func fromAPIEntitlement(d *api.EntitlementDetail) Entitlement {
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

// CachedEntitlements is one cached answer: the entitlements it listed and
// when the request for it was sent.
type CachedEntitlements struct {
	// Entitlements are the entitlements in the answer. For a one-feature
	// lookup it holds only that feature's (none when the customer has no
	// entitlement for it).
	Entitlements []Entitlement
	// FetchedAt is when the request that produced the answer was sent, by
	// the AccessChecker's clock.
	FetchedAt time.Time
}

// CacheStore keeps an AccessChecker's answers. It must be safe for
// concurrent use. Get returns the value last Set for key, whatever its age
// (the checker judges freshness from FetchedAt), or false. Keys are opaque
// strings, unique for one customer and feature within one organization and
// environment: a store shared by checkers of several organizations must
// separate them itself (e.g. with a prefix per organization). The checker
// never modifies a value it passed to Set or received from Get, and a store
// must not modify one either.
type CacheStore interface {
	Get(key string) (CachedEntitlements, bool)
	Set(key string, v CachedEntitlements)
}

// AccessOption configures an AccessChecker in NewAccessChecker.
type AccessOption func(*accessSettings) error

type accessSettings struct {
	ttl, stale, timeout time.Duration
	maxEntries          int
	maxEntriesSet       bool
	store               CacheStore
	now                 func() time.Time
	onStale             func(customerID, featureID string, age time.Duration, err error)
}

// WithCacheTTL sets how long an answer is reused without asking the API
// (default DefaultAccessCacheTTL, 60 s). 0 disables the cache: every call
// that is not collapsed into a concurrent identical one sends a request.
func WithCacheTTL(d time.Duration) AccessOption {
	return func(s *accessSettings) error {
		if d < 0 {
			return fmt.Errorf("kelviq: WithCacheTTL: %v is negative", d)
		}
		s.ttl = d
		return nil
	}
}

// WithStaleWindow lets a lookup that fails with a network error or a 5xx
// answer (errors.Is(err, ErrServer)) return the last known answer instead,
// provided it is younger than the cache TTL plus d. The default, 0, never
// serves a stale answer. Other errors (401, 403, 404, 429, invalid input, a
// missing key, an answer that does not decode, the caller's own context) are
// always returned. The fallback applies to the error the client returns
// once its own retries (see WithMaxRetries) are spent. With a TTL of 0 and a
// stale window, answers are kept only for this fallback.
func WithStaleWindow(d time.Duration) AccessOption {
	return func(s *accessSettings) error {
		if d < 0 {
			return fmt.Errorf("kelviq: WithStaleWindow: %v is negative", d)
		}
		s.stale = d
		return nil
	}
}

// WithCacheStore keeps answers in store instead of the default in-memory
// cache (see CacheStore).
func WithCacheStore(store CacheStore) AccessOption {
	return func(s *accessSettings) error {
		if store == nil {
			return errors.New("kelviq: WithCacheStore: store is nil")
		}
		s.store = store
		return nil
	}
}

// WithMaxEntries bounds the default in-memory cache (default
// DefaultAccessMaxEntries). Beyond it, expired answers and then the oldest
// ones are dropped. It cannot be combined with WithCacheStore.
func WithMaxEntries(n int) AccessOption {
	return func(s *accessSettings) error {
		if n <= 0 {
			return fmt.Errorf("kelviq: WithMaxEntries: %d is not a positive number of entries", n)
		}
		s.maxEntries, s.maxEntriesSet = n, true
		return nil
	}
}

// WithClock replaces time.Now, e.g. with a fake clock in tests. now must be
// safe for concurrent use.
func WithClock(now func() time.Time) AccessOption {
	return func(s *accessSettings) error {
		if now == nil {
			return errors.New("kelviq: WithClock: clock is nil")
		}
		s.now = now
		return nil
	}
}

// WithFetchTimeout bounds each request the checker sends (default
// DefaultAccessFetchTimeout, 30 s; 0 leaves only the HTTP client's own
// limits). A request is shared by every concurrent caller of the same
// lookup and is not cancelled by any one caller's context, so this is what
// ends a request that never answers.
func WithFetchTimeout(d time.Duration) AccessOption {
	return func(s *accessSettings) error {
		if d < 0 {
			return fmt.Errorf("kelviq: WithFetchTimeout: %v is negative", d)
		}
		s.timeout = d
		return nil
	}
}

// WithOnStale calls f, in the caller's goroutine, each time a stale answer
// is served in place of err (see WithStaleWindow); age is the answer's age.
// featureID is empty for Entitlements. Use it to log or count outages that
// the stale window hides; err carries no credential.
func WithOnStale(f func(customerID, featureID string, age time.Duration, err error)) AccessOption {
	return func(s *accessSettings) error {
		if f == nil {
			return errors.New("kelviq: WithOnStale: func is nil")
		}
		s.onStale = f
		return nil
	}
}

// AccessChecker answers whether a customer may use a feature, with a cache
// in front of GET /entitlements/ (sent to the edge host with the client's
// server key). Concurrent identical lookups share one request. It is safe
// for concurrent use; create it with NewAccessChecker and keep it for the
// life of the Client.
//
// Lookups of one feature and lookups of all of a customer's features are
// cached separately. A shared request runs with the values (not the
// cancellation or deadline) of the context of the caller that started it,
// bounded by WithFetchTimeout; a caller that gives up leaves it running, and
// its answer is still cached.
type AccessChecker struct {
	api     *api.ClientWithResponses
	ttl     time.Duration
	stale   time.Duration
	timeout time.Duration
	store   CacheStore // nil when nothing is kept
	now     func() time.Time
	onStale func(customerID, featureID string, age time.Duration, err error)
	flight  flightGroup
}

// NewAccessChecker returns an AccessChecker that looks entitlements up with
// c. An invalid option is an error naming the option.
func NewAccessChecker(c *Client, opts ...AccessOption) (*AccessChecker, error) {
	if c == nil {
		return nil, errors.New("kelviq: NewAccessChecker: client is nil")
	}
	s := accessSettings{ttl: DefaultAccessCacheTTL, timeout: DefaultAccessFetchTimeout, maxEntries: DefaultAccessMaxEntries, now: time.Now}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&s); err != nil {
			return nil, err
		}
	}
	if s.store != nil && s.maxEntriesSet {
		return nil, errors.New("kelviq: WithMaxEntries: applies only to the default cache, not to a WithCacheStore store")
	}
	a := &AccessChecker{api: c.api, ttl: s.ttl, stale: s.stale, timeout: s.timeout, now: s.now, onStale: s.onStale}
	if s.ttl > 0 || s.stale > 0 {
		a.store = s.store
		if a.store == nil {
			a.store = newMemoryStore(s.maxEntries, s.ttl+s.stale, s.now)
		}
	}
	return a, nil
}

// HasAccess reports whether the customer (your ID of them) may use the
// feature (its identifier). A feature the API lists no entitlement for,
// e.g. one that is not in the customer's plan, is false with a nil error;
// an unknown customer is whatever error the API gives (typically an
// *APIError matching ErrNotFound). Empty or malformed IDs are a
// *ValidationError, returned before anything is sent.
func (a *AccessChecker) HasAccess(ctx context.Context, customerID, featureID string) (bool, error) {
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
func (a *AccessChecker) Entitlement(ctx context.Context, customerID, featureID string) (Entitlement, error) {
	if err := checkLookupID("customer_id", customerID); err != nil {
		return Entitlement{}, err
	}
	if err := checkLookupID("feature_id", featureID); err != nil {
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
func (a *AccessChecker) Entitlements(ctx context.Context, customerID string) ([]Entitlement, error) {
	if err := checkLookupID("customer_id", customerID); err != nil {
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

// checkLookupID refuses an empty ID, and text that cannot be an ID.
func checkLookupID(field, v string) error {
	switch {
	case v == "":
		return invalid(field, "must not be empty")
	case !utf8.ValidString(v):
		return invalid(field, "must be valid UTF-8")
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		return invalid(field, "must not contain control characters")
	}
	return nil
}

// entitlementsKey is the cache key of a lookup; featureID is empty for all
// features. Query escaping keeps it unambiguous.
func entitlementsKey(customerID, featureID string) string {
	k := "customer_id=" + url.QueryEscape(customerID)
	if featureID != "" {
		k += "&feature_id=" + url.QueryEscape(featureID)
	}
	return k
}

// lookup returns the entitlements for the key: from the cache when fresh,
// else from one request shared with concurrent identical lookups, else (on
// a network error or 5xx, within the stale window) from the cache. The
// slice is shared; callers copy it.
func (a *AccessChecker) lookup(ctx context.Context, customerID, featureID string) ([]Entitlement, error) {
	key := entitlementsKey(customerID, featureID)
	if v, ok := a.fresh(key); ok {
		return v.Entitlements, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v, err := a.flight.do(ctx, key, func(fctx context.Context) (CachedEntitlements, error) {
		// Another lookup may have stored an answer since ours missed.
		if v, ok := a.fresh(key); ok {
			return v, nil
		}
		return a.fetch(fctx, key, customerID, featureID)
	})
	if err == nil {
		return v.Entitlements, nil
	}
	if cerr := ctx.Err(); cerr != nil && errors.Is(err, cerr) {
		return nil, err
	}
	if a.stale > 0 && a.store != nil && servableStale(err) {
		if old, ok := a.store.Get(key); ok {
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

// fresh returns the cached answer for key when it is younger than the TTL.
func (a *AccessChecker) fresh(key string) (CachedEntitlements, bool) {
	if a.ttl <= 0 || a.store == nil {
		return CachedEntitlements{}, false
	}
	v, ok := a.store.Get(key)
	if !ok || a.now().Sub(v.FetchedAt) >= a.ttl {
		return CachedEntitlements{}, false
	}
	return v, true
}

// fetch sends one request and stores its answer.
func (a *AccessChecker) fetch(ctx context.Context, key, customerID, featureID string) (CachedEntitlements, error) {
	if a.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, a.timeout)
		defer cancel()
	}
	params := &api.GetCustomerEntitlementsParams{CustomerId: customerID}
	if featureID != "" {
		params.FeatureId = &featureID
	}
	sent := a.now()
	body, err := decode[api.CheckEntitlementsResponse](a.api.GetCustomerEntitlements(ctx, params))
	if err != nil {
		return CachedEntitlements{}, err
	}
	list := []Entitlement{}
	if body.Entitlements != nil {
		for i := range *body.Entitlements {
			e := fromAPIEntitlement(&(*body.Entitlements)[i])
			if featureID == "" || e.FeatureID == featureID {
				list = append(list, e)
			}
		}
	}
	v := CachedEntitlements{Entitlements: list, FetchedAt: sent}
	if a.store != nil {
		a.store.Set(key, v)
	}
	return v, nil
}

// servableStale reports whether err is one a stale answer may stand in for:
// a 5xx answer or a failure to reach the API at all.
func servableStale(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return errors.Is(apiErr, ErrServer)
	}
	if errors.Is(err, ErrInvalidInput) || errors.Is(err, ErrMissingCredential) ||
		errors.Is(err, ErrDecode) || errors.Is(err, ErrBodyTooLarge) || errors.Is(err, ErrUnknownOperation) {
		return false
	}
	var netErr net.Error
	return errors.As(err, &netErr) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, context.DeadlineExceeded)
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
	val     CachedEntitlements
	err     error
}

func (g *flightGroup) do(ctx context.Context, key string, fn func(context.Context) (CachedEntitlements, error)) (CachedEntitlements, error) {
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
		return CachedEntitlements{}, ctx.Err()
	}
}

func (g *flightGroup) run(ctx context.Context, key string, c *flightCall, fn func(context.Context) (CachedEntitlements, error)) {
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

// memoryStore is the default CacheStore: a map bounded to max entries, in
// the order they were set, dropping from the oldest end those past keep and
// then those beyond max.
type memoryStore struct {
	mu    sync.Mutex
	max   int
	keep  time.Duration
	now   func() time.Time
	order *list.List // of *memoryEntry, least recently set first
	items map[string]*list.Element
}

type memoryEntry struct {
	key string
	v   CachedEntitlements
}

func newMemoryStore(max int, keep time.Duration, now func() time.Time) *memoryStore {
	return &memoryStore{max: max, keep: keep, now: now, order: list.New(), items: map[string]*list.Element{}}
}

func (s *memoryStore) Get(key string) (CachedEntitlements, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.items[key]
	if !ok {
		return CachedEntitlements{}, false
	}
	return el.Value.(*memoryEntry).v, true
}

func (s *memoryStore) Set(key string, v CachedEntitlements) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.items[key]; ok {
		el.Value.(*memoryEntry).v = v
		s.order.MoveToBack(el)
	} else {
		s.items[key] = s.order.PushBack(&memoryEntry{key: key, v: v})
	}
	for el := s.order.Front(); el != nil; el = s.order.Front() {
		e := el.Value.(*memoryEntry)
		if s.order.Len() <= s.max && now.Sub(e.v.FetchedAt) < s.keep {
			break
		}
		s.order.Remove(el)
		delete(s.items, e.key)
	}
}

func (s *memoryStore) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.order.Len()
}
