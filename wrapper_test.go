package kelviq_test

// The client as a program that imports it uses it: provision, list and
// find organizations, act for one with its server key, the edge host. The
// client's own mechanisms (sender, errors, checks, options, redaction) are
// tested beside their code in wrapper/.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/wrapper"
)

const nullOrgBody = `{"userId":null,"organizationIdentifier":"` + testkit.OrgID + `","organizationSlug":null,"clientKey":null,"serverKey":null,"partnerExternalId":null}`

func assertUserAgent(t *testing.T, r testkit.Request, product string) {
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
	if org.Identifier != uuid.MustParse(testkit.OrgID) {
		t.Errorf("Identifier = %v, want %s", org.Identifier, testkit.OrgID)
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
			srv := testkit.NewServer(t, testkit.Reply(http.StatusCreated, testkit.OrgBody(tc.params.ExternalID, testkit.OrgServerKey)))
			var opts []wrapper.Option
			if tc.product != "" {
				opts = append(opts, wrapper.WithUserAgent(tc.product))
			}
			c := testkit.Must(wrapper.New(append([]wrapper.Option{wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(srv.Base()), wrapper.WithPartnerKey(testkit.PartnerKey)}, opts...)...))(t)
			org, err := c.Partner.Provision(context.Background(), tc.params)
			if err != nil {
				t.Fatalf("Provision: %v", err)
			}
			r := srv.Only(t)
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
			testkit.AssertPartnerAuth(t, r)
			assertUserAgent(t, r, tc.product)
			assertFullOrg(t, org, tc.params.ExternalID, testkit.OrgServerKey)
		})
	}
}

func TestPartnerList(t *testing.T) {
	t.Parallel()
	listBody := `{"count":2,"results":[` + testkit.OrgBody("northwind-0042", testkit.OrgServerKey) + `,` + nullOrgBody + `]}`
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
			srv := testkit.NewServer(t, testkit.Reply(http.StatusOK, listBody))
			c := testkit.Must(wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(srv.Base()), wrapper.WithPartnerKey(testkit.PartnerKey)))(t)
			orgs, err := c.Partner.List(context.Background(), tc.opts)
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			r := srv.Only(t)
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
			testkit.AssertPartnerAuth(t, r)
			assertUserAgent(t, r, "")
			if len(orgs) != 2 {
				t.Fatalf("got %d organizations, want 2", len(orgs))
			}
			assertFullOrg(t, &orgs[0], "northwind-0042", testkit.OrgServerKey)
			assertNullOrg(t, &orgs[1])
		})
	}
}

func TestPartnerListEmpty(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{"count":0,"results":[]}`, `{"count":0}`, `{}`} {
		t.Run(body, func(t *testing.T) {
			t.Parallel()
			srv := testkit.NewServer(t, testkit.Reply(http.StatusOK, body))
			orgs, err := testkit.Must(wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(srv.Base()), wrapper.WithPartnerKey(testkit.PartnerKey)))(t).Partner.List(context.Background(), nil)
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
	if org.Identifier != uuid.MustParse(testkit.OrgID) {
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
		{name: "canonical", identifier: testkit.OrgID, body: testkit.OrgBody("northwind-0042", testkit.OrgServerKey)},
		{name: "upper case is normalised", identifier: strings.ToUpper(testkit.OrgID), body: testkit.OrgBody("northwind-0042", testkit.OrgServerKey)},
		{name: "null fields", identifier: testkit.OrgID, body: nullOrgBody, null: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := testkit.NewServer(t, testkit.Reply(http.StatusOK, tc.body))
			c := testkit.Must(wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(srv.Base()), wrapper.WithPartnerKey(testkit.PartnerKey), wrapper.WithUserAgent("acme-billing/1.4")))(t)
			org, err := c.Partner.Get(context.Background(), tc.identifier)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			r := srv.Only(t)
			if r.Method != http.MethodGet || r.EscapedPath != "/api/v1/partner/organizations/"+testkit.OrgID+"/" || r.RawQuery != "" {
				t.Errorf("request = %s %s?%s", r.Method, r.EscapedPath, r.RawQuery)
			}
			testkit.AssertPartnerAuth(t, r)
			assertUserAgent(t, r, "acme-billing/1.4")
			if tc.null {
				assertNullOrg(t, org)
			} else {
				assertFullOrg(t, org, "northwind-0042", testkit.OrgServerKey)
			}
		})
	}
}

func TestPartnerGetByExternalID(t *testing.T) {
	t.Parallel()
	srv := testkit.NewServer(t, testkit.Reply(http.StatusOK, testkit.OrgBody("northwind-0042", testkit.OrgServerKey)))
	c := testkit.Must(wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(srv.Base()), wrapper.WithPartnerKey(testkit.PartnerKey)))(t)
	org, err := c.Partner.GetByExternalID(context.Background(), "northwind-0042")
	if err != nil {
		t.Fatalf("GetByExternalID: %v", err)
	}
	r := srv.Only(t)
	if r.Method != http.MethodGet || r.RequestURI != "/api/v1/partner/organizations/by-external-id/northwind-0042/" {
		t.Errorf("request = %s %s", r.Method, r.RequestURI)
	}
	if r.Header.Get("Accept") != "application/json" {
		t.Errorf("Accept = %q", r.Header.Get("Accept"))
	}
	testkit.AssertPartnerAuth(t, r)
	assertUserAgent(t, r, "")
	assertFullOrg(t, org, "northwind-0042", testkit.OrgServerKey)
}

func TestServerKeyOperations(t *testing.T) {
	t.Parallel()
	t.Run("listCustomers", func(t *testing.T) {
		t.Parallel()
		srv := testkit.NewServer(t, testkit.Reply(http.StatusOK, `{"count":1,"results":[{"customerId":"cus_42"}]}`))
		c := testkit.Must(wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(srv.Base()), wrapper.WithServerKey(testkit.ServerKey), wrapper.WithPartnerKey(testkit.PartnerKey)))(t)
		resp, err := c.API().ListCustomersWithResponse(context.Background(), &api.ListCustomersParams{Search: testkit.Ptr("ada"), PageSize: testkit.Ptr(50)})
		if err != nil {
			t.Fatalf("ListCustomers: %v", err)
		}
		if resp.StatusCode() != http.StatusOK || resp.JSON200 == nil || resp.JSON200.Count == nil || *resp.JSON200.Count != 1 {
			t.Fatalf("ListCustomers response = %d %+v", resp.StatusCode(), resp.JSON200)
		}
		if rs := *resp.JSON200.Results; len(rs) != 1 || rs[0].CustomerId == nil || *rs[0].CustomerId != "cus_42" {
			t.Errorf("results = %+v", rs)
		}
		r := srv.Only(t)
		if r.Method != http.MethodGet || r.EscapedPath != "/api/v1/customers/" {
			t.Errorf("request = %s %s", r.Method, r.EscapedPath)
		}
		q, _ := url.ParseQuery(r.RawQuery)
		if q.Get("search") != "ada" || q.Get("page_size") != "50" || len(q) != 2 {
			t.Errorf("query = %q", r.RawQuery)
		}
		testkit.AssertBearer(t, r, testkit.ServerKey)
		assertUserAgent(t, r, "")
	})
	t.Run("updateCustomer", func(t *testing.T) {
		t.Parallel()
		srv := testkit.NewServer(t, testkit.Reply(http.StatusOK, `{"customerId":"cus_42","name":"Ada"}`))
		c := testkit.Must(wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(srv.Base()), wrapper.WithServerKey(testkit.ServerKey)))(t)
		body := api.CustomerUpdateRequest{Name: map[bool]string{true: "Ada"}}
		resp, err := c.API().UpdateCustomerWithResponse(context.Background(), "cus_42", body)
		if err != nil {
			t.Fatalf("UpdateCustomer: %v", err)
		}
		if resp.JSON200 == nil || resp.JSON200.CustomerId == nil || *resp.JSON200.CustomerId != "cus_42" {
			t.Errorf("response = %+v", resp.JSON200)
		}
		r := srv.Only(t)
		if r.Method != http.MethodPatch || r.EscapedPath != "/api/v1/customers/cus_42/" {
			t.Errorf("request = %s %s", r.Method, r.EscapedPath)
		}
		if string(r.Body) != `{"name":"Ada"}` {
			t.Errorf("body = %s", r.Body)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
		testkit.AssertBearer(t, r, testkit.ServerKey)
	})
}

// The declared 302 also works through the typed response.
func TestDownloadPlanFileWithResponse(t *testing.T) {
	t.Parallel()
	srv := testkit.NewServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Location", "https://files.example/x")
		w.WriteHeader(http.StatusFound)
	})
	c := testkit.Must(wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(srv.Base())))(t) // no keys at all: the operation needs none
	resp, err := c.API().DownloadCatalogPlanFileWithResponse(context.Background(), "pro-plan", uuid.New())
	if err != nil {
		t.Fatalf("DownloadCatalogPlanFileWithResponse: %v", err)
	}
	if resp.StatusCode() != http.StatusFound || resp.HTTPResponse.Header.Get("Location") != "https://files.example/x" {
		t.Errorf("response = %d, Location %q", resp.StatusCode(), resp.HTTPResponse.Header.Get("Location"))
	}
	testkit.AssertNoCredential(t, srv.Only(t))
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
					return fmt.Errorf("response not decoded: %s", resp.Body)
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
					return fmt.Errorf("response not decoded: %s", resp.Body)
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
			base := testkit.NewServer(t, testkit.Reply(http.StatusOK, `{}`))
			edge := testkit.NewServer(t, testkit.Reply(http.StatusOK, `{"customerId":"cus_42","code":"SPRING"}`))
			c := testkit.Must(wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(base.Base()), wrapper.WithServerKey(testkit.ServerKey), wrapper.WithEdgeURL(edge.Base())))(t)
			if err := tc.call(c); err != nil {
				t.Fatalf("call: %v", err)
			}
			if n := base.Count(); n != 0 {
				t.Errorf("base server saw %d requests, want 0", n)
			}
			r := edge.Only(t)
			if r.Method != http.MethodGet || r.EscapedPath != tc.wantPath {
				t.Errorf("edge request = %s %s, want GET %s", r.Method, r.EscapedPath, tc.wantPath)
			}
			q, _ := url.ParseQuery(r.RawQuery)
			if fmt.Sprint(q) != fmt.Sprint(tc.wantQuery) {
				t.Errorf("query = %v, want %v", q, tc.wantQuery)
			}
			testkit.AssertBearer(t, r, testkit.ServerKey)
			assertUserAgent(t, r, "")
		})
	}
}

func TestForOrganization(t *testing.T) {
	t.Parallel()
	srv := testkit.NewServer(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/v1/partner/") {
			testkit.Reply(http.StatusOK, testkit.OrgBody("northwind-0042", testkit.OrgServerKey))(w, r)
			return
		}
		testkit.Reply(http.StatusOK, `{"count":0,"results":[]}`)(w, r)
	})
	partner := testkit.Must(wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(srv.Base()), wrapper.WithPartnerKey(testkit.PartnerKey), wrapper.WithUserAgent("acme-billing/1.4")))(t)
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
	reqs := srv.Requests()
	if len(reqs) != 4 {
		t.Fatalf("server saw %d requests, want 4", len(reqs))
	}
	testkit.AssertPartnerAuth(t, reqs[0])
	testkit.AssertBearer(t, reqs[1], testkit.OrgServerKey)
	assertUserAgent(t, reqs[1], "acme-billing/1.4")
	testkit.AssertPartnerAuth(t, reqs[2])
	testkit.AssertPartnerAuth(t, reqs[3])
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
	reqs = srv.Requests()
	testkit.AssertBearer(t, reqs[4], "sk_other")
	testkit.AssertBearer(t, reqs[5], testkit.OrgServerKey)

	// With reports option errors.
	if _, err := partner.With(wrapper.WithPartnerKey("bad")); err == nil || !strings.Contains(err.Error(), "WithPartnerKey") {
		t.Errorf("With(bad key) err = %v", err)
	}
}

func TestForOrganizationWithoutKey(t *testing.T) {
	t.Parallel()
	c := testkit.Must(wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL("http://127.0.0.1:1/api/v1"), wrapper.WithPartnerKey(testkit.PartnerKey)))(t)
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
