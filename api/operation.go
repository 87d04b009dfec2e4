// This file is hand-written. Beside it, genops (internal/cmd/genops)
// generates operations.gen.go from openapi.json: one Operation constant per
// operationId, LookupOperation, the table of each operation's facts that
// the methods below read, numOps and specServers. This file holds the types
// the table is made of, their accessors, and the helpers the generated
// request builders (api.gen.go, from tools/templates/client.tmpl) use.

package api

import (
	"bytes"
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

// Operation identifies one operation of the API; it is small and
// comparable. The zero Operation is no operation (Valid reports false and
// its facts are empty). Its methods read the operation's facts from the
// table generated from openapi.json; those that return slices return
// copies, so no caller can change the table.
type Operation uint8

// operation holds the facts of one Operation, as openapi.json states them.
type operation struct {
	id, method, path      string
	tags                  []string
	summary               string
	security              []SecurityScheme
	servers               []string
	params                []Param
	hasBody, bodyRequired bool
	successCodes          []int
	auth                  Auth
	credentialHeader      string
	maxPageSize           int
}

var noOperation operation

func (o Operation) facts() *operation {
	if !o.Valid() {
		return &noOperation
	}
	return &operations[o-1]
}

// Valid reports whether o is an operation of the API.
func (o Operation) Valid() bool { return o > 0 && int(o) <= numOps }

// ID returns the spec's operationId, e.g. "listCustomers".
func (o Operation) ID() string { return o.facts().id }

// String returns the operationId.
func (o Operation) String() string { return o.facts().id }

// Method returns the HTTP method in upper case.
func (o Operation) Method() string { return o.facts().method }

// Path returns the path template relative to the base URL, e.g.
// "/customers/{customerId}/".
func (o Operation) Path() string { return o.facts().path }

// Tags returns a copy of the spec's tags for the operation.
func (o Operation) Tags() []string { return slices.Clone(o.facts().tags) }

// Summary returns the spec's one-line summary, if any.
func (o Operation) Summary() string { return o.facts().summary }

// Security returns a copy of the schemes the operation accepts; empty
// means none.
func (o Operation) Security() []SecurityScheme { return slices.Clone(o.facts().security) }

// Servers returns a copy of the servers the spec gives the operation
// instead of the document's (kelviq's edge host); empty means the
// document's.
func (o Operation) Servers() []string { return slices.Clone(o.facts().servers) }

// Params returns a copy of the operation's path, query and header
// parameters, in spec order.
func (o Operation) Params() []Param { return slices.Clone(o.facts().params) }

// QueryParam returns the operation's query parameter called name, without
// copying the others (the request engine looks up each parameter of every
// request it sends).
func (o Operation) QueryParam(name string) (Param, bool) {
	for _, p := range o.facts().params {
		if p.In == "query" && p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// HasBody reports whether the operation takes a request body.
func (o Operation) HasBody() bool { return o.facts().hasBody }

// BodyRequired reports whether the operation's request body is required.
func (o Operation) BodyRequired() bool { return o.facts().bodyRequired }

// SuccessCodes returns a copy of the 2xx and 3xx statuses the spec
// declares.
func (o Operation) SuccessCodes() []int { return slices.Clone(o.facts().successCodes) }

// Auth reports which credential the operation takes.
func (o Operation) Auth() Auth { return o.facts().auth }

// CredentialHeader names the header that carries the operation's
// credential, in canonical form ("" when it takes none).
func (o Operation) CredentialHeader() string { return o.facts().credentialHeader }

// OwnServers reports whether the spec sends the operation to servers of
// its own (kelviq's edge host) rather than the document's.
func (o Operation) OwnServers() bool { return len(o.facts().servers) > 0 }

// Declares reports whether status is one of the operation's success codes.
func (o Operation) Declares(status int) bool { return slices.Contains(o.facts().successCodes, status) }

// Redirects reports whether the operation's success response is a redirect
// (its Location is the result, not a place to follow).
func (o Operation) Redirects() bool {
	for _, c := range o.facts().successCodes {
		if c >= 300 && c <= 399 {
			return true
		}
	}
	return false
}

// Paginated reports whether the operation takes page and page_size.
func (o Operation) Paginated() bool {
	var page, size bool
	for _, p := range o.facts().params {
		page = page || (p.In == "query" && p.Name == "page")
		size = size || (p.In == "query" && p.Name == "page_size")
	}
	return page && size
}

// MaxPageSize is the largest page_size the operation takes: the
// parameter's maximum, or 100 when the spec sets none (the rule is
// specdoc's; the table holds its result).
func (o Operation) MaxPageSize() int { return o.facts().maxPageSize }

// Operations returns every operation of the API, sorted by path then
// method.
func Operations() []Operation {
	out := make([]Operation, numOps)
	for i := range out {
		out[i] = Operation(i + 1)
	}
	return out
}

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
		return "", &ValidationError{Field: name, Rule: `must not be "." or ".."`}
	case !utf8.ValidString(v):
		return "", &ValidationError{Field: name, Rule: "must be valid UTF-8"}
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		return "", &ValidationError{Field: name, Rule: "must not contain control characters"}
	}
	return url.PathEscape(v), nil
}

// SendOperation builds op's request from the operation table and sends it
// as the generated methods send theirs: to the same server, through the
// same request editors and Doer (its OperationDoer told op). It is the
// table-driven door for callers that hold parameters as text, such as
// wrapper.Client.Call; the generated methods, with typed arguments, keep
// their own builders, and both put the same bytes on the wire.
//
// values holds the operation's path, query and header parameters by their
// names in the spec, as they go on the wire but not yet escaped (a UUID in
// its canonical form, an integer in decimal): each path value goes through
// PathSegment into its segment of op.Path(), each query value is
// query-escaped and added in the table's order, each header value is set
// as it is. body, when op takes one, is sent as JSON. A name op does not
// have, a missing path parameter, a path value PathSegment refuses, an
// invalid op or a body op does not take give a *ValidationError, and
// nothing is sent.
func (c *Client) SendOperation(ctx context.Context, op Operation, values map[string]string, body []byte, reqEditors ...RequestEditorFn) (*http.Response, error) {
	f := op.facts()
	if !op.Valid() {
		return nil, &ValidationError{Field: "operationId", Rule: "must be an operation of the API"}
	}
	if body != nil && !f.hasBody {
		return nil, &ValidationError{Field: "body", Rule: f.id + " takes no request body"}
	}
	var b, q strings.Builder
	b.Grow(128)
	for tmpl := f.path; ; {
		i := strings.IndexByte(tmpl, '{')
		j := strings.IndexByte(tmpl, '}')
		if i < 0 || j < i {
			b.WriteString(tmpl)
			break
		}
		name := tmpl[i+1 : j]
		v, ok := values[name]
		if !ok {
			return nil, &ValidationError{Field: name, Rule: "is required: " + f.id + " needs its path parameter"}
		}
		seg, err := PathSegment(name, v)
		if err != nil {
			return nil, err
		}
		b.WriteString(tmpl[:i])
		b.WriteString(seg)
		tmpl = tmpl[j+1:]
	}
	used := 0
	for _, p := range f.params {
		v, ok := values[p.Name]
		if !ok {
			continue
		}
		used++
		if p.In == "query" {
			writeQuery(&q, p.Name, url.QueryEscape(v))
		}
	}
	if used != len(values) {
		for name := range values {
			if !slices.ContainsFunc(f.params, func(p Param) bool { return p.Name == name }) {
				return nil, &ValidationError{Field: name, Rule: f.id + " has no such parameter"}
			}
		}
	}
	var rd io.Reader
	if f.hasBody {
		rd = bytes.NewReader(body)
	}
	req, err := newRequest(ctx, f.method, c.server(op), b.String(), q.String(), rd)
	if err != nil {
		return nil, err
	}
	if f.hasBody {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, p := range f.params {
		if v, ok := values[p.Name]; ok && p.In == "header" {
			req.Header.Set(p.Name, v)
		}
	}
	return c.send(ctx, req, op, reqEditors)
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
