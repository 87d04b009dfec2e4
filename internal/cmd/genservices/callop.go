package main

import (
	"fmt"
	"go/ast"
	"sort"
	"strings"

	"github.com/kelviq/kelviq-go/internal/specdoc"
)

// callOp writes Client.callOp: for every operation, the conversion of
// parameters given by their spec names (strings, as Client.Call takes
// them) into the generated method's typed arguments, with the spec's rules
// (integer bounds, booleans, dates, UUIDs), and the call of that method.
// Call therefore builds its requests with the same generated builders as
// the services.
func (r *renderer) callOp(ops map[string]*specdoc.Operation) error {
	ids := make([]string, 0, len(ops))
	for id := range ops {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	r.use("bytes")
	r.use("net/http")
	r.p("// callOp sends op through the generated client, with params given by\n")
	r.p("// their names in the spec and body (nil for none) as JSON. It checks each\n")
	r.p("// value against the parameter's schema before anything is sent.\n")
	r.p("func (c *Client) callOp(ctx context.Context, op api.Operation, params map[string]string, body []byte) (*http.Response, error) {\n")
	r.p("switch op {\n")
	for _, id := range ids {
		o := ops[id]
		raw, ok := r.g.raw[o.Method+" "+o.Path]
		if !ok {
			return fmt.Errorf("%s: no ClientInterface method", id)
		}
		r.p("case api.Operation%s:\n", strings.ToUpper(id[:1])+id[1:])
		var args []string
		for _, gp := range raw.Params {
			switch {
			case gp.Name == "body":
				continue
			case gp.Name == "params":
				name := r.g.resolveAlias(typeName(gp.Type))
				if err := r.callParams(o, name); err != nil {
					return fmt.Errorf("%s: %w", id, err)
				}
				if _, ptr := gp.Type.(*ast.StarExpr); ptr {
					args = append(args, "&p")
				} else {
					args = append(args, "p")
				}
			default:
				spec, ok := pathParamFor(o, gp.Name)
				if !ok {
					return fmt.Errorf("%s: method parameter %s is no path parameter", id, gp.Name)
				}
				if r.g.isUUID(gp.Type) {
					r.runtime("check")
					r.p("%s, err := check.UUID(%q, params[%q])\nif err != nil {\nreturn nil, err\n}\n", gp.Name, spec, spec)
					args = append(args, gp.Name)
				} else {
					args = append(args, fmt.Sprintf("params[%q]", spec))
				}
			}
		}
		if o.HasBody {
			args = append(args, `"application/json"`, "bytes.NewReader(body)")
			r.p("return c.raw.%sWithBody(ctx, %s)\n", raw.Name, strings.Join(args, ", "))
		} else {
			r.p("return c.raw.%s(ctx%s)\n", raw.Name, prefixed(args))
		}
	}
	r.p("}\n")
	r.p("return nil, fmt.Errorf(\"%%w: %%v\", ErrUnknownOperation, op)\n}\n\n")
	r.use("fmt")
	return nil
}

func prefixed(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return ", " + strings.Join(args, ", ")
}

// pathParamFor finds the spec's path parameter that oapi-codegen named
// goName in the method's signature (its lowerCamel form).
func pathParamFor(o *specdoc.Operation, goName string) (string, bool) {
	for _, p := range o.PathParams {
		if normalize(p.Name) == normalize(goName) {
			return p.Name, true
		}
	}
	return "", false
}

// callParams writes the conversion of the query parameters into p, a
// value of the generated params type name.
func (r *renderer) callParams(o *specdoc.Operation, name string) error {
	fs, err := r.g.fields(name)
	if err != nil {
		return err
	}
	typ, err := r.q.expr(ast.NewIdent(name))
	if err != nil {
		return err
	}
	r.p("var p %s\n", typ)
	for _, qp := range o.QueryParams {
		f, ok := fieldBy(fs, func(f goField) bool { return f.Form == qp.Name })
		if !ok {
			return fmt.Errorf("%s has no field for %s", name, qp.Name)
		}
		t, ptr := f.Type, false
		if st, ok := t.(*ast.StarExpr); ok {
			t, ptr = st.X, true
		}
		var conv string // an expression of the field's type from v, or a statement setting x
		switch {
		case qp.Schema.Type == "integer" && exprString(t) == "int":
			lo, hi := "0, false", "0, false"
			if qp.Schema.Minimum != nil {
				lo = fmt.Sprintf("%d, true", *qp.Schema.Minimum)
			} else if qp.Name == "page" || qp.Name == "page_size" {
				lo = "1, true"
			}
			if qp.Schema.Maximum != nil {
				hi = fmt.Sprintf("%d, true", *qp.Schema.Maximum)
			}
			r.runtime("check")
			conv = fmt.Sprintf("check.Int(%q, v, %s, %s)", qp.Name, lo, hi)
		case qp.Schema.Type == "boolean":
			r.runtime("check")
			conv = fmt.Sprintf("check.Bool(%q, v)", qp.Name)
		case qp.Schema.Format == "date":
			r.runtime("check")
			conv = fmt.Sprintf("check.Date(%q, v)", qp.Name)
		case r.g.isUUID(t):
			r.runtime("check")
			conv = fmt.Sprintf("check.UUID(%q, v)", qp.Name)
		case r.g.isString(t):
			tt, err := r.q.expr(t)
			if err != nil {
				return err
			}
			r.p("if v, ok := params[%q]; ok {\nx := %s(v)\np.%s = %sx\n}\n", qp.Name, tt, f.Name, amp(ptr))
			continue
		default:
			return fmt.Errorf("query parameter %s: unsupported type %s", qp.Name, exprString(f.Type))
		}
		r.p("if v, ok := params[%q]; ok {\nx, err := %s\nif err != nil {\nreturn nil, err\n}\np.%s = %sx\n}\n", qp.Name, conv, f.Name, amp(ptr))
	}
	return nil
}

func amp(ptr bool) string {
	if ptr {
		return "&"
	}
	return ""
}
