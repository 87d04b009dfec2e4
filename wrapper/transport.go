package wrapper

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/check"
	"github.com/kelviq/kelviq-go/internal/transport"
)

// sender is the one place every request goes through, whichever door it
// came in by (a service method, the generated client or Call). Each request
// arrives with its operation, known where the call started: the sender puts
// on exactly the credential the spec names for it and hands it to the
// engine (package internal/transport), which sends it with retries and
// turns the response into a size-capped body or an *APIError.
type sender struct {
	base                  string // the API's base URL, no trailing slash
	partnerKey, serverKey Secret
	userAgent             string
	// baseServer and edgeServer are the base URL and the edge URL taken apart,
	// the only places a credential is sent.
	baseServer, edgeServer transport.Server
	retry                  transport.Policy
	obs                    *observe // nil: no observers or middleware
	engine                 transport.Engine
}

// newSender returns a sender whose engine names, scrubs and builds errors
// the wrapper's way (the sender is its Errors).
func newSender(base, edge string, doer Doer, maxBody int64) *sender {
	s := &sender{base: base, baseServer: transport.ParseServer(base), edgeServer: transport.ParseServer(edge)}
	s.engine = transport.Engine{Doer: doer, MaxBody: maxBody, Errors: s}
	return s
}

// StatusError maps a response outside its operation's success codes to an
// *APIError.
func (s *sender) StatusError(r transport.UnexpectedResponse) error {
	e := newAPIError(r.Operation, r.Method, r.Path, r.Status, r.Body, s.Scrub)
	e.Attempts = r.Attempts
	return e
}

// TooLarge is the error for a body over the client's limit.
func (s *sender) TooLarge(method, path string) error {
	return &BodyTooLargeError{Limit: s.engine.MaxBody, Method: method, Path: path}
}

// CredentialError reports, before anything is sent, that an operation needs
// a key the client was not given. It matches ErrMissingCredential.
type CredentialError struct {
	// OperationID is the operation that needs the key.
	OperationID string
	// Auth is the credential it needs.
	Auth Auth
}

// Error names the key, the option and the environment variable that set it.
func (e *CredentialError) Error() string {
	opt, env := "WithServerKey", EnvServerKey
	if e.Auth == AuthPartnerKey {
		opt, env = "WithPartnerKey", EnvPartnerKey
	}
	return fmt.Sprintf("kelviq: %s needs the %s: set %s or use wrapper.%s", e.OperationID, e.Auth, env, opt)
}

// Is reports whether target is ErrMissingCredential.
func (e *CredentialError) Is(target error) bool { return target == ErrMissingCredential }

// Do refuses a request that does not say which operation it is for: every
// request reaches the sender through DoOperation, from the generated client
// or Call.
func (s *sender) Do(req *http.Request) (*http.Response, error) { return s.DoOperation(req, 0) }

// refuse closes the body of a request that is not sent, as a Doer must,
// and returns err.
func refuse(req *http.Request, err error) error {
	if req.Body != nil {
		req.Body.Close()
	}
	return err
}

// DoOperation implements api.OperationDoer: it sends req, a request for op.
func (s *sender) DoOperation(req *http.Request, op api.Operation) (*http.Response, error) {
	if !op.Valid() {
		return nil, refuse(req, fmt.Errorf("%w: %s %s was sent without its operation; use the client's methods, API() or Call", ErrUnknownOperation, req.Method, req.URL.Redacted()))
	}
	if err := check.Query(op, req.URL.RawQuery); err != nil { // every door's query, before credentials, as Call checks
		return nil, refuse(req, err)
	}
	transport.StripCredentials(req.Header)
	if want := s.serverFor(op); !want.Serves(req.URL) || (req.Host != "" && !strings.EqualFold(req.Host, strings.TrimSuffix(req.URL.Host, ":"))) {
		// A request editor moved the request elsewhere: no credential
		// goes there, and the request is not sent.
		return nil, refuse(req, fmt.Errorf("%w: %s was moved to %s://%s (Host %q), not %s://%s", ErrUnknownOperation, op.ID(), req.URL.Scheme, req.URL.Host, req.Host, want.Scheme, want.Host))
	}
	// One backing array for the values the sender sets; each is capped at
	// its length, so an append to one elsewhere copies it.
	vals := make([]string, 3)
	vals[0], vals[1] = s.userAgent, "application/json"
	req.Header["User-Agent"] = vals[0:1:1]
	if req.Header.Get("Accept") == "" {
		req.Header["Accept"] = vals[1:2:2]
	}
	if auth := op.Auth(); auth != AuthNone {
		key, prefix := s.partnerKey, ""
		if auth == AuthServerKey {
			key, prefix = s.serverKey, "Bearer "
		}
		if key.IsZero() {
			return nil, refuse(req, &CredentialError{OperationID: op.ID(), Auth: auth})
		}
		vals[2] = key.reveal(prefix)
		req.Header[op.CredentialHeader()] = vals[2:3:3] // canonical, from the table
	}
	if s.obs == nil {
		return s.engine.Send(req, op, s.retry, nil)
	}
	return s.obs.call(req, op, s)
}

// serverFor returns the server op is sent to.
func (s *sender) serverFor(op api.Operation) transport.Server {
	if op.OwnServers() {
		return s.edgeServer
	}
	return s.baseServer
}

// Path returns u's escaped path relative to the base URL (the whole
// path when u is elsewhere, e.g. on the edge host), for errors.
func (s *sender) Path(u *url.URL) string { return transport.Relative(u, s.baseServer, s.edgeServer) }

// Scrub removes the client's keys, and every credential member, from text
// that goes into an error.
func (s *sender) Scrub(text string) string {
	return Redact(text, s.partnerKey.Reveal(), s.serverKey.Reveal())
}
