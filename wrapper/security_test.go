package wrapper_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kelviq/kelviq-go/wrapper"
)

// Each test here is one of the holes an outside probe found; each failed
// before its fix.

// A 2xx body cut inside the serverKey value, or naming the field in
// another letter case or through JSON escapes (Go's decoder takes all of
// these for the field), leaves no key in any field or rendering of the
// *DecodeError.
func TestDecodeErrorHidesServerKeys(t *testing.T) {
	checkNoLeak(t)
	const key = "sk_live_ABCDEF0123456789"
	for _, body := range []string{
		`{"userId":7,"organizationSlug":"n","serverKey":"` + key,
		`{"userId":"7","serverkey":"` + key + `"}`,
		`{"userId":"7","SERVERKEY":"` + key + `"}`,
		`{"userId":"7","server\u004bey":"` + key + `"}`,
		`{"userId":"7","\u0073erverKey" : ["` + key + `"]}`,
		`{"userId":"7","serverKey":{"v":"` + key + `"}`,
	} {
		c, _ := setup(t, withFaults(ok(body)))
		_, err := c.Partner.GetByExternalID(context.Background(), "northwind-0042")
		var de *wrapper.DecodeError
		if !errors.As(err, &de) {
			t.Fatalf("%s: err = %v, want a *DecodeError", body, err)
		}
		js, _ := json.Marshal(err)
		for what, s := range map[string]string{
			"Body": de.Body, "Error": err.Error(), "%#v": fmt.Sprintf("%#v", de), "%+v": fmt.Sprintf("%+v", err), "JSON": string(js),
		} {
			if strings.Contains(s, "ABCDEF") {
				t.Errorf("%s: %s shows the key: %s", body, what, s)
			}
		}
	}
}

// A Retry-After too long for a time.Duration ends the retries; it does not
// wrap around into an immediate re-send.
func TestRetryAfterOverflowEndsRetries(t *testing.T) {
	checkNoLeak(t)
	for _, ra := range []string{"9223372037", "18446744074", "99999999999999999999999"} {
		c, fs := setup(t, withFaults(status(503, "Retry-After", ra), ok(orgJSON)))
		start := time.Now()
		_, err := c.Partner.GetByExternalID(context.Background(), "northwind-0042")
		var apiErr *wrapper.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || apiErr.Attempts != 1 || fs.seen.Load() != 1 {
			t.Errorf("Retry-After %s: err %v after %d requests; want the 503 after 1", ra, err, fs.seen.Load())
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Retry-After %s: took %v", ra, d)
		}
	}
}

// WithEnvironment follows WithBaseURL's rules for both of its URLs.
func TestWithEnvironmentValidated(t *testing.T) {
	t.Parallel()
	for _, env := range []wrapper.Environment{
		{Name: "x", BaseURL: "http://user:pass@api.example/api/v1", EdgeURL: "https://edge.example/api/v1"},
		{Name: "x", BaseURL: "https://api.example/api/v1", EdgeURL: "https://u:p@edge.example/api/v1"},
		{Name: "x", BaseURL: "http://api.example/api/v1", EdgeURL: "https://edge.example/api/v1"},
		{Name: "x", BaseURL: "https://api.example/api/v1?x=1", EdgeURL: "https://edge.example/api/v1"},
		{Name: "x", BaseURL: "ftp://api.example/", EdgeURL: "https://edge.example/api/v1"},
	} {
		c, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithEnvironment(env))
		if err == nil {
			t.Errorf("%+v accepted: %v", env, c)
			continue
		}
		if strings.Contains(err.Error(), "pass") || !strings.Contains(err.Error(), "WithEnvironment") {
			t.Errorf("%+v: error %q must name the option and not the password", env, err)
		}
	}
	c, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithEnvironment(wrapper.Environment{Name: "local", BaseURL: "http://127.0.0.1:1/api/v1/", EdgeURL: "http://localhost:2/api/v1"}))
	if err != nil || c.BaseURL() != "http://127.0.0.1:1/api/v1" {
		t.Fatalf("loopback environment: %v, %v", c, err)
	}
}

// panicDoer panics with a message that holds the request's headers, and
// counts its calls.
type panicDoer struct{ calls atomic.Int64 }

func (d *panicDoer) Do(r *http.Request) (*http.Response, error) {
	d.calls.Add(1)
	panic(fmt.Sprintf("doer broke on %v", r.Header))
}

// A panic in a user's Doer comes back as an error, scrubbed like any other,
// and is not retried.
func TestDoerPanicIsAScrubbedError(t *testing.T) {
	t.Parallel()
	d := &panicDoer{}
	c, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithServerKey("sk_panic_SECRET"), wrapper.WithDoer(d))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Customers.List(context.Background(), nil)
	if err == nil || strings.Contains(err.Error(), "SECRET") || !strings.Contains(err.Error(), "panicked") {
		t.Fatalf("err = %v", err)
	}
	if n := d.calls.Load(); n != 1 {
		t.Errorf("the Doer was called %d times, want 1", n)
	}
}

// dump renders v as reflection-based dumpers do (spew with DisableMethods,
// testify's diffs): every field, exported or not, pointers followed,
// without calling any method.
func dump(v reflect.Value, depth int) string {
	if depth > 10 {
		return "…"
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "nil"
		}
		return "&" + dump(v.Elem(), depth+1)
	case reflect.Struct:
		var b strings.Builder
		b.WriteString("{")
		for i := range v.NumField() {
			fmt.Fprintf(&b, "%s:%s ", v.Type().Field(i).Name, dump(v.Field(i), depth+1))
		}
		return b.String() + "}"
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b := make([]byte, v.Len())
			for i := range b {
				b[i] = byte(v.Index(i).Uint())
			}
			return fmt.Sprintf("%q", b)
		}
		var b strings.Builder
		for i := range v.Len() {
			b.WriteString(dump(v.Index(i), depth+1) + ",")
		}
		return "[" + b.String() + "]"
	case reflect.String:
		return fmt.Sprintf("%q", v.String())
	default:
		return fmt.Sprint(v)
	}
}

// A dumper that walks struct fields does not find a Secret's value.
func TestSecretHiddenFromReflectionDumpers(t *testing.T) {
	t.Parallel()
	const key = "sk_org_DUMPME_0123456789"
	org := wrapper.PartnerOrganization{Slug: "n", ServerKey: wrapper.NewSecret(key)}
	if out := dump(reflect.ValueOf(org), 0); strings.Contains(out, "DUMPME") {
		t.Fatalf("dump shows the key: %s", out)
	}
	if org.ServerKey.Reveal() != key {
		t.Fatalf("Reveal = %q", org.ServerKey.Reveal())
	}
}

// A key with CR or LF is refused when the client is made, and a request
// that cannot be sent as built (here an editor's invalid header) is not
// retried.
func TestCRLFKeyRefusedAndBadRequestNotRetried(t *testing.T) {
	t.Setenv(wrapper.EnvServerKey, "")
	for _, opt := range []wrapper.Option{
		wrapper.WithServerKey("sk_a\r\nX-Injected: 1"),
		wrapper.WithPartnerKey("kvqp_a\nb"),
		wrapper.WithServerKey("sk a"),
	} {
		if _, err := wrapper.New(wrapper.WithoutEnvKeys(), opt); err == nil || !strings.Contains(err.Error(), "With") {
			t.Errorf("New accepted a key with a control character or space: %v", err)
		}
	}
	t.Setenv(wrapper.EnvServerKey, "sk_env\r\nX: y")
	if _, err := wrapper.New(); err == nil || !strings.Contains(err.Error(), wrapper.EnvServerKey) {
		t.Errorf("New accepted %s with CRLF: %v", wrapper.EnvServerKey, err)
	}
	t.Setenv(wrapper.EnvServerKey, "")

	c, fs := setup(t, withFaults(ok(`{"count":0,"results":[]}`)), withOptions(wrapper.WithServerKey("sk_ok")))
	_, err := c.API().ListCustomers(context.Background(), nil, func(_ context.Context, r *http.Request) error {
		r.Header["X-Bad"] = []string{"a\r\nb"}
		return nil
	})
	if err == nil || fs.seen.Load() != 0 {
		t.Fatalf("err = %v, server saw %d", err, fs.seen.Load())
	}
	if strings.Contains(err.Error(), "after") {
		t.Errorf("a request that cannot be built was retried: %v", err)
	}
}

// A request whose connection could not be opened comes back matching
// ErrNotSent (and still the transport's own error), POST included; one
// that reached the server does not.
func TestErrNotSent(t *testing.T) {
	checkNoLeak(t)
	hc, dials := dialFailsOnce(t)
	c, fs := setup(t, withFaults(ok(orgJSON)), withOptions(wrapper.WithHTTPClient(hc), wrapper.WithMaxRetries(0)))
	_, err := c.Partner.Provision(context.Background(), provision)
	var op *net.OpError
	if !errors.Is(err, wrapper.ErrNotSent) || !errors.As(err, &op) || dials.Load() != 1 || fs.seen.Load() != 0 {
		t.Fatalf("err = %v (dials %d, server saw %d); want ErrNotSent and the *net.OpError", err, dials.Load(), fs.seen.Load())
	}
	c2, _ := setup(t, withFaults(drop), withOptions(wrapper.WithMaxRetries(0)))
	if _, err := c2.Partner.Provision(context.Background(), provision); err == nil || errors.Is(err, wrapper.ErrNotSent) {
		t.Fatalf("a request the server read: err = %v, want an error that is not ErrNotSent", err)
	}
}

// A request editor that moves a request to another host or scheme gets an
// error; the other host receives nothing, no credential above all.
func TestEditorCannotMoveRequestElsewhere(t *testing.T) {
	var other atomic.Int64
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { other.Add(1) }))
	defer evil.Close()
	c, fs := setup(t, withFaults(ok(`{"count":0,"results":[]}`)), withOptions(wrapper.WithServerKey("sk_editor_SECRET")))
	evilURL, _ := url.Parse(evil.URL)
	for name, edit := range map[string]func(*http.Request){
		"host":        func(r *http.Request) { r.URL.Host = evilURL.Host },
		"scheme":      func(r *http.Request) { r.URL.Scheme = "https" },
		"Host header": func(r *http.Request) { r.Host = "evil.example" },
	} {
		_, err := c.API().ListCustomers(context.Background(), nil, func(_ context.Context, r *http.Request) error { edit(r); return nil })
		if err == nil || strings.Contains(err.Error(), "SECRET") {
			t.Errorf("%s: err = %v, want a refusal without the key", name, err)
		}
	}
	if other.Load() != 0 || fs.seen.Load() != 0 {
		t.Fatalf("requests sent: other host %d, API %d; want none", other.Load(), fs.seen.Load())
	}
	if _, err := c.API().ListCustomers(context.Background(), nil); err != nil || fs.seen.Load() != 1 {
		t.Fatalf("an unmoved request: %v", err)
	}
}

// A credential header an editor writes under a key of any spelling is
// removed: only the one the operation takes is sent.
func TestEditorCredentialOfAnySpellingRemoved(t *testing.T) {
	var got atomic.Value
	_, fs := setup(t, withFaults(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Values("X-Kelviq-Partner-Key"))
		ok(`{"count":0,"results":[]}`)(w, r)
	}))
	c := fs.client(t, wrapper.WithServerKey("sk_a"))
	edit := func(_ context.Context, r *http.Request) error {
		r.Header["x-kelviq-partner-key"] = []string{"kvqp_injected"}
		return nil
	}
	if _, err := c.API().ListCustomers(context.Background(), nil, edit); err != nil {
		t.Fatal(err)
	}
	if v := got.Load().([]string); len(v) != 0 {
		t.Errorf("server got X-Kelviq-Partner-Key %q on a server-key operation", v)
	}
}

// Header values are the request's own: middleware that edits one in place
// on one client changes nothing for another (and is race-free).
func TestHeaderValuesAreNotShared(t *testing.T) {
	var accepts sync.Map
	_, fs := setup(t, withFaults(func(w http.ResponseWriter, r *http.Request) {
		accepts.Store(r.Header.Get("User-Agent")+"|"+r.Header.Get("Accept"), true)
		ok(`{"count":0,"results":[]}`)(w, r)
	}))
	mw := func(req *http.Request, _ wrapper.AttemptInfo, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
		for _, v := range req.Header {
			for i := range v {
				v[i] = strings.ToUpper(v[i]) // in place
			}
		}
		return next(req)
	}
	loud := fs.client(t, wrapper.WithServerKey("sk_a"), wrapper.WithMiddleware(mw), wrapper.WithUserAgent("shared"))
	quiet := fs.client(t, wrapper.WithServerKey("sk_b"), wrapper.WithUserAgent("shared"))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { _, _ = loud.Customers.List(context.Background(), nil) })
		wg.Go(func() { _, _ = quiet.Customers.List(context.Background(), nil) })
	}
	wg.Wait()
	accepts.Range(func(k, _ any) bool {
		if ua, accept, _ := strings.Cut(k.(string), "|"); strings.HasPrefix(ua, "shared") && accept != "application/json" {
			t.Errorf("the quiet client sent %q", k)
		}
		return true
	})
}

// A key the server echoes with JSON escapes is scrubbed from every field
// and rendering of the error, as the plain key is.
func TestEscapedKeyScrubbedFromErrors(t *testing.T) {
	checkNoLeak(t)
	const key = "kvqp_test_resilience"
	escaped := `kvqp\u005ftest_resilience` // key, escaped
	for _, body := range []string{
		`{"detail":"bad key ` + escaped + `"}`,
		`{"detail":"bad key ` + escaped, // cut short
		`{"detail":"bad key \u006bvqp\u005f\u0074est_resilience"}`,
	} {
		c, _ := setup(t, withKeys(key, ""), withFaults(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, body)
		}))
		_, err := c.Partner.GetByExternalID(context.Background(), "northwind-0042")
		var apiErr *wrapper.APIError
		if !errors.As(err, &apiErr) {
			t.Fatalf("err = %v", err)
		}
		js, _ := json.Marshal(apiErr)
		var back wrapper.APIError
		_ = json.Unmarshal(js, &back)
		for what, s := range map[string]string{"Body": apiErr.Body, "Message": apiErr.Message, "JSON": string(js), "decoded JSON": back.Body + back.Message, "%+v": fmt.Sprintf("%+v", apiErr)} {
			if strings.Contains(s, "test_resilience") {
				t.Errorf("%s: %s shows the key: %s", body, what, s)
			}
		}
	}
}

// Redact, the one redaction the client and the CLI use: given secrets,
// also spelled with escapes, and credential members by any spelling;
// everything else as it was.
func TestRedact(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{`token sk_live_123 here`, `token [REDACTED] here`},
		{`{"detail":"sk\u005flive_123"}`, `{"detail":"[REDACTED]"}`},
		{`{"serverKey":"x","clientKey":"ck"}`, `{"serverKey":"[REDACTED]","clientKey":"ck"}`},
		{`{"partner_key":"p","api-key":"a","Password":"w","secret":{"v":1},"name":"n"}`, `{"partner_key":"[REDACTED]","api-key":"[REDACTED]","Password":"[REDACTED]","secret":"[REDACTED]","name":"n"}`},
		{`{"webhookSecret":"kq_whsec_abc`, `{"webhookSecret":"[REDACTED]"`},
		{`{"serverKey":null,"count":3}`, `{"serverKey":null,"count":3}`},
		{`nothing to hide`, `nothing to hide`},
	} {
		if got := wrapper.Redact(tc.in, "sk_live_123", ""); got != tc.want {
			t.Errorf("Redact(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
