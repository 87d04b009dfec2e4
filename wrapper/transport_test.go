package wrapper_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/wrapper"
)

// A caller's own credential headers on a raw call are replaced by exactly
// the credential the operation needs.
func TestRawClientCallerCredentialsReplaced(t *testing.T) {
	t.Parallel()
	c, srv := setup(t, withHandler(testkit.Reply(http.StatusOK, `{"count":0,"results":[]}`)))
	inject := func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer injected")
		req.Header.Set(testkit.PartnerHeader, "kvqp_injected")
		return nil
	}
	if _, err := c.API().ListPartnerOrganizationsWithResponse(context.Background(), nil, inject); err != nil {
		t.Fatalf("ListPartnerOrganizations: %v", err)
	}
	if _, err := c.API().ListCustomersWithResponse(context.Background(), nil, inject); err != nil {
		t.Fatalf("ListCustomers: %v", err)
	}
	assertPartnerThenServerKey(t, srv.Requests())
}

func TestDownloadPlanFileNoCredentialNo302Follow(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opt  []wrapper.Option
	}{
		{name: "default client"},
		{name: "user client that follows redirects", opt: []wrapper.Option{wrapper.WithHTTPClient(&http.Client{})}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			target := testkit.NewServer(t, testkit.Reply(http.StatusOK, "file contents"))
			location := target.URL + "/files/plan.pdf?sig=abc"
			fileID := uuid.MustParse("0b9a2f8e-6c1d-4e3f-9a7b-5c4d3e2f1a0b")
			c, srv := setup(t, withHandler(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Location", location)
				w.WriteHeader(http.StatusFound)
			}), withOptions(tc.opt...))
			resp, err := c.API().DownloadCatalogPlanFile(context.Background(), "pro-plan", fileID)
			if err != nil {
				t.Fatalf("DownloadCatalogPlanFile: %v", err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusFound {
				t.Errorf("status = %d, want 302", resp.StatusCode)
			}
			if got := resp.Header.Get("Location"); got != location {
				t.Errorf("Location = %q, want %q", got, location)
			}
			r := srv.Only(t)
			if r.Method != http.MethodGet || r.EscapedPath != "/api/v1/catalog/plans/pro-plan/file/"+fileID.String()+"/download/" {
				t.Errorf("request = %s %s", r.Method, r.EscapedPath)
			}
			testkit.AssertNoCredential(t, r)
			if n := target.Count(); n != 0 {
				t.Errorf("redirect target saw %d requests, want 0", n)
			}
		})
	}
}

// Without WithEdgeURL, WithBaseURL carries the edge operations too; and
// non-edge operations never go to the edge server.
func TestEdgeRouting(t *testing.T) {
	t.Parallel()
	t.Run("edge defaults to base URL", func(t *testing.T) {
		t.Parallel()
		c, base := setup(t, withHandler(testkit.Reply(http.StatusOK, `{}`)), withKeys("", testkit.ServerKey), withoutEdgeURL())
		if _, err := c.API().GetPromotionWithResponse(context.Background(), &api.GetPromotionParams{PromotionId: "p"}); err != nil {
			t.Fatal(err)
		}
		if r := base.Only(t); r.EscapedPath != "/api/v1/promotions" {
			t.Errorf("path = %s", r.EscapedPath)
		}
	})
	t.Run("non-edge op stays on base", func(t *testing.T) {
		t.Parallel()
		edge := testkit.NewServer(t, testkit.Reply(http.StatusOK, `{}`))
		c, base := setup(t, withHandler(testkit.Reply(http.StatusOK, `{}`)), withKeys("", testkit.ServerKey), withOptions(wrapper.WithEdgeURL(edge.Base())))
		if _, err := c.API().ListCustomersWithResponse(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		if base.Count() != 1 || edge.Count() != 0 {
			t.Errorf("base saw %d, edge saw %d; want 1 and 0", base.Count(), edge.Count())
		}
	})
}

// A request that reaches the sender without its operation (the generated
// client's Doer, pulled out and called directly) is refused, not matched
// to an operation by its URL.
func TestSenderRefusesRequestsWithoutOperation(t *testing.T) {
	t.Parallel()
	c, srv := setup(t, withHandler(testkit.Reply(http.StatusOK, `{}`)))
	doer := c.API().ClientInterface.(*api.Client).Client
	req, _ := http.NewRequest(http.MethodGet, srv.Base()+"/partner/organizations/", nil)
	if _, err := doer.Do(req); !errors.Is(err, wrapper.ErrUnknownOperation) {
		t.Fatalf("Do = %v, want ErrUnknownOperation", err)
	}
	if n := srv.Count(); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
}

func TestMissingCredential(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		opts     []wrapper.Option
		call     func(*wrapper.Client) error
		wantAuth wrapper.Auth
		wantText []string
	}{
		{
			name: "partner List without partner key",
			opts: []wrapper.Option{wrapper.WithServerKey(testkit.ServerKey)},
			call: func(c *wrapper.Client) error {
				_, err := c.Partner.List(context.Background(), nil)
				return err
			},
			wantAuth: wrapper.AuthPartnerKey,
			wantText: []string{"KELVIQ_PARTNER_KEY", "WithPartnerKey", "listPartnerOrganizations"},
		},
		{
			name: "partner GetByExternalID without any key",
			call: func(c *wrapper.Client) error {
				_, err := c.Partner.GetByExternalID(context.Background(), "x")
				return err
			},
			wantAuth: wrapper.AuthPartnerKey,
			wantText: []string{"KELVIQ_PARTNER_KEY", "retrievePartnerOrganizationByExternalId"},
		},
		{
			name: "server op without server key",
			opts: []wrapper.Option{wrapper.WithPartnerKey(testkit.PartnerKey)},
			call: func(c *wrapper.Client) error {
				_, err := c.API().ListCustomersWithResponse(context.Background(), nil)
				return err
			},
			wantAuth: wrapper.AuthServerKey,
			wantText: []string{"KELVIQ_SERVER_API_KEY", "WithServerKey", "listCustomers"},
		},
		{
			name: "edge op without server key",
			opts: []wrapper.Option{wrapper.WithPartnerKey(testkit.PartnerKey)},
			call: func(c *wrapper.Client) error {
				_, err := c.API().GetPromotionWithResponse(context.Background(), &api.GetPromotionParams{PromotionId: "p"})
				return err
			},
			wantAuth: wrapper.AuthServerKey,
			wantText: []string{"KELVIQ_SERVER_API_KEY", "getPromotion"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, srv := setup(t, withHandler(testkit.Reply(http.StatusOK, `{}`)), withKeys("", ""), withOptions(tc.opts...))
			err := tc.call(c)
			if err == nil {
				t.Fatal("call succeeded, want ErrMissingCredential")
			}
			assertOnlySentinel(t, err, wrapper.ErrMissingCredential)
			var ce *wrapper.CredentialError
			if !errors.As(err, &ce) || ce.Auth != tc.wantAuth {
				t.Errorf("errors.As(*CredentialError) = %+v, want Auth %v", ce, tc.wantAuth)
			}
			for _, s := range tc.wantText {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Error() = %q, want it to name %q", err.Error(), s)
				}
			}
			if n := srv.Count(); n != 0 {
				t.Errorf("server saw %d requests, want 0", n)
			}
		})
	}
}

func TestRedirectFollowedByUserClientDropsCredentials(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status int
		call   func(*wrapper.Client) error
		path   string
	}{
		{"partner 307", http.StatusTemporaryRedirect, func(c *wrapper.Client) error {
			org, err := c.Partner.GetByExternalID(context.Background(), "northwind-0042")
			if err == nil && org.ExternalID != "northwind-0042" {
				return fmt.Errorf("org = %+v", org)
			}
			return err
		}, "/api/v1/partner/organizations/by-external-id/northwind-0042/"},
		{"partner 302", http.StatusFound, func(c *wrapper.Client) error {
			_, err := c.Partner.List(context.Background(), nil)
			return err
		}, "/api/v1/partner/organizations/"},
		{"server key 307", http.StatusTemporaryRedirect, func(c *wrapper.Client) error {
			_, err := c.API().ListCustomersWithResponse(context.Background(), nil)
			return err
		}, "/api/v1/customers/"},
		{"edge 308", http.StatusPermanentRedirect, func(c *wrapper.Client) error {
			_, err := c.API().GetPromotionWithResponse(context.Background(), &api.GetPromotionParams{PromotionId: "p"})
			return err
		}, "/api/v1/promotions"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			other := testkit.NewServer(t, func(w http.ResponseWriter, r *http.Request) {
				if strings.Contains(r.URL.Path, "by-external-id") {
					testkit.Reply(http.StatusOK, testkit.OrgBody("northwind-0042", testkit.OrgServerKey))(w, r)
					return
				}
				testkit.Reply(http.StatusOK, `{"count":0,"results":[]}`)(w, r)
			})
			c, srv := setup(t, withHandler(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+r.URL.RequestURI(), tc.status)
			}), withoutEdgeURL(), withOptions(wrapper.WithHTTPClient(&http.Client{})))
			if err := tc.call(c); err != nil {
				t.Fatalf("call through a followed redirect: %v", err)
			}
			first := srv.Only(t)
			if first.Header.Get(testkit.PartnerHeader) == "" && first.Header.Get("Authorization") == "" {
				t.Error("the original server got no credential")
			}
			r := other.Only(t)
			if r.EscapedPath != tc.path {
				t.Errorf("redirect target got %s, want %s", r.EscapedPath, tc.path)
			}
			testkit.AssertNoCredential(t, r)
		})
	}
}

// A user's own redirect policy is still consulted.
func TestRedirectUserPolicyConsulted(t *testing.T) {
	t.Parallel()
	other := testkit.NewServer(t, testkit.Reply(http.StatusOK, `{}`))
	stop := errors.New("user policy says stop")
	var calls int
	var mu sync.Mutex
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		mu.Lock()
		calls++
		mu.Unlock()
		return stop
	}}
	c, srv := setup(t, withHandler(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}), withKeys(testkit.PartnerKey, ""), withOptions(wrapper.WithHTTPClient(hc)))
	_, err := c.Partner.List(context.Background(), nil)
	if !errors.Is(err, stop) {
		t.Errorf("err = %v, want the user's policy error", err)
	}
	assertNoSecret(t, "Error()", err.Error())
	mu.Lock()
	defer mu.Unlock()
	// Each attempt consults the policy once (retries may add attempts).
	if calls < 1 || calls != srv.Count() || other.Count() != 0 {
		t.Errorf("policy called %d times for %d attempts, target saw %d requests; want one call per attempt and 0", calls, srv.Count(), other.Count())
	}
	if hc.CheckRedirect == nil {
		t.Error("the user's client was modified")
	}
}

func TestRedirectNotFollowedByDefault(t *testing.T) {
	t.Parallel()
	for _, status := range []int{301, 302, 303, 307, 308} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			t.Parallel()
			target := testkit.NewServer(t, testkit.Reply(http.StatusOK, testkit.OrgBody("x", testkit.OrgServerKey)))
			c, srv := setup(t, withHandler(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target.URL+r.URL.RequestURI(), status)
			}), withKeys(testkit.PartnerKey, ""))
			org, err := c.Partner.GetByExternalID(context.Background(), "x")
			if err == nil || org != nil {
				t.Fatalf("GetByExternalID = %v, %v; want an error", org, err)
			}
			var apiErr *wrapper.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != status || apiErr.OperationID != "retrievePartnerOrganizationByExternalId" {
				t.Fatalf("err = %#v, want an *APIError with status %d", err, status)
			}
			if n := target.Count(); n != 0 {
				t.Errorf("redirect target saw %d requests, want 0", n)
			}
			testkit.AssertPartnerAuth(t, srv.Only(t))
		})
	}
}
