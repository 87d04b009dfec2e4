package specdoc

import (
	"slices"
	"testing"
)

// AnswerOnly holds the schemas answers reach and requests do not, through
// references between schemas too.
func TestAnswerOnly(t *testing.T) {
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
	if want := []string{"Item", "Out"}; !slices.Equal(d.AnswerOnly, want) {
		t.Fatalf("AnswerOnly = %v, want %v", d.AnswerOnly, want)
	}
}
