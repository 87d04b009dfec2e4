package transport

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kelviq/kelviq-go/api"
)

var errTooLarge = errors.New("too large")

// plainErrors builds errors plainly.
type plainErrors struct{}

func (plainErrors) Scrub(s string) string  { return s }
func (plainErrors) Path(u *url.URL) string { return u.Path }
func (plainErrors) StatusError(r UnexpectedResponse) error {
	return errors.New(http.StatusText(r.Status))
}
func (plainErrors) TooLarge(method, path string) error { return errTooLarge }

// testEngine is an engine whose errors are plain.
func testEngine(maxBody int64) *Engine { return &Engine{MaxBody: maxBody, Errors: plainErrors{}} }

func TestCappedBody(t *testing.T) {
	t.Parallel()
	cases := []struct {
		size, limit int
		wantErr     bool
	}{
		{0, 10, false},
		{10, 10, false},
		{11, 10, true},
		{4096, 1024, true},
		{1024, 1024, false},
	}
	for _, tc := range cases {
		b := &cappedBody{rc: io.NopCloser(bytes.NewReader(bytes.Repeat([]byte("x"), tc.size))), n: int64(tc.limit), e: testEngine(int64(tc.limit)), op: api.OperationListCustomers}
		got, err := io.ReadAll(b)
		if tc.wantErr {
			if !errors.Is(err, errTooLarge) || !b.over || len(got) > tc.limit {
				t.Errorf("size %d limit %d: read %d bytes, err %v; want the cap error", tc.size, tc.limit, len(got), err)
			}
		} else if err != nil || len(got) != tc.size {
			t.Errorf("size %d limit %d: read %d bytes, err %v", tc.size, tc.limit, len(got), err)
		}
		if err := b.Close(); err != nil {
			t.Errorf("Close = %v", err)
		}
	}
}

func TestCredentialHeaders(t *testing.T) {
	t.Parallel()
	got := credentialHeaders
	if !reflect.DeepEqual(got, []string{"Authorization", "X-Kelviq-Partner-Key"}) {
		t.Errorf("credentialHeaders = %v", got)
	}
}

// redirectReq builds the request CheckRedirect sees for a redirect to to,
// marked as the engine marks it when the operation's response is a redirect.
func redirectReq(t *testing.T, opID, to string) *http.Request {
	t.Helper()
	op, ok := api.LookupOperation(opID)
	if !ok {
		t.Fatalf("no operation %s", opID)
	}
	ctx := context.Background()
	if op.Redirects() {
		ctx = context.WithValue(ctx, redirectKey{}, true)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, to, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer sk")
	req.Header.Set("X-Kelviq-Partner-Key", "kvqp_x")
	return req
}

func TestGuardRedirects(t *testing.T) {
	t.Parallel()
	first, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:8080/api/v1/x/", nil)
	via := []*http.Request{first}

	user := GuardRedirects(&http.Client{})
	// Same host: followed, credentials kept.
	req := redirectReq(t, "listCustomers", "http://127.0.0.1:8080/api/v1/y/")
	if err := user.CheckRedirect(req, via); err != nil || req.Header.Get("Authorization") == "" {
		t.Errorf("same-host redirect: err %v, Authorization %q", err, req.Header.Get("Authorization"))
	}
	// Another port, host or scheme: followed, every credential dropped.
	for _, to := range []string{"http://127.0.0.1:9090/y/", "http://other.example/y/", "https://127.0.0.1:8080/api/v1/y/"} {
		req := redirectReq(t, "listCustomers", to)
		if err := user.CheckRedirect(req, via); err != nil {
			t.Errorf("%s: err %v, want the redirect followed", to, err)
		}
		if req.Header.Get("Authorization") != "" || req.Header.Get("X-Kelviq-Partner-Key") != "" {
			t.Errorf("%s: credentials kept: %v", to, req.Header)
		}
	}
	// Go's default limit of 10 redirects still holds.
	long := make([]*http.Request, 10)
	for i := range long {
		long[i] = first
	}
	if err := user.CheckRedirect(redirectReq(t, "listCustomers", "http://127.0.0.1:8080/z/"), long); err == nil {
		t.Error("the 11th redirect was followed")
	}
	// An operation's declared redirect is never followed.
	if err := user.CheckRedirect(redirectReq(t, "downloadCatalogPlanFile", "http://127.0.0.1:8080/f"), via); !errors.Is(err, http.ErrUseLastResponse) {
		t.Errorf("declared 302: err %v, want ErrUseLastResponse", err)
	}
	// A user policy is consulted, after the credentials are dropped.
	stop := errors.New("stop")
	var sawAuth string
	own := GuardRedirects(&http.Client{CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		sawAuth = r.Header.Get("Authorization") + r.Header.Get("X-Kelviq-Partner-Key")
		return stop
	}})
	if err := own.CheckRedirect(redirectReq(t, "listCustomers", "http://other.example/"), via); !errors.Is(err, stop) || sawAuth != "" {
		t.Errorf("user policy: err %v, saw credential %q", err, sawAuth)
	}
	// The guard works on a copy.
	orig := &http.Client{}
	if GuardRedirects(orig); orig.CheckRedirect != nil {
		t.Error("GuardRedirects modified the caller's client")
	}
}

func TestDefaultDoerFollowsNoRedirect(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer target.Close()
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/elsewhere", http.StatusFound)
	}))
	defer origin.Close()
	d := DefaultDoer()
	defer d.(interface{ CloseIdleConnections() }).CloseIdleConnections()
	req, _ := http.NewRequest(http.MethodGet, origin.URL+"/api/v1/customers/", nil)
	req.Header.Set("Authorization", "Bearer sk")
	resp, err := d.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != target.URL+"/elsewhere" || hits.Load() != 0 {
		t.Errorf("status %d, Location %q, target hit %d times; want the 302 itself", resp.StatusCode, resp.Header.Get("Location"), hits.Load())
	}
}

// A failed request is a *url.Error naming the method and the URL, as
// http.Client reports it, and still says it was never sent.
func TestDefaultDoerErrors(t *testing.T) {
	t.Parallel()
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:0/api/v1/charges/", strings.NewReader("{}"))
	_, err := DefaultDoer().Do(req)
	var ue *url.Error
	if !errors.As(err, &ue) || ue.Op != "Post" || ue.URL != "http://127.0.0.1:0/api/v1/charges/" || !neverSent(err) || !transient(err) {
		t.Errorf("err = %#v (%v)", err, err)
	}
}

// Closing a response's body releases its attempt's context; a body over the
// limit fails ReadBody with the engine's own error, as it is.
func TestCappedBodyCloseAndReadBody(t *testing.T) {
	t.Parallel()
	released := 0
	b := &cappedBody{rc: io.NopCloser(bytes.NewReader([]byte("ok"))), n: 10, e: testEngine(10), op: api.OperationListCustomers, done: func() { released++ }}
	if err := b.Close(); err != nil || released != 1 {
		t.Errorf("Close = %v, context released %d times; want once", err, released)
	}
	big := &cappedBody{rc: io.NopCloser(bytes.NewReader(bytes.Repeat([]byte("x"), 20))), n: 10, e: testEngine(10), op: api.OperationListCustomers}
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1/api/v1/customers/", nil)
	if _, err := ReadBody(&http.Response{Body: big, ContentLength: -1, Request: req}); err != errTooLarge {
		t.Errorf("ReadBody over the limit = %v, want the engine's TooLarge error itself", err)
	}
	// A Content-Length far over what comes is not allocated up front.
	short := &cappedBody{rc: io.NopCloser(bytes.NewReader([]byte("{}"))), n: 1 << 40, e: testEngine(1 << 40), op: api.OperationListCustomers}
	before := new(runtime.MemStats)
	runtime.ReadMemStats(before)
	body, _ := ReadBody(&http.Response{Body: short, ContentLength: 1 << 30, Request: req})
	after := new(runtime.MemStats)
	runtime.ReadMemStats(after)
	if string(body) != "{}" || after.TotalAlloc-before.TotalAlloc > 64<<20 {
		t.Errorf("a 2-byte body claiming 1 GiB: read %q, allocated %d bytes", body, after.TotalAlloc-before.TotalAlloc)
	}
}

// As many callers as IdleConnsPerHost, calling at once, keep their
// connections: a second round of concurrent calls opens none. (With 64 idle
// connections per host, as before, 128 callers reconnected 64 times a
// round.)
func TestDefaultDoerKeepsAConnectionPerConcurrentCaller(t *testing.T) {
	const callers = 128 // more than the old 64, within IdleConnsPerHost
	if callers > IdleConnsPerHost {
		t.Fatalf("IdleConnsPerHost is %d, below the %d callers this test needs", IdleConnsPerHost, callers)
	}
	var opened atomic.Int32
	var inFlight atomic.Int32
	var round atomic.Pointer[chan struct{}]
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Hold every call until all callers are in, so that each has a
		// connection of its own.
		ch := *round.Load()
		if inFlight.Add(1) == callers {
			close(ch)
		}
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
		}
		_, _ = io.WriteString(w, "{}")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	d := DefaultDoer()
	defer d.(interface{ CloseIdleConnections() }).CloseIdleConnections()
	callRound := func() {
		ch := make(chan struct{})
		round.Store(&ch)
		inFlight.Store(0)
		var wg sync.WaitGroup
		for range callers {
			wg.Go(func() {
				req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/customers/", nil)
				resp, err := d.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			})
		}
		wg.Wait()
	}
	callRound()
	first := opened.Load()
	if first != callers {
		t.Fatalf("the first round opened %d connections, want one per caller (%d)", first, callers)
	}
	callRound()
	if again := opened.Load() - first; again != 0 {
		t.Errorf("the second round of %d concurrent calls opened %d new connections, want 0 (all kept idle)", callers, again)
	}
}
