package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/kelviq/kelviq-go/internal/specdoc"
)

// The committed table must be what the generator makes from the committed
// spec, and making it twice must give the same bytes.
func TestCommittedTableIsFresh(t *testing.T) {
	want, err := os.ReadFile("../../../api/operations.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	got, err := generate("../../../openapi.json", "api")
	if err != nil {
		t.Fatal(err)
	}
	again, err := generate("../../../openapi.json", "api")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, again) {
		t.Fatal("two runs of the generator differ")
	}
	if !bytes.Equal(got, want) {
		t.Fatal("api/operations.gen.go is stale: run go generate ./...")
	}
	doc, err := specdoc.Load("../../../openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(got), "{id: "); n != len(doc.Operations) {
		t.Fatalf("table has %d operations, want one per operation of the spec (%d)", n, len(doc.Operations))
	}
}

func TestGenerateRejectsBadSpecs(t *testing.T) {
	dir := t.TempDir()
	for name, doc := range map[string]string{
		"not JSON":           `{`,
		"duplicate id":       `{"paths":{"/a/":{"get":{"operationId":"x"}},"/b/":{"get":{"operationId":"x"}}}}`,
		"missing id":         `{"paths":{"/a/":{"get":{}}}}`,
		"unknown scheme":     `{"paths":{"/a/":{"get":{"operationId":"x","security":[{"nope":[]}]}}}}`,
		"unusable scheme":    `{"paths":{"/a/":{"get":{"operationId":"x","security":[{"c":[]}]}}},"components":{"securitySchemes":{"c":{"type":"apiKey","in":"cookie","name":"k"}}}}`,
		"bad path parameter": `{"paths":{"/a/":{"parameters":[1],"get":{"operationId":"x"}}}}`,
		"undeclared {id}":    `{"paths":{"/a/{id}/":{"get":{"operationId":"x"}}}}`,
	} {
		p := dir + "/spec.json"
		if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := generate(p, "api"); err == nil {
			t.Errorf("%s: generate accepted it", name)
		}
	}
}
