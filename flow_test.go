package kelviq_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/oapi-codegen/nullable"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/kelviqtest"
	"github.com/kelviq/kelviq-go/wrapper"
)

// The partner flow end to end against the stateful fake: what one call
// writes, the next one reads.
func TestFlowAgainstFake(t *testing.T) {
	t.Parallel()
	fake := kelviqtest.NewServer(t)
	partner := fake.Client()
	ctx := context.Background()

	org, err := partner.Partner.Provision(ctx, wrapper.ProvisionParams{ExternalID: "fabrikam-7", Email: "billing@fabrikam.example"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = partner.Partner.Provision(ctx, wrapper.ProvisionParams{ExternalID: "fabrikam-7", Email: "other@fabrikam.example"})
	var apiErr *wrapper.APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, wrapper.ErrValidation) || len(apiErr.FieldErrors["externalId"]) == 0 {
		t.Fatalf("duplicate external ID: err = %v, want a 400 with a field error on externalId", err)
	}
	if _, err := partner.Partner.Provision(ctx, wrapper.ProvisionParams{ExternalID: "fabrikam-8", Email: "billing@fabrikam.example"}); !errors.Is(err, wrapper.ErrConflict) {
		t.Fatalf("duplicate email: err = %v, want ErrConflict", err)
	}
	list, err := partner.Partner.List(ctx, &wrapper.ListPartnerOrganizationsOptions{ExternalID: "fabrikam-7"})
	if err != nil || len(list) != 1 || list[0].Identifier != org.Identifier {
		t.Fatalf("List(fabrikam-7) = %v, %v; want the provisioned organization", list, err)
	}
	if _, err := partner.Partner.Get(ctx, "8d3c1f9e-2b4a-4c6d-9e8f-0a1b2c3d4e5f"); !errors.Is(err, wrapper.ErrNotFound) {
		t.Fatalf("unknown identifier: err = %v, want ErrNotFound", err)
	}

	shop, err := partner.ForOrganization(org)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 25 {
		if _, err := shop.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: fmt.Sprintf("cus-%02d", i), Name: nullable.NewNullableWithValue("Customer")}); err != nil {
			t.Fatal(err)
		}
	}
	// Pages of 10 on the server; All walks them all.
	size := 10
	seen := map[string]bool{}
	for c, err := range shop.Customers.All(ctx, &api.ListCustomersParams{PageSize: &size}) {
		if err != nil {
			t.Fatal(err)
		}
		seen[*c.CustomerId] = true
	}
	if len(seen) != 25 {
		t.Fatalf("All walked %d distinct customers, want 25", len(seen))
	}

	// PATCH: an explicit null clears the name; the unset email stays.
	if _, err := shop.Customers.Update(ctx, "cus-03", api.CustomerUpdateRequest{Email: nullable.NewNullableWithValue("c3@fabrikam.example")}); err != nil {
		t.Fatal(err)
	}
	got, err := shop.Customers.Update(ctx, "cus-03", api.CustomerUpdateRequest{Name: nullable.NewNullNullable[string]()})
	if err != nil {
		t.Fatal(err)
	}
	if email, _ := testkit.PtrGet(got.Email); !(got.Name == nil) || email != "c3@fabrikam.example" {
		t.Fatalf("after PATCH {name:null}: name null %v, email %q; want true and the earlier email", (got.Name == nil), email)
	}

	// Another organization's key sees none of it.
	other, err := partner.Partner.Provision(ctx, wrapper.ProvisionParams{ExternalID: "contoso-1", Email: "ops@contoso.example"})
	if err != nil {
		t.Fatal(err)
	}
	otherShop, err := partner.ForOrganization(other)
	if err != nil {
		t.Fatal(err)
	}
	page, err := otherShop.Customers.List(ctx, nil)
	if err != nil || page.Count == nil || *page.Count != 0 {
		t.Fatalf("other organization's customers: %v, %v; want an empty list", page, err)
	}
	bad, err := partner.With(wrapper.WithServerKey("sk_test_not_issued"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.Customers.List(ctx, nil); !errors.Is(err, wrapper.ErrUnauthorized) {
		t.Fatalf("unknown server key: err = %v, want ErrUnauthorized", err)
	}
}
