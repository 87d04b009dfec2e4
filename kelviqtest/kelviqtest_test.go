package kelviqtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/oapi-codegen/nullable"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/kelviqtest"
	"github.com/kelviq/kelviq-go/wrapper"
)

// ---- helpers ----

// apiError asserts that err is an *wrapper.APIError with the given status.
func apiError(t *testing.T, err error, status int) *wrapper.APIError {
	t.Helper()
	var ae *wrapper.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v (%T), want *wrapper.APIError with status %d", err, err, status)
	}
	if ae.StatusCode != status {
		t.Fatalf("status = %d, want %d (%v)", ae.StatusCode, status, ae)
	}
	return ae
}

// rawDo sends a request straight to the fake (no wrapper), following no
// redirect, and returns the status and the body.
func rawDo(t *testing.T, method, rawURL string, header http.Header, body []byte) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// ---- partner organizations ----

func TestPartnerOrganizations(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	partner := srv.Client().Partner
	ctx := context.Background()

	org, err := partner.Provision(ctx, wrapper.ProvisionParams{
		ExternalID: "northwind-0042", Email: "ops@northwind.example", BusinessName: "Northwind Outfitters",
	})
	if err != nil {
		t.Fatal(err)
	}
	if org.Identifier == (openapi_types.UUID{}) || org.Slug != "northwind-outfitters" || org.ExternalID != "northwind-0042" ||
		!strings.HasPrefix(org.ServerKey.Reveal(), "sk_test_") || org.ClientKey == "" || org.UserID <= 0 {
		t.Fatalf("provisioned organization = %+v (server key %q)", org, org.ServerKey.Reveal())
	}

	got, err := partner.GetByExternalID(ctx, "northwind-0042")
	if err != nil {
		t.Fatal(err)
	}
	if got.Identifier != org.Identifier || got.ServerKey.Reveal() != org.ServerKey.Reveal() || got.UserID != org.UserID {
		t.Fatalf("GetByExternalID = %+v, want %+v", got, org)
	}
	got, err = partner.Get(ctx, org.Identifier.String())
	if err != nil || got.ExternalID != "northwind-0042" {
		t.Fatalf("Get = %+v, %v", got, err)
	}

	// Slugs: from the business name, else the external ID, de-duplicated.
	second := testkit.Must(partner.Provision(ctx, wrapper.ProvisionParams{ExternalID: "acme-1", Email: "a@acme.example", BusinessName: "Northwind Outfitters!"}))(t)
	third := testkit.Must(partner.Provision(ctx, wrapper.ProvisionParams{ExternalID: "Acme Corp #7", Email: "b@acme.example"}))(t)
	if second.Slug != "northwind-outfitters-2" || third.Slug != "acme-corp-7" {
		t.Fatalf("slugs = %q, %q", second.Slug, third.Slug)
	}
	if second.UserID <= org.UserID || third.UserID <= second.UserID {
		t.Fatalf("user IDs do not increase: %d, %d, %d", org.UserID, second.UserID, third.UserID)
	}

	all := testkit.Must(partner.List(ctx, nil))(t)
	if len(all) != 3 || all[0].ExternalID != "northwind-0042" {
		t.Fatalf("List = %+v", all)
	}
	one := testkit.Must(partner.List(ctx, &wrapper.ListPartnerOrganizationsOptions{ExternalID: "acme-1"}))(t)
	if len(one) != 1 || one[0].Identifier != second.Identifier {
		t.Fatalf("List(external_id=acme-1) = %+v", one)
	}
	none := testkit.Must(partner.List(ctx, &wrapper.ListPartnerOrganizationsOptions{ExternalID: "nobody"}))(t)
	if len(none) != 0 {
		t.Fatalf("List(external_id=nobody) = %+v", none)
	}

	// The same external ID again: 400 with a field error.
	_, err = partner.Provision(ctx, wrapper.ProvisionParams{ExternalID: "northwind-0042", Email: "other@northwind.example"})
	ae := apiError(t, err, http.StatusBadRequest)
	if !errors.Is(err, wrapper.ErrValidation) || len(ae.FieldErrors["externalId"]) == 0 {
		t.Fatalf("duplicate external ID: %v, field errors %v", err, ae.FieldErrors)
	}
	// An email already used (in any case): 409.
	_, err = partner.Provision(ctx, wrapper.ProvisionParams{ExternalID: "northwind-0043", Email: "OPS@northwind.example"})
	apiError(t, err, http.StatusConflict)
	if !errors.Is(err, wrapper.ErrConflict) {
		t.Fatalf("duplicate email: %v", err)
	}

	// Unknown organizations: 404.
	_, err = partner.Get(ctx, "8a4b7a3e-0000-4000-8000-000000000000")
	if !errors.Is(err, wrapper.ErrNotFound) {
		t.Fatalf("Get(unknown) = %v", err)
	}
	_, err = partner.GetByExternalID(ctx, "nobody")
	if !errors.Is(err, wrapper.ErrNotFound) {
		t.Fatalf("GetByExternalID(unknown) = %v", err)
	}
}

func TestProvisionOrganizationHelper(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	org, err := srv.ProvisionOrganization("seeded-1", "seeded@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if org.Slug != "seeded-1" || org.ServerKey.IsZero() {
		t.Fatalf("seeded organization = %+v", org)
	}
	if _, err := srv.ProvisionOrganization("seeded-1", "other@example.com"); err == nil {
		t.Fatal("seeding a taken external ID succeeded")
	}
	if _, err := srv.ProvisionOrganization("seeded-2", "SEEDED@example.com"); err == nil {
		t.Fatal("seeding a taken email succeeded")
	}
	if _, err := srv.ProvisionOrganization("", "x@example.com"); err == nil {
		t.Fatal("seeding an empty external ID succeeded")
	}
	// The seeded organization is visible to the partner API and its key works.
	got, err := srv.Client().Partner.GetByExternalID(context.Background(), "seeded-1")
	if err != nil || got.Identifier != org.Identifier {
		t.Fatalf("GetByExternalID = %+v, %v", got, err)
	}
	c := testkit.Must(srv.Client().ForOrganization(org))(t)
	if _, err := c.API().ListCustomersWithResponse(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
}

// ---- authentication ----

func TestAuth(t *testing.T) {
	t.Parallel()
	srv, org, _ := setup(t, "auth-org")
	ctx := context.Background()

	wrongPartner := testkit.Must(wrapper.New(wrapper.WithBaseURL(srv.URL()), wrapper.WithPartnerKey("kvqp_wrong"), wrapper.WithoutEnvKeys()))(t)
	if _, err := wrongPartner.Partner.List(ctx, nil); !errors.Is(err, wrapper.ErrUnauthorized) {
		t.Fatalf("wrong partner key: %v", err)
	}

	wrongServer := testkit.Must(wrapper.New(wrapper.WithBaseURL(srv.URL()), wrapper.WithServerKey("sk_test_nope"), wrapper.WithoutEnvKeys()))(t)
	if _, err := wrongServer.API().ListCustomersWithResponse(ctx, nil); !errors.Is(err, wrapper.ErrUnauthorized) {
		t.Fatalf("wrong server key: %v", err)
	}

	// A server key is not a partner key, and the other way round.
	keyAsPartner := http.Header{"X-Kelviq-Partner-Key": {org.ServerKey.Reveal()}}
	if status, _, _ := rawDo(t, "GET", srv.URL()+"/partner/organizations/", keyAsPartner, nil); status != http.StatusUnauthorized {
		t.Fatalf("server key as partner key: %d", status)
	}
	partnerAsBearer := http.Header{"Authorization": {"Bearer " + srv.PartnerKey()}}
	if status, _, _ := rawDo(t, "GET", srv.URL()+"/customers/", partnerAsBearer, nil); status != http.StatusUnauthorized {
		t.Fatalf("partner key as bearer: %d", status)
	}

	// Missing credentials: 401 {"detail": ...}.
	for _, path := range []string{"/partner/organizations/", "/customers/", "/entitlements/?customer_id=c1"} {
		status, _, body := rawDo(t, "GET", srv.URL()+path, nil, nil)
		var detail map[string]string
		if status != http.StatusUnauthorized || json.Unmarshal(body, &detail) != nil || detail["detail"] == "" {
			t.Fatalf("GET %s without a key: %d %s", path, status, body)
		}
	}

	// downloadCatalogPlanFile takes no credential: an unknown file is 404,
	// not 401 (TestContract downloads a real one).
	status, _, body := rawDo(t, "GET", srv.URL()+"/catalog/plans/basic/file/0b0c5a9e-1c52-4d2e-9d0a-6c1e0f9f7a11/download/", nil, nil)
	if status != http.StatusNotFound {
		t.Fatalf("download without a key: %d %s", status, body)
	}
}

func TestServerKeyIsScopedToItsOrganization(t *testing.T) {
	t.Parallel()
	srv, _, wcA := setup(t, "org-a")
	ctx := context.Background()
	a := wcA.API()
	_, wcB := srv.NewOrganization(t, "org-b")
	b := wcB.API()

	prod := testkit.Must(a.CreateCatalogProductWithResponse(ctx, api.ProductCreateRequest{Name: "A's product", TaxCode: "saas"}))(t)
	id := *prod.JSON201.Id
	if _, err := a.RetrieveCatalogProductWithResponse(ctx, id); err != nil {
		t.Fatalf("owner retrieve: %v", err)
	}
	_, err := b.RetrieveCatalogProductWithResponse(ctx, id)
	if !errors.Is(err, wrapper.ErrNotFound) {
		t.Fatalf("other organization's retrieve = %v, want 404", err)
	}
	list := testkit.Must(b.ListCatalogProductsWithResponse(ctx, nil))(t)
	if *list.JSON200.Count != 0 {
		t.Fatalf("other organization sees %d products", *list.JSON200.Count)
	}
	// Customers are per organization too: the same customerId in both.
	for _, c := range []*api.ClientWithResponses{a, b} {
		if _, err := c.CreateCustomerWithResponse(ctx, api.CustomerCreateRequest{CustomerId: "cus_1"}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = b.UpdateCustomerWithResponse(ctx, "cus_2", api.CustomerUpdateRequest{})
	if !errors.Is(err, wrapper.ErrNotFound) {
		t.Fatalf("update of an unknown customer = %v", err)
	}
}

// ---- customers ----

func TestCustomersPaging(t *testing.T) {
	t.Parallel()
	srv, _, wc := setup(t, "paging")
	ctx := context.Background()
	c := wc.API()
	for i := range 25 {
		_, err := c.CreateCustomerWithResponse(ctx, api.CustomerCreateRequest{CustomerId: fmt.Sprintf("cus_%02d", i)})
		if err != nil {
			t.Fatal(err)
		}
	}
	base := srv.URL() + "/customers/"
	size := 10
	type want struct {
		n              int
		first          string
		next, previous string // "" for null
	}
	for page, w := range map[int]want{
		1: {10, "cus_24", base + "?page=2&page_size=10", ""},
		2: {10, "cus_14", base + "?page=3&page_size=10", base + "?page_size=10"},
		3: {5, "cus_04", "", base + "?page=2&page_size=10"},
	} {
		resp := testkit.Must(c.ListCustomersWithResponse(ctx, &api.ListCustomersParams{Page: &page, PageSize: &size}))(t)
		got := resp.JSON200
		next, _ := testkit.PtrGet(got.Next)
		prev, _ := testkit.PtrGet(got.Previous)
		if *got.Count != 25 || len(*got.Results) != w.n || *(*got.Results)[0].CustomerId != w.first || next != w.next || prev != w.previous {
			t.Errorf("page %d: count %d, %d results from %s, next %q, previous %q; want %+v",
				page, *got.Count, len(*got.Results), *(*got.Results)[0].CustomerId, next, prev, w)
		}
		if (w.next == "") != (got.Next == nil) || (w.previous == "") != (got.Previous == nil) {
			t.Errorf("page %d: next null %v, previous null %v; want null exactly when there is none", page, (got.Next == nil), (got.Previous == nil))
		}
	}

	// The default page size of listCustomers is 10; page 4 does not exist.
	resp := testkit.Must(c.ListCustomersWithResponse(ctx, nil))(t)
	if len(*resp.JSON200.Results) != 10 {
		t.Fatalf("default page has %d results", len(*resp.JSON200.Results))
	}
	four := 4
	_, err := c.ListCustomersWithResponse(ctx, &api.ListCustomersParams{Page: &four, PageSize: &size})
	if !errors.Is(err, wrapper.ErrNotFound) {
		t.Fatalf("page 4: %v", err)
	}
	// Search filters before paging.
	search := "cus_2"
	resp = testkit.Must(c.ListCustomersWithResponse(ctx, &api.ListCustomersParams{Search: &search}))(t)
	if *resp.JSON200.Count != 5 || !(resp.JSON200.Next == nil) {
		t.Fatalf("search %q: count %d", search, *resp.JSON200.Count)
	}
	// page_size above the spec's maximum is refused.
	status, _, body := rawDo(t, "GET", base+"?page_size=500", http.Header{"Authorization": {"Bearer " + mustKey(t, srv, "paging")}}, nil)
	if status != http.StatusBadRequest || !strings.Contains(string(body), `"page_size"`) {
		t.Fatalf("page_size=500: %d %s", status, body)
	}
}

// mustKey returns the server key of an organization the partner provisioned.
func mustKey(t *testing.T, srv *kelviqtest.Server, externalID string) string {
	t.Helper()
	org := testkit.Must(srv.Client().Partner.GetByExternalID(context.Background(), externalID))(t)
	return org.ServerKey.Reveal()
}

func TestCustomerPatch(t *testing.T) {
	t.Parallel()
	_, _, wc := setup(t, "patch")
	ctx := context.Background()
	c := wc.API()

	create := api.CustomerCreateRequest{
		CustomerId: "cus_1",
		Name:       nullable.NewNullableWithValue("Ada"),
		Email:      nullable.NewNullableWithValue("ada@example.com"),
		Metadata:   nullable.NewNullableWithValue(map[string]string{"tier": "gold"}),
	}
	created := testkit.Must(c.CreateCustomerWithResponse(ctx, create))(t).JSON201
	if created.Id == nil || created.CreatedOn == nil || (*created.Name) != "Ada" {
		t.Fatalf("created = %+v", created)
	}
	_, err := c.CreateCustomerWithResponse(ctx, create)
	if ae := apiError(t, err, http.StatusBadRequest); len(ae.FieldErrors["customerId"]) == 0 {
		t.Fatalf("duplicate customerId: %v", ae.FieldErrors)
	}

	// An explicit null clears name; email, left out, keeps its value.
	upd := testkit.Must(c.UpdateCustomerWithResponse(ctx, "cus_1", api.CustomerUpdateRequest{Name: nullable.NewNullNullable[string]()}))(t).JSON200
	if !(upd.Name == nil) || (*upd.Email) != "ada@example.com" || (*upd.Metadata)["tier"] != "gold" {
		t.Fatalf("after name=null: name %v, email %v, metadata %v", upd.Name, upd.Email, upd.Metadata)
	}
	upd = testkit.Must(c.UpdateCustomerWithResponse(ctx, "cus_1", api.CustomerUpdateRequest{
		Email:          nullable.NewNullableWithValue("ada@lovelace.example"),
		BillingAddress: nullable.NewNullableWithValue(api.BillingAddress{Country: testkit.Ptr("GB"), City: testkit.Ptr("London")}),
	}))(t).JSON200
	if !(upd.Name == nil) || (*upd.Email) != "ada@lovelace.example" || *upd.BillingAddress.MustGet().City != "London" {
		t.Fatalf("after email: %+v", upd)
	}
	// The list shows the stored state.
	list := testkit.Must(c.ListCustomersWithResponse(ctx, nil))(t).JSON200
	if got := (*list.Results)[0]; !(got.Name == nil) || (*got.Email) != "ada@lovelace.example" {
		t.Fatalf("listed = %+v", got)
	}
}

// ---- validation ----

func TestInvalidRequests(t *testing.T) {
	t.Parallel()
	srv, _, wc := setup(t, "invalid")
	ctx := context.Background()
	c := wc.API()

	_, err := c.CreateCustomerWithBodyWithResponse(ctx, "application/json", strings.NewReader(`{"customerId": "c1", "email": 123}`))
	ae := apiError(t, err, http.StatusBadRequest)
	if !errors.Is(err, wrapper.ErrValidation) || len(ae.FieldErrors["email"]) == 0 {
		t.Fatalf("email 123: %v (fields %v)", err, ae.FieldErrors)
	}
	_, err = c.CreateCustomerWithBodyWithResponse(ctx, "application/json", strings.NewReader(`{"email": "not-an-email", "billingAddress": {"country": 5}}`))
	ae = apiError(t, err, http.StatusBadRequest)
	for _, f := range []string{"customerId", "email", "billingAddress.country"} {
		if len(ae.FieldErrors[f]) == 0 {
			t.Errorf("missing field error for %s: %v", f, ae.FieldErrors)
		}
	}
	if got := ae.FieldErrors["customerId"]; len(got) == 0 || got[0] != "This field is required." {
		t.Errorf("customerId error = %v", got)
	}
	_, err = c.CreateCatalogProductWithBodyWithResponse(ctx, "application/json", strings.NewReader(`{"name": "P", "taxCode": "food"}`))
	if ae := apiError(t, err, http.StatusBadRequest); len(ae.FieldErrors["taxCode"]) == 0 {
		t.Fatalf("bad enum: %v", ae.FieldErrors)
	}
	_, err = c.CreateCustomerWithBodyWithResponse(ctx, "application/json", strings.NewReader(`{"customerId": `))
	if ae := apiError(t, err, http.StatusBadRequest); !strings.Contains(ae.Message, "JSON parse error") {
		t.Fatalf("malformed JSON: %v", ae)
	}
	_, err = c.UpdateCustomerWithBodyWithResponse(ctx, "c1", "application/json", strings.NewReader(`{"name": 7}`))
	apiError(t, err, http.StatusBadRequest) // validated before the lookup

	_, err = c.CreateCustomerWithBodyWithResponse(ctx, "application/json", strings.NewReader(`[]`))
	if ae := apiError(t, err, http.StatusBadRequest); len(ae.FieldErrors["non_field_errors"]) == 0 {
		t.Fatalf("array body: %v", ae.FieldErrors)
	}

	key := http.Header{"Authorization": {"Bearer " + mustKey(t, srv, "invalid")}}
	// Unknown routes and methods.
	if status, _, _ := rawDo(t, "GET", srv.URL()+"/nothing/here/", key, nil); status != http.StatusNotFound {
		t.Fatalf("unknown path: %d", status)
	}
	if status, _, _ := rawDo(t, "PUT", srv.URL()+"/customers/", key, nil); status != http.StatusMethodNotAllowed {
		t.Fatalf("unknown method: %d", status)
	}
	// A path parameter that is not a UUID matches no resource.
	if status, _, _ := rawDo(t, "GET", srv.URL()+"/catalog/products/not-a-uuid/", key, nil); status != http.StatusNotFound {
		t.Fatalf("bad UUID in path: %d", status)
	}
	// A required query parameter.
	status, _, body := rawDo(t, "GET", srv.URL()+"/entitlements/", key, nil)
	if status != http.StatusBadRequest || !strings.Contains(string(body), `"customer_id":["This field is required."]`) {
		t.Fatalf("missing customer_id: %d %s", status, body)
	}
	// No body at all reads as {}.
	status, _, body = rawDo(t, "POST", srv.URL()+"/customers/", key, nil)
	if status != http.StatusBadRequest || !strings.Contains(string(body), `"customerId":["This field is required."]`) {
		t.Fatalf("no body: %d %s", status, body)
	}
	// A body of another media type.
	h := key.Clone()
	h.Set("Content-Type", "text/plain")
	if status, _, _ := rawDo(t, "POST", srv.URL()+"/customers/", h, []byte("hi")); status != http.StatusUnsupportedMediaType {
		t.Fatalf("text/plain body: %d", status)
	}
}

// ---- catalog ----

func TestCatalogLifecycle(t *testing.T) {
	t.Parallel()
	_, _, wc := setup(t, "catalog")
	ctx := context.Background()
	c := wc.API()

	// Products.
	p := testkit.Must(c.CreateCatalogProductWithResponse(ctx, api.ProductCreateRequest{Name: "Pro Suite", TaxCode: "saas", ImageKeys: &[]string{"img/1.png"}}))(t).JSON201
	if *p.Identifier != "pro-suite" || len(*p.Images) != 1 || p.Id == nil {
		t.Fatalf("product = %+v", p)
	}
	_, err := c.CreateCatalogProductWithResponse(ctx, api.ProductCreateRequest{Name: "X", TaxCode: "saas", Identifier: testkit.Ptr("pro-suite")})
	if ae := apiError(t, err, http.StatusBadRequest); len(ae.FieldErrors["identifier"]) == 0 {
		t.Fatalf("duplicate identifier: %v", ae.FieldErrors)
	}
	p2 := testkit.Must(c.CreateCatalogProductWithResponse(ctx, api.ProductCreateRequest{Name: "Pro Suite", TaxCode: "ebook"}))(t).JSON201
	if *p2.Identifier != "pro-suite-2" {
		t.Fatalf("second identifier = %q", *p2.Identifier)
	}
	upd := testkit.Must(c.UpdateCatalogProductWithResponse(ctx, *p.Id, api.ProductUpdateRequest{Name: testkit.Ptr("Pro Suite 2")}))(t).JSON200
	if *upd.Name != "Pro Suite 2" || *upd.TaxCode != "saas" {
		t.Fatalf("updated product = %+v", upd)
	}
	got := testkit.Must(c.RetrieveCatalogProductWithResponse(ctx, *p.Id))(t).JSON200
	if *got.Name != "Pro Suite 2" || len(*got.Plans) != 0 {
		t.Fatalf("retrieved product = %+v", got)
	}
	if _, err := c.RetrieveCatalogProductWithResponse(ctx, openapi_types.UUID{1}); !errors.Is(err, wrapper.ErrNotFound) {
		t.Fatalf("unknown product: %v", err)
	}

	// Features.
	f := testkit.Must(c.CreateCatalogFeatureWithResponse(ctx, api.FeatureCreateRequest{Name: "Seats", FeatureType: "CUSTOMIZABLE"}))(t).JSON201
	if *f.Identifier != "seats" || *f.IsArchived || *f.FeatureType != "CUSTOMIZABLE" {
		t.Fatalf("feature = %+v", f)
	}
	if got := testkit.Must(c.RetrieveCatalogFeatureWithResponse(ctx, *f.Id))(t).JSON200; *got.Name != "Seats" {
		t.Fatalf("retrieved feature = %+v", got)
	}
	if _, err := c.RetrieveCatalogFeatureWithResponse(ctx, openapi_types.UUID{2}); !errors.Is(err, wrapper.ErrNotFound) {
		t.Fatalf("unknown feature: %v", err)
	}

	// Plans: draft v1 → publish → edit opens draft v2 → discard → edit → publish.
	_, err = c.CreateCatalogPlanWithResponse(ctx, api.PlanCreateRequest{Name: "Basic", Product: openapi_types.UUID{3}})
	if ae := apiError(t, err, http.StatusBadRequest); len(ae.FieldErrors["product"]) == 0 {
		t.Fatalf("plan of an unknown product: %v", ae.FieldErrors)
	}
	pl := testkit.Must(c.CreateCatalogPlanWithResponse(ctx, api.PlanCreateRequest{Name: "Basic", Product: *p.Id}))(t).JSON201
	if *pl.Identifier != "basic" || *pl.Version != 1 || *pl.IsLatest || (*pl.Details)["status"] != "draft" {
		t.Fatalf("plan = %+v", pl) // a draft is not the latest published version (see catalog_test.go)
	}
	if _, err := c.DiscardCatalogPlanDraftWithResponse(ctx, "basic"); !errors.Is(err, wrapper.ErrValidation) {
		t.Fatalf("discarding the only version: %v", err)
	}
	testkit.Must(c.BulkSetCatalogPlanPricesWithResponse(ctx, "basic", api.PlanPriceBulkRequest{Prices: []api.PlanPriceCreateRequest{{PriceType: "FREE"}}}))(t)
	pub := testkit.Must(c.PublishCatalogPlanWithResponse(ctx, "basic", api.PlanPublishRequest{}))(t).JSON200
	if *pub.Status != "published" {
		t.Fatalf("publish = %+v", pub)
	}
	if _, err := c.PublishCatalogPlanWithResponse(ctx, "basic", api.PlanPublishRequest{}); !errors.Is(err, wrapper.ErrValidation) {
		t.Fatalf("publishing without a draft: %v", err)
	}
	if got := testkit.Must(c.RetrieveCatalogProductWithResponse(ctx, *p.Id))(t).JSON200; !slices.Equal(*got.Plans, []string{"basic"}) {
		t.Fatalf("product plans = %v", *got.Plans)
	}
	v2 := testkit.Must(c.UpdateCatalogPlanWithResponse(ctx, "basic", nil, api.PlanUpdateRequest{Name: testkit.Ptr("Basic+")}))(t).JSON200
	if *v2.Version != 2 || *v2.Name != "Basic+" || (*v2.Details)["status"] != "draft" {
		t.Fatalf("edit of a published plan = %+v", v2)
	}
	if _, err := c.DiscardCatalogPlanDraftWithResponse(ctx, "basic"); err != nil {
		t.Fatalf("discard: %v", err)
	}
	latest := testkit.Must(c.RetrieveCatalogPlanWithResponse(ctx, "basic", nil))(t).JSON200
	if *latest.Version != 1 || *latest.Name != "Basic" || !*latest.IsLatest {
		t.Fatalf("after discard = %+v", latest)
	}
	testkit.Must(c.UpdateCatalogPlanWithResponse(ctx, "basic", nil, api.PlanUpdateRequest{Name: testkit.Ptr("Basic v2")}))(t)
	testkit.Must(c.PublishCatalogPlanWithResponse(ctx, "basic", api.PlanPublishRequest{}))(t)
	one := 1
	v1 := testkit.Must(c.RetrieveCatalogPlanWithResponse(ctx, "basic", &api.RetrieveCatalogPlanParams{Version: &one}))(t).JSON200
	if *v1.IsLatest || (*v1.Details)["status"] != "retired" || *v1.Name != "Basic" {
		t.Fatalf("version 1 after the second publish = %+v", v1)
	}
	if _, err := c.RetrieveCatalogPlanWithResponse(ctx, "nope", nil); !errors.Is(err, wrapper.ErrNotFound) {
		t.Fatalf("unknown plan: %v", err)
	}
	plans := testkit.Must(c.ListCatalogPlansWithResponse(ctx, nil))(t).JSON200
	if *plans.Count != 1 || *(*plans.Results)[0].Version != 2 {
		t.Fatalf("plans = %+v", plans)
	}

	// Delete archives: gone from lists, a second delete is 400.
	if _, err := c.DeleteCatalogPlanWithResponse(ctx, "basic", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteCatalogPlanWithResponse(ctx, "basic", nil); !errors.Is(err, wrapper.ErrValidation) {
		t.Fatalf("second plan delete: %v", err)
	}
	if n := *testkit.Must(c.ListCatalogPlansWithResponse(ctx, nil))(t).JSON200.Count; n != 0 {
		t.Fatalf("%d plans listed after delete", n)
	}
	if _, err := c.DeleteCatalogFeatureWithResponse(ctx, *f.Id); err != nil {
		t.Fatal(err)
	}
	if got := testkit.Must(c.RetrieveCatalogFeatureWithResponse(ctx, *f.Id))(t).JSON200; !*got.IsArchived {
		t.Fatalf("archived feature = %+v", got)
	}
	if _, err := c.DeleteCatalogFeatureWithResponse(ctx, *f.Id); !errors.Is(err, wrapper.ErrValidation) {
		t.Fatalf("second feature delete: %v", err)
	}
	if n := *testkit.Must(c.ListCatalogFeaturesWithResponse(ctx, nil))(t).JSON200.Count; n != 0 {
		t.Fatalf("%d features listed after delete", n)
	}
	if _, err := c.DeleteCatalogProductWithResponse(ctx, *p.Id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteCatalogProductWithResponse(ctx, *p.Id); !errors.Is(err, wrapper.ErrValidation) {
		t.Fatalf("second product delete: %v", err)
	}
	products := testkit.Must(c.ListCatalogProductsWithResponse(ctx, nil))(t).JSON200
	if *products.Count != 1 || *(*products.Results)[0].Id != *p2.Id {
		t.Fatalf("products after delete = %+v", products)
	}
}

// ---- server ----

func TestOptionsAndHandler(t *testing.T) {
	t.Parallel()
	// The client's key rule (check.KeyRule): what wrapper.WithPartnerKey
	// refuses, the fake refuses.
	for key, rule := range map[string]string{"not-a-partner-key": `must start with "kvqp_"`, "kvqp_": `must have more after "kvqp_"`,
		"kvqp_a b": "must be printable ASCII without spaces", "kvqp_é": "must be printable ASCII without spaces", " ": "is empty"} {
		_, err := kelviqtest.New(kelviqtest.WithPartnerKey(key))
		if err == nil || !strings.Contains(err.Error(), "WithPartnerKey: the partner key "+rule) {
			t.Errorf("WithPartnerKey(%q): %v, want %q", key, err, rule)
		}
		if _, err := wrapper.New(wrapper.WithPartnerKey(key), wrapper.WithoutEnvKeys()); err == nil {
			t.Errorf("wrapper.WithPartnerKey(%q) accepted what the fake refuses", key)
		}
	}
	if _, err := kelviqtest.New(kelviqtest.WithAddr("10.1.2.3:80")); err == nil {
		t.Fatal("a non-loopback address was accepted")
	}
	srv := kelviqtest.NewServer(t, kelviqtest.WithPartnerKey("kvqp_custom"), kelviqtest.WithAddr("127.0.0.1:0"))
	if srv.PartnerKey() != "kvqp_custom" || !strings.HasPrefix(srv.URL(), "http://127.0.0.1:") || !strings.HasSuffix(srv.URL(), "/api/v1") {
		t.Fatalf("PartnerKey %q, URL %q", srv.PartnerKey(), srv.URL())
	}
	// A random default key.
	other := kelviqtest.NewServer(t)
	if !strings.HasPrefix(other.PartnerKey(), "kvqp_test_") || other.PartnerKey() == srv.PartnerKey() {
		t.Fatalf("default partner key %q", other.PartnerKey())
	}

	// The handler mounted on another server shares the state.
	mounted := httptest.NewServer(srv.Handler())
	defer mounted.Close()
	c := testkit.Must(wrapper.New(wrapper.WithBaseURL(mounted.URL+kelviqtest.BasePath), wrapper.WithPartnerKey("kvqp_custom"), wrapper.WithoutEnvKeys()))(t)
	ctx := context.Background()
	org := testkit.Must(c.Partner.Provision(ctx, wrapper.ProvisionParams{ExternalID: "mounted", Email: "m@example.com"}))(t)
	if got := testkit.Must(srv.Client().Partner.Get(ctx, org.Identifier.String()))(t); got.ExternalID != "mounted" {
		t.Fatalf("got %+v", got)
	}

	reqs := srv.Requests()
	if len(reqs) != 2 || reqs[0].OperationID != "provisionPartnerOrganization" || reqs[0].Status != http.StatusCreated ||
		reqs[1].OperationID != "retrievePartnerOrganization" || reqs[1].Method != "GET" || !strings.HasPrefix(reqs[1].Path, "/api/v1/partner/organizations/") {
		t.Fatalf("Requests() = %+v", reqs)
	}
	srv.Close()
	srv.Close() // twice is fine
	if resp, err := http.Get(srv.URL() + "/partner/organizations/"); err == nil {
		resp.Body.Close()
		t.Fatal("request after Close succeeded")
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	srv, _, wc := setup(t, "concurrent")
	c := wc.API()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 20 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := srv.Client().Partner.Provision(ctx, wrapper.ProvisionParams{ExternalID: fmt.Sprintf("c-%d", i), Email: fmt.Sprintf("c%d@example.com", i)})
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := c.CreateCustomerWithResponse(ctx, api.CustomerCreateRequest{CustomerId: fmt.Sprintf("cus_%d", i)})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := len(testkit.Must(srv.Client().Partner.List(ctx, nil))(t)); n != 21 {
		t.Fatalf("%d organizations", n)
	}
	if n := *testkit.Must(c.ListCustomersWithResponse(ctx, nil))(t).JSON200.Count; n != 20 {
		t.Fatalf("%d customers", n)
	}
}
