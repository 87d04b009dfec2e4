package wrapper_test

import (
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/oapi-codegen/nullable"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/wrapper"
)

// These tests pin properties of the generated types that callers rely on:
// enums stay open, money is never a float32 and decimals keep every digit,
// new response fields do not break old clients, and Deref reads optional
// fields safely.

// typesServer responds to every request with status and body, and counts them.
func typesServer(t *testing.T, status int, body string) (*wrapper.Client, *atomic.Int32) {
	t.Helper()
	hits := new(atomic.Int32)
	c, srv := setup(t, withOptions(wrapper.WithMaxRetries(0)))
	srv.setResponder(func(w http.ResponseWriter, _ *http.Request, _ testRequest) bool {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
		return true
	})
	return c, hits
}

func typesUnmarshal(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("decoding %s into %T: %v", body, v, err)
	}
}

// An enum value the API adds later must decode, keep its text, and report
// itself as unknown through Valid; known values still equal the constants.
func TestTypesUnknownEnumValuesDecode(t *testing.T) {
	t.Parallel()

	t.Run("RefundResponse", func(t *testing.T) {
		var r api.RefundResponse
		typesUnmarshal(t, `{"status":"ON_HOLD_FOR_REVIEW","reason":"CHARGEBACK_LOST"}`, &r)
		if r.Status == nil || *r.Status != api.RefundResponseStatus("ON_HOLD_FOR_REVIEW") || string(*r.Status) != "ON_HOLD_FOR_REVIEW" {
			t.Errorf("Status = %v", r.Status)
		} else if r.Status.Valid() {
			t.Errorf("unknown status %q reports Valid", *r.Status)
		}
		if reason, err := testkit.PtrGet(r.Reason); err != nil || reason != "CHARGEBACK_LOST" || reason.Valid() {
			t.Errorf("Reason = %q, %v (Valid %v)", reason, err, reason.Valid())
		}

		typesUnmarshal(t, `{"status":"SUCCEEDED","reason":"DUPLICATE"}`, &r)
		if r.Status == nil || *r.Status != api.RefundResponseStatusSUCCEEDED || !r.Status.Valid() {
			t.Errorf("Status = %v, want RefundResponseStatusSUCCEEDED", r.Status)
		}
		switch *r.Status {
		case api.RefundResponseStatusSUCCEEDED:
		default:
			t.Errorf("switch on %q missed RefundResponseStatusSUCCEEDED", *r.Status)
		}
		if reason := (*r.Reason); reason != api.RefundResponseReasonDUPLICATE || !reason.Valid() {
			t.Errorf("Reason = %q, want RefundResponseReasonDUPLICATE", reason)
		}
	})

	t.Run("TransactionResponse", func(t *testing.T) {
		var tr api.TransactionResponse
		typesUnmarshal(t, `{"status":"on_hold","transactionType":"payout_reversal"}`, &tr)
		if tr.Status == nil || string(*tr.Status) != "on_hold" || tr.Status.Valid() {
			t.Errorf("Status = %v", tr.Status)
		}
		if tr.TransactionType == nil || string(*tr.TransactionType) != "payout_reversal" {
			t.Errorf("TransactionType = %v", tr.TransactionType)
		}
		typesUnmarshal(t, `{"status":"success"}`, &tr)
		if tr.Status == nil || *tr.Status != api.TransactionResponseStatusSuccess {
			t.Errorf("Status = %v, want TransactionResponseStatusSuccess", tr.Status)
		}
	})

	t.Run("Subscription", func(t *testing.T) {
		var s api.Subscription
		typesUnmarshal(t, `{"status":"paused_by_regulator","billingType":"metered_v2","cancellationReason":"CANCELLED_BY_REGULATOR"}`, &s)
		if s.BillingType == nil || string(*s.BillingType) != "metered_v2" || s.BillingType.Valid() {
			t.Errorf("BillingType = %v", s.BillingType)
		}
		if got, err := testkit.PtrGet(s.CancellationReason); err != nil || string(got) != "CANCELLED_BY_REGULATOR" || got.Valid() {
			t.Errorf("CancellationReason = %q, %v", got, err)
		}
		if wrapper.Deref(s.Status) != "paused_by_regulator" {
			t.Errorf("Status = %v", s.Status)
		}
		typesUnmarshal(t, `{"cancellationReason":"CANCELLED_BY_CUSTOMER"}`, &s)
		if got := (*s.CancellationReason); got != api.CANCELLEDBYCUSTOMER {
			t.Errorf("CancellationReason = %q, want CANCELLEDBYCUSTOMER", got)
		}
	})

	t.Run("OrderResponse", func(t *testing.T) {
		var o api.OrderResponse
		typesUnmarshal(t, `{"status":"DISPUTED"}`, &o)
		if o.Status == nil || string(*o.Status) != "DISPUTED" || o.Status.Valid() {
			t.Errorf("Status = %v", o.Status)
		}
	})

	t.Run("re-encoding keeps the text", func(t *testing.T) {
		st := api.RefundResponseStatus("ON_HOLD_FOR_REVIEW")
		out, err := json.Marshal(api.RefundResponse{Status: &st})
		if err != nil || string(out) != `{"status":"ON_HOLD_FOR_REVIEW"}` {
			t.Errorf("Marshal = %s, %v", out, err)
		}
	})

	t.Run("through the client", func(t *testing.T) {
		c, _ := typesServer(t, 200, `{"id":"6f1c8a52-3b0e-4d8f-9a51-2c7e1d4b9f30","status":"ON_HOLD_FOR_REVIEW","amount":"12.50"}`)
		r, err := c.Refunds.Get(context.Background(), "6f1c8a52-3b0e-4d8f-9a51-2c7e1d4b9f30")
		if err != nil {
			t.Fatalf("Refunds.Get: %v", err)
		}
		if string(wrapper.Deref(r.Status)) != "ON_HOLD_FOR_REVIEW" || wrapper.Deref(r.Amount).String() != "12.50" {
			t.Errorf("refund = status %v, amount %v", r.Status, r.Amount)
		}
	})
}

// typesIdentInTypes returns the positions of every identifier named name in
// a type expression of f: declared types, struct fields, parameters and
// results, variable types, composite literals, type assertions, type
// arguments, conversions and new/make. It also returns how many type
// expressions it looked at.
func typesIdentInTypes(fset *token.FileSet, f *ast.File, name string) (uses []string, exprs int) {
	var types []ast.Expr
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.TypeSpec:
			types = append(types, n.Type)
		case *ast.Field:
			types = append(types, n.Type)
		case *ast.ValueSpec:
			if n.Type != nil {
				types = append(types, n.Type)
			}
		case *ast.CompositeLit:
			if n.Type != nil {
				types = append(types, n.Type)
			}
		case *ast.TypeAssertExpr:
			if n.Type != nil {
				types = append(types, n.Type)
			}
		case *ast.IndexExpr:
			types = append(types, n.Index)
		case *ast.IndexListExpr:
			types = append(types, n.Indices...)
		case *ast.CallExpr:
			types = append(types, n.Fun)
			if id, ok := n.Fun.(*ast.Ident); ok && (id.Name == "new" || id.Name == "make") && len(n.Args) > 0 {
				types = append(types, n.Args[0])
			}
		}
		return true
	})
	seen := map[token.Pos]bool{}
	for _, e := range types {
		ast.Inspect(e, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && id.Name == name && !seen[id.Pos()] {
				seen[id.Pos()] = true
				uses = append(uses, fset.Position(id.Pos()).String())
			}
			return true
		})
	}
	sort.Strings(uses)
	return uses, len(types)
}

func typesParse(t *testing.T, filename string, src any) (*token.FileSet, *ast.File) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	return fset, f
}

// Money and quantities must never be float32 (7 significant digits).
func TestTypesNoFloat32InGeneratedPackage(t *testing.T) {
	t.Parallel()
	// The checker itself: it must see float32 wherever a type can be
	// written, and nothing that merely looks like it.
	probes := map[string]int{
		`type T struct{ Amount float32 }`:                      1,
		`type T struct{ Amount *float32 }`:                     1,
		`type T struct{ A []float32; B map[string]float32 }`:   2,
		`type T struct{ A nullable.Nullable[float32] }`:        1,
		`type T struct{ A struct{ B *[]map[float32]int } }`:    1,
		`type F = float32`:                                     1,
		`type G[P float32 | int] struct{}`:                     1,
		`func f(a float32) (float32, error) { return a, nil }`: 2,
		`var x float32`:                               1,
		`var y = float32(1)`:                          1,
		`var z = new(float32)`:                        1,
		`var s = []float32{1}`:                        1,
		`func g(v any) { _ = v.(float32) }`:           1,
		`var h = decode[float32]`:                     1,
		`type T struct{ Float32 float64 } // float32`: 0,
		`var s = "float32"`:                           0,
		`type T struct{ A float64; B json.Number; C int64; D string }`: 0,
	}
	for src, want := range probes {
		fset, f := typesParse(t, "probe.go", "package p\n"+src)
		if uses, _ := typesIdentInTypes(fset, f, "float32"); len(uses) != want {
			t.Errorf("checker finds %d float32 in %q, want %d: %v", len(uses), src, want, uses)
		}
	}

	src, err := os.ReadFile("../api/api.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	// The same file with one decimal turned into a float32 must fail.
	decimal := regexp.MustCompile(`(\bAmount\s+\*)json\.Number\b`)
	loc := decimal.FindSubmatchIndex(src)
	if loc == nil {
		t.Fatal("api.gen.go has no `Amount *json.Number` field to turn into a float32")
	}
	bad := string(src[:loc[3]]) + "float32" + string(src[loc[1]:])
	fset, f := typesParse(t, "api.gen.go", bad)
	if uses, _ := typesIdentInTypes(fset, f, "float32"); len(uses) != 1 {
		t.Errorf("checker finds %v in api.gen.go with one float32 field, want exactly that one", uses)
	}

	fset, f = typesParse(t, "../api/api.gen.go", src)
	uses, exprs := typesIdentInTypes(fset, f, "float32")
	if len(uses) > 0 {
		t.Errorf("api.gen.go uses float32 (use json.Number for decimals, float64 otherwise): %s", strings.Join(uses, ", "))
	}
	// The checker did see the generated types: json.Number and int64 are there.
	if numbers, _ := typesIdentInTypes(fset, f, "Number"); len(numbers) == 0 || exprs < 1000 {
		t.Errorf("checker saw %d type expressions and %d json.Number: not the generated file?", exprs, len(numbers))
	}
	if ints, _ := typesIdentInTypes(fset, f, "int64"); len(ints) == 0 {
		t.Error("checker found no int64 in api.gen.go")
	}
}

var typesNumberType = reflect.TypeFor[json.Number]()

// typesBase strips pointers, slices and nullable.Nullable from t.
func typesBase(t reflect.Type) reflect.Type {
	for {
		switch {
		case t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice:
			t = t.Elem()
		case t.Kind() == reflect.Map && strings.HasPrefix(t.Name(), "Nullable["):
			t = t.Elem()
		default:
			return t
		}
	}
}

// typesFieldByJSON returns the field of struct type st whose JSON name is name.
func typesFieldByJSON(st reflect.Type, name string) (reflect.StructField, bool) {
	for i := range st.NumField() {
		f := st.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// Every `format: decimal` property is a json.Number, which keeps every digit.
func TestTypesDecimalsAreJSONNumbers(t *testing.T) {
	t.Parallel()
	// The schemas with decimal properties, by their name in the spec.
	generated := map[string]reflect.Type{
		"RefundResponse":      reflect.TypeFor[api.RefundResponse](),
		"RefundCreateRequest": reflect.TypeFor[api.RefundCreateRequest](),
		"TransactionResponse": reflect.TypeFor[api.TransactionResponse](),
	}
	for _, c := range []struct {
		typ   reflect.Type
		field string
	}{
		{generated["RefundResponse"], "Amount"},
		{generated["RefundCreateRequest"], "Amount"},
		{generated["TransactionResponse"], "AmountTotal"},
		{generated["TransactionResponse"], "CollectedTax"},
		{generated["TransactionResponse"], "MorFee"},
		{generated["TransactionResponse"], "NetPayout"},
	} {
		f, ok := c.typ.FieldByName(c.field)
		if !ok || f.Type != reflect.PointerTo(typesNumberType) {
			t.Errorf("%s.%s is %v, want *json.Number", c.typ.Name(), c.field, f.Type)
		}
	}

	// And every decimal the spec declares, so that a new one cannot slip in
	// as a float.
	raw, err := os.ReadFile("../openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Format string `json:"format"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	found := 0
	for schema, s := range spec.Components.Schemas {
		for prop, p := range s.Properties {
			if p.Format != "decimal" {
				continue
			}
			found++
			st, ok := generated[schema]
			if !ok {
				t.Errorf("spec schema %s has decimal property %q: add api.%s to this test", schema, prop, schema)
				continue
			}
			if f, ok := typesFieldByJSON(st, prop); !ok || typesBase(f.Type) != typesNumberType {
				t.Errorf("%s.%s (format decimal) is %v, want json.Number", schema, prop, f.Type)
			}
		}
	}
	if found < 6 {
		t.Errorf("spec has %d decimal properties, want at least the 6 known", found)
	}
}

// A decimal survives decoding and re-encoding digit for digit, whether the
// API writes it as a JSON number or as a string.
func TestTypesDecimalRoundTrip(t *testing.T) {
	t.Parallel()
	const amount = "1234567890.123456789"
	if f, _ := strconv.ParseFloat(amount, 64); strconv.FormatFloat(f, 'f', -1, 64) == amount {
		t.Fatalf("%s fits a float64: pick a value that does not", amount)
	}
	for _, body := range []string{`{"amount":` + amount + `}`, `{"amount":"` + amount + `"}`} {
		var r api.RefundResponse
		typesUnmarshal(t, body, &r)
		if got := wrapper.Deref(r.Amount).String(); got != amount {
			t.Errorf("%s: Amount = %q, want %q", body, got, amount)
		}
		out, err := json.Marshal(r)
		if err != nil || string(out) != `{"amount":`+amount+`}` {
			t.Errorf("%s: re-encoded as %s, %v", body, out, err)
		}
	}

	big := "123456789012345678901234567890.000000000000000000000000000001"
	var tr api.TransactionResponse
	typesUnmarshal(t, fmt.Sprintf(`{"amountTotal":%s,"collectedTax":-0.10,"morFee":"1e-30","netPayout":%s}`, big, amount), &tr)
	for name, c := range map[string]struct {
		got  *json.Number
		want string
	}{
		"AmountTotal": {tr.AmountTotal, big}, "CollectedTax": {tr.CollectedTax, "-0.10"},
		"MorFee": {tr.MorFee, "1e-30"}, "NetPayout": {tr.NetPayout, amount},
	} {
		if got := wrapper.Deref(c.got).String(); got != c.want {
			t.Errorf("%s = %q, want %q", name, got, c.want)
		}
	}

	// And in a request body.
	n := json.Number(amount)
	out, err := json.Marshal(api.RefundCreateRequest{OrderId: "o1", Amount: &n})
	if err != nil || !strings.Contains(string(out), `"amount":`+amount) {
		t.Errorf("RefundCreateRequest encodes as %s, %v", out, err)
	}
}

// Fields the API adds later are ignored, not an error.
func TestTypesUnknownFieldsIgnored(t *testing.T) {
	t.Parallel()
	body := `{"customerId":"cus_1","email":"a@example.com","futureField":"x","futureObject":{"a":[1,{"b":null}]},` +
		`"billingAddress":{"country":"DE","futureLine":"y"},"metadata":{"k":"v"},"name":null}`
	check := func(t *testing.T, c *api.CustomerResponse) {
		t.Helper()
		if wrapper.Deref(c.CustomerId) != "cus_1" || (*c.Email) != "a@example.com" || !(c.Name == nil) {
			t.Errorf("customer = %+v", c)
		}
		if md, err := testkit.PtrGet(c.Metadata); err != nil || md["k"] != "v" {
			t.Errorf("Metadata = %v, %v", md, err)
		}
		if !c.BillingAddress.IsSpecified() || c.BillingAddress.IsNull() {
			t.Errorf("BillingAddress = %v", c.BillingAddress)
		}
	}
	var c api.CustomerResponse
	typesUnmarshal(t, body, &c)
	check(t, &c)

	cl, hits := typesServer(t, 201, body)
	got, err := cl.Customers.Create(context.Background(), api.CustomerCreateRequest{CustomerId: "cus_1"})
	if err != nil || hits.Load() != 1 {
		t.Fatalf("Customers.Create = %v (%d requests)", err, hits.Load())
	}
	check(t, got)
}

// Deref reads optional fields of the generated types without nil checks.
func TestTypesDeref(t *testing.T) {
	t.Parallel()
	var c api.CustomerResponse // every optional field nil
	if got := wrapper.Deref(c.CustomerId); got != "" {
		t.Errorf("Deref(nil *string) = %q", got)
	}
	if got := wrapper.Deref(c.Details); got != nil {
		t.Errorf("Deref(nil *map) = %v", got)
	}
	var list api.CustomerListResponse
	if got := wrapper.Deref(list.Results); got != nil || len(got) != 0 {
		t.Errorf("Deref(nil *[]T) = %v", got)
	}
	if got := wrapper.Deref(list.Count); got != 0 {
		t.Errorf("Deref(nil *int) = %d", got)
	}
	var r api.RefundResponse
	if got := wrapper.Deref(r.Amount); got != "" {
		t.Errorf("Deref(nil *json.Number) = %q", got)
	}
	if got := wrapper.Deref(r.Status); got != "" {
		t.Errorf("Deref(nil *enum) = %q", got)
	}
	if got := wrapper.Deref((*api.CustomerResponse)(nil)); !reflect.ValueOf(got).IsZero() {
		t.Errorf("Deref(nil *struct) = %+v", got)
	}
	if got := wrapper.Deref((*nullable.Nullable[string])(nil)); got.IsSpecified() {
		t.Errorf("Deref(nil *Nullable) = %v", got)
	}

	// A set pointer gives its value, as a copy.
	id := "cus_1"
	c.CustomerId = &id
	if got := wrapper.Deref(c.CustomerId); got != "cus_1" {
		t.Errorf("Deref(&%q) = %q", id, got)
	}
	results := []api.CustomerResponse{c}
	list.Results = &results
	got := wrapper.Deref(list.Results)
	if len(got) != 1 || wrapper.Deref(got[0].CustomerId) != "cus_1" {
		t.Errorf("Deref(&results) = %+v", got)
	}
	zero := 0
	if got := wrapper.Deref(&zero); got != 0 {
		t.Errorf("Deref(&0) = %d", got)
	}
	n := wrapper.Deref(&id)
	n += "x"
	if id != "cus_1" || n != "cus_1x" {
		t.Errorf("changing Deref's result changed the original: %q", id)
	}
}
