// Package countingapi is a small stand-in for the kelviq API for tests of
// the entitlements and usage packages: it serves reportUsage (POST
// /api/v1/report/usage/) and getCustomerEntitlements (GET
// /api/v1/entitlements/) as openapi.json describes them, keeps exact usage
// totals per customer and feature, counts requests, and fails on demand: a
// status such as 429 or 503, a connection dropped after the body was read
// (with or without applying it), or a refused connection (Refuse).
//
// It is kept small on purpose: when kelviqtest keeps usage totals and can
// inject these faults, the tests can switch to it through the same few
// calls (Start, URL, Client, Total, UsageRequests, EntitlementRequests,
// SetFaults, Refuse).
package countingapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Fault is what the server does with one usage request.
type Fault int

const (
	// OK applies the report and responds with 200.
	OK Fault = iota
	// Status429 responds with 429 without applying.
	Status429
	// Status503 responds with 503 without applying.
	Status503
	// Status503Applied applies the report, then responds with 503.
	Status503Applied
	// DropApplied reads and applies the report, then closes the
	// connection without responding.
	DropApplied
	// DropUnapplied reads the report, then closes the connection without
	// applying or responding.
	DropUnapplied
	// Status400 responds with 400 without applying.
	Status400
	// Hold reads the report, waits until the channel given to SetHold is
	// closed, then applies it and responds with 200 (if the client is still
	// there). Held values are listed by HeldValues.
	Hold
)

// Server is a running stand-in. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL of the API it stands for (it ends in /api/v1).
	URL string

	addr string
	mu   sync.Mutex
	ln   net.Listener
	srv  *http.Server
	wg   sync.WaitGroup

	totals      map[[2]string]int
	applied     int
	entitled    map[string]bool // feature -> hasAccess, for every customer
	faults      func(n int) Fault
	entDelay    time.Duration
	usageReqs   atomic.Int64
	entReqs     atomic.Int64
	maxInFlight atomic.Int64
	inFlight    atomic.Int64
	refuse      atomic.Bool
	deadAddr    string
	hold        chan struct{}
	held        []int
}

// SetHold sets the channel that held requests (Fault Hold) wait for.
func (s *Server) SetHold(ch chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold = ch
}

// HeldValues returns the values of the requests that were held, in order
// of arrival.
func (s *Server) HeldValues() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.held...)
}

// TB is what Start and Client need of a test: *testing.T and *testing.B
// have it. (The package imports neither testing nor the client: it is the
// bottom layer, which the tests of the layers above use.)
type TB interface {
	Helper()
	Fatal(args ...any)
	Cleanup(func())
}

// ServerKey is the server key the server's clients send (it checks none).
const ServerKey = "sk_test_counting"

// Start runs a server on a free loopback port, closed in tb.Cleanup.
func Start(tb TB) *Server {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := &Server{addr: ln.Addr().String(), totals: map[[2]string]int{},
		entitled: map[string]bool{"seats": true, "api-calls": true, "sso": false}}
	s.URL = "http://" + s.addr + "/api/v1"
	// Port 0, where nothing can listen: the kernel refuses every
	// connection to it. (A port that was free a moment ago could be taken
	// by another test's server in the meantime, which would then respond.)
	s.deadAddr = "127.0.0.1:0"
	s.serve(ln)
	tb.Cleanup(s.Close)
	return s
}

func (s *Server) serve(ln net.Listener) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/report/usage/", s.usage)
	mux.HandleFunc("GET /api/v1/entitlements/", s.entitlements)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	s.mu.Lock()
	s.ln, s.srv = ln, srv
	s.mu.Unlock()
	s.wg.Add(1)
	go func() { defer s.wg.Done(); _ = srv.Serve(ln) }()
}

// Close stops the server and closes every connection.
func (s *Server) Close() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
		s.wg.Wait()
	}
}

// Refuse makes every connection that clients made by Client open from now
// on go to a closed loopback port, where the kernel refuses it (true), or
// to the server again (false). Requests already sent are unaffected.
func (s *Server) Refuse(on bool) { s.refuse.Store(on) }

// Client returns a client of s made by newClient (wrapper.New in the
// tests) from the options baseURL, serverKey and httpClient make (the
// client's own option constructors) followed by opts, failing tb if it
// cannot. The HTTP client keeps no connection alive (each request dials,
// so Refuse applies to each); its idle connections are closed at cleanup.
func Client[C, O any](tb TB, s *Server, newClient func(...O) (C, error),
	baseURL, serverKey func(string) O, httpClient func(*http.Client) O, opts ...O) C {
	tb.Helper()
	var d net.Dialer
	tr := &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if s.refuse.Load() {
				addr = s.deadAddr
			}
			return d.DialContext(ctx, network, addr)
		},
	}
	tb.Cleanup(tr.CloseIdleConnections)
	own := []O{baseURL(s.URL), serverKey(ServerKey), httpClient(&http.Client{Transport: tr})}
	c, err := newClient(append(own, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// SetFaults makes f decide the fault of each usage request; n counts usage
// requests from 1. nil means OK for all.
func (s *Server) SetFaults(f func(n int) Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// SetEntitlementDelay makes entitlement lookups wait d before responding.
func (s *Server) SetEntitlementDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entDelay = d
}

// Total returns the usage total of the customer's feature.
func (s *Server) Total(customerID, featureID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.totals[[2]string{customerID, featureID}]
}

// Applied returns how many usage requests were applied.
func (s *Server) Applied() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.applied
}

// UsageRequests returns how many usage requests arrived.
func (s *Server) UsageRequests() int { return int(s.usageReqs.Load()) }

// EntitlementRequests returns how many entitlement lookups arrived.
func (s *Server) EntitlementRequests() int { return int(s.entReqs.Load()) }

// MaxInFlight returns the most usage requests handled at once.
func (s *Server) MaxInFlight() int { return int(s.maxInFlight.Load()) }

type usageBody struct {
	Value      *int   `json:"value"`
	CustomerID string `json:"customerId"`
	FeatureID  string `json:"featureId"`
	Behaviour  string `json:"behaviour"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) usage(w http.ResponseWriter, r *http.Request) {
	n := s.usageReqs.Add(1)
	cur := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		m := s.maxInFlight.Load()
		if cur <= m || s.maxInFlight.CompareAndSwap(m, cur) {
			break
		}
	}
	if r.Header.Get("Authorization") == "" {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Authentication credentials were not provided."})
		return
	}
	var b usageBody
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"detail": "JSON parse error"})
		return
	}
	fields := map[string][]string{}
	if b.Value == nil {
		fields["value"] = []string{"This field is required."}
	}
	if b.CustomerID == "" {
		fields["customerId"] = []string{"This field may not be blank."}
	}
	if b.FeatureID == "" {
		fields["featureId"] = []string{"This field may not be blank."}
	}
	if b.Behaviour != "SET" && b.Behaviour != "DELTA" {
		fields["behaviour"] = []string{strconv.Quote(b.Behaviour) + " is not a valid choice."}
	}
	if len(fields) > 0 {
		writeJSON(w, http.StatusBadRequest, fields)
		return
	}
	s.mu.Lock()
	fault := OK
	if s.faults != nil {
		fault = s.faults(int(n))
	}
	hold := s.hold
	if fault == Hold {
		s.held = append(s.held, *b.Value)
	}
	s.mu.Unlock()
	if fault == Hold && hold != nil {
		<-hold
	}
	switch fault {
	case Status429:
		w.Header().Set("Retry-After", "0")
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"detail": "Request was throttled."})
		return
	case Status503:
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"detail": "unavailable"})
		return
	case Status400:
		writeJSON(w, http.StatusBadRequest, map[string][]string{"featureId": {"Feature not found."}})
		return
	case DropUnapplied:
		drop(w)
		return
	}
	s.apply(b)
	switch fault {
	case DropApplied:
		drop(w)
		return
	case Status503Applied:
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"detail": "unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"value": *b.Value, "customerId": b.CustomerID, "featureId": b.FeatureID, "behaviour": b.Behaviour,
		"orgId": "org_test", "eventName": "usage", "idempotencyKey": fmt.Sprintf("idem-%d", n),
		"timestamp": time.Now().UTC().Format(time.RFC3339Nano),
	})
}

func (s *Server) apply(b usageBody) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]string{b.CustomerID, b.FeatureID}
	if b.Behaviour == "SET" {
		s.totals[k] = *b.Value
	} else {
		s.totals[k] += *b.Value
	}
	s.applied++
}

// drop closes the connection without a response.
func drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(errors.New("countingapi: cannot hijack"))
	}
	c, _, err := hj.Hijack()
	if err == nil {
		_ = c.Close()
	}
}

func (s *Server) entitlements(w http.ResponseWriter, r *http.Request) {
	s.entReqs.Add(1)
	s.mu.Lock()
	d := s.entDelay
	ent := make(map[string]bool, len(s.entitled))
	for k, v := range s.entitled {
		ent[k] = v
	}
	s.mu.Unlock()
	time.Sleep(d)
	q := r.URL.Query()
	cust := q.Get("customer_id")
	if cust == "" {
		writeJSON(w, http.StatusBadRequest, map[string][]string{"customer_id": {"This field is required."}})
		return
	}
	var list []map[string]any
	for _, f := range []string{"seats", "api-calls", "sso"} {
		if want := q.Get("feature_id"); want != "" && want != f {
			continue
		}
		if has, ok := ent[f]; ok {
			list = append(list, map[string]any{"featureId": f, "hasAccess": has, "featureType": "METER",
				"usageLimit": 100, "currentUsage": s.Total(cust, f), "remaining": 100 - s.Total(cust, f), "hardLimit": true})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"customerId": cust, "entitlements": list})
}
