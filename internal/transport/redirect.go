package transport

import (
	"errors"
	"net/http"
	"strings"
	"time"
)

// NewHTTPClient returns the client used when the program brings none: Go's
// default transport with more idle connections per host (the default of 2
// throttles concurrent callers), following no redirect. It sets no
// ResponseHeaderTimeout, which would start a timer for every request: the
// call's context bounds a call, and Policy.AttemptTimeout each attempt.
func NewHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 64
	t.TLSHandshakeTimeout = 10 * time.Second
	t.ForceAttemptHTTP2 = true
	return GuardRedirects(&http.Client{Transport: t, CheckRedirect: noRedirects})
}

// noRedirects is the default client's policy: a redirect is the answer.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// redirectRefused marks an error from a redirect policy: deterministic, so
// never a reason to retry.
type redirectRefused struct{ err error }

func (e *redirectRefused) Error() string { return e.err.Error() }
func (e *redirectRefused) Unwrap() error { return e.err }

// GuardRedirects returns a copy of hc whose redirect policy never follows an
// operation's declared redirect (its Location is the answer), drops every
// credential header when a redirect leaves the original scheme and host, and
// otherwise defers to hc's own policy (Go's default, at most 10 redirects,
// when hc has none).
func GuardRedirects(hc *http.Client) *http.Client {
	c := *hc
	own := hc.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.Context().Value(redirectKey{}) != nil {
			return http.ErrUseLastResponse
		}
		first := via[0].URL
		if !strings.EqualFold(req.URL.Scheme, first.Scheme) || !strings.EqualFold(req.URL.Host, first.Host) {
			StripCredentials(req.Header)
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
