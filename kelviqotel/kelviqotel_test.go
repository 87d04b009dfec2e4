package kelviqotel_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/kelviq/kelviq-go/kelviqotel"
	"github.com/kelviq/kelviq-go/wrapper"
)

const orgJSON = `{"organizationIdentifier":"3f0c2a8e-5b7d-4c1e-9a2f-6d8e0b4c7a19","organizationSlug":"northwind","partnerExternalId":"northwind-0042","serverKey":"sk_test_otel_SECRET"}`

// A call that gets 503, retried and then responded with 200 gives one
// client span named after the operation, with the HTTP attributes, an event
// per attempt, the trace context in both requests, and no credential; a
// call that fails records its error.
func TestSpansForRetriedCall(t *testing.T) {
	var n atomic.Int64
	var traceparents []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		traceparents = append(traceparents, r.Header.Get("Traceparent"))
		switch {
		case strings.Contains(r.URL.Path, "missing"):
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"detail":"Not found."}`)
		case n.Add(1) == 1:
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, orgJSON)
		}
	}))
	defer srv.Close()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	c, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(srv.URL+"/api/v1"),
		wrapper.WithPartnerKey("kvqp_otel_SECRET"), wrapper.WithRetryBackoff(time.Millisecond, 2*time.Millisecond),
		kelviqotel.WithTracing(kelviqotel.WithTracerProvider(tp), kelviqotel.WithPropagator(propagation.TraceContext{})))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Partner.GetByExternalID(context.Background(), "northwind-0042"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Partner.GetByExternalID(context.Background(), "missing"); err == nil {
		t.Fatal("want the 404")
	}
	spans := rec.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2", len(spans))
	}
	ok, failed := spans[0], spans[1]
	if ok.Name() != "retrievePartnerOrganizationByExternalId" || ok.SpanKind() != trace.SpanKindClient || ok.Status().Code == codes.Error {
		t.Errorf("span %q kind %v status %v", ok.Name(), ok.SpanKind(), ok.Status())
	}
	attrs := map[string]string{}
	for _, kv := range ok.Attributes() {
		attrs[string(kv.Key)] = kv.Value.String()
	}
	for k, want := range map[string]string{
		"http.request.method": "GET", "url.full": srv.URL + "/api/v1/partner/organizations/by-external-id/northwind-0042/",
		"kelviq.path":    "/partner/organizations/by-external-id/northwind-0042/",
		"server.address": "127.0.0.1", "http.response.status_code": "200",
	} {
		if attrs[k] != want {
			t.Errorf("attribute %s = %q, want %q", k, attrs[k], want)
		}
	}
	if ev := ok.Events(); len(ev) != 2 || ev[0].Name != "attempt" || !strings.Contains(fmt.Sprint(ev[0].Attributes), "kelviq.retry_wait_seconds") {
		t.Errorf("events = %+v", ev)
	}
	if failed.Status().Code != codes.Error || len(failed.Events()) < 2 {
		t.Errorf("failed span: status %v, events %+v", failed.Status(), failed.Events())
	}
	if len(traceparents) != 3 || traceparents[0] == "" || traceparents[0][3:35] != ok.SpanContext().TraceID().String() {
		t.Errorf("traceparent headers %q, trace %s", traceparents, ok.SpanContext().TraceID())
	}
	for _, s := range spans {
		if dump := fmt.Sprintf("%v %v %v", s.Attributes(), s.Events(), s.Status()); strings.Contains(dump, "SECRET") {
			t.Errorf("a span holds a key: %s", dump)
		}
	}
}
