package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/check"
	"github.com/kelviq/kelviq-go/kelviqtest"
	"github.com/kelviq/kelviq-go/wrapper"
)

// with returns a copy of env with the extra variables set.
func with(env map[string]string, kv ...string) map[string]string {
	out := maps.Clone(env)
	if out == nil {
		out = map[string]string{}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// maxLineWidth is the widest line of s, in characters.
func maxLineWidth(s string) int {
	w := 0
	for _, l := range strings.Split(s, "\n") {
		w = max(w, utf8.RuneCountInString(l))
	}
	return w
}

// TestNoArgumentsPrintsHelp: `kelviq` alone is a request for help: the help
// on stdout, exit 0.
func TestNoArgumentsPrintsHelp(t *testing.T) {
	t.Parallel()
	r := cli(t, nil, "")
	want(t, r, 0)
	if !strings.HasPrefix(r.stdout, "kelviq is a command-line client") || !strings.Contains(r.stdout, "\nCommands:\n") || r.stderr != "" {
		t.Fatalf("kelviq alone should print the help to stdout: %s", r)
	}
	if h := cli(t, nil, "", "--help"); h.stdout != r.stdout {
		t.Fatalf("kelviq alone and kelviq --help differ:\n%s\n---\n%s", r.stdout, h.stdout)
	}
}

// TestHelpOpensWithCommands: the top-level help lists the commands right
// after the usage line; the paragraph on time limits comes after the flags.
func TestHelpOpensWithCommands(t *testing.T) {
	t.Parallel()
	r := cli(t, nil, "", "--help")
	want(t, r, 0)
	usage := strings.Index(r.stdout, "Usage:\n")
	commands := strings.Index(r.stdout, "\nCommands:\n")
	globals := strings.Index(r.stdout, "\nGlobal flags")
	limits := strings.Index(r.stdout, "\nTime limits:")
	if usage < 0 || commands < 0 || globals < 0 || limits < 0 {
		t.Fatalf("help lacks a section: %s", r.stdout)
	}
	if !(usage < commands && commands < globals && globals < limits) {
		t.Fatalf("want usage, commands, global flags, then time limits; got offsets %d, %d, %d, %d:\n%s", usage, commands, globals, limits, r.stdout)
	}
	// Nothing but the usage between the first line and the commands.
	between := strings.TrimSpace(r.stdout[usage+len("Usage:\n") : commands])
	if strings.Contains(between, "\n") {
		t.Fatalf("more than the usage line before the commands: %q", between)
	}
	// A leaf command's long text stays right under its usage.
	r = cli(t, nil, "", "ops", "--help")
	if strings.Index(r.stdout, "Lists the operations") > strings.Index(r.stdout, "Flags:") {
		t.Fatalf("ops --help: description after the flags:\n%s", r.stdout)
	}
}

// TestVersionFlag: kelviq --version and kelviq version print the library
// version and the Go version.
func TestVersionFlag(t *testing.T) {
	t.Parallel()
	line := fmt.Sprintf("kelviq %s (%s %s/%s)\n", wrapper.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	for _, args := range [][]string{{"--version"}, {"-version"}, {"version", "--output", "table"}, {"--sandbox", "--version"}} {
		r := cli(t, nil, "", args...)
		want(t, r, 0)
		// A stamped build adds "build vX, " before the Go version.
		if r.stderr != "" || !strings.HasPrefix(r.stdout, "kelviq "+wrapper.Version+" (") ||
			!strings.HasSuffix(r.stdout, runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH+")\n") {
			t.Fatalf("%v: want %q: %s", args, line, r)
		}
	}
	r := cli(t, nil, "", "--version", "--output", "json")
	want(t, r, 0)
	if v := decodeOut[map[string]any](t, r); v["version"] != wrapper.Version || v["go"] != runtime.Version() {
		t.Fatalf("--version --output json: %s", r)
	}
	r = cli(t, nil, "", "--version", "extra")
	want(t, r, 2)
}

// TestUnknownFlagWording: an unknown flag is reported in the same words
// wherever it appears.
func TestUnknownFlagWording(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "unknown flag --bogus"},
		{[]string{"--bogus=1"}, "unknown flag --bogus"},
		{[]string{"partner", "--bogus"}, "unknown flag --bogus"},
		{[]string{"partner", "orgs", "--bogus"}, "unknown flag --bogus"},
		{[]string{"ops", "--bogus"}, "unknown flag --bogus"},
		{[]string{"ops", "-bogus=x"}, "unknown flag --bogus"},
		{[]string{"partner", "orgs", "list", "--bogus", "x"}, "unknown flag --bogus"},
		{[]string{"call", "listCustomers", "-q", "x"}, "unknown flag -q"},
		{[]string{"webhooks", "verify", "--body", "x"}, "unknown flag --body"},
		{[]string{"version", "--bogus"}, "unknown flag --bogus"},
	} {
		r := cli(t, nil, "", tc.args...)
		want(t, r, 2)
		if first, _, _ := strings.Cut(r.stderr, "\n"); first != "error: "+tc.want || !strings.Contains(r.stderr, "--help' for usage.") {
			t.Errorf("%v: want %q and a pointer to --help: %s", tc.args, "error: "+tc.want, r)
		}
	}
}

// TestLocalInputBeforeMissingKey: with no key set, a command with bad input
// reports the input, not the key, and sends nothing; with good input it
// reports the key.
func TestLocalInputBeforeMissingKey(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	noKeys := map[string]string{envBaseURL: srv.URL()}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"partner", "orgs", "get", "BAD"}, "error: IDENTIFIER: must be a UUID"},
		{[]string{"partner", "orgs", "get", "--external-id", ".."}, "error: --external-id: "},
		{[]string{"partner", "orgs", "list", "--external-id", "."}, "error: --external-id: "},
		{[]string{"partner", "orgs", "provision", "--external-id", "x", "--email", "not-an-email"}, "error: --email: "},
		{[]string{"partner", "orgs", "provision", "--external-id", strings.Repeat("x", 129), "--email", "a@example.com"}, "error: --external-id: "},
		{[]string{"call", "retrievePartnerOrganization", "-p", "identifier=BAD"}, "error: -p identifier: must be a UUID"},
		{[]string{"call", "retrieveCatalogProduct", "-p", "pk=BAD"}, "error: -p pk: must be a UUID"},
		{[]string{"webhooks", "verify", "--timestamp", "1", "--signature", "v1,x"}, "error: --id is required"},
		// Good input: now the key is what is missing.
		{[]string{"partner", "orgs", "get", "8d3c1f9e-2b4a-4c6d-9e8f-0a1b2c3d4e5f"}, "error: missing partner key: partner orgs get needs KELVIQ_PARTNER_KEY to be set"},
		{[]string{"partner", "orgs", "list"}, "error: missing partner key: partner orgs list needs KELVIQ_PARTNER_KEY to be set"},
		{[]string{"partner", "orgs", "provision", "--external-id", "x", "--email", "a@example.com"}, "error: missing partner key: partner orgs provision needs KELVIQ_PARTNER_KEY"},
		{[]string{"call", "retrievePartnerOrganization", "-p", "identifier=8d3c1f9e-2b4a-4c6d-9e8f-0a1b2c3d4e5f"}, "error: missing partner key"},
		{[]string{"call", "listCustomers"}, "error: missing server key"},
		{[]string{"webhooks", "verify", "--id", "msg_1", "--timestamp", "1", "--signature", "v1,x"}, "error: --secret is required"},
	} {
		r := cli(t, noKeys, "{}", tc.args...)
		want(t, r, 2)
		if !strings.HasPrefix(r.stderr, tc.want) || r.stdout != "" {
			t.Errorf("%v: want stderr starting %q: %s", tc.args, tc.want, r)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("refused commands sent %d requests: %+v", n, srv.Requests())
	}
}

// TestAPIErrorNamesTheCall: an API error names the method and the full URL
// it came from (without a password), and a 404 from a base URL that does not
// end in /api/v1 says that this is the likely cause.
func TestAPIErrorNamesTheCall(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	root := strings.TrimSuffix(srv.URL(), kelviqtest.BasePath) // the common mistake
	org := provisioned(t, srv, "named")
	pk := srv.PartnerKey()
	sk := org.ServerKey.Reveal()
	const missing = "8d3c1f9e-2b4a-4c6d-9e8f-0a1b2c3d4e5f"
	for _, tc := range []struct {
		name   string
		env    map[string]string
		args   []string
		status string
		want   string
	}{
		{"base URL without /api/v1 (env)", map[string]string{envPartnerKey: pk, envBaseURL: root}, []string{"partner", "orgs", "list"}, "404 not found",
			"(GET " + root + "/partner/organizations/; is the base URL (KELVIQ_BASE_URL) missing /api/v1?)\n"},
		{"base URL without /api/v1 (flag)", map[string]string{envPartnerKey: pk}, []string{"partner", "orgs", "list", "--base-url", root + "/"}, "404 not found",
			"(GET " + root + "/partner/organizations/; is the base URL (--base-url) missing /api/v1?)\n"},
		{"call, base URL without /api/v1", map[string]string{envServerKey: sk, envBaseURL: root}, []string{"call", "listCustomers", "-p", "search=x"}, "404 not found",
			"(GET " + root + "/customers/; is the base URL (KELVIQ_BASE_URL) missing /api/v1?)\n"},
		{"edge URL without /api/v1", map[string]string{envServerKey: sk, envBaseURL: srv.URL(), envEdgeURL: root}, []string{"call", "getCustomerEntitlements", "-p", "customer_id=c1"}, "404 not found",
			"(GET " + root + "/entitlements/; is the base URL (KELVIQ_EDGE_URL) missing /api/v1?)\n"},
		{"a real 404: no hint", map[string]string{envPartnerKey: pk, envBaseURL: srv.URL()}, []string{"partner", "orgs", "get", missing}, "404 not found",
			"(GET " + srv.URL() + "/partner/organizations/" + missing + "/)\n"},
		{"401", map[string]string{envServerKey: "sk_wrong_key_123", envBaseURL: srv.URL()}, []string{"call", "listCustomers"}, "401 unauthorized",
			"(GET " + srv.URL() + "/customers/)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := cli(t, tc.env, "", tc.args...)
			want(t, r, 1)
			if !strings.HasPrefix(r.stderr, "error: "+tc.status) || !strings.Contains(r.stderr, tc.want) || strings.Count(r.stderr, "\n") != 1 {
				t.Fatalf("want one line with %q: %s", tc.want, r)
			}
			if !strings.Contains(r.stderr, "(GET http://127.0.0.1:") {
				t.Fatalf("the error does not name the call: %s", r)
			}
			for _, k := range []string{pk, sk, "sk_wrong_key_123"} {
				if strings.Contains(r.stderr, k) {
					t.Fatalf("stderr leaks a key: %s", r)
				}
			}
		})
	}
}

func TestCallURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ base, path, want string }{
		{"https://api.kelviq.com/api/v1", "/customers/", "https://api.kelviq.com/api/v1/customers/"},
		{"https://api.kelviq.com/api/v1/", "/customers/c%2F1/", "https://api.kelviq.com/api/v1/customers/c%2F1/"},
		{"https://ops:hunter22@proxy.example/api/v1", "/orders/", "https://ops:xxxxx@proxy.example/api/v1/orders/"},
		{"", "/orders/", "/orders/"},
	} {
		if got := callURL(tc.base, tc.path); got != tc.want {
			t.Errorf("callURL(%q, %q) = %q, want %q", tc.base, tc.path, got, tc.want)
		}
	}
	for base, want := range map[string]bool{
		"https://api.kelviq.com/api/v1": true, "http://127.0.0.1:8080/api/v1/": true,
		"http://127.0.0.1:8080": false, "http://127.0.0.1:8080/api": false, "https://x.example/v1": false,
	} {
		u, err := check.ParseBaseURL("base", base)
		if err != nil {
			t.Fatal(err)
		}
		if got := hasAPIPath(u); got != want {
			t.Errorf("hasAPIPath(%q) = %v, want %v", base, got, want)
		}
	}
}

// TestCallOutputTable: call prints JSON by default and a table with
// --output table: a list's results one row per item, an object one row per
// member, never wider than COLUMNS (or 80).
func TestCallOutputTable(t *testing.T) {
	t.Parallel()
	srv, org, oc := setup(t, "tables")
	for i := range 3 {
		email := fmt.Sprintf("customer-%d-with-a-rather-long-address@northwind-traders.example", i)
		if _, err := oc.Customers.Create(context.Background(), api.CustomerCreateRequest{
			CustomerId: fmt.Sprintf("cus-%d", i), Email: wrapper.Set(email), Name: wrapper.Set(fmt.Sprintf("Customer %d", i)),
		}); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{envServerKey: org.ServerKey.Reveal(), envBaseURL: srv.URL()}

	// JSON stays the default.
	r := cli(t, env, "", "call", "listCustomers")
	want(t, r, 0)
	if page := decodeOut[map[string]any](t, r); len(page["results"].([]any)) != 3 {
		t.Fatalf("default output: %s", r)
	}

	for _, args := range [][]string{
		{"call", "listCustomers", "--output", "table"},
		{"--output", "table", "call", "listCustomers", "--all"},
	} {
		r := cli(t, env, "", args...)
		want(t, r, 0)
		lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		if len(lines) != 4 || !strings.HasPrefix(lines[0], "id ") || !strings.Contains(lines[0], "email") {
			t.Fatalf("%v: want a header and 3 rows: %s", args, r)
		}
		seen := map[string]bool{}
		for _, l := range lines[1:] {
			for _, f := range strings.Fields(l) {
				if strings.HasPrefix(f, "cus-") {
					seen[f] = true
				}
			}
		}
		if len(seen) != 3 {
			t.Fatalf("%v: want one row per customer, saw %v: %s", args, seen, r)
		}
		if w := maxLineWidth(r.stdout); w > 80 {
			t.Fatalf("%v: table is %d wide, more than 80: %s", args, w, r)
		}
		if !strings.Contains(r.stdout, "…") {
			t.Fatalf("%v: the long emails should be cut with …: %s", args, r)
		}
	}

	r = cli(t, with(env, "COLUMNS", "200"), "", "call", "updateCustomer", "-p", "customerId=cus-1", "--data", "{}", "--output", "table")
	want(t, r, 0)
	if !regexpLine(r.stdout, "customerId", "cus-1") {
		t.Fatalf("object as a table: %s", r)
	}
	if !regexpLine(r.stdout, "email", "customer-1-with-a-rather-long-address@northwind-traders.example") {
		t.Fatalf("COLUMNS=200: nothing should be cut: %s", r)
	}

	r = cli(t, with(env, "COLUMNS", "40"), "", "call", "listCustomers", "--output", "table")
	want(t, r, 0)
	if w := maxLineWidth(r.stdout); w > 40 {
		t.Fatalf("COLUMNS=40: table is %d wide: %s", w, r)
	}
}

// regexpLine reports whether s has a line with exactly the two cells key
// and value.
func regexpLine(s, key, value string) bool {
	for _, l := range strings.Split(s, "\n") {
		f := strings.Fields(l)
		if len(f) == 2 && f[0] == key && f[1] == value {
			return true
		}
	}
	return false
}

// TestTablesFitTheTerminal: the tables that were wider than 80 columns
// (partner orgs list, ops) fit in COLUMNS, or 80 when it is not set.
func TestTablesFitTheTerminal(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	provision(t, srv, "a-partner-external-id-that-is-long")
	env := partnerEnv(srv)
	for _, tc := range []struct {
		columns string
		width   int
	}{{"", 80}, {"100", 100}, {"50", 50}, {"junk", 80}} {
		for _, args := range [][]string{{"partner", "orgs", "list"}, {"ops"}, {"partner", "orgs", "list", "--show-secrets"}} {
			e := env
			if tc.columns != "" {
				e = with(env, "COLUMNS", tc.columns)
			}
			r := cli(t, e, "", append(args, "--output", "table")...)
			want(t, r, 0)
			if w := maxLineWidth(r.stdout); w > tc.width || w < tc.width-20 {
				t.Errorf("%v with COLUMNS=%q: widest line %d, want at most %d (and near it): %s", args, tc.columns, w, tc.width, r)
			}
		}
	}
	// Wide enough: nothing is cut.
	r := cli(t, with(env, "COLUMNS", "300"), "", "ops", "--output", "table")
	if strings.Contains(r.stdout, "…") {
		t.Fatalf("COLUMNS=300: ops should not be cut: %s", r.stdout)
	}
}

func TestFormatTable(t *testing.T) {
	t.Parallel()
	header := []string{"ID", "NAME", "NOTE"}
	rows := [][]string{{"1", "Ada Lovelace", "first programmer"}, {"22", "", "x"}}
	for _, tc := range []struct {
		width int
		want  string
	}{
		{80, "ID  NAME          NOTE\n1   Ada Lovelace  first programmer\n22  -             x\n"},
		{30, "ID  NAME          NOTE\n1   Ada Lovelace  first progr…\n22  -             x\n"},
		{26, "ID  NAME        NOTE\n1   Ada Lovel…  first pro…\n22  -           x\n"},
		// Every column at its floor (6, or less when narrower): the last is
		// left out and … stands for it.
		{14, "ID  NAME    …\n1   Ada L…  …\n22  -       …\n"},
		{3, "ID\n1\n22\n"},
		{1, "…\n1\n…\n"},
	} {
		var b bytes.Buffer
		if err := formatTable(&b, header, rows, tc.width); err != nil {
			t.Fatal(err)
		}
		if b.String() != tc.want {
			t.Errorf("width %d:\n%s\nwant:\n%s", tc.width, b.String(), tc.want)
		}
		if w := maxLineWidth(b.String()); w > tc.width {
			t.Errorf("width %d: a line is %d wide", tc.width, w)
		}
	}
}

func TestRenderTable(t *testing.T) {
	t.Parallel()
	decode := func(s string) any {
		v, err := decodeJSON([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct{ in, want string }{
		{`{"count": 2, "next": null, "results": [{"name": "B", "id": "2", "price": 12.50, "tags": ["a"], "gone": null}, {"id": "1", "name": "A", "active": true}]}`,
			"id  name  active  price  tags\n2   B     -       12.50  [\"a\"]\n1   A     true    -      -\n"},
		{`[{"id": "x"}]`, "id\nx\n"},
		{`{"customerId": "cus-1", "metadata": {"plan": "pro"}, "email": null}`, "customerId  cus-1\nmetadata    {\"plan\":\"pro\"}\n"},
		{`{"results": []}`, "(no results)\n"},
		{`[1, "two", null]`, "1\ntwo\n-\n"},
		{`"just a string"`, "just a string\n"},
	} {
		var b bytes.Buffer
		if err := renderTable(&b, decode(tc.in), 80); err != nil {
			t.Fatal(err)
		}
		if b.String() != tc.want {
			t.Errorf("renderTable(%s):\n%s\nwant:\n%s", tc.in, b.String(), tc.want)
		}
	}
	// Decoded numbers keep their text, e.g. 12.50 stays 12.50.
	var b bytes.Buffer
	_ = renderTable(&b, map[string]any{"n": json.Number("12.50")}, 80)
	if b.String() != "n  12.50\n" {
		t.Errorf("json.Number: %q", b.String())
	}
}

// TestFakePortInUse: kelviq fake on a port that is taken says so and
// suggests --addr.
func TestFakePortInUse(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	r := cli(t, nil, "", "fake", "--addr", addr)
	want(t, r, 1)
	wantMsg := "error: starting the fake: " + addr + " is already in use (another 'kelviq fake'?): stop that program, or choose another address with --addr, e.g. --addr 127.0.0.1:0 for a free port\n"
	if r.stderr != wantMsg || r.stdout != "" {
		t.Fatalf("want %q: %s", wantMsg, r)
	}
}
