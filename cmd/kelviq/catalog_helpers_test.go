package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/kelviq/kelviq-go/kelviqtest"
	"github.com/kelviq/kelviq-go/wrapper"
)

// writeProxy is a reverse proxy in front of a fake that counts the writes
// (every request but GET) it forwards, and can respond to the failAt-th write
// with a 500 itself, or hold the holdAt-th write (never forwarding it)
// until the client gives up, closing held when it arrives.
type writeProxy struct {
	srv *httptest.Server

	mu       sync.Mutex
	writes   []string // "METHOD path" of every write forwarded, in order
	seen     int      // writes received, forwarded or not
	requests int      // every request received
	failAt   int
	holdAt   int
	held     chan struct{}
}

func newWriteProxy(t *testing.T, fake *kelviqtest.Server) *writeProxy {
	t.Helper()
	u, err := url.Parse(fake.URL())
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host})
	p := &writeProxy{held: make(chan struct{})}
	stop := make(chan struct{})
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.requests++
		p.mu.Unlock()
		if r.Method != http.MethodGet {
			p.mu.Lock()
			p.seen++
			n := p.seen
			p.mu.Unlock()
			switch n {
			case p.failAt:
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = w.Write([]byte(`{"detail": "the proxy fails this write"}`))
				return
			case p.holdAt:
				_, _ = io.Copy(io.Discard, r.Body) // so that the server notices the client going away
				close(p.held)
				select { // until the client goes away, or the test ends: nothing is forwarded
				case <-r.Context().Done():
				case <-stop:
				}
				return
			}
			p.mu.Lock()
			p.writes = append(p.writes, r.Method+" "+r.URL.Path)
			p.mu.Unlock()
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	t.Cleanup(func() { close(stop) }) // runs first
	return p
}

// URL is the proxy's base URL, with the fake's API path.
func (p *writeProxy) URL() string {
	u, _ := url.Parse(p.srv.URL)
	return u.String() + kelviqtest.BasePath
}

// Requests counts every request the proxy received, reads included.
func (p *writeProxy) Requests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests
}

func (p *writeProxy) Writes() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.writes...)
}

// catalogOrg provisions an organization on fake and returns its server key.
func catalogOrg(t *testing.T, fake *kelviqtest.Server, externalID string) string {
	t.Helper()
	return provisioned(t, fake, externalID).ServerKey.Reveal()
}

// orgClient is a client acting for the organization of key on fake,
// bypassing any proxy.
func orgClient(t *testing.T, fake *kelviqtest.Server, key string) *wrapper.Client {
	t.Helper()
	c, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(fake.URL()), wrapper.WithServerKey(key))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sandboxEnv is the environment of a CLI run whose sandbox is the
// organization of key behind base, with a config directory of its own
// (so that no stored key is read).
func sandboxEnv(t *testing.T, base, key string) map[string]string {
	return map[string]string{
		envSandboxBaseURL:   base,
		envSandboxServerKey: key,
		envXDGConfigHome:    t.TempDir(),
	}
}

// opLines are the operation lines of a push report with the given state
// ("done", "FAILED", "not run"), without the state.
func opLines(report, state string) []string {
	var out []string
	for _, l := range strings.Split(report, "\n") {
		if rest, ok := strings.CutPrefix(l, "  "+state+" "); ok {
			out = append(out, strings.TrimSpace(rest))
		}
	}
	return out
}
