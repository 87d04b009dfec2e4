package wrapper

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/errbody"
	"github.com/kelviq/kelviq-go/internal/redact"
	"github.com/kelviq/kelviq-go/internal/transport"
)

func testSender(t *testing.T) *sender {
	t.Helper()
	return &sender{
		base:       "http://127.0.0.1:8080/api/v1",
		baseServer: transport.ParseServer("http://127.0.0.1:8080/api/v1"),
		edgeServer: transport.ParseServer("https://edge.example/api/v1"),
		partnerKey: NewSecret("kvqp_internal_partner"),
		serverKey:  NewSecret("sk_internal_server"),
	}
}

func TestScrub(t *testing.T) {
	t.Parallel()
	s := testSender(t)
	cases := []struct{ in, want string }{
		{"key kvqp_internal_partner here", "key [REDACTED] here"},
		{"Bearer sk_internal_server", "Bearer [REDACTED]"},
		{`{"serverKey":"sk_other"}`, `{"serverKey":"[REDACTED]"}`},
		{`{"serverKey" : "sk_\"quoted\"\\x"}`, `{"serverKey" : "[REDACTED]"}`},
		{`{"serverKey":["sk_a","sk_b"]}`, `{"serverKey":"[REDACTED]"}`},
		{`{"serverKey":[ "sk_a" ]}`, `{"serverKey":"[REDACTED]"}`},
		{`{"serverKey":null,"clientKey":"ck"}`, `{"serverKey":null,"clientKey":"ck"}`},
		{`{"a":{"serverKey":"x"},"b":{"serverKey":"y"}}`, `{"a":{"serverKey":"[REDACTED]"},"b":{"serverKey":"[REDACTED]"}}`},
		{"nothing secret", "nothing secret"},
	}
	for _, tc := range cases {
		if got := s.Scrub(tc.in); got != tc.want {
			t.Errorf("scrub(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// An empty key scrubs nothing (strings.ReplaceAll with "" would insert
	// the marker everywhere).
	empty := &sender{}
	if got := empty.Scrub("abc"); got != "abc" {
		t.Errorf("scrub without keys = %q", got)
	}
}

func TestNewAPIErrorScrubsBeforeSampling(t *testing.T) {
	t.Parallel()
	s := testSender(t)
	op := api.OperationProvisionPartnerOrganization
	// The key starts inside the first 512 bytes and ends after them.
	body := `{"detail":"` + strings.Repeat("x", 495) + ` kvqp_internal_partner","serverKey":"sk_org_secret"}`
	e := newAPIError(op, "POST", "/partner/organizations/", 400, []byte(body), s.Scrub)
	for _, leak := range []string{"kvqp_inter", "sk_org", "sk_internal"} {
		for what, v := range map[string]string{"Body": e.Body, "Message": e.Message, "Error": e.Error()} {
			if strings.Contains(v, leak) {
				t.Errorf("%s leaks %q: %q", what, leak, v)
			}
		}
	}
	if len(e.Body) > errbody.MaxSample || e.OperationID != "provisionPartnerOrganization" || e.StatusCode != 400 {
		t.Errorf("APIError = %+v", e)
	}
	e = newAPIError(op, "POST", "/x/", 409, []byte(`{"organization":{"serverKey":["sk_org_secret"]}}`), s.Scrub)
	if got := e.FieldErrors["organization.serverKey"]; len(got) != 1 || got[0] != redact.Marker || strings.Contains(e.Error(), "sk_org") {
		t.Errorf("FieldErrors = %v, Error() = %q", e.FieldErrors, e.Error())
	}
}

func TestRelPath(t *testing.T) {
	t.Parallel()
	s := testSender(t)
	for in, want := range map[string]string{
		"http://127.0.0.1:8080/api/v1/customers/":                                  "/customers/",
		"http://127.0.0.1:8080/api/v1/partner/organizations/by-external-id/a%2Fb/": "/partner/organizations/by-external-id/a%2Fb/",
		"https://edge.example/api/v1/entitlements/":                                "/entitlements/",
		"http://127.0.0.1:8080/other/":                                             "/other/",
	} {
		u, err := url.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Path(u); got != want {
			t.Errorf("Path(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestPathSegmentAndLengths(t *testing.T) {
	t.Parallel()
	cases := []struct {
		v    string
		rule string
	}{
		{"ok", ""},
		{"...", ""},
		{"a/b", ""},
		{"", "empty"},
		{".", `"."`},
		{"..", `".."`},
		{"a\tb", "control"},
		{"a\u0085b", "control"},
		{"a\xffb", "UTF-8"},
	}
	for _, tc := range cases {
		_, err := api.PathSegment("externalId", tc.v)
		if tc.rule == "" {
			if err != nil {
				t.Errorf("PathSegment(%q) = %v", tc.v, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.rule) || !errors.Is(err, ErrInvalidInput) {
			t.Errorf("PathSegment(%q) = %v, want an error about %q", tc.v, err, tc.rule)
		}
	}
}

func TestAuthString(t *testing.T) {
	t.Parallel()
	for a, want := range map[Auth]string{AuthNone: "none", AuthPartnerKey: "partner key", AuthServerKey: "server key", Auth(42): "none"} {
		if a.String() != want {
			t.Errorf("Auth(%d).String() = %q, want %q", int(a), a.String(), want)
		}
	}
}

func TestOperationsTable(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	ops := Operations()
	if len(ops) == 0 {
		t.Error("the operation table is empty")
	}
	for _, op := range ops {
		if seen[op.ID()] {
			t.Errorf("duplicate operation %s", op.ID())
		}
		seen[op.ID()] = true
		if !strings.HasPrefix(op.Path(), "/") || op.Method() != strings.ToUpper(op.Method()) {
			t.Errorf("%s: %s %s", op.ID(), op.Method(), op.Path())
		}
		if len(op.SuccessCodes()) == 0 {
			t.Errorf("%s declares no success code", op.ID())
		}
		for _, c := range op.SuccessCodes() {
			if c < 200 || c > 399 {
				t.Errorf("%s: success code %d", op.ID(), c)
			}
		}
		// The lookup by operationId and the table agree.
		o, ok := LookupOperation(op.ID())
		if !ok || !o.Valid() || o != op || o.ID() != op.ID() || o.Method() != op.Method() || o.Auth() != op.Auth() || o.OwnServers() != op.OwnServers() {
			t.Errorf("%s: LookupOperation gives %d, which disagrees with the table", op.ID(), o)
		}
	}
	if op, ok := LookupOperation("nope"); ok || op.ID() != "" {
		t.Errorf("LookupOperation(nope) = %+v, %v", op, ok)
	}
	// Copies share nothing with the table.
	params, security := ops[0].Params(), ops[0].Security()
	if len(params) == 0 || len(security) == 0 {
		t.Fatalf("%s: no parameters or no security to change", ops[0].ID())
	}
	params[0] = Param{Name: "changed"}
	security[0] = SecurityScheme{}
	if again := Operations(); again[0].Params()[0].Name == "changed" || again[0].Security()[0].Name == "" {
		t.Error("changing a copy changed the table")
	}
}
