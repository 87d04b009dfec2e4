package gosrc

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestParseResolveTypeName(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.go")
	src := "package a\n\nimport (\n\tx \"example.com/long/path\"\n\t\"example.com/other\"\n)\n\ntype A = B\ntype B = C\ntype C struct{ P *C }\ntype D = x.T\n\nvar _ other.T\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Parse(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Imports["x"]; got != "example.com/long/path" {
		t.Errorf("Imports[x] = %q", got)
	}
	if got := f.Imports["other"]; got != "example.com/other" {
		t.Errorf("Imports[other] = %q", got)
	}
	if got := f.Resolve("A"); got != "C" {
		t.Errorf("Resolve(A) = %q, want C", got)
	}
	if got := f.Resolve("D"); got != "D" {
		t.Errorf("Resolve(D) = %q, want D (an alias of a selector stays)", got)
	}
	if got := TypeName(f.Types["B"].Type); got != "C" {
		t.Errorf("TypeName(B's type) = %q, want C", got)
	}
	if _, err := Parse(filepath.Join(t.TempDir(), "missing.go"), false); err == nil {
		t.Error("Parse of a missing file: no error")
	}
}

func TestMainKeepsAnUnchangedFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.go")
	Main("test", out, func() ([]byte, error) { return []byte("one"), nil })
	if b, _ := os.ReadFile(out); string(b) != "one" {
		t.Fatalf("first write: %q", b)
	}
	old := time.Unix(1, 0)
	if err := os.Chtimes(out, old, old); err != nil {
		t.Fatal(err)
	}
	Main("test", out, func() ([]byte, error) { return []byte("one"), nil })
	if st, _ := os.Stat(out); !st.ModTime().Equal(old) {
		t.Errorf("unchanged output rewritten (mtime %v)", st.ModTime())
	}
	Main("test", out, func() ([]byte, error) { return []byte("two"), nil })
	if b, _ := os.ReadFile(out); string(b) != "two" {
		t.Errorf("changed output not written: %q", b)
	}
}
