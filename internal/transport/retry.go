package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/backoff"
)

// This file is the retry rulebook: one ordered list (rules) classifies the
// outcome of every request, for the engine (Send) and for package usage's
// reporter alike, and Rulebook says it in prose for the documentation and
// the CLI's help. A new rule is one entry of rules, with its line of prose.

// Errors the rulebook recognises that package wrapper returns before a
// request is sent, or for a success response it cannot read; wrapper exports
// each under the same name.
var (
	ErrMissingCredential = errors.New("kelviq: missing credential")
	ErrUnknownOperation  = errors.New("kelviq: request matches no API operation")
	ErrBodyTooLarge      = errors.New("kelviq: response body too large")
	ErrDecode            = errors.New("kelviq: cannot decode response")
)

// Effect says whether the API may have applied a request.
type Effect int

const (
	// NotApplied: the API did not act on the request (it was never sent,
	// or it was refused).
	NotApplied Effect = iota
	// MaybeApplied: the request may have been acted on (it was sent and
	// the response does not say it was not).
	MaybeApplied
	// Applied: the API acted on the request (a 2xx response).
	Applied
)

// Verdict is the rulebook's classification of one outcome.
type Verdict struct {
	Effect Effect
	// Retryable says that another attempt may fare better.
	Retryable bool
}

// Resend reports whether a request with verdict v is sent again:
// retryable, and either not applied or idempotent (an HTTP method such as
// GET or PUT, or a usage SET), so that nothing is done twice.
func (v Verdict) Resend(idempotent bool) bool {
	return v.Retryable && (v.Effect == NotApplied || idempotent)
}

// statusCoder is an error that carries the status of a response
// (wrapper.APIError).
type statusCoder interface{ HTTPStatusCode() int }

// rule is one entry of the rulebook.
type rule struct {
	doc   string // its line in Rulebook
	match func(status int, err error) (Verdict, bool)
}

// rules is the rulebook, in order: the first rule that matches an outcome
// classifies it.
var rules = []rule{
	{"a 2xx response, even one whose body cannot be read: applied, never re-sent",
		func(status int, err error) (Verdict, bool) {
			ok := err == nil && (status == 0 || status/100 == 2) || errors.Is(err, ErrDecode) || errors.Is(err, ErrBodyTooLarge)
			return Verdict{Effect: Applied}, ok
		}},
	{"input refused before sending (invalid, a missing key, an unknown operation): not applied, not retried",
		func(_ int, err error) (Verdict, bool) {
			return Verdict{}, errors.Is(err, api.ErrInvalidInput) || errors.Is(err, ErrMissingCredential) || errors.Is(err, ErrUnknownOperation)
		}},
	{"429: refused by the rate limit before it was processed: not applied, retried",
		func(status int, err error) (Verdict, bool) {
			return Verdict{Effect: NotApplied, Retryable: true}, statusOf(status, err) == http.StatusTooManyRequests
		}},
	{"408, 500, 502, 503, 504: may be applied, retried",
		func(status int, err error) (Verdict, bool) {
			switch statusOf(status, err) {
			case http.StatusRequestTimeout, http.StatusInternalServerError, http.StatusBadGateway,
				http.StatusServiceUnavailable, http.StatusGatewayTimeout:
				return Verdict{Effect: MaybeApplied, Retryable: true}, true
			}
			return Verdict{}, false
		}},
	{"any other 5xx: may be applied, not retried",
		func(status int, err error) (Verdict, bool) {
			return Verdict{Effect: MaybeApplied}, statusOf(status, err)/100 == 5
		}},
	{"any other response (a 4xx): refused, not applied, not retried",
		func(status int, err error) (Verdict, bool) { return Verdict{}, statusOf(status, err) != 0 }},
	{"the connection could not be opened (refused, unknown host): not applied, retried unless the context ended",
		func(_ int, err error) (Verdict, bool) {
			return Verdict{Effect: NotApplied, Retryable: transient(err)}, neverSent(err)
		}},
	{"sent with no response (connection lost or reset, a timeout): may be applied, retried",
		func(_ int, err error) (Verdict, bool) {
			return Verdict{Effect: MaybeApplied, Retryable: true}, transient(err)
		}},
	{"anything else (a refused redirect, a panic in the Doer, a cancelled context): may be applied, not retried",
		func(int, error) (Verdict, bool) { return Verdict{Effect: MaybeApplied}, true }},
}

// Classify applies the rulebook to an outcome: a response's status (with
// err nil), or an error (with status 0; an error carrying a response's
// status is classified by that status).
func Classify(status int, err error) Verdict {
	for _, r := range rules {
		if v, ok := r.match(status, err); ok {
			return v
		}
	}
	return Verdict{Effect: MaybeApplied} // unreachable: the last rule matches all
}

// statusOf is the response's status: status itself, or the one err carries.
func statusOf(status int, err error) int {
	var sc statusCoder
	if status == 0 && errors.As(err, &sc) {
		return sc.HTTPStatusCode()
	}
	return status
}

// Rulebook says the rulebook in prose, with pol's numbers (the client's
// defaults, in the documentation and the CLI's help), wrapped at 78
// columns.
func Rulebook(pol Policy) string {
	var b strings.Builder
	wrap(&b, "", fmt.Sprintf("A failed request is sent again at most %d times by default. The first of these rules that matches an outcome classifies it:", pol.MaxRetries))
	for _, r := range rules {
		wrap(&b, "  - ", r.doc)
	}
	wrap(&b, "", fmt.Sprintf("A retried request that may have been applied is sent again only when its method is idempotent (%s; a usage SET). POST and PATCH are sent again only when they were not applied, so nothing is done twice: kelviq takes no idempotency key.", strings.Join(idempotentMethods, ", ")))
	var waits []string
	for n := 1; ; n++ {
		w := backoff.Window(pol.Base, pol.Cap, n)
		if n > 6 && w < pol.Cap {
			waits = append(waits, "...", pol.Cap.String())
			break
		}
		waits = append(waits, w.String())
		if w == pol.Cap {
			break
		}
	}
	wrap(&b, "", fmt.Sprintf("The wait before retry n is random, at most %s (full jitter); a Retry-After (seconds or an HTTP date) of at most %s replaces it, and a longer one ends the retries. Every wait ends when the context does.", strings.Join(waits, ", "), pol.MaxRetryAfter))
	return b.String()
}

// wrap writes text to b in lines of at most 78 columns, the first after
// lead and the others indented as deep.
func wrap(b *strings.Builder, lead, text string) {
	line := lead
	for i, w := range strings.Fields(text) {
		if i > 0 && len(line)+1+len(w) > 78 {
			b.WriteString(line + "\n")
			line = strings.Repeat(" ", len(lead)) + w
			continue
		}
		if i > 0 {
			line += " "
		}
		line += w
	}
	b.WriteString(line + "\n")
}

// idempotentMethods are the HTTP methods whose repetition cannot repeat
// an effect.
var idempotentMethods = []string{http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete, http.MethodTrace}

// idempotent reports whether re-sending method cannot repeat an effect.
func idempotent(method string) bool { return slices.Contains(idempotentMethods, method) }

// neverSent reports whether err shows the request could not have reached
// the server: the connection was never opened.
func neverSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
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

// retryAfter parses a Retry-After header: delay seconds or an HTTP date.
// A delay too long for a time.Duration comes back as the longest one, so
// that it is beyond any cap rather than wrapped around to a short wait.
func retryAfter(h string, now time.Time) (time.Duration, bool) {
	if h == "" {
		return 0, false
	}
	if isDigits(h) {
		secs, err := strconv.ParseInt(h, 10, 64)
		if err != nil || secs > int64(math.MaxInt64/time.Second) {
			return math.MaxInt64, true
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(t.Sub(now), 0), true // Sub saturates instead of overflowing
	}
	return 0, false
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
