package wrapper

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/errbody"
	"github.com/kelviq/kelviq-go/internal/redact"
	"github.com/kelviq/kelviq-go/internal/transport"
)

// Sentinel errors. An *APIError matches the one for its status code with
// errors.Is, e.g. errors.Is(err, wrapper.ErrNotFound).
var (
	// ErrUnauthorized matches a 401 response: the key is missing or wrong.
	ErrUnauthorized = errors.New("kelviq: unauthorized")
	// ErrForbidden matches a 403 response.
	ErrForbidden = errors.New("kelviq: forbidden")
	// ErrNotFound matches a 404 response.
	ErrNotFound = errors.New("kelviq: not found")
	// ErrConflict matches a 409 response.
	ErrConflict = errors.New("kelviq: conflict")
	// ErrValidation matches a 400 or 422 response: the API rejected the input.
	ErrValidation = errors.New("kelviq: validation failed")
	// ErrRateLimited matches a 429 response.
	ErrRateLimited = errors.New("kelviq: rate limited")
	// ErrServer matches any 5xx response.
	ErrServer = errors.New("kelviq: server error")

	// ErrInvalidInput matches a *ValidationError: the input was refused
	// locally and nothing was sent.
	ErrInvalidInput = api.ErrInvalidInput
	// ErrMissingCredential is returned, before anything is sent, when an
	// operation needs a key the client does not have.
	ErrMissingCredential = transport.ErrMissingCredential
	// ErrBodyTooLarge is returned when a response body exceeds the
	// client's limit (see WithMaxBodyBytes).
	ErrBodyTooLarge = transport.ErrBodyTooLarge
	// ErrUnknownOperation is returned, before anything is sent, for an
	// operationId the spec does not have, or a request that does not say
	// its operation or was moved to another host by a request editor.
	ErrUnknownOperation = transport.ErrUnknownOperation
	// ErrNotSent matches the error of a request that provably never
	// reached the server (the connection could not be opened): sending it
	// again cannot repeat an effect, whatever the method.
	ErrNotSent = transport.ErrNotSent
	// ErrDecode matches a *DecodeError: a success response whose body could not
	// be decoded.
	ErrDecode = transport.ErrDecode
)

// APIError is the error for any response outside the operation's success codes.
// It never holds a request header or a credential.
type APIError struct {
	// StatusCode is the HTTP status, e.g. 404.
	StatusCode int
	// Message is the API's own message ("detail", "error", "message" or the
	// field errors), or the status text when the body has none ("HTTP 520"
	// for a status without one).
	Message string
	// FieldErrors holds DRF-style field errors, {"field": ["msg", ...]};
	// nested fields are joined with dots ("billingAddress.country").
	FieldErrors map[string][]string
	// Body is the start of the raw body (at most 512 bytes), with any known
	// credential removed.
	Body string
	// Method and Path identify the request; Path is relative to the base
	// URL, escaped, without the query string.
	Method, Path string
	// OperationID is the spec's operationId for the request.
	OperationID string
	// Attempts is how many times the request was sent (see WithMaxRetries).
	Attempts int
}

// Error returns e.g. "kelviq: GET /orders/x/: 404 Not Found: Order not found".
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "kelviq: %s %s: %d", e.Method, e.Path, e.StatusCode)
	if text := http.StatusText(e.StatusCode); text != "" {
		b.WriteString(" " + text)
	}
	if e.Message != "" && e.Message != http.StatusText(e.StatusCode) {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	return b.String()
}

// HTTPStatusCode returns StatusCode.
func (e *APIError) HTTPStatusCode() int { return e.StatusCode }

// Is reports whether target is the sentinel for e's status code.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrValidation:
		return e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusUnprocessableEntity
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrServer:
		return e.StatusCode >= 500 && e.StatusCode <= 599
	}
	return false
}

// DecodeError is returned when a success response's body does not decode into
// the operation's type.
type DecodeError struct {
	// StatusCode is the HTTP status of the response.
	StatusCode int
	// Method and Path identify the request.
	Method, Path string
	// Body is the start of the raw body (at most 512 bytes).
	Body string
	// Err is the decoder's error.
	Err error
}

// Error describes the failure with the status and the decoder's message.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("kelviq: %s %s: %d response does not decode: %v", e.Method, e.Path, e.StatusCode, e.Err)
}

// Unwrap returns the decoder's error.
func (e *DecodeError) Unwrap() error { return e.Err }

// Is reports whether target is ErrDecode.
func (e *DecodeError) Is(target error) bool { return target == ErrDecode }

// ValidationError reports input refused before any request was sent: its
// Field names the input as the API spells it and Rule says what the value
// must be. It matches ErrInvalidInput.
type ValidationError = api.ValidationError

// BodyTooLargeError is returned when a response body exceeds the limit.
type BodyTooLargeError struct {
	// Limit is the configured maximum in bytes.
	Limit int64
	// Method and Path identify the request.
	Method, Path string
}

// Error names the limit and the option that changes it.
func (e *BodyTooLargeError) Error() string {
	return fmt.Sprintf("kelviq: %s %s: response body exceeds %d bytes (see WithMaxBodyBytes)", e.Method, e.Path, e.Limit)
}

// Is reports whether target is ErrBodyTooLarge.
func (e *BodyTooLargeError) Is(target error) bool { return target == ErrBodyTooLarge }

// newAPIError builds an *APIError from an error response's (capped) body.
// scrub removes known credentials from any text taken from the body.
func newAPIError(op api.Operation, method, path string, status int, body []byte, scrub func(string) string) *APIError {
	e := &APIError{StatusCode: status, Method: method, Path: path, OperationID: op.ID()}
	e.Body, e.Message, e.FieldErrors = errbody.Read(body, scrub)
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	if e.Message == "" {
		// A status Go has no text for, such as Cloudflare's 520.
		e.Message = "HTTP " + strconv.Itoa(status)
	}
	return e
}

// Redact returns text without credentials: every given secret (empty ones
// are skipped), also where JSON escapes spell it ("kvqp\u005f..."), and the
// value of every JSON member named like a credential (serverKey,
// partnerKey, apiKey, secret, password, ...), in any letter case, replaced
// whole even when the text ends inside it. Each becomes "[REDACTED]". The
// client applies it to everything that goes into an error; a program can
// apply it to what it prints (the CLI does).
func Redact(text string, secrets ...string) string { return redact.Text(text, secrets...) }
