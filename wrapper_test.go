package kelviq_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/wrapper"
)

// Credentials used throughout. They are distinctive so that a leak is easy
// to spot in any output.
const (
	partnerKey   = "kvqp_test_partner_7f3a9c1e"
	serverKey    = "sk_test_server_4b8e21d0"
	orgServerKey = "sk_org_northwind_9d2f5a77"
	orgID        = "312281a3-a1a7-4414-a231-5a25169d74bb"
	partnerHdr   = "X-Kelviq-Partner-Key"
)

// ---------------------------------------------------------------------------
// Test server

// request is what a test server saw.
type request struct {
	Method      string
	Path        string // unescaped
	EscapedPath string
	RequestURI  string
	RawQuery    string
	Header      http.Header
	Body        []byte
}

// server is an httptest.Server that records every request it gets.
type server struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []request
}

func newServer(t *testing.T, h http.HandlerFunc) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.mu.Lock()
		s.reqs = append(s.reqs, request{
			Method:      r.Method,
			Path:        r.URL.Path,
			EscapedPath: r.URL.EscapedPath(),
			RequestURI:  r.RequestURI,
			RawQuery:    r.URL.RawQuery,
			Header:      r.Header.Clone(),
			Body:        body,
		})
		s.mu.Unlock()
		if h != nil {
			h(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// base is the API base URL on this server.
func (s *server) base() string { return s.URL + "/api/v1" }

func (s *server) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

func (s *server) requests() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// only returns the single request the server saw, failing otherwise.
func (s *server) only(t *testing.T) request {
	t.Helper()
	reqs := s.requests()
	if len(reqs) != 1 {
		t.Fatalf("server saw %d requests, want 1", len(reqs))
	}
	return reqs[0]
}

func reply(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// orgBody is a full PartnerOrganization answer.
func orgBody(externalID, sk string) string {
	b, err := json.Marshal(map[string]any{
		"userId":                 5120,
		"organizationIdentifier": orgID,
		"organizationSlug":       "northwind-outfitters",
		"clientKey":              "ck_northwind_public",
		"serverKey":              sk,
		"partnerExternalId":      externalID,
	})
	if err != nil {
		panic(err)
	}
	return string(b)
}

const nullOrgBody = `{"userId":null,"organizationIdentifier":"` + orgID + `","organizationSlug":null,"clientKey":null,"serverKey":null,"partnerExternalId":null}`

// newClient builds a client for s with no environment keys.
func newClient(t *testing.T, base string, opts ...wrapper.Option) *wrapper.Client {
	t.Helper()
	c, err := wrapper.New(append([]wrapper.Option{wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(base)}, opts...)...)
	if err != nil {
		t.Fatalf("wrapper.New: %v", err)
	}
	return c
}

func partnerClient(t *testing.T, base string, opts ...wrapper.Option) *wrapper.Client {
	t.Helper()
	return newClient(t, base, append([]wrapper.Option{wrapper.WithPartnerKey(partnerKey)}, opts...)...)
}

func serverClient(t *testing.T, base string, opts ...wrapper.Option) *wrapper.Client {
	t.Helper()
	return newClient(t, base, append([]wrapper.Option{wrapper.WithServerKey(serverKey)}, opts...)...)
}

// assertPartnerAuth checks that r carries the partner key and nothing else.
func assertPartnerAuth(t *testing.T, r request) {
	t.Helper()
	if got := r.Header.Values(partnerHdr); len(got) != 1 || got[0] != partnerKey {
		t.Errorf("%s = %q, want exactly [%q]", partnerHdr, got, partnerKey)
	}
	if got, ok := r.Header["Authorization"]; ok {
		t.Errorf("partner call sent Authorization %q", got)
	}
}

// assertBearer checks that r carries Bearer key and no partner key.
func assertBearer(t *testing.T, r request, key string) {
	t.Helper()
	if got := r.Header.Values("Authorization"); len(got) != 1 || got[0] != "Bearer "+key {
		t.Errorf("Authorization = %q, want exactly [%q]", got, "Bearer "+key)
	}
	if got, ok := r.Header[partnerHdr]; ok {
		t.Errorf("server-key call sent %s %q", partnerHdr, got)
	}
}

func assertNoCredential(t *testing.T, r request) {
	t.Helper()
	for _, h := range []string{"Authorization", partnerHdr} {
		if got, ok := r.Header[http.CanonicalHeaderKey(h)]; ok {
			t.Errorf("request carries %s %q, want none", h, got)
		}
	}
}

func assertUserAgent(t *testing.T, r request, product string) {
	t.Helper()
	ua := r.Header.Get("User-Agent")
	want := "kelviq-go/" + wrapper.Version
	if product != "" {
		want = product + " " + want
	}
	if !strings.HasPrefix(ua, want) {
		t.Errorf("User-Agent = %q, want prefix %q", ua, want)
	}
	if product == "" && !strings.HasPrefix(ua, "kelviq-go/") {
		t.Errorf("User-Agent = %q, want it to start with kelviq-go/", ua)
	}
}

// assertFullOrg checks the fields of an organization decoded from orgBody.
func assertFullOrg(t *testing.T, org *wrapper.PartnerOrganization, externalID, sk string) {
	t.Helper()
	if org == nil {
		t.Fatal("organization is nil")
	}
	if org.Identifier != uuid.MustParse(orgID) {
		t.Errorf("Identifier = %v, want %s", org.Identifier, orgID)
	}
	if org.Slug != "northwind-outfitters" {
		t.Errorf("Slug = %q", org.Slug)
	}
	if org.ExternalID != externalID {
		t.Errorf("ExternalID = %q, want %q", org.ExternalID, externalID)
	}
	if org.ClientKey != "ck_northwind_public" {
		t.Errorf("ClientKey = %q", org.ClientKey)
	}
	if got := org.ServerKey.Reveal(); got != sk {
		t.Errorf("ServerKey.Reveal() = %q, want %q", got, sk)
	}
	if org.UserID != 5120 {
		t.Errorf("UserID = %d, want 5120", org.UserID)
	}
}

// ---------------------------------------------------------------------------
// 1. Partner helpers

func TestPartnerProvision(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		params   wrapper.ProvisionParams
		product  string
		wantBody string
	}{
		{
			name:     "with business name",
			params:   wrapper.ProvisionParams{ExternalID: "northwind-0042", Email: "ops@northwind.example", BusinessName: "Northwind Outfitters"},
			wantBody: `{"businessName":"Northwind Outfitters","email":"ops@northwind.example","externalId":"northwind-0042"}`,
		},
		{
			name:     "business name omitted when empty",
			params:   wrapper.ProvisionParams{ExternalID: "northwind-0042", Email: "ops@northwind.example"},
			wantBody: `{"email":"ops@northwind.example","externalId":"northwind-0042"}`,
		},
		{
			name:     "user agent product",
			params:   wrapper.ProvisionParams{ExternalID: "acme/7", Email: "a@b.example", BusinessName: "Acme \"Quoted\" Ltd"},
			product:  "acme-billing/1.4",
			wantBody: `{"businessName":"Acme \"Quoted\" Ltd","email":"a@b.example","externalId":"acme/7"}`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, reply(http.StatusCreated, orgBody(tc.params.ExternalID, orgServerKey)))
			var opts []wrapper.Option
			if tc.product != "" {
				opts = append(opts, wrapper.WithUserAgent(tc.product))
			}
			c := partnerClient(t, srv.base(), opts...)
			org, err := c.Partner.Provision(context.Background(), tc.params)
			if err != nil {
				t.Fatalf("Provision: %v", err)
			}
			r := srv.only(t)
			if r.Method != http.MethodPost {
				t.Errorf("method = %s, want POST", r.Method)
			}
			if r.EscapedPath != "/api/v1/partner/organizations/" {
				t.Errorf("path = %s", r.EscapedPath)
			}
			if r.RawQuery != "" {
				t.Errorf("query = %q, want none", r.RawQuery)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			if string(r.Body) != tc.wantBody {
				t.Errorf("body =\n %s\nwant\n %s", r.Body, tc.wantBody)
			}
			assertPartnerAuth(t, r)
			assertUserAgent(t, r, tc.product)
			assertFullOrg(t, org, tc.params.ExternalID, orgServerKey)
		})
	}
}

func TestPartnerList(t *testing.T) {
	t.Parallel()
	listBody := `{"count":2,"results":[` + orgBody("northwind-0042", orgServerKey) + `,` + nullOrgBody + `]}`
	cases := []struct {
		name      string
		opts      *wrapper.ListPartnerOrganizationsOptions
		wantQuery url.Values
	}{
		{name: "nil options", opts: nil, wantQuery: url.Values{}},
		{name: "empty options", opts: &wrapper.ListPartnerOrganizationsOptions{}, wantQuery: url.Values{}},
		{name: "external id filter", opts: &wrapper.ListPartnerOrganizationsOptions{ExternalID: "northwind-0042"}, wantQuery: url.Values{"external_id": {"northwind-0042"}}},
		{name: "filter needing escapes", opts: &wrapper.ListPartnerOrganizationsOptions{ExternalID: "a b&c=d/é"}, wantQuery: url.Values{"external_id": {"a b&c=d/é"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, reply(http.StatusOK, listBody))
			c := partnerClient(t, srv.base())
			orgs, err := c.Partner.List(context.Background(), tc.opts)
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			r := srv.only(t)
			if r.Method != http.MethodGet || r.EscapedPath != "/api/v1/partner/organizations/" {
				t.Errorf("request = %s %s", r.Method, r.EscapedPath)
			}
			q, err := url.ParseQuery(r.RawQuery)
			if err != nil {
				t.Fatalf("query %q: %v", r.RawQuery, err)
			}
			if fmt.Sprint(q) != fmt.Sprint(tc.wantQuery) {
				t.Errorf("query = %v (raw %q), want %v", q, r.RawQuery, tc.wantQuery)
			}
			if tc.opts != nil && tc.opts.ExternalID == "northwind-0042" && r.RawQuery != "external_id=northwind-0042" {
				t.Errorf("raw query = %q", r.RawQuery)
			}
			assertPartnerAuth(t, r)
			assertUserAgent(t, r, "")
			if len(orgs) != 2 {
				t.Fatalf("got %d organizations, want 2", len(orgs))
			}
			assertFullOrg(t, &orgs[0], "northwind-0042", orgServerKey)
			assertNullOrg(t, &orgs[1])
		})
	}
}

func TestPartnerListEmpty(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{"count":0,"results":[]}`, `{"count":0}`, `{}`} {
		t.Run(body, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, reply(http.StatusOK, body))
			orgs, err := partnerClient(t, srv.base()).Partner.List(context.Background(), nil)
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if orgs == nil || len(orgs) != 0 {
				t.Errorf("List = %#v, want a non-nil empty slice", orgs)
			}
		})
	}
}

func assertNullOrg(t *testing.T, org *wrapper.PartnerOrganization) {
	t.Helper()
	if org.Identifier != uuid.MustParse(orgID) {
		t.Errorf("Identifier = %v", org.Identifier)
	}
	if org.Slug != "" || org.ExternalID != "" || org.ClientKey != "" || org.UserID != 0 {
		t.Errorf("null fields decoded as %+v, want zero values", org)
	}
	if !org.ServerKey.IsZero() || org.ServerKey.Reveal() != "" {
		t.Errorf("null serverKey: IsZero=%v Reveal=%q", org.ServerKey.IsZero(), org.ServerKey.Reveal())
	}
}

func TestPartnerGet(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, identifier, body string
		null                   bool
	}{
		{name: "canonical", identifier: orgID, body: orgBody("northwind-0042", orgServerKey)},
		{name: "upper case is normalised", identifier: strings.ToUpper(orgID), body: orgBody("northwind-0042", orgServerKey)},
		{name: "null fields", identifier: orgID, body: nullOrgBody, null: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, reply(http.StatusOK, tc.body))
			c := partnerClient(t, srv.base(), wrapper.WithUserAgent("acme-billing/1.4"))
			org, err := c.Partner.Get(context.Background(), tc.identifier)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			r := srv.only(t)
			if r.Method != http.MethodGet || r.EscapedPath != "/api/v1/partner/organizations/"+orgID+"/" || r.RawQuery != "" {
				t.Errorf("request = %s %s?%s", r.Method, r.EscapedPath, r.RawQuery)
			}
			assertPartnerAuth(t, r)
			assertUserAgent(t, r, "acme-billing/1.4")
			if tc.null {
				assertNullOrg(t, org)
			} else {
				assertFullOrg(t, org, "northwind-0042", orgServerKey)
			}
		})
	}
}

func TestPartnerGetByExternalID(t *testing.T) {
	t.Parallel()
	srv := newServer(t, reply(http.StatusOK, orgBody("northwind-0042", orgServerKey)))
	c := partnerClient(t, srv.base())
	org, err := c.Partner.GetByExternalID(context.Background(), "northwind-0042")
	if err != nil {
		t.Fatalf("GetByExternalID: %v", err)
	}
	r := srv.only(t)
	if r.Method != http.MethodGet || r.RequestURI != "/api/v1/partner/organizations/by-external-id/northwind-0042/" {
		t.Errorf("request = %s %s", r.Method, r.RequestURI)
	}
	if r.Header.Get("Accept") != "application/json" {
		t.Errorf("Accept = %q", r.Header.Get("Accept"))
	}
	assertPartnerAuth(t, r)
	assertUserAgent(t, r, "")
	assertFullOrg(t, org, "northwind-0042", orgServerKey)
}

// A caller's own credential headers on a raw call are replaced by exactly
// the credential the operation needs.
func TestRawClientCallerCredentialsReplaced(t *testing.T) {
	t.Parallel()
	srv := newServer(t, reply(http.StatusOK, `{"count":0,"results":[]}`))
	c := newClient(t, srv.base(), wrapper.WithPartnerKey(partnerKey), wrapper.WithServerKey(serverKey))
	inject := func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer injected")
		req.Header.Set(partnerHdr, "kvqp_injected")
		return nil
	}
	if _, err := c.API().ListPartnerOrganizationsWithResponse(context.Background(), nil, inject); err != nil {
		t.Fatalf("ListPartnerOrganizations: %v", err)
	}
	if _, err := c.API().ListCustomersWithResponse(context.Background(), nil, inject); err != nil {
		t.Fatalf("ListCustomers: %v", err)
	}
	reqs := srv.requests()
	if len(reqs) != 2 {
		t.Fatalf("server saw %d requests, want 2", len(reqs))
	}
	assertPartnerAuth(t, reqs[0])
	assertBearer(t, reqs[1], serverKey)
}

// ---------------------------------------------------------------------------
// 2. Server-key, unauthenticated and edge operations

func TestServerKeyOperations(t *testing.T) {
	t.Parallel()
	t.Run("listCustomers", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, reply(http.StatusOK, `{"count":1,"results":[{"customerId":"cus_42"}]}`))
		c := newClient(t, srv.base(), wrapper.WithServerKey(serverKey), wrapper.WithPartnerKey(partnerKey))
		resp, err := c.API().ListCustomersWithResponse(context.Background(), &api.ListCustomersParams{Search: testkit.Ptr("ada"), PageSize: testkit.Ptr(50)})
		if err != nil {
			t.Fatalf("ListCustomers: %v", err)
		}
		if resp.StatusCode() != http.StatusOK || resp.JSON200 == nil || resp.JSON200.Count == nil || *resp.JSON200.Count != 1 {
			t.Fatalf("ListCustomers answer = %d %+v", resp.StatusCode(), resp.JSON200)
		}
		if rs := *resp.JSON200.Results; len(rs) != 1 || rs[0].CustomerId == nil || *rs[0].CustomerId != "cus_42" {
			t.Errorf("results = %+v", rs)
		}
		r := srv.only(t)
		if r.Method != http.MethodGet || r.EscapedPath != "/api/v1/customers/" {
			t.Errorf("request = %s %s", r.Method, r.EscapedPath)
		}
		q, _ := url.ParseQuery(r.RawQuery)
		if q.Get("search") != "ada" || q.Get("page_size") != "50" || len(q) != 2 {
			t.Errorf("query = %q", r.RawQuery)
		}
		assertBearer(t, r, serverKey)
		assertUserAgent(t, r, "")
	})
	t.Run("updateCustomer", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, reply(http.StatusOK, `{"customerId":"cus_42","name":"Ada"}`))
		c := serverClient(t, srv.base())
		body := api.CustomerUpdateRequest{Name: map[bool]string{true: "Ada"}}
		resp, err := c.API().UpdateCustomerWithResponse(context.Background(), "cus_42", body)
		if err != nil {
			t.Fatalf("UpdateCustomer: %v", err)
		}
		if resp.JSON200 == nil || resp.JSON200.CustomerId == nil || *resp.JSON200.CustomerId != "cus_42" {
			t.Errorf("answer = %+v", resp.JSON200)
		}
		r := srv.only(t)
		if r.Method != http.MethodPatch || r.EscapedPath != "/api/v1/customers/cus_42/" {
			t.Errorf("request = %s %s", r.Method, r.EscapedPath)
		}
		if string(r.Body) != `{"name":"Ada"}` {
			t.Errorf("body = %s", r.Body)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
		assertBearer(t, r, serverKey)
	})
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
			target := newServer(t, reply(http.StatusOK, "file contents"))
			location := target.URL + "/files/plan.pdf?sig=abc"
			fileID := uuid.MustParse("0b9a2f8e-6c1d-4e3f-9a7b-5c4d3e2f1a0b")
			srv := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Location", location)
				w.WriteHeader(http.StatusFound)
			})
			c := newClient(t, srv.base(), append([]wrapper.Option{wrapper.WithServerKey(serverKey), wrapper.WithPartnerKey(partnerKey)}, tc.opt...)...)
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
			r := srv.only(t)
			if r.Method != http.MethodGet || r.EscapedPath != "/api/v1/catalog/plans/pro-plan/file/"+fileID.String()+"/download/" {
				t.Errorf("request = %s %s", r.Method, r.EscapedPath)
			}
			assertNoCredential(t, r)
			if n := target.count(); n != 0 {
				t.Errorf("redirect target saw %d requests, want 0", n)
			}
		})
	}
}

// The declared 302 also works through the typed response.
func TestDownloadPlanFileWithResponse(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Location", "https://files.example/x")
		w.WriteHeader(http.StatusFound)
	})
	c := newClient(t, srv.base()) // no keys at all: the operation needs none
	resp, err := c.API().DownloadCatalogPlanFileWithResponse(context.Background(), "pro-plan", uuid.New())
	if err != nil {
		t.Fatalf("DownloadCatalogPlanFileWithResponse: %v", err)
	}
	if resp.StatusCode() != http.StatusFound || resp.HTTPResponse.Header.Get("Location") != "https://files.example/x" {
		t.Errorf("answer = %d, Location %q", resp.StatusCode(), resp.HTTPResponse.Header.Get("Location"))
	}
	assertNoCredential(t, srv.only(t))
}

func TestEdgeOperations(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		call      func(*wrapper.Client) error
		wantPath  string
		wantQuery url.Values
	}{
		{
			name: "getCustomerEntitlements",
			call: func(c *wrapper.Client) error {
				resp, err := c.API().GetCustomerEntitlementsWithResponse(context.Background(), &api.GetCustomerEntitlementsParams{CustomerId: "cus_42", FeatureId: testkit.Ptr("seats")})
				if err == nil && (resp.JSON200 == nil || resp.JSON200.CustomerId == nil || *resp.JSON200.CustomerId != "cus_42") {
					return fmt.Errorf("answer not decoded: %s", resp.Body)
				}
				return err
			},
			wantPath:  "/api/v1/entitlements/",
			wantQuery: url.Values{"customer_id": {"cus_42"}, "feature_id": {"seats"}},
		},
		{
			name: "getPromotion",
			call: func(c *wrapper.Client) error {
				resp, err := c.API().GetPromotionWithResponse(context.Background(), &api.GetPromotionParams{PromotionId: "promo 1"})
				if err == nil && (resp.JSON200 == nil || resp.JSON200.Code == nil || *resp.JSON200.Code != "SPRING") {
					return fmt.Errorf("answer not decoded: %s", resp.Body)
				}
				return err
			},
			wantPath:  "/api/v1/promotions",
			wantQuery: url.Values{"promotion_id": {"promo 1"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base := newServer(t, reply(http.StatusOK, `{}`))
			edge := newServer(t, reply(http.StatusOK, `{"customerId":"cus_42","code":"SPRING"}`))
			c := serverClient(t, base.base(), wrapper.WithEdgeURL(edge.base()))
			if err := tc.call(c); err != nil {
				t.Fatalf("call: %v", err)
			}
			if n := base.count(); n != 0 {
				t.Errorf("base server saw %d requests, want 0", n)
			}
			r := edge.only(t)
			if r.Method != http.MethodGet || r.EscapedPath != tc.wantPath {
				t.Errorf("edge request = %s %s, want GET %s", r.Method, r.EscapedPath, tc.wantPath)
			}
			q, _ := url.ParseQuery(r.RawQuery)
			if fmt.Sprint(q) != fmt.Sprint(tc.wantQuery) {
				t.Errorf("query = %v, want %v", q, tc.wantQuery)
			}
			assertBearer(t, r, serverKey)
			assertUserAgent(t, r, "")
		})
	}
}

// Without WithEdgeURL, WithBaseURL carries the edge operations too; and
// non-edge operations never go to the edge server.
func TestEdgeRouting(t *testing.T) {
	t.Parallel()
	t.Run("edge defaults to base URL", func(t *testing.T) {
		t.Parallel()
		base := newServer(t, reply(http.StatusOK, `{}`))
		c := serverClient(t, base.base())
		if _, err := c.API().GetPromotionWithResponse(context.Background(), &api.GetPromotionParams{PromotionId: "p"}); err != nil {
			t.Fatal(err)
		}
		if r := base.only(t); r.EscapedPath != "/api/v1/promotions" {
			t.Errorf("path = %s", r.EscapedPath)
		}
	})
	t.Run("non-edge op stays on base", func(t *testing.T) {
		t.Parallel()
		base := newServer(t, reply(http.StatusOK, `{}`))
		edge := newServer(t, reply(http.StatusOK, `{}`))
		c := serverClient(t, base.base(), wrapper.WithEdgeURL(edge.base()))
		if _, err := c.API().ListCustomersWithResponse(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		if base.count() != 1 || edge.count() != 0 {
			t.Errorf("base saw %d, edge saw %d; want 1 and 0", base.count(), edge.count())
		}
	})
}

// ---------------------------------------------------------------------------
// 3. Error mapping

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
			srv := newServer(t, reply(tc.status, `{"detail":"nope"}`))
			c := partnerClient(t, srv.base())
			org, err := c.Partner.Get(context.Background(), orgID)
			if err == nil || org != nil {
				t.Fatalf("Get = %v, %v; want an error", org, err)
			}
			assertOnlySentinel(t, err, tc.want)
			var apiErr *wrapper.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("errors.As(*APIError) failed for %T: %v", err, err)
			}
			if apiErr.StatusCode != tc.status || apiErr.Method != http.MethodGet ||
				apiErr.Path != "/partner/organizations/"+orgID+"/" || apiErr.OperationID != "retrievePartnerOrganization" {
				t.Errorf("APIError = %+v", apiErr)
			}
			if apiErr.Message != "nope" {
				t.Errorf("Message = %q, want nope", apiErr.Message)
			}
			want := fmt.Sprintf("GET /partner/organizations/%s/: %d %s: nope", orgID, tc.status, http.StatusText(tc.status))
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
			srv := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
				ct := tc.contentType
				if ct == "" {
					ct = "application/json"
				}
				w.Header().Set("Content-Type", ct)
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			})
			c := serverClient(t, srv.base())
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

// ---------------------------------------------------------------------------
// 4. Local validation

func TestValidationSendsNothing(t *testing.T) {
	t.Parallel()
	long201 := strings.Repeat("é", 201)
	valid := wrapper.ProvisionParams{ExternalID: "northwind-0042", Email: "ops@northwind.example"}
	with := func(f func(*wrapper.ProvisionParams)) wrapper.ProvisionParams { p := valid; f(&p); return p }
	cases := []struct {
		name      string
		call      func(context.Context, *wrapper.PartnerService) error
		wantField string
		wantRule  string
	}{
		{"Get not a uuid", func(ctx context.Context, p *wrapper.PartnerService) error {
			_, err := p.Get(ctx, "not-a-uuid")
			return err
		}, "identifier", "UUID"},
		{"Get empty", func(ctx context.Context, p *wrapper.PartnerService) error { _, err := p.Get(ctx, ""); return err }, "identifier", "must not be empty"},
		{"Get path traversal", func(ctx context.Context, p *wrapper.PartnerService) error {
			_, err := p.Get(ctx, "../customers")
			return err
		}, "identifier", "UUID"},
		{"GetByExternalID empty", func(ctx context.Context, p *wrapper.PartnerService) error {
			_, err := p.GetByExternalID(ctx, "")
			return err
		}, "externalId", "must not be empty"},
		{"GetByExternalID dot", func(ctx context.Context, p *wrapper.PartnerService) error {
			_, err := p.GetByExternalID(ctx, ".")
			return err
		}, "externalId", `"." or ".."`},
		{"GetByExternalID dotdot", func(ctx context.Context, p *wrapper.PartnerService) error {
			_, err := p.GetByExternalID(ctx, "..")
			return err
		}, "externalId", `"." or ".."`},
		{"GetByExternalID control char", func(ctx context.Context, p *wrapper.PartnerService) error {
			_, err := p.GetByExternalID(ctx, "a\nb")
			return err
		}, "externalId", "control characters"},
		{"List filter dotdot", func(ctx context.Context, p *wrapper.PartnerService) error {
			_, err := p.List(ctx, &wrapper.ListPartnerOrganizationsOptions{ExternalID: ".."})
			return err
		}, "external_id", `"." or ".."`},
		{"Provision bad email", func(ctx context.Context, p *wrapper.PartnerService) error {
			_, err := p.Provision(ctx, with(func(p *wrapper.ProvisionParams) { p.Email = "nope" }))
			return err
		}, "email", "email address"},
		{"Provision display-name email", func(ctx context.Context, p *wrapper.PartnerService) error {
			_, err := p.Provision(ctx, with(func(p *wrapper.ProvisionParams) { p.Email = "Ops <ops@x.example>" }))
			return err
		}, "email", "email address"},
		{"Provision empty email", func(ctx context.Context, p *wrapper.PartnerService) error {
			_, err := p.Provision(ctx, with(func(p *wrapper.ProvisionParams) { p.Email = "" }))
			return err
		}, "email", "must not be empty"},
		{"Provision empty externalId", func(ctx context.Context, p *wrapper.PartnerService) error {
			_, err := p.Provision(ctx, with(func(p *wrapper.ProvisionParams) { p.ExternalID = "" }))
			return err
		}, "externalId", "must not be empty"},
		{"Provision 201-char businessName", func(ctx context.Context, p *wrapper.PartnerService) error {
			_, err := p.Provision(ctx, with(func(p *wrapper.ProvisionParams) { p.BusinessName = long201 }))
			return err
		}, "businessName", "at most 200 characters"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, reply(http.StatusOK, orgBody("x", orgServerKey)))
			c := partnerClient(t, srv.base())
			err := tc.call(context.Background(), c.Partner)
			if err == nil {
				t.Fatal("call succeeded, want a validation error")
			}
			if n := srv.count(); n != 0 {
				t.Errorf("server saw %d requests, want 0", n)
			}
			assertOnlySentinel(t, err, wrapper.ErrInvalidInput)
			var ve *wrapper.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("errors.As(*ValidationError) failed for %T: %v", err, err)
			}
			if ve.Field != tc.wantField {
				t.Errorf("Field = %q, want %q", ve.Field, tc.wantField)
			}
			if !strings.Contains(ve.Rule, tc.wantRule) || !strings.Contains(err.Error(), tc.wantRule) || !strings.Contains(err.Error(), tc.wantField) {
				t.Errorf("Rule = %q, Error() = %q; want both to contain %q and Error() to name %q", ve.Rule, err.Error(), tc.wantRule, tc.wantField)
			}
		})
	}
}

// The limits are inclusive: exactly 128 and 200 characters are accepted.
func TestValidationLimitsInclusive(t *testing.T) {
	t.Parallel()
	srv := newServer(t, reply(http.StatusCreated, orgBody("x", orgServerKey)))
	c := partnerClient(t, srv.base())
	ctx := context.Background()
	if _, err := c.Partner.Provision(ctx, wrapper.ProvisionParams{ExternalID: strings.Repeat("é", 128), Email: "ops@localhost", BusinessName: strings.Repeat("b", 200)}); err != nil {
		t.Errorf("Provision at the limits: %v", err)
	}
	if _, err := c.Partner.GetByExternalID(ctx, strings.Repeat("x", 128)); err != nil {
		t.Errorf("GetByExternalID with 128 characters: %v", err)
	}
	if n := srv.count(); n != 2 {
		t.Errorf("server saw %d requests, want 2", n)
	}
}

// ---------------------------------------------------------------------------
// 5. Escaping

func TestExternalIDEscaping(t *testing.T) {
	t.Parallel()
	cases := []struct {
		value   string
		escaped string
	}{
		{"../customers", "..%2Fcustomers"},
		{"a/b", "a%2Fb"},
		{"%2F", "%252F"},
		{"a b", "a%20b"},
		{"a?b=c", "a%3Fb=c"},
		{"a#b", "a%23b"},
		{"é", "%C3%A9"},
		{"...", "..."},
	}
	for _, tc := range cases {
		t.Run(tc.value, func(t *testing.T) {
			t.Parallel()
			const prefix = "/api/v1/partner/organizations/by-external-id/"
			// segment returns the one path segment after prefix, unescaped.
			segment := func(escapedPath string) (string, bool) {
				rest, ok := strings.CutPrefix(escapedPath, prefix)
				seg, ok2 := strings.CutSuffix(rest, "/")
				if !ok || !ok2 || strings.Contains(seg, "/") {
					return "", false
				}
				v, err := url.PathUnescape(seg)
				return v, err == nil
			}
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				v, ok := segment(r.URL.EscapedPath())
				if !ok {
					http.Error(w, `{"detail":"not one segment"}`, http.StatusBadRequest)
					return
				}
				reply(http.StatusOK, orgBody(v, orgServerKey))(w, r)
			})
			c := partnerClient(t, srv.base())
			org, err := c.Partner.GetByExternalID(context.Background(), tc.value)
			if err != nil {
				t.Fatalf("GetByExternalID(%q): %v", tc.value, err)
			}
			r := srv.only(t)
			want := "/api/v1/partner/organizations/by-external-id/" + tc.escaped + "/"
			if r.EscapedPath != want || r.RequestURI != want {
				t.Errorf("escaped path = %q, request URI = %q, want %q", r.EscapedPath, r.RequestURI, want)
			}
			if r.RawQuery != "" {
				t.Errorf("query = %q, want none", r.RawQuery)
			}
			if got, _ := segment(r.EscapedPath); got != tc.value || org.ExternalID != tc.value {
				t.Errorf("server got %q, org.ExternalID = %q, want %q", got, org.ExternalID, tc.value)
			}
			assertPartnerAuth(t, r)
		})
	}
}

// Every operation with a string path parameter refuses "", "." and ".." in
// it, through every door (the generated client reached by API() and Call),
// with a *ValidationError naming the parameter, before anything is sent:
// URL resolution would otherwise collapse the path into another
// operation's (DELETE /catalog/plans/p/features/../ is DELETE /catalog/plans/p/).
func TestDotSegmentsRefusedThroughEveryDoor(t *testing.T) {
	t.Parallel()
	srv := newServer(t, reply(http.StatusOK, `{}`))
	c := newClient(t, srv.base(), wrapper.WithServerKey(serverKey), wrapper.WithPartnerKey(partnerKey))
	raw := reflect.ValueOf(c.API().ClientInterface)
	ctx := reflect.ValueOf(context.Background())
	checked := 0
	for _, op := range wrapper.Operations() {
		var names []string
		for _, p := range op.Params {
			if p.In == "path" && p.Format != "uuid" {
				names = append(names, p.Name)
			}
		}
		m := raw.MethodByName(strings.ToUpper(op.ID[:1]) + op.ID[1:])
		if !m.IsValid() {
			t.Fatalf("no generated method for %s", op.ID)
		}
		for target, name := range names {
			for _, bad := range []string{"..", ".", ""} {
				// Through the generated client.
				args := []reflect.Value{ctx}
				k := 0
				for i := 1; i < m.Type().NumIn(); i++ {
					in := m.Type().In(i)
					if m.Type().IsVariadic() && i == m.Type().NumIn()-1 {
						break
					}
					v := reflect.New(in).Elem()
					if in.Kind() == reflect.String {
						v.SetString("v")
						if k == target {
							v.SetString(bad)
						}
						k++
					}
					args = append(args, v)
				}
				out := m.Call(args)
				err, _ := out[1].Interface().(error)
				var ve *wrapper.ValidationError
				if !errors.As(err, &ve) || ve.Field != name || !errors.Is(err, wrapper.ErrInvalidInput) {
					t.Errorf("API().%s with %s=%q: err = %v, want a *ValidationError naming %s", m.Type(), name, bad, err, name)
				}
				// Through Call.
				params := map[string]string{}
				for _, p := range op.Params {
					if p.In == "path" {
						params[p.Name] = "8d3c1f9e-2b4a-4c6d-9e8f-0a1b2c3d4e5f"
					}
				}
				for _, n := range names {
					params[n] = "v"
				}
				params[name] = bad
				var body []byte
				if op.BodyRequired {
					body = []byte(`{}`)
				}
				_, err = c.Call(context.Background(), op.ID, params, body)
				if !errors.As(err, &ve) || ve.Field != name {
					t.Errorf("Call(%s) with %s=%q: err = %v, want a *ValidationError naming %s", op.ID, name, bad, err, name)
				}
				checked++
			}
		}
	}
	if checked < 3*20 {
		t.Errorf("checked %d parameter values, want every string path parameter of the API", checked)
	}
	if n := srv.count(); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
	// The probe's example: DELETE /catalog/plans/plan-1/features/../ would
	// delete the plan.
	_, err := c.API().DeleteCatalogPlanFeature(context.Background(), "plan-1", "..")
	var ve *wrapper.ValidationError
	if !errors.As(err, &ve) || ve.Field != "feature_id" {
		t.Errorf("DeleteCatalogPlanFeature(plan-1, ..) = %v", err)
	}
}

// A request that reaches the sender without its operation (the generated
// client's Doer, pulled out and called directly) is refused, not matched
// to an operation by its URL.
func TestSenderRefusesRequestsWithoutOperation(t *testing.T) {
	t.Parallel()
	srv := newServer(t, reply(http.StatusOK, `{}`))
	c := newClient(t, srv.base(), wrapper.WithServerKey(serverKey), wrapper.WithPartnerKey(partnerKey))
	doer := c.API().ClientInterface.(*api.Client).Client
	req, _ := http.NewRequest(http.MethodGet, srv.base()+"/partner/organizations/", nil)
	if _, err := doer.Do(req); !errors.Is(err, wrapper.ErrUnknownOperation) {
		t.Fatalf("Do = %v, want ErrUnknownOperation", err)
	}
	if n := srv.count(); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
}

// ---------------------------------------------------------------------------
// 6. Missing credentials

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
			opts: []wrapper.Option{wrapper.WithServerKey(serverKey)},
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
			opts: []wrapper.Option{wrapper.WithPartnerKey(partnerKey)},
			call: func(c *wrapper.Client) error {
				_, err := c.API().ListCustomersWithResponse(context.Background(), nil)
				return err
			},
			wantAuth: wrapper.AuthServerKey,
			wantText: []string{"KELVIQ_SERVER_API_KEY", "WithServerKey", "listCustomers"},
		},
		{
			name: "edge op without server key",
			opts: []wrapper.Option{wrapper.WithPartnerKey(partnerKey)},
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
			srv := newServer(t, reply(http.StatusOK, `{}`))
			c := newClient(t, srv.base(), tc.opts...)
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
			if n := srv.count(); n != 0 {
				t.Errorf("server saw %d requests, want 0", n)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// 7. Options and environment

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
	t.Setenv(wrapper.EnvPartnerKey, partnerKey)
	t.Setenv(wrapper.EnvServerKey, serverKey)
	srv := newServer(t, reply(http.StatusOK, `{"count":0,"results":[]}`))
	c, err := wrapper.New(wrapper.WithBaseURL(srv.base()))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if _, err := c.Partner.List(context.Background(), nil); err != nil {
		t.Fatalf("List: %v", err)
	}
	if _, err := c.API().ListCustomersWithResponse(context.Background(), nil); err != nil {
		t.Fatalf("ListCustomers: %v", err)
	}
	reqs := srv.requests()
	if len(reqs) != 2 {
		t.Fatalf("server saw %d requests, want 2", len(reqs))
	}
	assertPartnerAuth(t, reqs[0])
	assertBearer(t, reqs[1], serverKey)
}

func TestEnvOptionsWinOverEnv(t *testing.T) {
	t.Setenv(wrapper.EnvServerKey, "sk_from_env")
	t.Setenv(wrapper.EnvPartnerKey, "kvqp_from_env")
	srv := newServer(t, reply(http.StatusOK, `{}`))
	c, err := wrapper.New(wrapper.WithBaseURL(srv.base()), wrapper.WithServerKey(serverKey), wrapper.WithPartnerKey(partnerKey))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.API().ListCustomersWithResponse(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Partner.List(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	reqs := srv.requests()
	if len(reqs) != 2 {
		t.Fatalf("server saw %d requests", len(reqs))
	}
	assertBearer(t, reqs[0], serverKey)
	assertPartnerAuth(t, reqs[1])
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
	t.Setenv(wrapper.EnvPartnerKey, partnerKey)
	t.Setenv(wrapper.EnvServerKey, serverKey)
	srv := newServer(t, reply(http.StatusOK, `{}`))
	c, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(srv.base()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Partner.List(context.Background(), nil); !errors.Is(err, wrapper.ErrMissingCredential) {
		t.Errorf("List err = %v, want ErrMissingCredential", err)
	}
	if _, err := c.API().ListCustomersWithResponse(context.Background(), nil); !errors.Is(err, wrapper.ErrMissingCredential) {
		t.Errorf("ListCustomers err = %v, want ErrMissingCredential", err)
	}
	if n := srv.count(); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
	if s := fmt.Sprint(c); !strings.Contains(s, "partnerKey: unset") || !strings.Contains(s, "serverKey: unset") {
		t.Errorf("client = %s, want both keys unset", s)
	}
}

// ---------------------------------------------------------------------------
// 8. Body cap and decode errors

// clRecorder records the Content-Length of every answer.
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
	head := `{"organizationIdentifier":"` + orgID + `","organizationSlug":"`
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
			srv := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
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
			})
			rec := &clRecorder{}
			c := newClient(t, srv.base(), wrapper.WithPartnerKey(partnerKey), wrapper.WithServerKey(serverKey),
				wrapper.WithMaxBodyBytes(1024), wrapper.WithHTTPClient(&http.Client{Transport: rec}))
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
				t.Errorf("answers' Content-Length = %v, want [%d]", rec.cls, tc.wantCL)
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
			srv := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
				if chunk {
					w.(http.Flusher).Flush()
				}
				_, _ = io.WriteString(w, body)
			})
			c := partnerClient(t, srv.base(), wrapper.WithMaxBodyBytes(1024))
			org, err := c.Partner.GetByExternalID(context.Background(), "x")
			if err != nil {
				t.Fatalf("a body of exactly the limit failed: %v", err)
			}
			if org.Identifier.String() != orgID || len(org.Slug) < 900 {
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
		{"truncated", `{"organizationIdentifier":"` + orgID},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, reply(http.StatusOK, tc.body))
			c := partnerClient(t, srv.base())
			org, err := c.Partner.Get(context.Background(), orgID)
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

// ---------------------------------------------------------------------------
// 9. Redaction

// assertNoSecret fails if s contains any of the keys.
func assertNoSecret(t *testing.T, what, s string) {
	t.Helper()
	for _, k := range []string{partnerKey, serverKey, orgServerKey} {
		if strings.Contains(s, k) {
			t.Errorf("%s leaks %q: %s", what, k, s)
		}
	}
}

func TestRedactionInErrors(t *testing.T) {
	t.Parallel()
	echo := fmt.Sprintf("got partner key %s and server key %s", partnerKey, serverKey)
	bodies := []struct {
		name   string
		status int
		body   string
	}{
		{"detail echo and serverKey", 400, fmt.Sprintf(`{"detail":%q,"serverKey":%q}`, echo, orgServerKey)},
		{"serverKey only", 409, fmt.Sprintf(`{"serverKey":%q}`, orgServerKey)},
		{"serverKey list", 400, fmt.Sprintf(`{"serverKey":[%q]}`, orgServerKey)},
		{"nested serverKey", 409, fmt.Sprintf(`{"organization":{"serverKey":%q,"slug":"n"}}`, orgServerKey)},
		{"field errors echo", 400, fmt.Sprintf(`{"partnerKey":[%q],"authorization":["Bearer %s"]}`, partnerKey, serverKey)},
		{"message echo", 401, fmt.Sprintf(`{"status":401,"message":"bad key %s"}`, partnerKey)},
		{"html echo", 500, fmt.Sprintf("<html>%s %s</html>", partnerKey, serverKey)},
		{"serverKey near sample end", 502, fmt.Sprintf(`{"pad":%q,"serverKey":%q}`, strings.Repeat("p", 480), orgServerKey)},
		{"key near sample end", 502, strings.Repeat("p", 500) + partnerKey},
	}
	for _, tc := range bodies {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, reply(tc.status, tc.body))
			c := newClient(t, srv.base(), wrapper.WithPartnerKey(partnerKey), wrapper.WithServerKey(serverKey))
			_, err := c.Partner.Provision(context.Background(), wrapper.ProvisionParams{ExternalID: "n", Email: "ops@n.example"})
			if err == nil {
				t.Fatal("Provision succeeded, want an APIError")
			}
			var apiErr *wrapper.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("errors.As(*APIError) failed: %v", err)
			}
			assertNoSecret(t, "Error()", err.Error())
			assertNoSecret(t, "Message", apiErr.Message)
			assertNoSecret(t, "Body", apiErr.Body)
			assertNoSecret(t, "FieldErrors", fmt.Sprint(apiErr.FieldErrors))
			assertNoSecret(t, "%+v", fmt.Sprintf("%+v %#v", err, err))
			// A prefix of a key cut by the 512-byte sample leaks just as badly.
			for _, k := range []string{partnerKey, serverKey, orgServerKey} {
				if strings.Contains(apiErr.Body, k[:12]) {
					t.Errorf("Body leaks a prefix of %q: %s", k, apiErr.Body)
				}
			}
		})
	}
}

// Errors of a client acting for an organization never show its key.
func TestRedactionDerivedClientErrors(t *testing.T) {
	t.Parallel()
	srv := newServer(t, reply(http.StatusUnauthorized, fmt.Sprintf(`{"detail":"invalid token %s"}`, orgServerKey)))
	partner := partnerClient(t, srv.base())
	org := &wrapper.PartnerOrganization{ServerKey: wrapper.NewSecret(orgServerKey)}
	oc, err := partner.ForOrganization(org)
	if err != nil {
		t.Fatal(err)
	}
	_, err = oc.API().ListCustomersWithResponse(context.Background(), nil)
	if !errors.Is(err, wrapper.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	assertNoSecret(t, "Error()", err.Error())
	if !strings.Contains(err.Error(), "invalid token [REDACTED]") {
		t.Errorf("Error() = %q, want the message with the key redacted", err.Error())
	}
}

// Every kind of local error is also free of keys.
func TestRedactionInLocalErrors(t *testing.T) {
	t.Parallel()
	srv := newServer(t, reply(http.StatusOK, `{"serverKey":"`+orgServerKey+`","userId":"not a number"}`))
	c := newClient(t, srv.base(), wrapper.WithPartnerKey(partnerKey), wrapper.WithServerKey(serverKey), wrapper.WithMaxBodyBytes(4096))
	noPartner := newClient(t, srv.base(), wrapper.WithServerKey(serverKey))
	noServer := newClient(t, srv.base(), wrapper.WithPartnerKey(partnerKey))
	ctx := context.Background()
	var errs []error
	_, err := c.Partner.Get(ctx, "not-a-uuid")
	errs = append(errs, err)
	_, err = c.Partner.Provision(ctx, wrapper.ProvisionParams{ExternalID: "x", Email: partnerKey})
	errs = append(errs, err)
	_, err = noPartner.Partner.List(ctx, nil)
	errs = append(errs, err)
	_, err = noServer.API().ListCustomersWithResponse(ctx, nil)
	errs = append(errs, err)
	_, err = c.API().UpdateCustomerWithResponse(ctx, "..", api.CustomerUpdateRequest{})
	errs = append(errs, err)
	_, err = c.Partner.GetByExternalID(ctx, "x") // decode error
	errs = append(errs, err)
	for i, err := range errs {
		if err == nil {
			t.Errorf("error %d is nil", i)
			continue
		}
		assertNoSecret(t, fmt.Sprintf("error %d", i), fmt.Sprintf("%v|%+v|%#v|%s", err, err, err, err.Error()))
	}
	var de *wrapper.DecodeError
	if !errors.As(errs[len(errs)-1], &de) {
		t.Fatalf("last error %v is not a DecodeError", errs[len(errs)-1])
	}
	if de.Body == "" {
		t.Error("DecodeError.Body is empty")
	}
}

func TestRedactionInFormatting(t *testing.T) {
	t.Parallel()
	srv := newServer(t, reply(http.StatusOK, orgBody("northwind-0042", orgServerKey)))
	c := newClient(t, srv.base(), wrapper.WithPartnerKey(partnerKey), wrapper.WithServerKey(serverKey))
	org, err := c.Partner.GetByExternalID(context.Background(), "northwind-0042")
	if err != nil {
		t.Fatal(err)
	}
	if org.ServerKey.Reveal() != orgServerKey {
		t.Fatalf("Reveal() = %q, want %q", org.ServerKey.Reveal(), orgServerKey)
	}
	oc, err := c.ForOrganization(org)
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]any{
		"org":        *org,
		"*org":       org,
		"client":     c,
		"org client": oc,
		"secret":     org.ServerKey,
		"*secret":    &org.ServerKey,
		"slice":      []wrapper.PartnerOrganization{*org},
		"map":        map[string]any{"org": org},
	}
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			out := fmt.Sprintf(verb, v)
			assertNoSecret(t, name+" "+verb, out)
		}
	}
	if got := fmt.Sprintf("%v|%+v|%#v|%+v", org, org, org, *org); strings.Count(got, "[REDACTED]") != 4 {
		t.Errorf("org printed as %s; want [REDACTED] in each form", got)
	}
	if got := fmt.Sprint(c); !strings.Contains(got, "partnerKey: [REDACTED]") || !strings.Contains(got, "serverKey: [REDACTED]") {
		t.Errorf("client printed as %s", got)
	}

	// slog, both handlers, the organization and the clients.
	for _, h := range []struct {
		name string
		new  func(io.Writer) slog.Handler
	}{
		{"text", func(w io.Writer) slog.Handler { return slog.NewTextHandler(w, nil) }},
		{"json", func(w io.Writer) slog.Handler { return slog.NewJSONHandler(w, nil) }},
	} {
		var buf bytes.Buffer
		log := slog.New(h.new(&buf))
		log.Info("org", slog.Any("org", org), slog.Any("orgValue", *org), slog.Any("key", org.ServerKey))
		log.Info("client", slog.Any("client", c), slog.Any("orgClient", oc))
		log.Info("group", slog.Group("g", slog.Any("org", org)))
		out := buf.String()
		assertNoSecret(t, "slog "+h.name, out)
		if !strings.Contains(out, "[REDACTED]") || !strings.Contains(out, "northwind-outfitters") {
			t.Errorf("slog %s output lacks the redacted key or the slug:\n%s", h.name, out)
		}
	}

	// JSON.
	b, err := json.Marshal(org)
	if err != nil {
		t.Fatal(err)
	}
	assertNoSecret(t, "json.Marshal(org)", string(b))
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil || back["ServerKey"] != "[REDACTED]" || back["Slug"] != "northwind-outfitters" {
		t.Errorf("json.Marshal(org) = %s (%v)", b, err)
	}
	if b, err := json.Marshal(wrapper.Secret{}); err != nil || string(b) != `""` {
		t.Errorf("json.Marshal(zero Secret) = %s, %v", b, err)
	}
}

func TestSecret(t *testing.T) {
	t.Parallel()
	s := wrapper.NewSecret(orgServerKey)
	if s.Reveal() != orgServerKey || s.IsZero() {
		t.Errorf("Reveal() = %q, IsZero = %v", s.Reveal(), s.IsZero())
	}
	for _, verb := range []string{"%v", "%+v", "%s", "%q", "%x", "%d", "%10s"} {
		if got := fmt.Sprintf(verb, s); got != "[REDACTED]" {
			t.Errorf("Sprintf(%s) = %q, want [REDACTED]", verb, got)
		}
	}
	if got := fmt.Sprintf("%#v", s); got != `wrapper.Secret("[REDACTED]")` {
		t.Errorf("%%#v = %q", got)
	}
	var zero wrapper.Secret
	if !zero.IsZero() || zero.Reveal() != "" || zero.String() != "" || !wrapper.NewSecret("").IsZero() {
		t.Errorf("zero Secret: IsZero=%v Reveal=%q String=%q", zero.IsZero(), zero.Reveal(), zero.String())
	}
	if v := s.LogValue(); v.String() != "[REDACTED]" {
		t.Errorf("LogValue = %v", v)
	}
}

// ---------------------------------------------------------------------------
// 10. Redirects

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
			other := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if strings.Contains(r.URL.Path, "by-external-id") {
					reply(http.StatusOK, orgBody("northwind-0042", orgServerKey))(w, r)
					return
				}
				reply(http.StatusOK, `{"count":0,"results":[]}`)(w, r)
			})
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+r.URL.RequestURI(), tc.status)
			})
			c := newClient(t, srv.base(), wrapper.WithPartnerKey(partnerKey), wrapper.WithServerKey(serverKey),
				wrapper.WithHTTPClient(&http.Client{}))
			if err := tc.call(c); err != nil {
				t.Fatalf("call through a followed redirect: %v", err)
			}
			first := srv.only(t)
			if first.Header.Get(partnerHdr) == "" && first.Header.Get("Authorization") == "" {
				t.Error("the original server got no credential")
			}
			r := other.only(t)
			if r.EscapedPath != tc.path {
				t.Errorf("redirect target got %s, want %s", r.EscapedPath, tc.path)
			}
			assertNoCredential(t, r)
		})
	}
}

// A user's own redirect policy is still consulted.
func TestRedirectUserPolicyConsulted(t *testing.T) {
	t.Parallel()
	other := newServer(t, reply(http.StatusOK, `{}`))
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	})
	stop := errors.New("user policy says stop")
	var calls int
	var mu sync.Mutex
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		mu.Lock()
		calls++
		mu.Unlock()
		return stop
	}}
	c := partnerClient(t, srv.base(), wrapper.WithHTTPClient(hc))
	_, err := c.Partner.List(context.Background(), nil)
	if !errors.Is(err, stop) {
		t.Errorf("err = %v, want the user's policy error", err)
	}
	assertNoSecret(t, "Error()", err.Error())
	mu.Lock()
	defer mu.Unlock()
	// Each attempt consults the policy once (retries may add attempts).
	if calls < 1 || calls != srv.count() || other.count() != 0 {
		t.Errorf("policy called %d times for %d attempts, target saw %d requests; want one call per attempt and 0", calls, srv.count(), other.count())
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
			target := newServer(t, reply(http.StatusOK, orgBody("x", orgServerKey)))
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target.URL+r.URL.RequestURI(), status)
			})
			c := partnerClient(t, srv.base())
			org, err := c.Partner.GetByExternalID(context.Background(), "x")
			if err == nil || org != nil {
				t.Fatalf("GetByExternalID = %v, %v; want an error", org, err)
			}
			var apiErr *wrapper.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != status || apiErr.OperationID != "retrievePartnerOrganizationByExternalId" {
				t.Fatalf("err = %#v, want an *APIError with status %d", err, status)
			}
			if n := target.count(); n != 0 {
				t.Errorf("redirect target saw %d requests, want 0", n)
			}
			assertPartnerAuth(t, srv.only(t))
		})
	}
}

// ---------------------------------------------------------------------------
// 11. Concurrency

func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		seg := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/v1/partner/organizations/by-external-id/"), "/")
		if r.Header.Get(partnerHdr) != partnerKey || r.Header.Get("Authorization") != "" {
			http.Error(w, `{"detail":"bad credentials"}`, http.StatusUnauthorized)
			return
		}
		reply(http.StatusOK, orgBody(seg, orgServerKey))(w, r)
	})
	c := partnerClient(t, srv.base(), wrapper.WithServerKey(serverKey))
	const n = 32
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprintf("org-%02d", i)
			org, err := c.Partner.GetByExternalID(context.Background(), id)
			if err == nil && (org.ExternalID != id || org.ServerKey.Reveal() != orgServerKey) {
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
	if got := srv.count(); got != n {
		t.Errorf("server saw %d requests, want %d", got, n)
	}
}

// ---------------------------------------------------------------------------
// 12. ForOrganization and With

func TestForOrganization(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/v1/partner/") {
			reply(http.StatusOK, orgBody("northwind-0042", orgServerKey))(w, r)
			return
		}
		reply(http.StatusOK, `{"count":0,"results":[]}`)(w, r)
	})
	partner := partnerClient(t, srv.base(), wrapper.WithUserAgent("acme-billing/1.4"))
	ctx := context.Background()
	org, err := partner.Partner.GetByExternalID(ctx, "northwind-0042")
	if err != nil {
		t.Fatal(err)
	}
	oc, err := partner.ForOrganization(org)
	if err != nil {
		t.Fatalf("ForOrganization: %v", err)
	}
	if oc == partner {
		t.Fatal("ForOrganization returned the partner client itself")
	}
	if _, err := oc.API().ListCustomersWithResponse(ctx, nil); err != nil {
		t.Fatalf("org client ListCustomers: %v", err)
	}
	// The partner client is unchanged: still no server key, still the partner key.
	if _, err := partner.API().ListCustomersWithResponse(ctx, nil); !errors.Is(err, wrapper.ErrMissingCredential) {
		t.Errorf("partner client ListCustomers err = %v, want ErrMissingCredential", err)
	}
	if _, err := partner.Partner.List(ctx, nil); err != nil {
		t.Fatal(err)
	}
	// The derived client keeps the partner's other options, its key included.
	if _, err := oc.Partner.List(ctx, nil); err != nil {
		t.Fatal(err)
	}
	reqs := srv.requests()
	if len(reqs) != 4 {
		t.Fatalf("server saw %d requests, want 4", len(reqs))
	}
	assertPartnerAuth(t, reqs[0])
	assertBearer(t, reqs[1], orgServerKey)
	assertUserAgent(t, reqs[1], "acme-billing/1.4")
	assertPartnerAuth(t, reqs[2])
	assertPartnerAuth(t, reqs[3])
	if oc.BaseURL() != partner.BaseURL() {
		t.Errorf("org client BaseURL = %s, want %s", oc.BaseURL(), partner.BaseURL())
	}

	// With overrides and leaves the original alone.
	other, err := oc.With(wrapper.WithServerKey("sk_other"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.API().ListCustomersWithResponse(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := oc.API().ListCustomersWithResponse(ctx, nil); err != nil {
		t.Fatal(err)
	}
	reqs = srv.requests()
	assertBearer(t, reqs[4], "sk_other")
	assertBearer(t, reqs[5], orgServerKey)

	// With reports option errors.
	if _, err := partner.With(wrapper.WithPartnerKey("bad")); err == nil || !strings.Contains(err.Error(), "WithPartnerKey") {
		t.Errorf("With(bad key) err = %v", err)
	}
}

func TestForOrganizationWithoutKey(t *testing.T) {
	t.Parallel()
	c := partnerClient(t, "http://127.0.0.1:1/api/v1")
	for name, org := range map[string]*wrapper.PartnerOrganization{
		"nil":       nil,
		"no key":    {Slug: "x"},
		"empty key": {ServerKey: wrapper.NewSecret("")},
	} {
		oc, err := c.ForOrganization(org)
		if oc != nil || !errors.Is(err, wrapper.ErrInvalidInput) {
			t.Errorf("%s: ForOrganization = %v, %v; want ErrInvalidInput", name, oc, err)
		}
		var ve *wrapper.ValidationError
		if !errors.As(err, &ve) || ve.Field != "serverKey" {
			t.Errorf("%s: err = %v, want a ValidationError on serverKey", name, err)
		}
	}
}

// ---------------------------------------------------------------------------
// 13. The operation table matches openapi.json

func TestOperationsMatchSpec(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Security []map[string][]string                 `json:"security"`
		Paths    map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if len(doc.Security) != 1 || len(doc.Security[0]) != 1 || doc.Security[0]["bearerAuth"] == nil {
		t.Fatalf("global security = %v, want [{bearerAuth: []}]", doc.Security)
	}
	type specOp struct {
		ID     string
		Method string
		Path   string
		Auth   wrapper.Auth
		Edge   bool
	}
	methods := []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}
	var want []specOp
	for path, item := range doc.Paths {
		pathEdge := false
		if s, ok := item["servers"]; ok {
			var servers []any
			pathEdge = json.Unmarshal(s, &servers) == nil && len(servers) > 0
		}
		for _, m := range methods {
			body, ok := item[m]
			if !ok {
				continue
			}
			var op struct {
				OperationID string                 `json:"operationId"`
				Security    *[]map[string][]string `json:"security"`
				Servers     []any                  `json:"servers"`
			}
			if err := json.Unmarshal(body, &op); err != nil {
				t.Fatalf("%s %s: %v", m, path, err)
			}
			auth := wrapper.AuthServerKey
			if op.Security != nil {
				sec := *op.Security
				switch {
				case len(sec) == 0:
					auth = wrapper.AuthNone
				case len(sec) == 1 && len(sec[0]) == 1 && sec[0]["partnerKeyAuth"] != nil && len(sec[0]["partnerKeyAuth"]) == 0:
					auth = wrapper.AuthPartnerKey
				case len(sec) == 1 && len(sec[0]) == 1 && sec[0]["bearerAuth"] != nil:
					auth = wrapper.AuthServerKey
				default:
					t.Errorf("%s: unexpected security %v", op.OperationID, sec)
				}
			}
			want = append(want, specOp{op.OperationID, strings.ToUpper(m), path, auth, pathEdge || len(op.Servers) > 0})
		}
	}
	if len(want) != 64 {
		t.Errorf("openapi.json has %d operations, want 64", len(want))
	}
	ops := wrapper.Operations()
	if len(ops) != len(want) {
		t.Errorf("wrapper.Operations() has %d operations, spec has %d", len(ops), len(want))
	}
	byID := map[string]wrapper.Operation{}
	for _, op := range ops {
		if _, dup := byID[op.ID]; dup {
			t.Errorf("operation %s listed twice", op.ID)
		}
		byID[op.ID] = op
	}
	counts := map[wrapper.Auth]int{}
	for _, w := range want {
		op, ok := byID[w.ID]
		if !ok {
			t.Errorf("spec operation %s (%s %s) missing from wrapper.Operations()", w.ID, w.Method, w.Path)
			continue
		}
		delete(byID, w.ID)
		if op.Method != w.Method || op.Path != w.Path {
			t.Errorf("%s: wrapper has %s %s, spec has %s %s", w.ID, op.Method, op.Path, w.Method, w.Path)
		}
		if got := op.Auth(); got != w.Auth {
			t.Errorf("%s: Auth() = %v, spec says %v", w.ID, got, w.Auth)
		}
		if op.Edge() != w.Edge {
			t.Errorf("%s: Edge() = %v, spec says %v", w.ID, op.Edge(), w.Edge)
		}
		if lo, ok := wrapper.LookupOperation(w.ID); !ok || lo.Path != w.Path {
			t.Errorf("LookupOperation(%s) = %+v, %v", w.ID, lo, ok)
		}
		counts[w.Auth]++
	}
	for id := range byID {
		t.Errorf("wrapper operation %s is not in openapi.json", id)
	}
	if counts[wrapper.AuthPartnerKey] != 4 || counts[wrapper.AuthNone] != 1 {
		t.Errorf("auth counts = %v, want 4 partner-key operations and 1 without credential", counts)
	}
	// Operations returns a copy.
	ops[0].ID = "changed"
	if wrapper.Operations()[0].ID == "changed" {
		t.Error("Operations() exposes the client's own table")
	}
}

// A success answer that does not decode keeps a sample of its body, with the
// client's own keys removed.
func TestDecodeErrorBodyScrubbed(t *testing.T) {
	t.Parallel()
	const partnerKey = "kvqp_decode_scrub_0123456789"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `<html>echo `+r.Header.Get("X-Kelviq-Partner-Key")+`</html>`)
	}))
	defer srv.Close()
	c, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(srv.URL+"/api/v1"), wrapper.WithPartnerKey(partnerKey))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Partner.GetByExternalID(context.Background(), "northwind-0042")
	var de *wrapper.DecodeError
	if !errors.As(err, &de) || de.StatusCode != http.StatusOK {
		t.Fatalf("err = %v, want a *DecodeError for a 200", err)
	}
	if strings.Contains(de.Body, partnerKey) || strings.Contains(fmt.Sprintf("%+v %#v", de, de), partnerKey) || !strings.Contains(de.Body, "[REDACTED]") {
		t.Fatalf("DecodeError body %q must hold the sample with the key redacted", de.Body)
	}
}
