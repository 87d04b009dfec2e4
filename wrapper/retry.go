package wrapper

import (
	"context"
	"fmt"
	"time"

	"github.com/kelviq/kelviq-go/internal/transport"
)

// Retry defaults. See WithMaxRetries for the rule.
const (
	DefaultMaxRetries    = 2
	DefaultRetryBase     = 500 * time.Millisecond
	DefaultRetryCap      = 8 * time.Second
	DefaultMaxRetryAfter = 30 * time.Second
)

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
		s.retry.MaxRetries = n
		return nil
	}
}

// WithRetryBackoff sets the base and the cap of the exponential backoff.
func WithRetryBackoff(base, max time.Duration) Option {
	return func(s *settings) error {
		if base <= 0 || max < base {
			return fmt.Errorf("kelviq: WithRetryBackoff: need 0 < base <= cap, got %v, %v", base, max)
		}
		s.retry.Base, s.retry.Cap = base, max
		return nil
	}
}

// WithMaxRetryAfter sets the longest Retry-After the client waits for.
func WithMaxRetryAfter(d time.Duration) Option {
	return func(s *settings) error {
		if d < 0 {
			return fmt.Errorf("kelviq: WithMaxRetryAfter: %v is negative", d)
		}
		s.retry.MaxRetryAfter = d
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
		s.retry.AttemptTimeout = d
		return nil
	}
}

// CallOption changes the client's settings for one call; attach it to the
// call's context with WithCallOptions.
type CallOption struct{ apply func(*transport.Policy) }

// MaxRetries overrides WithMaxRetries for one call (0 disables retries).
func MaxRetries(n int) CallOption {
	return CallOption{func(p *transport.Policy) {
		if n >= 0 {
			p.MaxRetries = n
		}
	}}
}

// AttemptTimeout overrides WithAttemptTimeout for one call.
func AttemptTimeout(d time.Duration) CallOption {
	return CallOption{func(p *transport.Policy) {
		if d >= 0 {
			p.AttemptTimeout = d
		}
	}}
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

// policyFor returns p changed by the call options on ctx.
func policyFor(ctx context.Context, p transport.Policy) transport.Policy {
	opts, _ := ctx.Value(callOptionsKey{}).([]CallOption)
	if len(opts) == 0 {
		return p // p stays on the stack on the common path
	}
	q := p
	for _, o := range opts {
		if o.apply != nil {
			o.apply(&q)
		}
	}
	return q
}
