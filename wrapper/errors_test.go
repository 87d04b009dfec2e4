package wrapper_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/wrapper"
)

var sentinels = []struct {
	name string
	err  error
}{
	{"ErrUnauthorized", wrapper.ErrUnauthorized},
	{"ErrForbidden", wrapper.ErrForbidden},
	{"ErrNotFound", wrapper.ErrNotFound},
	{"ErrConflict", wrapper.ErrConflict},
	{"ErrValidation", wrapper.ErrValidation},
	{"ErrRateLimited", wrapper.ErrRateLimited},
	{"ErrServer", wrapper.ErrServer},
	{"ErrInvalidInput", wrapper.ErrInvalidInput},
	{"ErrMissingCredential", wrapper.ErrMissingCredential},
	{"ErrBodyTooLarge", wrapper.ErrBodyTooLarge},
	{"ErrUnknownOperation", wrapper.ErrUnknownOperation},
	{"ErrDecode", wrapper.ErrDecode},
}

// assertOnlySentinel checks that err matches want and no other sentinel.
func assertOnlySentinel(t *testing.T, err, want error) {
	t.Helper()
	for _, s := range sentinels {
		if got := errors.Is(err, s.err); got != (s.err == want) {
			t.Errorf("errors.Is(err, %s) = %v, want %v (err: %v)", s.name, got, !got, err)
		}
	}
}

func TestAPIErrorSentinels(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status int
		want   error
	}{
		{400, wrapper.ErrValidation},
		{401, wrapper.ErrUnauthorized},
		{403, wrapper.ErrForbidden},
		{404, wrapper.ErrNotFound},
		{409, wrapper.ErrConflict},
		{422, wrapper.ErrValidation},
		{429, wrapper.ErrRateLimited},
		{500, wrapper.ErrServer},
		{502, wrapper.ErrServer},
		{503, wrapper.ErrServer},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			t.Parallel()
			c, _ := setup(t, withHandler(testkit.Reply(tc.status, `{"detail":"nope"}`)), withKeys(testkit.PartnerKey, ""))
			org, err := c.Partner.Get(context.Background(), testkit.OrgID)
			if err == nil || org != nil {
				t.Fatalf("Get = %v, %v; want an error", org, err)
			}
			assertOnlySentinel(t, err, tc.want)
			var apiErr *wrapper.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("errors.As(*APIError) failed for %T: %v", err, err)
			}
			if apiErr.StatusCode != tc.status || apiErr.Method != http.MethodGet ||
				apiErr.Path != "/partner/organizations/"+testkit.OrgID+"/" || apiErr.OperationID != "retrievePartnerOrganization" {
				t.Errorf("APIError = %+v", apiErr)
			}
			if apiErr.Message != "nope" {
				t.Errorf("Message = %q, want nope", apiErr.Message)
			}
			want := fmt.Sprintf("GET /partner/organizations/%s/: %d %s: nope", testkit.OrgID, tc.status, http.StatusText(tc.status))
			if !strings.Contains(err.Error(), want) {
				t.Errorf("Error() = %q, want it to contain %q", err.Error(), want)
			}
		})
	}
}

func TestAPIErrorBodies(t *testing.T) {
	t.Parallel()
	html := "<html><head><title>502 Bad Gateway</title></head><body>" + strings.Repeat("upstream unavailable ", 100) + "</body></html>"
	cases := []struct {
		name        string
		status      int
		contentType string
		body        string
		wantMessage string
		wantFields  map[string][]string
		wantBody    string // exact APIError.Body unless checkBody is set
		checkBody   func(string) error
	}{
		{name: "detail", status: 404, body: `{"detail":"Organization not found."}`, wantMessage: "Organization not found."},
		{name: "error", status: 429, body: `{"error":"rate limit exceeded"}`, wantMessage: "rate limit exceeded"},
		{name: "status and message", status: 400, body: `{"status":400,"message":"externalId is required"}`, wantMessage: "externalId is required"},
		{name: "detail list", status: 403, body: `{"detail":["first","second"]}`, wantMessage: "first; second"},
		{
			name: "DRF field errors", status: 400, body: `{"externalId":["already exists"]}`,
			wantMessage: "externalId: already exists",
			wantFields:  map[string][]string{"externalId": {"already exists"}},
		},
		{
			name: "nested DRF field errors", status: 400, body: `{"billingAddress":{"country":["bad"]},"email":["taken","invalid"]}`,
			wantMessage: "billingAddress.country: bad; email: taken; invalid",
			wantFields:  map[string][]string{"billingAddress.country": {"bad"}, "email": {"taken", "invalid"}},
		},
		{
			name: "non field errors", status: 400, body: `{"non_field_errors":["plan is archived"]}`,
			wantMessage: "plan is archived",
			wantFields:  map[string][]string{"non_field_errors": {"plan is archived"}},
		},
		{
			name: "html", status: 502, contentType: "text/html", body: html,
			wantMessage: "Bad Gateway",
			checkBody: func(b string) error {
				if len(b) > 512 || len(b) < 400 || !strings.HasPrefix(html, b) {
					return fmt.Errorf("Body is %d bytes %q; want a prefix of the HTML of 400..512 bytes", len(b), b)
				}
				return nil
			},
		},
		{name: "no body", status: 503, body: "", wantMessage: "Service Unavailable"},
		{name: "empty object", status: 500, body: `{}`, wantMessage: "Internal Server Error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, _ := setup(t, withHandler(func(w http.ResponseWriter, _ *http.Request) {
				ct := tc.contentType
				if ct == "" {
					ct = "application/json"
				}
				w.Header().Set("Content-Type", ct)
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}), withKeys("", testkit.ServerKey))
			resp, err := c.API().UpdateCustomerWithResponse(context.Background(), "cus_42", api.CustomerUpdateRequest{})
			if err == nil {
				t.Fatalf("UpdateCustomer succeeded with %d", resp.StatusCode())
			}
			var apiErr *wrapper.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("errors.As(*APIError) failed for %T: %v", err, err)
			}
			if apiErr.StatusCode != tc.status || apiErr.Method != http.MethodPatch || apiErr.Path != "/customers/cus_42/" || apiErr.OperationID != "updateCustomer" {
				t.Errorf("APIError = %+v", apiErr)
			}
			if apiErr.Message != tc.wantMessage {
				t.Errorf("Message = %q, want %q", apiErr.Message, tc.wantMessage)
			}
			if fmt.Sprint(apiErr.FieldErrors) != fmt.Sprint(tc.wantFields) || len(apiErr.FieldErrors) != len(tc.wantFields) {
				t.Errorf("FieldErrors = %v, want %v", apiErr.FieldErrors, tc.wantFields)
			}
			if tc.checkBody != nil {
				if err := tc.checkBody(apiErr.Body); err != nil {
					t.Error(err)
				}
			} else if apiErr.Body != tc.body {
				t.Errorf("Body = %q, want %q", apiErr.Body, tc.body)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("%d %s", tc.status, http.StatusText(tc.status))) {
				t.Errorf("Error() = %q lacks the status", err.Error())
			}
			if tc.wantMessage != http.StatusText(tc.status) && !strings.Contains(err.Error(), tc.wantMessage) {
				t.Errorf("Error() = %q lacks the message %q", err.Error(), tc.wantMessage)
			}
		})
	}
}

// clRecorder records the Content-Length of every response.
type clRecorder struct {
	mu  sync.Mutex
	cls []int64
}

func (c *clRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		c.mu.Lock()
		c.cls = append(c.cls, resp.ContentLength)
		c.mu.Unlock()
	}
	return resp, err
}

// bigOrg is valid organization JSON of exactly n bytes.
func bigOrg(n int) string {
	head := `{"organizationIdentifier":"` + testkit.OrgID + `","organizationSlug":"`
	tail := `"}`
	return head + strings.Repeat("s", n-len(head)-len(tail)) + tail
}

func TestBodyTooLarge(t *testing.T) {
	t.Parallel()
	body := bigOrg(4096)
	cases := []struct {
		name   string
		chunk  bool
		wantCL int64
		raw    bool
	}{
		{name: "with Content-Length", wantCL: 4096},
		{name: "chunked", chunk: true, wantCL: -1},
		{name: "raw client with Content-Length", wantCL: 4096, raw: true},
		{name: "raw client chunked", chunk: true, wantCL: -1, raw: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &clRecorder{}
			c, _ := setup(t, withHandler(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if tc.chunk {
					w.WriteHeader(http.StatusOK)
					w.(http.Flusher).Flush()
					for i := 0; i < len(body); i += 512 {
						_, _ = io.WriteString(w, body[i:min(i+512, len(body))])
						w.(http.Flusher).Flush()
					}
					return
				}
				w.Header().Set("Content-Length", fmt.Sprint(len(body)))
				_, _ = io.WriteString(w, body)
			}), withOptions(wrapper.WithMaxBodyBytes(1024), wrapper.WithHTTPClient(&http.Client{Transport: rec})))
			var err error
			if tc.raw {
				_, err = c.API().ListCustomersWithResponse(context.Background(), nil)
			} else {
				_, err = c.Partner.GetByExternalID(context.Background(), "northwind-0042")
			}
			if err == nil {
				t.Fatal("call succeeded, want ErrBodyTooLarge")
			}
			assertOnlySentinel(t, err, wrapper.ErrBodyTooLarge)
			var tl *wrapper.BodyTooLargeError
			if !errors.As(err, &tl) || tl.Limit != 1024 {
				t.Errorf("errors.As(*BodyTooLargeError) = %+v", tl)
			}
			if !strings.Contains(err.Error(), "1024") || !strings.Contains(err.Error(), "WithMaxBodyBytes") {
				t.Errorf("Error() = %q, want the limit and the option", err.Error())
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if len(rec.cls) != 1 || rec.cls[0] != tc.wantCL {
				t.Errorf("responses' Content-Length = %v, want [%d]", rec.cls, tc.wantCL)
			}
		})
	}
}

func TestBodyAtLimitAccepted(t *testing.T) {
	t.Parallel()
	for _, chunk := range []bool{false, true} {
		t.Run(fmt.Sprint("chunked=", chunk), func(t *testing.T) {
			t.Parallel()
			body := bigOrg(1024)
			c, _ := setup(t, withHandler(func(w http.ResponseWriter, _ *http.Request) {
				if chunk {
					w.(http.Flusher).Flush()
				}
				_, _ = io.WriteString(w, body)
			}), withKeys(testkit.PartnerKey, ""), withOptions(wrapper.WithMaxBodyBytes(1024)))
			org, err := c.Partner.GetByExternalID(context.Background(), "x")
			if err != nil {
				t.Fatalf("a body of exactly the limit failed: %v", err)
			}
			if org.Identifier.String() != testkit.OrgID || len(org.Slug) < 900 {
				t.Errorf("org = %+v", org)
			}
		})
	}
}

func TestDecodeError(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, body string }{
		{"html", "<html><body>maintenance</body></html>"},
		{"wrong type", `{"userId":"not a number"}`},
		{"truncated", `{"organizationIdentifier":"` + testkit.OrgID},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, _ := setup(t, withHandler(testkit.Reply(http.StatusOK, tc.body)), withKeys(testkit.PartnerKey, ""))
			org, err := c.Partner.Get(context.Background(), testkit.OrgID)
			if err == nil || org != nil {
				t.Fatalf("Get = %v, %v; want a decode error", org, err)
			}
			assertOnlySentinel(t, err, wrapper.ErrDecode)
			var de *wrapper.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("errors.As(*DecodeError) failed for %T: %v", err, err)
			}
			if de.StatusCode != http.StatusOK || de.Body != tc.body || de.Err == nil || de.Method != http.MethodGet {
				t.Errorf("DecodeError = %+v", de)
			}
			if !strings.Contains(err.Error(), "200") {
				t.Errorf("Error() = %q, want the status", err.Error())
			}
		})
	}
}

// A success response that does not decode keeps a sample of its body, with the
// client's own keys removed.
func TestDecodeErrorBodyScrubbed(t *testing.T) {
	t.Parallel()
	const partnerKey = "kvqp_decode_scrub_0123456789"
	c, _ := setup(t, withKeys(partnerKey, ""), withHandler(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `<html>echo `+r.Header.Get("X-Kelviq-Partner-Key")+`</html>`)
	}))
	_, err := c.Partner.GetByExternalID(context.Background(), "northwind-0042")
	var de *wrapper.DecodeError
	if !errors.As(err, &de) || de.StatusCode != http.StatusOK {
		t.Fatalf("err = %v, want a *DecodeError for a 200", err)
	}
	if strings.Contains(de.Body, partnerKey) || strings.Contains(fmt.Sprintf("%+v %#v", de, de), partnerKey) || !strings.Contains(de.Body, "[REDACTED]") {
		t.Fatalf("DecodeError body %q must hold the sample with the key redacted", de.Body)
	}
}
