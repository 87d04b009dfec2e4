package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/printer"
	"go/token"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/kelviq/kelviq-go/internal/specdoc"
)

type renderer struct {
	g *goAPI
	q *qualifier
	// imports maps path → name of the imports the output needs beyond the
	// qualifier's.
	imports map[string]string
	b       bytes.Buffer
	// checks are the request-body check functions to write, by Go type.
	checks map[string]checkSet
	// internal is the import path under which the generated code's runtime
	// packages live (check, paging).
	internal string
}

// runtime records that the output calls the runtime package name.
func (r *renderer) runtime(name string) { r.imports[r.internal+"/"+name] = name }

type checkSet struct {
	typ    string // qualified Go type
	checks []bodyCheck
}

func (r *renderer) use(path string) {
	name := path[strings.LastIndex(path, "/")+1:]
	r.imports[path] = name
}

func (r *renderer) p(format string, args ...any) { fmt.Fprintf(&r.b, format, args...) }

func typeNameOf(path string) string { return strings.ReplaceAll(path, ".", "") + "Service" }

func cutGroup(path string) (grp, field string, ok bool) { return strings.Cut(path, ".") }

func (r *renderer) render(ops map[string]*specdoc.Operation) ([]byte, error) {
	r.use("context")

	// Service types.
	for _, s := range services {
		t := typeNameOf(s.Path)
		r.p("// %s %s\n//\n// Use it as Client.%s.\n", t, s.Doc, s.Path)
		r.p("type %s struct{ c *Client }\n\n", t)
	}
	for _, gr := range groups {
		t := gr.Name + "Service"
		r.p("// %s %s\n//\n// Use it as Client.%s.\n", t, gr.Doc, gr.Name)
		r.p("type %s struct {\n", t)
		for _, s := range services {
			if g, f, ok := cutGroup(s.Path); ok && g == gr.Name {
				r.p("// %s %s\n%s *%s\n", f, s.Doc, f, typeNameOf(s.Path))
			}
		}
		r.p("}\n\n")
	}

	// The Client's fields for them.
	r.p("// Services holds the Client's services, one per group of operations in\n")
	r.p("// the spec; the Client embeds it (client.Customers, client.Catalog.Plans, ...).\n")
	r.p("// They send the server key, except where the spec says an operation\n// takes none.\n")
	r.p("type Services struct {\n")
	for _, s := range services {
		if _, _, ok := cutGroup(s.Path); !ok {
			r.p("// %s %s\n%s *%s\n", s.Path, s.Doc, s.Path, typeNameOf(s.Path))
		}
	}
	for _, gr := range groups {
		r.p("// %s %s\n%s *%sService\n", gr.Name, gr.Doc, gr.Name, gr.Name)
	}
	r.p("}\n\n")

	// Attaching them to the Client.
	r.p("// initServices attaches every service to c. New calls it.\n")
	r.p("func (c *Client) initServices() {\n")
	for _, s := range services {
		if _, _, ok := cutGroup(s.Path); !ok {
			r.p("c.%s = &%s{c: c}\n", s.Path, typeNameOf(s.Path))
		}
	}
	for _, gr := range groups {
		r.p("c.%s = &%sService{\n", gr.Name, gr.Name)
		for _, s := range services {
			if g, f, ok := cutGroup(s.Path); ok && g == gr.Name {
				r.p("%s: &%s{c: c},\n", f, typeNameOf(s.Path))
			}
		}
		r.p("}\n")
	}
	r.p("}\n\n")

	// The operation → method table.
	r.p("// serviceMethods maps every operationId of the API to the Client method\n// that calls it.\n")
	r.p("var serviceMethods = map[string]string{\n")
	for _, s := range append(append([]service(nil), services...), handWritten...) {
		for _, m := range s.Methods {
			r.p("%q: %q,\n", m.OperationID, s.Path+"."+m.Name)
		}
	}
	r.p("}\n\n")

	// Methods.
	for _, s := range services {
		for _, m := range s.Methods {
			pl, err := r.plan(s, m, ops[m.OperationID])
			if err != nil {
				return nil, fmt.Errorf("%s (%s.%s): %w", m.OperationID, s.Path, m.Name, err)
			}
			r.method(pl)
			if pl.page != nil {
				r.all(pl)
			}
		}
	}
	// The hand-written services' bodies get their check functions too,
	// so that their rules also come from the spec.
	for _, s := range handWritten {
		for _, m := range s.Methods {
			o := ops[m.OperationID]
			if o.Body == nil || o.BodySchema == "" {
				continue
			}
			fs, err := r.g.fields(o.BodySchema)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", m.OperationID, err)
			}
			checks, err := r.bodyChecksFor(o.Body, fs)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", m.OperationID, err)
			}
			if len(checks) > 0 {
				typ, err := r.q.expr(ast.NewIdent(o.BodySchema))
				if err != nil {
					return nil, fmt.Errorf("%s: %w", m.OperationID, err)
				}
				r.checks[o.BodySchema] = checkSet{typ: typ, checks: checks}
			}
		}
	}
	names := make([]string, 0, len(r.checks))
	for n := range r.checks {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		r.checkFunc(n, r.checks[n].typ, r.checks[n].checks)
	}
	return r.b.Bytes(), nil
}

type retKind int

const (
	retJSON     retKind = iota // (*T, error)
	retNone                    // error
	retRaw                     // (json.RawMessage, error)
	retRedirect                // (*url.URL, error)
)

type pathArg struct {
	Spec  string // the spec's name, e.g. "customerId"
	Go    string // the method's parameter, e.g. "customerID"
	UUID  bool
	Local string // the parsed UUID's variable
}

// bodyCheck is one rule from the spec on a request-body property.
type bodyCheck struct {
	Prop, Field string
	Kind        checkKind
	N           int    // maxLength
	Wrap        string // "" (a value), "ptr" or "nullable"
}

type checkKind int

const (
	checkNonEmpty checkKind = iota // a required string
	checkNilUUID                   // a required UUID
	checkMaxLen                    // maxLength
	checkEmail                     // format: email
)

type queryCheck struct{ Spec, Field string }

type paging struct {
	ListType, ItemType string
	Results, Next      string // expressions on r
	MaxSize            int
	AllName            string
}

type methodPlan struct {
	svc  service
	name string
	op   *specdoc.Operation
	raw  *goMethod

	path        []pathArg
	paramsType  string // qualified, without "*"
	paramsValue bool   // params passed by value (some query parameter is required)
	queryChecks []queryCheck
	bodyType    string
	bodyChecks  []bodyCheck
	bodySchema  string // the body's component schema, for its check function
	ret         retKind
	retType     string // for retJSON: the qualified type T of *T
	page        *paging
}

var reservedArgs = map[string]bool{"ctx": true, "s": true, "err": true, "body": true, "params": true, "q": true, "r": true, "page": true, "size": true, "p": true}

func (r *renderer) plan(s service, m method, o *specdoc.Operation) (*methodPlan, error) {
	key := o.Method + " " + o.Path
	raw, ok := r.g.raw[key]
	if !ok {
		return nil, fmt.Errorf("api: no ClientInterface method for %s", key)
	}
	if !strings.EqualFold(raw.OperationName, o.ID) {
		return nil, fmt.Errorf("api: %s is for operation %s", raw.Name, raw.OperationName)
	}
	withResp, ok := r.g.withResponse[key]
	if !ok {
		return nil, fmt.Errorf("api: no ClientWithResponsesInterface method for %s", key)
	}
	pl := &methodPlan{svc: s, name: m.Name, op: o, raw: raw}

	// Raw parameters: path parameters in template order, then params, then body.
	params := raw.Params
	if len(params) < len(o.PathParams) {
		return nil, fmt.Errorf("api: %s takes %d parameters, the spec has %d path parameters", raw.Name, len(params), len(o.PathParams))
	}
	used := map[string]bool{}
	for i, sp := range o.PathParams {
		gp := params[i]
		if normalize(gp.Name) != normalize(sp.Name) {
			return nil, fmt.Errorf("api: %s parameter %d is %s, the spec's path parameter is %s", raw.Name, i, gp.Name, sp.Name)
		}
		isUUID := r.g.isUUID(gp.Type)
		if isUUID != (sp.Schema.Format == "uuid") {
			return nil, fmt.Errorf("path parameter %s: spec format %q but generated type %s", sp.Name, sp.Schema.Format, exprString(gp.Type))
		}
		if !isUUID && !r.g.isString(gp.Type) {
			return nil, fmt.Errorf("path parameter %s: unsupported generated type %s", sp.Name, exprString(gp.Type))
		}
		a := pathArg{Spec: sp.Name, Go: argName(sp.Name, o.Path), UUID: isUUID}
		if isUUID {
			a.Local = strings.TrimSuffix(a.Go, "ID") + "UUID"
		}
		for _, n := range []string{a.Go, a.Local} {
			if n == "" {
				continue
			}
			if reservedArgs[n] || token.IsKeyword(n) || used[n] {
				return nil, fmt.Errorf("path parameter %s: name %s is taken", sp.Name, n)
			}
			used[n] = true
		}
		pl.path = append(pl.path, a)
	}
	for _, gp := range params[len(o.PathParams):] {
		switch {
		case pl.paramsType == "" && pl.bodyType == "" && isPointerTo(gp.Type) && len(o.QueryParams) > 0 && gp.Name == "params":
			name := typeName(gp.Type)
			t, err := r.q.expr(ast.NewIdent(name))
			if err != nil {
				return nil, err
			}
			pl.paramsType = t
			fs, err := r.g.fields(name)
			if err != nil {
				return nil, err
			}
			for _, qp := range o.QueryParams {
				f, ok := fieldBy(fs, func(f goField) bool { return f.Form == qp.Name })
				if !ok {
					return nil, fmt.Errorf("api: %s has no field for query parameter %s", name, qp.Name)
				}
				if qp.Required {
					pl.paramsValue = true
					if r.g.isString(f.Type) {
						pl.queryChecks = append(pl.queryChecks, queryCheck{Spec: qp.Name, Field: f.Name})
					}
				}
			}
		case pl.bodyType == "" && o.Body != nil && gp.Name == "body":
			name := r.g.resolveAlias(typeName(gp.Type))
			if name == "" {
				return nil, fmt.Errorf("api: unsupported body type %s", exprString(gp.Type))
			}
			if o.BodySchema != "" && name != o.BodySchema && !strings.EqualFold(name, o.BodySchema) {
				// Not fatal in principle, but a sign the two inputs disagree.
				return nil, fmt.Errorf("api: body type %s, spec schema %s", name, o.BodySchema)
			}
			t, err := r.q.expr(ast.NewIdent(name))
			if err != nil {
				return nil, err
			}
			pl.bodyType = t
			fs, err := r.g.fields(name)
			if err != nil {
				return nil, err
			}
			checks, err := r.bodyChecksFor(o.Body, fs)
			if err != nil {
				return nil, fmt.Errorf("api: %s: %w", name, err)
			}
			pl.bodyChecks, pl.bodySchema = checks, name
			if len(checks) > 0 {
				r.checks[name] = checkSet{typ: t, checks: checks}
			}
		default:
			return nil, fmt.Errorf("api: %s: unexpected parameter %s %s", raw.Name, gp.Name, exprString(gp.Type))
		}
	}
	if (o.Body != nil) != (pl.bodyType != "") {
		return nil, fmt.Errorf("api: %s: request body mismatch with the spec", raw.Name)
	}
	if (len(o.QueryParams) > 0) != (pl.paramsType != "") {
		return nil, fmt.Errorf("api: %s: query parameters mismatch with the spec", raw.Name)
	}

	// What the method returns.
	wrapperName := typeName(withResp.Result)
	if wrapperName == "" {
		return nil, fmt.Errorf("api: %s returns %s", withResp.Name, exprString(withResp.Result))
	}
	ft, err := r.g.successField(wrapperName, success(o))
	if err != nil {
		return nil, err
	}
	switch {
	case success(o) == 204:
		pl.ret = retNone
	case success(o) >= 300:
		if !o.SuccessLocation {
			return nil, fmt.Errorf("redirect %d without a Location header", success(o))
		}
		r.use("net/url")
		pl.ret = retRedirect
	case ft != nil:
		st, ok := ft.(*ast.StarExpr)
		if !ok {
			return nil, fmt.Errorf("api: %s.JSON%d is %s, want a pointer", wrapperName, success(o), exprString(ft))
		}
		t, err := r.q.expr(st.X)
		if err != nil {
			return nil, err
		}
		pl.ret, pl.retType = retJSON, t
	case o.SuccessJSON:
		r.use("encoding/json")
		pl.ret = retRaw
	default:
		pl.ret = retNone
	}

	// Auto-paging.
	if o.Paginated() {
		if pl.ret != retJSON || pl.paramsValue {
			return nil, fmt.Errorf("paginated operation must return JSON and take optional params")
		}
		pg, err := r.paging(pl, ft.(*ast.StarExpr).X)
		if err != nil {
			return nil, err
		}
		pl.page = pg
	}
	return pl, nil
}

func (r *renderer) paging(pl *methodPlan, listExpr ast.Expr) (*paging, error) {
	o := pl.op
	pg := &paging{ListType: pl.retType, MaxSize: o.MaxPageSize()}
	if !strings.HasPrefix(pl.name, "List") {
		return nil, fmt.Errorf("paginated method %s: name must start with List", pl.name)
	}
	pg.AllName = "All" + strings.TrimPrefix(pl.name, "List")
	for _, m := range pl.svc.Methods {
		if m.Name == pg.AllName {
			return nil, fmt.Errorf("paginated method %s: %s is taken", pl.name, pg.AllName)
		}
	}
	// page and page_size must be *int fields of the params.
	fs, err := r.g.fields(strings.TrimPrefix(pl.paramsType, r.g.pkg+"."))
	if err != nil {
		return nil, err
	}
	for _, name := range []string{"page", "page_size"} {
		f, _ := fieldBy(fs, func(f goField) bool { return f.Form == name })
		if !isIntPointer(f.Type) {
			return nil, fmt.Errorf("params field for %s is %s, want *int", name, exprString(f.Type))
		}
	}
	// results and next of the list.
	listFields, err := r.g.fields(typeName(listExpr))
	if err != nil {
		return nil, err
	}
	res, ok := fieldBy(listFields, func(f goField) bool { return f.JSON == "results" })
	if !ok {
		return nil, fmt.Errorf("%s has no results field", pl.retType)
	}
	elem := res.Type
	pg.Results = "r." + res.Name
	if st, ok := elem.(*ast.StarExpr); ok {
		elem = st.X
		pg.Results = "Deref(r." + res.Name + ")"
	}
	at, ok := elem.(*ast.ArrayType)
	if !ok || at.Len != nil {
		return nil, fmt.Errorf("%s.%s is %s, want a slice", pl.retType, res.Name, exprString(res.Type))
	}
	if pg.ItemType, err = r.q.expr(at.Elt); err != nil {
		return nil, err
	}
	next, ok := fieldBy(listFields, func(f goField) bool { return f.JSON == "next" })
	if !ok {
		return nil, fmt.Errorf("%s has no next field", pl.retType)
	}
	switch t := next.Type.(type) {
	case *ast.IndexExpr:
		if !r.g.isSelector(t.X, "github.com/oapi-codegen/nullable", "Nullable") || !r.g.isString(t.Index) {
			return nil, fmt.Errorf("%s.%s is %s", pl.retType, next.Name, exprString(next.Type))
		}
		r.runtime("paging")
		pg.Next = "paging.HasNext(r." + next.Name + ")"
	case *ast.StarExpr:
		if !r.g.isString(t.X) {
			return nil, fmt.Errorf("%s.%s is %s", pl.retType, next.Name, exprString(next.Type))
		}
		pg.Next = fmt.Sprintf("r.%s != nil && *r.%[1]s != \"\"", next.Name)
	default:
		if !r.g.isString(t) {
			return nil, fmt.Errorf("%s.%s is %s", pl.retType, next.Name, exprString(next.Type))
		}
		pg.Next = fmt.Sprintf("r.%s != \"\"", next.Name)
	}
	r.use("iter")
	return pg, nil
}

// signature returns the method's parameters after ctx.
func (pl *methodPlan) signature() string {
	var parts []string
	if n := len(pl.path); n > 0 {
		names := make([]string, n)
		for i, a := range pl.path {
			names[i] = a.Go
		}
		parts = append(parts, strings.Join(names, ", ")+" string")
	}
	if pl.paramsType != "" {
		if pl.paramsValue {
			parts = append(parts, "params "+pl.paramsType)
		} else {
			parts = append(parts, "params *"+pl.paramsType)
		}
	}
	if pl.bodyType != "" {
		parts = append(parts, "body "+pl.bodyType)
	}
	if len(parts) == 0 {
		return ""
	}
	return ", " + strings.Join(parts, ", ")
}

func (pl *methodPlan) results() (sig, zero string) {
	switch pl.ret {
	case retNone:
		return "error", ""
	case retRaw:
		return "(json.RawMessage, error)", "nil, "
	case retRedirect:
		return "(*url.URL, error)", "nil, "
	default:
		return "(*" + pl.retType + ", error)", "nil, "
	}
}

// callArgs returns the raw method's arguments after ctx; q names the
// params variable when it is not "params".
func (pl *methodPlan) callArgs(paramsVar string) string {
	var args []string
	for _, a := range pl.path {
		if a.UUID {
			args = append(args, a.Local)
		} else {
			args = append(args, a.Go)
		}
	}
	if pl.paramsType != "" {
		if paramsVar != "" {
			args = append(args, paramsVar)
		} else if pl.paramsValue {
			args = append(args, "&params")
		} else {
			args = append(args, "params")
		}
	}
	if pl.bodyType != "" {
		args = append(args, "body")
	}
	return strings.Join(args, ", ")
}

// comment writes text as a doc comment, each paragraph wrapped at 76
// columns.
func (r *renderer) comment(text string) {
	for _, para := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if para == "" {
			r.p("//\n")
			continue
		}
		if strings.HasPrefix(para, "It calls ") {
			r.p("// %s\n", para) // kept on one line, for grep
			continue
		}
		line := ""
		for _, w := range strings.Fields(para) {
			if line != "" && len(line)+1+len(w) > 76 {
				r.p("// %s\n", line)
				line = ""
			}
			if line != "" {
				line += " "
			}
			line += w
		}
		r.p("// %s\n", line)
	}
}

// thirdPerson turns an imperative summary ("Page through your customers")
// into the rest of a Go doc sentence ("pages through your customers").
func thirdPerson(s string) string {
	verb, rest, _ := strings.Cut(strings.TrimSpace(s), " ")
	if verb == "" {
		return s
	}
	v := strings.ToLower(verb[:1]) + verb[1:]
	switch {
	case strings.HasSuffix(v, "s"), strings.HasSuffix(v, "sh"), strings.HasSuffix(v, "ch"), strings.HasSuffix(v, "x"), strings.HasSuffix(v, "z"):
		v += "es"
	case strings.HasSuffix(v, "y") && len(v) > 1 && !strings.ContainsRune("aeiou", rune(v[len(v)-2])):
		v = v[:len(v)-1] + "ies"
	default:
		v += "s"
	}
	if rest == "" {
		return v
	}
	return v + " " + rest
}

func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s != "" && !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// checksDoc describes the checks made before anything is sent.
func (pl *methodPlan) checksDoc() string {
	var parts []string
	for _, a := range pl.path {
		name := a.Go
		if normalize(a.Go) != normalize(a.Spec) {
			name += " (" + a.Spec + ")"
		}
		if a.UUID {
			parts = append(parts, name+" must be a UUID")
		} else {
			parts = append(parts, name+" must be a non-empty path segment")
		}
	}
	for _, c := range pl.queryChecks {
		parts = append(parts, "params."+c.Field+" ("+c.Spec+") must not be empty")
	}
	for _, c := range pl.bodyChecks {
		if c.Kind == checkMaxLen {
			parts = append(parts, fmt.Sprintf("body.%s (%s) must be at most %d characters", c.Field, c.Prop, c.N))
		} else if c.Kind == checkEmail {
			parts = append(parts, "body."+c.Field+" ("+c.Prop+"), when set, must be an email address")
		} else if c.Kind == checkNilUUID {
			parts = append(parts, "body."+c.Field+" ("+c.Prop+") must not be the nil UUID")
		} else {
			parts = append(parts, "body."+c.Field+" ("+c.Prop+") must not be empty")
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "Before anything is sent, " + joinAnd(parts) + "; otherwise it returns a *ValidationError."
}

func joinAnd(parts []string) string {
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

func (r *renderer) validation(pl *methodPlan, fail func(err string) string) {
	// A string path parameter is checked (not empty, ".", "..") by the
	// generated request builder, with the same *ValidationError.
	for _, a := range pl.path {
		if a.UUID {
			r.runtime("check")
			r.p("%s, err := check.UUID(%q, %s)\nif err != nil {\n%s\n}\n", a.Local, a.Spec, a.Go, fail("err"))
		}
	}
	for _, c := range pl.queryChecks {
		r.runtime("check")
		r.p("if params.%s == \"\" {\n%s\n}\n", c.Field, fail(fmt.Sprintf("check.Invalid(%q, \"must not be empty\")", c.Spec)))
	}
	if len(pl.bodyChecks) > 0 {
		r.p("if err := check%s(body); err != nil {\n%s\n}\n", pl.bodySchema, fail("err"))
	}
}

// bodyChecksFor derives the checks on a request body from its schema:
// required strings and UUIDs set, maxLength, and the email format.
func (r *renderer) bodyChecksFor(body *specdoc.Schema, fs []goField) ([]bodyCheck, error) {
	// Required properties first, in the spec's order, then the others.
	var others []string
	for p := range body.Properties {
		if !slices.Contains(body.Required, p) {
			others = append(others, p)
		}
	}
	sort.Strings(others)
	props := append(slices.Clone(body.Required), others...)
	var out []bodyCheck
	for _, prop := range props {
		ps := body.Properties[prop]
		if ps == nil || ps.Type != "string" {
			continue
		}
		f, ok := fieldBy(fs, func(f goField) bool { return f.JSON == prop })
		if !ok {
			return nil, fmt.Errorf("no field for property %s", prop)
		}
		wrap := ""
		switch t := f.Type.(type) {
		case *ast.StarExpr:
			if !r.g.isString(t.X) {
				continue
			}
			wrap = "ptr"
		case *ast.IndexExpr:
			if !strings.HasSuffix(exprString(t.X), "Nullable") || !r.g.isString(t.Index) {
				continue
			}
			wrap = "nullable"
		}
		required := slices.Contains(body.Required, prop)
		switch {
		case wrap == "" && r.g.isString(f.Type) && required && !ps.Nullable:
			out = append(out, bodyCheck{Prop: prop, Field: f.Name, Kind: checkNonEmpty})
		case wrap == "" && r.g.isUUID(f.Type) && required:
			r.use("github.com/google/uuid")
			out = append(out, bodyCheck{Prop: prop, Field: f.Name, Kind: checkNilUUID})
			continue
		case wrap == "" && !r.g.isString(f.Type):
			continue
		}
		if ps.MaxLength != nil {
			out = append(out, bodyCheck{Prop: prop, Field: f.Name, Kind: checkMaxLen, N: *ps.MaxLength, Wrap: wrap})
		}
		if ps.Format == "email" {
			out = append(out, bodyCheck{Prop: prop, Field: f.Name, Kind: checkEmail, Wrap: wrap})
		}
	}
	return out, nil
}

// checkFunc writes the check function of a request-body schema.
func (r *renderer) checkFunc(schemaName, bodyType string, checks []bodyCheck) {
	r.p("// check%s applies the spec's rules for %s before anything is sent.\n", schemaName, schemaName)
	r.p("func check%s(body %s) error {\n", schemaName, bodyType)
	for _, c := range checks {
		ret := func(cond, err string) { r.p("if %s {\nreturn %s\n}\n", cond, err) }
		value := "string(body." + c.Field + ")"
		open, close := "", ""
		switch c.Wrap {
		case "ptr":
			open, close, value = fmt.Sprintf("if body.%s != nil && *body.%s != \"\" {\n", c.Field, c.Field), "}\n", "string(*body."+c.Field+")"
		case "nullable":
			open, close, value = fmt.Sprintf("if v, err := body.%s.Get(); err == nil && v != \"\" {\n", c.Field), "}\n", "string(v)"
		}
		r.p("%s", open)
		switch c.Kind {
		case checkNonEmpty:
			r.runtime("check")
			ret(fmt.Sprintf("body.%s == \"\"", c.Field), fmt.Sprintf("check.Invalid(%q, \"must not be empty\")", c.Prop))
		case checkNilUUID:
			r.runtime("check")
			ret(fmt.Sprintf("body.%s == uuid.Nil", c.Field), fmt.Sprintf("check.Invalid(%q, \"must not be the nil UUID\")", c.Prop))
		case checkMaxLen:
			r.runtime("check")
			r.p("if err := check.MaxLen(%q, %s, %d); err != nil {\nreturn err\n}\n", c.Prop, value, c.N)
		case checkEmail:
			if c.Wrap == "" {
				r.p("if body.%s != \"\" {\n", c.Field)
			}
			r.runtime("check")
			r.p("if err := check.Email(%q, %s); err != nil {\nreturn err\n}\n", c.Prop, value)
			if c.Wrap == "" {
				r.p("}\n")
			}
		}
		r.p("%s", close)
	}
	r.p("return nil\n}\n\n")
}

func (r *renderer) method(pl *methodPlan) {
	o := pl.op
	recv := typeNameOf(pl.svc.Path)
	sig, zero := pl.results()

	var doc strings.Builder
	fmt.Fprintf(&doc, "%s %s\n", pl.name, sentence(thirdPerson(o.Summary)))
	if o.Description != "" {
		fmt.Fprintf(&doc, "\n%s\n", o.Description)
	}
	var notes []string
	if c := pl.checksDoc(); c != "" {
		notes = append(notes, c)
	}
	if pl.paramsType != "" && !pl.paramsValue {
		notes = append(notes, "params may be nil.")
	}
	if pl.bodyType != "" && !o.BodyRequired {
		notes = append(notes, "The body is optional: its zero value sends {}.")
	}
	switch pl.ret {
	case retNone:
		notes = append(notes, fmt.Sprintf("It returns nil on success (%d).", success(o)))
	case retRaw:
		notes = append(notes, "The spec gives the response no schema, so it is returned as raw JSON.")
	case retRedirect:
		notes = append(notes, fmt.Sprintf("It returns the URL of the %d response's Location header without following it.", success(o)))
	}
	if pl.page != nil {
		notes = append(notes, fmt.Sprintf("It returns one page; %s walks every page.", pl.page.AllName))
	}
	if len(notes) > 0 {
		fmt.Fprintf(&doc, "\n%s\n", strings.Join(notes, " "))
	}
	fmt.Fprintf(&doc, "\nIt calls %s (%s %s).\n", o.ID, o.Method, o.Path)
	r.comment(doc.String())

	r.p("func (s *%s) %s(ctx context.Context%s) %s {\n", recv, pl.name, pl.signature(), sig)
	r.validation(pl, func(err string) string { return "return " + zero + err })
	call := fmt.Sprintf("s.c.api.%s(ctx, %s)", pl.raw.Name, pl.callArgs(""))
	call = strings.Replace(call, "(ctx, )", "(ctx)", 1)
	switch pl.ret {
	case retNone:
		r.p("return noContent(%s)\n", call)
	case retRaw:
		r.p("return decodeRaw(%s)\n", call)
	case retRedirect:
		r.p("return redirectLocation(%s)\n", call)
	default:
		r.p("return decode[%s](%s)\n", pl.retType, call)
	}
	r.p("}\n\n")
}

func (r *renderer) all(pl *methodPlan) {
	o, pg := pl.op, pl.page
	recv := typeNameOf(pl.svc.Path)
	var doc strings.Builder
	fmt.Fprintf(&doc, "%s iterates over every item that %s returns, page after page.\n\n", pg.AllName, pl.name)
	fmt.Fprintf(&doc, "It asks for page 1, 2, 3, ... with params' page size (%d when unset or not positive; one over %[1]d is refused, as List refuses it; params.Page is ignored), "+
		"each through %s on the client's base URL: the response's next link is only a sign that there is one more page, and is never followed. "+
		"It stops after a page without next or without results, when the loop breaks, or at the first error (ctx's included), which it yields once. "+
		"It holds one page at a time.\n", pg.MaxSize, o.ID)
	if c := pl.checksDoc(); c != "" {
		fmt.Fprintf(&doc, "\n%s\n", strings.Replace(c, "otherwise it returns", "otherwise it yields", 1))
	}
	r.comment(doc.String())
	sig := strings.TrimPrefix(pl.signature(), ", ")
	if sig != "" {
		sig = ", " + sig
	}
	r.p("func (s *%s) %s(ctx context.Context%s) iter.Seq2[%s, error] {\n", recv, pg.AllName, sig, pg.ItemType)
	r.runtime("paging")
	r.validation(pl, func(err string) string { return fmt.Sprintf("return paging.Failed[%s](%s)", pg.ItemType, err) })
	r.p("var p %s\nif params != nil {\np = *params\n}\n", pl.paramsType)
	r.runtime("paging")
	r.p("return paging.Walk(ctx, paging.Size(p.PageSize, %d), func(ctx context.Context, page, size int) ([]%s, bool, error) {\n", pg.MaxSize, pg.ItemType)
	r.p("q := p\nq.Page, q.PageSize = &page, &size\n")
	r.p("r, err := decode[%s](s.c.api.%s(ctx, %s))\n", pg.ListType, pl.raw.Name, pl.callArgs("&q"))
	r.p("if err != nil {\nreturn nil, false, err\n}\n")
	r.p("return %s, %s, nil\n", pg.Results, pg.Next)
	r.p("})\n}\n\n")
}

// argName turns a spec parameter name into a Go parameter name:
// customerId → customerID, product_pk → productID, and a bare pk or id
// after /products/ → productID.
func argName(spec, path string) string {
	if spec == "pk" || spec == "id" {
		segs := strings.Split(path, "/")
		for i, s := range segs {
			if s == "{"+spec+"}" && i > 0 {
				prev := segs[i-1]
				if len(prev) > 1 && strings.HasSuffix(prev, "s") {
					prev = strings.TrimSuffix(prev, "s")
				}
				return argName(prev, "") + "ID"
			}
		}
	}
	var words []string
	cur := []rune{}
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for _, c := range spec {
		switch {
		case c == '_' || c == '-' || c == '.':
			flush()
		case unicode.IsUpper(c):
			flush()
			cur = append(cur, c)
		default:
			cur = append(cur, c)
		}
	}
	flush()
	var b strings.Builder
	for i, w := range words {
		switch w {
		case "id", "pk":
			w = "ID"
		case "url", "uuid", "ip":
			w = strings.ToUpper(w)
		default:
			if i > 0 {
				w = strings.ToUpper(w[:1]) + w[1:]
			}
		}
		if i == 0 && (w == "ID" || w == "URL" || w == "UUID" || w == "IP") {
			w = strings.ToLower(w)
		}
		b.WriteString(w)
	}
	return b.String()
}

// normalize compares Go and spec spellings of a name: product_pk ~ productPk.
func normalize(s string) string {
	return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(s))
}

func isPointerTo(e ast.Expr) bool { _, ok := e.(*ast.StarExpr); return ok && typeName(e) != "" }

func exprString(e ast.Expr) string {
	if e == nil {
		return "<nil>"
	}
	var b bytes.Buffer
	if err := printer.Fprint(&b, token.NewFileSet(), e); err != nil {
		return fmt.Sprintf("%T", e)
	}
	return b.String()
}

func importBlock(imports map[string]string) string {
	var std, other []string
	for path, name := range imports {
		line := fmt.Sprintf("%q", path)
		if base := path[strings.LastIndex(path, "/")+1:]; base != name {
			line = name + " " + line
		}
		if strings.Contains(strings.SplitN(path, "/", 2)[0], ".") {
			other = append(other, line)
		} else {
			std = append(std, line)
		}
	}
	sort.Strings(std)
	sort.Strings(other)
	var b strings.Builder
	b.WriteString("import (\n")
	for _, l := range std {
		b.WriteString("\t" + l + "\n")
	}
	if len(std) > 0 && len(other) > 0 {
		b.WriteString("\n")
	}
	for _, l := range other {
		b.WriteString("\t" + l + "\n")
	}
	b.WriteString(")\n\n")
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
