package main

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kelviq/kelviq-go/internal/specdoc"
)

// The committed table must be what the generator makes from the committed
// spec, and making it twice must give the same bytes.
func TestCommittedTableIsFresh(t *testing.T) {
	want, err := os.ReadFile("../../../cmd/kelviq/internal/mcpserver/tools.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	got, err := generate("../../../openapi.json", "mcpserver")
	if err != nil {
		t.Fatal(err)
	}
	again, err := generate("../../../openapi.json", "mcpserver")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, again) {
		t.Fatal("two runs of the generator differ")
	}
	if !bytes.Equal(got, want) {
		t.Fatal("cmd/kelviq/internal/mcpserver/tools.gen.go is stale: run go generate ./...")
	}
	doc, err := specdoc.Load("../../../openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(got), "\t\tName: "); n != len(doc.Operations) {
		t.Fatalf("table has %d tools, want one per operation of the spec (%d)", n, len(doc.Operations))
	}
}

// Every input schema of the real spec compiles as JSON Schema 2020-12
// (checked against its metaschema), and is an object schema.
func TestSchemasAreJSONSchema(t *testing.T) {
	doc, err := specdoc.Load("../../../openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range doc.Operations {
		tl, err := makeTool(doc, o)
		if err != nil {
			t.Fatal(err)
		}
		compile(t, o.ID, tl.Schema)
	}
}

func compile(t *testing.T, name, schema string) *jsonschema.Schema {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(schema))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("tool.json", v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	s, err := c.Compile("tool.json")
	if err != nil {
		t.Fatalf("%s: not a valid JSON Schema: %v", name, err)
	}
	return s
}

// OpenAPI 3.0 turns into JSON Schema: nullable, exclusiveMinimum, readOnly
// members dropped from requests, references inlined, required kept.
func TestConversion(t *testing.T) {
	spec := `{"paths":{"/things/{id}/":{"patch":{"operationId":"editThing","tags":["Things"],
	  "security":[{"b":[]}],
	  "parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"string","format":"uuid"}},
	    {"name":"mode","in":"query","schema":{"type":"string","enum":["A","B"]}}],
	  "requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Thing"}}}},
	  "responses":{"200":{"description":"ok"}}}}},
	 "components":{"securitySchemes":{"b":{"type":"http","scheme":"bearer"}},"schemas":{
	  "Thing":{"type":"object","required":["name","id"],"properties":{
	    "id":{"type":"string","readOnly":true},
	    "name":{"type":"string","maxLength":8},
	    "note":{"type":"string","nullable":true},
	    "kind":{"type":"string","nullable":true,"enum":["X","Y"]},
	    "amount":{"type":"number","format":"decimal","minimum":0,"exclusiveMinimum":true},
	    "tags":{"type":"array","items":{"$ref":"#/components/schemas/Tag"}},
	    "extra":{"type":"object","additionalProperties":{"type":"string"}}}},
	  "Tag":{"type":"object","properties":{"label":{"type":"string"}}}}}}`
	doc, err := specdoc.Parse([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	tl, err := makeTool(doc, doc.ByID["editThing"])
	if err != nil {
		t.Fatal(err)
	}
	if !tl.Idempotent || tl.ReadOnly || tl.Destructive {
		t.Errorf("PATCH of an object: hints %+v, want idempotent only", tl)
	}
	s := compile(t, tl.Name, tl.Schema)
	for _, c := range []struct {
		args string
		ok   bool
	}{
		{`{"id":"x","body":{"name":"n"}}`, true},
		{`{"id":"x","organization":"org-1","body":{"name":"n","note":null,"kind":null,"amount":0.5,"tags":[{"label":"a"}],"extra":{"k":"v"}}}`, true},
		{`{"body":{"name":"n"}}`, false},                               // path parameter missing
		{`{"id":"x"}`, false},                                          // body required
		{`{"id":"x","body":{"name":"too long a name"}}`, false},        // maxLength
		{`{"id":"x","body":{"name":"n","amount":0}}`, false},           // exclusive minimum
		{`{"id":"x","body":{"name":"n","kind":"Z"}}`, false},           // enum
		{`{"id":"x","mode":"C","body":{"name":"n"}}`, false},           // parameter enum
		{`{"id":"x","body":{"name":"n","extra":{"k":1}}}`, false},      // additionalProperties schema
		{`{"id":"x","body":{"name":"n"},"other":1}`, false},            // unknown argument
		{`{"id":"","body":{"name":"n"}}`, false},                       // empty path segment
		{`{"id":"x","body":{"name":"n","tags":[{"label":3}]}}`, false}, // inlined reference
	} {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(c.args))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(v); (err == nil) != c.ok {
			t.Errorf("%s: valid %v, want %v (%v)", c.args, err == nil, c.ok, err)
		}
	}
	var m struct {
		Properties struct {
			Body struct {
				Properties map[string]json.RawMessage `json:"properties"`
				Required   []string                   `json:"required"`
			} `json:"body"`
		} `json:"properties"`
	}
	if err := json.Unmarshal([]byte(tl.Schema), &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Properties.Body.Properties["id"]; ok || strings.Join(m.Properties.Body.Required, ",") != "name" {
		t.Errorf("readOnly id kept in the request: %s", tl.Schema)
	}
	if !strings.Contains(tl.Description, "PATCH /things/{id}/") || !strings.Contains(tl.Description, `"body" (required)`) {
		t.Errorf("description: %s", tl.Description)
	}
}

func TestHints(t *testing.T) {
	obj := &specdoc.Schema{Type: "object"}
	for _, c := range []struct {
		op                   specdoc.Operation
		ro, idem, destroying bool
	}{
		{specdoc.Operation{Method: "GET"}, true, true, false},
		{specdoc.Operation{Method: "DELETE"}, false, true, true},
		{specdoc.Operation{Method: "PUT"}, false, true, true},
		{specdoc.Operation{Method: "PATCH", Body: obj}, false, true, false},
		{specdoc.Operation{Method: "PATCH", Body: &specdoc.Schema{Type: "array"}}, false, false, false},
		{specdoc.Operation{Method: "POST", Body: obj}, false, false, false},
	} {
		ro, idem, d := hints(&c.op)
		if ro != c.ro || idem != c.idem || d != c.destroying {
			t.Errorf("%s: %v %v %v, want %v %v %v", c.op.Method, ro, idem, d, c.ro, c.idem, c.destroying)
		}
	}
}

func TestGenerateRejectsBadSpecs(t *testing.T) {
	dir := t.TempDir()
	op := func(extra string) string {
		return `{"paths":{"/a/":{"post":{"operationId":"x","tags":["T"]` + extra + `}}},` +
			`"components":{"schemas":{"Loop":{"type":"object","properties":{"next":{"$ref":"#/components/schemas/Loop"}}}}}}`
	}
	for name, c := range map[string]struct{ doc, want string }{
		"no tag":          {`{"paths":{"/a/":{"get":{"operationId":"x"}}}}`, "has no tag"},
		"header param":    {op(`,"parameters":[{"name":"h","in":"header","schema":{"type":"string"}}]`), "only path and query"},
		"reserved body":   {op(`,"parameters":[{"name":"body","in":"query","schema":{"type":"string"}}]`), "keeps for itself"},
		"reserved org":    {op(`,"parameters":[{"name":"organization","in":"query","schema":{"type":"string"}}]`), "keeps for itself"},
		"array parameter": {op(`,"parameters":[{"name":"q","in":"query","schema":{"type":"array"}}]`), "not supported"},
		"cyclic body":     {op(`,"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Loop"}}}}`), "refers to itself"},
	} {
		p := dir + "/spec.json"
		if err := os.WriteFile(p, []byte(c.doc), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := generate(p, "mcpserver"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: generate: %v, want an error saying %q", name, err, c.want)
		}
	}
}

// A schema with a backtick cannot be a raw string literal: it is quoted.
func TestGoString(t *testing.T) {
	for _, s := range []string{`{"a":"b"}`, "{\"a\":\"`\"}"} {
		lit := goString(s)
		got, err := strconv.Unquote(lit)
		if err != nil || got != s {
			t.Errorf("goString(%q) = %s", s, lit)
		}
	}
	if !regexp.MustCompile("^`").MatchString(goString(`{}`)) {
		t.Error("plain JSON is not a raw literal")
	}
}
