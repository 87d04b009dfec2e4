// Package gosrc is what the generators share on the Go side: reading the
// declarations of a Go file that another generator made (api/api.gen.go,
// as oapi-codegen wrote it) and writing a generated file. Its partner for
// openapi.json is internal/specdoc.
package gosrc

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"log"
	"os"
	"strconv"
	"strings"
)

// File is a parsed Go file with its top-level types and imports indexed.
type File struct {
	// AST is the parsed file.
	AST *ast.File
	// Imports maps the file's import names to their paths.
	Imports map[string]string
	// Types holds every top-level type declaration by name.
	Types map[string]*ast.TypeSpec
}

// Parse reads the Go file at path; comments keeps its comments.
func Parse(path string, comments bool) (*File, error) {
	mode := parser.SkipObjectResolution
	if comments {
		mode |= parser.ParseComments
	}
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, mode)
	if err != nil {
		return nil, err
	}
	file := &File{AST: f, Imports: map[string]string{}, Types: map[string]*ast.TypeSpec{}}
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		name := p[strings.LastIndex(p, "/")+1:]
		if imp.Name != nil {
			name = imp.Name.Name
		}
		file.Imports[name] = p
	}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, s := range gd.Specs {
			ts := s.(*ast.TypeSpec)
			file.Types[ts.Name.Name] = ts
		}
	}
	return file, nil
}

// Resolve follows aliases (type A = B) among the file's types to the
// named type name stands for.
func (f *File) Resolve(name string) string {
	for range 100 {
		ts, ok := f.Types[name]
		if !ok || !ts.Assign.IsValid() {
			return name
		}
		id, ok := ts.Type.(*ast.Ident)
		if !ok {
			return name
		}
		name = id.Name
	}
	return name
}

// TypeName returns the name of a (pointer to a) named type, or "".
func TypeName(e ast.Expr) string {
	if st, ok := e.(*ast.StarExpr); ok {
		e = st.X
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// Main ends a generator's main function: it writes what generate makes
// to the file out, leaving the file (and its modification time) alone
// when it already holds exactly that, and stops the program with an
// error named for cmd when generating or writing fails.
func Main(cmd, out string, generate func() ([]byte, error)) {
	src, err := generate()
	if err != nil {
		log.Fatalf("%s: %v", cmd, err)
	}
	if old, err := os.ReadFile(out); err == nil && bytes.Equal(old, src) {
		return
	}
	if err := os.WriteFile(out, src, 0o644); err != nil {
		log.Fatalf("%s: %v", cmd, err)
	}
}
