package kelviqtest

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// maxSampleDepth bounds how deep sample descends into nested schemas (and so
// stops at recursive ones).
const maxSampleDepth = 8

// generic answers an operation that keeps no state: its declared success
// status (the lowest, should there be several), with a body built from that
// response's JSON schema.
func (f *fake) generic(w http.ResponseWriter, r *http.Request) {
	info := opFrom(r)
	if info == nil { // cannot happen: the middleware always sets it
		writeDetail(w, http.StatusNotFound, "Not found.")
		return
	}
	status, resp := info.successStatus()
	if status >= 300 && status <= 399 {
		w.Header().Set("Location", "https://files.example.invalid/"+randomHex(8))
		w.WriteHeader(status)
		return
	}
	if status == http.StatusNoContent {
		writeNoContent(w)
		return
	}
	if resp == nil { // no success status declared: a bare 200
		w.WriteHeader(status)
		return
	}
	mt := resp.Content.Get("application/json")
	switch {
	case mt == nil:
		w.WriteHeader(status)
		return
	case mt.Schema == nil || mt.Schema.Value == nil:
		writeJSON(w, status, map[string]any{}) // JSON, of no declared shape
		return
	}
	writeJSON(w, status, f.s.spec.sampleBody(mt.Schema.Value))
}

// sampleBody builds a response body for schema; a list page is an empty one.
func (s *specIndex) sampleBody(schema *openapi3.Schema) any {
	v := s.sample(schema, "", 0)
	if m, ok := v.(map[string]any); ok && isPage(schema) {
		m["count"], m["next"], m["previous"], m["results"] = 0, nil, nil, []any{}
	}
	return v
}

// isPage reports whether schema is a DRF page: count, next, previous, results.
func isPage(schema *openapi3.Schema) bool {
	for _, p := range []string{"count", "next", "previous", "results"} {
		if schema.Properties[p] == nil {
			return false
		}
	}
	return true
}

// sample returns a value valid against schema: its example when it has a
// valid one, else its first enum value or its default, else a value of the
// right type and format. Objects get every property that is not write-only;
// arrays get as few items as minItems allows.
func (s *specIndex) sample(schema *openapi3.Schema, name string, depth int) any {
	if schema == nil {
		return nil
	}
	opts := append([]openapi3.SchemaValidationOption{openapi3.VisitAsResponse()}, s.schemaOpts...)
	valid := func(v any) bool { return v != nil && schema.VisitJSON(v, opts...) == nil }
	switch {
	case valid(schema.Example):
		return schema.Example
	case len(schema.Enum) > 0:
		return schema.Enum[0]
	case valid(schema.Default):
		return schema.Default
	}
	if len(schema.AllOf) > 0 {
		out := map[string]any{}
		for _, ref := range schema.AllOf {
			if ref == nil {
				continue
			}
			if m, ok := s.sample(ref.Value, name, depth+1).(map[string]any); ok {
				for k, v := range m {
					out[k] = v
				}
			}
		}
		for k, v := range s.sampleProperties(schema, depth) {
			out[k] = v
		}
		return out
	}
	for _, alts := range []openapi3.SchemaRefs{schema.OneOf, schema.AnyOf} {
		if len(alts) > 0 && alts[0] != nil {
			return s.sample(alts[0].Value, name, depth+1)
		}
	}
	t := schema.Type
	switch {
	case t.Is(openapi3.TypeObject) || (t.IsEmpty() && len(schema.Properties) > 0):
		return s.sampleProperties(schema, depth)
	case t.Is(openapi3.TypeArray):
		out := []any{}
		if schema.Items != nil && depth < maxSampleDepth {
			for range schema.MinItems {
				out = append(out, s.sample(schema.Items.Value, name, depth+1))
			}
		}
		return out
	case t.Is(openapi3.TypeString):
		return sampleString(schema, name)
	case t.Is(openapi3.TypeInteger):
		return sampleNumber(schema, true)
	case t.Is(openapi3.TypeNumber):
		return sampleNumber(schema, false)
	case t.Is(openapi3.TypeBoolean):
		return false
	case schema.Nullable || t.IsEmpty():
		return nil
	}
	return nil
}

func (s *specIndex) sampleProperties(schema *openapi3.Schema, depth int) map[string]any {
	out := map[string]any{}
	if depth >= maxSampleDepth {
		return out
	}
	names := make([]string, 0, len(schema.Properties))
	for n := range schema.Properties {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		ref := schema.Properties[n]
		if ref == nil || ref.Value == nil || ref.Value.WriteOnly {
			continue
		}
		out[n] = s.sample(ref.Value, n, depth+1)
	}
	return out
}

// sampleString returns a string of the schema's format; a plain string is
// the property's name, so that a test can tell where a value came from.
func sampleString(schema *openapi3.Schema, name string) string {
	var v string
	switch schema.Format {
	case "uuid":
		v = newUUID().String()
	case "date-time":
		v = now().Format(time.RFC3339Nano)
	case "date":
		v = now().Format(time.DateOnly)
	case "email":
		v = "user@example.com"
	case "uri", "url":
		v = "https://example.invalid/" + url.PathEscape(name)
	default:
		switch {
		case strings.HasSuffix(strings.ToLower(name), "url"):
			v = "https://example.invalid/" + url.PathEscape(name)
		case name != "":
			v = name
		default:
			v = "string"
		}
	}
	for uint64(len(v)) < schema.MinLength {
		v += "x"
	}
	if schema.MaxLength != nil && uint64(len(v)) > *schema.MaxLength {
		v = v[:*schema.MaxLength]
	}
	return v
}

// sampleNumber returns the smallest value the bounds allow, 0 when none.
func sampleNumber(schema *openapi3.Schema, integer bool) float64 {
	v := 0.0
	if schema.Min != nil {
		v = *schema.Min
		if schema.ExclusiveMin.IsTrue() {
			v++
		}
	} else if schema.Max != nil && *schema.Max < 0 {
		v = *schema.Max
		if schema.ExclusiveMax.IsTrue() {
			v--
		}
	}
	if integer && v != float64(int64(v)) {
		v = float64(int64(v) + 1)
	}
	return v
}
