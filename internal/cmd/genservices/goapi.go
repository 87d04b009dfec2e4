package main

import (
	"fmt"
	"go/ast"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/kelviq/kelviq-go/internal/gosrc"
)

// goAPI is what genservices learns from the generated client (api.gen.go):
// the signature of each operation's raw method, the name of its response
// wrapper, and the declared types. Names are read, not re-derived, so that a
// change in oapi-codegen's naming rules cannot silently break the wrapper.
type goAPI struct {
	// pkg is the generated package's name, e.g. "api".
	pkg string
	// imports maps the generated file's import names to their paths.
	imports map[string]string
	// file is api/api.gen.go, parsed.
	file *gosrc.File
	// types holds every top-level type declaration.
	types map[string]*ast.TypeSpec
	// raw and withResponse hold, by "METHOD /path", the typed method of
	// ClientInterface and of ClientWithResponsesInterface (the variant
	// that takes a typed body, not contentType + io.Reader).
	raw, withResponse map[string]*goMethod
}

type goMethod struct {
	Name string
	// OperationName is the name oapi-codegen gives the operation in the
	// method's doc ("the `ListOrders` operationId").
	OperationName string
	// Params are the parameters between ctx and reqEditors.
	Params []goParam
	// Result is the first result's type.
	Result ast.Expr
}

type goParam struct {
	Name string
	Type ast.Expr
}

type goField struct {
	Name      string
	Type      ast.Expr
	JSON      string // the json tag's name
	Form      string // the form tag's name
	OmitEmpty bool
}

var correspondsRE = regexp.MustCompile("Corresponds with ([A-Z]+) (\\S+) \\(the `(\\w+)` operationId\\)")

func readGoAPI(path string) (*goAPI, error) {
	f, err := gosrc.Parse(path, true)
	if err != nil {
		return nil, err
	}
	g := &goAPI{
		file:         f,
		pkg:          f.AST.Name.Name,
		imports:      f.Imports,
		types:        f.Types,
		raw:          map[string]*goMethod{},
		withResponse: map[string]*goMethod{},
	}
	for iface, into := range map[string]map[string]*goMethod{"ClientInterface": g.raw, "ClientWithResponsesInterface": g.withResponse} {
		ts, ok := g.types[iface]
		if !ok {
			return nil, fmt.Errorf("%s: no type %s", path, iface)
		}
		it, ok := ts.Type.(*ast.InterfaceType)
		if !ok {
			return nil, fmt.Errorf("%s: %s is not an interface", path, iface)
		}
		for _, fld := range it.Methods.List {
			ft, ok := fld.Type.(*ast.FuncType)
			if !ok || len(fld.Names) != 1 {
				continue
			}
			m := correspondsRE.FindStringSubmatch(fld.Doc.Text())
			if m == nil {
				return nil, fmt.Errorf("%s: %s.%s: no \"Corresponds with\" line in its doc", path, iface, fld.Names[0].Name)
			}
			gm := &goMethod{Name: fld.Names[0].Name, OperationName: m[3]}
			if ft.Results != nil && len(ft.Results.List) > 0 {
				gm.Result = ft.Results.List[0].Type
			}
			takesReader := false
			for i, p := range ft.Params.List {
				if i == 0 || isEllipsis(p.Type) {
					continue // ctx, reqEditors
				}
				if g.isSelector(p.Type, "io", "Reader") {
					takesReader = true
				}
				for _, n := range p.Names {
					gm.Params = append(gm.Params, goParam{Name: n.Name, Type: p.Type})
				}
			}
			if takesReader {
				continue // the untyped variant (contentType, io.Reader)
			}
			key := m[1] + " " + m[2]
			if prev, dup := into[key]; dup {
				return nil, fmt.Errorf("%s: %s has two typed methods for %s: %s and %s", path, iface, key, prev.Name, gm.Name)
			}
			into[key] = gm
		}
	}
	return g, nil
}

func isEllipsis(e ast.Expr) bool { _, ok := e.(*ast.Ellipsis); return ok }

// isSelector reports whether e is pkg.name, pkg being the import path's
// last element or the import's name.
func (g *goAPI) isSelector(e ast.Expr, importPath, name string) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != name {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	return ok && g.imports[x.Name] == importPath
}

// isUUID reports whether e is a UUID type (openapi_types.UUID or uuid.UUID).
func (g *goAPI) isUUID(e ast.Expr) bool {
	return g.isSelector(e, "github.com/oapi-codegen/runtime/types", "UUID") ||
		g.isSelector(e, "github.com/google/uuid", "UUID")
}

// isString reports whether e's underlying type is string.
func (g *goAPI) isString(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	if !ok {
		return false
	}
	if id.Name == "string" {
		return true
	}
	if ts, ok := g.types[id.Name]; ok {
		return g.isString(ts.Type)
	}
	return false
}

// isIntPointer reports whether e is *int.
func isIntPointer(e ast.Expr) bool {
	st, ok := e.(*ast.StarExpr)
	if !ok {
		return false
	}
	id, ok := st.X.(*ast.Ident)
	return ok && id.Name == "int"
}

// resolveAlias follows `type A = B` declarations to the named type they
// stand for.
func (g *goAPI) resolveAlias(name string) string { return g.file.Resolve(name) }

// typeName returns the name of a (pointer to a) named type, or "".
func typeName(e ast.Expr) string { return gosrc.TypeName(e) }

// fields returns the fields of the struct type called name.
func (g *goAPI) fields(name string) ([]goField, error) {
	ts, ok := g.types[g.resolveAlias(name)]
	if !ok {
		return nil, fmt.Errorf("no type %s", name)
	}
	st, ok := ts.Type.(*ast.StructType)
	if !ok {
		return nil, fmt.Errorf("%s is not a struct", name)
	}
	var out []goField
	for _, f := range st.Fields.List {
		if len(f.Names) == 0 {
			return nil, fmt.Errorf("%s: embedded fields are not supported", name)
		}
		var tag reflect.StructTag
		if f.Tag != nil {
			s, _ := strconv.Unquote(f.Tag.Value)
			tag = reflect.StructTag(s)
		}
		jsonName, jsonOpts, _ := strings.Cut(tag.Get("json"), ",")
		form, _, _ := strings.Cut(tag.Get("form"), ",")
		for _, n := range f.Names {
			out = append(out, goField{Name: n.Name, Type: f.Type, JSON: jsonName, Form: form,
				OmitEmpty: strings.Contains(jsonOpts, "omitempty")})
		}
	}
	return out, nil
}

func fieldBy(fs []goField, match func(goField) bool) (goField, bool) {
	for _, f := range fs {
		if match(f) {
			return f, true
		}
	}
	return goField{}, false
}

// successField returns the type of the response wrapper's JSON<code>
// field, or nil when the wrapper has none (the spec gives no schema).
func (g *goAPI) successField(wrapper string, code int) (ast.Expr, error) {
	fs, err := g.fields(wrapper)
	if err != nil {
		return nil, err
	}
	f, ok := fieldBy(fs, func(f goField) bool { return f.Name == "JSON"+strconv.Itoa(code) })
	if !ok {
		return nil, nil
	}
	return f.Type, nil
}

// qualifier renders types of the generated package as seen from another
// package, recording the imports the rendering needs.
type qualifier struct {
	g *goAPI
	// apiImport is the import path of the generated package.
	apiImport string
	// uses collects import name → path.
	uses map[string]string
}

func (q *qualifier) expr(e ast.Expr) (string, error) {
	switch t := e.(type) {
	case *ast.Ident:
		if _, ok := q.g.types[t.Name]; ok {
			q.uses[q.g.pkg] = q.apiImport
			return q.g.pkg + "." + t.Name, nil
		}
		if t.IsExported() {
			return "", fmt.Errorf("unknown type %s", t.Name)
		}
		return t.Name, nil // predeclared
	case *ast.StarExpr:
		s, err := q.expr(t.X)
		return "*" + s, err
	case *ast.ArrayType:
		if t.Len != nil {
			return "", fmt.Errorf("arrays are not supported")
		}
		s, err := q.expr(t.Elt)
		return "[]" + s, err
	case *ast.MapType:
		k, err := q.expr(t.Key)
		if err != nil {
			return "", err
		}
		v, err := q.expr(t.Value)
		return "map[" + k + "]" + v, err
	case *ast.SelectorExpr:
		x, ok := t.X.(*ast.Ident)
		if !ok {
			return "", fmt.Errorf("unsupported selector")
		}
		p, ok := q.g.imports[x.Name]
		if !ok {
			return "", fmt.Errorf("unknown package %s", x.Name)
		}
		q.uses[x.Name] = p
		return x.Name + "." + t.Sel.Name, nil
	case *ast.IndexExpr:
		x, err := q.expr(t.X)
		if err != nil {
			return "", err
		}
		i, err := q.expr(t.Index)
		return x + "[" + i + "]", err
	case *ast.InterfaceType:
		if len(t.Methods.List) == 0 {
			return "any", nil
		}
	}
	return "", fmt.Errorf("unsupported type expression %T", e)
}
