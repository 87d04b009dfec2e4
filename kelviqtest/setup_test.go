package kelviqtest_test

import (
	"context"
	"testing"

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
	org, c := provision(t, srv, externalID)
	return srv, org, c
}

// provision provisions one more organization, externalID (with the email
// externalID@example.com), on srv through the partner API and returns it
// and a client acting for it.
func provision(t *testing.T, srv *kelviqtest.Server, externalID string) (*wrapper.PartnerOrganization, *wrapper.Client) {
	t.Helper()
	org, err := srv.Client().Partner.Provision(context.Background(), wrapper.ProvisionParams{
		ExternalID: externalID,
		Email:      externalID + "@example.com",
	})
	if err != nil {
		t.Fatalf("Provision(%q): %v", externalID, err)
	}
	c, err := srv.Client().ForOrganization(org)
	if err != nil {
		t.Fatalf("ForOrganization(%q): %v", externalID, err)
	}
	return org, c
}
