package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/kelviqtest"
	"github.com/kelviq/kelviq-go/wrapper"
)

// The done-when test of `kelviq mcp`: the CLI, built and run as a
// subprocess with the environment `kelviq fake` prints, driven by the MCP
// Go SDK's own client. Every message both ways, and the server's standard
// error, are kept and searched for the keys.
func TestMCPSubprocessAgainstTheFake(t *testing.T) {
	bin := buildCLI(t).path
	fake, org, _ := setup(t, "mcp-subprocess")
	keys := []string{fake.PartnerKey(), org.ServerKey.Reveal()}
	cmd := exec.Command(bin, "mcp", "--retries", "0", "--verbose") // --verbose: every attempt and session record on stderr
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(), // no stored login
		"KELVIQ_BASE_URL=" + fake.URL(),
		"KELVIQ_PARTNER_KEY=" + keys[0],
		"KELVIQ_SERVER_API_KEY=" + keys[1],
	}
	stderr := &testkit.SyncBuffer{}
	cmd.Stderr = stderr
	traffic := &testkit.SyncBuffer{}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "kelviq-mcp-test", Version: "1"}, nil)
	session, err := client.Connect(ctx, &mcp.LoggingTransport{Transport: &mcp.CommandTransport{Command: cmd}, Writer: traffic}, nil)
	if err != nil {
		t.Fatalf("initialize: %v\nstderr: %s", err, stderr)
	}

	// initialize
	init := session.InitializeResult()
	if init.ServerInfo.Name != "kelviq" || init.ServerInfo.Version != wrapper.Version || init.Capabilities.Tools == nil {
		t.Fatalf("initialize: %+v", init)
	}

	// list tools: one per operation, each schema valid JSON Schema, hints from the method
	tools, err := session.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tools.Tools) != len(wrapper.Operations()) {
		t.Fatalf("%d tools, want one per operation (%d)", len(tools.Tools), len(wrapper.Operations()))
	}
	for _, tool := range tools.Tools {
		op, ok := wrapper.LookupOperation(tool.Name)
		if !ok {
			t.Errorf("tool %s is no operation", tool.Name)
			continue
		}
		raw, err := json.Marshal(tool.InputSchema)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		if err := c.AddResource(tool.Name+".json", doc); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Compile(tool.Name + ".json"); err != nil {
			t.Errorf("%s: input schema is not valid JSON Schema: %v", tool.Name, err)
		}
		a := tool.Annotations
		switch {
		case a == nil:
			t.Errorf("%s: no annotations", tool.Name)
		case op.Method() == "GET" && (!a.ReadOnlyHint || !a.IdempotentHint):
			t.Errorf("%s (GET): not read-only and idempotent", tool.Name)
		case op.Method() == "DELETE" && (a.ReadOnlyHint || a.DestructiveHint == nil || !*a.DestructiveHint):
			t.Errorf("%s (DELETE): not destructive", tool.Name)
		case op.Method() == "PATCH" && (a.ReadOnlyHint || !a.IdempotentHint):
			t.Errorf("%s (PATCH): not idempotent", tool.Name)
		case op.Method() == "POST" && (a.ReadOnlyHint || a.IdempotentHint):
			t.Errorf("%s (POST): marked read-only or idempotent", tool.Name)
		}
	}

	call := func(name string, args map[string]any) (bool, string) {
		t.Helper()
		res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
		if err != nil {
			t.Fatalf("%s: %v (a failure must be a result)\nstderr: %s", name, err, stderr)
		}
		var text strings.Builder
		for _, c := range res.Content {
			if tc, ok := c.(*mcp.TextContent); ok {
				text.WriteString(tc.Text)
			}
		}
		return res.IsError, text.String()
	}

	// a write
	customer := map[string]any{"customerId": "cus-mcp-7", "email": "grace@mcp-subprocess.example", "name": "Grace"}
	if isErr, text := call("createCustomer", map[string]any{"body": customer}); isErr || !strings.Contains(text, `"cus-mcp-7"`) {
		t.Fatalf("createCustomer: error %v: %s", isErr, text)
	}
	// a read that sees it
	isErr, text := call("listCustomers", map[string]any{"search": "grace", "page_size": 5})
	if isErr {
		t.Fatalf("listCustomers: %s", text)
	}
	var page struct {
		Count   int `json:"count"`
		Results []struct {
			CustomerID string `json:"customerId"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(text), &page); err != nil || page.Count != 1 || page.Results[0].CustomerID != "cus-mcp-7" {
		t.Fatalf("listCustomers: %v %s", err, text)
	}
	// a failing write: the API's field error comes back as content
	isErr, text = call("createCustomer", map[string]any{"body": customer})
	var failure struct {
		Error struct {
			Status      int                 `json:"status"`
			FieldErrors map[string][]string `json:"fieldErrors"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(text), &failure); err != nil || !isErr ||
		failure.Error.Status != 400 || len(failure.Error.FieldErrors["customerId"]) == 0 {
		t.Fatalf("duplicate createCustomer: error %v: %s (%v)", isErr, text, err)
	}
	// a partner read whose response holds server keys: redacted
	if isErr, text := call("listPartnerOrganizations", nil); isErr || !strings.Contains(text, `"mcp-subprocess"`) || !strings.Contains(text, "[REDACTED]") {
		t.Fatalf("listPartnerOrganizations: error %v: %s", isErr, text)
	}

	if err := session.Close(); err != nil {
		t.Logf("close: %v", err)
	}
	if !strings.Contains(stderr.String(), "createCustomer") {
		t.Errorf("--verbose logged no attempt: %s", stderr)
	}
	all := traffic.String() + stderr.String()
	if !strings.Contains(traffic.String(), `"method":"tools/call"`) {
		t.Fatalf("the traffic was not captured: %.300s", traffic.String())
	}
	for i, k := range keys {
		if strings.Contains(all, k) {
			t.Errorf("key %d appears in the MCP traffic or the server's stderr", i)
		}
	}
}

// The README's MCP client configuration is JSON that starts this command.
func TestREADMEMCPConfig(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```json\n(\\{\"mcpServers\".*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no MCP client configuration")
	}
	var cfg struct {
		MCPServers map[string]struct {
			Command string            `json:"command"`
			Args    []string          `json:"args"`
			Env     map[string]string `json:"env"`
		} `json:"mcpServers"`
	}
	if err := json.Unmarshal(m[1], &cfg); err != nil {
		t.Fatalf("the configuration is not JSON: %v", err)
	}
	s := cfg.MCPServers["kelviq"]
	if s.Command != "kelviq" || strings.Join(s.Args, " ") != "mcp" || s.Env[wrapper.EnvServerKey] == "" {
		t.Fatalf("configuration %+v does not run kelviq mcp with a server key", s)
	}
}

// The command's flags reach the server: --read-only with --tools customers
// serves listCustomers alone. Run in process, on pipes.
func TestMCPFlags(t *testing.T) {
	fake := kelviqtest.NewServer(t)
	env := map[string]string{"KELVIQ_BASE_URL": fake.URL(), "KELVIQ_PARTNER_KEY": fake.PartnerKey(), "HOME": t.TempDir()}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	stderr := &testkit.SyncBuffer{}
	done := make(chan int, 1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	go func() {
		done <- run(ctx, []string{"mcp", "--read-only", "--tools", "customers"}, inR, outW, stderr, func(k string) string { return env[k] })
		outW.Close()
	}()
	session, err := mcp.NewClient(&mcp.Implementation{Name: "flags", Version: "1"}, nil).Connect(ctx, &mcp.IOTransport{Reader: outR, Writer: inW}, nil)
	if err != nil {
		t.Fatalf("connect: %v\nstderr: %s", err, stderr)
	}
	tools, err := session.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range tools.Tools {
		names = append(names, tool.Name)
	}
	if strings.Join(names, ",") != "listCustomers" {
		t.Errorf("--read-only --tools customers serves %v, want listCustomers", names)
	}
	_ = session.Close()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}
