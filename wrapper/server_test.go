package wrapper_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/wrapper"
)

// The one test server the wrapper's tests share. It serves the API under
// svcAPIPrefix and the edge host under svcEdgePrefix, records every request
// (matched to its operation independently of the client), and responds to each
// operation with its declared success status, unless a responder function,
// set with setResponder, responds first.

// testRequest is what the test server saw.
type testRequest struct {
	N      int64  // its number in seen (1-based)
	OpID   string // "" when the request matched no operation
	Edge   bool   // came in under the edge prefix
	Method string
	Path   string // escaped, relative to the prefix
	Query  url.Values
	Header http.Header
	Body   []byte
}

// testServer serves both the API (/api/v1) and the edge (/edge/v1) and
// responds to each operation with its declared success status. It records
// through testkit's Server (so Only, Count and Requests work on it too) and
// counts requests in seen, which a test may reset.
type testServer struct {
	*testkit.Server
	seen atomic.Int64
	mu   sync.Mutex
	reqs []testRequest
	// responder, when set, overrides the default response.
	responder func(w http.ResponseWriter, r *http.Request, req testRequest) bool
	// watch, when set, sees each request before any responder (withWatcher).
	watch func(r *http.Request, req testRequest)
	// opts build this server's clients (see setup and client).
	opts []wrapper.Option
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	s := &testServer{}
	s.Server = testkit.NewServer(t, s.serve)
	return s
}

// client builds another client of this server, with the keys and options
// setup gave its first one, then opts.
func (s *testServer) client(t *testing.T, opts ...wrapper.Option) *wrapper.Client {
	t.Helper()
	return testkit.Must(wrapper.New(append(slices.Clone(s.opts), opts...)...))(t)
}

func (s *testServer) serve(w http.ResponseWriter, r *http.Request) {
	n := s.seen.Add(1)
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body)) // for a responder
	p := r.URL.EscapedPath()
	req := testRequest{N: n, Method: r.Method, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body}
	switch {
	case strings.HasPrefix(p, svcAPIPrefix+"/"):
		req.Path = strings.TrimPrefix(p, svcAPIPrefix)
	case strings.HasPrefix(p, svcEdgePrefix+"/"):
		req.Path, req.Edge = strings.TrimPrefix(p, svcEdgePrefix), true
	default:
		req.Path = p
	}
	op, ok := matchOp(r.Method, req.Path)
	if ok {
		req.OpID = op.ID()
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	respond := s.responder
	s.mu.Unlock()
	if s.watch != nil {
		s.watch(r, req)
	}
	if respond != nil && respond(w, r, req) {
		return
	}
	if !ok {
		http.Error(w, `{"detail":"no such operation"}`, http.StatusNotFound)
		return
	}
	status := op.SuccessCodes()[0]
	switch {
	case status == http.StatusNoContent:
		w.WriteHeader(status)
	case status >= 300 && status < 400:
		w.Header().Set("Location", svcSignedURL)
		w.WriteHeader(status)
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{}`)
	}
}

func (s *testServer) requests() []testRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

func (s *testServer) setResponder(f func(w http.ResponseWriter, r *http.Request, req testRequest) bool) {
	s.mu.Lock()
	s.responder = f
	s.mu.Unlock()
}

// matchOp finds the operation whose method and path template match an
// escaped path, preferring the template with the most literal segments. It
// is written independently of the wrapper's own matcher.
func matchOp(method, escapedPath string) (wrapper.Operation, bool) {
	got := strings.Split(escapedPath, "/")
	var best wrapper.Operation
	bestLiterals := -1
	for _, op := range wrapper.Operations() {
		want := strings.Split(op.Path(), "/")
		if op.Method() != method || len(want) != len(got) {
			continue
		}
		literals, ok := 0, true
		for i, w := range want {
			if strings.HasPrefix(w, "{") {
				if got[i] == "" {
					ok = false
				}
				continue
			}
			if w != got[i] {
				ok = false
				break
			}
			literals++
		}
		if ok && literals > bestLiterals {
			best, bestLiterals = op, literals
		}
	}
	return best, bestLiterals >= 0
}
