package kelviqtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// The real API takes request bodies and query parameters in either key style:
// its parser turns camelCase into snake_case before its serializers run.
// kelviq's official SDKs send snake_case bodies (customer_id,
// plan_identifier) and this module's client sends the camelCase the
// reference shows. The reference names body fields in camelCase and query
// parameters in snake_case, so the fake rewrites each request into the
// reference's style before it validates it: body keys the schema knows in
// camelCase, query keys in snake_case. Keys the schema does not name (the
// free-form maps such as metadata) are left as sent.

// maxSchemaDepth bounds how deep renameKeys descends into nested schemas
// (and so stops at recursive ones).
const maxSchemaDepth = 8

// snakeToCamel turns "plan_identifier" into "planIdentifier"; a key without
// an underscore is returned as is.
func snakeToCamel(s string) string {
	if !strings.Contains(s, "_") {
		return s
	}
	var b strings.Builder
	up := false
	for i, r := range s {
		switch {
		case r == '_' && i > 0:
			up = true
		case up && r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
			up = false
		default:
			b.WriteRune(r)
			up = false
		}
	}
	return b.String()
}

// camelToSnake turns "customerId" into "customer_id".
func camelToSnake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r - 'A' + 'a')
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// normalizeQuery rewrites camelCase query keys to snake_case. A key the
// request also sends in snake_case keeps the snake_case values.
func normalizeQuery(r *http.Request) {
	if r.URL.RawQuery == "" {
		return
	}
	q := r.URL.Query()
	changed := false
	for k, vs := range q {
		sk := camelToSnake(k)
		if sk == k {
			continue
		}
		if _, ok := q[sk]; !ok {
			q[sk] = vs
		}
		delete(q, k)
		changed = true
	}
	if changed {
		r.URL.RawQuery = q.Encode()
	}
}

// normalizeBody rewrites the snake_case keys of a JSON body that the
// operation's request schema names in camelCase. A body that is not JSON is
// returned unchanged, for the validator to refuse.
func normalizeBody(op *openapi3.Operation, body []byte) []byte {
	if len(body) == 0 || op == nil || op.RequestBody == nil || op.RequestBody.Value == nil {
		return body
	}
	mt := op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return body
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return body
	}
	if !renameKeys(v, mt.Schema.Value, 0) {
		return body
	}
	out, err := json.Marshal(v)
	if err != nil {
		return body
	}
	return out
}

// renameKeys walks v along schema and renames, in place, object keys that
// the schema knows only in camelCase. It reports whether it changed v.
func renameKeys(v any, schema *openapi3.Schema, depth int) bool {
	if schema == nil || depth > maxSchemaDepth {
		return false
	}
	changed := false
	switch x := v.(type) {
	case map[string]any:
		props := map[string]*openapi3.Schema{}
		collectProps(schema, props, 0)
		for k, val := range x {
			target := k
			if _, known := props[k]; !known {
				if c := snakeToCamel(k); c != k {
					if _, ok := props[c]; ok {
						if _, taken := x[c]; !taken {
							target = c
						}
					}
				}
			}
			if target != k {
				delete(x, k)
				x[target] = val
				changed = true
			}
			if ps := props[target]; ps != nil && renameKeys(val, ps, depth+1) {
				changed = true
			}
		}
	case []any:
		if schema.Items != nil {
			for _, item := range x {
				if renameKeys(item, schema.Items.Value, depth+1) {
					changed = true
				}
			}
		}
	}
	return changed
}

// collectProps gathers the properties of schema and of its allOf, oneOf and
// anyOf parts.
func collectProps(schema *openapi3.Schema, into map[string]*openapi3.Schema, depth int) {
	if schema == nil || depth > maxSchemaDepth {
		return
	}
	for name, ref := range schema.Properties {
		if ref != nil {
			into[name] = ref.Value
		}
	}
	for _, refs := range []openapi3.SchemaRefs{schema.AllOf, schema.OneOf, schema.AnyOf} {
		for _, ref := range refs {
			if ref != nil {
				collectProps(ref.Value, into, depth+1)
			}
		}
	}
}

// findRoute routes r, trying the path with its trailing slash toggled when
// the path as sent matches nothing: the official SDKs call /entitlements
// without the slash the reference shows, and the real API serves both. On a
// match through the toggled path, r's path is rewritten to the reference's.
func (s *specIndex) findRoute(r *http.Request) (*routers.Route, map[string]string, error) {
	route, params, err := s.router.FindRoute(r)
	if err == nil {
		return route, params, nil
	}
	alt := *r.URL
	if strings.HasSuffix(alt.Path, "/") {
		alt.Path = strings.TrimSuffix(alt.Path, "/")
		alt.RawPath = strings.TrimSuffix(alt.RawPath, "/")
	} else {
		alt.Path += "/"
		if alt.RawPath != "" {
			alt.RawPath += "/"
		}
	}
	probe := r.Clone(r.Context())
	probe.URL = &alt
	route2, params2, err2 := s.router.FindRoute(probe)
	if err2 != nil {
		return nil, nil, err
	}
	r.URL = &alt
	r.RequestURI = alt.RequestURI()
	return route2, params2, nil
}

// absoluteBase is the scheme and host the request came to, e.g.
// "http://127.0.0.1:41234": links the fake hands out point back at itself.
func absoluteBase(r *http.Request) string {
	u := requestOrigin(r)
	return u.String()
}

// requestOrigin is the URL of the scheme and host the request came to.
func requestOrigin(r *http.Request) url.URL {
	u := url.URL{Scheme: "http", Host: r.Host}
	if r.TLS != nil {
		u.Scheme = "https"
	}
	return u
}
