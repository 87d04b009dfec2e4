package wrapper

import (
	"net/url"
	"slices"
	"strings"
	"sync"
)

// Operation describes one operation of the kelviq API as openapi.json states
// it. The table behind Operations is generated from the spec (see gen.go), so
// it changes only when the spec does.
type Operation struct {
	// ID is the spec's operationId, e.g. "retrievePartnerOrganizationByExternalId".
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
	// Servers, when set, override the document's servers for this operation
	// (the edge host).
	Servers []string
	// Params lists path, query and header parameters.
	Params []Param
	// HasBody and BodyRequired describe the request body.
	HasBody, BodyRequired bool
	// SuccessCodes are the 2xx and 3xx statuses the spec declares.
	SuccessCodes []int
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
	// Max is the schema's maximum, or 0 when none is given.
	Max int
}

// Auth is the credential an operation needs.
type Auth int

const (
	// AuthNone means the operation takes no credential.
	AuthNone Auth = iota
	// AuthPartnerKey means the partner key in the X-Kelviq-Partner-Key header.
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

// Auth reports which credential the operation needs, from its security
// requirement in the spec.
func (o *Operation) Auth() Auth {
	for _, s := range o.Security {
		switch {
		case s.Type == "apiKey" && s.In == "header":
			return AuthPartnerKey
		case s.Type == "http" && strings.EqualFold(s.Scheme, "bearer"):
			return AuthServerKey
		}
	}
	return AuthNone
}

// Edge reports whether the spec sends the operation to a host of its own
// (the edge host) rather than the document's servers.
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

func (o *Operation) declares(status int) bool {
	return slices.Contains(o.SuccessCodes, status)
}

// Operations returns every operation of the API, sorted by path then method.
// The slice is a copy; changing it changes nothing in the client.
func Operations() []Operation {
	out := make([]Operation, len(operations))
	copy(out, operations)
	return out
}

// LookupOperation returns the operation with the given operationId.
func LookupOperation(id string) (Operation, bool) {
	for _, op := range operations {
		if op.ID == id {
			return op, true
		}
	}
	return Operation{}, false
}

// route is an operation's path template split into segments once.
type route struct {
	op    *Operation
	segs  []string
	param []bool
}

var routes = sync.OnceValue(func() []route {
	rs := make([]route, len(operations))
	for i := range operations {
		segs := strings.Split(operations[i].Path, "/")
		param := make([]bool, len(segs))
		for j, w := range segs {
			param[j] = strings.HasPrefix(w, "{") && strings.HasSuffix(w, "}")
		}
		rs[i] = route{op: &operations[i], segs: segs, param: param}
	}
	return rs
})

// matchOperation finds the operation whose method and path template match a
// request path relative to the base URL. escapedPath must keep its escaping
// (url.URL.EscapedPath), so that an escaped "/" inside a parameter stays in
// one segment. A parameter segment must be non-empty and not "." or "..".
func matchOperation(method, escapedPath string) (*Operation, bool) {
	var buf [16]string
	got := buf[:0]
	for rest := escapedPath; ; {
		seg, after, found := strings.Cut(rest, "/")
		got = append(got, seg)
		if !found {
			break
		}
		rest = after
	}
	for _, r := range routes() {
		if r.op.Method != method || len(r.segs) != len(got) {
			continue
		}
		ok := true
		for j, w := range r.segs {
			if r.param[j] {
				if !validParamSegment(got[j]) {
					ok = false
					break
				}
				continue
			}
			if w != got[j] {
				ok = false
				break
			}
		}
		if ok {
			return r.op, true
		}
	}
	return nil, false
}

// validParamSegment refuses segments that are empty or, once unescaped,
// "." or "..", which URL resolution would collapse.
func validParamSegment(seg string) bool {
	if strings.IndexByte(seg, '%') >= 0 {
		u, err := url.PathUnescape(seg)
		if err != nil {
			return false
		}
		seg = u
	}
	return seg != "" && seg != "." && seg != ".."
}
