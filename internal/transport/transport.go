// Package transport is the client's engine: it sends one operation's
// request with retries, bounds what it reads, keeps credentials from
// following a redirect to another host, and turns a panic in the Doer into
// an error. Package wrapper puts the credential on each request before it
// comes here, and says (through Engine's functions) how what comes back is
// named and reported; this package holds no key.
package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/backoff"
	"github.com/kelviq/kelviq-go/internal/errbody"
	"github.com/kelviq/kelviq-go/internal/redact"
)

// maxPresize bounds the buffer ReadBody allocates from Content-Length
// before any byte has come (1 MiB): a larger response grows its buffer as it
// arrives, so a length the server claims but does not send costs little.
const maxPresize = 1 << 20

// ErrNotSent matches the error of a request that provably never reached
// the server.
var ErrNotSent = errors.New("kelviq: request not sent")

// Doer sends one HTTP request. *http.Client is a Doer.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Policy is a call's retry configuration.
type Policy struct {
	MaxRetries     int
	Base, Cap      time.Duration // of the exponential backoff
	MaxRetryAfter  time.Duration // the longest Retry-After waited for
	AttemptTimeout time.Duration // 0: attempts are bounded by the context alone
}

type policyEditsKey struct{}

// WithPolicyEdits returns a context that makes Send apply edits, after
// those ctx already carries, to the Policy of each request made with it.
func WithPolicyEdits(ctx context.Context, edits ...func(*Policy)) context.Context {
	prev, _ := ctx.Value(policyEditsKey{}).([]func(*Policy))
	return context.WithValue(ctx, policyEditsKey{}, append(append(([]func(*Policy))(nil), prev...), edits...))
}

// Engine sends requests. Its Errors build what a failed call returns and
// name paths in it; package wrapper's sender is the one Errors.
type Engine struct {
	Doer    Doer
	MaxBody int64
	Errors  Errors
}

// Errors builds the errors the engine returns and names what is in them.
type Errors interface {
	// Scrub removes credentials from text that goes into an error.
	Scrub(text string) string
	// Path names a request's URL in errors.
	Path(u *url.URL) string
	// StatusError is the error for a response outside its operation's
	// success codes.
	StatusError(r UnexpectedResponse) error
	// TooLarge is the error for a body larger than the engine's MaxBody.
	TooLarge(method, path string) error
}

// UnexpectedResponse is a response outside its operation's success codes.
type UnexpectedResponse struct {
	Operation    api.Operation
	Method, Path string
	Status       int
	Attempts     int    // how many times the request was sent
	Body         []byte // read up to errbody.MaxRead
}

// Attempt describes one finished attempt, for Hooks.
type Attempt struct {
	N      int       // from 1
	Start  time.Time // when it was sent
	Status int       // 0 when there was no response
	Err    error
	Wait   time.Duration // before the next attempt; 0 when this was the last
}

// Hooks observe one call; Send is given nil when nobody observes.
type Hooks struct {
	// Done is called after each attempt.
	Done func(Attempt)
	// Wrap, when set, sends attempt n of req through next.
	Wrap func(req *http.Request, n int, next func(*http.Request) (*http.Response, error)) (*http.Response, error)
}

// redirectKey marks, in a request's context, an operation whose success is
// a redirect, for the redirect guard.
type redirectKey struct{}

// Send sends req, a request for op, with retries by pol as the edits on
// req's context (WithPolicyEdits) change it. A success response
// (2xx, or a status op declares) comes back with a body capped at MaxBody;
// any other response is read, closed and returned as StatusError's error.
func (e *Engine) Send(req *http.Request, op api.Operation, pol Policy, h *Hooks) (*http.Response, error) {
	if op.Redirects() {
		req = req.WithContext(context.WithValue(req.Context(), redirectKey{}, true))
	}
	ctx := req.Context()
	if edits, _ := ctx.Value(policyEditsKey{}).([]func(*Policy)); len(edits) > 0 {
		for _, edit := range edits {
			edit(&pol)
		}
	}
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil && pol.MaxRetries > 0 {
		// Make a streamed body replayable across attempts.
		buf, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("kelviq: %s: reading request body: %w", op.ID(), err)
		}
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf)), nil }
		req.Body, _ = req.GetBody()
	}
	for n := 1; ; n++ {
		areq, cancel := req, context.CancelFunc(nil)
		if pol.AttemptTimeout > 0 {
			var actx context.Context
			actx, cancel = context.WithTimeout(ctx, pol.AttemptTimeout)
			areq = req.WithContext(actx)
		}
		if n > 1 {
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
		a := Attempt{N: n}
		if h != nil {
			a.Start = time.Now()
		}
		resp, err := e.attempt(areq, h, n)
		if err != nil {
			release(cancel)
			err = e.scrubErr(err)
			v := Classify(0, err)
			retry := n <= pol.MaxRetries && ctx.Err() == nil && v.Resend(idempotent(req.Method))
			if retry {
				a.Wait = backoff.Full(pol.Base, pol.Cap, n)
			}
			a.Err = err
			h.done(a)
			if retry {
				if werr := backoff.Sleep(ctx, a.Wait); werr != nil {
					return nil, fmt.Errorf("kelviq: %s: gave up waiting to retry after %d attempts: %w (last error: %w)", op.ID(), n, werr, err)
				}
				continue
			}
			if v.Effect == NotApplied {
				err = &notSentError{err}
			}
			if n > 1 {
				return nil, fmt.Errorf("kelviq: %s: after %d attempts: %w", op.ID(), n, err)
			}
			return nil, fmt.Errorf("kelviq: %s: %w", op.ID(), err)
		}
		a.Status = resp.StatusCode
		if (resp.StatusCode >= 200 && resp.StatusCode <= 299) || op.Declares(resp.StatusCode) {
			h.done(a)
			if resp.ContentLength > e.MaxBody {
				resp.Body.Close()
				release(cancel)
				return nil, e.Errors.TooLarge(req.Method, e.Errors.Path(req.URL))
			}
			resp.Body = &cappedBody{rc: resp.Body, n: e.MaxBody, e: e, op: op, u: req.URL, done: cancel}
			return resp, nil
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, min(e.MaxBody, errbody.MaxRead)))
		resp.Body.Close()
		release(cancel)
		a.Err = e.Errors.StatusError(UnexpectedResponse{Operation: op, Method: req.Method, Path: e.Errors.Path(req.URL), Status: resp.StatusCode, Attempts: n, Body: body})
		retry := n <= pol.MaxRetries && ctx.Err() == nil && Classify(resp.StatusCode, nil).Resend(idempotent(req.Method))
		if retry {
			a.Wait = backoff.Full(pol.Base, pol.Cap, n)
			if ra, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
				retry, a.Wait = ra <= pol.MaxRetryAfter, ra
			}
		}
		if !retry {
			a.Wait = 0
		}
		h.done(a)
		if !retry {
			return nil, a.Err
		}
		if werr := backoff.Sleep(ctx, a.Wait); werr != nil {
			return nil, fmt.Errorf("kelviq: gave up waiting to retry: %w: %w", werr, a.Err)
		}
	}
}

func (h *Hooks) done(a Attempt) {
	if h != nil && h.Done != nil {
		h.Done(a)
	}
}

// attempt sends one attempt through the hooks' Wrap and the Doer. A panic
// in either becomes an error, scrubbed like any other.
func (e *Engine) attempt(req *http.Request, h *Hooks, n int) (resp *http.Response, err error) {
	defer func() {
		if r := recover(); r != nil {
			resp, err = nil, &doerPanic{msg: e.Errors.Scrub(fmt.Sprint(r))}
		}
	}()
	if h != nil && h.Wrap != nil {
		return h.Wrap(req, n, e.Doer.Do)
	}
	return e.Doer.Do(req)
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

// scrubErr keeps err's chain for errors.Is/As but removes credentials from
// its message, should a transport ever echo one.
func (e *Engine) scrubErr(err error) error {
	msg := err.Error()
	if clean := e.Errors.Scrub(msg); clean != msg {
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

// cappedBody fails with the engine's TooLarge error once more than n bytes
// are read. Close also releases the attempt's context.
type cappedBody struct {
	rc   io.ReadCloser
	n    int64
	e    *Engine
	op   api.Operation
	u    *url.URL
	done context.CancelFunc
	over bool // more than n bytes came
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.n <= 0 {
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			b.over = true
			path := b.op.ID()
			if b.u != nil {
				path = b.e.Errors.Path(b.u)
			}
			return 0, b.e.Errors.TooLarge(b.op.Method(), path)
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

// Describe names the request a response belongs to, for errors: its method,
// its path as the engine names it, and the scrub function to apply.
func Describe(resp *http.Response) (method, path string, scrub func(string) string) {
	scrub = func(t string) string { return redact.Text(t) }
	if resp.Request != nil {
		method, path = resp.Request.Method, resp.Request.URL.EscapedPath()
		if b, ok := resp.Body.(*cappedBody); ok {
			path, scrub = b.e.Errors.Path(resp.Request.URL), b.e.Errors.Scrub
		}
	}
	return method, path, scrub
}

// ReadBody reads and closes a success response's body into a buffer sized
// from Content-Length when the response gives one.
func ReadBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	var body []byte
	var err error
	if n := resp.ContentLength; n > 0 && n <= maxPresize {
		body = make([]byte, n)
		var got int
		got, err = io.ReadFull(resp.Body, body)
		body = body[:got]
		if err != nil && (errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)) {
			err = fmt.Errorf("body ended after %d of %d bytes: %w", got, n, io.ErrUnexpectedEOF)
		}
	} else {
		body, err = io.ReadAll(resp.Body)
	}
	if err != nil {
		if b, ok := resp.Body.(*cappedBody); ok && b.over {
			return nil, err // the engine's TooLarge error, as it is
		}
		method, path, _ := Describe(resp)
		return nil, fmt.Errorf("kelviq: %s %s: reading response: %w", method, path, err)
	}
	return body, nil
}

// StripCredentials removes from h every header that can carry a
// credential (as the operation table names them), under a key of any
// spelling: a key set directly in the map is sent as it is written.
func StripCredentials(h http.Header) {
	for k := range h {
		for _, name := range credentialHeaders {
			if strings.EqualFold(k, name) {
				delete(h, k)
			}
		}
	}
}

// credentialHeaders are the operations' credential headers, each once.
var credentialHeaders = func() []string {
	var hs []string
	for _, op := range api.Operations() {
		if h := op.CredentialHeader(); h != "" && !slices.Contains(hs, h) {
			hs = append(hs, h)
		}
	}
	return hs
}()
