package main

// support is the fixed part of operations.gen.go: the types the table is
// made of and the helpers the generated request builders use.
const support = `import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Op identifies one operation of the API. The zero Op is no operation.
// Its methods read the operation's facts from the table generated from
// openapi.json.
type Op uint8

func (o Op) op() *Operation {
	if o == 0 || int(o) > numOps {
		return &Operation{}
	}
	return &operations[o-1]
}

// Valid reports whether o is an operation of the API.
func (o Op) Valid() bool { return o > 0 && int(o) <= numOps }

// ID returns the spec's operationId, e.g. "listCustomers".
func (o Op) ID() string { return o.op().ID }

// String returns the operationId.
func (o Op) String() string { return o.op().ID }

// Method returns the HTTP method in upper case.
func (o Op) Method() string { return o.op().Method }

// Auth reports which credential the operation takes.
func (o Op) Auth() Auth { return o.op().auth }

// CredentialHeader names the header that carries the operation's
// credential, in canonical form ("" when it takes none).
func (o Op) CredentialHeader() string { return o.op().credentialHeader }

// OwnServers reports whether the spec sends the operation to servers of
// its own (kelviq's edge host) rather than the document's.
func (o Op) OwnServers() bool { return len(o.op().Servers) > 0 }

// Declares reports whether status is one of the operation's success codes.
func (o Op) Declares(status int) bool { return slices.Contains(o.op().SuccessCodes, status) }

// Redirects reports whether the operation's success answer is a redirect
// (its Location is the answer, not a place to follow).
func (o Op) Redirects() bool {
	for _, c := range o.op().SuccessCodes {
		if c >= 300 && c <= 399 {
			return true
		}
	}
	return false
}

// Operation returns a copy of the operation's facts.
func (o Op) Operation() Operation { return o.op().clone() }

// Auth is the credential an operation takes.
type Auth int

const (
	// AuthNone means the operation takes no credential.
	AuthNone Auth = iota
	// AuthPartnerKey means the partner key, in the header the spec names.
	AuthPartnerKey
	// AuthServerKey means the organization's server key as a bearer token.
	AuthServerKey
)

// String returns "none", "partner key" or "server key".
func (a Auth) String() string {
	switch a {
	case AuthPartnerKey:
		return "partner key"
	case AuthServerKey:
		return "server key"
	default:
		return "none"
	}
}

// Operation describes one operation of the API as openapi.json states it.
type Operation struct {
	// ID is the spec's operationId.
	ID string
	// Method is the HTTP method in upper case.
	Method string
	// Path is the path template relative to the base URL, e.g. "/customers/{customerId}/".
	Path string
	// Tags are the spec's tags for the operation.
	Tags []string
	// Summary is the spec's one-line summary, if any.
	Summary string
	// Security lists the schemes the operation accepts; empty means none.
	Security []SecurityScheme
	// Servers, when set, override the document's servers (the edge host).
	Servers []string
	// Params lists path, query and header parameters.
	Params []Param
	// HasBody and BodyRequired describe the request body.
	HasBody, BodyRequired bool
	// SuccessCodes are the 2xx and 3xx statuses the spec declares.
	SuccessCodes []int

	auth             Auth
	credentialHeader string
}

// SecurityScheme is one security scheme from the spec's components.
type SecurityScheme struct {
	// Name is the scheme's key in components.securitySchemes.
	Name string
	// Type is "http" or "apiKey".
	Type string
	// Scheme is the HTTP auth scheme for Type "http", e.g. "bearer".
	Scheme string
	// In and Header locate an "apiKey" credential.
	In, Header string
}

// Param is one parameter of an operation.
type Param struct {
	// Name is the parameter's name in the spec, e.g. "page_size".
	Name string
	// In is "path", "query" or "header".
	In string
	// Required reports whether the spec requires it.
	Required bool
	// Type and Format are the schema's type and format.
	Type, Format string
	// Min is the schema's minimum when HasMin is set.
	Min    int
	HasMin bool
	// Max is the schema's maximum, or 0 when none is given.
	Max int
	// MaxLength is the schema's maxLength, or 0 when none is given.
	MaxLength int
}

// Auth reports which credential the operation takes.
func (o *Operation) Auth() Auth { return o.auth }

// CredentialHeader names the header that carries the credential.
func (o *Operation) CredentialHeader() string { return o.credentialHeader }

// Edge reports whether the spec sends the operation to servers of its own
// (the edge host) rather than the document's.
func (o *Operation) Edge() bool { return len(o.Servers) > 0 }

// Paginated reports whether the operation takes page and page_size.
func (o *Operation) Paginated() bool {
	var page, size bool
	for _, p := range o.Params {
		page = page || (p.In == "query" && p.Name == "page")
		size = size || (p.In == "query" && p.Name == "page_size")
	}
	return page && size
}

// MaxPageSize is the largest page_size the operation takes: the
// parameter's maximum, or 100 when the spec sets none.
func (o *Operation) MaxPageSize() int {
	for _, p := range o.Params {
		if p.Name == "page_size" && p.Max > 0 {
			return p.Max
		}
	}
	return 100
}

// Op returns the operation's Op.
func (o *Operation) Op() Op {
	op, _ := LookupOp(o.ID)
	return op
}

func (o *Operation) clone() Operation {
	c := *o
	c.Tags = slices.Clone(o.Tags)
	c.Security = slices.Clone(o.Security)
	c.Servers = slices.Clone(o.Servers)
	c.Params = slices.Clone(o.Params)
	c.SuccessCodes = slices.Clone(o.SuccessCodes)
	return c
}

// Operations returns a copy of every operation, sorted by path then method.
func Operations() []Operation {
	out := make([]Operation, numOps)
	for i := range operations {
		out[i] = operations[i].clone()
	}
	return out
}

// LookupOperation returns a copy of the operation with the given operationId.
func LookupOperation(id string) (Operation, bool) {
	op, ok := LookupOp(id)
	if !ok {
		return Operation{}, false
	}
	return op.Operation(), true
}

// SpecServers returns the document's top-level server URLs, in its order.
func SpecServers() []string { return slices.Clone(specServers) }

// ErrInvalidInput matches a *ValidationError: the input was refused
// locally and nothing was sent.
var ErrInvalidInput = errors.New("kelviq: invalid input")

// ValidationError reports input refused before any request was sent.
type ValidationError struct {
	// Field is the input's name as the API spells it, e.g. "externalId".
	Field string
	// Rule says what the value must be, e.g. "must be at most 128 characters".
	Rule string
}

// Error returns e.g. "kelviq: invalid externalId: must not be empty".
func (e *ValidationError) Error() string {
	return "kelviq: invalid " + e.Field + ": " + e.Rule
}

// Is reports whether target is ErrInvalidInput.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidInput }

// PathSegment checks v as the value of the path parameter name and returns
// it escaped for the path. It refuses, with a *ValidationError naming the
// parameter, values that cannot stand as one path segment: empty, "." or
// "..", which URL resolution would collapse into another operation's path,
// and values that are not valid UTF-8 or contain control characters.
func PathSegment(name, v string) (string, error) {
	if plainSegment(v) {
		return v, nil // the common case: nothing to refuse, nothing to escape
	}
	switch {
	case v == "":
		return "", &ValidationError{Field: name, Rule: "must not be empty"}
	case v == "." || v == "..":
		return "", &ValidationError{Field: name, Rule: ` + "`" + `must not be "." or ".."` + "`" + `}
	case !utf8.ValidString(v):
		return "", &ValidationError{Field: name, Rule: "must be valid UTF-8"}
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		return "", &ValidationError{Field: name, Rule: "must not contain control characters"}
	}
	return url.PathEscape(v), nil
}

// writePath writes a path template whose parameters are "%s" (as
// oapi-codegen renders it), each replaced by the next of segs.
func writePath(b *strings.Builder, tmpl string, segs ...string) {
	for _, s := range segs {
		i := strings.Index(tmpl, "%s")
		if i < 0 {
			break
		}
		b.WriteString(tmpl[:i])
		b.WriteString(s)
		tmpl = tmpl[i+2:]
	}
	b.WriteString(tmpl)
}

// writeQuery adds one query parameter to q; value must be escaped already.
func writeQuery(q *strings.Builder, name, value string) {
	if q.Len() > 0 {
		q.WriteByte('&')
	}
	q.WriteString(name)
	q.WriteByte('=')
	q.WriteString(value)
}

// serverURL is a server URL taken apart once, by parseServer.
type serverURL struct {
	raw          string // the URL as given, without a trailing slash
	scheme, host string
	path         string // the URL's path as written
	plain        bool   // the URL is exactly scheme://host/path and its path needs no escaping
}

// parseServer takes raw apart. A URL that is unusual in any way (escapes
// or characters to escape in its path, an empty port, an upper-case
// scheme) is not plain: requests to it are built by parsing the whole URL.
func parseServer(raw string) *serverURL {
	raw = strings.TrimSuffix(raw, "/")
	s := &serverURL{raw: raw}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" ||
		u.RawPath != "" || strings.Contains(raw, "%") || strings.HasSuffix(u.Host, ":") {
		return s
	}
	prefix := u.Scheme + "://" + u.Host
	if !strings.HasPrefix(raw, prefix) || raw[len(prefix):] != u.Path || !plainPath(u.Path) {
		return s
	}
	s.scheme, s.host, s.path, s.plain = u.Scheme, u.Host, u.Path, true
	return s
}

// plainPath reports whether p is a path url.Parse takes as it is: only
// unreserved characters and those a path may hold unescaped (RFC 3986).
func plainPath(p string) bool {
	for i := 0; i < len(p); i++ {
		if c := p[i]; !unreserved(c) && strings.IndexByte("/$&+,:;=@", c) < 0 {
			return false
		}
	}
	return true
}

// plainSegment reports whether v is a run of unreserved characters other
// than "", "." and "..": PathSegment returns it as it is.
func plainSegment(v string) bool {
	if v == "" || v == "." || v == ".." {
		return false
	}
	for i := 0; i < len(v); i++ {
		if !unreserved(v[i]) {
			return false
		}
	}
	return true
}

// unreserved reports whether c is an RFC 3986 unreserved character.
func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}

// newRequest builds the request for srv's URL followed by path (escaped)
// and query (escaped, without "?"). When neither the server's path nor path
// needs escaping or unescaping, and the query holds no "#" or control
// character, the URL is put together from its parts, as url.Parse would
// take it apart, without parsing; otherwise the whole URL is parsed.
func newRequest(ctx context.Context, method string, srv *serverURL, path, query string, body io.Reader) (*http.Request, error) {
	if !srv.plain || !plainPath(path) || strings.ContainsFunc(query, func(r rune) bool { return r == '#' || r < 0x20 || r == 0x7f }) {
		full := srv.raw + path
		if query != "" {
			full += "?" + query
		}
		return http.NewRequestWithContext(ctx, method, full, body)
	}
	req, err := http.NewRequestWithContext(ctx, method, "", body)
	if err != nil {
		return nil, err
	}
	req.URL.Scheme, req.URL.Host, req.URL.Path, req.URL.RawQuery = srv.scheme, srv.host, srv.path+path, query
	req.Host = srv.host
	return req, nil
}
`
