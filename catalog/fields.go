package catalog

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
)

// slugPattern is the rule for identifiers and the references to them.
const slugPattern = `^[a-z0-9][a-z0-9-_]*$`

var slugRE = regexp.MustCompile(slugPattern)

// field is one key of the file format, read from a struct field's kv and doc
// tags (see types.go).
type field struct {
	key      string
	index    int
	typ      reflect.Type
	doc      string
	required bool
	slug     bool
	ref      string   // "products" or "features"
	enum     []string // allowed values, in order
	open     bool     // enum values beyond enum are accepted
	min      *int
	extra    bool // the map keeping unnamed keys
}

// fields returns the file format's keys of struct type t, in declaration
// order, leaving out fields tagged "-". A malformed tag is a programming
// error caught by the package's tests, so it panics.
func fields(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		sf := t.Field(i)
		tag, ok := sf.Tag.Lookup("kv")
		if !ok {
			panic(fmt.Sprintf("catalog: %s.%s has no kv tag", t.Name(), sf.Name))
		}
		if tag == "-" {
			continue
		}
		parts := strings.Split(tag, ",")
		f := field{key: parts[0], index: i, typ: sf.Type, doc: sf.Tag.Get("doc")}
		for _, opt := range parts[1:] {
			name, val, _ := strings.Cut(opt, "=")
			switch name {
			case "required":
				f.required = true
			case "slug":
				f.slug = true
			case "ref":
				f.ref, f.slug = val, true
			case "enum":
				f.enum = strings.Split(val, "|")
			case "open":
				f.open = true
			case "min":
				n, err := strconv.Atoi(val)
				if err != nil {
					panic(fmt.Sprintf("catalog: %s.%s: bad min %q", t.Name(), sf.Name, val))
				}
				f.min = &n
			case "extra":
				f.extra = true
			default:
				panic(fmt.Sprintf("catalog: %s.%s: unknown kv option %q", t.Name(), sf.Name, name))
			}
		}
		out = append(out, f)
	}
	return out
}

// named returns the fields of t that have a key (all but the extra map) and
// the extra field, if any.
func named(t reflect.Type) (keys []field, extra *field) {
	for _, f := range fields(t) {
		if f.extra {
			f := f
			extra = &f
			continue
		}
		keys = append(keys, f)
	}
	return keys, extra
}

// suggest returns the key of keys closest to got when it is close enough to
// be a likely misspelling, else "".
func suggest(got string, keys []field) string {
	best, bestD := "", 1<<30
	for _, f := range keys {
		d := distance(strings.ToLower(got), strings.ToLower(f.key))
		if d < bestD {
			best, bestD = f.key, d
		}
	}
	limit := max(2, len(got)/3)
	if bestD <= limit {
		return best
	}
	return ""
}

// distance is the Levenshtein distance of a and b.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// keyList is the keys of fs, for an error message.
func keyList(fs []field) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.key
	}
	return strings.Join(names, ", ")
}
