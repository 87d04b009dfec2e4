// Package errbody reads the body of an error response: the API's message, its
// DRF-style field errors, and a short sample, each with credentials removed.
package errbody

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxSample bounds a sample of a body, in bytes.
const MaxSample = 512

// MaxRead is how much of an error response is worth reading (1 MiB): the
// client reads no more of one.
const MaxRead = 1 << 20

// Read returns a sample of body, the message it carries and its field
// errors (nested fields joined with dots), after scrub has removed
// credentials from the whole body and, again, from each decoded message
// and field name (a key written with JSON escapes is only seen decoded).
// Field names that scrub alike are merged, in a stable order.
func Read(body []byte, scrub func(string) string) (sample, message string, fields map[string][]string) {
	// Scrub the whole body before sampling or parsing it: a credential cut
	// by the sample's limit would escape scrubbing, and a serverKey member
	// would otherwise reach the message as a field error.
	body = []byte(scrub(string(body)))
	message, raw := parse(body)
	if raw != nil {
		fields = make(map[string][]string, len(raw))
		for _, k := range slices.Sorted(maps.Keys(raw)) {
			ck := scrub(k)
			for _, m := range raw[k] {
				fields[ck] = append(fields[ck], scrub(m))
			}
		}
	}
	return Sample(body), scrub(message), fields
}

// Sample returns at most MaxSample bytes of b as valid UTF-8, each invalid
// byte replaced by U+FFFD.
func Sample(b []byte) string {
	var out strings.Builder
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if out.Len()+utf8.RuneLen(r) > MaxSample {
			break
		}
		out.WriteRune(r)
		b = b[size:]
	}
	return out.String()
}

// parse understands the error shapes the API uses: {"detail": ...},
// {"error": ...}, {"status": ..., "message": ...} and DRF field maps
// {"field": ["msg"]}. Anything else yields no message.
func parse(body []byte) (string, map[string][]string) {
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
	parts := make([]string, 0, len(fields))
	for _, k := range slices.Sorted(maps.Keys(fields)) {
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
