package wrapper

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"net/http"
	"strconv"
	"strings"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/check"
	"github.com/kelviq/kelviq-go/internal/paging"
	"github.com/kelviq/kelviq-go/internal/transport"
)

// RawResponse is a success response as Call returns it.
type RawResponse struct {
	// StatusCode is one of the operation's success codes.
	StatusCode int
	// Header is the response's header; for a redirect (e.g.
	// downloadCatalogPlanFile), Header.Get("Location") is the result.
	Header http.Header
	// Body is the response's body, nil when it has none.
	Body []byte
}

// Call sends the operation with the given operationId (see Operations) and
// returns its success response as it came. It is the door for any
// operation: it builds the request from the operation table
// (api.Client.SendOperation), putting the same bytes on the wire as the
// service method, and sends it through the same sender (credentials,
// retries, limits, errors).
//
// params holds the operation's path, query and header parameters by their
// names in the spec (e.g. "customerId", "page_size"); body is the JSON
// request body, or nil. Before anything is sent, every parameter and the
// body are checked against the spec: an unknown operationId (IDs are
// matched exactly, case included; the error matches ErrUnknownOperation
// too), an unknown parameter name (names are matched exactly) or a missing
// required one, a value that is not of the parameter's type or format
// (integer and its bounds, boolean, date, UUID), that is not valid UTF-8,
// holds a NUL, is longer than the spec's maxLength (or 4096 bytes when it
// sets none), a path value that is empty, "." or ".." or holds control
// characters, and a body that the operation does not take or needs, that
// is not exactly one JSON value, is over 1 MiB, nests more than 64 levels
// or has an object with a key twice each give a *ValidationError naming
// "operationId", the parameter or "body" and the rule. Everything else is
// sent as given: each value percent-encoded into its own path segment or
// query parameter (a UUID, integer or boolean in the canonical form the
// service method writes), the body byte for byte.
func (c *Client) Call(ctx context.Context, operationID string, params map[string]string, body []byte) (*RawResponse, error) {
	op, ok := api.LookupOperation(operationID)
	if !ok {
		return nil, unknownOperation(operationID)
	}
	values, err := check.Call(op, params, body)
	if err != nil {
		return nil, err
	}
	resp, err := c.raw.SendOperation(ctx, op, values, body)
	if err != nil {
		return nil, err
	}
	out := &RawResponse{StatusCode: resp.StatusCode, Header: resp.Header}
	if out.Body, err = transport.ReadBody(resp); err != nil {
		return nil, err
	}
	if len(out.Body) == 0 {
		out.Body = nil
	}
	return out, nil
}

// CallAll walks every page of a paginated list operation (one that takes
// page and page_size) and yields each item of its results, as Call fetches
// them; page_size defaults to the spec's maximum, and params must not set
// page. params are checked once, before the first page; each page then
// only sets page and page_size. It stops as the typed All methods do.
func (c *Client) CallAll(ctx context.Context, operationID string, params map[string]string) iter.Seq2[json.RawMessage, error] {
	op, ok := api.LookupOperation(operationID)
	switch {
	case !ok:
		return paging.Failed[json.RawMessage](unknownOperation(operationID))
	case !op.Paginated():
		return paging.Failed[json.RawMessage](check.Invalid("operationId", operationID+" is not a paginated list (it takes no page and page_size)"))
	}
	if _, ok := params["page"]; ok {
		return paging.Failed[json.RawMessage](check.Invalid("page", "must not be set: every page is fetched"))
	}
	size := op.MaxPageSize()
	if v, ok := params["page_size"]; ok {
		n, err := check.Int("page_size", v, 1, true, size, true)
		if err != nil {
			return paging.Failed[json.RawMessage](err)
		}
		size = n
	}
	values, err := check.Call(op, params, nil)
	if err != nil {
		return paging.Failed[json.RawMessage](err)
	}
	return paging.Walk(ctx, size, func(ctx context.Context, page, size int) ([]json.RawMessage, bool, error) {
		q := maps.Clone(values) // the sequence may be walked more than once, at once
		q["page"], q["page_size"] = strconv.Itoa(page), strconv.Itoa(size)
		list, err := decode[rawPage](c.raw.SendOperation(ctx, op, q, nil))
		if err != nil {
			return nil, false, err
		}
		return list.Results, paging.HasNext(list.Next), nil
	})
}

// unknownOperation is the error for an operationId the spec does not
// have: a *ValidationError for "operationId" that also matches
// ErrUnknownOperation, and names the operation meant when only the case
// differs.
func unknownOperation(id string) error {
	rule := fmt.Sprintf("no operation %q (see wrapper.Operations)", id)
	for _, op := range api.Operations() {
		if strings.EqualFold(op.ID(), strings.TrimSpace(id)) {
			rule = fmt.Sprintf("no operation %q: operation IDs are matched exactly; did you mean %q?", id, op.ID())
			break
		}
	}
	return &unknownOperationError{v: check.Invalid("operationId", rule).(*ValidationError)}
}

type unknownOperationError struct{ v *ValidationError }

func (e *unknownOperationError) Error() string   { return e.v.Error() }
func (e *unknownOperationError) Unwrap() []error { return []error{e.v, ErrUnknownOperation} }

// rawPage is one page of a list, its items left as they came.
type rawPage struct {
	Results []json.RawMessage `json:"results"`
	Next    *string           `json:"next"`
}
