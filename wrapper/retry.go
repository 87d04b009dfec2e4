package wrapper

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/kelviq/kelviq-go/internal/backoff"
)

// Retry defaults. See WithMaxRetries for the rule.
const (
	DefaultMaxRetries    = 2
	DefaultRetryBase     = 500 * time.Millisecond
	DefaultRetryCap      = 8 * time.Second
	DefaultMaxRetryAfter = 30 * time.Second
)

// retryPolicy is the client's retry configuration, overridable per call.
type retryPolicy struct {
	maxRetries     int
	base, cap      time.Duration
	maxRetryAfter  time.Duration
	attemptTimeout time.Duration
}

// WithMaxRetries sets how many times a failed request may be re-sent
// (default 2; 0 disables retries). The rule, the same for every operation:
//
//   - Retried: a connection error before any answer, and the answers 408,
//     429, 500, 502, 503 and 504 — for GET, HEAD, OPTIONS, PUT and DELETE.
//   - POST and PATCH are re-sent only when the request provably never
//     reached the server: the connection could not be opened (dial error,
//     refused connection, unknown host). Once bytes may have been sent they
//     are never re-sent, whatever the answer: kelviq documents no
//     idempotency key, so a repeated provision or charge could happen twice.
//   - Waits grow exponentially with full jitter (WithRetryBackoff: base
//     0.5 s, cap 8 s). A Retry-After header (seconds or an HTTP date) is
//     honoured when it is at most WithMaxRetryAfter (30 s); a longer one
//     ends the retries at once. Every wait ends as soon as the context is
//     cancelled.
func WithMaxRetries(n int) Option {
	return func(s *settings) error {
		if n < 0 {
			return fmt.Errorf("kelviq: WithMaxRetries: %d is negative", n)
		}
		s.retry.maxRetries = n
		return nil
	}
}

// WithRetryBackoff sets the base and the cap of the exponential backoff.
func WithRetryBackoff(base, max time.Duration) Option {
	return func(s *settings) error {
		if base <= 0 || max < base {
			return fmt.Errorf("kelviq: WithRetryBackoff: need 0 < base <= cap, got %v, %v", base, max)
		}
		s.retry.base, s.retry.cap = base, max
		return nil
	}
}

// WithMaxRetryAfter sets the longest Retry-After the client waits for.
func WithMaxRetryAfter(d time.Duration) Option {
	return func(s *settings) error {
		if d < 0 {
			return fmt.Errorf("kelviq: WithMaxRetryAfter: %v is negative", d)
		}
		s.retry.maxRetryAfter = d
		return nil
	}
}

// WithAttemptTimeout bounds each attempt (sending, waiting for the answer,
// and reading its body), separately from the context's deadline, which
// bounds the whole call including retries. 0 (the default) means no bound.
func WithAttemptTimeout(d time.Duration) Option {
	return func(s *settings) error {
		if d < 0 {
			return fmt.Errorf("kelviq: WithAttemptTimeout: %v is negative", d)
		}
		s.retry.attemptTimeout = d
		return nil
	}
}

// CallOption changes the client's settings for one call; attach it to the
// call's context with WithCallOptions.
type CallOption func(*retryPolicy)

// MaxRetries overrides WithMaxRetries for one call (0 disables retries).
func MaxRetries(n int) CallOption {
	return func(p *retryPolicy) {
		if n >= 0 {
			p.maxRetries = n
		}
	}
}

// AttemptTimeout overrides WithAttemptTimeout for one call.
func AttemptTimeout(d time.Duration) CallOption {
	return func(p *retryPolicy) {
		if d >= 0 {
			p.attemptTimeout = d
		}
	}
}

type callOptionsKey struct{}

// WithCallOptions returns a context that makes every call made with it use
// opts, whichever door the call goes through (a helper, a service method or
// the generated client):
//
//	ctx := wrapper.WithCallOptions(ctx, wrapper.MaxRetries(0))
//	org, err := client.Partner.GetByExternalID(ctx, "northwind-0042")
func WithCallOptions(ctx context.Context, opts ...CallOption) context.Context {
	prev, _ := ctx.Value(callOptionsKey{}).([]CallOption)
	all := append(append([]CallOption(nil), prev...), opts...)
	return context.WithValue(ctx, callOptionsKey{}, all)
}

func (p retryPolicy) forCall(ctx context.Context) retryPolicy {
	opts, _ := ctx.Value(callOptionsKey{}).([]CallOption)
	if len(opts) == 0 {
		return p // p stays on the stack on the common path
	}
	q := p
	for _, o := range opts {
		o(&q)
	}
	return q
}

// idempotent reports whether re-sending method cannot repeat an effect.
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete, http.MethodTrace:
		return true
	}
	return false
}

// retryableStatus lists the answers worth another attempt.
func retryableStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// neverSent reports whether err shows the request could not have reached
// the server: the connection was never opened.
func neverSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// backoff returns the wait before retry number n (1-based): full jitter
// over an exponential window.
func (p retryPolicy) backoff(n int) time.Duration { return backoff.Full(p.base, p.cap, n) }

// retryAfter parses a Retry-After header: delay seconds or an HTTP date.
// A delay too long for a time.Duration comes back as the longest one, so
// that it is beyond any cap rather than wrapped around to a short wait.
func retryAfter(h string, now time.Time) (time.Duration, bool) {
	if h == "" {
		return 0, false
	}
	if isDigits(h) {
		secs, err := strconv.ParseInt(h, 10, 64)
		if err != nil || secs > int64(math.MaxInt64/time.Second) {
			return math.MaxInt64, true
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(t.Sub(now), 0), true // Sub saturates instead of overflowing
	}
	return 0, false
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// sleep waits d, or less if ctx ends first; it leaves no timer behind.
func sleep(ctx context.Context, d time.Duration) error { return backoff.Sleep(ctx, d) }
