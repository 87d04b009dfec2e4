package speccheck

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// proseKeys are OpenAPI keywords that hold prose or docs-site extras. They
// are ignored when comparing facts.
var proseKeys = map[string]bool{
	"description": true,
	"summary":     true,
	"example":     true,
	"examples":    true,
	"x-mint":      true,
}

// nameMapKeys are keywords whose value (when it is an object) is a map keyed
// by names chosen by the API author: property names, schema names, paths,
// status codes, media types, header names, scheme names… A key inside such a
// map is a fact even when it is spelled "description" or "summary".
var nameMapKeys = map[string]bool{
	"properties":      true,
	"schemas":         true,
	"paths":           true,
	"responses":       true,
	"content":         true,
	"headers":         true,
	"securitySchemes": true,
	"parameters":      true, // components.parameters (a list elsewhere)
	"requestBodies":   true,
	"links":           true,
	"encoding":        true,
	"mapping":         true,
	"variables":       true,
}

// httpMethods are the operation keys of a path item.
var httpMethods = []string{"get", "put", "post", "delete", "patch", "options", "head", "trace"}

// minSentenceWords is the shortest reference sentence that counts as copied.
const minSentenceWords = 4

// runWords is the length of a run of consecutive words that counts as copied.
const runWords = 8

// minExampleLen is the shortest example string that counts as copied.
const minExampleLen = 6

// ---------------------------------------------------------------------------
// Loading

// repoRoot walks up from the working directory to the directory holding go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no go.mod found above the working directory")
		}
		dir = parent
	}
}

func loadJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return doc
}

// ---------------------------------------------------------------------------
// Stripping prose and comparing facts

// stripProse returns a copy of v without prose keys. inNameMap tells that v's
// keys are names (not keywords), so none of them is dropped.
func stripProse(v any, inNameMap bool) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, child := range x {
			if !inNameMap && proseKeys[k] {
				continue
			}
			_, childIsMap := child.(map[string]any)
			out[k] = stripProse(child, !inNameMap && nameMapKeys[k] && childIsMap)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, child := range x {
			out[i] = stripProse(child, false)
		}
		return out
	default:
		return v
	}
}

// facts is stripProse for a whole document.
func facts(doc map[string]any) map[string]any {
	return stripProse(doc, false).(map[string]any)
}

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	s := string(b)
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

// diff appends to out one line per difference between ours and ref, each
// prefixed with its JSON path.
func diff(path string, ours, ref any, out *[]string) {
	switch r := ref.(type) {
	case map[string]any:
		o, ok := ours.(map[string]any)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: ours %s, reference %s", path, show(ours), show(ref)))
			return
		}
		keys := make([]string, 0, len(r)+len(o))
		for k := range r {
			keys = append(keys, k)
		}
		for k := range o {
			if _, inRef := r[k]; !inRef {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			rv, inRef := r[k]
			ov, inOurs := o[k]
			switch {
			case !inOurs:
				*out = append(*out, fmt.Sprintf("%s: missing in ours, reference %s", joinKey(path, k), show(rv)))
			case !inRef:
				*out = append(*out, fmt.Sprintf("%s: ours %s, missing in reference", joinKey(path, k), show(ov)))
			default:
				diff(joinKey(path, k), ov, rv, out)
			}
		}
	case []any:
		o, ok := ours.([]any)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: ours %s, reference %s", path, show(ours), show(ref)))
			return
		}
		n := min(len(o), len(r))
		for i := 0; i < n; i++ {
			diff(fmt.Sprintf("%s[%d]", path, i), o[i], r[i], out)
		}
		for i := n; i < len(r); i++ {
			*out = append(*out, fmt.Sprintf("%s[%d]: missing in ours, reference %s", path, i, show(r[i])))
		}
		for i := n; i < len(o); i++ {
			*out = append(*out, fmt.Sprintf("%s[%d]: ours %s, missing in reference", path, i, show(o[i])))
		}
	default:
		if !reflect.DeepEqual(ours, ref) {
			*out = append(*out, fmt.Sprintf("%s: ours %s, reference %s", path, show(ours), show(ref)))
		}
	}
}

// compareFacts strips prose from both documents and returns every difference.
func compareFacts(ours, ref map[string]any) []string {
	var out []string
	diff("", facts(ours), facts(ref), &out)
	return out
}

// operation is one operation found under paths.
type operation struct {
	Path, Method string
	Op           any
}

func (o operation) where() string { return joinKey(joinKey("paths", o.Path), o.Method) }

// operations indexes a document's operations by operationId (or by
// "METHOD path" when an operation has none). Duplicate keys are returned.
func operations(doc map[string]any) (map[string]operation, []string) {
	ops := map[string]operation{}
	var dups []string
	paths, _ := doc["paths"].(map[string]any)
	for p, item := range paths {
		pi, ok := item.(map[string]any)
		if !ok {
			continue
		}
		for _, m := range httpMethods {
			op, ok := pi[m]
			if !ok {
				continue
			}
			key := strings.ToUpper(m) + " " + p
			if om, ok := op.(map[string]any); ok {
				if id, ok := om["operationId"].(string); ok && id != "" {
					key = id
				}
			}
			if _, seen := ops[key]; seen {
				dups = append(dups, key)
			}
			ops[key] = operation{Path: p, Method: m, Op: op}
		}
	}
	return ops, dups
}

func schemasOf(doc map[string]any) map[string]any {
	comps, _ := doc["components"].(map[string]any)
	s, _ := comps["schemas"].(map[string]any)
	return s
}

// remainder is the document without its operations and component schemas
// (which are compared one by one); path items keep their path-level keys.
func remainder(doc map[string]any) map[string]any {
	out := make(map[string]any, len(doc))
	for k, v := range doc {
		out[k] = v
	}
	if paths, ok := doc["paths"].(map[string]any); ok {
		np := make(map[string]any, len(paths))
		for p, item := range paths {
			pi, ok := item.(map[string]any)
			if !ok {
				np[p] = item
				continue
			}
			ni := map[string]any{}
			for k, v := range pi {
				if !isMethod(k) {
					ni[k] = v
				}
			}
			np[p] = ni
		}
		out["paths"] = np
	}
	if comps, ok := doc["components"].(map[string]any); ok {
		nc := map[string]any{}
		for k, v := range comps {
			if k != "schemas" {
				nc[k] = v
			}
		}
		out["components"] = nc
	}
	return out
}

func isMethod(k string) bool {
	for _, m := range httpMethods {
		if k == m {
			return true
		}
	}
	return false
}

func unionKeys[V any](a, b map[string]V) []string {
	seen := map[string]bool{}
	var keys []string
	for k := range a {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for k := range b {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// compareOperation returns the differences of one operation, present in at
// least one of the two maps.
func compareOperation(key string, ours, ref map[string]operation) []string {
	o, inOurs := ours[key]
	r, inRef := ref[key]
	switch {
	case !inOurs:
		return []string{fmt.Sprintf("operation %s (%s %s): missing in ours", key, strings.ToUpper(r.Method), r.Path)}
	case !inRef:
		return []string{fmt.Sprintf("operation %s (%s %s): only in ours", key, strings.ToUpper(o.Method), o.Path)}
	}
	var out []string
	if o.Path != r.Path || o.Method != r.Method {
		out = append(out, fmt.Sprintf("operation %s: ours at %s %s, reference at %s %s",
			key, strings.ToUpper(o.Method), o.Path, strings.ToUpper(r.Method), r.Path))
	}
	diff(r.where(), o.Op, r.Op, &out)
	return out
}

// ---------------------------------------------------------------------------
// Copied prose and examples

// proseItem is a prose string or example string with its JSON path.
type proseItem struct {
	Path, Text string
}

// collectProse gathers description/summary strings (texts) and every string
// inside example/examples values (examples), at keyword positions only.
func collectProse(v any, path string, inNameMap bool, texts, examples *[]proseItem) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			child := x[k]
			p := joinKey(path, k)
			if !inNameMap {
				switch k {
				case "description", "summary":
					if s, ok := child.(string); ok {
						*texts = append(*texts, proseItem{p, s})
						continue
					}
				case "example", "examples":
					collectStrings(child, p, examples)
					continue
				}
			}
			_, childIsMap := child.(map[string]any)
			collectProse(child, p, !inNameMap && nameMapKeys[k] && childIsMap, texts, examples)
		}
	case []any:
		for i, child := range x {
			collectProse(child, fmt.Sprintf("%s[%d]", path, i), false, texts, examples)
		}
	}
}

func collectStrings(v any, path string, out *[]proseItem) {
	switch x := v.(type) {
	case string:
		*out = append(*out, proseItem{path, x})
	case map[string]any:
		for k, child := range x {
			collectStrings(child, joinKey(path, k), out)
		}
	case []any:
		for i, child := range x {
			collectStrings(child, fmt.Sprintf("%s[%d]", path, i), out)
		}
	}
}

const edgePunct = ".,;:!?()[]{}<>\"'`*_~“”‘’«»—–-"

// words normalises s: lower case, split on white space, punctuation trimmed
// from both ends of each word.
func words(s string) []string {
	var out []string
	for _, w := range strings.Fields(strings.ToLower(s)) {
		if w = strings.Trim(w, edgePunct); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// sentences splits s at line breaks and after '.', '!' or '?' followed by
// white space.
func sentences(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		start := 0
		for i := 0; i < len(line); i++ {
			c := line[i]
			if (c == '.' || c == '!' || c == '?') && (i+1 == len(line) || line[i+1] == ' ' || line[i+1] == '\t' || line[i+1] == '\r') {
				if part := strings.TrimSpace(line[start : i+1]); part != "" {
					out = append(out, part)
				}
				start = i + 1
			}
		}
		if part := strings.TrimSpace(line[start:]); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// copyReport lists copied prose and examples found in ours.
type copyReport struct {
	Sentences []string // a reference sentence (or whole string) inside our prose
	Runs      []string // a run of runWords words shared with reference prose
	Examples  []string // an example string equal to a reference example
}

func (c copyReport) total() int { return len(c.Sentences) + len(c.Runs) + len(c.Examples) }

// findCopies checks our prose and examples against the reference's.
func findCopies(refTexts, refExamples, ourTexts, ourExamples []proseItem) copyReport {
	var rep copyReport

	type normalised struct {
		item   proseItem
		joined string // " w1 w2 … " for whole-word containment
		words  []string
	}
	ours := make([]normalised, 0, len(ourTexts))
	for _, it := range ourTexts {
		w := words(it.Text)
		ours = append(ours, normalised{it, " " + strings.Join(w, " ") + " ", w})
	}

	// Reference sentences and whole strings, and all runs of runWords words.
	needles := map[string]string{} // normalised -> original
	runs := map[string]bool{}
	for _, it := range refTexts {
		units := append(sentences(it.Text), it.Text)
		for _, u := range units {
			if w := words(u); len(w) >= minSentenceWords {
				needles[" "+strings.Join(w, " ")+" "] = strings.TrimSpace(u)
			}
		}
		w := words(it.Text)
		for i := 0; i+runWords <= len(w); i++ {
			runs[strings.Join(w[i:i+runWords], " ")] = true
		}
	}
	needleKeys := make([]string, 0, len(needles))
	for k := range needles {
		needleKeys = append(needleKeys, k)
	}
	sort.Strings(needleKeys)

	for _, o := range ours {
		for _, n := range needleKeys {
			if strings.Contains(o.joined, n) {
				rep.Sentences = append(rep.Sentences, fmt.Sprintf("%s: contains reference sentence %q (ours: %q)", o.item.Path, needles[n], o.item.Text))
			}
		}
		for i := 0; i+runWords <= len(o.words); i++ {
			run := strings.Join(o.words[i:i+runWords], " ")
			if runs[run] {
				rep.Runs = append(rep.Runs, fmt.Sprintf("%s: shares %d consecutive words with reference prose: %q (ours: %q)", o.item.Path, runWords, run, o.item.Text))
				break
			}
		}
	}

	refEx := map[string]bool{}
	for _, it := range refExamples {
		if utf8.RuneCountInString(it.Text) >= minExampleLen {
			refEx[it.Text] = true
		}
	}
	for _, it := range ourExamples {
		if utf8.RuneCountInString(it.Text) >= minExampleLen && refEx[it.Text] {
			rep.Examples = append(rep.Examples, fmt.Sprintf("%s: example %q equals a reference example", it.Path, it.Text))
		}
	}
	return rep
}

// copiesBetween collects prose from both whole documents and runs findCopies.
func copiesBetween(ours, ref map[string]any) copyReport {
	var rt, rx, ot, ox []proseItem
	collectProse(ref, "", false, &rt, &rx)
	collectProse(ours, "", false, &ot, &ox)
	return findCopies(rt, rx, ot, ox)
}

// ---------------------------------------------------------------------------
// The spec check

func TestSpecMatchesReference(t *testing.T) {
	root := repoRoot(t)
	refPath := filepath.Clean(filepath.Join(root, "..", "shared", "reference", "kelviq-openapi.json"))
	if _, err := os.Stat(refPath); errors.Is(err, fs.ErrNotExist) {
		t.Skipf("reference not present at %s, so facts cannot be compared with openapi.json", refPath)
	} else if err != nil {
		t.Fatalf("stat %s: %v", refPath, err)
	}
	oursDoc := loadJSON(t, filepath.Join(root, "openapi.json"))
	refDoc := loadJSON(t, refPath)
	ours, ref := facts(oursDoc), facts(refDoc)

	ourOps, ourDups := operations(ours)
	refOps, refDups := operations(ref)
	if len(refOps) == 0 {
		t.Fatalf("reference %s has no operations; is it the right file?", refPath)
	}
	for _, d := range ourDups {
		t.Errorf("openapi.json: operation key %s used more than once", d)
	}
	for _, d := range refDups {
		t.Logf("reference: operation key %s used more than once", d)
	}

	opKeys := unionKeys(ourOps, refOps)
	sameOps := 0
	t.Run("operations", func(t *testing.T) {
		for _, key := range opKeys {
			t.Run(key, func(t *testing.T) {
				diffs := compareOperation(key, ourOps, refOps)
				for _, d := range diffs {
					t.Error(d)
				}
				if len(diffs) == 0 {
					sameOps++
				}
			})
		}
	})

	ourSchemas, refSchemas := schemasOf(ours), schemasOf(ref)
	schemaKeys := unionKeys(ourSchemas, refSchemas)
	sameSchemas := 0
	t.Run("schemas", func(t *testing.T) {
		for _, name := range schemaKeys {
			t.Run(name, func(t *testing.T) {
				p := "components.schemas." + name
				o, inOurs := ourSchemas[name]
				r, inRef := refSchemas[name]
				var diffs []string
				switch {
				case !inOurs:
					diffs = append(diffs, p+": missing in ours")
				case !inRef:
					diffs = append(diffs, p+": only in ours")
				default:
					diff(p, o, r, &diffs)
				}
				for _, d := range diffs {
					t.Error(d)
				}
				if len(diffs) == 0 {
					sameSchemas++
				}
			})
		}
	})

	t.Run("rest", func(t *testing.T) {
		// Everything else: openapi, info, servers, tags, security,
		// security schemes, path-level parameters and servers.
		var diffs []string
		diff("", remainder(ours), remainder(ref), &diffs)
		for _, d := range diffs {
			t.Error(d)
		}
	})

	var copies copyReport
	t.Run("prose", func(t *testing.T) {
		copies = copiesBetween(oursDoc, refDoc)
		for _, s := range copies.Sentences {
			t.Error("copied sentence: " + s)
		}
		for _, s := range copies.Runs {
			t.Error("copied words: " + s)
		}
		for _, s := range copies.Examples {
			t.Error("copied example: " + s)
		}
	})

	t.Logf("spec-check: %d/%d operations identical, %d/%d component schemas identical, %d copied sentences, %d copied %d-word runs, %d copied examples",
		sameOps, len(opKeys), sameSchemas, len(schemaKeys),
		len(copies.Sentences), len(copies.Runs), runWords, len(copies.Examples))
}

// ---------------------------------------------------------------------------
// Tests of the helpers: they must be able to fail.

func mustDoc(t *testing.T, s string) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(s), &doc); err != nil {
		t.Fatalf("bad test JSON: %v\n%s", err, s)
	}
	return doc
}

const baseDoc = `{
  "openapi": "3.0.0",
  "info": {"title": "t", "version": "1", "description": "Reference info text for the test."},
  "paths": {
    "/customers/": {
      "get": {
        "summary": "List customers",
        "description": "Returns customers.",
        "operationId": "listCustomers",
        "x-mint": {"href": "/x"},
        "parameters": [
          {"name": "page", "in": "query", "description": "Page.", "schema": {"type": "integer", "example": 1}}
        ],
        "responses": {
          "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}, "example": {"id": "x"}}}}
        }
      }
    }
  },
  "components": {
    "schemas": {
      "A": {
        "type": "object",
        "description": "An A.",
        "required": ["title"],
        "properties": {
          "description": {"type": "string", "nullable": true, "description": "Text.", "example": "hello"},
          "title": {"type": "string"},
          "summary": {"type": "string"},
          "kind": {"type": "string", "enum": ["one", "two"]}
        }
      }
    }
  }
}`

// edit parses baseDoc, applies f and returns the result.
func edit(t *testing.T, f func(d map[string]any)) map[string]any {
	t.Helper()
	d := mustDoc(t, baseDoc)
	f(d)
	return d
}

func obj(v any, path ...string) map[string]any {
	for _, p := range path {
		v = v.(map[string]any)[p]
	}
	return v.(map[string]any)
}

func TestCompareFactsReportsFactChanges(t *testing.T) {
	cases := []struct {
		name string
		f    func(d map[string]any)
		want string // substring of one reported difference
	}{
		{"changed parameter type", func(d map[string]any) {
			p := obj(d, "paths", "/customers/", "get")["parameters"].([]any)[0]
			obj(p, "schema")["type"] = "string"
		}, `paths./customers/.get.parameters[0].schema.type: ours "string", reference "integer"`},
		{"changed property type", func(d map[string]any) {
			obj(d, "components", "schemas", "A", "properties", "title")["type"] = "integer"
		}, `components.schemas.A.properties.title.type: ours "integer", reference "string"`},
		{"removed enum value", func(d map[string]any) {
			obj(d, "components", "schemas", "A", "properties", "kind")["enum"] = []any{"one"}
		}, `components.schemas.A.properties.kind.enum[1]: missing in ours`},
		{"removed property named description", func(d map[string]any) {
			delete(obj(d, "components", "schemas", "A", "properties"), "description")
		}, `components.schemas.A.properties.description: missing in ours`},
		{"changed property named description", func(d map[string]any) {
			obj(d, "components", "schemas", "A", "properties", "description")["nullable"] = false
		}, `components.schemas.A.properties.description.nullable: ours false, reference true`},
		{"removed property named title", func(d map[string]any) {
			delete(obj(d, "components", "schemas", "A", "properties"), "title")
		}, `components.schemas.A.properties.title: missing in ours`},
		{"removed property named summary", func(d map[string]any) {
			delete(obj(d, "components", "schemas", "A", "properties"), "summary")
		}, `components.schemas.A.properties.summary: missing in ours`},
		{"removed required entry", func(d map[string]any) {
			obj(d, "components", "schemas", "A")["required"] = []any{}
		}, `components.schemas.A.required[0]: missing in ours`},
		{"added response code", func(d map[string]any) {
			obj(d, "paths", "/customers/", "get", "responses")["404"] = map[string]any{}
		}, `paths./customers/.get.responses.404: ours {}, missing in reference`},
		{"renamed operationId", func(d map[string]any) {
			obj(d, "paths", "/customers/", "get")["operationId"] = "getCustomers"
		}, `paths./customers/.get.operationId: ours "getCustomers", reference "listCustomers"`},
		{"changed info version", func(d map[string]any) {
			obj(d, "info")["version"] = "2"
		}, `info.version: ours "2", reference "1"`},
	}
	ref := mustDoc(t, baseDoc)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			diffs := compareFacts(edit(t, c.f), ref)
			found := false
			for _, d := range diffs {
				if strings.Contains(d, c.want) {
					found = true
				}
			}
			if !found {
				t.Errorf("want a difference containing %q, got %q", c.want, diffs)
			}
		})
	}
}

func TestCompareFactsIgnoresProse(t *testing.T) {
	ours := edit(t, func(d map[string]any) {
		obj(d, "info")["description"] = "Something else entirely."
		op := obj(d, "paths", "/customers/", "get")
		op["summary"] = "Page through customers"
		delete(op, "description")
		delete(op, "x-mint")
		p := op["parameters"].([]any)[0].(map[string]any)
		p["description"] = "Which page."
		obj(p, "schema")["example"] = 7
		p["example"] = 3
		obj(op, "responses", "200")["description"] = "Fine."
		delete(obj(op, "responses", "200", "content", "application/json"), "example")
		obj(op, "responses", "200", "content", "application/json")["examples"] = map[string]any{"x": map[string]any{"summary": "s", "value": 1}}
		a := obj(d, "components", "schemas", "A")
		a["description"] = "Our A."
		desc := obj(a, "properties", "description")
		desc["description"] = "Free text."
		desc["example"] = "another"
		obj(a, "properties", "title")["description"] = "Added in ours only."
	})
	if diffs := compareFacts(ours, mustDoc(t, baseDoc)); len(diffs) != 0 {
		t.Errorf("prose changes must not be reported, got %q", diffs)
	}
}

func TestCompareOperationReportsMovesAndGaps(t *testing.T) {
	ref := facts(mustDoc(t, baseDoc))
	moved := edit(t, func(d map[string]any) {
		paths := obj(d, "paths")
		paths["/clients/"] = paths["/customers/"]
		delete(paths, "/customers/")
	})
	refOps, _ := operations(ref)
	ourOps, _ := operations(facts(moved))
	diffs := compareOperation("listCustomers", ourOps, refOps)
	if len(diffs) != 1 || !strings.Contains(diffs[0], "ours at GET /clients/, reference at GET /customers/") {
		t.Errorf("moved operation: got %q", diffs)
	}
	diffs = compareOperation("listCustomers", map[string]operation{}, refOps)
	if len(diffs) != 1 || !strings.Contains(diffs[0], "missing in ours") {
		t.Errorf("missing operation: got %q", diffs)
	}
	if diffs := compareOperation("listCustomers", refOps, refOps); len(diffs) != 0 {
		t.Errorf("identical operation: got %q", diffs)
	}
}

func TestRemainderKeepsPathLevelFacts(t *testing.T) {
	withParam := func(name string) map[string]any {
		return edit(t, func(d map[string]any) {
			obj(d, "paths", "/customers/")["parameters"] = []any{map[string]any{"name": name, "in": "path"}}
		})
	}
	var diffs []string
	diff("", remainder(facts(withParam("pk"))), remainder(facts(withParam("id"))), &diffs)
	if len(diffs) != 1 || !strings.Contains(diffs[0], `paths./customers/.parameters[0].name: ours "pk", reference "id"`) {
		t.Errorf("path-level parameter change: got %q", diffs)
	}
	diffs = nil
	diff("", remainder(facts(withParam("pk"))), remainder(facts(withParam("pk"))), &diffs)
	if len(diffs) != 0 {
		t.Errorf("same path-level parameter: got %q", diffs)
	}
}

func TestSentences(t *testing.T) {
	got := sentences("First one here. Second, e.g. `a.b` stays.\n- Bullet line! Last?")
	want := []string{"First one here.", "Second, e.g.", "`a.b` stays.", "- Bullet line!", "Last?"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sentences: got %q, want %q", got, want)
	}
	if got, want := words("  Hello, `World`!  e.g. (x) "), []string{"hello", "world", "e.g", "x"}; !reflect.DeepEqual(got, want) {
		t.Errorf("words: got %q, want %q", got, want)
	}
}

func TestFindCopies(t *testing.T) {
	ref := []proseItem{
		{"r1", "Creates a new customer record within kelviq. Plan not found."},
		{"r2", "Returns a paginated list of refunds for the authenticated organization, newest first."},
	}
	refEx := []proseItem{{"rx1", "acme-corp"}, {"rx2", "pro"}}
	cases := []struct {
		name                   string
		text, example          string
		sentences, runs, exams int
	}{
		{"own words", "Lists refunds, latest first.", "northwind-0042", 0, 0, 0},
		{"copied sentence", "Creates a new customer record within kelviq.", "", 1, 0, 0},
		{"copied sentence, other case and spacing, inside longer text", "Note:  CREATES a new customer   record within kelviq! Then more.", "", 1, 0, 0},
		{"short reference sentence is allowed", "Plan not found.", "", 0, 0, 0},
		{"eight-word run", "This call gives a paginated list of refunds for the authenticated team.", "", 0, 1, 0},
		{"seven-word run is allowed", "We give a paginated list of refunds for everyone.", "", 0, 0, 0},
		{"copied example", "Own text here.", "acme-corp", 0, 0, 1},
		{"short equal example is allowed", "Own text here.", "pro", 0, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var ex []proseItem
			if c.example != "" {
				ex = append(ex, proseItem{"ox", c.example})
			}
			rep := findCopies(ref, refEx, []proseItem{{"o", c.text}}, ex)
			if len(rep.Sentences) != c.sentences || len(rep.Runs) != c.runs || len(rep.Examples) != c.exams {
				t.Errorf("got sentences=%q runs=%q examples=%q; want %d/%d/%d",
					rep.Sentences, rep.Runs, rep.Examples, c.sentences, c.runs, c.exams)
			}
		})
	}
}

func TestCollectProseSkipsNames(t *testing.T) {
	var texts, examples []proseItem
	collectProse(mustDoc(t, baseDoc), "", false, &texts, &examples)
	var paths []string
	for _, it := range texts {
		paths = append(paths, it.Path)
	}
	want := []string{
		"components.schemas.A.description",
		"components.schemas.A.properties.description.description",
		"info.description",
		"paths./customers/.get.description",
		"paths./customers/.get.parameters[0].description",
		"paths./customers/.get.responses.200.description",
		"paths./customers/.get.summary",
	}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("prose paths: got %q, want %q", paths, want)
	}
	var exs []string
	for _, it := range examples {
		exs = append(exs, it.Path+"="+it.Text)
	}
	sort.Strings(exs)
	wantEx := []string{
		"components.schemas.A.properties.description.example=hello",
		"paths./customers/.get.responses.200.content.application/json.example.id=x",
	}
	if !reflect.DeepEqual(exs, wantEx) {
		t.Errorf("examples: got %q, want %q", exs, wantEx)
	}
	// The whole reference can still be checked against itself: everything is copied.
	if rep := copiesBetween(mustDoc(t, baseDoc), mustDoc(t, baseDoc)); rep.total() == 0 {
		t.Errorf("a document compared with itself must show copies")
	}
}
