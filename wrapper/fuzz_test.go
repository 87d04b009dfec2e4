package wrapper

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/errbody"
)

// The fuzz targets below run their seeds (the f.Add calls and the corpus in
// testdata/fuzz/<Target>/) as ordinary tests; fuzz them with e.g.
//
//	go test ./wrapper/ -run '^$' -fuzz '^FuzzErrorBody$' -fuzztime 60s

// Keys known to the fuzzed sender. Neither may ever show in an error.
const (
	fuzzPartnerKey = "kvqp_fuzzPartnerKey_8c1f2e"
	fuzzServerKey  = "sk_live_fuzzServerKey_5b7d90"
)

// fuzzBodyCap is the sender's body limit in FuzzDecodeResponse, small so
// that the fuzzer reaches it.
const fuzzBodyCap = 1 << 10

// fuzzRel is the request path, relative to the base URL, of the fuzzed
// partner operation.
const fuzzRel = "/partner/organizations/by-external-id/x/"

// fuzzDoer is a Doer made of a function.
type fuzzDoer func(*http.Request) (*http.Response, error)

func (f fuzzDoer) Do(r *http.Request) (*http.Response, error) { return f(r) }

// fuzzSender is a sender as New builds it, with both keys, no retries and
// the given body limit.
func fuzzSender(d Doer, maxBody int64) *sender {
	s := newSender("https://api.kelviq.test/api/v1", "https://api.kelviq.test/api/v1", d, maxBody)
	s.partnerKey, s.serverKey, s.userAgent = NewSecret(fuzzPartnerKey), NewSecret(fuzzServerKey), "kelviq-go/fuzz"
	return s
}

func fuzzOperation(t testing.TB) api.Operation {
	t.Helper()
	op, ok := api.LookupOperation("retrievePartnerOrganizationByExternalId")
	if !ok {
		t.Fatal("retrievePartnerOrganizationByExternalId is not in the operations table")
	}
	return op
}

// jsonEscapeFirst writes s with its first byte as a \u escape, so that the
// key reaches the JSON decoder whole but is not in the raw body.
func jsonEscapeFirst(s string) string {
	return fmt.Sprintf(`\u%04x`, s[0]) + s[1:]
}

// fuzzSplice puts the known keys into body. The low 3 bits of mode pick
// what goes in (0: nothing), the high 5 bits where (0: at the start, 31: at
// the end).
func fuzzSplice(body []byte, mode byte) []byte {
	var ins string
	switch mode & 7 {
	case 0:
		return body
	case 1:
		ins = fuzzPartnerKey
	case 2:
		ins = fuzzServerKey
	case 3:
		// A key cut by the other: scrubbing one must not leave the other.
		ins = fuzzServerKey[:5] + fuzzPartnerKey + fuzzServerKey[5:]
	case 4:
		ins = jsonEscapeFirst(fuzzPartnerKey)
	case 5:
		ins = jsonEscapeFirst(fuzzServerKey)
	case 6:
		// A DRF field whose name and value are the keys, ready to sit
		// right after an object's "{".
		ins = `"` + jsonEscapeFirst(fuzzPartnerKey) + `":["` + jsonEscapeFirst(fuzzServerKey) + `"],`
	case 7:
		// The same field nested, and the raw keys as its name.
		ins = `"org":{"` + fuzzServerKey + `":"` + fuzzPartnerKey + `","` + jsonEscapeFirst(fuzzServerKey) + `":{"k":"v"}},`
	}
	at := int(mode>>3) * len(body) / 31
	out := make([]byte, 0, len(body)+len(ins))
	out = append(out, body[:at]...)
	out = append(out, ins...)
	return append(out, body[at:]...)
}

// fuzzSentinels are every sentinel error of the package.
var fuzzSentinels = []error{
	ErrUnauthorized, ErrForbidden, ErrNotFound, ErrConflict, ErrValidation, ErrRateLimited, ErrServer,
	ErrInvalidInput, ErrMissingCredential, ErrBodyTooLarge, ErrUnknownOperation, ErrDecode,
}

// wantSentinel is the one sentinel an *APIError with the status must match,
// or nil when none.
func wantSentinel(status int) error {
	switch {
	case status == 401:
		return ErrUnauthorized
	case status == 403:
		return ErrForbidden
	case status == 404:
		return ErrNotFound
	case status == 409:
		return ErrConflict
	case status == 400 || status == 422:
		return ErrValidation
	case status == 429:
		return ErrRateLimited
	case status >= 500 && status <= 599:
		return ErrServer
	}
	return nil
}

// checkAPIError checks the properties every *APIError has, whatever the
// response it came from.
func checkAPIError(t *testing.T, e *APIError, status int) {
	t.Helper()
	if e.StatusCode != status {
		t.Errorf("StatusCode = %d, want %d", e.StatusCode, status)
	}
	if len(e.Body) > errbody.MaxSample || !utf8.ValidString(e.Body) {
		t.Errorf("Body is %d bytes, valid UTF-8 %v: %q", len(e.Body), utf8.ValidString(e.Body), e.Body)
	}
	if e.Message == "" {
		t.Errorf("Message is empty (status %d)", status)
	}
	if e.FieldErrors != nil && len(e.FieldErrors) == 0 {
		t.Errorf("FieldErrors is empty but not nil")
	}
	for k, v := range e.FieldErrors {
		if len(v) == 0 {
			t.Errorf("FieldErrors[%q] is empty", k)
		}
	}
	msg := e.Error()
	want := wantSentinel(status)
	for _, s := range fuzzSentinels {
		for _, err := range []error{e, fmt.Errorf("wrapped: %w", e)} {
			if got := errors.Is(err, s); got != (s == want) {
				t.Errorf("status %d: errors.Is(err, %v) = %v", status, s, got)
			}
		}
	}
	texts := map[string]string{"Error()": msg, "Message": e.Message, "Body": e.Body}
	for k, v := range e.FieldErrors {
		texts["FieldErrors key"] += "\x00" + k
		texts[fmt.Sprintf("FieldErrors[%q]", k)] = strings.Join(v, "\x00")
	}
	for what, text := range texts {
		for _, key := range []string{fuzzPartnerKey, fuzzServerKey} {
			if strings.Contains(text, key) {
				t.Errorf("%s leaks %q: %q", what, key, text)
			}
		}
	}
}

func FuzzErrorBody(f *testing.F) {
	seeds := []struct {
		body   string
		status int
		mode   byte
	}{
		{`{"externalId":["Organization with this external ID already exists."]}`, 400, 0},
		{`{"email":["Enter a valid email address."],"non_field_errors":["x","y"]}`, 422, 0},
		{`{"billingAddress":{"country":["bad"],"zip":{"format":["nope"]}}}`, 400, 0},
		{`{"detail":"Not found."}`, 404, 0},
		{`{"detail":["a","b"]}`, 403, 0},
		{`{"error":"boom"}`, 500, 0},
		{`{"status":409,"message":"Email already in use"}`, 409, 0},
		{`[{"a":["b"]},"c"]`, 400, 0},
		{`<html><body><h1>502 Bad Gateway</h1></body></html>`, 502, 0},
		{"{\"detail\":\"caf\xe9 \xff\xfe\"}\xc3", 401, 0},
		{`{"detail":1e999999,"n":123456789012345678901234567890}`, 429, 0},
		{strings.Repeat(`{"a":`, 200) + `["deep"]` + strings.Repeat(`}`, 200), 400, 0},
		{strings.Repeat(`[`, 300) + strings.Repeat(`]`, 300), 400, 0},
		{``, 503, 0},
		{``, 520, 0},
		{`{}`, 0, 0},
		{`{"detail":"` + strings.Repeat("é", 300) + `"}`, 418, 0},
		{`{"detail":"key: ` + fuzzPartnerKey + `"}`, 401, 0},
		{`{"serverKey":["sk_org_secret"],"detail":""}`, 409, 0},
		{`{"detail":"x"}`, 401, 1 | 15<<3},
		{`{"organization":{"name":["y"]}}`, 400, 6 | 1<<3},
		{`{"a":["b"]}`, 400, 7 | 1<<3},
		{`{"detail":"` + strings.Repeat("x", 505) + `"}`, 500, 4 | 31<<3},
	}
	for _, s := range seeds {
		f.Add([]byte(s.body), s.status, s.mode)
	}
	op := fuzzOperation(f)
	scrub := fuzzSender(nil, DefaultMaxBodyBytes).Scrub
	f.Fuzz(func(t *testing.T, body []byte, status int, mode byte) {
		body = fuzzSplice(body, mode)
		in := bytes.Clone(body)
		e := newAPIError(op, "GET", "/x/", status, body, scrub)
		if !bytes.Equal(body, in) {
			t.Errorf("newAPIError changed its input")
		}
		if e.Method != "GET" || e.Path != "/x/" || e.OperationID != op.ID() {
			t.Errorf("request line = %q %q %q", e.Method, e.Path, e.OperationID)
		}
		if len(body) > 0 && e.Body == "" {
			t.Errorf("Body is empty for a %d-byte body", len(body))
		}
		checkAPIError(t, e, status)
		// The same response gives the same error.
		if again := newAPIError(op, "GET", "/x/", status, body, scrub); !reflect.DeepEqual(e, again) {
			t.Errorf("not deterministic:\n%#v\n%#v", e, again)
		}
	})
}

// trackedBody records whether the body was closed.
type trackedBody struct {
	io.Reader
	closed bool
}

func (b *trackedBody) Close() error { b.closed = true; return nil }

func FuzzDecodeResponse(f *testing.F) {
	org := `{"userId":7,"organizationIdentifier":"6f1c8a52-3b0e-4d8f-9a51-2c7e1d4b9f30","organizationSlug":"northwind",` +
		`"clientKey":"ck_1","serverKey":"sk_org_1","partnerExternalId":"x"}`
	seeds := []struct {
		body    string
		status  int
		chunked bool
	}{
		{org, 200, false},
		{org, 200, true},
		{`{"userId":null,"serverKey":null,"extra":{"nested":[1,2,3]}}`, 200, false},
		{`{}`, 200, false},
		{`null`, 200, false},
		{`[]`, 200, false},
		{`{"userId":"7"}`, 200, false},
		{`{"userId":1e400}`, 200, false},
		{`{"organizationIdentifier":"not-a-uuid"}`, 200, true},
		{`{"serverKey":"sk_org_leak"`, 200, false},
		{"\xff\xfe{}", 200, false},
		{`<html>ok</html>`, 200, false},
		{``, 200, false},
		{``, 204, false},
		{`{"clientKey":"` + strings.Repeat("a", fuzzBodyCap) + `"}`, 200, false},
		{`{"clientKey":"` + strings.Repeat("a", fuzzBodyCap) + `"}`, 200, true},
		{`{"clientKey":"` + strings.Repeat("a", fuzzBodyCap-16) + `"}`, 200, true},
		{`{"detail":"Not found."}`, 404, false},
		{`{"externalId":["bad"]}`, 400, true},
		{`<html>502</html>`, 502, false},
		{strings.Repeat("x", 3*fuzzBodyCap), 500, true},
		{`{"detail":"` + fuzzPartnerKey + `"}`, 401, false},
		{org, 302, false},
		{org, 0, false},
	}
	for _, s := range seeds {
		f.Add([]byte(s.body), s.status, s.chunked)
	}
	op := fuzzOperation(f)
	f.Fuzz(func(t *testing.T, body []byte, status int, chunked bool) {
		var sent *trackedBody
		d := fuzzDoer(func(req *http.Request) (*http.Response, error) {
			if got := req.Header.Get("X-Kelviq-Partner-Key"); got != fuzzPartnerKey {
				t.Errorf("partner key header = %q", got)
			}
			if got := req.Header.Get("Authorization"); got != "" {
				t.Errorf("Authorization = %q on a partner operation", got)
			}
			var r io.Reader = bytes.NewReader(body)
			n := int64(len(body))
			if chunked {
				r, n = iotest.HalfReader(r), -1
			}
			sent = &trackedBody{Reader: r}
			return &http.Response{
				StatusCode:    status,
				Status:        fmt.Sprintf("%d %s", status, http.StatusText(status)),
				Header:        http.Header{"Content-Type": {"application/json"}},
				Body:          sent,
				ContentLength: n,
				Request:       req,
			}, nil
		})
		s := fuzzSender(d, fuzzBodyCap)
		req, err := http.NewRequest(http.MethodGet, s.base+fuzzRel, nil)
		if err != nil {
			t.Fatal(err)
		}
		v, err := decode[api.PartnerOrganization](s.DoOperation(req, op))

		if sent == nil {
			t.Fatalf("nothing sent; err = %v", err)
		}
		if !sent.closed {
			t.Errorf("response body not closed")
		}
		if (v == nil) == (err == nil) {
			t.Fatalf("decode = %v, %v: want exactly one of value and error", v, err)
		}
		success := (status >= 200 && status <= 299) || op.Declares(status)
		tooLarge := len(body) > fuzzBodyCap
		var want api.PartnerOrganization
		decodable := json.Unmarshal(body, &want) == nil

		if v != nil {
			trimmed := bytes.TrimSpace(body)
			switch {
			case !success:
				t.Errorf("status %d gave a value", status)
			case tooLarge:
				t.Errorf("%d-byte body over the %d-byte limit gave a value", len(body), fuzzBodyCap)
			case len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(body):
				t.Errorf("body %q is not a JSON object but gave a value", body)
			case !reflect.DeepEqual(*v, want):
				t.Errorf("value = %+v, json.Unmarshal gives %+v", *v, want)
			}
			return
		}

		var apiErr *APIError
		var decErr *DecodeError
		var bigErr *BodyTooLargeError
		kinds := 0
		for _, is := range []bool{errors.As(err, &apiErr), errors.As(err, &decErr), errors.As(err, &bigErr)} {
			if is {
				kinds++
			}
		}
		if kinds != 1 {
			t.Fatalf("error %T %v is %d of *APIError, *DecodeError, *BodyTooLargeError; want exactly 1", err, err, kinds)
		}
		switch {
		case apiErr != nil:
			if success {
				t.Errorf("status %d is a success but gave %v", status, err)
			}
			if err != error(apiErr) {
				t.Errorf("*APIError is wrapped: %v", err)
			}
			if apiErr.Method != "GET" || apiErr.Path != fuzzRel || apiErr.OperationID != op.ID() || apiErr.Attempts != 1 {
				t.Errorf("APIError = %+v", apiErr)
			}
			checkAPIError(t, apiErr, status)
		case decErr != nil:
			switch {
			case !success:
				t.Errorf("status %d gave a *DecodeError: %v", status, err)
			case tooLarge:
				t.Errorf("%d-byte body over the limit gave a *DecodeError, not a *BodyTooLargeError: %v", len(body), err)
			case decodable && len(bytes.TrimSpace(body)) > 0 && bytes.TrimSpace(body)[0] == '{':
				t.Errorf("decodable object %q gave %v", body, err)
			}
			if decErr.StatusCode != status || decErr.Method != "GET" || decErr.Path != fuzzRel || decErr.Err == nil {
				t.Errorf("DecodeError = %+v", decErr)
			}
			if len(decErr.Body) > errbody.MaxSample || !utf8.ValidString(decErr.Body) || (len(body) > 0 && decErr.Body == "") {
				t.Errorf("DecodeError.Body is %d bytes, valid UTF-8 %v: %q", len(decErr.Body), utf8.ValidString(decErr.Body), decErr.Body)
			}
			if !errors.Is(err, ErrDecode) || decErr.Error() == "" {
				t.Errorf("DecodeError does not match ErrDecode: %v", err)
			}
		case bigErr != nil:
			if !success || !tooLarge {
				t.Errorf("status %d, %d-byte body gave %v", status, len(body), err)
			}
			if bigErr.Limit != fuzzBodyCap || bigErr.Method != "GET" || bigErr.Path != fuzzRel || !errors.Is(err, ErrBodyTooLarge) {
				t.Errorf("BodyTooLargeError = %+v", bigErr)
			}
		}
		for _, key := range []string{fuzzPartnerKey, fuzzServerKey} {
			if strings.Contains(err.Error(), key) {
				t.Errorf("error leaks %q: %v", key, err)
			}
		}
	})
}
