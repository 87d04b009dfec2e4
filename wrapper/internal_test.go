package wrapper

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kelviq/kelviq-go/api"
)

func TestSample(t *testing.T) {
	t.Parallel()
	ascii := strings.Repeat("a", 600)
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, ""},
		{"short", []byte("hello"), "hello"},
		{"exactly the limit", []byte(ascii[:512]), ascii[:512]},
		{"over the limit", []byte(ascii), ascii[:512]},
		// "é" is 2 bytes; 511 ASCII bytes leave room for 1 byte only.
		{"rune cut at the limit is dropped", []byte(ascii[:511] + "éxyz"), ascii[:511]},
		{"invalid byte early keeps the rest", append([]byte("ab\xffcd"), ascii...), "ab\uFFFDcd" + ascii[:512-7]},
		{"short body with invalid bytes", []byte("a\xffb\xfe"), "a\uFFFDb\uFFFD"},
	}
	for _, tc := range cases {
		got := sample(tc.in)
		if got != tc.want {
			t.Errorf("%s: sample = %q (%d bytes), want %q (%d bytes)", tc.name, got, len(got), tc.want, len(tc.want))
		}
	}
	// Whatever the input, the sample is valid UTF-8 of at most 512 bytes.
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 500 {
		b := make([]byte, r.IntN(1200))
		for j := range b {
			b[j] = byte(r.UintN(256))
		}
		got := sample(b)
		if len(got) > maxSample || !utf8.ValidString(got) {
			t.Fatalf("input %d: sample is %d bytes, valid UTF-8 %v", i, len(got), utf8.ValidString(got))
		}
		if len(b) > 0 && got == "" {
			t.Fatalf("input %d: empty sample of %d bytes", i, len(b))
		}
	}
}

func TestParseErrorBody(t *testing.T) {
	t.Parallel()
	cases := []struct {
		body       string
		wantMsg    string
		wantFields map[string][]string
	}{
		{`{"detail":"Not found."}`, "Not found.", nil},
		{`{"detail":["a","b"]}`, "a; b", nil},
		{`{"error":"boom","detail":"first"}`, "first", nil},
		{`{"error":"boom"}`, "boom", nil},
		{`{"status":400,"message":"bad"}`, "bad", nil},
		{`{"status":400,"code":"x"}`, "", nil},
		{`{"externalId":["already exists"]}`, "externalId: already exists", map[string][]string{"externalId": {"already exists"}}},
		{`{"email":"taken"}`, "email: taken", map[string][]string{"email": {"taken"}}},
		{`{"billingAddress":{"country":["bad"],"zip":{"format":["nope"]}}}`, "billingAddress.country: bad; billingAddress.zip.format: nope",
			map[string][]string{"billingAddress.country": {"bad"}, "billingAddress.zip.format": {"nope"}}},
		{`{"non_field_errors":["x","y"],"a":["b"]}`, "a: b; x; y", map[string][]string{"non_field_errors": {"x", "y"}, "a": {"b"}}},
		{`{"a":[]}`, "", nil},
		{`{"detail":{"nested":1}}`, "detail.nested", nil}, // handled below
		{`<html>502</html>`, "", nil},
		{``, "", nil},
		{`[1,2]`, "", nil},
		{`"just a string"`, "", nil},
	}
	for _, tc := range cases {
		msg, fields := parseErrorBody([]byte(tc.body))
		if tc.body == `{"detail":{"nested":1}}` {
			// A detail that is neither a string nor a list gives no message;
			// its numeric leaf is not a field error either.
			if msg != "" || len(fields) != 0 {
				t.Errorf("%s: got %q %v, want nothing", tc.body, msg, fields)
			}
			continue
		}
		if msg != tc.wantMsg {
			t.Errorf("%s: message = %q, want %q", tc.body, msg, tc.wantMsg)
		}
		if len(fields) != len(tc.wantFields) || (len(fields) > 0 && !reflect.DeepEqual(fields, tc.wantFields)) {
			t.Errorf("%s: fields = %v, want %v", tc.body, fields, tc.wantFields)
		}
	}
}

func testSender(t *testing.T) *sender {
	t.Helper()
	return &sender{
		base:       "http://127.0.0.1:8080/api/v1",
		baseServer: parseServer("http://127.0.0.1:8080/api/v1"),
		edgeServer: parseServer("https://edge.example/api/v1"),
		partnerKey: NewSecret("kvqp_internal_partner"),
		serverKey:  NewSecret("sk_internal_server"),
		maxBody:    DefaultMaxBodyBytes,
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
		if got := s.scrub(tc.in); got != tc.want {
			t.Errorf("scrub(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// An empty key scrubs nothing (strings.ReplaceAll with "" would insert
	// the marker everywhere).
	empty := &sender{}
	if got := empty.scrub("abc"); got != "abc" {
		t.Errorf("scrub without keys = %q", got)
	}
}

func TestNewAPIErrorScrubsBeforeSampling(t *testing.T) {
	t.Parallel()
	s := testSender(t)
	op := api.OpProvisionPartnerOrganization
	// The key starts inside the first 512 bytes and ends after them.
	body := `{"detail":"` + strings.Repeat("x", 495) + ` kvqp_internal_partner","serverKey":"sk_org_secret"}`
	e := newAPIError(op, "POST", "/partner/organizations/", 400, []byte(body), s.scrub)
	for _, leak := range []string{"kvqp_inter", "sk_org", "sk_internal"} {
		for what, v := range map[string]string{"Body": e.Body, "Message": e.Message, "Error": e.Error()} {
			if strings.Contains(v, leak) {
				t.Errorf("%s leaks %q: %q", what, leak, v)
			}
		}
	}
	if len(e.Body) > maxSample || e.OperationID != "provisionPartnerOrganization" || e.StatusCode != 400 {
		t.Errorf("APIError = %+v", e)
	}
	e = newAPIError(op, "POST", "/x/", 409, []byte(`{"organization":{"serverKey":["sk_org_secret"]}}`), s.scrub)
	if got := e.FieldErrors["organization.serverKey"]; len(got) != 1 || got[0] != redacted || strings.Contains(e.Error(), "sk_org") {
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
		if got := s.relPath(u); got != want {
			t.Errorf("relPath(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckBaseURL(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, want string
		wantErr  string
	}{
		{in: "https://api.kelviq.com/api/v1/", want: "https://api.kelviq.com/api/v1"},
		{in: "https://api.kelviq.com", want: "https://api.kelviq.com"},
		{in: "http://localhost:8000/api/v1", want: "http://localhost:8000/api/v1"},
		{in: "http://LOCALHOST/api/v1", want: "http://LOCALHOST/api/v1"},
		{in: "http://127.0.0.2:1", want: "http://127.0.0.2:1"},
		{in: "http://[::1]:1/", want: "http://[::1]:1"},
		{in: "http://10.0.0.1/api", wantErr: "https"},
		{in: "http://localhost.evil.example/", wantErr: "https"},
		{in: "ftp://x", wantErr: "scheme"},
		{in: "::bad", wantErr: "malformed"},
		{in: "https://", wantErr: "no host"},
		{in: "api.kelviq.com/api/v1", wantErr: "no host"},
		{in: "https://u:p@api.kelviq.com", wantErr: "user info"},
		{in: "https://api.kelviq.com/?a=1", wantErr: "query"},
		{in: "https://api.kelviq.com/#x", wantErr: "fragment"},
	}
	for _, tc := range cases {
		got, err := checkBaseURL("WithBaseURL", tc.in)
		switch {
		case tc.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "WithBaseURL") {
				t.Errorf("checkBaseURL(%q) = %q, %v; want an error about %q", tc.in, got, err, tc.wantErr)
			}
		case err != nil || got != tc.want:
			t.Errorf("checkBaseURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestCheckEmail(t *testing.T) {
	t.Parallel()
	good := []string{"ops@northwind.example", "a.b+c@x.y", "root@localhost", "o'neil@x.example"}
	bad := []string{"", "nope", "Ops <ops@x.example>", "ops@x", "@x.example", "ops@", "ops@x.example ", " ops@x.example", "a@b@c.example", "<ops@x.example>"}
	for _, v := range good {
		if err := checkEmail("email", v); err != nil {
			t.Errorf("checkEmail(%q) = %v, want nil", v, err)
		}
	}
	for _, v := range bad {
		err := checkEmail("email", v)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != "email" {
			t.Errorf("checkEmail(%q) = %v, want a ValidationError on email", v, err)
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
	if err := checkMaxLen("externalId", strings.Repeat("é", 128), 128); err != nil {
		t.Errorf("128 characters: %v", err)
	}
	if err := checkMaxLen("externalId", strings.Repeat("é", 129), 128); err == nil || !strings.Contains(err.Error(), "at most 128 characters") {
		t.Errorf("129 characters: %v", err)
	}
	if _, err := checkUUID("identifier", "3F0C2A8E-5B7D-4C1E-9A2F-6D8E0B4C7A19"); err != nil {
		t.Errorf("checkUUID(upper case) = %v", err)
	}
}

func TestCappedBody(t *testing.T) {
	t.Parallel()
	cases := []struct {
		size, limit int
		wantErr     bool
	}{
		{0, 10, false},
		{10, 10, false},
		{11, 10, true},
		{4096, 1024, true},
		{1024, 1024, false},
	}
	for _, tc := range cases {
		b := &cappedBody{rc: io.NopCloser(bytes.NewReader(bytes.Repeat([]byte("x"), tc.size))), n: int64(tc.limit), s: &sender{maxBody: int64(tc.limit)}, op: api.OpListCustomers}
		got, err := io.ReadAll(b)
		if tc.wantErr {
			var big *BodyTooLargeError
			if !errors.As(err, &big) || big.Limit != int64(tc.limit) || len(got) > tc.limit {
				t.Errorf("size %d limit %d: read %d bytes, err %v; want the cap error", tc.size, tc.limit, len(got), err)
			}
		} else if err != nil || len(got) != tc.size {
			t.Errorf("size %d limit %d: read %d bytes, err %v", tc.size, tc.limit, len(got), err)
		}
		if err := b.Close(); err != nil {
			t.Errorf("Close = %v", err)
		}
	}
}

func TestCredentialHeaders(t *testing.T) {
	t.Parallel()
	got := credentialHeaders
	if !reflect.DeepEqual(got, []string{"Authorization", "X-Kelviq-Partner-Key"}) {
		t.Errorf("credentialHeaders = %v", got)
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

// redirectReq builds the request CheckRedirect sees for a redirect to to,
// marked as the sender marks it when the operation's answer is a redirect.
func redirectReq(t *testing.T, opID, to string) *http.Request {
	t.Helper()
	op, ok := api.LookupOp(opID)
	if !ok {
		t.Fatalf("no operation %s", opID)
	}
	ctx := context.Background()
	if op.Redirects() {
		ctx = context.WithValue(ctx, redirectKey{}, true)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, to, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer sk")
	req.Header.Set("X-Kelviq-Partner-Key", "kvqp_x")
	return req
}

func TestGuardRedirects(t *testing.T) {
	t.Parallel()
	first, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:8080/api/v1/x/", nil)
	via := []*http.Request{first}

	user := guardRedirects(&http.Client{})
	// Same host: followed, credentials kept.
	req := redirectReq(t, "listCustomers", "http://127.0.0.1:8080/api/v1/y/")
	if err := user.CheckRedirect(req, via); err != nil || req.Header.Get("Authorization") == "" {
		t.Errorf("same-host redirect: err %v, Authorization %q", err, req.Header.Get("Authorization"))
	}
	// Another port, host or scheme: followed, every credential dropped.
	for _, to := range []string{"http://127.0.0.1:9090/y/", "http://other.example/y/", "https://127.0.0.1:8080/api/v1/y/"} {
		req := redirectReq(t, "listCustomers", to)
		if err := user.CheckRedirect(req, via); err != nil {
			t.Errorf("%s: err %v, want the redirect followed", to, err)
		}
		if req.Header.Get("Authorization") != "" || req.Header.Get("X-Kelviq-Partner-Key") != "" {
			t.Errorf("%s: credentials kept: %v", to, req.Header)
		}
	}
	// Go's default limit of 10 redirects still holds.
	long := make([]*http.Request, 10)
	for i := range long {
		long[i] = first
	}
	if err := user.CheckRedirect(redirectReq(t, "listCustomers", "http://127.0.0.1:8080/z/"), long); err == nil {
		t.Error("the 11th redirect was followed")
	}
	// An operation's declared redirect is never followed.
	if err := user.CheckRedirect(redirectReq(t, "downloadCatalogPlanFile", "http://127.0.0.1:8080/f"), via); !errors.Is(err, http.ErrUseLastResponse) {
		t.Errorf("declared 302: err %v, want ErrUseLastResponse", err)
	}
	// A user policy is consulted, after the credentials are dropped.
	stop := errors.New("stop")
	var sawAuth string
	own := guardRedirects(&http.Client{CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		sawAuth = r.Header.Get("Authorization") + r.Header.Get("X-Kelviq-Partner-Key")
		return stop
	}})
	if err := own.CheckRedirect(redirectReq(t, "listCustomers", "http://other.example/"), via); !errors.Is(err, stop) || sawAuth != "" {
		t.Errorf("user policy: err %v, saw credential %q", err, sawAuth)
	}
	// The guard works on a copy.
	orig := &http.Client{}
	if guardRedirects(orig); orig.CheckRedirect != nil {
		t.Error("guardRedirects modified the caller's client")
	}
}

func TestDefaultClientFollowsNoRedirect(t *testing.T) {
	t.Parallel()
	c, err := New(WithoutEnvKeys())
	if err != nil {
		t.Fatal(err)
	}
	hc, ok := c.send.doer.(*http.Client)
	if !ok {
		t.Fatalf("default doer is %T", c.send.doer)
	}
	first, _ := http.NewRequest(http.MethodGet, "https://api.kelviq.com/api/v1/customers/", nil)
	for _, to := range []string{"https://api.kelviq.com/api/v1/other/", "https://evil.example/"} {
		if err := hc.CheckRedirect(redirectReq(t, "listCustomers", to), []*http.Request{first}); !errors.Is(err, http.ErrUseLastResponse) {
			t.Errorf("redirect to %s: err %v, want ErrUseLastResponse", to, err)
		}
	}
}

func TestOperationsTable(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	ops := Operations()
	if len(ops) != 64 {
		t.Errorf("%d operations, want 64", len(ops))
	}
	for _, op := range ops {
		if seen[op.ID] {
			t.Errorf("duplicate operation %s", op.ID)
		}
		seen[op.ID] = true
		if !strings.HasPrefix(op.Path, "/") || op.Method != strings.ToUpper(op.Method) {
			t.Errorf("%s: %s %s", op.ID, op.Method, op.Path)
		}
		if len(op.SuccessCodes) == 0 {
			t.Errorf("%s declares no success code", op.ID)
		}
		for _, c := range op.SuccessCodes {
			if c < 200 || c > 399 {
				t.Errorf("%s: success code %d", op.ID, c)
			}
		}
		// The Op and the table agree.
		o := op.Op()
		if !o.Valid() || o.ID() != op.ID || o.Method() != op.Method || o.Auth() != op.Auth() || o.OwnServers() != op.Edge() {
			t.Errorf("%s: Op %d disagrees with the table", op.ID, o)
		}
	}
	if op, ok := LookupOperation("nope"); ok || op.ID != "" {
		t.Errorf("LookupOperation(nope) = %+v, %v", op, ok)
	}
	// Copies share nothing with the table.
	ops[0].Params = append(ops[0].Params[:0], Param{Name: "changed"})
	ops[0].Security = nil
	if again := Operations(); len(again[0].Security) == 0 {
		t.Error("changing a copy changed the table")
	}
}
