package wrapper_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kelviq/kelviq-go/wrapper"
)

const orgJSON = `{"organizationIdentifier":"3f0c2a8e-5b7d-4c1e-9a2f-6d8e0b4c7a19","organizationSlug":"northwind","partnerExternalId":"northwind-0042","serverKey":"sk_test_resilience"}`

func ok(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusCreated)
		}
		_, _ = io.WriteString(w, body)
	}
}

func status(code int, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, `{"detail":"try later"}`)
	}
}

// drop closes the connection after reading the request, before any response.
func drop(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

var provision = wrapper.ProvisionParams{ExternalID: "northwind-0042", Email: "ops@northwind.example"}

func TestRetry503Then200(t *testing.T) {
	checkNoLeak(t)
	c, fs := setup(t, withFaults(status(503), ok(orgJSON)))
	org, err := c.Partner.GetByExternalID(context.Background(), "northwind-0042")
	if err != nil {
		t.Fatal(err)
	}
	if org.Slug != "northwind" || fs.seen.Load() != 2 {
		t.Fatalf("slug %q after %d requests; want northwind after 2", org.Slug, fs.seen.Load())
	}
}

func TestRetry429HonoursRetryAfter(t *testing.T) {
	checkNoLeak(t)
	inOneToTwoSeconds := func() string { return time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat) }
	for name, ra := range map[string]func() string{"seconds": func() string { return "1" }, "HTTP date": inOneToTwoSeconds} {
		c, fs := setup(t, withFaults(func(w http.ResponseWriter, r *http.Request) { status(429, "Retry-After", ra())(w, r) }, ok(orgJSON)))
		start := time.Now()
		_, err := c.Partner.GetByExternalID(context.Background(), "northwind-0042")
		if err != nil {
			t.Fatalf("Retry-After as %s: %v", name, err)
		}
		// The backoff alone would wait at most 5 ms: a wait near a second
		// shows the header was honoured.
		if waited := time.Since(start); waited < 500*time.Millisecond || fs.seen.Load() != 2 {
			t.Fatalf("Retry-After as %s: waited %v over %d requests; want about 1s over 2", name, waited, fs.seen.Load())
		}
	}
}

func TestRetryAfterBeyondCapGivesUp(t *testing.T) {
	checkNoLeak(t)
	c, fs := setup(t, withFaults(status(429, "Retry-After", "120"), ok(orgJSON)))
	_, err := c.Partner.GetByExternalID(context.Background(), "northwind-0042")
	if !errors.Is(err, wrapper.ErrRateLimited) || fs.seen.Load() != 1 {
		t.Fatalf("err %v after %d requests; want ErrRateLimited after 1", err, fs.seen.Load())
	}
}

func TestRetryConnectionDroppedGET(t *testing.T) {
	checkNoLeak(t)
	c, fs := setup(t, withFaults(drop, ok(orgJSON)))
	if _, err := c.Partner.GetByExternalID(context.Background(), "northwind-0042"); err != nil {
		t.Fatal(err)
	}
	if fs.seen.Load() != 2 {
		t.Fatalf("server saw %d requests, want 2", fs.seen.Load())
	}
}

func TestRetry503ForeverIsBounded(t *testing.T) {
	checkNoLeak(t)
	_, fs := setup(t, withFaults(status(503)))
	_, err := fs.client(t).Partner.GetByExternalID(context.Background(), "northwind-0042")
	var apiErr *wrapper.APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, wrapper.ErrServer) {
		t.Fatalf("err = %v, want *APIError matching ErrServer", err)
	}
	if apiErr.Attempts != 3 || fs.seen.Load() != 3 || !strings.Contains(err.Error(), "after 3 attempts") {
		t.Fatalf("attempts %d, seen %d, message %q; want 3, 3, 'after 3 attempts'", apiErr.Attempts, fs.seen.Load(), err)
	}
	// Per call, retries can be turned off.
	fs.seen.Store(0)
	ctx := wrapper.WithCallOptions(context.Background(), wrapper.MaxRetries(0))
	if _, err := fs.client(t).Partner.GetByExternalID(ctx, "northwind-0042"); err == nil || fs.seen.Load() != 1 {
		t.Fatalf("MaxRetries(0): err %v after %d requests; want an error after 1", err, fs.seen.Load())
	}
}

// A POST that may have been applied is never sent again, whatever the
// response.
func TestProvisionNeverSentTwice(t *testing.T) {
	checkNoLeak(t)
	for name, h := range map[string]http.HandlerFunc{
		"503 after receipt":  status(503),
		"408 after receipt":  status(408),
		"connection dropped": drop,
	} {
		_, fs := setup(t, withFaults(h, ok(orgJSON)))
		_, err := fs.client(t, wrapper.WithMaxRetries(5)).Partner.Provision(context.Background(), provision)
		if err == nil || fs.seen.Load() != 1 {
			t.Errorf("%s: err %v after %d requests; want an error after exactly 1", name, err, fs.seen.Load())
		}
	}
}

// A 429 says the rate limit refused the request before it was processed
// (the rulebook's one rule, which the usage reporter also follows): a POST
// that got 429 is sent again after the Retry-After.
func TestProvisionRetriedOn429(t *testing.T) {
	checkNoLeak(t)
	c, fs := setup(t, withFaults(status(429, "Retry-After", "0"), ok(orgJSON)))
	if _, err := c.Partner.Provision(context.Background(), provision); err != nil || fs.seen.Load() != 2 {
		t.Fatalf("err %v after %d requests; want success after 2", err, fs.seen.Load())
	}
}

// A POST whose connection could not even be opened is safe to send again.
func TestProvisionRetriedWhenDialFails(t *testing.T) {
	checkNoLeak(t)
	fs, body := newBodyRecorder(t)
	hc, dials := dialFailsOnce(t)
	c := fs.client(t, wrapper.WithHTTPClient(hc))
	if _, err := c.Partner.Provision(context.Background(), provision); err != nil {
		t.Fatal(err)
	}
	if dials.Load() != 2 || fs.seen.Load() != 1 {
		t.Fatalf("dials %d, requests seen %d; want 2 and 1", dials.Load(), fs.seen.Load())
	}
	// The body was replayed whole on the second attempt.
	if got, want := body.Load(), `{"email":"ops@northwind.example","externalId":"northwind-0042"}`; got != want {
		t.Fatalf("server received body %q, want %q", got, want)
	}
}

// newBodyRecorder is a server that responds with orgJSON and keeps the last body
// it received.
func newBodyRecorder(t *testing.T) (*testServer, *atomic.Value) {
	var body atomic.Value
	_, fs := setup(t, withFaults(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		body.Store(string(b))
		ok(orgJSON)(w, r)
	}))
	return fs, &body
}

// dialFailsOnce is a client whose first connection attempt is refused, as
// when the server is not listening yet; it counts the dials.
func dialFailsOnce(t *testing.T) (*http.Client, *atomic.Int64) {
	var dials atomic.Int64
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) == 1 {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}, &dials
}

func TestTruncatedJSON(t *testing.T) {
	checkNoLeak(t)
	c, fs := setup(t, withFaults(ok(orgJSON[:40])))
	_, err := c.Partner.GetByExternalID(context.Background(), "northwind-0042")
	var de *wrapper.DecodeError
	if !errors.As(err, &de) || de.StatusCode != 200 || !strings.HasPrefix(orgJSON, de.Body) || fs.seen.Load() != 1 {
		t.Fatalf("err = %v (seen %d); want a DecodeError with status 200 and the body sample, after 1 request", err, fs.seen.Load())
	}
}

func TestHTMLBadGatewayFromProxy(t *testing.T) {
	checkNoLeak(t)
	page := "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>" + strings.Repeat("<!-- padding -->", 100) + "</body></html>"
	c, fs := setup(t, withFaults(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, page)
	}))
	_, err := c.Partner.GetByExternalID(context.Background(), "northwind-0042")
	var apiErr *wrapper.APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, wrapper.ErrServer) {
		t.Fatalf("err = %v, want *APIError matching ErrServer", err)
	}
	if apiErr.Message != "Bad Gateway" || len(apiErr.Body) > 512 || !strings.HasPrefix(apiErr.Body, "<html>") || fs.seen.Load() != 3 {
		t.Fatalf("message %q, body %d bytes, seen %d; want status text, an HTML sample of at most 512 bytes, 3 attempts", apiErr.Message, len(apiErr.Body), fs.seen.Load())
	}
}

// A 300 MB response fails with ErrBodyTooLarge after reading at most the cap,
// with or without a Content-Length.
func TestHugeBodyFailsFastWithBoundedMemory(t *testing.T) {
	checkNoLeak(t)
	const huge = 300 << 20
	for _, withLength := range []bool{true, false} {
		_, fs := setup(t, withFaults(func(w http.ResponseWriter, r *http.Request) {
			if withLength {
				w.Header().Set("Content-Length", fmt.Sprint(huge))
			}
			w.Header().Set("Content-Type", "application/json")
			chunk := []byte(strings.Repeat(" ", 64<<10))
			_, _ = w.Write([]byte(`{"organizationSlug":"`))
			for sent := 0; sent < huge-64; sent += len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return // the client hung up, as it should
				}
			}
		}))
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		c := fs.client(t, wrapper.WithMaxBodyBytes(8<<20))
		_, err := c.Partner.GetByExternalID(context.Background(), "northwind-0042")
		runtime.ReadMemStats(&after)
		if !errors.Is(err, wrapper.ErrBodyTooLarge) {
			t.Fatalf("content-length %v: err = %v, want ErrBodyTooLarge", withLength, err)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
			t.Fatalf("content-length %v: allocated %d MiB reading a capped body; want far less than 300 MiB", withLength, grew>>20)
		}
	}
}

func TestSlowHeadersAttemptTimeout(t *testing.T) {
	checkNoLeak(t)
	slow := func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}
	// GET: the slow attempt times out and the retry succeeds.
	c, fs := setup(t, withFaults(slow, ok(orgJSON)), withOptions(wrapper.WithAttemptTimeout(200*time.Millisecond)))
	if _, err := c.Partner.GetByExternalID(context.Background(), "northwind-0042"); err != nil || fs.seen.Load() != 2 {
		t.Fatalf("GET: err %v after %d requests; want success after 2", err, fs.seen.Load())
	}
	// POST: a timed-out attempt may have been processed, so no retry.
	_, fs = setup(t, withFaults(slow, ok(orgJSON)))
	c = fs.client(t, wrapper.WithAttemptTimeout(200*time.Millisecond))
	_, err := c.Partner.Provision(context.Background(), provision)
	if !errors.Is(err, context.DeadlineExceeded) || fs.seen.Load() != 1 {
		t.Fatalf("POST: err %v after %d requests; want DeadlineExceeded after 1", err, fs.seen.Load())
	}
	// Per call, the timeout can be set too.
	_, fs = setup(t, withFaults(slow))
	ctx := wrapper.WithCallOptions(context.Background(), wrapper.AttemptTimeout(50*time.Millisecond), wrapper.MaxRetries(0))
	if _, err := fs.client(t).Partner.GetByExternalID(ctx, "northwind-0042"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("per-call timeout: err = %v, want DeadlineExceeded", err)
	}
}

func TestRetryWaitEndsWhenContextIsCancelled(t *testing.T) {
	checkNoLeak(t)
	c, fs := setup(t, withFaults(status(503, "Retry-After", "20")))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Partner.GetByExternalID(ctx, "northwind-0042")
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, wrapper.ErrServer) {
		t.Fatalf("err = %v, want both DeadlineExceeded and ErrServer", err)
	}
	if waited := time.Since(start); waited > 5*time.Second || fs.seen.Load() != 1 {
		t.Fatalf("returned after %v and %d requests; the 20 s wait must end with the context", waited, fs.seen.Load())
	}
}

// A user's client that follows redirects, given through WithHTTPClient or
// WithDoer: the credential must not follow to another host.
func TestRedirectToAnotherHostCarriesNoCredential(t *testing.T) {
	checkNoLeak(t)
	var leaked atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("X-Kelviq-Partner-Key") + r.Header.Get("Authorization"))
		ok(orgJSON)(w, r)
	}))
	defer other.Close()
	_, fs := setup(t, withFaults(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	for name, opt := range map[string]wrapper.Option{
		"WithHTTPClient": wrapper.WithHTTPClient(&http.Client{}),
		"WithDoer":       wrapper.WithDoer(&http.Client{}),
	} {
		leaked.Store("")
		c := fs.client(t, opt)
		if _, err := c.Partner.GetByExternalID(context.Background(), "northwind-0042"); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if v, _ := leaked.Load().(string); v != "" {
			t.Fatalf("%s: the other host received a credential (%d bytes)", name, len(v))
		}
	}
}

func TestSharedClientUnderConcurrency(t *testing.T) {
	checkNoLeak(t)
	// Every third request for each caller's path fails with 503, so every
	// caller needs retries, and one retry always suffices.
	var mu sync.Mutex
	perPath := map[string]int{}
	_, fs := setup(t, withFaults(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		perPath[r.URL.Path]++
		n := perPath[r.URL.Path]
		mu.Unlock()
		if n%3 == 0 {
			status(503)(w, r)
			return
		}
		ok(orgJSON)(w, r)
	}))
	c := fs.client(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Go(func() {
			for range 5 {
				if _, err := c.Partner.GetByExternalID(context.Background(), fmt.Sprintf("northwind-%d", i)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// 5 successes per caller need 7 requests: two of them got 503.
	if got := fs.seen.Load(); got != 64*7 {
		t.Fatalf("server saw %d requests, want %d", got, 64*7)
	}
}

// checkNoLeak fails the test if goroutines started during it outlive it
// (idle keep-alive connections aside, which it closes first).
func checkNoLeak(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		deadline := time.Now().Add(3 * time.Second)
		for {
			now := runtime.NumGoroutine()
			if now <= before {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				t.Errorf("goroutines: %d before, %d after\n%s", before, now, buf[:runtime.Stack(buf, true)])
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// A body the caller streams (no GetBody) is buffered once so that a retry
// can send it again.
func TestStreamedBodyReplayed(t *testing.T) {
	checkNoLeak(t)
	fs, body := newBodyRecorder(t)
	hc, dials := dialFailsOnce(t)
	c := fs.client(t, wrapper.WithHTTPClient(hc))
	const sent = `{"email":"ops@northwind.example","externalId":"northwind-0042"}`
	stream := io.MultiReader(strings.NewReader(sent[:10]), strings.NewReader(sent[10:]))
	resp, err := c.API().ProvisionPartnerOrganizationWithBody(context.Background(), "application/json", stream)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := body.Load(); dials.Load() != 2 || got != sent {
		t.Fatalf("dials %d, body %q; want 2 dials and the whole body %q", dials.Load(), got, sent)
	}
}
