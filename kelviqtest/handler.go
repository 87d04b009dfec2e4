package kelviqtest

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/check"
	"github.com/kelviq/kelviq-go/internal/fakeapi"
	"github.com/kelviq/kelviq-go/wrapper"
)

// maxPathBytes bounds a request's path: the longest path of an operation
// with its longest identifiers is far shorter. A longer one gets
// 414 before routing, whose patterns would scan all of it.
const maxPathBytes = 8 << 10

type ctxKey int

const (
	opCtxKey ctxKey = iota
	orgCtxKey
)

// newHandler wires the pipeline: record → route → auth → validate → the
// operation's generated binding code, which calls the fake's
// ServerInterface method. kin-openapi's router is the one routing step;
// the generated code only binds parameters (see operationHandlers).
func (s *Server) newHandler() (http.Handler, error) {
	f := &fake{s: s}
	handlers, err := operationHandlers(s.spec, f)
	if err != nil {
		return nil, err
	}
	opts := &openapi3filter.Options{
		MultiError:                 true,
		AuthenticationFunc:         openapi3filter.NoopAuthenticationFunc,
		SkipSettingDefaults:        true,
		ExcludeReadOnlyValidations: true, // DRF ignores read-only fields in input
		SchemaValidationOptions:    s.spec.schemaOpts,
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The response is written to the client only after the operation
		// has returned, and so released the state's lock: a client that
		// reads its response slowly holds up no one else.
		buf := newBufferedResponse()
		admin := strings.HasPrefix(r.URL.Path, adminPrefix) // the fake's own controls, not logged
		entry := Request{Method: r.Method, Path: r.URL.Path}
		switch {
		case !guardPath(buf, r):
		case admin:
			s.serveAdmin(buf, r)
		case s.serveBeyond(buf, r): // endpoints the SDKs call beyond the reference (beyond.go)
		default:
			if info := s.serve(buf, r, handlers, opts); info != nil {
				entry.OperationID = info.id
			}
		}
		if !admin {
			entry.Status = buf.statusOr200()
			s.record(entry)
		}
		buf.sendTo(w)
	}), nil
}

// The guards below are the fake's one mechanism for what every door (the
// reference's operations, the endpoints beyond it, the fake's controls)
// refuses: a door calls them, and writes no check of its own.

// guardPath refuses a path over maxPathBytes (414) or not in valid UTF-8
// (404), before anything routes it. It reports whether r may go on.
func guardPath(w http.ResponseWriter, r *http.Request) bool {
	switch {
	case len(r.URL.Path) > maxPathBytes:
		writeDetail(w, http.StatusRequestURITooLong, fmt.Sprintf("Request path is too long (the limit is %d bytes).", maxPathBytes))
	case !utf8.ValidString(r.URL.Path):
		writeDetail(w, http.StatusNotFound, notFound)
	default:
		return true
	}
	return false
}

// authenticate checks r's credential as auth asks: the partner key, or a
// server key as Bearer token (an organization's client key too where
// clientKey is true). A missing credential and a wrong one are each refused
// with 401 in one wording. It returns the organization a server key
// belongs to (nil for the partner key), and whether r may go on.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, auth wrapper.Auth, clientKey bool) (*org, bool) {
	const notProvided = "Authentication credentials were not provided."
	switch auth {
	case wrapper.AuthPartnerKey:
		if r.Header.Get(partnerKeyHeader) == "" {
			writeDetail(w, http.StatusUnauthorized, notProvided)
			return nil, false
		}
		if !s.partnerKeyOK(r) {
			writeDetail(w, http.StatusUnauthorized, "Invalid partner key.")
			return nil, false
		}
		return nil, true
	case wrapper.AuthServerKey:
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		token = strings.TrimSpace(token)
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
			writeDetail(w, http.StatusUnauthorized, notProvided)
			return nil, false
		}
		o := s.state.orgForKey(token)
		if o == nil && clientKey {
			o = s.state.orgForClientKey(token)
		}
		if o == nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
			writeDetail(w, http.StatusUnauthorized, "Invalid token.")
			return nil, false
		}
		return o, true
	}
	return nil, true
}

// readBody reads r's body within the server's limit (413 over it, the
// connection then closed) and, when contentType is JSON, refuses a body
// checkBody refuses. It returns the body and whether r may go on.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, contentType string) ([]byte, bool) {
	tooLarge := func() {
		writeDetail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("Request body is too large (the limit is %d bytes).", s.maxBody))
		closeAfter(w)
	}
	if r.ContentLength > s.maxBody {
		tooLarge()
		return nil, false
	}
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(http.MaxBytesReader(nil, r.Body, s.maxBody))
		if err != nil {
			var over *http.MaxBytesError
			if errors.As(err, &over) {
				tooLarge()
			} else {
				writeDetail(w, http.StatusBadRequest, "Could not read the request body.")
			}
			return nil, false
		}
	}
	if status, msg := checkBody(contentType, body); status != 0 {
		writeDetail(w, status, msg)
		return nil, false
	}
	return body, true
}

// serve runs one request and returns the operation it matched, if any.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, handlers map[string]http.HandlerFunc, opts *openapi3filter.Options) *opInfo {
	if name, ok := invalidQueryUTF8(r); ok {
		writeFieldErrors(w, name, "Not valid UTF-8.")
		return nil
	}
	normalizeQuery(r)
	route, pathParams, err := s.spec.findRoute(r)
	if err != nil {
		if errors.Is(err, routers.ErrMethodNotAllowed) {
			writeDetail(w, http.StatusMethodNotAllowed, fmt.Sprintf("Method %q not allowed.", r.Method))
			return nil
		}
		writeDetail(w, http.StatusNotFound, notFound)
		return nil
	}
	info := s.spec.ops[route.Operation.OperationID]
	handle := handlers[route.Operation.OperationID]
	if info == nil || handle == nil { // cannot happen: every routed operation is indexed and has a handler
		writeDetail(w, http.StatusNotFound, notFound)
		return nil
	}

	ctx := context.WithValue(r.Context(), opCtxKey, info)
	o, ok := s.authenticate(w, r, info.table.Auth(), clientKeyOperations[info.id]) // clientKeyOperations: beyond.go
	if !ok {
		return info
	}
	if o != nil {
		ctx = context.WithValue(ctx, orgCtxKey, o)
	}
	// The body is read before any operation takes the state's lock: a
	// client that sends it slowly holds up no one else.
	body, ok := s.readBody(w, r, r.Header.Get("Content-Type"))
	if !ok {
		return info
	}
	body = normalizeBody(route.Operation, body)
	setBody(r, body)
	input := &openapi3filter.RequestValidationInput{Request: r, PathParams: pathParams, Route: route, Options: opts}
	if err := openapi3filter.ValidateRequest(ctx, input); err != nil {
		writeValidationError(w, err)
		return info
	}
	setBody(r, body)
	r = r.WithContext(ctx)
	for name, v := range pathParams {
		// The router matched the escaped path, so its values are escaped;
		// the binding code takes them unescaped, as net/http's mux gave.
		if u, err := url.PathUnescape(v); err == nil {
			v = u
		}
		r.SetPathValue(name, v)
	}
	handle(w, r)
	return info
}

// operationHandlers is the generated binding code of every operation of
// the spec, by operationId. The generated HandlerWithOptions registers each
// operation's binding function under its method and path; a collecting mux
// takes them and the spec's operations name them, so nothing routes by
// them. An operation without binding code, or binding code for no
// operation, is an error: the spec and the generated code disagree.
func operationHandlers(spec *specIndex, f *fake) (map[string]http.HandlerFunc, error) {
	mux := collectingMux{}
	fakeapi.HandlerWithOptions(f, fakeapi.StdHTTPServerOptions{
		BaseURL:          BasePath,
		BaseRouter:       mux,
		ErrorHandlerFunc: f.bindError,
	})
	out := make(map[string]http.HandlerFunc, len(spec.ops))
	for id, info := range spec.ops {
		pattern := info.method + " " + BasePath + info.path
		if strings.HasSuffix(info.path, "/") {
			pattern += "{$}"
		}
		h := mux[pattern]
		if h == nil {
			return nil, fmt.Errorf("kelviqtest: operation %s (%s) has no generated handler: run go generate", id, pattern)
		}
		out[id] = h
		delete(mux, pattern)
	}
	if len(mux) > 0 {
		return nil, fmt.Errorf("kelviqtest: generated handlers %v match no operation of openapi.json: run go generate", slices.Sorted(maps.Keys(mux)))
	}
	return out, nil
}

// collectingMux keeps the handlers registered with it by pattern; it
// routes nothing (the fake calls them by operation, see operationHandlers).
type collectingMux map[string]http.HandlerFunc

func (m collectingMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m[pattern] = h
}

func (m collectingMux) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	writeDetail(w, http.StatusNotFound, notFound)
}

// invalidQueryUTF8 names a query parameter whose name or value is not
// valid UTF-8 once decoded.
func invalidQueryUTF8(r *http.Request) (string, bool) {
	if r.URL.RawQuery == "" {
		return "", false
	}
	for k, vs := range r.URL.Query() {
		if !utf8.ValidString(k) {
			return strings.ToValidUTF8(k, "\uFFFD"), true
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return k, true
			}
		}
	}
	return "", false
}

// maxJSONDepth is how deeply a request body's JSON values may nest. The
// API's own bodies nest a few levels; free-form maps such as metadata a few
// more. A deeper body is refused before anything parses it recursively.
const maxJSONDepth = check.MaxBodyDepth // the client's own limit

// checkBody refuses, before the validator parses it, a body whose
// Content-Type cannot be parsed (415) and a JSON body that is not exactly
// one JSON value in valid UTF-8, nested at most maxJSONDepth levels (400).
// It returns 0 for a body it lets through.
func checkBody(contentType string, body []byte) (int, string) {
	if len(body) == 0 {
		return 0, ""
	}
	if contentType == "" {
		return 0, ""
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return http.StatusUnsupportedMediaType, fmt.Sprintf("Unsupported media type %q in request.", contentType)
	}
	if mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return 0, "" // the validator responds with 415 for a type the operation does not take
	}
	switch {
	case !utf8.Valid(body):
		return http.StatusBadRequest, "JSON parse error - the body is not valid UTF-8."
	case check.Depth(body) > maxJSONDepth:
		return http.StatusBadRequest, fmt.Sprintf("JSON parse error - the body nests more than %d levels deep.", maxJSONDepth)
	case !json.Valid(body):
		var v any
		err := json.Unmarshal(body, &v)
		msg := "JSON parse error - the body is not one JSON value."
		if err != nil {
			msg = "JSON parse error - " + err.Error()
		}
		return http.StatusBadRequest, msg
	}
	return 0, ""
}

// partnerKeyHeader carries the partner key: the header the spec names for
// the partner operations.
var partnerKeyHeader = api.OperationProvisionPartnerOrganization.CredentialHeader()

// partnerKeyOK reports whether r carries the fake's partner key.
func (s *Server) partnerKeyOK(r *http.Request) bool {
	key := r.Header.Get(partnerKeyHeader)
	return key != "" && subtle.ConstantTimeCompare([]byte(key), []byte(s.partnerKey)) == 1
}

// setBody makes body the request's (re-readable) body.
func setBody(r *http.Request, body []byte) {
	r.ContentLength = int64(len(body))
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
}

// bufferedResponse is an http.ResponseWriter that keeps the response (status,
// header, body) in memory until sendTo writes it to the client.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newBufferedResponse() *bufferedResponse { return &bufferedResponse{header: http.Header{}} }

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferedResponse) statusOr200() int {
	if b.status == 0 {
		return http.StatusOK
	}
	return b.status
}

// sendTo writes the kept response to w.
func (b *bufferedResponse) sendTo(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range b.header {
		h[k] = v
	}
	w.WriteHeader(b.statusOr200())
	_, _ = w.Write(b.body.Bytes())
}

// closeAfter asks net/http to close the connection after the response: the
// rest of a refused body is not read.
func closeAfter(w http.ResponseWriter) { w.Header().Set("Connection", "close") }

// opFrom and orgFrom read what the middleware put in the context.
func opFrom(r *http.Request) *opInfo {
	info, _ := r.Context().Value(opCtxKey).(*opInfo)
	return info
}

func orgFrom(r *http.Request) *org {
	o, _ := r.Context().Value(orgCtxKey).(*org)
	return o
}

// requireOrg returns the organization of the request's server key, or
// responds with 401 and returns nil (the middleware makes that unreachable for
// operations that take a server key).
func requireOrg(w http.ResponseWriter, r *http.Request) *org {
	o := orgFrom(r)
	if o == nil {
		writeDetail(w, http.StatusUnauthorized, "Authentication credentials were not provided.")
	}
	return o
}

// withOrg runs fn for the request's organization with the state locked,
// and unlocks it when fn returns. Before that it responds with 401 when the
// request has no organization and, unless body is nil, decodes the JSON body
// into body (400 when it does not fit); fn is not called then.
func (f *fake) withOrg(w http.ResponseWriter, r *http.Request, body any, fn func(o *org)) {
	o := requireOrg(w, r)
	if o == nil || body != nil && !decodeBody(w, r, body) {
		return
	}
	st := f.s.state
	st.mu.Lock()
	defer st.mu.Unlock()
	fn(o)
}

// The API's details for an object it does not find: notFound in general,
// the others where the reference names the object.
const (
	notFound             = "Not found."
	subscriptionNotFound = "Subscription not found."
	customerNotFound     = "Customer not found."
	licenseNotFound      = "License not found."
)

// lookup returns m[key], or responds with 404 {"detail": detail} and returns nil
// when m has none.
func lookup[K comparable, V any](w http.ResponseWriter, m map[K]*V, key K, detail string) *V {
	v := m[key]
	if v == nil {
		writeDetail(w, http.StatusNotFound, detail)
	}
	return v
}

// writeJSON responds with status and v as JSON. It encodes v before it returns,
// so a handler that still holds the state's lock sends a consistent
// snapshot.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeDetail(w, http.StatusInternalServerError, "kelviqtest: cannot encode the response: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeText responds with 200 with a plain-text page, the fake's stand-in for
// the pages the real service serves elsewhere.
func writeText(w http.ResponseWriter, format string, args ...any) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, format, args...)
}

// writeDetail responds with status and {"detail": msg}, the API's error shape.
func writeDetail(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]string{"detail": msg}) // a map of strings always encodes
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeFieldErrors responds with 400 with DRF field errors, {"field": ["msg"]}.
func writeFieldErrors(w http.ResponseWriter, field, msg string) {
	writeJSON(w, http.StatusBadRequest, map[string][]string{field: {msg}})
}

// writeNoContent responds with 204 with no body and no Content-Type (the spec
// declares a JSON body for some 204s, which HTTP does not allow).
func writeNoContent(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }

// bindError handles a parameter the generated binding code could not bind (the
// validator lets few through): a path parameter is 404, others 400.
func (f *fake) bindError(w http.ResponseWriter, r *http.Request, err error) {
	name := ""
	var (
		invalid  *fakeapi.InvalidParamFormatError
		required *fakeapi.RequiredParamError
		many     *fakeapi.TooManyValuesForParamError
		unmarsh  *fakeapi.UnmarshalingParamError
	)
	switch {
	case errors.As(err, &invalid):
		name = invalid.ParamName
	case errors.As(err, &required):
		writeFieldErrors(w, required.ParamName, "This field is required.")
		return
	case errors.As(err, &many):
		name = many.ParamName
	case errors.As(err, &unmarsh):
		name = unmarsh.ParamName
	}
	if info := opFrom(r); info != nil && name != "" && f.s.spec.param(info, "path", name) != nil {
		writeDetail(w, http.StatusNotFound, notFound)
		return
	}
	if name == "" {
		writeDetail(w, http.StatusBadRequest, err.Error())
		return
	}
	writeFieldErrors(w, name, "Invalid value.")
}
