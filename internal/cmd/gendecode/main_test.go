package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The committed wrapper/decode.gen.go is what the generator makes of the
// committed api/api.gen.go, and generating is deterministic.
func TestGeneratedFileUpToDate(t *testing.T) {
	t.Chdir("../../..")
	gen := func() []byte {
		src, err := generate("api/api.gen.go", "github.com/kelviq/kelviq-go/api", "github.com/kelviq/kelviq-go/internal/jsonread", "wrapper")
		if err != nil {
			t.Fatal(err)
		}
		return src
	}
	got := gen()
	want, err := os.ReadFile("wrapper/decode.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("wrapper/decode.gen.go is stale: run go generate ./...")
	}
	if !bytes.Equal(got, gen()) {
		t.Fatal("generate is not deterministic")
	}
}

// Each kind of field gets the reading the generator promises: scalars and
// their pointers, enums, structs, slices and maps of strings read by the
// scanner; a type with its own UnmarshalJSON, a nullable field and a map
// of any value handed to encoding/json; aliases followed; responses found
// through their HTTPResponse wrappers.
func TestFieldKinds(t *testing.T) {
	dir := t.TempDir()
	src := `package api

import (
	"encoding/json"
	"time"

	"github.com/oapi-codegen/nullable"
	openapi_types "github.com/oapi-codegen/runtime/types"
)

type Color string

type Inner struct {
	N *int32 ` + "`json:\"n,omitempty\"`" + `
}

type Own struct{ raw json.RawMessage }

func (o *Own) UnmarshalJSON(b []byte) error { return nil }

type Result struct {
	Name    *string                 ` + "`json:\"name,omitempty\"`" + `
	Color   Color                   ` + "`json:\"color\"`" + `
	Money   *json.Number            ` + "`json:\"money,omitempty\"`" + `
	ID      openapi_types.UUID      ` + "`json:\"id\"`" + `
	At      *time.Time              ` + "`json:\"at,omitempty\"`" + `
	Inner   *Inner                  ` + "`json:\"inner,omitempty\"`" + `
	Items   *[]InnerAlias           ` + "`json:\"items,omitempty\"`" + `
	Tags    map[string]string       ` + "`json:\"tags\"`" + `
	Any     *map[string]interface{} ` + "`json:\"any,omitempty\"`" + `
	Maybe   nullable.Nullable[string] ` + "`json:\"maybe,omitempty\"`" + `
	Custom  Own                     ` + "`json:\"custom\"`" + `
	Skipped string                  ` + "`json:\"-\"`" + `
}

type InnerAlias = Inner

type GetResultHTTPResponse struct {
	JSON200 *Result
}
`
	path := filepath.Join(dir, "api.gen.go")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := generate(path, "example.test/api", "example.test/jsonread", "wrapper")
	if err != nil {
		t.Fatal(err)
	}
	code := string(out)
	for _, want := range []string{
		"case *api.Result:",
		"func decodeResult(",
		"func decodeInner(",
		"r.Str()", "api.Color(x)", "r.Number()", "r.UUID()", "r.Time()", "r.Int(32)",
		"r.MapStr()",
		"decodeInner(r, &s[len(s)-1])",
		"r.Delegate(&v.Any)", "r.Delegate(&v.Maybe)", "r.Delegate(&v.Custom)",
	} {
		if !strings.Contains(code, want) {
			t.Errorf("the output lacks %q:\n%s", want, code)
		}
	}
	if strings.Contains(code, `"-"`) || strings.Contains(code, "Skipped") {
		t.Errorf("a json:\"-\" field is decoded:\n%s", code)
	}
}
