package wrapper

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kelviq/kelviq-go/api"
)

// RawResponse is a success answer as Call returns it.
type RawResponse struct {
	// StatusCode is one of the operation's success codes.
	StatusCode int
	// Header is the answer's header; for a redirect (e.g.
	// downloadCatalogPlanFile), Header.Get("Location") is the answer.
	Header http.Header
	// Body is the answer's body, nil when it has none.
	Body []byte
}

// Call sends the operation with the given operationId (see Operations) and
// returns its success answer as it came. It is the door for any operation,
// through the same sender as the service methods: credentials, retries,
// limits and errors are the same.
//
// params holds the operation's path, query and header parameters by their
// names in the spec (e.g. "customerId", "page_size"); body is the JSON
// request body, or nil. Before anything is sent, every parameter and the
// body are checked against the spec: an unknown or missing required
// parameter, a value that is not of the parameter's type or format (integer,
// boolean, uuid, date, minimum, maximum), a path value that is empty, "." or
// "..", and a body that the operation does not take, needs, or that is not
// JSON each give a *ValidationError naming the parameter (or "body").
func (c *Client) Call(ctx context.Context, operationID string, params map[string]string, body []byte) (*RawResponse, error) {
	op, ok := api.LookupOp(operationID)
	if !ok {
		return nil, fmt.Errorf("%w: no operation %q (see wrapper.Operations)", ErrUnknownOperation, operationID)
	}
	req, err := c.callRequest(ctx, op, params, body)
	if err != nil {
		return nil, err
	}
	resp, err := c.send.DoOperation(req, op)
	if err != nil {
		return nil, err
	}
	out := &RawResponse{StatusCode: resp.StatusCode, Header: resp.Header}
	if out.Body, err = readBody(resp); err != nil {
		return nil, err
	}
	if len(out.Body) == 0 {
		out.Body = nil
	}
	return out, nil
}

// CallAll walks every page of a paginated list operation (one that takes
// page and page_size) and yields each item of its results, as Call would
// fetch them page by page; page_size defaults to the spec's maximum, and
// params must not set page. It stops as the typed All methods do.
func (c *Client) CallAll(ctx context.Context, operationID string, params map[string]string) iter.Seq2[json.RawMessage, error] {
	op, ok := api.LookupOperation(operationID)
	switch {
	case !ok:
		return failed[json.RawMessage](fmt.Errorf("%w: no operation %q (see wrapper.Operations)", ErrUnknownOperation, operationID))
	case !op.Paginated():
		return failed[json.RawMessage](&ValidationError{Field: "operationId", Rule: operationID + " is not a paginated list (it takes no page and page_size)"})
	}
	if _, ok := params["page"]; ok {
		return failed[json.RawMessage](&ValidationError{Field: "page", Rule: "must not be set: every page is fetched"})
	}
	size := 100
	for _, p := range op.Params {
		if p.Name == "page_size" && p.Max > 0 {
			size = p.Max
		}
	}
	if v, ok := params["page_size"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return failed[json.RawMessage](&ValidationError{Field: "page_size", Rule: "must be an integer of at least 1"})
		}
		size = min(n, size)
	}
	return paginate(ctx, size, func(ctx context.Context, page, size int) ([]json.RawMessage, bool, error) {
		q := make(map[string]string, len(params)+2)
		for k, v := range params {
			q[k] = v
		}
		q["page"], q["page_size"] = strconv.Itoa(page), strconv.Itoa(size)
		r, err := c.Call(ctx, operationID, q, nil)
		if err != nil {
			return nil, false, err
		}
		var list struct {
			Results []json.RawMessage `json:"results"`
			Next    *string           `json:"next"`
		}
		if err := json.Unmarshal(r.Body, &list); err != nil {
			return nil, false, &DecodeError{StatusCode: r.StatusCode, Method: op.Method, Path: op.Path, Body: sample([]byte(c.send.scrub(string(r.Body)))), Err: err}
		}
		return list.Results, list.Next != nil && *list.Next != "", nil
	})
}

// callRequest checks params and body against op and builds the request.
func (c *Client) callRequest(ctx context.Context, op api.Op, params map[string]string, body []byte) (*http.Request, error) {
	spec := op.Operation()
	known := make(map[string]bool, len(spec.Params))
	for _, p := range spec.Params {
		known[p.Name] = true
	}
	for name := range params {
		if !known[name] {
			return nil, &ValidationError{Field: name, Rule: fmt.Sprintf("%s has no parameter %q (%s)", spec.ID, name, paramNames(spec))}
		}
	}
	values := map[string]string{}
	for _, p := range spec.Params {
		v, ok := params[p.Name]
		if !ok {
			if p.Required {
				return nil, &ValidationError{Field: p.Name, Rule: fmt.Sprintf("is required: %s needs its %s parameter", spec.ID, p.In)}
			}
			continue
		}
		v, err := checkParam(p, v)
		if err != nil {
			return nil, err
		}
		values[p.Name] = v
	}
	switch {
	case body != nil && !spec.HasBody:
		return nil, &ValidationError{Field: "body", Rule: spec.ID + " takes no request body"}
	case body == nil && spec.BodyRequired:
		return nil, &ValidationError{Field: "body", Rule: spec.ID + " needs a JSON request body"}
	case body != nil && !json.Valid(body):
		return nil, &ValidationError{Field: "body", Rule: "must be valid JSON"}
	}

	var b strings.Builder
	if spec.Edge() && c.raw.OperationServer != "" {
		b.WriteString(strings.TrimSuffix(c.raw.OperationServer, "/"))
	} else {
		b.WriteString(strings.TrimSuffix(c.raw.Server, "/"))
	}
	for i, seg := range strings.Split(spec.Path, "/") {
		if i > 0 {
			b.WriteByte('/')
		}
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			seg = url.PathEscape(values[seg[1:len(seg)-1]])
		}
		b.WriteString(seg)
	}
	q := url.Values{}
	for _, p := range spec.Params {
		if v, ok := values[p.Name]; ok && p.In == "query" {
			q.Set(p.Name, v)
		}
	}
	if len(q) > 0 {
		b.WriteString("?" + q.Encode())
	}
	var rd *bytes.Reader
	var req *http.Request
	var err error
	if body != nil {
		rd = bytes.NewReader(body)
		req, err = http.NewRequestWithContext(ctx, spec.Method, b.String(), rd)
	} else {
		req, err = http.NewRequestWithContext(ctx, spec.Method, b.String(), nil)
	}
	if err != nil {
		return nil, fmt.Errorf("kelviq: %s: %w", spec.ID, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, p := range spec.Params {
		if v, ok := values[p.Name]; ok && p.In == "header" {
			req.Header.Set(p.Name, v)
		}
	}
	return req, nil
}

func paramNames(op Operation) string {
	if len(op.Params) == 0 {
		return "it takes no parameters"
	}
	names := make([]string, len(op.Params))
	for i, p := range op.Params {
		names[i] = p.Name
	}
	return "its parameters: " + strings.Join(names, ", ")
}

// checkParam checks v against the parameter's schema and returns it as it
// is to be sent.
func checkParam(p Param, v string) (string, error) {
	bad := func(rule string) error { return &ValidationError{Field: p.Name, Rule: rule} }
	if p.In == "path" {
		if _, err := api.PathSegment(p.Name, v); err != nil {
			return "", err
		}
	}
	switch p.Type {
	case "integer":
		n, err := strconv.ParseInt(v, 10, 64)
		switch {
		case err != nil:
			return "", bad(fmt.Sprintf("%q is not an integer", v))
		case p.Max > 0 && n > int64(p.Max):
			return "", bad("must be at most " + strconv.Itoa(p.Max))
		case p.HasMin && n < int64(p.Min):
			return "", bad("must be at least " + strconv.Itoa(p.Min))
		case (p.Name == "page" || p.Name == "page_size") && n < 1:
			return "", bad("must be at least 1")
		}
		return strconv.FormatInt(n, 10), nil
	case "number":
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return "", bad(fmt.Sprintf("%q is not a number", v))
		}
	case "boolean":
		b, err := strconv.ParseBool(v)
		if err != nil {
			return "", bad(fmt.Sprintf("%q is not true or false", v))
		}
		return strconv.FormatBool(b), nil
	}
	switch p.Format {
	case "uuid":
		if _, err := checkUUID(p.Name, v); err != nil {
			return "", bad(fmt.Sprintf("%q is not a UUID such as 8d3c1f9e-2b4a-4c6d-9e8f-0a1b2c3d4e5f", v))
		}
	case "date":
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			return "", bad(fmt.Sprintf("%q is not a date such as 2026-01-31", v))
		}
	}
	if p.MaxLength > 0 && len([]rune(v)) > p.MaxLength {
		return "", bad("must be at most " + strconv.Itoa(p.MaxLength) + " characters")
	}
	return v, nil
}
