package wrapper

import (
	"context"
	"fmt"
	"time"

	"github.com/kelviq/kelviq-go/internal/transport"
)

// Retry defaults. See RetryRules for the rule.
const (
	DefaultMaxRetries    = 2
	DefaultRetryBase     = 500 * time.Millisecond
	DefaultRetryCap      = 8 * time.Second
	DefaultMaxRetryAfter = 30 * time.Second
)

var defaultPolicy = transport.Policy{MaxRetries: DefaultMaxRetries, Base: DefaultRetryBase, Cap: DefaultRetryCap, MaxRetryAfter: DefaultMaxRetryAfter}

// RetryRules returns, in prose, the rule by which a failed request is sent
// again, the same for every operation (and for package usage's reporter):
// which outcomes are retried, for which methods, and how long it waits,
// with the default settings. kelviq --help prints it.
func RetryRules() string { return transport.Rulebook(defaultPolicy) }

// WithMaxRetries sets how many times a failed request may be re-sent
// (default 2; 0 disables retries), by the rule RetryRules states.
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

// WithCallOptions returns a context that makes every call made with it use
// opts, whichever door the call goes through (a helper, a service method or
// the generated client):
//
//	ctx := wrapper.WithCallOptions(ctx, wrapper.MaxRetries(0))
//	org, err := client.Partner.GetByExternalID(ctx, "northwind-0042")
func WithCallOptions(ctx context.Context, opts ...CallOption) context.Context {
	edits := make([]func(*transport.Policy), 0, len(opts))
	for _, o := range opts {
		if o.apply != nil {
			edits = append(edits, o.apply)
		}
	}
	return transport.WithPolicyEdits(ctx, edits...)
}
