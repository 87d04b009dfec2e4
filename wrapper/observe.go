package wrapper

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/transport"
)

// CallInfo describes a call as observers see it.
type CallInfo struct {
	// OperationID is the spec's operationId, e.g. "listCustomers".
	OperationID string
	// Method is the HTTP method; Path the request path relative to the
	// base URL, escaped, without the query string.
	Method, Path string
	// Host is the host the call goes to; URL the request's URL without its
	// query string.
	Host, URL string
}

// AttemptInfo describes one finished attempt of a call.
type AttemptInfo struct {
	CallInfo
	// Attempt is the attempt's number, from 1.
	Attempt int
	// StatusCode is the response's status, 0 when there was none.
	StatusCode int
	// Err is the attempt's error: a transport error or an *APIError.
	Err error
	// Duration is how long the attempt took, up to the response's headers.
	Duration time.Duration
	// RetryWait is how long the client waits before the next attempt; 0
	// when this attempt was the last.
	RetryWait time.Duration
}

// Observer sees every call and each of its attempts, whichever door the
// call came in by. Its methods are called on the calling goroutine and
// must be safe for concurrent use. Nothing it is given holds a credential.
type Observer interface {
	// CallStart is called before the first attempt; the context it returns
	// is the one the call's attempts are sent with (e.g. with a span).
	CallStart(ctx context.Context, c CallInfo) context.Context
	// AttemptDone is called after each attempt.
	AttemptDone(ctx context.Context, a AttemptInfo)
	// CallEnd is called once, with the call's error (nil on success).
	CallEnd(ctx context.Context, c CallInfo, err error)
}

// Middleware wraps each attempt: it gets the request as it is about to be
// sent (credentials included: never log its headers) and the attempt's
// facts, and calls next to send it. Use it for metrics, tracing headers or
// tests; see Observer for call-level events.
type Middleware func(req *http.Request, a AttemptInfo, next func(*http.Request) (*http.Response, error)) (*http.Response, error)

// WithObserver adds an Observer; observers are called in the order given.
func WithObserver(o Observer) Option {
	return option("WithObserver", o == nil, "observer is nil", func(s *settings) { s.observers = append(s.observers, o) })
}

// WithMiddleware adds middleware around each attempt; the first given is
// the outermost.
func WithMiddleware(m ...Middleware) Option {
	return func(s *settings) error {
		for _, mw := range m {
			if mw == nil {
				return errors.New("kelviq: WithMiddleware: middleware is nil")
			}
		}
		s.middleware = append(s.middleware, m...)
		return nil
	}
}

// WithLogger logs one record per attempt to l: the operation, method, path,
// status, duration, attempt number and the wait before a retry, at Debug
// for a success and Warn for a failure. No credential is ever logged.
func WithLogger(l *slog.Logger) Option {
	return option("WithLogger", l == nil, "logger is nil", func(s *settings) { s.observers = append(s.observers, logObserver{l}) })
}

type logObserver struct{ l *slog.Logger }

func (o logObserver) CallStart(ctx context.Context, _ CallInfo) context.Context { return ctx }
func (o logObserver) CallEnd(context.Context, CallInfo, error)                  {}

func (o logObserver) AttemptDone(ctx context.Context, a AttemptInfo) {
	level, msg := slog.LevelDebug, "kelviq call"
	if a.Err != nil {
		level, msg = slog.LevelWarn, "kelviq call failed"
	}
	if !o.l.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("operation", a.OperationID), slog.String("method", a.Method), slog.String("path", a.Path),
		slog.Int("status", a.StatusCode), slog.Duration("duration", a.Duration), slog.Int("attempt", a.Attempt),
	}
	if a.RetryWait > 0 {
		attrs = append(attrs, slog.Duration("retry_in", a.RetryWait))
	}
	if a.Err != nil {
		attrs = append(attrs, slog.String("error", a.Err.Error()))
	}
	o.l.LogAttrs(ctx, level, msg, attrs...)
}

// observe is the sender's view of its observers and middleware.
type observe struct {
	observers  []Observer
	middleware []Middleware
}

// call sends req, a request for op, through s's engine, telling the
// observers about the call and each attempt and running the middleware
// around each attempt.
func (o *observe) call(req *http.Request, op api.Operation, s *sender) (*http.Response, error) {
	info := CallInfo{OperationID: op.ID(), Method: req.Method, Path: s.Path(req.URL), Host: req.URL.Host,
		URL: req.URL.Scheme + "://" + req.URL.Host + req.URL.EscapedPath()}
	ctx := req.Context()
	for _, ob := range o.observers {
		ctx = ob.CallStart(ctx, info)
	}
	h := &transport.Hooks{Done: func(a transport.Attempt) {
		for _, ob := range o.observers {
			ob.AttemptDone(ctx, AttemptInfo{CallInfo: info, Attempt: a.N, StatusCode: a.Status, Err: a.Err, Duration: time.Since(a.Start), RetryWait: a.Wait})
		}
	}}
	if len(o.middleware) > 0 {
		h.Wrap = func(r *http.Request, n int, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
			a := AttemptInfo{CallInfo: info, Attempt: n}
			for i := len(o.middleware) - 1; i >= 0; i-- { // the first given is the outermost
				mw, inner := o.middleware[i], next
				next = func(r *http.Request) (*http.Response, error) { return mw(r, a, inner) }
			}
			return next(r)
		}
	}
	resp, err := s.engine.Send(req.WithContext(ctx), op, s.retry, h) // an observer may add call options
	for i := len(o.observers) - 1; i >= 0; i-- {
		o.observers[i].CallEnd(ctx, info, err)
	}
	return resp, err
}

// Combine returns an Option that applies opts in order, for packages that
// configure several things at once (see the kelviqotel package).
func Combine(opts ...Option) Option {
	return func(s *settings) error { return s.apply(opts) }
}
