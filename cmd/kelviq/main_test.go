package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/redact"
	"github.com/kelviq/kelviq-go/kelviqtest"
	"github.com/kelviq/kelviq-go/wrapper"
)

// result is one run of the CLI.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// cli runs the CLI with env as its whole environment and stdin as input.
func cli(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string { return env[k] }
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut, getenv)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// setup is the package's test fixture, in the go-github style: a fake API
// of the test's own (closed when the test ends) with one organization,
// provisioned under externalID, and a client acting for it (to arrange
// data the CLI then reads).
func setup(t *testing.T, externalID string) (*kelviqtest.Server, *wrapper.PartnerOrganization, *wrapper.Client) {
	t.Helper()
	srv := kelviqtest.NewServer(t)
	org, shop := srv.NewOrganization(t, externalID)
	return srv, org, shop
}

// provisioned provisions an organization on srv directly (not through the
// CLI; see provision for that), its owner externalID@example.com.
func provisioned(t *testing.T, srv *kelviqtest.Server, externalID string) *wrapper.PartnerOrganization {
	t.Helper()
	org, err := srv.ProvisionOrganization(externalID, externalID+"@example.com")
	if err != nil {
		t.Fatal(err)
	}
	return org
}

// partnerEnv points the CLI at srv with its partner key.
func partnerEnv(srv *kelviqtest.Server) map[string]string {
	return map[string]string{envPartnerKey: srv.PartnerKey(), envBaseURL: srv.URL()}
}

func want(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("want exit %d, got %s", code, r)
	}
}

func decodeOut[T any](t *testing.T, r result) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("stdout is not the JSON expected (%v): %s", err, r)
	}
	return v
}

// provision provisions an organization through the CLI and returns it, with
// its server key revealed through a second command.
func provision(t *testing.T, srv *kelviqtest.Server, extID string) (orgJSON, string) {
	t.Helper()
	env := partnerEnv(srv)
	r := cli(t, env, "", "partner", "orgs", "provision", "--external-id", extID, "--email", extID+"@example.com", "--output", "json")
	want(t, r, 0)
	org := decodeOut[orgJSON](t, r)
	r = cli(t, env, "", "partner", "orgs", "get", org.OrganizationIdentifier, "--show-secrets", "--output", "json")
	want(t, r, 0)
	key := decodeOut[orgJSON](t, r).ServerKey
	if key == "" || key == redact.Marker {
		t.Fatalf("server key not revealed with --show-secrets: %s", r)
	}
	return org, key
}

func TestHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--help"}, {"-h"}, {"help"},
		{"partner", "--help"}, {"partner", "orgs", "--help"},
		{"partner", "orgs", "provision", "--help"}, {"partner", "orgs", "list", "-h"},
		{"partner", "orgs", "get", "--help"}, {"--output", "json", "partner", "orgs", "get", "x", "--help"},
		{"ops", "--help"}, {"call", "--help"}, {"call", "listCustomers", "--help"},
		{"fake", "--help"}, {"demo", "--help"}, {"version", "--help"},
		{"help", "partner", "orgs", "get"}, {"help", "call"},
		{"webhooks", "--help"}, {"webhooks", "verify", "--help"}, {"help", "webhooks", "verify"},
	} {
		t.Run(strings.Join(args, "_"), func(t *testing.T) {
			r := cli(t, nil, "", args...)
			want(t, r, 0)
			if !strings.Contains(r.stdout, "Usage:\n  kelviq ") || r.stderr != "" {
				t.Fatalf("help not printed to stdout: %s", r)
			}
		})
	}
	r := cli(t, nil, "", "call", "--help")
	for _, f := range []string{"-p NAME=VALUE", "--data JSON", "--all", "--show-secrets", "--timeout DURATION", "--retries N", "--deadline DURATION", "--output FORMAT"} {
		if !strings.Contains(r.stdout, f) {
			t.Errorf("call --help does not document %s:\n%s", f, r.stdout)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"partner", "orgs", "delete"}, `unknown command "partner orgs delete"`},
		{[]string{"partner"}, "needs a subcommand"},
		{[]string{"ops", "--bogus"}, "--bogus"},
		{[]string{"ops", "--tag", "NoSuchTag"}, "--tag"},
		{[]string{"ops", "--output", "yaml"}, "--output"},
		{[]string{"--timeout", "soon", "ops"}, "--timeout"},
		{[]string{"ops", "--timeout", "-1s"}, "--timeout"},
		{[]string{"partner", "orgs", "provision", "--email", "a@example.com"}, "--external-id is required"},
		{[]string{"partner", "orgs", "provision", "--external-id", "x"}, "--email is required"},
		{[]string{"partner", "orgs", "get"}, "missing IDENTIFIER"},
		{[]string{"partner", "orgs", "get", "x", "--external-id", "y"}, "not both"},
		{[]string{"call"}, "missing OPERATION_ID"},
		{[]string{"call", "listCustomers", "-p", "nonsense"}, "-p"},
		{[]string{"call", "listCustomers", "--all", "-p", "page=2"}, "-p page"},
		{[]string{"call", "createCustomer", "--all", "--data", "{}"}, "--all"},
		{[]string{"call", "listCustomers", "--data", "{}"}, "--data"},
		{[]string{"call", "createCustomer"}, "--data is required"},
		{[]string{"call", "listCustomers", "-p", "page_size=500"}, "-p page_size: must be at most 100"},
		{[]string{"call", "listOrders", "-p", "is_renewal=maybe"}, "-p is_renewal"},
		{[]string{"call", "listOrders", "-p", "start_date=yesterday"}, "-p start_date"},
		{[]string{"call", "listCustomers", "extra"}, `unexpected argument "extra"`},
		{[]string{"version", "extra"}, `unexpected argument "extra"`},
	} {
		t.Run(strings.Join(tc.args, "_"), func(t *testing.T) {
			r := cli(t, nil, "", tc.args...)
			want(t, r, 2)
			if !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
				t.Fatalf("stderr should contain %q, stdout be empty: %s", tc.want, r)
			}
		})
	}
}

// TestRefusalsSendNothing checks that input refused locally exits 2 and
// that the fake saw no request at all.
func TestRefusalsSendNothing(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	env := partnerEnv(srv)
	_, serverKey := provision(t, srv, "refusals")
	before := len(srv.Requests())
	orgEnv := map[string]string{envServerKey: serverKey, envBaseURL: srv.URL()}
	noKeys := map[string]string{envBaseURL: srv.URL()}

	dir := t.TempDir()
	badFile := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(badFile, []byte(`{"customerId": `), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		env   map[string]string
		stdin string
		args  []string
		want  string
	}{
		{"invalid UUID", env, "", []string{"partner", "orgs", "get", "not-a-uuid"}, "error: IDENTIFIER: must be a UUID"},
		{"external ID ..", env, "", []string{"partner", "orgs", "get", "--external-id", ".."}, `error: --external-id: must not be "." or ".."`},
		{"external ID . in list", env, "", []string{"partner", "orgs", "list", "--external-id", "."}, "error: --external-id"},
		{"provision external ID ..", env, "", []string{"partner", "orgs", "provision", "--external-id", "..", "--email", "a@example.com"}, "error: --external-id"},
		{"provision bad email", env, "", []string{"partner", "orgs", "provision", "--external-id", "x", "--email", "not-an-email"}, "error: --email"},
		{"missing partner key", noKeys, "", []string{"partner", "orgs", "list"}, "KELVIQ_PARTNER_KEY"},
		{"malformed partner key", map[string]string{envPartnerKey: "sk_live_x", envBaseURL: srv.URL()}, "", []string{"partner", "orgs", "list"}, "KELVIQ_PARTNER_KEY"},
		{"missing server key", noKeys, "", []string{"call", "listCustomers"}, "KELVIQ_SERVER_API_KEY"},
		{"missing partner key for call", orgEnv, "", []string{"call", "listPartnerOrganizations"}, "KELVIQ_PARTNER_KEY"},
		{"data not JSON", orgEnv, "", []string{"call", "createCustomer", "--data", "{customerId: x}"}, "error: --data: must be valid JSON (one value): invalid character"},
		{"data file not JSON", orgEnv, "", []string{"call", "createCustomer", "--data", "@" + badFile}, "error: --data: must be valid JSON (one value): unexpected end of JSON input"},
		{"data file missing", orgEnv, "", []string{"call", "createCustomer", "--data", "@" + filepath.Join(dir, "none.json")}, "error: --data"},
		{"data stdin not JSON", orgEnv, "nope", []string{"call", "createCustomer", "--data", "-"}, "error: --data: must be valid JSON (one value): invalid character"},
		{"data stdin empty", orgEnv, "", []string{"call", "createCustomer", "--data", "-"}, "error: --data"},
		{"unknown operation", orgEnv, "", []string{"call", "getEverything"}, `error: unknown operation "getEverything"`},
		{"unknown -p name", orgEnv, "", []string{"call", "listCustomers", "-p", "colour=blue"}, `error: -p colour: listCustomers has no parameter "colour"`},
		{"missing path param", orgEnv, "", []string{"call", "updateCustomer", "--data", "{}"}, "-p customerId=VALUE is required"},
		{"path param ..", orgEnv, "", []string{"call", "updateCustomer", "-p", "customerId=..", "--data", "{}"}, `-p customerId: must not be "." or ".."`},
		{"path param UUID", orgEnv, "", []string{"call", "retrieveCatalogProduct", "-p", "pk=123"}, "-p pk"},
		{"bad base URL", map[string]string{envPartnerKey: srv.PartnerKey()}, "", []string{"partner", "orgs", "list", "--base-url", "http://example.com/api/v1"}, "--base-url"},
		{"bad base URL env", map[string]string{envPartnerKey: srv.PartnerKey(), envBaseURL: "http://example.com"}, "", []string{"partner", "orgs", "list"}, envBaseURL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := cli(t, tc.env, tc.stdin, tc.args...)
			want(t, r, 2)
			if !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
				t.Fatalf("stderr should contain %q: %s", tc.want, r)
			}
			if first := strings.SplitN(r.stderr, "\n", 2)[0]; !strings.HasPrefix(first, "error: ") {
				t.Fatalf("first stderr line should be the error: %s", r)
			}
			if strings.Contains(r.stderr, serverKey) {
				t.Fatalf("stderr leaks the server key: %s", r)
			}
		})
	}
	if after := len(srv.Requests()); after != before {
		t.Fatalf("refused commands sent %d requests: %+v", after-before, srv.Requests()[before:])
	}
}

func TestPartnerOrgs(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	env := partnerEnv(srv)
	env["COLUMNS"] = "200" // wide enough that no table cell is cut short

	r := cli(t, env, "", "--output", "json", "partner", "orgs", "provision", "--external-id", "northwind-0042", "--email", "owner@northwind.example", "--business-name", "Northwind")
	want(t, r, 0)
	org := decodeOut[orgJSON](t, r)
	if org.PartnerExternalID != "northwind-0042" || org.OrganizationIdentifier == "" || org.ServerKey != redact.Marker {
		t.Fatalf("provisioned organization: %+v", org)
	}
	if !strings.Contains(r.stdout, `"serverKey": "[REDACTED]"`) {
		t.Fatalf("server key not redacted: %s", r)
	}

	r = cli(t, env, "", "partner", "orgs", "get", org.OrganizationIdentifier, "--output", "json", "--show-secrets")
	want(t, r, 0)
	key := decodeOut[orgJSON](t, r).ServerKey
	if key == "" || key == redact.Marker || !strings.Contains(r.stdout, key) {
		t.Fatalf("--show-secrets should print the server key: %s", r)
	}

	// The same organization, every way, without --show-secrets: no key.
	for _, args := range [][]string{
		{"partner", "orgs", "get", org.OrganizationIdentifier},
		{"partner", "orgs", "get", "--external-id", "northwind-0042"},
		{"partner", "orgs", "list"},
		{"partner", "orgs", "list", "--external-id", "northwind-0042"},
	} {
		for _, format := range []string{"json", "table"} {
			r := cli(t, env, "", append(args, "--output", format)...)
			want(t, r, 0)
			if strings.Contains(r.stdout, key) || !strings.Contains(r.stdout, redact.Marker) || !strings.Contains(r.stdout, org.OrganizationIdentifier) {
				t.Fatalf("%v --output %s: want the organization with its key redacted: %s", args, format, r)
			}
		}
	}
	// ... and with it: the key.
	r = cli(t, env, "", "--show-secrets", "partner", "orgs", "list", "--output", "table")
	want(t, r, 0)
	if !strings.Contains(r.stdout, key) || strings.Contains(r.stdout, redact.Marker) {
		t.Fatalf("list --show-secrets: %s", r)
	}

	r = cli(t, env, "", "partner", "orgs", "list", "--output", "json")
	want(t, r, 0)
	if list := decodeOut[[]orgJSON](t, r); len(list) != 1 || list[0].OrganizationIdentifier != org.OrganizationIdentifier {
		t.Fatalf("list: %s", r)
	}
	r = cli(t, env, "", "partner", "orgs", "list", "--external-id", "nobody", "--output", "json")
	want(t, r, 0)
	if strings.TrimSpace(r.stdout) != "[]" {
		t.Fatalf("list of no organization should be []: %s", r)
	}

	r = cli(t, env, "", "partner", "orgs", "get", "--external-id", "northwind-0042", "--output", "table")
	want(t, r, 0)
	for _, s := range []string{"IDENTIFIER", "EXTERNAL ID", "northwind-0042", "SERVER KEY", redact.Marker} {
		if !strings.Contains(r.stdout, s) {
			t.Fatalf("table output lacks %q: %s", s, r)
		}
	}
	// The printed server key works.
	r = cli(t, map[string]string{envServerKey: key, envBaseURL: srv.URL()}, "", "call", "listCustomers")
	want(t, r, 0)
}

func TestGlobalFlagsBeforeAndAfter(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	provision(t, srv, "flags")
	env := map[string]string{envPartnerKey: srv.PartnerKey()} // base URL from the flag only
	var outputs []string
	for _, args := range [][]string{
		{"--base-url", srv.URL(), "--output", "json", "--show-secrets", "partner", "orgs", "list"},
		{"partner", "orgs", "list", "--base-url", srv.URL(), "--output", "json", "--show-secrets"},
		{"--base-url=" + srv.URL(), "partner", "--output=json", "orgs", "list", "--show-secrets"},
		{"partner", "orgs", "--show-secrets", "list", "-output", "json", "-base-url", srv.URL(), "--timeout", "5s"},
	} {
		r := cli(t, env, "", args...)
		want(t, r, 0)
		outputs = append(outputs, r.stdout)
	}
	for _, o := range outputs[1:] {
		if o != outputs[0] {
			t.Fatalf("same command, different output:\n%s\n---\n%s", outputs[0], o)
		}
	}
	if strings.Contains(outputs[0], redact.Marker) {
		t.Fatalf("--show-secrets ignored: %s", outputs[0])
	}
	// Flags win over the environment.
	r := cli(t, map[string]string{envPartnerKey: srv.PartnerKey(), envBaseURL: "https://unused.invalid/api/v1"}, "",
		"partner", "orgs", "list", "--base-url", srv.URL())
	want(t, r, 0)
}

func TestAPIErrors(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	env := partnerEnv(srv)
	provision(t, srv, "taken")
	oneLine := regexp.MustCompile(`^error: [^\n]+\n$`)
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"unknown identifier", env, []string{"partner", "orgs", "get", "8d3c1f9e-2b4a-4c6d-9e8f-0a1b2c3d4e5f"}, "error: 404 not found"},
		{"unknown external ID", env, []string{"partner", "orgs", "get", "--external-id", "nobody"}, "error: 404 not found"},
		{"taken external ID", env, []string{"partner", "orgs", "provision", "--external-id", "taken", "--email", "new@example.com"}, "error: 400 bad request"},
		{"taken email", env, []string{"partner", "orgs", "provision", "--external-id", "new", "--email", "taken@example.com"}, "error: 409 conflict"},
		{"wrong partner key", map[string]string{envPartnerKey: "kvqp_wrong_key", envBaseURL: srv.URL()}, []string{"partner", "orgs", "list"}, "error: 401 unauthorized"},
		{"wrong server key", map[string]string{envServerKey: "sk_wrong", envBaseURL: srv.URL()}, []string{"call", "listCustomers"}, "error: 401 unauthorized"},
		{"call unknown product", map[string]string{envServerKey: "sk_wrong", envBaseURL: srv.URL()}, []string{"call", "retrieveCatalogProduct", "-p", "pk=8d3c1f9e-2b4a-4c6d-9e8f-0a1b2c3d4e5f"}, "error: 401 unauthorized"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := cli(t, tc.env, "", tc.args...)
			want(t, r, 1)
			if !strings.HasPrefix(r.stderr, tc.want) || !oneLine.MatchString(r.stderr) || r.stdout != "" {
				t.Fatalf("want one stderr line starting %q: %s", tc.want, r)
			}
			if strings.Contains(r.stderr, "sk_wrong") || strings.Contains(r.stderr, "kvqp_wrong_key") {
				t.Fatalf("stderr leaks a key: %s", r)
			}
		})
	}
}

func TestAPIErrorMessageFormat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&wrapper.APIError{StatusCode: 404, Message: "Organization not found"}, "404 not found: Organization not found"},
		{&wrapper.APIError{StatusCode: 404, Message: "Not Found"}, "404 not found"},
		{&wrapper.APIError{StatusCode: 400, Message: "externalId: already taken"}, "400 bad request: externalId: already taken"},
		{fmt.Errorf("wrapped: %w", &wrapper.APIError{StatusCode: 503}), "503 service unavailable"},
	} {
		code, msg := classify(tc.err, time.Second)
		if code != 1 || msg != tc.want {
			t.Errorf("classify(%v) = %d, %q; want 1, %q", tc.err, code, msg, tc.want)
		}
	}
}

func TestNetworkErrorAndTimeout(t *testing.T) {
	t.Parallel()
	srv, err := kelviqtest.New()
	if err != nil {
		t.Fatal(err)
	}
	url, key := srv.URL(), srv.PartnerKey()
	srv.Close()
	r := cli(t, map[string]string{envPartnerKey: key, envBaseURL: url}, "", "partner", "orgs", "list")
	want(t, r, 1)
	if !regexp.MustCompile(`^error: [^\n]+\n$`).MatchString(r.stderr) || strings.Contains(r.stderr, key) {
		t.Fatalf("network failure: %s", r)
	}

	live := kelviqtest.NewServer(t)
	r = cli(t, partnerEnv(live), "", "partner", "orgs", "list", "--timeout", "1ns")
	want(t, r, 1)
	if !strings.Contains(r.stderr, "--timeout") {
		t.Fatalf("timeout: %s", r)
	}
}

func TestOps(t *testing.T) {
	t.Parallel()
	r := cli(t, nil, "", "ops", "--output", "json")
	want(t, r, 0)
	ops := decodeOut[[]opJSON](t, r)
	if len(ops) != len(wrapper.Operations()) {
		t.Fatalf("ops lists %d operations, want %d", len(ops), len(wrapper.Operations()))
	}
	seen := map[string]bool{}
	for _, op := range ops {
		if op.OperationID == "" || op.Method == "" || !strings.HasPrefix(op.Path, "/") || seen[op.OperationID] {
			t.Fatalf("bad or duplicate operation %+v", op)
		}
		seen[op.OperationID] = true
		switch op.Auth {
		case "none", "partner key", "server key":
		default:
			t.Fatalf("operation %s: auth %q", op.OperationID, op.Auth)
		}
	}
	byID := map[string]opJSON{}
	for _, op := range ops {
		byID[op.OperationID] = op
	}
	if op := byID["retrievePartnerOrganization"]; op.Auth != "partner key" || op.Method != "GET" || op.Path != "/partner/organizations/{identifier}/" {
		t.Fatalf("retrievePartnerOrganization: %+v", op)
	}
	if byID["downloadCatalogPlanFile"].Auth != "none" || byID["listCustomers"].Auth != "server key" || !byID["listCustomers"].Paginated {
		t.Fatal("auth or pagination wrong")
	}

	r = cli(t, nil, "", "ops", "--output", "table")
	want(t, r, 0)
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	if len(lines) != 1+len(wrapper.Operations()) || !strings.HasPrefix(lines[0], "OPERATION") || !strings.Contains(lines[0], "AUTH") {
		t.Fatalf("table should have a header and a row per operation, got %d lines:\n%s", len(lines), r.stdout)
	}

	r = cli(t, nil, "", "ops", "--tag", "partner", "--output", "json")
	want(t, r, 0)
	if p := decodeOut[[]opJSON](t, r); len(p) != 4 {
		t.Fatalf("--tag partner: %d operations, want 4", len(p))
	}

	// Not a terminal: JSON by default.
	r = cli(t, nil, "", "ops")
	want(t, r, 0)
	if !strings.HasPrefix(r.stdout, "[") {
		t.Fatalf("default output to a non-terminal should be JSON: %.200s", r.stdout)
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	r := cli(t, nil, "", "version", "--output", "table")
	want(t, r, 0)
	if !strings.HasPrefix(r.stdout, "kelviq "+wrapper.Version) {
		t.Fatalf("version: %s", r)
	}
	r = cli(t, nil, "", "version", "--output", "json")
	want(t, r, 0)
	if decodeOut[map[string]any](t, r)["version"] != wrapper.Version {
		t.Fatalf("version: %s", r)
	}
	// Piped, with no --output: still one line, as --version prints it.
	r = cli(t, nil, "", "version")
	want(t, r, 0)
	if !strings.HasPrefix(r.stdout, "kelviq "+wrapper.Version) || strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("version: %s", r)
	}
}

func TestCallCustomers(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	_, key := provision(t, srv, "customers")
	env := map[string]string{envServerKey: key, envBaseURL: srv.URL()}

	r := cli(t, env, "", "call", "createCustomer", "--data", `{"customerId": "cus-inline", "email": "inline@example.com"}`)
	want(t, r, 0)
	if c := decodeOut[map[string]any](t, r); c["customerId"] != "cus-inline" {
		t.Fatalf("createCustomer: %s", r)
	}
	file := filepath.Join(t.TempDir(), "customer.json")
	if err := os.WriteFile(file, []byte(`{"customerId": "cus-file"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	r = cli(t, env, "", "call", "createCustomer", "--data", "@"+file)
	want(t, r, 0)
	r = cli(t, env, `{"customerId": "cus-stdin"}`, "call", "createCustomer", "--data", "-")
	want(t, r, 0)
	r = cli(t, env, "", "call", "updateCustomer", "-p", "customerId=cus-stdin", "--data", `{"name": "Stdin & Co"}`)
	want(t, r, 0)
	if c := decodeOut[map[string]any](t, r); c["name"] != "Stdin & Co" {
		t.Fatalf("updateCustomer: %s", r)
	}
	r = cli(t, env, "", "call", "listCustomers", "-p", "search=cus-file")
	want(t, r, 0)
	page := decodeOut[struct {
		Count   int              `json:"count"`
		Results []map[string]any `json:"results"`
	}](t, r)
	if page.Count != 1 || len(page.Results) != 1 || page.Results[0]["customerId"] != "cus-file" {
		t.Fatalf("listCustomers search: %s", r)
	}
	// An API validation error, from the fake, for a body that is JSON.
	r = cli(t, env, "", "call", "createCustomer", "--data", `{"email": "no-id@example.com"}`)
	want(t, r, 1)
	if !strings.HasPrefix(r.stderr, "error: 400 bad request") {
		t.Fatalf("missing customerId: %s", r)
	}
}

func TestCallAll(t *testing.T) {
	t.Parallel()
	srv, org, oc := setup(t, "paging")
	const n = 230
	ctx := context.Background()
	for i := range n {
		_, err := oc.API().CreateCustomerWithResponse(ctx, api.CustomerCreateRequest{CustomerId: fmt.Sprintf("cus-%03d", i)})
		if err != nil {
			t.Fatalf("creating customer %d: %v", i, err)
		}
	}
	env := map[string]string{envServerKey: org.ServerKey.Reveal(), envBaseURL: srv.URL()}
	for _, args := range [][]string{
		{"call", "listCustomers", "--all"},
		{"call", "listCustomers", "--all", "-p", "page_size=7"},
	} {
		r := cli(t, env, "", args...)
		want(t, r, 0)
		items := decodeOut[[]map[string]any](t, r)
		ids := map[any]bool{}
		for _, it := range items {
			ids[it["customerId"]] = true
		}
		if len(items) != n || len(ids) != n {
			t.Fatalf("%v: %d items (%d distinct), want %d", args, len(items), len(ids), n)
		}
	}
	// Without --all: one page.
	r := cli(t, env, "", "call", "listCustomers", "-p", "page_size=10", "-p", "page=2")
	want(t, r, 0)
	page := decodeOut[struct {
		Count   int    `json:"count"`
		Next    string `json:"next"`
		Results []any  `json:"results"`
	}](t, r)
	if page.Count != n || len(page.Results) != 10 || page.Next == "" {
		t.Fatalf("one page: %s", r)
	}
	// An empty list is an empty array.
	other := provisioned(t, srv, "empty")
	r = cli(t, map[string]string{envServerKey: other.ServerKey.Reveal(), envBaseURL: srv.URL()}, "", "call", "listCustomers", "--all")
	want(t, r, 0)
	if strings.TrimSpace(r.stdout) != "[]" {
		t.Fatalf("empty --all: %s", r)
	}
}

func TestCallRedirect(t *testing.T) {
	t.Parallel()
	srv, _, shop := setup(t, "redirect")
	ctx := context.Background()
	product, err := shop.Catalog.Products.Create(ctx, api.ProductCreateRequest{Name: "Redirect", TaxCode: api.ProductCreateRequestTaxCodeSaas})
	if err != nil {
		t.Fatal(err)
	}
	ident := "x"
	plan, err := shop.Catalog.Plans.Create(ctx, api.PlanCreateRequest{Name: "x", Identifier: &ident, Product: *product.Id, FileKeys: &[]string{"guide.pdf"}})
	if err != nil || plan.Files == nil || len(*plan.Files) != 1 {
		t.Fatalf("plan %+v, %v", plan, err)
	}
	// downloadCatalogPlanFile takes no credential: no key in the environment.
	r := cli(t, map[string]string{envBaseURL: srv.URL()}, "", "call", "downloadCatalogPlanFile",
		"-p", "identifier=x", "-p", "pk="+(*plan.Files)[0].Id.String())
	want(t, r, 0)
	loc := strings.TrimSpace(r.stdout)
	if !regexp.MustCompile(`^https?://\S+$`).MatchString(loc) || strings.Contains(r.stdout, "\n\n") {
		t.Fatalf("want the Location alone on stdout: %s", r)
	}
}

func TestCallRedaction(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	env := partnerEnv(srv)
	r := cli(t, env, "", "call", "provisionPartnerOrganization", "--data", `{"externalId": "call-redact", "email": "call-redact@example.com"}`)
	want(t, r, 0)
	org := decodeOut[map[string]any](t, r)
	if org["serverKey"] != redact.Marker || org["partnerExternalId"] != "call-redact" {
		t.Fatalf("call output should redact serverKey: %s", r)
	}
	r = cli(t, env, "", "call", "retrievePartnerOrganizationByExternalId", "-p", "externalId=call-redact", "--show-secrets")
	want(t, r, 0)
	key, _ := decodeOut[map[string]any](t, r)["serverKey"].(string)
	if key == "" || key == redact.Marker {
		t.Fatalf("--show-secrets should reveal serverKey: %s", r)
	}
	for _, args := range [][]string{
		{"call", "listPartnerOrganizations"},
		{"call", "listPartnerOrganizations", "-p", "external_id=call-redact"},
		{"call", "retrievePartnerOrganization", "-p", "identifier=" + org["organizationIdentifier"].(string)},
	} {
		r := cli(t, env, "", args...)
		want(t, r, 0)
		if strings.Contains(r.stdout, key) || !strings.Contains(r.stdout, redact.Marker) {
			t.Fatalf("%v leaks the server key: %s", args, r)
		}
		r = cli(t, env, "", append(args, "--show-secrets")...)
		want(t, r, 0)
		if !strings.Contains(r.stdout, key) {
			t.Fatalf("%v --show-secrets hides the server key: %s", args, r)
		}
	}
}

func TestDemo(t *testing.T) {
	t.Parallel()
	r := cli(t, nil, "", "demo")
	want(t, r, 0)
	for _, s := range []string{"in-memory fake API", "1. Provisioned", "server key", redact.Marker, "customer", "product", "plan", "Done."} {
		if !strings.Contains(r.stdout, s) {
			t.Fatalf("demo output lacks %q: %s", s, r)
		}
	}
	if r.stderr != "" {
		t.Fatalf("demo wrote to stderr: %s", r)
	}
	keyLine := regexp.MustCompile(`(?m)^\s+server key\s+(\S+)$`)
	if m := keyLine.FindStringSubmatch(r.stdout); m == nil || m[1] != redact.Marker {
		t.Fatalf("demo should print the server key redacted: %s", r)
	}
	if strings.Contains(r.stdout, "kvqp_") {
		t.Fatalf("demo prints the partner key: %s", r)
	}

	r = cli(t, nil, "", "demo", "--show-secrets")
	want(t, r, 0)
	if m := keyLine.FindStringSubmatch(r.stdout); m == nil || m[1] == redact.Marker {
		t.Fatalf("demo --show-secrets should print the server key: %s", r)
	}
}

func TestFake(t *testing.T) {
	t.Parallel()
	fake := startFake(t, 2, func(string) string { return "" }, "--addr", "127.0.0.1:0", "--partner-key", "kvqp_test_cli", "--timeout", "1ms")
	env, out := fake.env, fake.out
	if env[envPartnerKey] != "kvqp_test_cli" || !strings.HasPrefix(env[envBaseURL], "http://127.0.0.1:") {
		t.Fatalf("export lines: %q", out.String())
	}
	// --timeout does not stop the fake; the exported settings work.
	time.Sleep(20 * time.Millisecond)
	r := cli(t, env, "", "partner", "orgs", "provision", "--external-id", "via-fake", "--email", "via-fake@example.com")
	want(t, r, 0)
	r = cli(t, env, "", "partner", "orgs", "list", "--output", "json")
	want(t, r, 0)
	if !strings.Contains(r.stdout, "via-fake") {
		t.Fatalf("list through the fake: %s", r)
	}
	if code := fake.stop(); code != 0 {
		t.Fatalf("fake exited %d: %s", code, fake.errOut.String())
	}
	if r := cli(t, nil, "", "fake", "--partner-key", "nope"); r.code != 2 || !strings.Contains(r.stderr, "--partner-key") {
		t.Fatalf("bad --partner-key: %s", r)
	}
}

func TestEdgeURL(t *testing.T) {
	t.Parallel()
	srv, org, shop := setup(t, "edge")
	dead, err := kelviqtest.New()
	if err != nil {
		t.Fatal(err)
	}
	deadURL := dead.URL()
	dead.Close()
	if _, err := shop.Customers.Create(context.Background(), api.CustomerCreateRequest{CustomerId: "c1"}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{envServerKey: org.ServerKey.Reveal(), envBaseURL: srv.URL()}
	// Edge operations go to the edge URL, the others to the base URL.
	r := cli(t, env, "", "call", "getCustomerEntitlements", "-p", "customer_id=c1")
	want(t, r, 0)
	r = cli(t, env, "", "call", "getCustomerEntitlements", "-p", "customer_id=c1", "--edge-url", deadURL)
	want(t, r, 1)
	r = cli(t, env, "", "call", "listCustomers", "--edge-url", deadURL)
	want(t, r, 0)
	env[envEdgeURL] = deadURL
	r = cli(t, env, "", "call", "getCustomerEntitlements", "-p", "customer_id=c1")
	want(t, r, 1)
	r = cli(t, env, "", "call", "getCustomerEntitlements", "-p", "customer_id=c1", "--edge-url", srv.URL())
	want(t, r, 0)
}

func TestClientConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  map[string]string
		g    globals
		want string
	}{
		{"default", nil, globals{}, wrapper.Production.BaseURL},
		{"sandbox", nil, globals{sandbox: true}, wrapper.Sandbox.BaseURL},
		{"env", map[string]string{envBaseURL: "https://kelviq.example/api/v1/"}, globals{}, "https://kelviq.example/api/v1"},
		{"flag beats env", map[string]string{envBaseURL: "https://env.example/api/v1"}, globals{baseURL: "https://flag.example/api/v1"}, "https://flag.example/api/v1"},
		{"sandbox beats env", map[string]string{envBaseURL: "https://env.example/api/v1"}, globals{sandbox: true}, wrapper.Sandbox.BaseURL},
	} {
		a := &app{getenv: func(k string) string { return tc.env[k] }, g: tc.g}
		c, err := a.client()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := c.BaseURL(); got != tc.want {
			t.Errorf("%s: base URL %q, want %q", tc.name, got, tc.want)
		}
	}
}
