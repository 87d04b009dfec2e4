// Package jsonread is the scanner under the response decoders that
// internal/cmd/gendecode generates for the api package's types (see
// wrapper/decode.gen.go). It reads one JSON text held in a string, in
// place: a string without escapes decodes to a substring of the text, so
// a response's strings share one allocation, the body's.
//
// It is an optimization of encoding/json, never a second meaning of it:
// a Reader gives up (Failed) on anything that is not plain (invalid JSON, a
// value of the wrong type, a duplicate or case-folded key, an escaped key),
// and its caller then decodes the whole text with encoding/json, whose
// result and error are the outcome. What it does accept, it decodes exactly
// as encoding/json would; wrapper's FuzzDecodeAgrees checks that on every
// response type.
package jsonread

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// maxDepth is the deepest nesting a Reader takes; deeper text is left to
// encoding/json, which refuses nesting past its own limit (10,000).
const maxDepth = 1000

// Reader reads one JSON text. Its methods do nothing once it has failed.
type Reader struct {
	s      string
	i      int
	depth  int // of the objects and arrays open
	failed bool
	// Own makes every string a copy of its own instead of a substring of
	// the text, for responses whose text must not stay reachable through
	// them (one that holds a plain credential).
	Own bool
}

// Reset makes r a new Reader of s; own sets Own.
func (r *Reader) Reset(s string, own bool) { *r = Reader{s: s, Own: own} }

// Failed reports whether the reader gave up: the caller must decode the
// text another way.
func (r *Reader) Failed() bool { return r.failed }

// Fail makes the reader give up.
func (r *Reader) Fail() { r.failed = true }

// End reports whether the text was read whole, with nothing but white
// space after the value, and the reader never gave up.
func (r *Reader) End() bool {
	r.ws()
	return !r.failed && r.i == len(r.s)
}

func (r *Reader) ws() {
	for r.i < len(r.s) {
		switch r.s[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, 0 at the end or after a
// failure.
func (r *Reader) peek() byte {
	if r.failed {
		return 0
	}
	r.ws()
	if r.i == len(r.s) {
		return 0
	}
	return r.s[r.i]
}

// literal consumes the literal lit (null, true, false) at the reader's
// position.
func (r *Reader) literal(lit string) bool {
	if strings.HasPrefix(r.s[r.i:], lit) {
		r.i += len(lit)
		return true
	}
	r.failed = true
	return false
}

// AtObject reports whether an object comes next.
func (r *Reader) AtObject() bool { return r.peek() == '{' }

// Null consumes a null and reports whether there was one.
func (r *Reader) Null() bool {
	if r.peek() == 'n' {
		return r.literal("null")
	}
	return false
}

// Object starts an object: it reports whether a member follows (then call
// Key, the value's reader, and More). An empty object, a null (which
// leaves the value alone, as encoding/json does) and anything else (a
// failure) report false.
func (r *Reader) Object() bool { return r.begin('{', '}') }

// More ends an object's member: it reports whether another follows.
func (r *Reader) More() bool { return r.next('}') }

// Array starts an array: it reports whether an element follows (then
// read it and call MoreElems). Like Object, null and an empty array report
// false; IsEmpty tells which of the two it was.
func (r *Reader) Array() bool { return r.begin('[', ']') }

// MoreElems ends an array's element: it reports whether another follows.
func (r *Reader) MoreElems() bool { return r.next(']') }

// begin starts the object or array that opens with opening and closes
// with closing, for Object and Array.
func (r *Reader) begin(opening, closing byte) bool {
	switch r.peek() {
	case opening:
		r.i++
		if r.peek() == closing {
			r.i++
			return false
		}
		return r.open()
	case 'n':
		r.literal("null")
		return false
	}
	r.failed = true
	return false
}

// next ends a member or element of the object or array that closes with
// closing, for More and MoreElems: it reports whether another follows.
func (r *Reader) next(closing byte) bool {
	switch r.peek() {
	case ',':
		r.i++
		return true
	case closing:
		r.i++
		r.depth--
		return false
	}
	r.failed = true
	return false
}

// open enters an object or array with a member or element to read.
func (r *Reader) open() bool {
	if r.depth++; r.depth > maxDepth {
		r.failed = true
	}
	return !r.failed
}

// Key reads a member's name and its colon. A name with an escape or a
// byte outside ASCII makes the reader give up: encoding/json would match
// it to a field by Unicode case folding.
func (r *Reader) Key() string {
	if r.peek() != '"' {
		r.failed = true
		return ""
	}
	start := r.i + 1
	for j := start; j < len(r.s); j++ {
		c := r.s[j]
		if c == '"' {
			r.i = j + 1
			if r.peek() != ':' {
				r.failed = true
				return ""
			}
			r.i++
			return r.s[start:j]
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
	}
	r.failed = true
	return ""
}

// Unknown handles a member no field is named for exactly: when name
// matches one of fields but for case (encoding/json would decode it into
// that field) the reader gives up; otherwise it skips the value.
func (r *Reader) Unknown(name string, fields ...string) {
	for _, f := range fields {
		if strings.EqualFold(name, f) {
			r.failed = true
			return
		}
	}
	r.Skip()
}

// Dup marks a field as seen and reports whether it already was, in which
// case the reader gives up: encoding/json decodes a repeated member into
// what the first one left, and that is left to it.
func (r *Reader) Dup(seen *uint64, bit uint64) bool {
	if *seen&bit != 0 {
		r.failed = true
		return true
	}
	*seen |= bit
	return false
}

// rawString reads a string and returns its contents as written (without
// the quotes) and whether they hold an escape or a byte outside ASCII.
func (r *Reader) rawString() (s string, plain bool) {
	if r.peek() != '"' {
		r.failed = true
		return "", false
	}
	start := r.i + 1
	plain = true
	for j := start; j < len(r.s); j++ {
		c := r.s[j]
		switch {
		case c == '"':
			r.i = j + 1
			return r.s[start:j], plain
		case c == '\\':
			plain = false
			if !validEscape(r.s[j+1:]) {
				r.failed = true
				return "", false
			}
			j++ // the escaped byte (a \u's digits are plain)
		case c < 0x20:
			r.failed = true
			return "", false
		case c >= utf8.RuneSelf:
			plain = false
		}
	}
	r.failed = true
	return "", false
}

// validEscape reports whether s starts with what may follow a backslash.
func validEscape(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return true
	case 'u':
		if len(s) < 5 {
			return false
		}
		for _, c := range []byte(s[1:5]) {
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
		return true
	}
	return false
}

// Str reads a string; ok is false for a null (and after a failure).
func (r *Reader) Str() (s string, ok bool) {
	switch r.peek() {
	case '"':
	case 'n':
		r.literal("null")
		return "", false
	default:
		r.failed = true
		return "", false
	}
	start := r.i
	raw, plain := r.rawString()
	if r.failed {
		return "", false
	}
	if !plain && !(strings.IndexByte(raw, '\\') < 0 && utf8.ValidString(raw)) {
		// Escapes, or bytes that are not UTF-8 (encoding/json puts
		// U+FFFD for them): encoding/json unquotes it.
		var out string
		if err := json.Unmarshal([]byte(r.s[start:r.i]), &out); err != nil {
			r.failed = true
			return "", false
		}
		return out, true
	}
	if r.Own {
		return strings.Clone(raw), true
	}
	return raw, true
}

// number reads a number literal, checked against JSON's grammar.
func (r *Reader) number() string {
	r.ws()
	start, s, j := r.i, r.s, r.i
	digits := func() bool {
		k := j
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		return j > k
	}
	if j < len(s) && s[j] == '-' {
		j++
	}
	switch {
	case j < len(s) && s[j] == '0':
		j++
	case !digits():
		r.failed = true
		return ""
	}
	if j < len(s) && s[j] == '.' {
		j++
		if !digits() {
			r.failed = true
			return ""
		}
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		j++
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if !digits() {
			r.failed = true
			return ""
		}
	}
	r.i = j
	return s[start:j]
}

// isNumber reports whether c starts a number.
func isNumber(c byte) bool { return c == '-' || (c >= '0' && c <= '9') }

// numberText reads a number as written, for Int and Float; ok is false
// for a null and after a failure.
func (r *Reader) numberText() (lit string, ok bool) {
	c := r.peek()
	if c == 'n' {
		r.literal("null")
		return "", false
	}
	if !isNumber(c) {
		r.failed = true
		return "", false
	}
	lit = r.number()
	return lit, !r.failed
}

// Int reads an integer that fits in bits; ok is false for a null.
func (r *Reader) Int(bits int) (v int64, ok bool) {
	lit, ok := r.numberText()
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(lit, 10, bits)
	if err != nil {
		r.failed = true
		return 0, false
	}
	return v, true
}

// Float reads a number that fits in a float of bits; ok is false for a
// null.
func (r *Reader) Float(bits int) (v float64, ok bool) {
	lit, ok := r.numberText()
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(lit, bits)
	if err != nil {
		r.failed = true
		return 0, false
	}
	return v, true
}

// Number reads a json.Number: a number, kept as written, or a string that
// holds one (encoding/json takes both); ok is false for a null.
func (r *Reader) Number() (v json.Number, ok bool) {
	switch c := r.peek(); {
	case c == 'n':
		r.literal("null")
		return "", false
	case c == '"':
		raw, plain := r.rawString()
		if r.failed || !plain {
			r.failed = true
			return "", false
		}
		sub := Reader{s: raw}
		lit := sub.number()
		if sub.failed || sub.i != len(raw) {
			r.failed = true
			return "", false
		}
		if r.Own {
			lit = strings.Clone(lit)
		}
		return json.Number(lit), true
	case isNumber(c):
		lit := r.number()
		if r.Own {
			lit = strings.Clone(lit)
		}
		return json.Number(lit), !r.failed
	}
	r.failed = true
	return "", false
}

// Bool reads a boolean; ok is false for a null.
func (r *Reader) Bool() (v, ok bool) {
	switch r.peek() {
	case 't':
		return true, r.literal("true")
	case 'f':
		return false, r.literal("false")
	case 'n':
		r.literal("null")
		return false, false
	}
	r.failed = true
	return false, false
}

// UUID reads a UUID from a string, as uuid.UUID's UnmarshalText does; ok
// is false for a null.
func (r *Reader) UUID() (v uuid.UUID, ok bool) {
	s, ok := r.Str()
	if !ok {
		return v, false
	}
	v, err := uuid.Parse(s)
	if err != nil {
		r.failed = true
		return v, false
	}
	return v, true
}

// Time reads a time.Time, as its UnmarshalJSON does (RFC 3339, and the
// string as written: an escape in it makes the reader give up); ok is
// false for a null.
func (r *Reader) Time() (v time.Time, ok bool) {
	switch r.peek() {
	case 'n':
		r.literal("null")
		return v, false
	case '"':
	default:
		r.failed = true
		return v, false
	}
	raw, plain := r.rawString()
	if r.failed || !plain {
		r.failed = true
		return v, false
	}
	if err := v.UnmarshalText([]byte(raw)); err != nil {
		r.failed = true
		return v, false
	}
	return v, true
}

// MapStr reads an object of strings into a new map; ok is false for a
// null. A repeated name keeps its last value, as with encoding/json.
func (r *Reader) MapStr() (m map[string]string, ok bool) {
	if r.Null() {
		return nil, false
	}
	if r.peek() != '{' {
		r.failed = true
		return nil, false
	}
	m = map[string]string{}
	for more := r.Object(); more; more = r.More() {
		k, isStr := r.Str() // a name: a string, never null
		if !isStr || r.peek() != ':' {
			r.failed = true
			return nil, false
		}
		r.i++
		if v, ok := r.Str(); ok {
			m[k] = v
		} else if r.failed {
			return nil, false
		} else {
			m[k] = "" // null: encoding/json stores the zero value
		}
	}
	return m, !r.failed
}

// Skip reads a value of any kind, checking it, and drops it.
func (r *Reader) Skip() {
	switch c := r.peek(); {
	case c == '"':
		r.rawString()
	case c == '{':
		for more := r.Object(); more; more = r.More() {
			r.rawString()
			if r.peek() != ':' {
				r.failed = true
				return
			}
			r.i++
			r.Skip()
		}
	case c == '[':
		for more := r.Array(); more; more = r.MoreElems() {
			r.Skip()
		}
	case c == 't':
		r.literal("true")
	case c == 'f':
		r.literal("false")
	case c == 'n':
		r.literal("null")
	case isNumber(c):
		r.number()
	default:
		r.failed = true
	}
}

// Raw reads a value of any kind, checking it, and returns its text.
func (r *Reader) Raw() string {
	r.ws()
	start := r.i
	r.Skip()
	if r.failed {
		return ""
	}
	return r.s[start:r.i]
}

// Delegate decodes the next value into v with encoding/json: for the
// types the generated decoders leave to it (maps of any value, unions,
// nullable fields, types with their own UnmarshalJSON).
func (r *Reader) Delegate(v any) {
	raw := r.Raw()
	if r.failed {
		return
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		r.failed = true
	}
}

// Cell returns c, or a new T when c is nil: the generated decoders put
// the values of a struct's pointer fields in one T, allocated at the first.
func Cell[T any](c *T) *T {
	if c == nil {
		return new(T)
	}
	return c
}
