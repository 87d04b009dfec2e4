package catalog

import (
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error is one problem of a catalog file: where it is, the field (a path
// such as plans[1].entitlements[0].feature) and the rule it breaks. Load and
// Parse return every problem they find, joined with errors.Join; errors.As
// finds the first.
type Error struct {
	File   string // the file name given to Load, or "input" for Parse
	Line   int    // 1-based; 0 when unknown
	Column int    // 1-based; 0 when unknown
	Field  string // the path of the field; "" for the file as a whole
	Rule   string
}

// Error is "file:line:column: field: rule".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Rule)
	return b.String()
}

// maxErrors caps how many problems one Parse reports.
const maxErrors = 50

// Load reads and parses the catalog file at path (YAML, or JSON, which is
// read as YAML). Its errors name path, the line and column, the field and
// the rule.
func Load(path string) (*Catalog, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return parse(path, data)
}

// Parse parses a catalog file's content (YAML or JSON). It checks every
// rule that needs no network: the keys and their types, required keys,
// identifiers (slugs matching ^[a-z0-9][a-z0-9-_]*$), enums, duplicate
// identifiers, and that every product and feature a plan names is defined
// in the file. Unknown keys are errors with a suggestion, except in
// entitlements and prices, which keep them (Extra) and send them on.
func Parse(data []byte) (*Catalog, error) { return parse("input", data) }

func parse(file string, data []byte) (*Catalog, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, syntaxError(file, err)
	}
	d := &decoder{file: file}
	c := &Catalog{}
	switch {
	case doc.Kind == 0 || len(doc.Content) == 0:
		d.add(&doc, "", "the file is empty: it needs at least one of products, features, plans")
	default:
		root := doc.Content[0]
		d.decodeStruct(root, reflect.ValueOf(c).Elem(), "")
		if len(d.errs) == 0 {
			d.checkCatalog(c)
		}
	}
	if len(d.errs) > 0 {
		return nil, errors.Join(d.errs...)
	}
	return c, nil
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

// syntaxError turns a YAML syntax error into an *Error with its line.
func syntaxError(file string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &Error{File: file, Rule: "not valid YAML or JSON: " + msg}
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Rule = "not valid YAML or JSON: " + strings.TrimSpace(yamlLineRE.ReplaceAllString(strings.Replace(msg, m[0]+": ", "", 1), ""))
	}
	return e
}

// decoder decodes yaml nodes into the format's structs by their fields,
// collecting errors and remembering where each path was.
type decoder struct {
	file string
	errs []error
	pos  map[string]*yaml.Node
}

func (d *decoder) add(n *yaml.Node, path, rule string) {
	if len(d.errs) == maxErrors {
		d.errs = append(d.errs, &Error{File: d.file, Rule: fmt.Sprintf("more than %d problems; stopped", maxErrors)})
	}
	if len(d.errs) > maxErrors {
		return
	}
	e := &Error{File: d.file, Field: path, Rule: rule}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	d.errs = append(d.errs, e)
}

func (d *decoder) mark(path string, n *yaml.Node) {
	if d.pos == nil {
		d.pos = map[string]*yaml.Node{}
	}
	d.pos[path] = n
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// decodeStruct decodes mapping n into struct v by v's fields.
func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		where := path
		if where == "" {
			where = "the file"
		}
		d.add(n, path, fmt.Sprintf("must be a mapping of keys to values (%s is %s)", where, describe(n)))
		return
	}
	d.mark(path, n)
	keys, extra := named(v.Type())
	seen := map[string]*yaml.Node{}
	suggested := map[string]bool{} // a missing key already suggested for a misspelling is not reported again
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], resolve(n.Content[i+1])
		if kn.Kind != yaml.ScalarNode {
			d.add(kn, path, "keys must be strings")
			continue
		}
		key := kn.Value
		at := join(path, key)
		if prev, dup := seen[key]; dup {
			d.add(kn, at, fmt.Sprintf("duplicate key (first at line %d)", prev.Line))
			continue
		}
		seen[key] = kn
		i := slices.IndexFunc(keys, func(f field) bool { return f.key == key })
		if i < 0 {
			if extra != nil {
				val, ok := d.value(vn, at)
				if ok {
					m := v.Field(extra.index)
					if m.IsNil() {
						m.Set(reflect.ValueOf(map[string]any{}))
					}
					m.SetMapIndex(reflect.ValueOf(key), reflect.ValueOf(&val).Elem())
				}
				continue
			}
			rule := "unknown key"
			if s := suggest(key, keys); s != "" {
				rule += fmt.Sprintf(": did you mean %q?", s)
				suggested[s] = true
			} else {
				rule += " (the keys here: " + keyList(keys) + ")"
			}
			d.add(kn, at, rule)
			continue
		}
		f := keys[i]
		if isNull(vn) {
			if f.required {
				d.add(vn, at, "is required and must not be empty")
			}
			continue
		}
		d.decodeField(f, vn, v.Field(f.index), at)
	}
	for _, f := range keys {
		if f.required && seen[f.key] == nil && !suggested[f.key] {
			d.add(n, join(path, f.key), fmt.Sprintf("is required (%s)", f.doc))
		}
	}
}

// decodeField decodes n into the field f of the struct (out).
func (d *decoder) decodeField(f field, n *yaml.Node, out reflect.Value, path string) {
	d.mark(path, n)
	switch f.typ.Kind() {
	case reflect.String:
		s, ok := d.str(n, path)
		if !ok {
			return
		}
		switch {
		case f.required && strings.TrimSpace(s) == "":
			d.add(n, path, "must not be empty")
		case f.slug && !slugRE.MatchString(s):
			d.add(n, path, fmt.Sprintf("%q is not an identifier: use lower-case letters, digits, '-' and '_', starting with a letter or digit (%s)", s, slugPattern))
		case f.ref != "" && uuidRE.MatchString(s):
			d.add(n, path, fmt.Sprintf("%q is a UUID: name the %s by its identifier, which is the same in every environment", s, strings.TrimSuffix(f.ref, "s")))
		case f.enum != nil && !f.open && !slices.Contains(f.enum, s):
			rule := fmt.Sprintf("%q is not one of %s", s, strings.Join(f.enum, ", "))
			if s2 := closest(s, f.enum); s2 != "" {
				rule += fmt.Sprintf(": did you mean %q?", s2)
			}
			d.add(n, path, rule)
		default:
			out.SetString(s)
		}
	case reflect.Pointer:
		switch f.typ.Elem().Kind() {
		case reflect.Bool:
			if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
				d.add(n, path, fmt.Sprintf("must be true or false (it is %s)", describe(n)))
				return
			}
			var b bool
			_ = n.Decode(&b)
			out.Set(reflect.ValueOf(&b))
		case reflect.Int:
			var i int
			if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil {
				d.add(n, path, fmt.Sprintf("must be a whole number (it is %s)", describe(n)))
				return
			}
			if f.min != nil && i < *f.min {
				d.add(n, path, fmt.Sprintf("must be at least %d", *f.min))
				return
			}
			out.Set(reflect.ValueOf(&i))
		}
	case reflect.Interface: // a value: a boolean or a number
		t := n.ShortTag()
		if n.Kind != yaml.ScalarNode || (t != "!!bool" && t != "!!int" && t != "!!float") {
			d.add(n, path, fmt.Sprintf("must be true, false or a number (it is %s)", describe(n)))
			return
		}
		if v, ok := d.value(n, path); ok {
			out.Set(reflect.ValueOf(&v).Elem())
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.add(n, path, fmt.Sprintf("must be a mapping (it is %s)", describe(n)))
			return
		}
		if v, ok := d.value(n, path); ok {
			out.Set(reflect.ValueOf(v))
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.add(n, path, fmt.Sprintf("must be a list (it is %s)", describe(n)))
			return
		}
		elem := f.typ.Elem()
		s := reflect.MakeSlice(f.typ, 0, len(n.Content))
		for i, en := range n.Content {
			at := fmt.Sprintf("%s[%d]", path, i)
			en = resolve(en)
			switch elem.Kind() {
			case reflect.Struct:
				ev := reflect.New(elem).Elem()
				d.decodeStruct(en, ev, at)
				s = reflect.Append(s, ev)
			case reflect.Map:
				if en.Kind != yaml.MappingNode {
					d.add(en, at, fmt.Sprintf("must be a mapping (it is %s)", describe(en)))
					continue
				}
				if v, ok := d.value(en, at); ok {
					s = reflect.Append(s, reflect.ValueOf(v))
				}
			}
		}
		out.Set(s)
	}
}

// str reads a scalar as a string: text, or a number written bare.
func (d *decoder) str(n *yaml.Node, path string) (string, bool) {
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!str", "!!int", "!!float":
			return n.Value, true
		}
	}
	d.add(n, path, fmt.Sprintf("must be a string (it is %s)", describe(n)))
	return "", false
}

// value decodes n as a plain value (maps, lists, strings, booleans,
// numbers), numbers normalized (see norm).
func (d *decoder) value(n *yaml.Node, path string) (any, bool) {
	var v any
	if err := n.Decode(&v); err != nil {
		d.add(n, path, strings.TrimPrefix(err.Error(), "yaml: "))
		return nil, false
	}
	nv, err := normErr(v)
	if err != nil {
		d.add(n, path, err.Error())
		return nil, false
	}
	return nv, true
}

func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		return resolve(n.Content[0])
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// describe names what a node is, for an error message.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return fmt.Sprintf("the string %q", n.Value)
		case "!!null":
			return "empty"
		case "!!bool":
			return "the boolean " + n.Value
		default:
			return "the number " + n.Value
		}
	}
	return "empty"
}

// closest returns the value of vals nearest s when it is a likely typo.
func closest(s string, vals []string) string {
	fs := make([]field, len(vals))
	for i, v := range vals {
		fs[i] = field{key: v}
	}
	return suggest(s, fs)
}

// checkCatalog checks the rules across entries: duplicate identifiers, and
// that plans name products and features of the file.
func (d *decoder) checkCatalog(c *Catalog) {
	products := d.unique("products", len(c.Products), func(i int) string { return c.Products[i].Identifier }, "identifier")
	features := d.unique("features", len(c.Features), func(i int) string { return c.Features[i].Identifier }, "identifier")
	d.unique("plans", len(c.Plans), func(i int) string { return c.Plans[i].Identifier }, "identifier")
	for i, p := range c.Plans {
		at := fmt.Sprintf("plans[%d]", i)
		if !products[p.Product] {
			d.add(d.pos[at+".product"], at+".product", fmt.Sprintf("no product %q in this file (its products: %s)", p.Product, listOf(products)))
		}
		for j, e := range p.Entitlements {
			ea := fmt.Sprintf("%s.entitlements[%d].feature", at, j)
			if !features[e.Feature] {
				d.add(d.pos[ea], ea, fmt.Sprintf("no feature %q in this file (its features: %s)", e.Feature, listOf(features)))
			}
		}
		d.unique(at+".entitlements", len(p.Entitlements), func(j int) string { return p.Entitlements[j].Feature }, "feature")
		paid := map[string]string{}
		for j, pr := range p.Prices {
			if pr.PriceType != "PAID" {
				continue
			}
			pa := fmt.Sprintf("%s.prices[%d]", at, j)
			if first, dup := paid[pr.Currency]; dup {
				d.add(d.pos[pa], pa+".currency", fmt.Sprintf("a second PAID price in currency %q (the first is %s, at %s): a plan has one PAID price per currency", pr.Currency, first, d.where(first)))
				continue
			}
			paid[pr.Currency] = pa
		}
	}
}

// unique reports entries of list (under path) whose key field repeats,
// naming both places, and returns the set of keys.
func (d *decoder) unique(path string, n int, key func(int) string, keyField string) map[string]bool {
	first := map[string]string{}
	set := map[string]bool{}
	for i := range n {
		k := key(i)
		at := fmt.Sprintf("%s[%d].%s", path, i, keyField)
		if prev, dup := first[k]; dup {
			d.add(d.pos[at], at, fmt.Sprintf("duplicate %s %q: also at %s (%s)", keyField, k, prev, d.where(prev)))
			continue
		}
		first[k], set[k] = at, true
	}
	return set
}

// where is the file:line:column of a path, for an error naming a second
// place.
func (d *decoder) where(path string) string {
	n := d.pos[path]
	if n == nil {
		return d.file
	}
	return fmt.Sprintf("%s:%d:%d", d.file, n.Line, n.Column)
}

func listOf(set map[string]bool) string {
	if len(set) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return strings.Join(keys, ", ")
}

// norm makes a plain value comparable and stable: integers of any type and
// integral floats become int64, other numbers float64, maps with any keys
// map[string]any, recursively.
func norm(v any) any {
	out, _ := normErr(v)
	return out
}

func normErr(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool, int64:
		return x, nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case uint64:
		if x > math.MaxInt64 {
			return float64(x), nil
		}
		return int64(x), nil
	case float32:
		return normFloat(float64(x)), nil
	case float64:
		return normFloat(x), nil
	case interface{ Int64() (int64, error) }: // json.Number
		if i, err := x.Int64(); err == nil {
			return i, nil
		}
		f, err := strconv.ParseFloat(fmt.Sprint(x), 64)
		if err != nil {
			return nil, fmt.Errorf("number %v: %w", x, err)
		}
		return normFloat(f), nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			n, err := normErr(e)
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			n, err := normErr(e)
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(k)] = n
		}
		return out, nil
	case []any:
		return normList(x)
	case []map[string]any:
		return normList(x)
	}
	return nil, fmt.Errorf("a value of type %T is not supported", v)
}

// normList is normErr of each element of a list.
func normList[T any](x []T) (any, error) {
	out := make([]any, len(x))
	for i, e := range x {
		n, err := normErr(e)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

func normFloat(f float64) any {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int64(f)
	}
	return f
}
