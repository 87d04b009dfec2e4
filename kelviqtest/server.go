package kelviqtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kelviq/kelviq-go/internal/check"
	"github.com/kelviq/kelviq-go/wrapper"
)

// BasePath is the path prefix under which the fake serves the API, as the
// real hosts do.
const BasePath = "/api/v1"

// Option configures a Server in New.
type Option func(*config) error

type config struct {
	addr            string
	partnerKey      string
	webhookURL      string
	webhookSecret   string
	webhookAttempts int
	webhookBackoff  time.Duration
	clock           func() time.Time
	maxBody         int64
	timeouts        Timeouts
}

// DefaultMaxBodyBytes is the largest request body the fake reads unless
// WithMaxBodyBytes says otherwise (1 MiB); a larger one gets 413. It is the
// client's own limit, so the fake takes any body the client sends.
const DefaultMaxBodyBytes = check.MaxBodyBytes

// maxHeaderBytes bounds the request line and headers the fake's own HTTP
// server reads (64 KiB); net/http responds to a larger request with 431 without
// calling the handler.
const maxHeaderBytes = 64 << 10

// Timeouts bound how long the fake's HTTP server waits for a client, so
// that a slow or stalled client cannot hold a connection forever. A zero
// field keeps the default given beside it.
type Timeouts struct {
	// ReadHeader is how long reading a request's headers may take (10s).
	ReadHeader time.Duration
	// Read is how long reading a whole request, body included, may take (30s).
	Read time.Duration
	// Write is how long responding to a request may take, from the end of
	// its headers (30s).
	Write time.Duration
	// Idle is how long a keep-alive connection may wait for its next
	// request (120s).
	Idle time.Duration
}

// defaultTimeouts are the Timeouts the fake uses unless WithTimeouts
// changes them.
var defaultTimeouts = Timeouts{ReadHeader: 10 * time.Second, Read: 30 * time.Second, Write: 30 * time.Second, Idle: 120 * time.Second}

// WithTimeouts changes the fake's HTTP server timeouts (see Timeouts); a
// zero field keeps its default, a negative one is an error.
func WithTimeouts(t Timeouts) Option {
	return func(c *config) error {
		for _, d := range []time.Duration{t.ReadHeader, t.Read, t.Write, t.Idle} {
			if d < 0 {
				return errors.New("kelviqtest: WithTimeouts: a timeout must not be negative")
			}
		}
		pick := func(d, def time.Duration) time.Duration {
			if d == 0 {
				return def
			}
			return d
		}
		c.timeouts = Timeouts{
			ReadHeader: pick(t.ReadHeader, c.timeouts.ReadHeader),
			Read:       pick(t.Read, c.timeouts.Read),
			Write:      pick(t.Write, c.timeouts.Write),
			Idle:       pick(t.Idle, c.timeouts.Idle),
		}
		return nil
	}
}

// WithMaxBodyBytes sets the largest request body the fake reads (default
// DefaultMaxBodyBytes); a larger one gets 413 without being read
// to its end. n must be positive.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("kelviqtest: WithMaxBodyBytes: %d is not a positive size", n)
		}
		c.maxBody = n
		return nil
	}
}

// WithAddr listens on addr (e.g. "127.0.0.1:8080") instead of a random
// loopback port. The host must be a loopback address or "localhost", so that
// the wrapper accepts the plain-http URL.
func WithAddr(addr string) Option {
	return func(c *config) error {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return fmt.Errorf("kelviqtest: WithAddr: %w", err)
		}
		if !check.IsLoopback(host) {
			return fmt.Errorf("kelviqtest: WithAddr: %q is not a loopback address", addr)
		}
		c.addr = addr
		return nil
	}
}

// WithClock makes now the fake's clock: the time stamps it writes, billing
// periods, renewals, cancellations that take effect later and license
// expiry all follow it. A test can move time forward with a clock of its
// own; the default is time.Now. Webhook signatures always use the real time,
// as receivers check it.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("kelviqtest: WithClock: now is nil")
		}
		c.clock = now
		return nil
	}
}

// WithPartnerKey sets the partner key the fake accepts (it must start with
// "kvqp_"). By default a random "kvqp_test_..." key is used.
func WithPartnerKey(key string) Option {
	return func(c *config) error {
		if err := check.KeyRule("the partner key", key, wrapper.PartnerKeyPrefix); err != nil {
			return fmt.Errorf("kelviqtest: WithPartnerKey: %w", err)
		}
		c.partnerKey = key
		return nil
	}
}

// Server is a running fake of the kelviq API. Its methods are safe for
// concurrent use.
type Server struct {
	partnerKey string
	url        string
	handler    http.Handler
	client     *wrapper.Client
	httpServer *httptest.Server
	closeOnce  sync.Once

	spec    *specIndex
	state   *state
	outbox  *outbox // nil without WithWebhook
	maxBody int64

	eventsMu sync.Mutex
	events   []Event

	logMu sync.Mutex
	log   []Request
}

// Request is one request the fake served, as Requests reports it. It holds
// no header, so no credential.
type Request struct {
	// Method is the HTTP method, e.g. "GET".
	Method string
	// Path is the URL path without the query, e.g. "/api/v1/customers/".
	Path string
	// OperationID is the spec's operationId, or "" when no operation matched.
	OperationID string
	// Status is the HTTP status the fake responded with.
	Status int
}

// New starts a fake on 127.0.0.1 (a random port unless WithAddr is given).
// Call Close when done; NewServer does that for a test.
func New(opts ...Option) (*Server, error) {
	cfg := config{
		addr: "127.0.0.1:0", clock: time.Now, webhookAttempts: DefaultWebhookRetries + 1, webhookBackoff: DefaultWebhookRetrySpacing,
		maxBody: DefaultMaxBodyBytes, timeouts: defaultTimeouts,
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.partnerKey == "" {
		cfg.partnerKey = "kvqp_test_" + randomHex(16)
	}
	spec, err := sharedSpec()
	if err != nil {
		return nil, err
	}
	s := &Server{partnerKey: cfg.partnerKey, spec: spec, state: newState(cfg.clock), maxBody: cfg.maxBody}
	if s.handler, err = s.newHandler(); err != nil {
		return nil, err
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return nil, fmt.Errorf("kelviqtest: listen: %w", err)
	}
	s.url = "http://" + ln.Addr().String() + BasePath
	s.state.origin = "http://" + ln.Addr().String()
	s.client, err = wrapper.New(
		wrapper.WithBaseURL(s.url),
		wrapper.WithPartnerKey(s.partnerKey),
		wrapper.WithoutEnvKeys(),
	)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("kelviqtest: client: %w", err)
	}
	// httptest.Server on our own listener: it serves WithAddr addresses too,
	// and its Close closes idle and never-used connections at once and
	// waits for the requests in flight. The timeouts and the header limit
	// keep slow or hostile clients from holding connections or memory.
	s.httpServer = &httptest.Server{
		Listener: ln,
		Config: &http.Server{
			Handler:           s.handler,
			ReadHeaderTimeout: cfg.timeouts.ReadHeader,
			ReadTimeout:       cfg.timeouts.Read,
			WriteTimeout:      cfg.timeouts.Write,
			IdleTimeout:       cfg.timeouts.Idle,
			MaxHeaderBytes:    maxHeaderBytes,
		},
	}
	s.httpServer.Start()
	s.outbox = newOutbox(cfg)
	return s, nil
}

// NewServer is New for a test: it fails t when the server cannot start and
// closes the server in t.Cleanup.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// NewOrganization is the start of most tests: it provisions the
// organization externalID (owner externalID@example.com) through the
// partner API, as a partner's program would, and returns it with a client
// acting for it. It fails t when either step fails.
func (s *Server) NewOrganization(t testing.TB, externalID string) (*wrapper.PartnerOrganization, *wrapper.Client) {
	t.Helper()
	org, err := s.client.Partner.Provision(context.Background(), wrapper.ProvisionParams{ExternalID: externalID, Email: externalID + "@example.com"})
	if err != nil {
		t.Fatalf("kelviqtest: NewOrganization(%q): %v", externalID, err)
	}
	c, err := s.client.ForOrganization(org)
	if err != nil {
		t.Fatalf("kelviqtest: NewOrganization(%q): %v", externalID, err)
	}
	return org, c
}

// URL returns the API's base URL, BasePath included, e.g.
// "http://127.0.0.1:41234/api/v1". Pass it to wrapper.WithBaseURL.
func (s *Server) URL() string { return s.url }

// PartnerKey returns the partner key the fake accepts.
func (s *Server) PartnerKey() string { return s.partnerKey }

// Client returns a wrapper client pointed at the fake, with the partner key
// and no keys from the environment. Use Client().ForOrganization(org) to act
// for an organization with its server key.
func (s *Server) Client() *wrapper.Client { return s.client }

// Handler returns the fake as an http.Handler, to mount on a server of your
// own. It serves the full paths, BasePath included. The body limit
// (WithMaxBodyBytes), the path limit and the JSON checks apply there too;
// the timeouts (WithTimeouts) and the header limit are the fake's own
// server's, so set your server's.
func (s *Server) Handler() http.Handler { return s.handler }

// Close stops the server: it waits for the requests in flight and closes
// every connection. It may be called more than once.
// Webhook deliveries still queued are dropped.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.httpServer.Close()
		if s.outbox != nil {
			s.outbox.stop()
		}
	})
}

// Requests returns the requests served so far, oldest first: at most the
// latest MaxLoggedRequests of them. A Path longer than MaxLoggedPath bytes is
// kept cut to that length, with "..." at its end.
func (s *Server) Requests() []Request {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return append([]Request(nil), s.log...)
}

// MaxLoggedRequests is how many requests Requests remembers; older ones are
// dropped, so that a long-running fake's memory stays bounded.
const MaxLoggedRequests = 100_000

// MaxLoggedPath is how many bytes of a request's path Requests keeps.
const MaxLoggedPath = 1024

func (s *Server) record(r Request) {
	// Copies: net/http cuts the method and often the path out of the
	// request line, so keeping either substring would keep the whole line
	// (up to the header limit, or any length through Handler) alive.
	r.Method = strings.Clone(r.Method)
	if len(r.Path) > MaxLoggedPath {
		r.Path = r.Path[:MaxLoggedPath-3] + "..."
	} else {
		r.Path = strings.Clone(r.Path)
	}
	s.logMu.Lock()
	if len(s.log) >= MaxLoggedRequests {
		// Drop the oldest tenth at once, so that a full log costs one
		// copy per MaxLoggedRequests/10 requests, not one per request.
		s.log = append(s.log[:0], s.log[MaxLoggedRequests/10:]...)
	}
	s.log = append(s.log, r)
	s.logMu.Unlock()
}

// ProvisionOrganization creates an organization directly in the fake's state,
// as provisionPartnerOrganization would, and returns it with its server key.
// It fails, as the API would, when the external ID or the email is taken.
func (s *Server) ProvisionOrganization(externalID, email string) (*wrapper.PartnerOrganization, error) {
	if max := provisionMaxLength("externalId"); strings.TrimSpace(externalID) == "" || max > 0 && utf8.RuneCountInString(externalID) > max {
		return nil, fmt.Errorf("kelviqtest: ProvisionOrganization: externalID must not be empty, nor longer than the spec's %d characters", max)
	}
	if !strings.Contains(email, "@") {
		return nil, errors.New("kelviqtest: ProvisionOrganization: email is not an email address")
	}
	o, err := s.state.provision(externalID, email, "")
	if err != nil {
		return nil, fmt.Errorf("kelviqtest: ProvisionOrganization: %w", err)
	}
	return &wrapper.PartnerOrganization{
		Identifier: o.id,
		Slug:       o.slug,
		ExternalID: o.externalID,
		ClientKey:  o.clientKey,
		ServerKey:  wrapper.NewSecret(o.serverKey),
		UserID:     o.userID,
	}, nil
}
