package wrapper

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// maxErrorBody bounds how much of an error answer is read (1 MiB).
const maxErrorBody = 1 << 20

// sender is the one place every request goes through, whichever door it came
// in by (a helper or the generated client): it matches the request to its
// operation in the spec, routes edge operations, puts on exactly the
// credential the spec names, sends, and turns the answer into either a
// size-capped body or an *APIError.
type sender struct {
	base, edge            *url.URL
	partnerKey, serverKey Secret
	maxBody               int64
	userAgent             string
	doer                  Doer
	retry                 retryPolicy
}

// callKey carries the *call of a request in its context, for the redirect
// policy and for decode.
type callKey struct{}

// call is what the sender knows of a request: its operation and its path
// relative to the base URL (escaped), the form errors report.
type call struct {
	op    *Operation
	rel   string
	scrub func(string) string // the sender's, for text that goes into errors
}

// redirectRefused marks an error from a redirect policy: deterministic, so
// never a reason to retry.
type redirectRefused struct{ err error }

func (e *redirectRefused) Error() string { return e.err.Error() }
func (e *redirectRefused) Unwrap() error { return e.err }

// credentialHeaders are every header that can carry a credential: the
// Authorization header and each apiKey header named in the spec.
var credentialHeaders = sync.OnceValue(func() []string {
	hs := []string{"Authorization"}
	for _, op := range operations {
		for _, s := range op.Security {
			if s.Type == "apiKey" && s.In == "header" && !containsFold(hs, s.Header) {
				hs = append(hs, s.Header)
			}
		}
	}
	return hs
})

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

// Do implements the generated client's HttpRequestDoer.
func (s *sender) Do(req *http.Request) (*http.Response, error) {
	rel, ok := s.relativePath(req.URL)
	if !ok {
		return nil, fmt.Errorf("%w: %s %s is not under the base URL %s", ErrUnknownOperation, req.Method, req.URL.Path, s.base)
	}
	op, ok := matchOperation(req.Method, rel)
	if !ok {
		return nil, fmt.Errorf("%w: %s %s", ErrUnknownOperation, req.Method, rel)
	}
	if op.Edge() {
		// rel is already escaped, so parsing the joined string keeps any
		// escaped "/" inside a parameter.
		u, err := url.Parse(strings.TrimSuffix(s.edge.String(), "/") + rel)
		if err != nil {
			return nil, fmt.Errorf("kelviq: %s %s: edge URL: %w", req.Method, rel, err)
		}
		u.RawQuery = req.URL.RawQuery
		req.URL = u
		req.Host = ""
	}
	for _, h := range credentialHeaders() {
		req.Header.Del(h)
	}
	switch auth := op.Auth(); auth {
	case AuthPartnerKey:
		if s.partnerKey.IsZero() {
			return nil, &CredentialError{OperationID: op.ID, Auth: auth}
		}
		for _, sc := range op.Security {
			if sc.Type == "apiKey" && sc.In == "header" {
				req.Header.Set(sc.Header, s.partnerKey.Reveal())
				break
			}
		}
	case AuthServerKey:
		if s.serverKey.IsZero() {
			return nil, &CredentialError{OperationID: op.ID, Auth: auth}
		}
		req.Header.Set("Authorization", "Bearer "+s.serverKey.Reveal())
	}
	req.Header.Set("User-Agent", s.userAgent)
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	ctx := context.WithValue(req.Context(), callKey{}, &call{op: op, rel: rel, scrub: s.scrub})
	pol := s.retry.forCall(ctx)
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil && pol.maxRetries > 0 {
		// Make the body replayable across attempts.
		buf, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("kelviq: %s %s: reading request body: %w", req.Method, rel, err)
		}
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf)), nil }
		req.Body, _ = req.GetBody()
	}
	for attempt := 1; ; attempt++ {
		actx, cancel := ctx, context.CancelFunc(func() {})
		if pol.attemptTimeout > 0 {
			actx, cancel = context.WithTimeout(ctx, pol.attemptTimeout)
		}
		areq := req.WithContext(actx)
		if attempt > 1 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				cancel()
				return nil, fmt.Errorf("kelviq: %s %s: replaying request body: %w", req.Method, rel, err)
			}
			areq.Body = body
		}
		resp, err := s.doer.Do(areq)
		if err != nil {
			cancel()
			err = s.scrubErr(err)
			var refused *redirectRefused
			if attempt <= pol.maxRetries && ctx.Err() == nil && !errors.As(err, &refused) && (idempotent(req.Method) || neverSent(err)) {
				if werr := sleep(ctx, pol.backoff(attempt)); werr != nil {
					return nil, fmt.Errorf("kelviq: %s %s: gave up waiting to retry after %d attempts: %w (last error: %w)", req.Method, rel, attempt, werr, err)
				}
				continue
			}
			if attempt > 1 {
				return nil, fmt.Errorf("kelviq: %s %s: after %d attempts: %w", req.Method, rel, attempt, err)
			}
			return nil, fmt.Errorf("kelviq: %s %s: %w", req.Method, rel, err)
		}
		if (resp.StatusCode >= 200 && resp.StatusCode <= 299) || op.declares(resp.StatusCode) {
			if resp.ContentLength > s.maxBody {
				resp.Body.Close()
				cancel()
				return nil, &BodyTooLargeError{Limit: s.maxBody, Method: req.Method, Path: rel}
			}
			resp.Body = &cappedBody{rc: resp.Body, n: s.maxBody, limit: s.maxBody, method: req.Method, path: rel, done: cancel}
			return resp, nil
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, min(s.maxBody, maxErrorBody)))
		resp.Body.Close()
		cancel()
		apiErr := newAPIError(op, req.Method, rel, resp.StatusCode, body, s.scrub)
		apiErr.Attempts = attempt
		if attempt > pol.maxRetries || !retryableStatus(resp.StatusCode) || !idempotent(req.Method) || ctx.Err() != nil {
			return nil, apiErr
		}
		wait := pol.backoff(attempt)
		if ra, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			if ra > pol.maxRetryAfter {
				return nil, apiErr
			}
			wait = ra
		}
		if werr := sleep(ctx, wait); werr != nil {
			return nil, fmt.Errorf("kelviq: gave up waiting to retry: %w: %w", werr, apiErr)
		}
	}
}

// relativePath returns u's escaped path relative to the base URL, or false
// when u is not under it.
func (s *sender) relativePath(u *url.URL) (string, bool) {
	if !strings.EqualFold(u.Scheme, s.base.Scheme) || !strings.EqualFold(u.Host, s.base.Host) {
		return "", false
	}
	prefix := strings.TrimSuffix(s.base.EscapedPath(), "/")
	p := u.EscapedPath()
	if !strings.HasPrefix(p, prefix+"/") {
		return "", false
	}
	return p[len(prefix):], true
}

// serverKeyField matches a JSON "serverKey" field whose value is a string or
// a list of strings (the DRF error shape).
var serverKeyField = regexp.MustCompile(`("serverKey"\s*:\s*)(?:"(?:[^"\\]|\\.)*"|\[\s*(?:"(?:[^"\\]|\\.)*"\s*,?\s*)*\])`)

// redactServerKeys replaces the value of every serverKey field in text.
func redactServerKeys(text string) string {
	return serverKeyField.ReplaceAllString(text, `$1"`+redacted+`"`)
}

// scrub removes the client's keys, and any serverKey field, from text that
// goes into an error.
func (s *sender) scrub(text string) string {
	for _, k := range []Secret{s.partnerKey, s.serverKey} {
		if v := k.Reveal(); v != "" {
			text = strings.ReplaceAll(text, v, redacted)
		}
	}
	return redactServerKeys(text)
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

// guardRedirects returns a copy of hc whose redirect policy never follows an
// operation's declared redirect (its Location is the answer), drops every
// credential header when a redirect leaves the original scheme and host, and
// otherwise defers to hc's own policy (Go's default, at most 10 redirects,
// when hc has none). The default client New builds follows no redirect.
func (s *sender) guardRedirects(hc *http.Client) *http.Client {
	c := *hc
	own := hc.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if c, _ := req.Context().Value(callKey{}).(*call); c != nil {
			for _, code := range c.op.SuccessCodes {
				if code >= 300 && code <= 399 {
					return http.ErrUseLastResponse
				}
			}
		}
		first := via[0].URL
		if !strings.EqualFold(req.URL.Scheme, first.Scheme) || !strings.EqualFold(req.URL.Host, first.Host) {
			for _, h := range credentialHeaders() {
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

// cappedBody fails with err once more than n bytes are read. Close also
// calls done, which releases the attempt's context.
type cappedBody struct {
	rc           io.ReadCloser
	n, limit     int64
	method, path string
	done         func()
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.n <= 0 {
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, &BodyTooLargeError{Limit: b.limit, Method: b.method, Path: b.path}
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
	if b.done != nil {
		b.done()
	}
	return err
}

// describe names the request an answer belongs to, for errors: its method,
// its path relative to the base URL, and the sender's scrub function.
func describe(resp *http.Response) (method, path string, scrub func(string) string) {
	scrub = redactServerKeys
	if resp.Request != nil {
		method, path = resp.Request.Method, resp.Request.URL.Path
		if c, _ := resp.Request.Context().Value(callKey{}).(*call); c != nil {
			path, scrub = c.rel, c.scrub
		}
	}
	return method, path, scrub
}

// readBody reads and closes a success answer's body (capped by the sender).
func readBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
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

// decodeError reports a success answer whose body does not decode, with a
// scrubbed sample of the body.
func decodeError(resp *http.Response, body []byte, err error) *DecodeError {
	method, path, scrub := describe(resp)
	return &DecodeError{StatusCode: resp.StatusCode, Method: method, Path: path, Body: sample([]byte(scrub(string(body)))), Err: err}
}

// decode reads a success answer into a T. A body that does not decode is a
// *DecodeError that keeps the status and a sample of the body.
func decode[T any](resp *http.Response, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	body, err := readBody(resp)
	if err != nil {
		return nil, err
	}
	v := new(T)
	err = json.Unmarshal(body, v)
	if err == nil && bytes.Equal(bytes.TrimSpace(body), []byte("null")) {
		// json.Unmarshal takes null as "leave v alone": a success answer
		// of null would pass for an empty object.
		err = errors.New("body is null, want a JSON object")
	}
	if err != nil {
		return nil, decodeError(resp, body, err)
	}
	return v, nil
}
