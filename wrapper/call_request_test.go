package wrapper_test

// Call builds its requests from the operation table (api.Client.SendOperation),
// the service methods with their generated builders: these tests hold the two
// to the same bytes on the wire, and CallAll to one check per walk.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/oapi-codegen/nullable"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/wrapper"
)

// wireRequest is one request exactly as it reached the server.
type wireRequest struct {
	method, host, uri string // uri: the request line's target, unparsed
	length            int64
	header            http.Header
	body              []byte
}

// wireServer is setup's server and client, the server also recording each
// request as it came (withWatcher), whatever responds to it.
func wireServer(t *testing.T) (*wrapper.Client, *testServer, func() []wireRequest) {
	t.Helper()
	var mu sync.Mutex
	var got []wireRequest
	c, s := setup(t, withWatcher(func(r *http.Request, req testRequest) {
		mu.Lock()
		got = append(got, wireRequest{r.Method, r.Host, r.RequestURI, r.ContentLength, r.Header.Clone(), req.Body})
		mu.Unlock()
	}))
	take := func() []wireRequest {
		mu.Lock()
		defer mu.Unlock()
		out := got
		got = nil
		return out
	}
	return c, s, take
}

// callParams reads back, from the request a service method sent for op,
// the parameters Call is given for the same request: each path segment
// unescaped, each query value decoded. Values whose text the typed builder
// writes in one canonical form are given to Call in another (a UUID in
// upper case, an integer as "+0n", a boolean in upper case), so that Call
// must canonicalise them as the typed path does; changed counts them.
func callParams(t *testing.T, op wrapper.Operation, r wireRequest, prefix string) (params map[string]string, changed int) {
	t.Helper()
	u, err := url.ParseRequestURI(r.uri)
	if err != nil {
		t.Fatal(err)
	}
	params = map[string]string{}
	got := strings.Split(strings.TrimPrefix(u.EscapedPath(), prefix), "/")
	want := strings.Split(op.Path(), "/")
	if len(got) != len(want) {
		t.Fatalf("%s: path %s does not fit %s", op.ID(), u.EscapedPath(), op.Path())
	}
	for i, w := range want {
		if strings.HasPrefix(w, "{") {
			v, err := url.PathUnescape(got[i])
			if err != nil {
				t.Fatal(err)
			}
			params[strings.Trim(w, "{}")] = v
		}
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		t.Fatal(err)
	}
	for name, vs := range q {
		params[name] = vs[0]
	}
	for _, p := range op.Params() {
		v, ok := params[p.Name]
		if !ok {
			continue
		}
		switch {
		case p.Format == "uuid":
			params[p.Name] = strings.ToUpper(v)
		case p.Type == "integer" && !strings.HasPrefix(v, "-"):
			params[p.Name] = "+0" + v
		case p.Type == "boolean":
			params[p.Name] = strings.ToUpper(v)
		default:
			continue
		}
		changed++
	}
	return params, changed
}

// TestCallSendsWhatServicesSend: for every operation, the request its
// service method sends and the one Call sends for the same inputs are the
// same bytes: method, host, request target (path and query, escapes
// included), every header, Content-Length and body. It also covers path
// and query values with characters to escape, and UUIDs, integers and
// booleans given to Call in a non-canonical form.
func TestCallSendsWhatServicesSend(t *testing.T) {
	c, _, take := wireServer(t)
	ctx := context.Background()
	odd := "a&b=c +%ä#/?\u00a0;,"
	upper := strings.ToUpper(svcUUID1) // the service method canonicalises it too
	calls := append(svcCalls(),
		svcCall{op: "listCustomers", call: func(ctx context.Context, c *wrapper.Client) error {
			_, err := c.Customers.List(ctx, &api.ListCustomersParams{Search: new(odd), PageSize: new(7)})
			return err
		}},
		svcCall{op: "updateCustomer", call: func(ctx context.Context, c *wrapper.Client) error {
			_, err := c.Customers.Update(ctx, odd+"%2F..", api.CustomerUpdateRequest{Name: nullable.NewNullableWithValue(odd)})
			return err
		}},
		svcCall{op: "cancelSubscription", call: func(ctx context.Context, c *wrapper.Client) error {
			_, err := c.Subscriptions.Cancel(ctx, upper, api.CancelSubscriptionRequest{CancellationType: api.IMMEDIATE})
			return err
		}},
	)
	seen, changed := map[string]bool{}, 0
	for _, tc := range calls {
		op, ok := wrapper.LookupOperation(tc.op)
		if !ok {
			t.Fatalf("no operation %s", tc.op)
		}
		if err := tc.call(ctx, c); err != nil {
			t.Fatalf("%s through its service method: %v", tc.op, err)
		}
		typed := take()
		if len(typed) != 1 {
			t.Fatalf("%s: the service method sent %d requests", tc.op, len(typed))
		}
		prefix := svcAPIPrefix
		if op.OwnServers() {
			prefix = svcEdgePrefix
		}
		params, n := callParams(t, op, typed[0], prefix)
		changed += n
		var body []byte
		if op.HasBody() {
			body = typed[0].body
		}
		if _, err := c.Call(ctx, tc.op, params, body); err != nil {
			t.Fatalf("Call(%s, %v): %v", tc.op, params, err)
		}
		called := take()
		if len(called) != 1 {
			t.Fatalf("%s: Call sent %d requests", tc.op, len(called))
		}
		if !reflect.DeepEqual(called[0], typed[0]) {
			t.Errorf("%s: Call sent\n  %+v\nthe service method\n  %+v", tc.op, called[0], typed[0])
		}
		seen[tc.op] = true
	}
	for _, op := range wrapper.Operations() {
		if !seen[op.ID()] {
			t.Errorf("%s was not compared", op.ID())
		}
	}
	if changed < 20 {
		t.Errorf("only %d values were given to Call in a non-canonical form", changed)
	}
}

// TestCallAllChecksOnce: CallAll checks the operation and params once,
// before the first page: a bad page_size or a page is refused before any
// request, and once the walk has begun each page only sets page and
// page_size on the values checked then (the caller's map, changed between
// pages to a value the check refuses, is neither re-read nor re-checked).
func TestCallAllChecksOnce(t *testing.T) {
	c, srv, take := wireServer(t)
	ctx := context.Background()
	for _, params := range []map[string]string{{"page_size": "101"}, {"page_size": "0"}, {"page": "2"}, {"search": "a\x00"}, {"pageSize": "5"}} {
		n := 0
		var err error
		for _, err = range c.CallAll(ctx, "listCustomers", params) {
			n++
		}
		var ve *wrapper.ValidationError
		if n != 1 || !errors.As(err, &ve) {
			t.Errorf("CallAll(%v): %d results, last error %v; want one *ValidationError", params, n, err)
		}
		if got := take(); len(got) != 0 {
			t.Errorf("CallAll(%v) sent %d requests before refusing", params, len(got))
		}
	}

	srv.setResponder(func(w http.ResponseWriter, r *http.Request, req testRequest) bool {
		w.Header().Set("Content-Type", "application/json")
		if req.Query.Get("page") == "1" {
			_, _ = io.WriteString(w, `{"results": [{"n": 1}], "next": "more"}`)
		} else {
			_, _ = io.WriteString(w, `{"results": [{"n": 2}], "next": null}`)
		}
		return true
	})
	params := map[string]string{"search": "ada lovelace", "page_size": "+07"}
	var items []string
	for item, err := range c.CallAll(ctx, "listCustomers", params) {
		if err != nil {
			t.Fatalf("CallAll: %v", err)
		}
		items = append(items, string(item))
		params["search"] = "bad\x00" // Call would refuse it: the walk must not see it
	}
	if len(items) != 2 {
		t.Fatalf("items %v, want one of each page", items)
	}
	got := take()
	if len(got) != 2 {
		t.Fatalf("%d requests, want 2", len(got))
	}
	for i, r := range got {
		if want := svcAPIPrefix + "/customers/?search=ada+lovelace&page_size=7&page=" + string(rune('1'+i)); r.uri != want {
			t.Errorf("page %d: %s, want %s", i+1, r.uri, want)
		}
	}
}
