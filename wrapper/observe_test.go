package wrapper_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/kelviq/kelviq-go/wrapper"
)

// A call retried once and then served: the logger gets one record per
// attempt (Warn for the 503, with the wait; Debug for the 200), the
// middleware sees both attempts with the operation, observers see one call,
// and no credential appears anywhere.
func TestLoggerMiddlewareObserver(t *testing.T) {
	checkNoLeak(t)
	_, fs := setup(t, withFaults(status(503), ok(orgJSON)))
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var mu sync.Mutex
	var seen []string
	mw := func(req *http.Request, a wrapper.AttemptInfo, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
		resp, err := next(req)
		mu.Lock()
		seen = append(seen, a.OperationID+"#"+string(rune('0'+a.Attempt)))
		mu.Unlock()
		return resp, err
	}
	obs := &recordingObserver{}
	c := fs.client(t, wrapper.WithLogger(logger), wrapper.WithMiddleware(mw), wrapper.WithObserver(obs))
	if _, err := c.Partner.GetByExternalID(context.Background(), "northwind-0042"); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 records, got %d:\n%s", len(lines), logs.String())
	}
	for i, want := range []string{`"level":"WARN"`, `"level":"DEBUG"`} {
		for _, part := range []string{want, `"operation":"retrievePartnerOrganizationByExternalId"`, `"method":"GET"`,
			`"path":"/partner/organizations/by-external-id/northwind-0042/"`, `"attempt":` + string(rune('1'+i))} {
			if !strings.Contains(lines[i], part) {
				t.Errorf("record %d lacks %s: %s", i+1, part, lines[i])
			}
		}
	}
	if !strings.Contains(lines[0], `"status":503`) || !strings.Contains(lines[0], `"retry_in"`) || !strings.Contains(lines[1], `"status":200`) {
		t.Errorf("records:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "kvqp_") || strings.Contains(logs.String(), "sk_test") {
		t.Errorf("a key was logged:\n%s", logs.String())
	}
	if strings.Join(seen, ",") != "retrievePartnerOrganizationByExternalId#1,retrievePartnerOrganizationByExternalId#2" {
		t.Errorf("middleware saw %v", seen)
	}
	if obs.starts != 1 || obs.ends != 1 || obs.attempts != 2 || obs.lastErr != nil {
		t.Errorf("observer: %+v", obs)
	}
}

type recordingObserver struct {
	mu                     sync.Mutex
	starts, ends, attempts int
	lastErr                error
}

func (o *recordingObserver) CallStart(ctx context.Context, _ wrapper.CallInfo) context.Context {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.starts++
	return ctx
}

func (o *recordingObserver) AttemptDone(context.Context, wrapper.AttemptInfo) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.attempts++
}

func (o *recordingObserver) CallEnd(_ context.Context, _ wrapper.CallInfo, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ends++
	o.lastErr = err
}

// noRetries is an observer that turns retries off for every call it sees.
type noRetries struct{}

func (noRetries) CallStart(ctx context.Context, _ wrapper.CallInfo) context.Context {
	return wrapper.WithCallOptions(ctx, wrapper.MaxRetries(0))
}
func (noRetries) AttemptDone(context.Context, wrapper.AttemptInfo) {}
func (noRetries) CallEnd(context.Context, wrapper.CallInfo, error) {}

// Call options an observer puts on the context in CallStart apply to the
// call, as options on the caller's context do.
func TestObserverCallOptionsApply(t *testing.T) {
	c, fs := setup(t, withFaults(status(http.StatusServiceUnavailable)), withOptions(wrapper.WithObserver(noRetries{})))
	if _, err := c.Partner.GetByExternalID(context.Background(), "northwind-0042"); err == nil || fs.seen.Load() != 1 {
		t.Fatalf("err %v after %d requests; want a 503 after 1", err, fs.seen.Load())
	}
}
