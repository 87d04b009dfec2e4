package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/wrapper"
)

// maxPages bounds --all, should a server never answer next: null.
const maxPages = 10000

// maxDataBytes bounds a --data body read from a file or stdin (8 MiB).
const maxDataBytes = 8 << 20

// paramFlag collects repeated -p NAME=VALUE flags.
type paramFlag struct{ list [][2]string }

func (p *paramFlag) String() string { return "" }

func (p *paramFlag) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return errors.New("must be NAME=VALUE")
	}
	p.list = append(p.list, [2]string{name, value})
	return nil
}

func callCommand() *command {
	return &command{
		name:    "call",
		summary: "call any API operation by its operationId",
		usage:   []string{"call OPERATION_ID [-p NAME=VALUE]... [--data JSON|@FILE|-] [--all]"},
		long: `Sends one request for the operation (see 'kelviq ops' for the list) and prints
the response body as indented JSON. -p fills the operation's path and query
parameters by their names in the spec. --data is the JSON request body, given
inline, read from FILE (@FILE) or from standard input (-); it is checked to be
valid JSON before anything is sent. A redirect (e.g. downloadCatalogPlanFile)
is not followed: its Location is printed.

With --all, a paginated list operation (one with page and page_size) is walked
page by page (page_size 100 unless -p page_size is given) until next is null,
and every item of every page is printed as one JSON array.

The credential is chosen from the spec: KELVIQ_PARTNER_KEY for the partner
operations, KELVIQ_SERVER_API_KEY for the others.

Examples:
  kelviq call listCustomers -p search=acme -p page_size=10
  kelviq call listCustomers --all
  kelviq call createCustomer --data '{"customerId": "cus-1", "email": "a@example.com"}'
  kelviq call updateCustomer -p customerId=cus-1 --data @patch.json`,
		setup: func(fs *flag.FlagSet) func(context.Context, *app, []string) error {
			params := &paramFlag{}
			fs.Var(params, "p", "set the path or query parameter `NAME=VALUE` (repeatable)")
			data := fs.String("data", "", "request body: `JSON`, @FILE or - for standard input")
			all := fs.Bool("all", false, "fetch every page of a paginated list and print one JSON array")
			return func(ctx context.Context, a *app, args []string) error {
				if len(args) == 0 {
					return usagef("missing OPERATION_ID (see 'kelviq ops')")
				}
				if len(args) > 1 {
					return usagef("unexpected argument %q", args[1])
				}
				op, ok := wrapper.LookupOperation(args[0])
				if !ok {
					return unknownOperation(args[0])
				}
				req, err := buildCall(op, params.list, isSet(fs, "data"), *data, *all, a.stdin)
				if err != nil {
					return err
				}
				if err := a.requireKey(op.Auth(), op.ID); err != nil {
					return err
				}
				c, err := a.client()
				if err != nil {
					return err
				}
				raw, ok := c.API().ClientInterface.(*api.Client)
				if !ok {
					return fmt.Errorf("internal error: the generated client is a %T, not *api.Client", c.API().ClientInterface)
				}
				if *all {
					return a.callAll(ctx, raw, op, req)
				}
				return a.callOnce(ctx, raw, op, req)
			}
		},
	}
}

func unknownOperation(id string) error {
	for _, op := range wrapper.Operations() {
		if strings.EqualFold(op.ID, id) {
			return usagef("unknown operation %q; did you mean %q?", id, op.ID)
		}
	}
	return usagef("unknown operation %q (run 'kelviq ops' for the list)", id)
}

// callRequest is a checked request, ready to send.
type callRequest struct {
	path   string // escaped, relative to the base URL
	query  url.Values
	header http.Header
	body   []byte // nil when none
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// buildCall checks the parameters and the body against the operation and
// builds the request. Every refusal is a usage error: nothing is sent.
func buildCall(op wrapper.Operation, params [][2]string, hasData bool, data string, all bool, stdin io.Reader) (*callRequest, error) {
	values := map[string]string{}
	for _, kv := range params {
		name, value := kv[0], kv[1]
		p, ok := findParam(op, name)
		if !ok {
			return nil, usagef("-p %s: %s has no parameter %q (%s)", name, op.ID, name, paramNames(op))
		}
		if _, dup := values[name]; dup {
			return nil, usagef("-p %s: given more than once", name)
		}
		v, err := checkParam(p, value)
		if err != nil {
			return nil, usagef("-p %s: %v", name, err)
		}
		values[name] = v
	}
	if all {
		if !op.Paginated() {
			return nil, usagef("--all: %s is not a paginated list (it takes no page and page_size)", op.ID)
		}
		if _, ok := values["page"]; ok {
			return nil, usagef("-p page: cannot be combined with --all, which walks every page")
		}
	}
	for _, p := range op.Params {
		if _, ok := values[p.Name]; !ok && p.Required {
			return nil, usagef("-p %s=VALUE is required: %s needs its %s parameter %q", p.Name, op.ID, p.In, p.Name)
		}
	}
	var segs []string
	for _, seg := range strings.Split(op.Path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			seg = url.PathEscape(values[seg[1:len(seg)-1]])
		}
		segs = append(segs, seg)
	}
	req := &callRequest{path: strings.Join(segs, "/"), query: url.Values{}, header: http.Header{}}
	for _, p := range op.Params {
		v, ok := values[p.Name]
		switch {
		case !ok:
		case p.In == "query":
			req.query.Set(p.Name, v)
		case p.In == "header":
			req.header.Set(p.Name, v)
		}
	}

	switch {
	case hasData && !op.HasBody:
		return nil, usagef("--data: %s takes no request body", op.ID)
	case !hasData && op.BodyRequired:
		return nil, usagef("--data is required: %s takes a JSON request body", op.ID)
	case hasData:
		body, err := readData(data, stdin)
		if err != nil {
			return nil, err
		}
		req.body = body
	}
	return req, nil
}

func findParam(op wrapper.Operation, name string) (wrapper.Param, bool) {
	for _, p := range op.Params {
		if p.Name == name {
			return p, true
		}
	}
	return wrapper.Param{}, false
}

func paramNames(op wrapper.Operation) string {
	if len(op.Params) == 0 {
		return "it takes no parameters"
	}
	names := make([]string, len(op.Params))
	for i, p := range op.Params {
		names[i] = p.Name
	}
	return "its parameters: " + strings.Join(names, ", ")
}

// checkParam validates a value against the parameter's schema and returns
// it as it is to be sent.
func checkParam(p wrapper.Param, v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", errors.New("must be valid UTF-8")
	}
	if strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return "", errors.New("must not contain control characters")
	}
	if p.In == "path" {
		switch v {
		case "":
			return "", errors.New("must not be empty")
		case ".", "..":
			return "", errors.New(`must not be "." or ".."`)
		}
	}
	switch p.Type {
	case "integer":
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return "", fmt.Errorf("%q is not an integer", v)
		}
		if p.Max > 0 && n > int64(p.Max) {
			return "", fmt.Errorf("must be at most %d", p.Max)
		}
		if (p.Name == "page" || p.Name == "page_size") && n < 1 {
			return "", errors.New("must be at least 1")
		}
		return strconv.FormatInt(n, 10), nil
	case "number":
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return "", fmt.Errorf("%q is not a number", v)
		}
	case "boolean":
		b, err := strconv.ParseBool(v)
		if err != nil {
			return "", fmt.Errorf("%q is not true or false", v)
		}
		return strconv.FormatBool(b), nil
	}
	switch p.Format {
	case "uuid":
		if !uuidRE.MatchString(v) {
			return "", fmt.Errorf("%q is not a UUID such as 8d3c1f9e-2b4a-4c6d-9e8f-0a1b2c3d4e5f", v)
		}
	case "date":
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			return "", fmt.Errorf("%q is not a date such as 2026-01-31", v)
		}
	}
	return v, nil
}

// readData returns the --data body: inline JSON, @FILE or - (stdin),
// checked to be valid JSON.
func readData(data string, stdin io.Reader) ([]byte, error) {
	var body []byte
	switch {
	case data == "-":
		b, err := io.ReadAll(io.LimitReader(stdin, maxDataBytes+1))
		if err != nil {
			return nil, usagef("--data -: reading standard input: %v", err)
		}
		body = b
	case strings.HasPrefix(data, "@"):
		name := data[1:]
		if name == "" {
			return nil, usagef("--data @FILE: missing file name")
		}
		f, err := os.Open(name)
		if err != nil {
			return nil, usagef("--data: %v", err)
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxDataBytes+1))
		if err != nil {
			return nil, usagef("--data: reading %s: %v", name, err)
		}
		body = b
	default:
		body = []byte(data)
	}
	if len(body) > maxDataBytes {
		return nil, usagef("--data: body is larger than %d bytes", maxDataBytes)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		if len(bytes.TrimSpace(body)) == 0 {
			return nil, usagef("--data: body is empty, not JSON")
		}
		return nil, usagef("--data: not valid JSON: %v", err)
	}
	return body, nil
}

// send sends one request through the wrapper's sender (credentials, edge
// routing, error mapping and limits) and returns the answer with its body.
func send(ctx context.Context, raw *api.Client, method string, r *callRequest) (*http.Response, []byte, error) {
	u, err := url.Parse(strings.TrimSuffix(raw.Server, "/") + r.path)
	if err != nil {
		return nil, nil, fmt.Errorf("building URL: %w", err)
	}
	u.RawQuery = r.query.Encode()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, nil, fmt.Errorf("building request: %w", err)
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := raw.Client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: reading response: %w", method, r.path, err)
	}
	return resp, b, nil
}

func (a *app) callOnce(ctx context.Context, raw *api.Client, op wrapper.Operation, r *callRequest) error {
	resp, body, err := send(ctx, raw, op.Method, r)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		loc := resp.Header.Get("Location")
		if loc == "" {
			return fmt.Errorf("%s: %d answer without a Location header", op.ID, resp.StatusCode)
		}
		_, err := fmt.Fprintln(a.stdout, a.scrub(loc))
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil // e.g. 204 No Content
	}
	v, err := decodeJSON(body)
	if err != nil { // not JSON: print it as it came
		_, err := io.WriteString(a.stdout, a.scrub(string(body)))
		return err
	}
	return a.writeJSON(a.redactValue(v))
}

func (a *app) callAll(ctx context.Context, raw *api.Client, op wrapper.Operation, r *callRequest) error {
	if r.query.Get("page_size") == "" {
		r.query.Set("page_size", "100")
	}
	items := []any{}
	for page := 1; ; page++ {
		if page > maxPages {
			return fmt.Errorf("%s: stopped after %d pages without next: null", op.ID, maxPages)
		}
		r.query.Set("page", strconv.Itoa(page))
		_, body, err := send(ctx, raw, op.Method, r)
		if err != nil {
			return err
		}
		v, err := decodeJSON(body)
		if err != nil {
			return fmt.Errorf("%s page %d: answer is not JSON: %w", op.ID, page, err)
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s page %d: answer is not a JSON object", op.ID, page)
		}
		results, ok := obj["results"].([]any)
		if !ok && obj["results"] != nil {
			return fmt.Errorf("%s page %d: answer's results is not a list", op.ID, page)
		}
		items = append(items, results...)
		if next, ok := obj["next"]; !ok || next == nil || len(results) == 0 {
			break
		}
	}
	return a.writeJSON(a.redactValue(items))
}
