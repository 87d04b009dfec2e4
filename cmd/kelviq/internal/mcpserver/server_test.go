package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/kelviqtest"
	"github.com/kelviq/kelviq-go/wrapper"
)

// fixture is a fake API with one organization, a client with both keys,
// and an MCP session to a Server on it, every message of which is kept.
type fixture struct {
	fake    *kelviqtest.Server
	keys    []string // the partner key and the organization's server key
	session *mcp.ClientSession
	traffic *testkit.SyncBuffer
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	fake := kelviqtest.NewServer(t)
	org, err := fake.ProvisionOrganization("mcp-test-org", "owner@mcp-test.example")
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{fake.PartnerKey(), org.ServerKey.Reveal()}
	client, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(fake.URL()),
		wrapper.WithPartnerKey(keys[0]), wrapper.WithServerKey(keys[1]), wrapper.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	opts.Secrets = append(opts.Secrets, keys...)
	srv, err := New(client, opts)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{fake: fake, keys: keys, traffic: &testkit.SyncBuffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	st, ct := mcp.NewInMemoryTransports()
	ss, err := srv.MCP().Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ss.Close() })
	c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "0"}, nil)
	f.session, err = c.Connect(ctx, &mcp.LoggingTransport{Transport: ct, Writer: f.traffic}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = f.session.Close()
		for _, k := range f.keys {
			if strings.Contains(f.traffic.String(), k) {
				t.Errorf("a key appears in the MCP traffic")
			}
		}
	})
	return f
}

func (f *fixture) call(t *testing.T, name string, args map[string]any) (*mcp.CallToolResult, string) {
	t.Helper()
	res, err := f.session.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: protocol error %v (tool failures must be results)", name, err)
	}
	var text strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			text.WriteString(tc.Text)
		}
	}
	return res, text.String()
}

func TestEveryOperationIsATool(t *testing.T) {
	f := newFixture(t, Options{})
	var names []string
	for tool, err := range f.session.Tools(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tool.Name)
		op, ok := api.LookupOperation(tool.Name)
		if !ok {
			t.Errorf("tool %s is no operation", tool.Name)
			continue
		}
		a := tool.Annotations
		if a == nil {
			t.Errorf("%s has no annotations", tool.Name)
			continue
		}
		switch op.Method() {
		case "GET":
			if !a.ReadOnlyHint || !a.IdempotentHint {
				t.Errorf("%s (GET): readOnly %v idempotent %v, want both", tool.Name, a.ReadOnlyHint, a.IdempotentHint)
			}
		case "DELETE":
			if a.ReadOnlyHint || a.DestructiveHint == nil || !*a.DestructiveHint || !a.IdempotentHint {
				t.Errorf("%s (DELETE): want destructive and idempotent, not read-only: %+v", tool.Name, a)
			}
		case "PATCH":
			if a.ReadOnlyHint || !a.IdempotentHint {
				t.Errorf("%s (PATCH): want idempotent, not read-only: %+v", tool.Name, a)
			}
		case "POST":
			if a.ReadOnlyHint || a.IdempotentHint || a.DestructiveHint != nil {
				t.Errorf("%s (POST): want no hint (the defaults: may destroy, not idempotent): %+v", tool.Name, a)
			}
		}
		schema, _ := json.Marshal(tool.InputSchema)
		var s struct {
			Properties map[string]json.RawMessage `json:"properties"`
			Required   []string                   `json:"required"`
		}
		if err := json.Unmarshal(schema, &s); err != nil {
			t.Fatal(err)
		}
		for _, p := range op.Params() {
			if _, ok := s.Properties[p.Name]; !ok {
				t.Errorf("%s: schema lacks parameter %s", tool.Name, p.Name)
			}
			if p.Required != slices.Contains(s.Required, p.Name) {
				t.Errorf("%s: parameter %s required %v in the spec, not in the schema", tool.Name, p.Name, p.Required)
			}
		}
		if _, ok := s.Properties[bodyArg]; ok != op.HasBody() {
			t.Errorf("%s: body in schema %v, in spec %v", tool.Name, ok, op.HasBody())
		}
		if _, ok := s.Properties[orgArg]; ok != (op.Auth() == wrapper.AuthServerKey) {
			t.Errorf("%s: organization argument %v, server key %v", tool.Name, ok, op.Auth() == wrapper.AuthServerKey)
		}
	}
	if len(names) != len(wrapper.Operations()) {
		t.Fatalf("%d tools for %d operations, want one per operation", len(names), len(wrapper.Operations()))
	}
}

func TestReadWriteAndFieldError(t *testing.T) {
	f := newFixture(t, Options{})
	body := map[string]any{"customerId": "cus-mcp-1", "email": "ada@mcp-test.example"}
	res, text := f.call(t, "createCustomer", map[string]any{"body": body})
	if res.IsError || !strings.Contains(text, `"cus-mcp-1"`) {
		t.Fatalf("createCustomer: error %v: %s", res.IsError, text)
	}
	res, text = f.call(t, "listCustomers", map[string]any{"page": 1, "page_size": 10})
	if res.IsError || !strings.Contains(text, `"cus-mcp-1"`) {
		t.Fatalf("listCustomers: error %v: %s", res.IsError, text)
	}
	res, text = f.call(t, "createCustomer", map[string]any{"body": body})
	if !res.IsError {
		t.Fatalf("second createCustomer succeeded: %s", text)
	}
	var got struct {
		Error struct {
			Status      int                 `json:"status"`
			FieldErrors map[string][]string `json:"fieldErrors"`
			Operation   string              `json:"operation"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(text), &got); err != nil {
		t.Fatalf("error content is not JSON: %v: %s", err, text)
	}
	if got.Error.Status != 400 || len(got.Error.FieldErrors["customerId"]) == 0 || got.Error.Operation != "createCustomer" {
		t.Fatalf("error content = %s, want 400 with a field error on customerId", text)
	}
}

func TestBadInputIsRefusedBeforeSending(t *testing.T) {
	f := newFixture(t, Options{})
	before := len(f.fake.Requests())
	for name, args := range map[string]map[string]any{
		"missing body":      {},
		"missing field":     {"body": map[string]any{"email": "x@mcp-test.example"}},
		"unknown argument":  {"body": map[string]any{"customerId": "c"}, "bogus": 1},
		"wrong type":        {"body": map[string]any{"customerId": 7}},
		"body not object":   {"body": "text"},
		"empty path":        {"customerId": "", "body": map[string]any{}},
		"path is dot-dot":   {"customerId": "..", "body": map[string]any{}},
		"out of enum value": {"body": map[string]any{"name": "x", "featureType": "NOPE"}},
	} {
		tool := "createCustomer"
		switch name {
		case "empty path", "path is dot-dot":
			tool = "updateCustomer"
		case "out of enum value":
			tool = "createCatalogFeature"
		}
		res, text := f.call(t, tool, args)
		if !res.IsError || !strings.Contains(text, `"error"`) {
			t.Errorf("%s: not refused: %s", name, text)
		}
		wantField := map[string]string{"out of enum value": `"field":"body.featureType"`, "wrong type": `"field":"body.customerId"`,
			"empty path": `"field":"customerId"`, "path is dot-dot": `"field":"customerId"`}[name]
		if !strings.Contains(text, wantField) {
			t.Errorf("%s: %s, want %s", name, text, wantField)
		}
	}
	if n := len(f.fake.Requests()) - before; n != 0 {
		t.Fatalf("%d requests reached the API", n)
	}
}

// A tool that needs the partner key, with none configured, says which
// variable to set, as a result.
func TestMissingKeyIsAResult(t *testing.T) {
	fake := kelviqtest.NewServer(t)
	client, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(fake.URL()))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(client, Options{})
	if err != nil {
		t.Fatal(err)
	}
	res := srv.call(context.Background(), mustOperation(t, "listPartnerOrganizations"), mustSchema(t, srv, "listPartnerOrganizations"), nil)
	text := res.Content[0].(*mcp.TextContent).Text
	if !res.IsError || !strings.Contains(text, wrapper.EnvPartnerKey) {
		t.Fatalf("got %v %s, want an error naming %s", res.IsError, text, wrapper.EnvPartnerKey)
	}
}

func mustOperation(t *testing.T, id string) wrapper.Operation {
	op, ok := wrapper.LookupOperation(id)
	if !ok {
		t.Fatal(id)
	}
	return op
}

// Provisioning responses carry the new organization's server key: the
// result has it redacted, and the organization argument acts for the
// organization without the key ever being shown.
func TestOrganizationArgumentAndRedaction(t *testing.T) {
	f := newFixture(t, Options{})
	res, text := f.call(t, "provisionPartnerOrganization", map[string]any{
		"body": map[string]any{"externalId": "mcp-second", "email": "second@mcp-test.example"},
	})
	if res.IsError || !strings.Contains(text, "[REDACTED]") || !strings.Contains(text, `"mcp-second"`) {
		t.Fatalf("provision: %v %s", res.IsError, text)
	}
	if regexp.MustCompile(`"serverKey"\s*:\s*"[^\[]`).MatchString(text) {
		t.Fatalf("server key shown: %s", text)
	}
	res, text = f.call(t, "createCustomer", map[string]any{"organization": "mcp-second", "body": map[string]any{"customerId": "only-in-second"}})
	if res.IsError {
		t.Fatal(text)
	}
	_, inFirst := f.call(t, "listCustomers", map[string]any{})
	_, inSecond := f.call(t, "listCustomers", map[string]any{"organization": "mcp-second"})
	if strings.Contains(inFirst, "only-in-second") || !strings.Contains(inSecond, "only-in-second") {
		t.Fatalf("organization argument: first %s, second %s", inFirst, inSecond)
	}
	res, text = f.call(t, "listCustomers", map[string]any{"organization": "no-such-org"})
	if !res.IsError || !strings.Contains(text, "404") {
		t.Fatalf("unknown organization: %v %s", res.IsError, text)
	}
}

// TestOrganizationByUUIDOrExternalID: a reference the client takes as a UUID
// is looked up as one; anything else, even what uuid.Parse would read as a
// UUID in another spelling (32 hex digits), is an external ID.
func TestOrganizationByUUIDOrExternalID(t *testing.T) {
	f := newFixture(t, Options{})
	const hexID = "0123456789abcdef0123456789abcdef"
	org, err := f.fake.ProvisionOrganization(hexID, "hex@mcp-test.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{hexID, org.Identifier.String()} {
		res, text := f.call(t, "createCustomer", map[string]any{"organization": ref, "body": map[string]any{"customerId": "by-" + ref[:8]}})
		if res.IsError {
			t.Errorf("organization %q: %s", ref, text)
		}
	}
	// Both went to that organization, and not to the configured one.
	_, inOrg := f.call(t, "listCustomers", map[string]any{"organization": org.Identifier.String()})
	_, inDefault := f.call(t, "listCustomers", map[string]any{})
	for _, id := range []string{"by-01234567", "by-" + org.Identifier.String()[:8]} {
		if !strings.Contains(inOrg, id) || strings.Contains(inDefault, id) {
			t.Errorf("customer %s: in the organization %v, in the configured one %v", id, strings.Contains(inOrg, id), strings.Contains(inDefault, id))
		}
	}
}

func TestSelection(t *testing.T) {
	ro := newFixture(t, Options{ReadOnly: true})
	res, err := ro.session.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	reads := 0
	for _, op := range wrapper.Operations() {
		if op.Method() == "GET" {
			reads++
		}
	}
	if len(res.Tools) != reads {
		t.Errorf("--read-only: %d tools, want the %d GETs", len(res.Tools), reads)
	}
	for _, tool := range res.Tools {
		if !tool.Annotations.ReadOnlyHint {
			t.Errorf("--read-only serves %s", tool.Name)
		}
	}
	prompts, err := ro.session.ListPrompts(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range prompts.Prompts {
		if p.Name == "provision_organization" {
			t.Errorf("--read-only offers a prompt that writes")
		}
	}

	tagged := newFixture(t, Options{Tools: []string{"Plan Entitlements,customers", "getCustomerEntitlements"}})
	res, err = tagged.session.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range res.Tools {
		op, _ := api.LookupOperation(tool.Name)
		if !slices.Contains(op.Tags(), "Plan Entitlements") && !slices.Contains(op.Tags(), "Customers") && tool.Name != "getCustomerEntitlements" {
			t.Errorf("--tools serves %s (%v)", tool.Name, op.Tags())
		}
	}
	if len(res.Tools) != 3+4+1 {
		t.Errorf("--tools: %d tools, want 8", len(res.Tools))
	}

	if _, err := selectTools(false, []string{"nope"}); err == nil || !strings.Contains(err.Error(), "plan-entitlements") {
		t.Errorf("unknown tag: %v, want the list of tags", err)
	}
}

func TestResourcesAndPrompts(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	res, err := f.session.ReadResource(ctx, &mcp.ReadResourceParams{URI: specURI})
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid([]byte(res.Contents[0].Text)) || !strings.Contains(res.Contents[0].Text, `"operationId": "listCustomers"`) {
		t.Fatalf("openapi.json resource: %.200s", res.Contents[0].Text)
	}
	list, err := f.session.ListResources(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	guides := 0
	for _, r := range list.Resources {
		if !strings.HasPrefix(r.URI, guidesURI) {
			continue
		}
		guides++
		g, err := f.session.ReadResource(ctx, &mcp.ReadResourceParams{URI: r.URI})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(g.Contents[0].Text, "Tools:\n- ") {
			t.Errorf("%s lists no tools", r.URI)
		}
	}
	if guides != len(Tags()) {
		t.Errorf("%d guides for %d tags", guides, len(Tags()))
	}
	p, err := f.session.GetPrompt(ctx, &mcp.GetPromptParams{Name: "diagnose_access", Arguments: map[string]string{"customerId": "cus-7"}})
	if err != nil {
		t.Fatal(err)
	}
	if text := p.Messages[0].Content.(*mcp.TextContent).Text; !strings.Contains(text, `"cus-7"`) {
		t.Fatalf("prompt text: %s", text)
	}
	if _, err := f.session.GetPrompt(ctx, &mcp.GetPromptParams{Name: "provision_organization"}); err == nil {
		t.Fatal("provision_organization without its required arguments: no error")
	}
}

// Every tag has our notes, and every tool a prompt names is one it needs.
func TestGuidesAndPromptsCoverTheTable(t *testing.T) {
	for _, tag := range Tags() {
		if guideNotes[tag] == "" {
			t.Errorf("tag %s has no guide notes", tag)
		}
	}
	for slug := range guideNotes {
		if !slices.Contains(Tags(), slug) {
			t.Errorf("guide notes for %s, which is no tag", slug)
		}
	}
	names := map[string]bool{}
	for _, td := range toolDefs {
		names[td.Name] = true
	}
	word := regexp.MustCompile(`\b[a-z]+[A-Z][A-Za-z]+\b`)
	for _, p := range prompts {
		args := map[string]string{}
		for _, a := range p.def.Arguments {
			args[a.Name] = "x"
		}
		text, err := p.text(args)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range word.FindAllString(text, -1) {
			if names[w] && !slices.Contains(p.needs, w) {
				t.Errorf("prompt %s names %s but does not need it", p.def.Name, w)
			}
		}
		for _, n := range p.needs {
			if !names[n] {
				t.Errorf("prompt %s needs %s, which is no tool", p.def.Name, n)
			}
		}
	}
}

func mustSchema(t *testing.T, s *Server, name string) *jsonschema.Resolved {
	t.Helper()
	for _, td := range s.tools {
		if td.Name == name {
			r, err := resolveSchema(td)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
	}
	t.Fatalf("no tool %s", name)
	return nil
}

// The server's own log records lose every key the server knows, in the
// message and in attributes, grouped or not.
func TestLogRecordsAreScrubbed(t *testing.T) {
	const key = "sk_test_0123456789abcdef0123"
	var out bytes.Buffer
	client, err := wrapper.New(wrapper.WithoutEnvKeys())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(client, Options{Secrets: []string{key}})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(&scrubHandler{inner: slog.NewTextHandler(&out, nil), scrub: srv.scrub})
	logger.With("k", key).Info("message "+key, "a", key, slog.Group("g", "b", key), "n", 3)
	if strings.Contains(out.String(), key) || !strings.Contains(out.String(), "[REDACTED]") || !strings.Contains(out.String(), "n=3") {
		t.Fatalf("log: %s", out.String())
	}
}
