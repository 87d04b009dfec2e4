package check

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/kelviq/kelviq-go/api"
)

func TestCheckBaseURL(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, want string
		wantErr  string
	}{
		{in: "https://api.kelviq.com/api/v1/", want: "https://api.kelviq.com/api/v1"},
		{in: "https://api.kelviq.com", want: "https://api.kelviq.com"},
		{in: "http://localhost:8000/api/v1", want: "http://localhost:8000/api/v1"},
		{in: "http://LOCALHOST/api/v1", want: "http://LOCALHOST/api/v1"},
		{in: "http://127.0.0.2:1", want: "http://127.0.0.2:1"},
		{in: "http://[::1]:1/", want: "http://[::1]:1"},
		{in: "http://10.0.0.1/api", wantErr: "https"},
		{in: "http://localhost.evil.example/", wantErr: "https"},
		{in: "ftp://x", wantErr: "scheme"},
		{in: "::bad", wantErr: "malformed"},
		{in: "https://", wantErr: "no host"},
		{in: "api.kelviq.com/api/v1", wantErr: "no host"},
		{in: "https://u:p@api.kelviq.com", wantErr: "user info"},
		{in: "https://api.kelviq.com/?a=1", wantErr: "query"},
		{in: "https://api.kelviq.com/#x", wantErr: "fragment"},
	}
	for _, tc := range cases {
		got, err := BaseURL("WithBaseURL", tc.in)
		switch {
		case tc.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "WithBaseURL") {
				t.Errorf("BaseURL(%q) = %q, %v; want an error about %q", tc.in, got, err, tc.wantErr)
			}
		case err != nil || got != tc.want:
			t.Errorf("BaseURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
		// ParseBaseURL is the same rule, and the same URL taken apart.
		u, perr := ParseBaseURL("WithBaseURL", tc.in)
		switch {
		case (perr == nil) != (err == nil) || err != nil && perr.Error() != err.Error():
			t.Errorf("ParseBaseURL(%q) error %v, BaseURL's %v", tc.in, perr, err)
		case perr == nil && (u.String() != got || strings.HasSuffix(u.Path, "/")):
			t.Errorf("ParseBaseURL(%q) = %q (path %q), BaseURL's %q", tc.in, u, u.Path, got)
		}
	}
}

func TestCheckEmail(t *testing.T) {
	t.Parallel()
	good := []string{"ops@northwind.example", "a.b+c@x.y", "root@localhost", "o'neil@x.example"}
	bad := []string{"", "nope", "Ops <ops@x.example>", "ops@x", "@x.example", "ops@", "ops@x.example ", " ops@x.example", "a@b@c.example", "<ops@x.example>"}
	for _, v := range good {
		if err := Email("email", v); err != nil {
			t.Errorf("Email(%q) = %v, want nil", v, err)
		}
	}
	for _, v := range bad {
		err := Email("email", v)
		var ve *api.ValidationError
		if !errors.As(err, &ve) || ve.Field != "email" {
			t.Errorf("Email(%q) = %v, want a ValidationError on email", v, err)
		}
	}
}

func TestLengthsAndUUIDs(t *testing.T) {
	t.Parallel()
	if err := MaxLen("externalId", strings.Repeat("é", 128), 128); err != nil {
		t.Errorf("128 characters: %v", err)
	}
	if err := MaxLen("externalId", strings.Repeat("é", 129), 128); err == nil || !strings.Contains(err.Error(), "at most 128 characters") {
		t.Errorf("129 characters: %v", err)
	}
	if _, err := UUID("identifier", "3F0C2A8E-5B7D-4C1E-9A2F-6D8E0B4C7A19"); err != nil {
		t.Errorf("UUID(upper case) = %v", err)
	}
}

func TestParamsGivenAsText(t *testing.T) {
	t.Parallel()
	if n, err := Int("page_size", "100", 1, true, 100, true); n != 100 || err != nil {
		t.Errorf("Int(100) = %d, %v", n, err)
	}
	for v, rule := range map[string]string{"0": "at least 1", "101": "at most 100", "x": "not an integer", "": "not an integer"} {
		if _, err := Int("page_size", v, 1, true, 100, true); err == nil || !strings.Contains(err.Error(), rule) || !strings.Contains(err.Error(), "page_size") {
			t.Errorf("Int(%q) = %v, want an error about %q", v, err, rule)
		}
	}
	if b, err := Bool("active", "true"); !b || err != nil {
		t.Errorf("Bool(true) = %v, %v", b, err)
	}
	if _, err := Bool("active", "yes"); !errors.Is(err, api.ErrInvalidInput) {
		t.Errorf("Bool(yes) = %v", err)
	}
	if d, err := Date("start_date", "2026-01-31"); err != nil || d.Format("2006-01-02") != "2026-01-31" {
		t.Errorf("Date = %v, %v", d, err)
	}
	if _, err := Date("start_date", "31/01/2026"); err == nil || !strings.Contains(err.Error(), "start_date") {
		t.Errorf("Date(31/01/2026) = %v", err)
	}
}

func TestKey(t *testing.T) {
	t.Parallel()
	if err := Key("WithPartnerKey", "partner key", "kvqp_ok", "kvqp_"); err != nil {
		t.Errorf("good key: %v", err)
	}
	for key, rule := range map[string]string{"": "empty", "  ": "empty", "sk_x": `must start with "kvqp_"`, "kvqp_a\r\nX: y": "printable ASCII", "kvqp_a b": "printable ASCII", "kvqp_é": "printable ASCII", "kvqp_": `must have more after "kvqp_"`} {
		err := Key("WithPartnerKey", "partner key", key, "kvqp_")
		if err == nil || !strings.Contains(err.Error(), rule) || !strings.Contains(err.Error(), "WithPartnerKey") || (len(key) > 5 && strings.Contains(err.Error(), key)) {
			t.Errorf("Key(%q) = %v, want an error about %q that does not show the key", key, err, rule)
		}
	}
}

func TestCall(t *testing.T) {
	t.Parallel()
	list, _ := api.LookupOperation("listCustomers")
	update, _ := api.LookupOperation("updateCustomer")
	create, _ := api.LookupOperation("createCustomer")
	ok := []struct {
		op     api.Operation
		params map[string]string
		body   []byte
	}{
		{list, map[string]string{"search": "ada", "page_size": "5"}, nil},
		{update, map[string]string{"customerId": "c-1"}, []byte(`{"name":"Ada"}`)},
	}
	for _, tc := range ok {
		wire, err := Call(tc.op, tc.params, tc.body)
		if err != nil || !maps.Equal(wire, tc.params) {
			t.Errorf("%s %v %s: %v, %v", tc.op.ID(), tc.params, tc.body, wire, err)
		}
	}
	bad := []struct {
		op          api.Operation
		params      map[string]string
		body        []byte
		field, rule string
	}{
		{update, nil, []byte(`{}`), "customerId", "is required"},
		{list, map[string]string{"pageSize": "5"}, nil, "pageSize", `has no parameter "pageSize"`},
		{list, nil, []byte(`{}`), "body", "takes no request body"},
		{create, nil, nil, "body", "needs a JSON request body"},
		{create, nil, []byte(`{"a":`), "body", "must be valid JSON"},
	}
	for _, tc := range bad {
		wire, err := Call(tc.op, tc.params, tc.body)
		var ve *api.ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field || !strings.Contains(ve.Rule, tc.rule) {
			t.Errorf("%s %v %s: %v, want %s: %s", tc.op.ID(), tc.params, tc.body, err, tc.field, tc.rule)
		}
		if wire != nil {
			t.Errorf("%s %v: refused, yet values %v", tc.op.ID(), tc.params, wire)
		}
	}
}

// TestCallWireValues: Call checks each value against its schema, with the
// rules and texts of Int, Bool, Date and UUID, and yields the text the
// typed builders write for the parsed value.
func TestCallWireValues(t *testing.T) {
	t.Parallel()
	op := func(id string) api.Operation { o, _ := api.LookupOperation(id); return o }
	cancel, plan, cust := op("cancelSubscription"), op("deleteCatalogPlan"), op("listCustomers")
	good := []struct {
		op          api.Operation
		name, in, w string
	}{
		{cancel, "subscriptionId", "8D3C1F9E-2B4A-4C6D-9E8F-0A1B2C3D4E5F", "8d3c1f9e-2b4a-4c6d-9e8f-0a1b2c3d4e5f"},
		{plan, "version", "+007", "7"},
		{plan, "version", "-3", "-3"},
		{cust, "page_size", "0100", "100"},
		{cust, "search", " A&b ", " A&b "},
	}
	for _, tc := range good {
		params := map[string]string{tc.name: tc.in}
		for _, p := range tc.op.Params() {
			if p.Required && p.Name != tc.name {
				params[p.Name] = "plan-1"
			}
		}
		var body []byte
		if tc.op.BodyRequired() {
			body = []byte(`{}`)
		}
		wire, err := Call(tc.op, params, body)
		if err != nil || wire[tc.name] != tc.w {
			t.Errorf("%s %s=%q: %q, %v; want %q", tc.op.ID(), tc.name, tc.in, wire[tc.name], err, tc.w)
		}
		if params[tc.name] != tc.in {
			t.Errorf("Call changed the caller's params: %v", params)
		}
	}
	if w, err := wireValue(api.Param{Name: "active", Type: "boolean"}, "T"); err != nil || w != "true" {
		t.Errorf("boolean T: %q, %v", w, err)
	}
	if w, err := wireValue(api.Param{Name: "d", Format: "date"}, "2026-01-31"); err != nil || w != "2026-01-31" {
		t.Errorf("date: %q, %v", w, err)
	}
	bad := []struct {
		p api.Param
		v string
	}{
		{api.Param{Name: "pk", Format: "uuid"}, "8d3c1f9e2b4a4c6d9e8f0a1b2c3d4e5f"},
		{api.Param{Name: "page", Type: "integer"}, "0"},
		{api.Param{Name: "page_size", Type: "integer", Min: 1, HasMin: true, Max: 100}, "101"},
		{api.Param{Name: "version", Type: "integer"}, "1.5"},
		{api.Param{Name: "active", Type: "boolean"}, "yes"},
		{api.Param{Name: "start", Type: "string", Format: "date"}, "2026-1-31"},
	}
	for _, tc := range bad {
		var want error
		switch {
		case tc.p.Format == "uuid":
			_, want = UUID(tc.p.Name, tc.v)
		case tc.p.Type == "integer" && tc.p.Name == "page":
			_, want = Int(tc.p.Name, tc.v, 1, true, 0, false)
		case tc.p.Type == "integer":
			_, want = Int(tc.p.Name, tc.v, tc.p.Min, tc.p.HasMin, tc.p.Max, tc.p.Max > 0)
		case tc.p.Type == "boolean":
			_, want = Bool(tc.p.Name, tc.v)
		default:
			_, want = Date(tc.p.Name, tc.v)
		}
		_, err := wireValue(tc.p, tc.v)
		if want == nil || err == nil || err.Error() != want.Error() {
			t.Errorf("%s=%q: %v, want %v", tc.p.Name, tc.v, err, want)
		}
	}
}

func TestBody(t *testing.T) {
	t.Parallel()
	deep := func(n int) []byte { return []byte(strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n)) }
	cases := []struct {
		body []byte
		rule string // "" when accepted; else a part of the rule
	}{
		{[]byte(`{"a": 1, "b": [1, {"a": 2}], "c": {"a": {"a": 3}}}`), ""},
		{[]byte(`[{"k": 1}, {"k": 1}]`), ""},
		{[]byte(`"text"`), ""},
		{deep(MaxBodyDepth), ""},
		{deep(MaxBodyDepth + 1), "levels deep"},
		{deep(20000), "levels deep"},
		{[]byte(`{"a": 1, "a": 2}`), `key "a" twice`},
		{[]byte(`{"x": {"b": [], "b": null}}`), `key "b" twice`},
		{[]byte(`{"a": 1} 2`), "valid JSON"},
		{[]byte(`{"a": }`), "valid JSON"},
		{[]byte("\"\xff\""), "UTF-8"},
		{make([]byte, MaxBodyBytes+1), "at most"},
	}
	for _, c := range cases {
		err := Body(c.body)
		var ve *api.ValidationError
		switch {
		case c.rule == "" && err != nil:
			t.Errorf("%.40q: %v", c.body, err)
		case c.rule != "" && (!errors.As(err, &ve) || ve.Field != "body" || !strings.Contains(ve.Rule, c.rule)):
			t.Errorf("%.40q: err = %v, want a body error with %q", c.body, err, c.rule)
		}
	}
}

func TestOption(t *testing.T) {
	type settings struct{ n int }
	var s settings
	if err := Option("pkg.WithN", false, "unused", func(s *settings) { s.n = 3 })(&s); err != nil || s.n != 3 {
		t.Fatalf("good option: err %v, n %d", err, s.n)
	}
	err := Option("pkg.WithN", true, "-1 is negative", func(s *settings) { s.n = -1 })(&s)
	if err == nil || err.Error() != "kelviq: pkg.WithN: -1 is negative" {
		t.Errorf("bad option: err %v", err)
	}
	if s.n != 3 {
		t.Errorf("bad option changed the settings: n %d", s.n)
	}
}

func TestApply(t *testing.T) {
	type settings struct{ seen []int }
	type option func(*settings) error
	add := func(n int) option { return func(s *settings) error { s.seen = append(s.seen, n); return nil } }
	var s settings
	if err := Apply(&s, []option{add(1), nil, add(2)}); err != nil || len(s.seen) != 2 || s.seen[0] != 1 || s.seen[1] != 2 {
		t.Fatalf("Apply: err %v, seen %v", err, s.seen)
	}
	bad := option(func(*settings) error { return errors.New("bad") })
	s = settings{}
	if err := Apply(&s, []option{add(1), bad, add(3)}); err == nil || err.Error() != "bad" || len(s.seen) != 1 {
		t.Errorf("Apply stops at the first error: err %v, seen %v", err, s.seen)
	}
}

// Query applies Call's value rules to a query as a builder wrote it.
func TestQuery(t *testing.T) {
	t.Parallel()
	orders, _ := api.LookupOperation("listOrders")
	for _, q := range []string{"", "page=1&page_size=100", "search=a+b%26c&is_renewal=true&start_date=2026-01-31", "not_the_specs=anything&page=2", "kvqp_x%=1&page=1"} {
		if err := Query(orders, q); err != nil {
			t.Errorf("Query(%q): %v", q, err)
		}
	}
	for q, want := range map[string]string{
		"page_size=101":          "invalid page_size: must be at most 100",
		"page=0":                 "invalid page: must be at least 1",
		"page=x":                 `invalid page: "x" is not an integer`,
		"is_renewal=yes":         "invalid is_renewal",
		"start_date=2026-02-30":  "invalid start_date",
		"search=%ff":             "invalid search: must be valid UTF-8",
		"search=%zz":             "invalid search: must be escaped right in the query",
		"page=1&page_size=1000":  "invalid page_size: must be at most 100",
		"search=" + long4097Text: "invalid search: must be at most 4096 bytes",
	} {
		if err := Query(orders, q); err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, api.ErrInvalidInput) {
			t.Errorf("Query(%.40q) = %v, want %q", q, err, want)
		}
	}
}

var long4097Text = strings.Repeat("s", 4097)

// BenchmarkQuery is the engine's check of a list request's query.
func BenchmarkQuery(b *testing.B) {
	orders, _ := api.LookupOperation("listOrders")
	const q = "search=ada&status=paid&start_date=2026-01-01&page_size=100&page=3"
	b.ReportAllocs()
	for b.Loop() {
		if err := Query(orders, q); err != nil {
			b.Fatal(err)
		}
	}
}
