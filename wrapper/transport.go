package wrapper

import (
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
}

type opKey struct{}

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
	req = req.WithContext(context.WithValue(req.Context(), opKey{}, op))

	resp, err := s.doer.Do(req)
	if err != nil {
		return nil, fmt.Errorf("kelviq: %s %s: %w", req.Method, rel, s.scrubErr(err))
	}
	if (resp.StatusCode >= 200 && resp.StatusCode <= 299) || op.declares(resp.StatusCode) {
		if resp.ContentLength > s.maxBody {
			resp.Body.Close()
			return nil, &BodyTooLargeError{Limit: s.maxBody, Method: req.Method, Path: rel}
		}
		resp.Body = &cappedBody{rc: resp.Body, n: s.maxBody, err: &BodyTooLargeError{Limit: s.maxBody, Method: req.Method, Path: rel}}
		return resp, nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, min(s.maxBody, maxErrorBody)))
	return nil, newAPIError(op, req.Method, rel, resp.StatusCode, body, s.scrub)
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

var serverKeyField = regexp.MustCompile(`("serverKey"\s*:\s*)"(?:[^"\\]|\\.)*"`)

// scrub removes the client's keys, and any serverKey field, from text that
// goes into an error.
func (s *sender) scrub(text string) string {
	for _, k := range []Secret{s.partnerKey, s.serverKey} {
		if v := k.Reveal(); v != "" {
			text = strings.ReplaceAll(text, v, redacted)
		}
	}
	return serverKeyField.ReplaceAllString(text, `$1"`+redacted+`"`)
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
// otherwise defers to hc's own policy. The default client (hc without a
// policy of its own, built by New) follows no redirect at all.
func (s *sender) guardRedirects(hc *http.Client) *http.Client {
	c := *hc
	own := hc.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if op, _ := req.Context().Value(opKey{}).(*Operation); op != nil {
			for _, code := range op.SuccessCodes {
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
			return own(req, via)
		}
		return http.ErrUseLastResponse
	}
	return &c
}

// cappedBody fails with err once more than n bytes are read.
type cappedBody struct {
	rc  io.ReadCloser
	n   int64
	err error
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.n <= 0 {
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, b.err
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

func (b *cappedBody) Close() error { return b.rc.Close() }

// decode reads a success answer into a T. A body that does not decode is a
// *DecodeError that keeps the status and a sample of the body.
func decode[T any](resp *http.Response, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	method, path := "", ""
	if resp.Request != nil {
		method, path = resp.Request.Method, resp.Request.URL.Path
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		var tooLarge *BodyTooLargeError
		if errors.As(err, &tooLarge) {
			return nil, err
		}
		return nil, fmt.Errorf("kelviq: %s %s: reading response: %w", method, path, err)
	}
	v := new(T)
	if err := json.Unmarshal(body, v); err != nil {
		return nil, &DecodeError{StatusCode: resp.StatusCode, Method: method, Path: path, Body: sample(body), Err: err}
	}
	return v, nil
}
