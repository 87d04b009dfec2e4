package wrapper

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/kelviq/kelviq-go/api"
)

// maxErrorBody bounds how much of an error answer is read (1 MiB).
const maxErrorBody = 1 << 20

// sender is the one place every request goes through, whichever door it
// came in by (a service method, the generated client or Call). Each request
// arrives with its operation, known where the call started: the sender puts
// on exactly the credential the spec names for it, sends with retries, and
// turns the answer into either a size-capped body or an *APIError.
type sender struct {
	base                  string // the API's base URL, no trailing slash
	partnerKey, serverKey Secret
	maxBody               int64
	userAgent             string
	// baseServer and edgeServer are the base URL and the edge URL taken apart,
	// the only places a credential is sent.
	baseServer, edgeServer server
	doer                   Doer
	retry                  retryPolicy
	obs                    *observe // nil: no observers or middleware
}

// credentialHeaders are the headers that can carry a credential, from the
// operation table: the sender removes them all before setting the one the
// operation takes, and the redirect guard before leaving the host.
var credentialHeaders = func() []string {
	var hs []string
	for _, op := range api.Operations() {
		if h := op.CredentialHeader(); h != "" && !containsFold(hs, h) {
			hs = append(hs, h)
		}
	}
	return hs
}()

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
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
func (s *sender) Do(req *http.Request) (*http.Response, error) {
	return nil, refuse(req, fmt.Errorf("%w: %s %s was sent without its operation; use the client's methods, API() or Call", ErrUnknownOperation, req.Method, req.URL.Redacted()))
}

// refuse closes the body of a request that is not sent, as a Doer must,
// and returns err.
func refuse(req *http.Request, err error) error {
	if req.Body != nil {
		req.Body.Close()
	}
	return err
}

// redirectKey marks, in a request's context, an operation whose success is
// a redirect, for the redirect guard.
type redirectKey struct{}

// DoOperation implements api.OperationDoer: it sends req, a request for op.
func (s *sender) DoOperation(req *http.Request, op api.Op) (*http.Response, error) {
	if !op.Valid() {
		return nil, refuse(req, fmt.Errorf("%w: %s %s", ErrUnknownOperation, req.Method, req.URL.Redacted()))
	}
	for _, h := range credentialHeaders {
		req.Header.Del(h)
	}
	if want := s.serverFor(op); !want.serves(req.URL) {
		// A request editor moved the request elsewhere: no credential
		// goes there, and the request is not sent.
		return nil, refuse(req, fmt.Errorf("%w: %s was moved to %s://%s, not %s://%s", ErrUnknownOperation, op.ID(), req.URL.Scheme, req.URL.Host, want.scheme, want.host))
	}
	// One backing array for the values the sender sets; each is capped at
	// its length, so an append to one elsewhere copies it.
	vals := make([]string, 3)
	vals[0], vals[1] = s.userAgent, "application/json"
	req.Header["User-Agent"] = vals[0:1:1]
	if req.Header.Get("Accept") == "" {
		req.Header["Accept"] = vals[1:2:2]
	}
	switch auth := op.Auth(); auth {
	case AuthPartnerKey:
		if s.partnerKey.IsZero() {
			return nil, refuse(req, &CredentialError{OperationID: op.ID(), Auth: auth})
		}
		vals[2] = s.partnerKey.reveal("")
		req.Header[http.CanonicalHeaderKey(op.CredentialHeader())] = vals[2:3:3]
	case AuthServerKey:
		if s.serverKey.IsZero() {
			return nil, refuse(req, &CredentialError{OperationID: op.ID(), Auth: auth})
		}
		vals[2] = s.serverKey.reveal("Bearer ")
		req.Header["Authorization"] = vals[2:3:3]
	}
	if op.Redirects() {
		req = req.WithContext(context.WithValue(req.Context(), redirectKey{}, true))
	}
	if s.obs == nil {
		return s.send(req, op, nil)
	}
	info := CallInfo{OperationID: op.ID(), Method: req.Method, Path: s.relPath(req.URL), Host: req.URL.Host,
		URL: req.URL.Scheme + "://" + req.URL.Host + req.URL.EscapedPath()}
	ctx := s.obs.start(req.Context(), info)
	resp, err := s.send(req.WithContext(ctx), op, &info)
	s.obs.end(ctx, info, err)
	return resp, err
}

// server is a base URL taken apart once: its scheme, host, and escaped
// path without a trailing slash.
type server struct{ scheme, host, path string }

// parseServer takes a checked base URL apart.
func parseServer(raw string) server {
	u, err := url.Parse(raw)
	if err != nil {
		return server{}
	}
	return server{scheme: u.Scheme, host: u.Host, path: strings.TrimSuffix(u.EscapedPath(), "/")}
}

// serves reports whether u is on the server's scheme and host.
func (sv server) serves(u *url.URL) bool {
	return strings.EqualFold(u.Scheme, sv.scheme) && strings.EqualFold(u.Host, sv.host)
}

// serverFor returns the server op is sent to.
func (s *sender) serverFor(op api.Op) server {
	if op.OwnServers() {
		return s.edgeServer
	}
	return s.baseServer
}

// send sends req with retries; info is set when the call is observed.
func (s *sender) send(req *http.Request, op api.Op, info *CallInfo) (*http.Response, error) {
	ctx := req.Context()
	pol := s.retry.forCall(ctx)
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil && pol.maxRetries > 0 {
		// Make a streamed body replayable across attempts.
		buf, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("kelviq: %s: reading request body: %w", op.ID(), err)
		}
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf)), nil }
		req.Body, _ = req.GetBody()
	}
	for attempt := 1; ; attempt++ {
		areq, cancel := req, context.CancelFunc(nil)
		if pol.attemptTimeout > 0 {
			var actx context.Context
			actx, cancel = context.WithTimeout(ctx, pol.attemptTimeout)
			areq = req.WithContext(actx)
		}
		if attempt > 1 {
			if areq == req {
				areq = req.Clone(ctx)
			}
			if req.GetBody != nil {
				body, err := req.GetBody()
				if err != nil {
					release(cancel)
					return nil, fmt.Errorf("kelviq: %s: replaying request body: %w", op.ID(), err)
				}
				areq.Body = body
			}
		}
		var start time.Time
		if info != nil {
			start = time.Now()
		}
		resp, err := s.attempt(areq, info, attempt)
		if err != nil {
			release(cancel)
			err = s.scrubErr(err)
			notSent := neverSent(err)
			retry := attempt <= pol.maxRetries && ctx.Err() == nil && transient(err) && (idempotent(req.Method) || notSent)
			var wait time.Duration
			if retry {
				wait = pol.backoff(attempt)
			}
			s.report(ctx, info, attempt, start, 0, err, wait)
			if retry {
				if werr := sleep(ctx, wait); werr != nil {
					return nil, fmt.Errorf("kelviq: %s: gave up waiting to retry after %d attempts: %w (last error: %w)", op.ID(), attempt, werr, err)
				}
				continue
			}
			if notSent {
				err = &notSentError{err}
			}
			if attempt > 1 {
				return nil, fmt.Errorf("kelviq: %s: after %d attempts: %w", op.ID(), attempt, err)
			}
			return nil, fmt.Errorf("kelviq: %s: %w", op.ID(), err)
		}
		if (resp.StatusCode >= 200 && resp.StatusCode <= 299) || op.Declares(resp.StatusCode) {
			s.report(ctx, info, attempt, start, resp.StatusCode, nil, 0)
			if resp.ContentLength > s.maxBody {
				resp.Body.Close()
				release(cancel)
				return nil, &BodyTooLargeError{Limit: s.maxBody, Method: req.Method, Path: s.relPath(req.URL)}
			}
			resp.Body = &cappedBody{rc: resp.Body, n: s.maxBody, s: s, op: op, u: req.URL, done: cancel}
			return resp, nil
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, min(s.maxBody, maxErrorBody)))
		resp.Body.Close()
		release(cancel)
		apiErr := newAPIError(op, req.Method, s.relPath(req.URL), resp.StatusCode, body, s.scrub)
		apiErr.Attempts = attempt
		retry := attempt <= pol.maxRetries && retryableStatus(resp.StatusCode) && idempotent(req.Method) && ctx.Err() == nil
		var wait time.Duration
		if retry {
			wait = pol.backoff(attempt)
			if ra, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
				retry, wait = ra <= pol.maxRetryAfter, ra
			}
		}
		if !retry {
			wait = 0
		}
		s.report(ctx, info, attempt, start, resp.StatusCode, apiErr, wait)
		if !retry {
			return nil, apiErr
		}
		if werr := sleep(ctx, wait); werr != nil {
			return nil, fmt.Errorf("kelviq: gave up waiting to retry: %w: %w", werr, apiErr)
		}
	}
}

// report tells the observers about an attempt, when the call is observed.
func (s *sender) report(ctx context.Context, info *CallInfo, attempt int, start time.Time, status int, err error, wait time.Duration) {
	if info != nil {
		s.obs.attempt(ctx, AttemptInfo{CallInfo: *info, Attempt: attempt, StatusCode: status, Err: err, Duration: time.Since(start), RetryWait: wait})
	}
}

// attempt sends one attempt through the middleware and the Doer. A panic
// in either becomes an error, scrubbed like any other.
func (s *sender) attempt(req *http.Request, info *CallInfo, n int) (resp *http.Response, err error) {
	defer func() {
		if r := recover(); r != nil {
			resp, err = nil, &doerPanic{msg: s.scrub(fmt.Sprint(r))}
		}
	}()
	if info != nil && len(s.obs.middleware) > 0 {
		return s.obs.send(req, AttemptInfo{CallInfo: *info, Attempt: n}, s.doer.Do)
	}
	return s.doer.Do(req)
}

// notSentError marks an error from a request that provably never reached
// the server: it matches ErrNotSent.
type notSentError struct{ err error }

func (e *notSentError) Error() string   { return "not sent (no connection): " + e.err.Error() }
func (e *notSentError) Unwrap() error   { return e.err }
func (e *notSentError) Is(t error) bool { return t == ErrNotSent }

// doerPanic reports a panic in the Doer; it is never retried.
type doerPanic struct{ msg string }

func (e *doerPanic) Error() string { return "the Doer panicked: " + e.msg }

func release(cancel context.CancelFunc) {
	if cancel != nil {
		cancel()
	}
}

// transient reports whether err, from a Doer, may go away on another
// attempt: network and I/O failures, but not a request that could not be
// built or sent as it is (an invalid header, a refused redirect, a panic).
func transient(err error) bool {
	var refused *redirectRefused
	var panicked *doerPanic
	if errors.As(err, &refused) || errors.As(err, &panicked) || errors.Is(err, context.Canceled) {
		return false
	}
	var ue *url.Error // a net.Error itself, whatever it wraps
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, context.DeadlineExceeded) ||
		// net/http's own connection errors are unexported, e.g. "http:
		// server closed idle connection", "transport connection broken".
		strings.Contains(err.Error(), "connection")
}

// relPath returns u's escaped path relative to the base URL (the whole
// path when u is elsewhere, e.g. on the edge host), for errors.
func (s *sender) relPath(u *url.URL) string {
	p := u.EscapedPath()
	for _, sv := range []server{s.baseServer, s.edgeServer} {
		if sv.serves(u) {
			if rest, ok := strings.CutPrefix(p, sv.path); ok && strings.HasPrefix(rest, "/") {
				return rest
			}
		}
	}
	return p
}

// scrub removes the client's keys, and every credential member, from text
// that goes into an error.
func (s *sender) scrub(text string) string {
	return Redact(text, s.partnerKey.Reveal(), s.serverKey.Reveal())
}

// scrubErr keeps err's chain for errors.Is/As but removes credentials from
// its message, should a transport ever echo one.
func (s *sender) scrubErr(err error) error {
	msg := err.Error()
	if clean := s.scrub(msg); clean != msg {
		return &scrubbedError{msg: clean, err: err}
	}
	return err
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// redirectRefused marks an error from a redirect policy: deterministic, so
// never a reason to retry.
type redirectRefused struct{ err error }

func (e *redirectRefused) Error() string { return e.err.Error() }
func (e *redirectRefused) Unwrap() error { return e.err }

// guardRedirects returns a copy of hc whose redirect policy never follows an
// operation's declared redirect (its Location is the answer), drops every
// credential header when a redirect leaves the original scheme and host, and
// otherwise defers to hc's own policy (Go's default, at most 10 redirects,
// when hc has none). The default client New builds follows no redirect.
func guardRedirects(hc *http.Client) *http.Client {
	c := *hc
	own := hc.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.Context().Value(redirectKey{}) != nil {
			return http.ErrUseLastResponse
		}
		first := via[0].URL
		if !strings.EqualFold(req.URL.Scheme, first.Scheme) || !strings.EqualFold(req.URL.Host, first.Host) {
			for _, h := range credentialHeaders {
				req.Header.Del(h)
			}
		}
		if own != nil {
			if err := own(req, via); err != nil && !errors.Is(err, http.ErrUseLastResponse) {
				return &redirectRefused{err}
			} else if err != nil {
				return err
			}
			return nil
		}
		if len(via) >= 10 {
			return &redirectRefused{errors.New("stopped after 10 redirects")}
		}
		return nil
	}
	return &c
}

// cappedBody fails with a *BodyTooLargeError once more than n bytes are
// read. It knows the answer's operation, for errors. Close also releases
// the attempt's context.
type cappedBody struct {
	rc   io.ReadCloser
	n    int64
	s    *sender
	op   api.Op
	u    *url.URL
	done context.CancelFunc
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.n <= 0 {
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			path := b.op.ID()
			if b.u != nil {
				path = b.s.relPath(b.u)
			}
			return 0, &BodyTooLargeError{Limit: b.s.maxBody, Method: b.op.Method(), Path: path}
		}
		return 0, err
	}
	if int64(len(p)) > b.n {
		p = p[:b.n]
	}
	n, err := b.rc.Read(p)
	b.n -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error {
	err := b.rc.Close()
	release(b.done)
	return err
}

// describe names the request an answer belongs to, for errors: its method,
// its path relative to the base URL, and the scrub function to apply.
func describe(resp *http.Response) (method, path string, scrub func(string) string) {
	scrub = func(t string) string { return Redact(t) }
	if resp.Request != nil {
		method, path = resp.Request.Method, resp.Request.URL.EscapedPath()
		if b, ok := resp.Body.(*cappedBody); ok {
			path, scrub = b.s.relPath(resp.Request.URL), b.s.scrub
		}
	}
	return method, path, scrub
}

// readBody reads and closes a success answer's body (capped by the
// sender), into a buffer sized from Content-Length when the answer gives one.
func readBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	var body []byte
	var err error
	if n := resp.ContentLength; n > 0 && n <= DefaultMaxBodyBytes {
		body = make([]byte, n)
		var got int
		got, err = io.ReadFull(resp.Body, body)
		body = body[:got]
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			err = fmt.Errorf("body ended after %d of %d bytes: %w", got, n, io.ErrUnexpectedEOF)
		}
	} else {
		body, err = io.ReadAll(resp.Body)
	}
	if err != nil {
		var tooLarge *BodyTooLargeError
		if errors.As(err, &tooLarge) {
			return nil, err
		}
		method, path, _ := describe(resp)
		return nil, fmt.Errorf("kelviq: %s %s: reading response: %w", method, path, err)
	}
	return body, nil
}
