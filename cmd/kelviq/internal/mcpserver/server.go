// Package mcpserver is the MCP server behind `kelviq mcp`: every operation
// of the API as a typed tool (the table in tools.gen.go is generated from
// openapi.json by internal/cmd/genmcp), our openapi.json and a short guide
// per tag as resources, and prompts for the common flows.
//
// Each tool call goes through wrapper.Client.Call, so the credential, the
// local checks, retries, limits, redaction and errors are the client's own.
// An API error or refused input comes back as a tool result with IsError
// set (status, message, field errors), never as a protocol error. Every
// text the server returns is passed through wrapper.Redact with the keys it
// knows, so no key reaches a result.
//
// The package lives under cmd/kelviq so that only the CLI links the MCP SDK.
package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kelviq/kelviq-go/internal/check"
	"github.com/kelviq/kelviq-go/wrapper"
)

// toolDef is one row of the generated table.
type toolDef struct {
	// Name is the operationId.
	Name string
	// Title is the spec's summary.
	Title string
	// Description says what the tool does and how to call it.
	Description string
	// Method is the operation's HTTP method.
	Method string
	// Tags are the operation's tags in the spec.
	Tags []string
	// ReadOnly, Idempotent and Destructive are the MCP hints that follow
	// from the method (see genmcp). Destructive false means "not stated".
	ReadOnly, Idempotent, Destructive bool
	// InputSchema is the tool's input, JSON Schema draft 2020-12.
	InputSchema string
}

// Tool arguments that are not parameters of the operation.
const (
	bodyArg = "body"
	orgArg  = "organization"
)

// Options configures New.
type Options struct {
	// Name and Version identify the server to clients.
	Name, Version string
	// ReadOnly exposes only the read-only tools.
	ReadOnly bool
	// Tools, when not empty, selects the tools by tag ("customers",
	// "plan-entitlements"; any letter case, spaces or hyphens) or by name
	// ("listCustomers").
	Tools []string
	// Secrets are values to remove from every result besides the client's
	// own redaction, e.g. the keys the client was built with.
	Secrets []string
	// Logger receives the server's own records (nil: none). Its messages
	// are redacted as results are.
	Logger *slog.Logger
	// MissingKey says how to provide a key the client lacks, e.g. "set
	// KELVIQ_SERVER_API_KEY"; nil names the wrapper's environment variables.
	MissingKey func(wrapper.Auth) string
}

// Server is the MCP server; it is safe for concurrent use.
type Server struct {
	mcp        *mcp.Server
	client     *wrapper.Client
	tools      []toolDef // the tools served, in table order
	missingKey func(wrapper.Auth) string

	mu      sync.Mutex
	secrets []string
	orgs    map[string]*wrapper.Client // by the organization argument as given
}

// New returns a server whose tools call client. It fails on an unknown
// --tools entry, naming the tags there are.
func New(client *wrapper.Client, opts Options) (*Server, error) {
	if client == nil {
		return nil, errors.New("mcpserver: a client is required")
	}
	selected, err := selectTools(opts.ReadOnly, opts.Tools)
	if err != nil {
		return nil, err
	}
	s := &Server{client: client, tools: selected, orgs: map[string]*wrapper.Client{}, missingKey: opts.MissingKey}
	if s.missingKey == nil {
		s.missingKey = func(a wrapper.Auth) string {
			env := wrapper.EnvServerKey
			if a == wrapper.AuthPartnerKey {
				env = wrapper.EnvPartnerKey
			}
			return "set " + env + " in the server's environment (the env of the MCP client's configuration)"
		}
	}
	for _, k := range opts.Secrets {
		s.addSecret(k)
	}
	name, version := opts.Name, opts.Version
	if name == "" {
		name = "kelviq"
	}
	if version == "" {
		version = wrapper.Version
	}
	var logger *slog.Logger
	if opts.Logger != nil {
		logger = slog.New(&scrubHandler{inner: opts.Logger.Handler(), scrub: s.scrub})
	}
	s.mcp = mcp.NewServer(&mcp.Implementation{Name: name, Title: "kelviq API", Version: version}, &mcp.ServerOptions{
		Instructions: instructions,
		Logger:       logger,
		Capabilities: &mcp.ServerCapabilities{}, // no logging capability: nothing is sent as log notifications
	})
	for _, t := range selected {
		tool, handler, err := s.tool(t)
		if err != nil {
			return nil, err
		}
		s.mcp.AddTool(tool, handler)
	}
	s.addResources()
	s.addPrompts()
	return s, nil
}

// MCP returns the SDK server, e.g. to Run it on a transport.
func (s *Server) MCP() *mcp.Server { return s.mcp }

// Run serves one session on t until the client disconnects or ctx ends.
func (s *Server) Run(ctx context.Context, t mcp.Transport) error { return s.mcp.Run(ctx, t) }

// ToolNames returns the names of the tools served, in table order.
func (s *Server) ToolNames() []string {
	out := make([]string, len(s.tools))
	for i, t := range s.tools {
		out[i] = t.Name
	}
	return out
}

// instructions tell the assistant how the tools fit together.
const instructions = `Each tool is one operation of the kelviq API, named by its operationId. ` +
	`Path and query parameters are arguments by their names in the spec; a request body goes in "body". ` +
	`Tools that act for an organization take "organization" (its UUID or your external ID for it) ` +
	`to act for a partner organization instead of the configured server key. ` +
	`Errors come back as results: read the status and the field errors, fix the input, and try again. ` +
	`Keys are never shown. Resources: kelviq://openapi.json (the contract) and kelviq://guides/{tag}.`

// tagSlug is a tag as --tools takes it: lower case, words joined by "-".
func tagSlug(tag string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(tag), func(r rune) bool {
		return r == ' ' || r == '-' || r == '_'
	}), "-")
}

// Tags returns every tag of the table as --tools takes it, sorted.
func Tags() []string {
	seen := map[string]bool{}
	for _, t := range toolDefs {
		for _, tg := range t.Tags {
			seen[tagSlug(tg)] = true
		}
	}
	out := make([]string, 0, len(seen))
	for tg := range seen {
		out = append(out, tg)
	}
	sort.Strings(out)
	return out
}

// selectTools applies --read-only and --tools to the table.
func selectTools(readOnly bool, sel []string) ([]toolDef, error) {
	wantTag, wantName := map[string]bool{}, map[string]bool{}
	for _, raw := range sel {
		for _, w := range strings.Split(raw, ",") {
			if w = strings.TrimSpace(w); w == "" {
				continue
			}
			if slices.ContainsFunc(toolDefs[:], func(t toolDef) bool { return t.Name == w }) {
				wantName[w] = true
				continue
			}
			slug := tagSlug(w)
			if !slices.Contains(Tags(), slug) {
				return nil, fmt.Errorf("--tools: %q is neither a tag nor a tool; the tags are %s", w, strings.Join(Tags(), ", "))
			}
			wantTag[slug] = true
		}
	}
	var out []toolDef
	for _, t := range toolDefs {
		if readOnly && !t.ReadOnly {
			continue
		}
		if len(wantTag)+len(wantName) > 0 && !wantName[t.Name] &&
			!slices.ContainsFunc(t.Tags, func(tg string) bool { return wantTag[tagSlug(tg)] }) {
			continue
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, errors.New("--tools and --read-only leave no tool to serve")
	}
	return out, nil
}

// tool makes the SDK tool and its handler for t.
func (s *Server) tool(t toolDef) (*mcp.Tool, mcp.ToolHandler, error) {
	resolved, err := resolveSchema(t)
	if err != nil {
		return nil, nil, err
	}
	op, ok := wrapper.LookupOperation(t.Name)
	if !ok {
		return nil, nil, fmt.Errorf("mcpserver: %s is not an operation of the client (regenerate)", t.Name)
	}
	ann := &mcp.ToolAnnotations{Title: t.Title, ReadOnlyHint: t.ReadOnly, IdempotentHint: t.Idempotent}
	if t.Destructive {
		ann.DestructiveHint = new(true)
	}
	tool := &mcp.Tool{
		Name:        t.Name,
		Title:       t.Title,
		Description: t.Description,
		InputSchema: json.RawMessage(t.InputSchema),
		Annotations: ann,
		Meta: mcp.Meta{
			"kelviq.com/tags":   slices.Clone(t.Tags),
			"kelviq.com/method": op.Method(),
			"kelviq.com/path":   op.Path(),
		},
	}
	return tool, func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return s.call(ctx, op, resolved, req.Params.Arguments), nil
	}, nil
}

// resolveSchema reads t's input schema for validating arguments.
func resolveSchema(t toolDef) (*jsonschema.Resolved, error) {
	var schema jsonschema.Schema
	if err := json.Unmarshal([]byte(t.InputSchema), &schema); err != nil {
		return nil, fmt.Errorf("mcpserver: %s: input schema: %w", t.Name, err)
	}
	resolved, err := schema.Resolve(nil)
	if err != nil {
		return nil, fmt.Errorf("mcpserver: %s: input schema: %w", t.Name, err)
	}
	return resolved, nil
}

// call runs one tool call; every outcome is a result.
func (s *Server) call(ctx context.Context, op wrapper.Operation, schema *jsonschema.Resolved, rawArgs json.RawMessage) *mcp.CallToolResult {
	if len(rawArgs) == 0 || string(rawArgs) == "null" {
		rawArgs = json.RawMessage("{}")
	}
	var instance any
	if err := json.Unmarshal(rawArgs, &instance); err != nil {
		return s.failure(map[string]any{"message": "the arguments are not JSON: " + err.Error()})
	}
	if err := schema.Validate(instance); err != nil {
		field, rule := schemaError(err)
		e := map[string]any{"message": "invalid arguments (nothing was sent): " + rule}
		if field != "" {
			e["field"] = field
			e["message"] = "invalid " + field + " (nothing was sent): " + rule
		}
		return s.failure(e)
	}
	var args map[string]json.RawMessage
	if err := json.Unmarshal(rawArgs, &args); err != nil {
		return s.failure(map[string]any{"message": "the arguments must be a JSON object"})
	}
	params := map[string]string{}
	var body, org json.RawMessage
	for name, v := range args {
		switch name {
		case bodyArg:
			body = v
		case orgArg:
			org = v
		default:
			p, err := paramValue(v)
			if err != nil {
				return s.failure(map[string]any{"field": name, "message": err.Error()})
			}
			params[name] = p
		}
	}
	client := s.client
	if org != nil {
		var ref string
		if err := json.Unmarshal(org, &ref); err != nil {
			return s.failure(map[string]any{"field": orgArg, "message": "must be a string"})
		}
		c, err := s.clientFor(ctx, ref)
		if err != nil {
			res := s.errorResult(err)
			res.Content = append(res.Content, &mcp.TextContent{Text: s.scrub(fmt.Sprintf(
				"The organization %q could not be used: the error above is from looking it up with the partner key.", ref))})
			return res
		}
		client = c
	}
	resp, err := client.Call(ctx, op.ID(), params, body)
	if err != nil {
		return s.errorResult(err)
	}
	return s.success(resp)
}

// schemaError takes the validator's "validating root: validating
// /properties/body: validating /properties/body/properties/x: rule" apart
// into the argument's dotted name ("body.x") and the rule.
func schemaError(err error) (field, rule string) {
	rule = err.Error()
	ptr := ""
	for {
		rest, ok := strings.CutPrefix(rule, "validating ")
		if !ok {
			break
		}
		i := strings.Index(rest, ": ")
		if i < 0 {
			break
		}
		if p := rest[:i]; p != "root" {
			ptr = p
		}
		rule = rest[i+2:]
	}
	var parts []string
	segs := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	for i := 0; i < len(segs); i++ {
		switch segs[i] {
		case "properties", "additionalProperties", "items", "":
			if segs[i] == "properties" && i+1 < len(segs) {
				i++
				parts = append(parts, segs[i])
			}
		default:
			parts = append(parts, segs[i])
		}
	}
	return strings.Join(parts, "."), rule
}

// paramValue is a parameter argument as Call takes it: strings as they
// are, numbers as written, booleans as true or false.
func paramValue(v json.RawMessage) (string, error) {
	var x any
	d := json.NewDecoder(strings.NewReader(string(v)))
	d.UseNumber()
	if err := d.Decode(&x); err != nil {
		return "", err
	}
	switch x := x.(type) {
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		if x {
			return "true", nil
		}
		return "false", nil
	}
	return "", errors.New("must be a string, a number or a boolean")
}

// clientFor returns the client that acts for the partner organization
// ref (a UUID or an external ID), looking it up with the partner key once.
func (s *Server) clientFor(ctx context.Context, ref string) (*wrapper.Client, error) {
	s.mu.Lock()
	c := s.orgs[ref]
	s.mu.Unlock()
	if c != nil {
		return c, nil
	}
	var (
		org *wrapper.PartnerOrganization
		err error
	)
	if _, perr := check.UUID("organization", ref); perr == nil { // the client's own UUID rule: anything else is an external ID
		org, err = s.client.Partner.Get(ctx, ref)
	} else {
		org, err = s.client.Partner.GetByExternalID(ctx, ref)
	}
	if err != nil {
		return nil, err
	}
	if c, err = s.client.ForOrganization(org); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addSecretLocked(org.ServerKey.Reveal())
	if prev := s.orgs[ref]; prev != nil {
		return prev, nil
	}
	s.orgs[ref] = c
	return c, nil
}

// success is a success response as content: the body (JSON as it came,
// redacted), a redirect's Location, or a line for an empty response.
func (s *Server) success(resp *wrapper.RawResponse) *mcp.CallToolResult {
	var text string
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode <= 399:
		b, _ := json.Marshal(map[string]any{"status": resp.StatusCode, "location": resp.Header.Get("Location")})
		text = string(b)
	case len(strings.TrimSpace(string(resp.Body))) == 0:
		text = fmt.Sprintf(`{"status":%d,"message":"done; the response has no body"}`, resp.StatusCode)
	default:
		text = string(resp.Body)
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s.scrub(text)}}}
}

// errorResult words err as a tool error: an API response with its status,
// message and field errors; refused input with the field and the rule; a
// missing key with the variable that sets it.
func (s *Server) errorResult(err error) *mcp.CallToolResult {
	var (
		apiErr  *wrapper.APIError
		valErr  *wrapper.ValidationError
		credErr *wrapper.CredentialError
	)
	e := map[string]any{}
	switch {
	case errors.As(err, &apiErr):
		e["status"] = apiErr.StatusCode
		e["statusText"] = http.StatusText(apiErr.StatusCode)
		e["message"] = apiErr.Message
		if len(apiErr.FieldErrors) > 0 {
			e["fieldErrors"] = apiErr.FieldErrors
		}
		e["operation"] = apiErr.OperationID
		e["request"] = apiErr.Method + " " + apiErr.Path
		e["attempts"] = apiErr.Attempts
	case errors.As(err, &valErr):
		e["field"] = valErr.Field
		e["message"] = strings.TrimPrefix(valErr.Error(), "kelviq: ") + " (nothing was sent)"
	case errors.As(err, &credErr):
		e["message"] = fmt.Sprintf("%s needs the %s, which this server was started without. Restart it after this: %s.",
			credErr.OperationID, credErr.Auth, s.missingKey(credErr.Auth))
	default:
		e["message"] = strings.TrimPrefix(err.Error(), "kelviq: ")
	}
	if _, ok := e["message"]; !ok || e["message"] == "" {
		e["message"] = strings.TrimPrefix(err.Error(), "kelviq: ")
	}
	return s.failure(e)
}

// failure is a tool error whose content is {"error": e}.
func (s *Server) failure(e map[string]any) *mcp.CallToolResult {
	b, err := json.Marshal(map[string]any{"error": e})
	if err != nil {
		b = []byte(`{"error":{"message":"the error could not be written as JSON"}}`)
	}
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: s.scrub(string(b))}}}
}

func (s *Server) addSecret(k string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addSecretLocked(k)
}

func (s *Server) addSecretLocked(k string) {
	if k = strings.TrimSpace(k); k != "" && !slices.Contains(s.secrets, k) {
		s.secrets = append(s.secrets, k)
	}
}

// scrub removes every key the server knows, and every credential member
// of JSON (serverKey and the like), from text.
func (s *Server) scrub(text string) string {
	s.mu.Lock()
	secrets := slices.Clone(s.secrets)
	s.mu.Unlock()
	return wrapper.Redact(text, secrets...)
}

// scrubHandler redacts the message and string attributes of each record.
type scrubHandler struct {
	inner slog.Handler
	scrub func(string) string
}

func (h *scrubHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h *scrubHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.scrub(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.inner.Handle(ctx, out)
}

func (h *scrubHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindGroup:
		var as []any
		for _, g := range v.Group() {
			as = append(as, h.attr(g))
		}
		return slog.Group(a.Key, as...)
	}
	return slog.String(a.Key, h.scrub(v.String()))
}

func (h *scrubHandler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(as))
	for i, a := range as {
		out[i] = h.attr(a)
	}
	return &scrubHandler{inner: h.inner.WithAttrs(out), scrub: h.scrub}
}

func (h *scrubHandler) WithGroup(name string) slog.Handler {
	return &scrubHandler{inner: h.inner.WithGroup(name), scrub: h.scrub}
}
