package transport

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// IdleConnsPerHost is how many idle keep-alive connections the default
// Doer keeps to each host: as many callers as that, calling at once, reuse
// their connections from call to call; more than that reconnect for every
// call beyond it (Go's default of 2 makes a program with a handful of
// goroutines reconnect all the time). An idle connection costs a file
// descriptor and a little memory, and is closed after 90 s unused, so the
// number is generous rather than tight. A program with more concurrent
// callers brings its own transport (wrapper.WithHTTPClient).
const IdleConnsPerHost = 256

// DefaultDoer returns the Doer used when the program brings none: Go's
// default transport keeping IdleConnsPerHost idle connections to each of
// the two hosts (the API's and the edge's), called directly. It follows no
// redirect (a redirect is the response), keeps no cookies and sets no
// timeout: the call's context bounds a call, and Policy.AttemptTimeout
// each attempt. An *http.Client would add nothing to that but its cost per
// request (a copy of the headers, kept for redirects it would not follow).
// Its errors are *url.Error values, as http.Client's are.
func DefaultDoer() Doer {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 2 * IdleConnsPerHost
	t.MaxIdleConnsPerHost = IdleConnsPerHost
	t.TLSHandshakeTimeout = 10 * time.Second
	t.ForceAttemptHTTP2 = true
	return roundTripper{t}
}

// roundTripper is a Doer that sends with a Transport alone.
type roundTripper struct{ t *http.Transport }

// Do sends req and returns the response as it came, a redirect included.
func (r roundTripper) Do(req *http.Request) (*http.Response, error) {
	resp, err := r.t.RoundTrip(req)
	if err != nil {
		op := "Get" // as http.Client names it: "Get" for "" and GET, "Post" for POST
		if m := req.Method; m != "" {
			op = m[:1] + strings.ToLower(m[1:])
		}
		return nil, &url.Error{Op: op, URL: req.URL.Redacted(), Err: err}
	}
	return resp, nil
}

// CloseIdleConnections closes the transport's idle connections.
func (r roundTripper) CloseIdleConnections() { r.t.CloseIdleConnections() }

// redirectRefused marks an error from a redirect policy: deterministic, so
// never a reason to retry.
type redirectRefused struct{ err error }

func (e *redirectRefused) Error() string { return e.err.Error() }
func (e *redirectRefused) Unwrap() error { return e.err }

// GuardRedirects returns a copy of hc whose redirect policy never follows an
// operation's declared redirect (its Location is the response), drops every
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
