package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// opDoer is a Doer (and OperationDoer) that records what it is handed.
type opDoer struct {
	reqs []*http.Request
	ops  []Operation
}

func (d *opDoer) Do(*http.Request) (*http.Response, error) {
	return nil, errors.New("Do called: an OperationDoer is told the operation")
}

func (d *opDoer) DoOperation(req *http.Request, op Operation) (*http.Response, error) {
	d.reqs, d.ops = append(d.reqs, req), append(d.ops, op)
	return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
}

// TestSendOperation: SendOperation puts each path value in its segment
// (escaped by PathSegment), the query values in the table's order,
// query-escaped, the body as JSON, and hands the request to the
// OperationDoer with its operation, through the client's request editors.
func TestSendOperation(t *testing.T) {
	t.Parallel()
	d := &opDoer{}
	edited := 0
	c, err := NewClient("https://h.example/api/v1", WithHTTPClient(d), WithOperationServer("https://edge.example/v1"),
		WithRequestEditorFn(func(context.Context, *http.Request) error { edited++; return nil }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cases := []struct {
		op     Operation
		values map[string]string
		body   []byte
		url    string
	}{
		{OperationListCustomers, map[string]string{"page": "2", "search": "a&b=c ä", "page_size": "5"}, nil,
			"https://h.example/api/v1/customers/?search=a%26b%3Dc+%C3%A4&page_size=5&page=2"},
		{OperationUpdateCustomer, map[string]string{"customerId": "c/1 ä"}, []byte(`{"name":"Ada"}`),
			"https://h.example/api/v1/customers/c%2F1%20%C3%A4/"},
		{OperationDeleteCatalogPlanFeature, map[string]string{"identifier": "p-1", "feature_id": "f-2"}, nil,
			"https://h.example/api/v1/catalog/plans/p-1/features/f-2/"},
		{OperationGetCustomerEntitlements, map[string]string{"feature_id": "f 1", "customer_id": "c+1"}, nil,
			"https://edge.example/v1/entitlements/?customer_id=c%2B1&feature_id=f+1"},
	}
	for _, tc := range cases {
		if _, err := c.SendOperation(ctx, tc.op, tc.values, tc.body); err != nil {
			t.Fatalf("%s: %v", tc.op, err)
		}
		req, op := d.reqs[len(d.reqs)-1], d.ops[len(d.ops)-1]
		if op != tc.op || req.Method != tc.op.Method() {
			t.Errorf("%s: sent %s as %s", tc.op, req.Method, op)
		}
		if req.URL.String() != tc.url {
			t.Errorf("%s: URL %s, want %s", tc.op, req.URL, tc.url)
		}
		var got []byte
		if req.Body != nil {
			got, _ = io.ReadAll(req.Body)
		}
		if string(got) != string(tc.body) || (tc.op.HasBody() != (req.Header.Get("Content-Type") == "application/json")) {
			t.Errorf("%s: body %q, Content-Type %q", tc.op, got, req.Header.Get("Content-Type"))
		}
	}
	if edited != len(d.reqs) || edited == 0 {
		t.Errorf("request editors ran %d times for %d requests", edited, len(d.reqs))
	}

	sent := len(d.reqs)
	bad := []struct {
		op     Operation
		values map[string]string
		body   []byte
		field  string
	}{
		{OperationUpdateCustomer, map[string]string{}, nil, "customerId"},
		{OperationUpdateCustomer, map[string]string{"customerId": ".."}, nil, "customerId"},
		{OperationDeleteCatalogPlanFeature, map[string]string{"identifier": "p", "feature_id": ""}, nil, "feature_id"},
		{OperationListCustomers, map[string]string{"pageSize": "5"}, nil, "pageSize"},
		{OperationListCustomers, nil, []byte(`{}`), "body"},
		{Operation(0), nil, nil, "operationId"},
	}
	for _, tc := range bad {
		_, err := c.SendOperation(ctx, tc.op, tc.values, tc.body)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s %v: %v, want a *ValidationError naming %s", tc.op, tc.values, err, tc.field)
		}
	}
	if len(d.reqs) != sent {
		t.Errorf("%d requests sent for refused input", len(d.reqs)-sent)
	}
}
