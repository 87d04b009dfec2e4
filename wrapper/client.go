package wrapper

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strings"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/check"
	"github.com/kelviq/kelviq-go/internal/redact"
	"github.com/kelviq/kelviq-go/internal/transport"
)

// Version is the version of this library, sent in the User-Agent header.
const Version = "0.1.0"

// Environment variables read by New unless WithoutEnvKeys is given.
const (
	EnvPartnerKey = "KELVIQ_PARTNER_KEY"
	EnvServerKey  = "KELVIQ_SERVER_API_KEY"
)

// PartnerKeyPrefix starts every partner key.
const PartnerKeyPrefix = "kvqp_"

// DefaultMaxBodyBytes bounds every response body the client reads (32 MiB).
const DefaultMaxBodyBytes int64 = 32 << 20

// Environment is a kelviq environment: its API host and its edge host (for
// entitlements and promotions). Keys work only in their own environment.
type Environment struct {
	// Name is "production" or "sandbox".
	Name string
	// BaseURL is the API's base URL.
	BaseURL string
	// EdgeURL is the base URL of the edge host.
	EdgeURL string
}

// The two kelviq environments. Production is the default, as in kelviq's
// official SDKs.
var (
	Production = Environment{Name: "production", BaseURL: "https://api.kelviq.com/api/v1", EdgeURL: "https://edge.api.kelviq.com/api/v1"}
	Sandbox    = Environment{Name: "sandbox", BaseURL: "https://sandboxapi.kelviq.com/api/v1", EdgeURL: "https://edge.sandboxapi.kelviq.com/api/v1"}
)

// Doer sends one HTTP request. *http.Client is a Doer.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Option configures a Client in New.
type Option func(*settings) error

// option is an Option that changes the settings with set, or fails,
// naming opt, with why when bad.
func option(opt string, bad bool, why string, set func(*settings)) Option {
	return check.Option(opt, bad, why, set)
}

type settings struct {
	partnerKey, serverKey *string
	noEnv                 bool
	env                   Environment
	baseURL, edgeURL      string
	httpClient            *http.Client
	doer                  Doer
	maxBody               int64
	userAgent             string
	retry                 transport.Policy
	observers             []Observer
	middleware            []Middleware
}

// WithPartnerKey sets the partner key (it must start with "kvqp_"), used on
// the partner operations.
func WithPartnerKey(key string) Option {
	return func(s *settings) error {
		if err := check.Key("WithPartnerKey", "partner key", key, PartnerKeyPrefix); err != nil {
			return err
		}
		s.partnerKey = &key
		return nil
	}
}

// WithServerKey sets an organization's server key, sent as a bearer token on
// every operation that is not a partner operation.
func WithServerKey(key string) Option {
	return func(s *settings) error {
		if err := check.Key("WithServerKey", "server key", key, ""); err != nil {
			return err
		}
		s.serverKey = &key
		return nil
	}
}

// WithoutEnvKeys stops New from reading KELVIQ_PARTNER_KEY and
// KELVIQ_SERVER_API_KEY from the environment.
func WithoutEnvKeys() Option {
	return func(s *settings) error { s.noEnv = true; return nil }
}

// WithEnvironment selects Production (the default) or Sandbox. A custom
// Environment's URLs follow the rules of WithBaseURL.
func WithEnvironment(env Environment) Option {
	return func(s *settings) error {
		if env.BaseURL == "" || env.EdgeURL == "" {
			return errors.New("kelviq: WithEnvironment: environment has no base URL; use wrapper.Production or wrapper.Sandbox")
		}
		var err error
		if env.BaseURL, err = check.BaseURL("WithEnvironment: BaseURL", env.BaseURL); err != nil {
			return err
		}
		if env.EdgeURL, err = check.BaseURL("WithEnvironment: EdgeURL", env.EdgeURL); err != nil {
			return err
		}
		s.env = env
		return nil
	}
}

// WithBaseURL points the client at another server, e.g. a test server. The
// URL must be https; plain http is accepted only for loopback hosts. Unless
// WithEdgeURL is also given, edge operations go to the same URL.
func WithBaseURL(u string) Option {
	return urlOption("WithBaseURL", u, func(s *settings, n string) { s.baseURL = n })
}

// WithEdgeURL sets the base URL for the operations the spec sends to the edge
// host (entitlements and promotions). Same rules as WithBaseURL.
func WithEdgeURL(u string) Option {
	return urlOption("WithEdgeURL", u, func(s *settings, n string) { s.edgeURL = n })
}

// urlOption is an Option that sets a base URL checked by check.BaseURL.
func urlOption(opt, u string, set func(*settings, string)) Option {
	return func(s *settings) error {
		n, err := check.BaseURL(opt, u)
		if err == nil {
			set(s, n)
		}
		return err
	}
}

// WithHTTPClient sends requests with c. The client is used as given, except
// that the Client works on a copy whose redirect policy never carries a
// credential to another host and never follows an operation's own declared
// redirect (see DownloadURL).
func WithHTTPClient(c *http.Client) Option {
	return option("WithHTTPClient", c == nil, "client is nil", func(s *settings) { s.httpClient, s.doer = c, nil })
}

// WithDoer sends requests with d instead of an *http.Client. When d is an
// *http.Client it is treated as WithHTTPClient treats it, so no credential
// follows a redirect to another host. Any other Doer sees each request with
// its credential and must not follow redirects itself (the client cannot see
// inside it): return the 3xx response as it is, as http.Client does with
// CheckRedirect returning http.ErrUseLastResponse.
func WithDoer(d Doer) Option {
	return func(s *settings) error {
		if d == nil {
			return errors.New("kelviq: WithDoer: doer is nil")
		}
		if hc, ok := d.(*http.Client); ok {
			s.httpClient, s.doer = hc, nil
			return nil
		}
		s.doer, s.httpClient = d, nil
		return nil
	}
}

// WithMaxBodyBytes sets the largest response body the client reads
// (default DefaultMaxBodyBytes). Larger bodies fail with ErrBodyTooLarge.
func WithMaxBodyBytes(n int64) Option {
	return option("WithMaxBodyBytes", n <= 0, fmt.Sprintf("%d is not a positive byte count", n), func(s *settings) { s.maxBody = n })
}

// WithUserAgent puts the caller's product token (e.g. "acme-billing/1.4")
// before the library's own in the User-Agent header.
func WithUserAgent(product string) Option {
	return option("WithUserAgent", strings.ContainsAny(product, "\r\n"), "product must be one line",
		func(s *settings) { s.userAgent = strings.TrimSpace(product) })
}

// Client calls the kelviq API. Create it with New; it is safe for concurrent
// use and holds no global state.
type Client struct {
	// Partner provisions and finds partner organizations (partner key).
	Partner *PartnerService

	// Services holds a service for every other operation of the API
	// (generated from openapi.json: see services.gen.go).
	Services

	api  *api.ClientWithResponses
	raw  *api.Client
	send *sender
	set  settings // as checked by New
}

// New returns a Client configured by opts. It reads the keys from
// KELVIQ_PARTNER_KEY and KELVIQ_SERVER_API_KEY when they are not given
// (see WithoutEnvKeys). Keys may be absent: a call that needs a missing key
// fails with ErrMissingCredential before anything is sent.
func New(opts ...Option) (*Client, error) {
	s := settings{env: Production, maxBody: DefaultMaxBodyBytes, retry: defaultPolicy}
	if err := s.apply(opts); err != nil {
		return nil, err
	}
	for _, k := range []struct {
		v                 **string
		env, what, prefix string
	}{{&s.partnerKey, EnvPartnerKey, "partner key", PartnerKeyPrefix}, {&s.serverKey, EnvServerKey, "server key", ""}} {
		if s.noEnv || *k.v != nil {
			continue
		}
		if v := os.Getenv(k.env); strings.TrimSpace(v) != "" {
			if err := check.Key(k.env, k.what, v, k.prefix); err != nil {
				return nil, err
			}
			*k.v = &v
		}
	}
	return s.build()
}

func (s *settings) apply(opts []Option) error { return check.Apply(s, opts) }

// build makes a Client of checked settings. The Client keeps them, with its
// prepared Doer in place of the http.Client, for With.
func (s settings) build() (*Client, error) {
	base, edge := s.env.BaseURL, s.env.EdgeURL
	if s.baseURL != "" {
		base, edge = s.baseURL, s.baseURL
	}
	if s.edgeURL != "" {
		edge = s.edgeURL
	}
	ua := "kelviq-go/" + Version + " (" + runtime.Version() + "; " + runtime.GOOS + "/" + runtime.GOARCH + ")"
	if s.userAgent != "" {
		ua = s.userAgent + " " + ua
	}
	if s.doer == nil {
		if s.httpClient != nil {
			s.doer = transport.GuardRedirects(s.httpClient)
		} else {
			s.doer = transport.DefaultDoer()
		}
		s.httpClient = nil
	}
	snd := newSender(base, edge, s.doer, s.maxBody)
	snd.userAgent, snd.retry = ua, s.retry
	if len(s.observers) > 0 || len(s.middleware) > 0 {
		snd.obs = &observe{observers: s.observers, middleware: s.middleware}
	}
	if s.partnerKey != nil {
		snd.partnerKey = NewSecret(*s.partnerKey)
	}
	if s.serverKey != nil {
		snd.serverKey = NewSecret(*s.serverKey)
	}
	raw, err := api.NewClient(base, api.WithHTTPClient(snd), api.WithOperationServer(edge))
	if err != nil {
		return nil, fmt.Errorf("kelviq: %w", err)
	}
	return newClient(raw, snd, s), nil
}

func newClient(raw *api.Client, snd *sender, s settings) *Client {
	c := &Client{api: &api.ClientWithResponses{ClientInterface: raw}, raw: raw, send: snd, set: s}
	c.Partner = &PartnerService{c: c}
	c.initServices()
	return c
}

// With returns a new Client with the settings of c changed by opts; c is
// unchanged. The new Client shares c's connections unless opts bring their
// own. To act for one organization, ForOrganization is shorter:
//
//	org, _ := partner.Partner.GetByExternalID(ctx, "northwind-0042")
//	orgClient, err := partner.With(wrapper.WithServerKey(org.ServerKey.Reveal()))
func (c *Client) With(opts ...Option) (*Client, error) {
	s := c.set
	s.observers = append([]Observer(nil), s.observers...)
	s.middleware = append([]Middleware(nil), s.middleware...)
	if err := s.apply(opts); err != nil {
		return nil, err
	}
	return s.build()
}

// withServerKey is c with another server key: a copy that shares c's
// checked settings, parsed URLs and connections.
func (c *Client) withServerKey(key string) *Client {
	snd, raw, s := *c.send, *c.raw, c.set
	snd.engine.Errors, snd.serverKey, raw.Client, s.serverKey = &snd, NewSecret(key), &snd, &key
	return newClient(&raw, &snd, s)
}

// API returns the generated client, configured with the same base URL,
// credentials, error mapping, retries and limits as c: its methods build
// each request knowing their operation and go through the same sender as
// the service methods and Call, so the same checks apply (a path parameter
// that is empty, "." or ".." is refused with a *ValidationError before
// anything is sent). A non-success response comes back as the error, an
// *APIError. One difference from the service methods: a success body that
// does not decode is reported by the generated ParseXxx function as a plain
// JSON error, without the status (the service methods return a
// *DecodeError with the status and a sample).
func (c *Client) API() *api.ClientWithResponses { return c.api }

// BaseURL returns the base URL requests go to.
func (c *Client) BaseURL() string { return c.send.base }

// String describes the client without any credential.
func (c *Client) String() string {
	return fmt.Sprintf("wrapper.Client{base: %s, partnerKey: %s, serverKey: %s}",
		c.send.base, presence(c.send.partnerKey), presence(c.send.serverKey))
}

// GoString is String, for %#v.
func (c *Client) GoString() string { return c.String() }

// Format implements fmt.Formatter: every verb prints String.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

func presence(s Secret) string {
	if s.IsZero() {
		return "unset"
	}
	return redact.Marker
}

// CloseIdleConnections closes the idle keep-alive connections of the
// client's transport, when it has them (as *http.Client does).
func (c *Client) CloseIdleConnections() {
	if d, ok := c.send.engine.Doer.(interface{ CloseIdleConnections() }); ok {
		d.CloseIdleConnections()
	}
}
