package testkit

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
)

// Credentials the client tests use. They are distinctive so that a leak is
// easy to spot in any output.
const (
	PartnerKey    = "kvqp_test_partner_7f3a9c1e"
	ServerKey     = "sk_test_server_4b8e21d0"
	OrgServerKey  = "sk_org_northwind_9d2f5a77"
	OrgID         = "312281a3-a1a7-4414-a231-5a25169d74bb"
	PartnerHeader = "X-Kelviq-Partner-Key"
)

// TB is what the helpers need of a test (*testing.T, *testing.B).
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// Request is what a Server saw.
type Request struct {
	Method      string
	Path        string // unescaped
	EscapedPath string
	RequestURI  string
	RawQuery    string
	Header      http.Header
	Body        []byte
}

// Server is an httptest.Server that records every request it gets.
type Server struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []Request
}

// NewServer starts a Server that records each request, then hands it to h
// (when not nil); it is closed at cleanup.
func NewServer(t TB, h http.HandlerFunc) *Server {
	t.Helper()
	s := &Server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.mu.Lock()
		s.reqs = append(s.reqs, Request{
			Method:      r.Method,
			Path:        r.URL.Path,
			EscapedPath: r.URL.EscapedPath(),
			RequestURI:  r.RequestURI,
			RawQuery:    r.URL.RawQuery,
			Header:      r.Header.Clone(),
			Body:        body,
		})
		s.mu.Unlock()
		if h != nil {
			h(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// Base is the API base URL on this server.
func (s *Server) Base() string { return s.URL + "/api/v1" }

// Count is how many requests the server saw.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

// Requests are the requests the server saw, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// Only returns the single request the server saw, failing otherwise.
func (s *Server) Only(t TB) Request {
	t.Helper()
	reqs := s.Requests()
	if len(reqs) != 1 {
		t.Fatalf("server saw %d requests, want 1", len(reqs))
	}
	return reqs[0]
}

// Reply responds with status and a JSON body.
func Reply(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// OrgBody is a full PartnerOrganization response for OrgID.
func OrgBody(externalID, sk string) string {
	b, err := json.Marshal(map[string]any{
		"userId":                 5120,
		"organizationIdentifier": OrgID,
		"organizationSlug":       "northwind-outfitters",
		"clientKey":              "ck_northwind_public",
		"serverKey":              sk,
		"partnerExternalId":      externalID,
	})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// AssertPartnerAuth checks that r carries the partner key and nothing else.
func AssertPartnerAuth(t TB, r Request) {
	t.Helper()
	if got := r.Header.Values(PartnerHeader); len(got) != 1 || got[0] != PartnerKey {
		t.Errorf("%s = %q, want exactly [%q]", PartnerHeader, got, PartnerKey)
	}
	if got, ok := r.Header["Authorization"]; ok {
		t.Errorf("partner call sent Authorization %q", got)
	}
}

// AssertBearer checks that r carries Bearer key and no partner key.
func AssertBearer(t TB, r Request, key string) {
	t.Helper()
	if got := r.Header.Values("Authorization"); len(got) != 1 || got[0] != "Bearer "+key {
		t.Errorf("Authorization = %q, want exactly [%q]", got, "Bearer "+key)
	}
	if got, ok := r.Header[PartnerHeader]; ok {
		t.Errorf("server-key call sent %s %q", PartnerHeader, got)
	}
}

// AssertNoCredential checks that r carries no credential header.
func AssertNoCredential(t TB, r Request) {
	t.Helper()
	for _, h := range []string{"Authorization", PartnerHeader} {
		if got, ok := r.Header[http.CanonicalHeaderKey(h)]; ok {
			t.Errorf("request carries %s %q, want none", h, got)
		}
	}
}
