package transport

import (
	"context"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// idempotent reports whether re-sending method cannot repeat an effect.
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete, http.MethodTrace:
		return true
	}
	return false
}

// retryableStatus lists the answers worth another attempt.
func retryableStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

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
