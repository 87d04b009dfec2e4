package kelviqtest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/kelviqtest"
)

// hostileCase is one kind of bad request.
type hostileCase struct {
	name string
	// body, contentType: the request body and its Content-Type ("" for none).
	body        []byte
	contentType string
	// query replaces the step's query; pathTail is appended to the step's
	// first path parameter value.
	query    string
	pathEdit func(string) string
	// mayPass: the case can be a valid request for some operations (an
	// empty object for a PATCH): it must then not be a 5xx, and need not
	// be a 4xx.
	mayPass bool
}

func nested(n int, open, close string) []byte {
	return []byte(strings.Repeat(open, n) + "1" + strings.Repeat(close, n))
}

// wrongTypes is a body that sets every property of the operation's
// request schema to a value of another type.
func wrongTypes(schema *openapi3.Schema) []byte {
	obj := map[string]any{}
	for name, ref := range schema.Properties {
		switch s := ref.Value; {
		case s == nil:
		case s.Type.Is(openapi3.TypeBoolean):
			obj[name] = "not a boolean"
		case s.Type.Is(openapi3.TypeString):
			obj[name] = map[string]any{"nested": []any{1, 2}}
		default:
			obj[name] = true
		}
	}
	b, _ := json.Marshal(obj)
	return b
}

// requestSchema is the operation's JSON request body schema, or nil.
func requestSchema(chk *checker, opID string) *openapi3.Schema {
	for _, item := range chk.doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.OperationID != opID || op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
				return mt.Schema.Value
			}
		}
	}
	return nil
}

// TestHostileInput sends, to every operation of the operation table, with
// the right credential and the path of a real object, bodies and
// parameters no client should send: each response is a 4xx with a JSON
// message (never a 5xx, never a dropped connection), and the server still
// serves a valid request afterwards.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	chk := newChecker(t)
	srv := kelviqtest.NewServer(t)
	vars := map[string]string{}
	runScenario(t, srv, scenario(), referenceStyle, vars)
	byOp := scenarioByOperation(t, chk)

	bodyCases := []hostileCase{
		{name: "not JSON", body: []byte(`{"customerId": `), contentType: "application/json"},
		{name: "a JSON array", body: []byte(`[1, 2]`), contentType: "application/json"},
		{name: "a JSON string", body: []byte(`"text"`), contentType: "application/json"},
		{name: "JSON null", body: []byte(`null`), contentType: "application/json"},
		{name: "trailing garbage", body: []byte(`{} {}`), contentType: "application/json"},
		{name: "invalid UTF-8 in a key", body: []byte("{\"\xff\xfe\": 1}"), contentType: "application/json"},
		{name: "invalid UTF-8 in a value", body: []byte("{\"name\": \"\xc3\x28\", \"customerId\": \"\xff\"}"), contentType: "application/json"},
		{name: "10,000 nested objects", body: nested(10000, `{"a":`, `}`), contentType: "application/json"},
		{name: "10,000 nested arrays", body: nested(10000, `[`, `]`), contentType: "application/json"},
		{name: "100,000 nested arrays", body: nested(100000, `[`, `]`), contentType: "application/json"},
		{name: "2 MiB body", body: append(append([]byte(`{"name": "`), bytes.Repeat([]byte("x"), 2<<20)...), `"}`...), contentType: "application/json"},
		{name: "text/plain", body: []byte(`{}`), contentType: "text/plain"},
		{name: "application/xml", body: []byte(`<a/>`), contentType: "application/xml"},
		{name: "multipart", body: []byte("--x\r\n\r\n--x--\r\n"), contentType: "multipart/form-data; boundary=x"},
		{name: "form", body: []byte(`a=1`), contentType: "application/x-www-form-urlencoded"},
		{name: "a bad Content-Type", body: []byte(`{}`), contentType: "application/json; ===="},
		{name: "an empty object", body: []byte(`{}`), contentType: "application/json", mayPass: true},
	}
	queryCases := []hostileCase{
		{name: "page not an integer", query: "page=abc&page_size=x", mayPass: true},
		{name: "page beyond int64", query: "page=99999999999999999999999&page_size=-5", mayPass: true},
		{name: "invalid UTF-8 in the query", query: "customer_id=%ff%fe&search=%c3%28&status=%ff&feature_id=%ff&promotion_id=%ff&external_id=%ff&billing_type=%ff"},
		{name: "an invalid UTF-8 query name", query: "%ff=1"},
		{name: "NUL and CRLF in the query", query: "customer_id=a%00b&search=a%0d%0ab&promotion_id=%00&external_id=%0d%0a", mayPass: true},
		{name: "a 60 KiB query value", query: "customer_id=" + strings.Repeat("q", 60<<10) + "&search=" + strings.Repeat("q", 100), mayPass: true},
	}
	pathCases := []hostileCase{
		{name: "invalid UTF-8 in the path", pathEdit: func(v string) string { return v + "%ff" }},
		{name: "NUL in the path", pathEdit: func(v string) string { return v + "%00" }},
		{name: "a 60 KiB path value", pathEdit: func(v string) string { return v + strings.Repeat("p", 60<<10) }},
		{name: "an encoded slash in the path", pathEdit: func(v string) string { return v + "%2F..%2F" }},
	}

	tried := 0
	for _, op := range api.Operations() {
		steps := byOp[op.ID()]
		if len(steps) == 0 {
			t.Errorf("%s: no scenario request to start from", op.ID())
			continue
		}
		sp := steps[0]
		cases := append([]hostileCase{}, queryCases...)
		if op.HasBody() {
			cases = append(cases, bodyCases...)
			if s := requestSchema(chk, op.ID()); s != nil && len(s.Properties) > 0 {
				cases = append(cases, hostileCase{name: "every field of the wrong type", body: wrongTypes(s), contentType: "application/json"})
				if len(s.Required) > 0 {
					cases = append(cases, hostileCase{name: "required fields missing", body: []byte(`{}`), contentType: "application/json"})
				}
			}
		}
		pathParams := 0
		for _, p := range op.Params() {
			if p.In == "path" {
				pathParams++
			}
		}
		if pathParams > 0 {
			cases = append(cases, pathCases...)
		}
		for _, c := range cases {
			tried++
			status, body := sendHostile(t, srv, op, sp, vars, c)
			where := fmt.Sprintf("%s, %s", op.ID(), c.name)
			switch {
			case status >= 500:
				t.Errorf("%s: %d: %.300s", where, status, body)
			case status < 400 && !c.mayPass:
				t.Errorf("%s: %d, want a 4xx: %.300s", where, status, body)
			case status >= 400 && !json.Valid(body):
				t.Errorf("%s: %d with a body that is not a JSON message: %.300s", where, status, body)
			case status >= 400 && len(body) < 10:
				t.Errorf("%s: %d with no message: %s", where, status, body)
			}
		}
	}
	t.Logf("%d hostile requests over %d operations", tried, len(api.Operations()))

	// Still serving.
	code, _, body := rawDo(t, "GET", srv.URL()+"/customers/", http.Header{"Authorization": {"Bearer " + vars["key"]}}, nil)
	if code != http.StatusOK {
		t.Fatalf("after the hostile requests: %d %s", code, body)
	}
}

// sendHostile sends one hostile case for an operation, built on a valid
// scenario step.
func sendHostile(t *testing.T, srv *kelviqtest.Server, op api.Operation, sp step, vars map[string]string, c hostileCase) (int, []byte) {
	t.Helper()
	path := expand(sp.path, vars)
	if c.pathEdit != nil {
		// Edit the first path parameter's value: the segment of the
		// template that holds a {name} or a literal object name.
		tmpl := strings.Split(strings.Trim(op.Path(), "/"), "/")
		segs := strings.Split(strings.Trim(path, "/"), "/")
		for i, seg := range tmpl {
			if strings.HasPrefix(seg, "{") && i < len(segs) {
				segs[i] = c.pathEdit(segs[i])
				break
			}
		}
		path = "/" + strings.Join(segs, "/")
		if strings.HasSuffix(op.Path(), "/") {
			path += "/"
		}
	}
	u := srv.URL() + path
	switch {
	case c.query != "":
		u += "?" + c.query
	case len(sp.query) > 0:
		q := url.Values{}
		for k, v := range sp.query {
			q.Set(k, expand(v, vars))
		}
		u += "?" + q.Encode()
	}
	header := http.Header{}
	switch op.Auth() {
	case api.AuthPartnerKey:
		header.Set("X-Kelviq-Partner-Key", srv.PartnerKey())
	case api.AuthServerKey:
		header.Set("Authorization", "Bearer "+vars["key"])
	}
	body := c.body
	if c.body == nil && sp.body != nil {
		b, err := json.Marshal(expandAny(sp.body, vars))
		if err != nil {
			t.Fatal(err)
		}
		body = b
		header.Set("Content-Type", "application/json")
	}
	if c.contentType != "" {
		header.Set("Content-Type", c.contentType)
	}
	code, _, got := rawDo(t, sp.method, u, header, body)
	return code, got
}
