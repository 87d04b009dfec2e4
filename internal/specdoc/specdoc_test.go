package specdoc

import (
	"slices"
	"testing"
)

// ResponseOnly holds the schemas responses reach and requests do not, through
// references between schemas too.
func TestResponseOnly(t *testing.T) {
	doc := `{"paths":{"/a/{id}/":{
	  "parameters":[{"name":"id","in":"path","required":true,"schema":{"$ref":"#/components/schemas/Id"}}],
	  "post":{"operationId":"x",
	    "requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/In"}}}},
	    "responses":{"201":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Out"}}}}}}}},
	 "components":{"schemas":{
	   "Id":{"type":"string"},
	   "In":{"type":"object","properties":{"shared":{"$ref":"#/components/schemas/Shared"}}},
	   "Out":{"type":"object","properties":{"shared":{"$ref":"#/components/schemas/Shared"},"items":{"type":"array","items":{"$ref":"#/components/schemas/Item"}},"id":{"$ref":"#/components/schemas/Id"}}},
	   "Shared":{"type":"object"},
	   "Item":{"type":"object"},
	   "Unused":{"type":"object"}}}}`
	d, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Item", "Out"}; !slices.Equal(d.ResponseOnly, want) {
		t.Fatalf("ResponseOnly = %v, want %v", d.ResponseOnly, want)
	}
}

// The schema facts the MCP generator reads are loaded: additionalProperties
// as a boolean or a schema, enums, items, compositions, readOnly, the
// exclusive minimum, and descriptions of parameters and tags.
func TestSchemaDetails(t *testing.T) {
	doc := `{"tags":[{"name":"T","description":"the tag"}],
	 "paths":{"/a/":{"get":{"operationId":"x",
	  "parameters":[{"name":"q","in":"query","description":"a filter","schema":{"type":"string","enum":["A","B"]}}]}}},
	 "components":{"schemas":{
	   "Open":{"type":"object","additionalProperties":true},
	   "Closed":{"type":"object","additionalProperties":false},
	   "Typed":{"type":"object","additionalProperties":{"type":"string"}},
	   "List":{"type":"array","items":{"type":"integer"},"minItems":1},
	   "Either":{"oneOf":[{"type":"integer"},{"type":"string"}]},
	   "Money":{"type":"number","minimum":0,"exclusiveMinimum":true,"readOnly":true,"description":"an amount"}}}}`
	d, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	s := d.Schemas
	switch {
	case s["Open"].AdditionalProperties == nil || !s["Open"].AdditionalProperties.Allowed || s["Open"].AdditionalProperties.Schema != nil:
		t.Errorf("additionalProperties true: %+v", s["Open"].AdditionalProperties)
	case s["Closed"].AdditionalProperties == nil || s["Closed"].AdditionalProperties.Allowed:
		t.Errorf("additionalProperties false: %+v", s["Closed"].AdditionalProperties)
	case s["Typed"].AdditionalProperties.Schema == nil || s["Typed"].AdditionalProperties.Schema.Type != "string":
		t.Errorf("additionalProperties schema: %+v", s["Typed"].AdditionalProperties)
	case s["List"].Items == nil || s["List"].Items.Type != "integer" || s["List"].MinItems == nil || *s["List"].MinItems != 1:
		t.Errorf("items: %+v", s["List"])
	case len(s["Either"].OneOf) != 2:
		t.Errorf("oneOf: %+v", s["Either"])
	case !s["Money"].ExclusiveMinimum || !s["Money"].ReadOnly || s["Money"].Description != "an amount":
		t.Errorf("money: %+v", s["Money"])
	}
	q := d.ByID["x"].QueryParams[0]
	if q.Description != "a filter" || !slices.Equal(q.Schema.Enum, []any{"A", "B"}) {
		t.Errorf("parameter: %+v %+v", q, q.Schema)
	}
	if len(d.Tags) != 1 || d.Tags[0] != (Tag{Name: "T", Description: "the tag"}) {
		t.Errorf("tags: %+v", d.Tags)
	}
}

// MaxPageSize and Credential are the one reading of page_size's maximum
// and of an operation's security that every generator uses.
func TestMaxPageSizeAndCredential(t *testing.T) {
	doc := `{"components":{"securitySchemes":{
	   "partner":{"type":"apiKey","in":"header","name":"x-kelviq-partner-key"},
	   "server":{"type":"http","scheme":"bearer"},
	   "cookie":{"type":"apiKey","in":"cookie","name":"sid"}}},
	 "paths":{
	  "/capped/":{"get":{"operationId":"capped","security":[{"server":[]}],"parameters":[
	    {"name":"page","in":"query","schema":{"type":"integer"}},
	    {"name":"page_size","in":"query","schema":{"type":"integer","maximum":50}}],"responses":{"200":{}}}},
	  "/open/":{"get":{"operationId":"open","security":[{"partner":[]}],"parameters":[
	    {"name":"page","in":"query","schema":{"type":"integer"}},
	    {"name":"page_size","in":"query","schema":{"type":"integer"}}],"responses":{"200":{}}}},
	  "/plain/":{"get":{"operationId":"plain","security":[],"responses":{"200":{}}}},
	  "/cookie/":{"get":{"operationId":"cookie","security":[{"cookie":[]}],"responses":{"200":{}}}}}}`
	d, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*Operation{}
	for _, o := range d.Operations {
		byID[o.ID] = o
	}
	for _, tc := range []struct {
		id     string
		max    int
		cred   Credential
		header string
		fails  bool
	}{
		{"capped", 50, ServerKey, "Authorization", false},
		{"open", DefaultMaxPageSize, PartnerKey, "X-Kelviq-Partner-Key", false},
		{"plain", DefaultMaxPageSize, NoCredential, "", false},
		{"cookie", DefaultMaxPageSize, NoCredential, "", true},
	} {
		o := byID[tc.id]
		if o == nil {
			t.Fatalf("%s not loaded", tc.id)
		}
		cred, header, err := o.Credential()
		if got := o.MaxPageSize(); got != tc.max || cred != tc.cred || header != tc.header || (err != nil) != tc.fails {
			t.Errorf("%s: MaxPageSize %d, Credential %v %q %v; want %d, %v %q, fails %v", tc.id, got, cred, header, err, tc.max, tc.cred, tc.header, tc.fails)
		}
	}
}
