package wrapper_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/wrapper"
)

func TestNewOptionErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		opt      wrapper.Option
		wantText []string
	}{
		{"WithPartnerKey empty", wrapper.WithPartnerKey(""), []string{"WithPartnerKey", "empty"}},
		{"WithPartnerKey blank", wrapper.WithPartnerKey("   "), []string{"WithPartnerKey", "empty"}},
		{"WithPartnerKey without prefix", wrapper.WithPartnerKey("abc"), []string{"WithPartnerKey", "kvqp_"}},
		{"WithServerKey empty", wrapper.WithServerKey(""), []string{"WithServerKey", "empty"}},
		{"WithBaseURL non-loopback http", wrapper.WithBaseURL("http://api.example.com"), []string{"WithBaseURL", "https"}},
		{"WithBaseURL malformed", wrapper.WithBaseURL("::bad"), []string{"WithBaseURL"}},
		{"WithBaseURL ftp", wrapper.WithBaseURL("ftp://x"), []string{"WithBaseURL", "https"}},
		{"WithBaseURL no host", wrapper.WithBaseURL("https://"), []string{"WithBaseURL", "host"}},
		{"WithBaseURL user info", wrapper.WithBaseURL("https://user:pw@api.example.com"), []string{"WithBaseURL", "user info"}},
		{"WithBaseURL query", wrapper.WithBaseURL("https://api.example.com/api/v1?x=1"), []string{"WithBaseURL", "query"}},
		{"WithEdgeURL non-loopback http", wrapper.WithEdgeURL("http://edge.example.com"), []string{"WithEdgeURL", "https"}},
		{"WithMaxBodyBytes zero", wrapper.WithMaxBodyBytes(0), []string{"WithMaxBodyBytes"}},
		{"WithMaxBodyBytes negative", wrapper.WithMaxBodyBytes(-1), []string{"WithMaxBodyBytes"}},
		{"WithHTTPClient nil", wrapper.WithHTTPClient(nil), []string{"WithHTTPClient"}},
		{"WithDoer nil", wrapper.WithDoer(nil), []string{"WithDoer"}},
		{"WithUserAgent multi-line", wrapper.WithUserAgent("a\r\nX-Evil: 1"), []string{"WithUserAgent"}},
		{"WithEnvironment zero", wrapper.WithEnvironment(wrapper.Environment{}), []string{"WithEnvironment"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := wrapper.New(wrapper.WithoutEnvKeys(), tc.opt)
			if err == nil || c != nil {
				t.Fatalf("New = %v, %v; want an error", c, err)
			}
			for _, s := range tc.wantText {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err.Error(), s)
				}
			}
		})
	}
}

func TestNewAcceptsLoopbackAndHTTPS(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"https://api.example.com/api/v1/", "https://api.example.com/api/v1"},
		{"http://127.0.0.1:8080/api/v1", "http://127.0.0.1:8080/api/v1"},
		{"http://localhost:8080", "http://localhost:8080"},
		{"http://[::1]:9000/api/v1", "http://[::1]:9000/api/v1"},
	}
	for _, tc := range cases {
		c, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(tc.in))
		if err != nil {
			t.Errorf("WithBaseURL(%q): %v", tc.in, err)
			continue
		}
		if c.BaseURL() != tc.want {
			t.Errorf("WithBaseURL(%q): BaseURL() = %q, want %q", tc.in, c.BaseURL(), tc.want)
		}
	}
}

func TestEnvironments(t *testing.T) {
	t.Parallel()
	c, err := wrapper.New(wrapper.WithoutEnvKeys())
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != "https://api.kelviq.com/api/v1" || wrapper.Production.BaseURL != c.BaseURL() {
		t.Errorf("default BaseURL() = %q, want production", c.BaseURL())
	}
	s, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithEnvironment(wrapper.Sandbox))
	if err != nil {
		t.Fatal(err)
	}
	if s.BaseURL() != "https://sandboxapi.kelviq.com/api/v1" {
		t.Errorf("sandbox BaseURL() = %q", s.BaseURL())
	}
	// WithBaseURL wins over the environment.
	o, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithEnvironment(wrapper.Sandbox), wrapper.WithBaseURL("http://127.0.0.1:1/api/v1"))
	if err != nil {
		t.Fatal(err)
	}
	if o.BaseURL() != "http://127.0.0.1:1/api/v1" {
		t.Errorf("BaseURL() = %q", o.BaseURL())
	}
}

// Environment tests use t.Setenv and so are never parallel.
func TestEnvKeysPickedUp(t *testing.T) {
	t.Setenv(wrapper.EnvPartnerKey, testkit.PartnerKey)
	t.Setenv(wrapper.EnvServerKey, testkit.ServerKey)
	c, srv := setup(t, withHandler(testkit.Reply(http.StatusOK, `{"count":0,"results":[]}`)), withEnvKeys(), withKeys("", ""))
	if _, err := c.Partner.List(context.Background(), nil); err != nil {
		t.Fatalf("List: %v", err)
	}
	if _, err := c.API().ListCustomersWithResponse(context.Background(), nil); err != nil {
		t.Fatalf("ListCustomers: %v", err)
	}
	assertPartnerThenServerKey(t, srv.Requests())
}

func TestEnvOptionsWinOverEnv(t *testing.T) {
	t.Setenv(wrapper.EnvServerKey, "sk_from_env")
	t.Setenv(wrapper.EnvPartnerKey, "kvqp_from_env")
	c, srv := setup(t, withHandler(testkit.Reply(http.StatusOK, `{}`)), withEnvKeys())
	if _, err := c.API().ListCustomersWithResponse(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Partner.List(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("server saw %d requests", len(reqs))
	}
	testkit.AssertBearer(t, reqs[0], testkit.ServerKey)
	testkit.AssertPartnerAuth(t, reqs[1])
}

func TestEnvPartnerKeyWithoutPrefix(t *testing.T) {
	t.Setenv(wrapper.EnvPartnerKey, "not-a-partner-key")
	c, err := wrapper.New()
	if err == nil || c != nil {
		t.Fatalf("New = %v, %v; want an error", c, err)
	}
	if !strings.Contains(err.Error(), "KELVIQ_PARTNER_KEY") || !strings.Contains(err.Error(), "kvqp_") {
		t.Errorf("error %q does not name KELVIQ_PARTNER_KEY and the prefix", err.Error())
	}
	if strings.Contains(err.Error(), "not-a-partner-key") {
		t.Errorf("error %q echoes the key", err.Error())
	}
	// WithoutEnvKeys does not even look at it.
	if _, err := wrapper.New(wrapper.WithoutEnvKeys()); err != nil {
		t.Errorf("New(WithoutEnvKeys) = %v", err)
	}
}

func TestWithoutEnvKeysIgnoresEnv(t *testing.T) {
	t.Setenv(wrapper.EnvPartnerKey, testkit.PartnerKey)
	t.Setenv(wrapper.EnvServerKey, testkit.ServerKey)
	c, srv := setup(t, withHandler(testkit.Reply(http.StatusOK, `{}`)), withKeys("", ""))
	if _, err := c.Partner.List(context.Background(), nil); !errors.Is(err, wrapper.ErrMissingCredential) {
		t.Errorf("List err = %v, want ErrMissingCredential", err)
	}
	if _, err := c.API().ListCustomersWithResponse(context.Background(), nil); !errors.Is(err, wrapper.ErrMissingCredential) {
		t.Errorf("ListCustomers err = %v, want ErrMissingCredential", err)
	}
	if n := srv.Count(); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
	if s := fmt.Sprint(c); !strings.Contains(s, "partnerKey: unset") || !strings.Contains(s, "serverKey: unset") {
		t.Errorf("client = %s, want both keys unset", s)
	}
}

func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	c, srv := setup(t, withHandler(func(w http.ResponseWriter, r *http.Request) {
		seg := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/v1/partner/organizations/by-external-id/"), "/")
		if r.Header.Get(testkit.PartnerHeader) != testkit.PartnerKey || r.Header.Get("Authorization") != "" {
			http.Error(w, `{"detail":"bad credentials"}`, http.StatusUnauthorized)
			return
		}
		testkit.Reply(http.StatusOK, testkit.OrgBody(seg, testkit.OrgServerKey))(w, r)
	}))
	const n = 32
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprintf("org-%02d", i)
			org, err := c.Partner.GetByExternalID(context.Background(), id)
			if err == nil && (org.ExternalID != id || org.ServerKey.Reveal() != testkit.OrgServerKey) {
				err = fmt.Errorf("got %+v for %s", org, id)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", i, err)
		}
	}
	if got := srv.Count(); got != n {
		t.Errorf("server saw %d requests, want %d", got, n)
	}
}
