package wrapper_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kelviq/kelviq-go/wrapper"
)

// received is what the capturing server saw of one request.
type received struct {
	method, escapedPath, path string
	query                     url.Values
	body                      []byte
}

// capture is a server that records every request and responds with 200 {}.
type capture struct {
	mu  sync.Mutex
	got []received
}

func (c *capture) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	c.got = append(c.got, received{method: r.Method, escapedPath: r.URL.EscapedPath(), path: r.URL.Path, query: r.URL.Query(), body: b})
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"results": [], "next": null}`)
}

func (c *capture) take() []received {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.got
	c.got = nil
	return out
}

func newCaptureClient(t *testing.T) (*wrapper.Client, *capture, string) {
	t.Helper()
	c := &capture{}
	client, _ := setup(t, withHandler(c.ServeHTTP), withoutEdgeURL(), // edge calls go to the base URL too
		withKeys("kvqp_test_hostile", "sk_test_hostile"), withOptions(wrapper.WithMaxRetries(0)))
	return client, c, svcAPIPrefix
}

// hostileValues are parameter values a caller might pass through Call.
var hostileValues = map[string]string{
	"ampersand":      "a&page=2",
	"hash":           "a#frag",
	"percent":        "100%",
	"percent-escape": "a%2Fb",
	"slash":          "a/b",
	"question":       "a?b=c",
	"space":          "a b",
	"plus":           "a+b",
	"unicode":        "Zoë–✓",
	"CRLF":           "a\r\nX-Injected: 1",
	"NUL":            "a\x00b",
	"invalid UTF-8":  "a\xffb",
	"dot":            ".",
	"dotdot":         "..",
	"long":           strings.Repeat("L", 10000),
	"empty":          "",
}

// validFor fills every required parameter of an operation with a valid
// value.
func validFor(op wrapper.Operation) map[string]string {
	params := map[string]string{}
	for _, p := range op.Params() {
		if p.Required {
			params[p.Name] = validValue(p)
		}
	}
	return params
}

func validValue(p wrapper.Param) string {
	switch {
	case p.Format == "uuid":
		return "8d3c1f9e-2b4a-4c6d-9e8f-0a1b2c3d4e5f"
	case p.Type == "integer":
		return "1"
	case p.Type == "boolean":
		return "true"
	case p.Format == "date":
		return "2026-01-31"
	}
	return "plain-value"
}

// expectedPath is the operation's path with params filled in, as the
// server decodes it.
func expectedPath(prefix string, op wrapper.Operation, params map[string]string) string {
	path := op.Path()
	for _, p := range op.Params() {
		if p.In == "path" {
			path = strings.Replace(path, "{"+p.Name+"}", params[p.Name], 1)
		}
	}
	return prefix + path
}

// checkSent asserts that exactly one request was sent, to the operation's
// method and path with exactly params' query values, or none when err is
// a *ValidationError naming field.
func checkSent(t *testing.T, where string, c *capture, prefix string, op wrapper.Operation, params map[string]string, body []byte, err error, field string) {
	t.Helper()
	got := c.take()
	var ve *wrapper.ValidationError
	if errors.As(err, &ve) {
		if len(got) != 0 {
			t.Errorf("%s: refused (%v) but %d requests were sent", where, err, len(got))
		}
		if field != "" && ve.Field != field {
			t.Errorf("%s: the error names %q, want %q: %v", where, ve.Field, field, err)
		}
		if ve.Rule == "" {
			t.Errorf("%s: the error names no rule", where)
		}
		return
	}
	if err != nil {
		t.Errorf("%s: neither sent nor refused with a *ValidationError: %v", where, err)
		return
	}
	if len(got) != 1 {
		t.Errorf("%s: %d requests sent, want 1", where, len(got))
		return
	}
	r := got[0]
	if r.method != op.Method() {
		t.Errorf("%s: sent as %s, want %s", where, r.method, op.Method())
	}
	if want := expectedPath(prefix, op, params); r.path != want {
		t.Errorf("%s: sent to %q (escaped %q), want %q", where, r.path, r.escapedPath, want)
	}
	if n, want := strings.Count(r.escapedPath, "/"), strings.Count(prefix+op.Path(), "/"); n != want {
		t.Errorf("%s: the escaped path %q has %d segments' slashes, want %d", where, r.escapedPath, n, want)
	}
	wantQ := url.Values{}
	for _, p := range op.Params() {
		if v, ok := params[p.Name]; ok && p.In == "query" {
			wantQ.Set(p.Name, v)
		}
	}
	if fmt.Sprint(r.query) != fmt.Sprint(wantQ) {
		t.Errorf("%s: query %v, want exactly %v", where, r.query, wantQ)
	}
	if body != nil && !bytes.Equal(r.body, body) {
		t.Errorf("%s: body %q, want %q", where, r.body, body)
	}
}

// TestCallParametersHostile: every operation, every string parameter
// (path and query), every hostile value: refused before sending with a
// *ValidationError naming the parameter, or sent to the operation's own
// method and path with that value in its own segment or query parameter,
// byte for byte, and nothing else added.
func TestCallParametersHostile(t *testing.T) {
	client, c, prefix := newCaptureClient(t)
	ctx := context.Background()
	sent, refused := 0, 0
	for _, op := range wrapper.Operations() {
		var body []byte
		if op.BodyRequired() {
			body = []byte(`{}`)
		}
		for _, p := range op.Params() {
			if p.Type != "string" || p.Format != "" {
				continue
			}
			for _, name := range slices.Sorted(mapsKeys(hostileValues)) {
				v := hostileValues[name]
				params := validFor(op)
				params[p.Name] = v
				_, err := client.Call(ctx, op.ID(), params, body)
				where := fmt.Sprintf("%s %s=%s", op.ID(), p.Name, name)
				checkSent(t, where, c, prefix, op, params, body, err, p.Name)
				if err != nil {
					refused++
				} else {
					sent++
				}
				// Values a server cannot tell from another request must be refused.
				switch {
				case p.In == "path" && (v == "" || v == "." || v == ".." || strings.ContainsAny(v, "\r\n\x00")),
					strings.ContainsRune(v, 0), name == "invalid UTF-8",
					p.MaxLength > 0 && len(v) > p.MaxLength, len(v) > 4096:
					if err == nil {
						t.Errorf("%s: sent, want refused", where)
					}
				}
			}
		}
	}
	t.Logf("hostile parameter values: %d sent exactly, %d refused before sending", sent, refused)
	if sent == 0 || refused == 0 {
		t.Errorf("sent %d, refused %d: the cases do not reach both outcomes", sent, refused)
	}
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestCallNamesHostile: unknown parameter names (also the spec's names in
// another case or style) and operation IDs in another case are refused
// before sending, naming the parameter or "operationId".
func TestCallNamesHostile(t *testing.T) {
	client, c, _ := newCaptureClient(t)
	ctx := context.Background()
	for _, id := range []string{"createcustomer", "CREATECUSTOMER", "CreateCustomer", " createCustomer", "createCustomer\n", "createCustomer/../listCustomers", ""} {
		_, err := client.Call(ctx, id, nil, []byte(`{}`))
		if !errors.Is(err, wrapper.ErrUnknownOperation) {
			t.Errorf("Call(%q): %v, want ErrUnknownOperation", id, err)
		}
		var ve *wrapper.ValidationError
		if !errors.As(err, &ve) || ve.Field != "operationId" {
			t.Errorf("Call(%q): %v, want a *ValidationError for operationId", id, err)
		}
		if strings.EqualFold(strings.TrimSpace(id), "createCustomer") && !strings.Contains(err.Error(), `"createCustomer"`) {
			t.Errorf("Call(%q): the error does not name createCustomer: %v", id, err)
		}
		for _, err := range client.CallAll(ctx, strings.ToLower("listCustomers"), nil) {
			if !errors.Is(err, wrapper.ErrUnknownOperation) {
				t.Errorf("CallAll(listcustomers): %v", err)
			}
		}
	}
	for _, name := range []string{"pageSize", "PAGE_SIZE", "page_size ", "page_size\x00", "customerId", "search[]", "&page"} {
		_, err := client.Call(ctx, "listCustomers", map[string]string{name: "1"}, nil)
		var ve *wrapper.ValidationError
		if !errors.As(err, &ve) || ve.Field != name {
			t.Errorf("listCustomers with parameter %q: %v", name, err)
		}
	}
	if got := c.take(); len(got) != 0 {
		t.Errorf("%d requests were sent for refused calls", len(got))
	}
}

// TestCallBodiesHostile: a body that is not exactly one JSON value, has a
// key twice, is over 1 MiB or nests past 64 levels is refused before
// sending, naming "body"; anything else is sent byte for byte.
func TestCallBodiesHostile(t *testing.T) {
	client, c, prefix := newCaptureClient(t)
	ctx := context.Background()
	op, _ := wrapper.LookupOperation("createCustomer")
	nest := func(n int) []byte { return []byte(strings.Repeat("[", n) + strings.Repeat("]", n)) }
	cases := []struct {
		name   string
		body   []byte
		refuse bool
	}{
		{"not JSON", []byte(`{"customerId": `), true},
		{"two values", []byte(`{} {}`), true},
		{"trailing comma", []byte(`{"a": 1,}`), true},
		{"duplicate keys", []byte(`{"customerId": "a", "customerId": "b"}`), true},
		{"duplicate keys nested", []byte(`{"metadata": {"k": 1, "x": [{"k": 1, "k": 2}]}}`), true},
		{"duplicate keys by escape", []byte(`{"a": 1, "\u0061": 2}`), true},
		{"same key in two objects", []byte(`{"a": {"k": 1}, "b": {"k": 1}, "k": 3}`), false},
		{"64 levels", nest(64), false},
		{"65 levels", nest(65), true},
		{"10,000 levels", nest(10000), true},
		{"100,000 levels", nest(100000), true},
		{"1 MiB", append(append([]byte(`{"name": "`), bytes.Repeat([]byte("x"), 1<<20-13)...), `"}`...), false},
		{"over 1 MiB", append(append([]byte(`{"name": "`), bytes.Repeat([]byte("x"), 1<<20)...), `"}`...), true},
		{"invalid UTF-8", []byte("{\"name\": \"\xff\"}"), true},
		{"unicode and escapes", []byte(`{"name": "Zoë \u2713 \"q\" \\ /", "customerId": "c-1"}`), false},
	}
	for _, tc := range cases {
		_, err := client.Call(ctx, "createCustomer", nil, tc.body)
		checkSent(t, tc.name, c, prefix, op, nil, tc.body, err, "body")
		if tc.refuse != (err != nil) {
			t.Errorf("%s (%d bytes): err = %v, want refused %v", tc.name, len(tc.body), err, tc.refuse)
		}
	}
}
