package wrapper_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/wrapper"
)

// setupConfig is what a test's setup options change.
type setupConfig struct {
	partnerKey, serverKey string
	noEdge, envKeys       bool
	opts                  []wrapper.Option
	responder             func(w http.ResponseWriter, r *http.Request, req testRequest) bool
	faults                []http.HandlerFunc
	watch                 func(r *http.Request, req testRequest)
}

// setupOption changes what setup starts.
type setupOption func(*setupConfig)

// withOptions adds client options after setup's own.
func withOptions(opts ...wrapper.Option) setupOption {
	return func(c *setupConfig) { c.opts = append(c.opts, opts...) }
}

// withKeys sets the client's keys ("" for none) in place of testkit's two.
func withKeys(partnerKey, serverKey string) setupOption {
	return func(c *setupConfig) { c.partnerKey, c.serverKey = partnerKey, serverKey }
}

// withEnvKeys lets the client read keys from the environment (setup's
// clients otherwise do not: WithoutEnvKeys).
func withEnvKeys() setupOption { return func(c *setupConfig) { c.envKeys = true } }

// withoutEdgeURL leaves the edge URL unset, so edge calls follow the base
// URL, as a caller's client that sets only WithBaseURL.
func withoutEdgeURL() setupOption { return func(c *setupConfig) { c.noEdge = true } }

// withWatcher has f see each request as it came, before the server responds,
// whatever responder a test sets later.
func withWatcher(f func(r *http.Request, req testRequest)) setupOption {
	return func(c *setupConfig) { c.watch = f }
}

// withHandler responds to every request with h (the server still records it).
func withHandler(h http.HandlerFunc) setupOption {
	return func(c *setupConfig) {
		c.responder = func(w http.ResponseWriter, r *http.Request, _ testRequest) bool { h(w, r); return true }
	}
}

// withFaults responds to request n (1-based) with handlers[n-1], requests past
// the list with the last handler, counting by srv.seen (which a test may
// reset); its clients retry fast (1-5ms backoff).
func withFaults(handlers ...http.HandlerFunc) setupOption {
	return func(c *setupConfig) {
		c.faults = handlers
		c.opts = append(c.opts, wrapper.WithRetryBackoff(time.Millisecond, 5*time.Millisecond))
	}
}

// setup starts the package's test server (newTestServer: every operation
// given the response the spec declares, on /api/v1 and /edge/v1, each request
// recorded) and a client of it with testkit's partner and server keys, then
// what opts add: the one setup of this package's tests, as go-github's. A
// test may set other responses later with srv.setResponder, as go-github's
// tests register handlers on the mux setup returns, and build more clients
// of the same server with srv.client.
func setup(t *testing.T, opts ...setupOption) (*wrapper.Client, *testServer) {
	t.Helper()
	cfg := setupConfig{partnerKey: testkit.PartnerKey, serverKey: testkit.ServerKey}
	for _, o := range opts {
		o(&cfg)
	}
	srv := newTestServer(t)
	srv.opts = []wrapper.Option{wrapper.WithBaseURL(srv.URL + svcAPIPrefix)}
	if !cfg.envKeys {
		srv.opts = append(srv.opts, wrapper.WithoutEnvKeys())
	}
	if !cfg.noEdge {
		srv.opts = append(srv.opts, wrapper.WithEdgeURL(srv.URL+svcEdgePrefix))
	}
	if cfg.partnerKey != "" {
		srv.opts = append(srv.opts, wrapper.WithPartnerKey(cfg.partnerKey))
	}
	if cfg.serverKey != "" {
		srv.opts = append(srv.opts, wrapper.WithServerKey(cfg.serverKey))
	}
	srv.opts = append(srv.opts, cfg.opts...)
	srv.responder, srv.watch = cfg.responder, cfg.watch
	if fs := cfg.faults; len(fs) > 0 {
		srv.responder = func(w http.ResponseWriter, r *http.Request, req testRequest) bool {
			fs[min(int(req.N), len(fs))-1](w, r)
			return true
		}
	}
	return srv.client(t), srv
}

// assertPartnerThenServerKey checks that reqs are exactly two: a partner
// call with the partner key alone, then a call with testkit's server key alone.
func assertPartnerThenServerKey(t *testing.T, reqs []testkit.Request) {
	t.Helper()
	if len(reqs) != 2 {
		t.Fatalf("server saw %d requests, want 2", len(reqs))
	}
	testkit.AssertPartnerAuth(t, reqs[0])
	testkit.AssertBearer(t, reqs[1], testkit.ServerKey)
}
