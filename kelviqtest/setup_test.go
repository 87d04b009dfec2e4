package kelviqtest_test

import (
	"testing"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/kelviqtest"
	"github.com/kelviq/kelviq-go/wrapper"
)

// setup is the start of this package's tests (go-github's setup): a fake
// made with opts, closed when the test ends, with the organization
// externalID provisioned on it through the partner API, and a client
// acting for that organization.
func setup(t *testing.T, externalID string, opts ...kelviqtest.Option) (*kelviqtest.Server, *wrapper.PartnerOrganization, *wrapper.Client) {
	t.Helper()
	srv := kelviqtest.NewServer(t, opts...)
	org, c := srv.NewOrganization(t, externalID)
	return srv, org, c
}

// TestNewOrganization: the organization is provisioned through the partner
// API (the fake logs the call) and the client it returns acts for it.
func TestNewOrganization(t *testing.T) {
	srv := kelviqtest.NewServer(t)
	org, c := srv.NewOrganization(t, "acme-1")
	if org.ExternalID != "acme-1" {
		t.Errorf("ExternalID = %q, want acme-1", org.ExternalID)
	}
	provisioned := false
	for _, r := range srv.Requests() {
		provisioned = provisioned || r.OperationID == "provisionPartnerOrganization"
	}
	if !provisioned {
		t.Error("the organization was not provisioned through the partner API")
	}
	if _, err := c.Customers.Create(t.Context(), api.CustomerCreateRequest{CustomerId: "cus-1"}); err != nil {
		t.Fatalf("the client does not act for the organization: %v", err)
	}
}
