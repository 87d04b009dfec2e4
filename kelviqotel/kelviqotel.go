// Package kelviqotel traces kelviq API calls with OpenTelemetry. Only
// programs that import it link OpenTelemetry:
//
//	client, err := wrapper.New(kelviqotel.WithTracing())
//
// Each call becomes one client span named after its operation (e.g.
// "listCustomers") with the standard HTTP client attributes
// (http.request.method, server.address, server.port, url.full — without its
// query string — http.response.status_code, error.type); each attempt is an event on it ("attempt", with its number,
// status and the wait before a retry), a failed call records its error and
// sets the span's status to Error, and the trace context travels to the
// API in the request's headers. No credential is ever recorded.
package kelviqotel

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/kelviq/kelviq-go/wrapper"
)

// ScopeName is the instrumentation scope of the spans.
const ScopeName = "github.com/kelviq/kelviq-go/kelviqotel"

// Option configures WithTracing.
type Option func(*config)

type config struct {
	tp   trace.TracerProvider
	prop propagation.TextMapPropagator
}

// WithTracerProvider sets the TracerProvider (default: the global one).
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) { c.tp = tp }
}

// WithPropagator sets how the trace context goes into requests (default:
// the global TextMapPropagator).
func WithPropagator(p propagation.TextMapPropagator) Option {
	return func(c *config) { c.prop = p }
}

// WithTracing returns the wrapper option that traces every call of the
// client, whichever door it comes in by.
func WithTracing(opts ...Option) wrapper.Option {
	c := config{}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	if c.prop == nil {
		c.prop = otel.GetTextMapPropagator()
	}
	t := &tracer{tr: c.tp.Tracer(ScopeName), prop: c.prop}
	return wrapper.Combine(wrapper.WithObserver(t), wrapper.WithMiddleware(t.inject))
}

type tracer struct {
	tr   trace.Tracer
	prop propagation.TextMapPropagator
}

func (t *tracer) CallStart(ctx context.Context, c wrapper.CallInfo) context.Context {
	attrs := []attribute.KeyValue{
		semconv.HTTPRequestMethodKey.String(c.Method),
		semconv.URLFull(c.URL),
		attribute.String("kelviq.operation_id", c.OperationID),
		attribute.String("kelviq.path", c.Path),
	}
	host, port, err := net.SplitHostPort(c.Host)
	if err != nil {
		host = c.Host
	}
	attrs = append(attrs, semconv.ServerAddress(host))
	if p, err := strconv.Atoi(port); err == nil {
		attrs = append(attrs, semconv.ServerPort(p))
	}
	ctx, _ = t.tr.Start(ctx, c.OperationID, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return ctx
}

func (t *tracer) AttemptDone(ctx context.Context, a wrapper.AttemptInfo) {
	span := trace.SpanFromContext(ctx)
	attrs := []attribute.KeyValue{attribute.Int("kelviq.attempt", a.Attempt)}
	if a.StatusCode > 0 {
		attrs = append(attrs, semconv.HTTPResponseStatusCode(a.StatusCode))
		span.SetAttributes(semconv.HTTPResponseStatusCode(a.StatusCode))
	}
	if a.RetryWait > 0 {
		attrs = append(attrs, attribute.Float64("kelviq.retry_wait_seconds", a.RetryWait.Seconds()))
	}
	if a.Err != nil {
		attrs = append(attrs, attribute.String("kelviq.error", a.Err.Error()))
	}
	span.AddEvent("attempt", trace.WithAttributes(attrs...))
}

func (t *tracer) CallEnd(ctx context.Context, _ wrapper.CallInfo, err error) {
	span := trace.SpanFromContext(ctx)
	if err != nil {
		var apiErr *wrapper.APIError
		kind := "transport"
		if errors.As(err, &apiErr) {
			kind = strconv.Itoa(apiErr.StatusCode)
		}
		span.SetAttributes(semconv.ErrorTypeKey.String(kind))
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// inject puts the call's trace context into the attempt's headers.
func (t *tracer) inject(req *http.Request, _ wrapper.AttemptInfo, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	t.prop.Inject(req.Context(), propagation.HeaderCarrier(req.Header))
	return next(req)
}
