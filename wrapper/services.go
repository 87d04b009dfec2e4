package wrapper

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"unsafe"

	"github.com/kelviq/kelviq-go/internal/check"
	"github.com/kelviq/kelviq-go/internal/errbody"
	"github.com/kelviq/kelviq-go/internal/transport"
)

// The services on the Client (Client.Customers, Client.Orders,
// Client.Catalog.Plans, ...) are generated from openapi.json and the
// generated client by internal/cmd/genservices into services.gen.go. This
// file holds the helpers their methods share.

// Deref returns *p, or the zero value of T when p is nil. The generated
// types use pointers for optional fields; Deref reads them without a nil
// check, e.g. wrapper.Deref(order.Id) or wrapper.Deref(list.Results).
func Deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// decodeError reports a success response whose body does not decode, with a
// scrubbed sample of the body.
func decodeError(resp *http.Response, body []byte, err error) *DecodeError {
	method, path, scrub := transport.Describe(resp)
	return &DecodeError{StatusCode: resp.StatusCode, Method: method, Path: path, Body: errbody.Sample([]byte(scrub(string(body)))), Err: err}
}

// decode reads a success response into a T. A body that does not decode is a
// *DecodeError that keeps the status and a sample of the body. The strings
// of the result share the body's one allocation (see decodeInto).
func decode[T any](resp *http.Response, err error) (*T, error) {
	return decodeInto[T](resp, err, false)
}

// decodeOwned is decode for responses that hold a plain credential: each
// string of the result is a copy of its own, so that no part of it keeps
// the body, and the credential in it, reachable.
func decodeOwned[T any](resp *http.Response, err error) (*T, error) {
	return decodeInto[T](resp, err, true)
}

// decodeInto reads a success response into a T with the decoders generated
// for the api types (decode.gen.go), whose strings are substrings of the
// body unless own is set. Whenever one gives up, and for any other T, the
// body is decoded again, from scratch, with encoding/json, whose result
// and error stand: the generated decoders only ever take a faster way to
// the same value (FuzzDecodeAgrees checks that).
func decodeInto[T any](resp *http.Response, err error, own bool) (*T, error) {
	if err != nil {
		return nil, err
	}
	raw, err := transport.ReadBody(resp)
	if err != nil {
		return nil, err
	}
	// The decoders read the body as a string without copying it: raw is
	// this call's own buffer, and nothing writes to it while body, or a
	// substring of it in the result, is in use. With own set, no part of
	// the result shares it, and it is cleared at the end so that the
	// credential in it does not linger in memory.
	body := unsafe.String(unsafe.SliceData(raw), len(raw))
	if own {
		defer clear(raw)
	}
	v := new(T)
	if decodeFast(body, v, own) {
		return v, nil
	}
	*v = *new(T)
	if err := decodeJSON(raw, v); err != nil {
		return nil, decodeError(resp, raw, err)
	}
	return v, nil
}

// decodeJSON is encoding/json's Unmarshal, which also refuses a body of
// null: json.Unmarshal takes null as "leave v alone", and a success response
// of null would pass for an empty object.
func decodeJSON(body []byte, v any) error {
	err := json.Unmarshal(body, v)
	if err == nil && bytes.Equal(bytes.TrimSpace(body), []byte("null")) {
		err = errors.New("body is null, want a JSON object")
	}
	return err
}

// maxDrain bounds how much of an unused body is read so that the
// connection can be reused.
const maxDrain = 64 << 10

// noContent finishes an operation whose success response carries nothing to
// return (204): the body, if any, is drained and closed.
func noContent(resp *http.Response, err error) error {
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	_ = resp.Body.Close()
	return nil
}

// decodeRaw returns a success response that the spec gives no schema as raw
// JSON: nil for an empty body, a *DecodeError for a body that is not JSON.
func decodeRaw(resp *http.Response, err error) (json.RawMessage, error) {
	if err != nil {
		return nil, err
	}
	body, err := transport.ReadBody(resp)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	if !json.Valid(body) {
		return nil, decodeError(resp, body, errors.New("body is not JSON"))
	}
	return json.RawMessage(body), nil
}

// redirectLocation returns the target of a redirect response (an operation
// whose success is a 3xx, such as downloadCatalogPlanFile) without
// following it. The Location must be an absolute http(s) URL once resolved
// against the request's URL; anything else is a *DecodeError. A 2xx response
// means the Doer followed the redirect itself, which is reported as an
// error too.
func redirectLocation(resp *http.Response, err error) (*url.URL, error) {
	if err = noContent(resp, err); err != nil {
		return nil, err
	}
	bad := func(msg string) error { return decodeError(resp, nil, errors.New(msg)) }
	if resp.StatusCode < 300 || resp.StatusCode > 399 {
		return nil, bad("want a redirect, got the redirect's target (the Doer must not follow this operation's redirect)")
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil, bad("redirect without a Location header")
	}
	u, err := url.Parse(loc)
	if err == nil && resp.Request != nil && resp.Request.URL != nil {
		u = resp.Request.URL.ResolveReference(u)
	}
	if err != nil || !check.IsAbsoluteHTTP(u) {
		return nil, bad("Location is not an http(s) URL")
	}
	return u, nil
}
