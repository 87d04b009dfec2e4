package wrapper

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/kelviq/kelviq-go/api"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Sentinel errors. An *APIError matches the one for its status code with
// errors.Is, e.g. errors.Is(err, wrapper.ErrNotFound).
var (
	// ErrUnauthorized matches a 401 answer: the key is missing or wrong.
	ErrUnauthorized = errors.New("kelviq: unauthorized")
	// ErrForbidden matches a 403 answer.
	ErrForbidden = errors.New("kelviq: forbidden")
	// ErrNotFound matches a 404 answer.
	ErrNotFound = errors.New("kelviq: not found")
	// ErrConflict matches a 409 answer.
	ErrConflict = errors.New("kelviq: conflict")
	// ErrValidation matches a 400 or 422 answer: the API rejected the input.
	ErrValidation = errors.New("kelviq: validation failed")
	// ErrRateLimited matches a 429 answer.
	ErrRateLimited = errors.New("kelviq: rate limited")
	// ErrServer matches any 5xx answer.
	ErrServer = errors.New("kelviq: server error")

	// ErrInvalidInput matches a *ValidationError: the input was refused
	// locally and nothing was sent.
	ErrInvalidInput = api.ErrInvalidInput
	// ErrMissingCredential is returned, before anything is sent, when an
	// operation needs a key the client does not have.
	ErrMissingCredential = errors.New("kelviq: missing credential")
	// ErrBodyTooLarge is returned when a response body exceeds the
	// client's limit (see WithMaxBodyBytes).
	ErrBodyTooLarge = errors.New("kelviq: response body too large")
	// ErrUnknownOperation is returned, before anything is sent, when a
	// request matches no operation in the API spec (for example a path that
	// an identifier such as ".." would rewrite).
	ErrUnknownOperation = errors.New("kelviq: request matches no API operation")
	// ErrNotSent matches the error of a request that provably never
	// reached the server (the connection could not be opened: refused,
	// unknown host): sending it again cannot repeat an effect, whatever
	// the method.
	ErrNotSent = errors.New("kelviq: request not sent")
	// ErrDecode matches a *DecodeError: a success answer whose body could not
	// be decoded.
	ErrDecode = errors.New("kelviq: cannot decode response")
)

// maxSample bounds APIError.Body and DecodeError.Body.
const maxSample = 512

// APIError is the error for any answer outside the operation's success codes.
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

// DecodeError is returned when a success answer's body does not decode into
// the operation's type.
type DecodeError struct {
	// StatusCode is the HTTP status of the answer.
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
	return fmt.Sprintf("kelviq: %s %s: %d answer does not decode: %v", e.Method, e.Path, e.StatusCode, e.Err)
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

// newAPIError builds an *APIError from an error answer's (capped) body.
// scrub removes known credentials from any text taken from the body.
func newAPIError(op api.Op, method, path string, status int, body []byte, scrub func(string) string) *APIError {
	e := &APIError{StatusCode: status, Method: method, Path: path, OperationID: op.ID()}
	// Scrub the whole body before sampling or parsing it: a credential cut
	// by the sample's limit would escape scrubbing, and a serverKey field
	// would otherwise reach Message and FieldErrors as a field error.
	body = []byte(scrub(string(body)))
	e.Body = sample(body)
	e.Message, e.FieldErrors = parseErrorBody(body)
	e.Message = scrub(e.Message)
	if e.FieldErrors != nil {
		// Field names need scrubbing too: a key written with JSON escapes
		// ("\u006bvqp_...") is not in the raw body but is in the decoded
		// name. Names that scrub alike are merged, in a stable order.
		clean := make(map[string][]string, len(e.FieldErrors))
		for _, k := range slices.Sorted(maps.Keys(e.FieldErrors)) {
			ck := scrub(k)
			for _, m := range e.FieldErrors[k] {
				clean[ck] = append(clean[ck], scrub(m))
			}
		}
		e.FieldErrors = clean
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	if e.Message == "" {
		// A status Go has no text for, such as Cloudflare's 520.
		e.Message = "HTTP " + strconv.Itoa(status)
	}
	return e
}

// sample returns at most maxSample bytes of b as valid UTF-8, each invalid
// byte replaced by U+FFFD.
func sample(b []byte) string {
	var out strings.Builder
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if out.Len()+utf8.RuneLen(r) > maxSample {
			break
		}
		out.WriteRune(r)
		b = b[size:]
	}
	return out.String()
}

// parseErrorBody understands the error shapes the API uses: {"detail": ...},
// {"error": ...}, {"status": ..., "message": ...} and DRF field maps
// {"field": ["msg"]}. Anything else yields no message.
func parseErrorBody(body []byte) (string, map[string][]string) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		return "", nil
	}
	for _, key := range []string{"detail", "error", "message"} {
		if raw, ok := obj[key]; ok {
			if msg := flattenMessage(raw); msg != "" {
				return msg, nil
			}
		}
	}
	fields := map[string][]string{}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if k == "status" || k == "code" {
			continue
		}
		collectFieldErrors(fields, k, obj[k], 1)
	}
	if len(fields) == 0 {
		return "", nil
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		if k == "non_field_errors" {
			parts = append(parts, strings.Join(fields[k], "; "))
			continue
		}
		parts = append(parts, k+": "+strings.Join(fields[k], "; "))
	}
	return strings.Join(parts, "; "), fields
}

// flattenMessage turns a JSON string, or a list of strings, into one line.
func flattenMessage(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return strings.Join(list, "; ")
	}
	return ""
}

// maxFieldDepth bounds how deep collectFieldErrors follows nested field
// maps. Each level decodes its whole value again, so without a bound a
// deeply nested error body (up to 1 MiB) costs time quadratic in its size.
const maxFieldDepth = 8

// collectFieldErrors adds the field errors in raw, the value of field key
// at the given depth (1 for a top-level field), to out. Nested maps are
// walked in key order and a name met twice ({"a.b": ..., "a": {"b": ...}})
// keeps the messages of both, so the result does not depend on map order.
func collectFieldErrors(out map[string][]string, key string, raw json.RawMessage, depth int) {
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		if len(list) > 0 {
			out[key] = append(out[key], list...)
		}
		return
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		out[key] = append(out[key], s)
		return
	}
	if depth >= maxFieldDepth {
		return
	}
	var nested map[string]json.RawMessage
	if json.Unmarshal(raw, &nested) == nil {
		for _, k := range slices.Sorted(maps.Keys(nested)) {
			collectFieldErrors(out, key+"."+k, nested[k], depth+1)
		}
	}
}

// Redact returns text without credentials: every given secret (empty ones
// are skipped), also where JSON escapes spell it ("kvqp\u005f..."), and the
// value of every JSON member named like a credential (serverKey,
// partnerKey, apiKey, secret, password, ...: see credentialMembers), matched
// as Go's decoder matches names (any letter case, through escapes), and
// replaced whole even when the text ends inside it. Each becomes
// "[REDACTED]". The client applies it to everything that goes into an
// error; a program can apply it to what it prints (the CLI does).
func Redact(text string, secrets ...string) string {
	text = unescapeASCII(text)
	for _, k := range secrets {
		if k != "" {
			text = strings.ReplaceAll(text, k, redacted)
		}
	}
	return redactCredentialMembers(text)
}

// credentialMembers are the JSON member names, lower case without "_" and
// "-", whose values are credentials. The API's answers carry serverKey;
// the others are the names credentials go by elsewhere.
var credentialMembers = []string{"serverkey", "partnerkey", "apikey", "secretkey", "privatekey", "secret", "webhooksecret", "password", "clientsecret"}

// unescapeASCII writes JSON's \uXXXX escapes of printable ASCII (other
// than the quote and the backslash) as the characters themselves, so that
// a key spelled with escapes is found.
func unescapeASCII(text string) string {
	if !strings.Contains(text, `\u`) {
		return text
	}
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		if text[i] != '\\' || i+1 >= len(text) {
			b.WriteByte(text[i])
			continue
		}
		if text[i+1] == 'u' && i+6 <= len(text) {
			if n, err := strconv.ParseUint(text[i+2:i+6], 16, 16); err == nil && n >= 0x20 && n < 0x7f && n != '"' && n != '\\' {
				b.WriteByte(byte(n))
				i += 5
				continue
			}
		}
		b.WriteString(text[i : i+2]) // another escape: keep it whole
		i++
	}
	return b.String()
}

// redactCredentialMembers replaces the value of every JSON member named
// like a credential with "[REDACTED]". A string, list or object value is
// replaced whole, up to where it ends or, in a truncated body, to the end
// of the text; null and numbers stay.
func redactCredentialMembers(text string) string {
	var out strings.Builder
	last := 0
	for i := 0; i < len(text); {
		if text[i] != '"' {
			i++
			continue
		}
		end := jsonValueEnd(text, i)
		j := skipJSONSpace(text, end)
		if j >= len(text) || text[j] != ':' || !isCredentialName(text[i:end]) {
			i = end
			continue
		}
		j = skipJSONSpace(text, j+1)
		if j >= len(text) || (text[j] != '"' && text[j] != '[' && text[j] != '{') {
			i = j
			continue
		}
		vend := jsonValueEnd(text, j)
		out.WriteString(text[last:j])
		out.WriteString(`"` + redacted + `"`)
		last, i = vend, vend
	}
	if last == 0 {
		return text
	}
	out.WriteString(text[last:])
	return out.String()
}

// jsonValueEnd returns the index just past the string, list or object that
// starts at text[i], or len(text) when the text ends first.
func jsonValueEnd(text string, i int) int {
	depth := 0
	for j := i; j < len(text); j++ {
		switch text[j] {
		case '"':
			for j++; j < len(text) && text[j] != '"'; j++ {
				if text[j] == '\\' {
					j++
				}
			}
			if depth == 0 {
				return min(j+1, len(text))
			}
		case '[', '{':
			depth++
		case ']', '}':
			depth--
			if depth <= 0 {
				return j + 1
			}
		}
	}
	return len(text)
}

func skipJSONSpace(text string, i int) int {
	for i < len(text) && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r') {
		i++
	}
	return i
}

// isCredentialName reports whether tok, a quoted JSON string, decodes to a
// name Go's decoder would take for one of credentialMembers.
func isCredentialName(tok string) bool {
	if len(tok) < len(`"secret"`) || len(tok) > 128 {
		return false
	}
	var name string
	if json.Unmarshal([]byte(tok), &name) != nil {
		return false
	}
	name = strings.NewReplacer("_", "", "-", "").Replace(name)
	for _, c := range credentialMembers {
		if strings.EqualFold(name, c) {
			return true
		}
	}
	return false
}
