// Package check holds the rules the client applies to input before any
// request is sent: the generated services' checks of parameters and bodies
// (with limits taken from openapi.json) and Call's checks of parameters
// given as text, and their wire form, whose failures are *api.ValidationError
// values naming the field and the rule; and the rules for the keys and
// URLs given to the client's options, whose errors name the option.
package check

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kelviq/kelviq-go/api"
)

// Invalid returns the error for a value of field that breaks rule.
func Invalid(field, rule string) error { return &api.ValidationError{Field: field, Rule: rule} }

// Option is the functional option of a package whose settings are S:
// when bad, applying it fails with "kelviq: opt: why" (opt is the option's
// name, e.g. "usage.WithInterval"); otherwise it calls set.
func Option[S any](opt string, bad bool, why string, set func(*S)) func(*S) error {
	return func(s *S) error {
		if bad {
			return fmt.Errorf("kelviq: %s: %s", opt, why)
		}
		set(s)
		return nil
	}
}

// Apply applies opts to s in order, skipping nil ones, and returns the
// first error.
func Apply[S any, O ~func(*S) error](s *S, opts []O) error {
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(s); err != nil {
			return err
		}
	}
	return nil
}

// UUID parses v as a UUID in its 36-character form (google/uuid).
func UUID(field, v string) (uuid.UUID, error) {
	if v == "" {
		return uuid.UUID{}, Invalid(field, "must not be empty")
	}
	id, err := uuid.Parse(v)
	if err != nil || len(v) != 36 {
		return uuid.UUID{}, Invalid(field, "must be a UUID such as 8d3c1f9e-2b4a-4c6d-9e8f-0a1b2c3d4e5f")
	}
	return id, nil
}

// MaxLen applies a maxLength, counted in characters.
func MaxLen(field, v string, n int) error {
	if utf8.RuneCountInString(v) > n {
		return Invalid(field, "must be at most "+strconv.Itoa(n)+" characters")
	}
	return nil
}

// Email accepts a bare address such as ops@northwind.example.
func Email(field, v string) error {
	if v == "" {
		return Invalid(field, "must not be empty")
	}
	a, err := mail.ParseAddress(v)
	domain := v[strings.LastIndexByte(v, '@')+1:]
	if err != nil || a.Address != v || !strings.Contains(domain, ".") && !strings.EqualFold(domain, "localhost") {
		return Invalid(field, "must be an email address such as ops@example.com")
	}
	return nil
}

// Int parses v as an integer within the bounds that are set.
func Int(name, v string, lo int, hasLo bool, hi int, hasHi bool) (int, error) {
	n, err := strconv.Atoi(v)
	switch {
	case err != nil:
		return 0, Invalid(name, fmt.Sprintf("%q is not an integer", v))
	case hasLo && n < lo:
		return 0, Invalid(name, "must be at least "+strconv.Itoa(lo))
	case hasHi && n > hi:
		return 0, Invalid(name, "must be at most "+strconv.Itoa(hi))
	}
	return n, nil
}

// Bool parses v as a boolean.
func Bool(name, v string) (bool, error) {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, Invalid(name, fmt.Sprintf("%q is not true or false", v))
	}
	return b, nil
}

// Date parses v as a date (format: date).
func Date(name, v string) (openapi_types.Date, error) {
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return openapi_types.Date{}, Invalid(name, fmt.Sprintf("%q is not a date such as 2026-01-31", v))
	}
	return openapi_types.Date{Time: t}, nil
}

// Limits of Call's input, beyond what the spec declares.
const (
	// MaxParamBytes bounds a parameter value without a maxLength in the
	// spec, so that a request line stays within what servers read.
	MaxParamBytes = 4096
	// MaxBodyBytes bounds a request body (no operation's body comes near).
	MaxBodyBytes = 1 << 20
	// MaxBodyDepth bounds how deeply a body's objects and arrays nest.
	MaxBodyDepth = 64
)

// Call checks, for Client.Call, what the operation's facts alone decide,
// and returns each given parameter's value as it goes on the wire (not yet
// escaped), by its name in the spec. It checks parameter names (exactly as
// the spec spells them), required parameters, each value (valid UTF-8, no
// NUL, no control characters in a header, within the spec's maxLength or
// else MaxParamBytes), the body, and then each value against its schema:
// an integer within its bounds (page and page_size at least 1), a boolean,
// a date, a UUID. The wire text is the canonical form the typed builders
// write for the parsed value (a UUID in lower case, an integer without a
// sign or leading zeros, "true" or "false"); other values are as given.
// params is not changed.
func Call(op api.Operation, params map[string]string, body []byte) (map[string]string, error) {
	specParams := op.Params()
	known := make(map[string]bool, len(specParams))
	names := make([]string, len(specParams))
	for i, p := range specParams {
		known[p.Name], names[i] = true, p.Name
		v, ok := params[p.Name]
		if !ok {
			if p.Required {
				return nil, Invalid(p.Name, fmt.Sprintf("is required: %s needs its %s parameter", op.ID(), p.In))
			}
			continue
		}
		if err := paramValue(p, v); err != nil {
			return nil, err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(params)) {
		if !known[name] {
			return nil, Invalid(name, fmt.Sprintf("%s has no parameter %q (its parameters: %s)", op.ID(), name, strings.Join(names, ", ")))
		}
	}
	switch {
	case body != nil && !op.HasBody():
		return nil, Invalid("body", op.ID()+" takes no request body")
	case body == nil && op.BodyRequired():
		return nil, Invalid("body", op.ID()+" needs a JSON request body")
	case body != nil:
		if err := Body(body); err != nil {
			return nil, err
		}
	}
	wire := make(map[string]string, len(params))
	for _, p := range specParams {
		v, ok := params[p.Name]
		if !ok {
			continue
		}
		w, err := wireValue(p, v)
		if err != nil {
			return nil, err
		}
		wire[p.Name] = w
	}
	return wire, nil
}

// Query checks the query of a request for op, as whichever door built it
// (a service method, Call, the CLI, kelviq mcp): each value of a query
// parameter the spec declares meets the rules Call applies to it (valid
// text within its length, an integer within its bounds, a boolean, a date,
// a UUID). The client runs it on every request, first, so a value the spec
// rules out is refused here at every door, never by the server. Its
// errors are Call's for the same value; a name that is not the spec's is
// left alone, and never quoted.
func Query(op api.Operation, rawQuery string) error {
	for rawQuery != "" {
		var pair string
		pair, rawQuery, _ = strings.Cut(rawQuery, "&")
		k, v, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			continue // no spec name reads so: not the spec's to check
		}
		p, ok := op.QueryParam(name)
		if !ok {
			continue // not the spec's: a request editor's, say
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			return Invalid(name, "must be escaped right in the query")
		}
		if err := paramValue(p, value); err != nil {
			return err
		}
		if _, err := wireValue(p, value); err != nil {
			return err
		}
	}
	return nil
}

// wireValue checks v against p's schema (type integer, boolean; format
// date, uuid) and returns the text the typed builders write for it.
func wireValue(p api.Param, v string) (string, error) {
	switch {
	case p.Format == "uuid":
		id, err := UUID(p.Name, v)
		return id.String(), err
	case p.Type == "integer":
		lo, hasLo := p.Min, p.HasMin
		if !hasLo && (p.Name == "page" || p.Name == "page_size") {
			lo, hasLo = 1, true
		}
		n, err := Int(p.Name, v, lo, hasLo, p.Max, p.Max > 0)
		return strconv.Itoa(n), err
	case p.Type == "boolean":
		b, err := Bool(p.Name, v)
		return strconv.FormatBool(b), err
	case p.Format == "date":
		d, err := Date(p.Name, v)
		return d.Format(time.DateOnly), err
	}
	return v, nil
}

// paramValue checks one parameter's value as text.
func paramValue(p api.Param, v string) error {
	switch {
	case !utf8.ValidString(v):
		return Invalid(p.Name, "must be valid UTF-8")
	case strings.IndexByte(v, 0) >= 0:
		return Invalid(p.Name, "must not contain NUL characters")
	case p.In == "header" && strings.IndexFunc(v, unicode.IsControl) >= 0:
		return Invalid(p.Name, "must not contain control characters (it is sent as a header)")
	case p.MaxLength > 0:
		return MaxLen(p.Name, v, p.MaxLength)
	case len(v) > MaxParamBytes:
		return Invalid(p.Name, fmt.Sprintf("must be at most %d bytes", MaxParamBytes))
	}
	return nil
}

// Body checks a JSON request body: at most MaxBodyBytes, valid UTF-8,
// exactly one JSON value, nested at most MaxBodyDepth levels, and no object with the same
// key twice (servers disagree on which of the two counts).
func Body(body []byte) error {
	if len(body) > MaxBodyBytes {
		return Invalid("body", fmt.Sprintf("must be at most %d bytes", MaxBodyBytes))
	}
	if !utf8.Valid(body) {
		return Invalid("body", "must be valid UTF-8")
	}
	if !json.Valid(body) {
		if d := Depth(body); d > MaxBodyDepth {
			return Invalid("body", fmt.Sprintf("must nest at most %d levels deep", MaxBodyDepth))
		}
		var v json.RawMessage // the decoder's words say where it goes wrong
		return Invalid("body", fmt.Sprintf("must be valid JSON (one value): %v", json.Unmarshal(body, &v)))
	}
	// One value, valid: walk its tokens for depth and duplicate keys.
	type frame struct {
		keys    map[string]bool // nil for an array
		wantKey bool
	}
	var stack []*frame
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			break // io.EOF: json.Valid has seen to the rest
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if key, isKey := tok.(string); isKey && top != nil && top.keys != nil && top.wantKey {
			if top.keys[key] {
				return Invalid("body", fmt.Sprintf("has the key %q twice in one object", key))
			}
			top.keys[key], top.wantKey = true, false
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			if len(stack) == MaxBodyDepth {
				return Invalid("body", fmt.Sprintf("must nest at most %d levels deep", MaxBodyDepth))
			}
			f := &frame{}
			if tok == json.Delim('{') {
				f.keys, f.wantKey = map[string]bool{}, true
			}
			stack = append(stack, f)
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].keys != nil {
				stack[len(stack)-1].wantKey = true
			}
		default:
			if top != nil && top.keys != nil {
				top.wantKey = true
			}
		}
	}
	return nil
}

// Depth is the deepest nesting of objects and arrays in b, read without
// parsing (brackets in strings not counted), so that it is cheap even for a
// body too deep for a parser. Call's body rule and the fake's use it.
func Depth(b []byte) int {
	d, deepest, inString, escaped := 0, 0, false, false
	for _, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			d++
			deepest = max(deepest, d)
		case c == '}' || c == ']':
			d--
		}
	}
	return deepest
}

// Key refuses a key that is empty, lacks prefix, is the prefix alone, or
// cannot be sent as a header value as it is (anything but printable ASCII
// without spaces). what names the key in the error ("partner key"), where
// the option or variable it came from.
func Key(where, what, key, prefix string) error {
	if err := KeyRule(what, key, prefix); err != nil {
		return fmt.Errorf("kelviq: %s: %w", where, err)
	}
	return nil
}

// KeyRule is Key's rule for a door that names the key's origin in its own
// words (the fake's options, the CLI's flags): the error names what and the
// rule, and nothing else.
func KeyRule(what, key, prefix string) error {
	switch {
	case strings.TrimSpace(key) == "":
		return fmt.Errorf("%s is empty", what)
	case !strings.HasPrefix(key, prefix):
		return fmt.Errorf("%s must start with %q", what, prefix)
	case prefix != "" && key == prefix:
		return fmt.Errorf("%s must have more after %q", what, prefix)
	}
	for i := 0; i < len(key); i++ {
		if key[i] <= ' ' || key[i] >= 0x7f {
			return fmt.Errorf("%s must be printable ASCII without spaces", what)
		}
	}
	return nil
}

// BaseURL validates a base URL and returns it without a trailing slash: it
// needs a host, no user info, query or fragment, and https (plain http
// only for loopback hosts).
func BaseURL(where, raw string) (string, error) {
	u, err := ParseBaseURL(where, raw)
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// ParseBaseURL is BaseURL for a caller that needs the URL taken apart too
// (the CLI, which parses each base URL it is given once, here): the same
// rule, and the URL with its trailing slashes removed.
func ParseBaseURL(where, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("kelviq: %s: malformed URL: %w", where, err)
	}
	switch {
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("kelviq: %s: URL %q has no host", where, raw)
	case u.User != nil:
		return nil, fmt.Errorf("kelviq: %s: URL must not carry user info", where)
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("kelviq: %s: URL must not have a query or fragment", where)
	case u.Scheme == "https":
	case u.Scheme == "http" && IsLoopback(u.Hostname()):
	case u.Scheme == "http":
		return nil, fmt.Errorf("kelviq: %s: URL must use https (plain http only for loopback hosts), got %q", where, raw)
	default:
		return nil, fmt.Errorf("kelviq: %s: URL scheme must be https, got %q", where, u.Scheme)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	u.ForceQuery = false
	return u, nil
}

// IsAbsoluteHTTP reports whether u is an absolute http or https URL with a
// host: the only kind of URL the API takes or gives (webhook endpoints,
// redirects' Locations, format "uri" values).
func IsAbsoluteHTTP(u *url.URL) bool {
	return u != nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// IsLoopback reports whether host (without a port) is localhost or a
// loopback IP address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
