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

// RetryRules states the rule by which any failed request (and a usage
// report) is sent again, with the default settings; kelviq --help prints it.
func RetryRules() string { return transport.Rulebook(defaultPolicy) }

// WithMaxRetries sets how many times a failed request may be re-sent
// (default 2; 0 disables retries), by the rule RetryRules states.
func WithMaxRetries(n int) Option {
	return option("WithMaxRetries", n < 0, fmt.Sprintf("%d is negative", n), func(s *settings) { s.retry.MaxRetries = n })
}

// WithRetryBackoff sets the base and the cap of the exponential backoff.
func WithRetryBackoff(base, max time.Duration) Option {
	return option("WithRetryBackoff", base <= 0 || max < base, fmt.Sprintf("need 0 < base <= cap, got %v, %v", base, max),
		func(s *settings) { s.retry.Base, s.retry.Cap = base, max })
}

// WithMaxRetryAfter sets the longest Retry-After the client waits for.
func WithMaxRetryAfter(d time.Duration) Option {
	return option("WithMaxRetryAfter", d < 0, fmt.Sprintf("%v is negative", d), func(s *settings) { s.retry.MaxRetryAfter = d })
}

// WithAttemptTimeout bounds each attempt (sending, waiting for the response,
// and reading its body), separately from the context's deadline, which
// bounds the whole call including retries. 0 (the default) means no bound.
func WithAttemptTimeout(d time.Duration) Option {
	return option("WithAttemptTimeout", d < 0, fmt.Sprintf("%v is negative", d), func(s *settings) { s.retry.AttemptTimeout = d })
}

// CallOption changes the client's settings for one call; attach it to the
// call's context with WithCallOptions.
type CallOption struct{ apply func(*transport.Policy) }

// MaxRetries overrides WithMaxRetries for one call (0 disables retries).
func MaxRetries(n int) CallOption {
	if n < 0 {
		return CallOption{} // changes nothing
	}
	return CallOption{func(p *transport.Policy) { p.MaxRetries = n }}
}

// AttemptTimeout overrides WithAttemptTimeout for one call.
func AttemptTimeout(d time.Duration) CallOption {
	if d < 0 {
		return CallOption{} // changes nothing
	}
	return CallOption{func(p *transport.Policy) { p.AttemptTimeout = d }}
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
