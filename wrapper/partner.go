package wrapper

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/check"
)

// PartnerService provisions and finds the organizations a partner owns. Its
// calls send the partner key (X-Kelviq-Partner-Key), never a server key.
type PartnerService struct{ c *Client }

// PartnerOrganization is an organization owned by the partner. ServerKey is
// a Secret: it prints redacted; call ServerKey.Reveal for the value.
type PartnerOrganization struct {
	// Identifier is the organization's stable UUID.
	Identifier uuid.UUID
	// Slug is its URL-safe name.
	Slug string
	// ExternalID is the partner's own ID for it, given at provisioning.
	ExternalID string
	// ClientKey is the organization's public (browser) key.
	ClientKey string
	// ServerKey is the organization's private key for server-side calls.
	ServerKey Secret
	// UserID is the kelviq ID of the organization's owner, 0 when unknown.
	UserID int
}

func fromAPI(o *api.PartnerOrganization) PartnerOrganization {
	return PartnerOrganization{
		Identifier: Deref(o.OrganizationIdentifier), Slug: Deref(o.OrganizationSlug), ExternalID: Deref(o.PartnerExternalId),
		ClientKey: Deref(o.ClientKey), ServerKey: NewSecret(Deref(o.ServerKey)), UserID: Deref(o.UserId),
	}
}

// ProvisionParams is the input of Provision. Before anything is sent it is
// checked against the spec's rules for the request (required fields,
// lengths, the email format).
type ProvisionParams struct {
	// ExternalID is the partner's own ID for the organization: required,
	// at most 128 characters, unique per partner.
	ExternalID string
	// Email is the owner's email address: required, not already a kelviq user.
	Email string
	// BusinessName is optional, at most 200 characters.
	BusinessName string
}

// Provision creates an organization (and its owner) for the partner and
// returns it with its keys. The API responds with 400 (ErrValidation) when the
// external ID is taken and 409 (ErrConflict) when the email is.
func (s *PartnerService) Provision(ctx context.Context, p ProvisionParams) (*PartnerOrganization, error) {
	body := api.PartnerOrganizationProvisionRequest{ExternalId: p.ExternalID, Email: p.Email}
	if p.BusinessName != "" {
		body.BusinessName = &p.BusinessName
	}
	if err := checkPartnerOrganizationProvisionRequest(body); err != nil {
		return nil, err
	}
	if _, err := api.PathSegment("externalId", p.ExternalID); err != nil {
		return nil, err // it could never be looked up by GetByExternalID
	}
	return organization(decodeOwned[api.PartnerOrganization](s.c.api.ProvisionPartnerOrganization(ctx, body)))
}

// ListPartnerOrganizationsOptions filters List.
type ListPartnerOrganizationsOptions struct {
	// ExternalID, when set, returns only the organization with that
	// external ID.
	ExternalID string
}

// List returns the partner's organizations, optionally filtered; opts may be nil.
func (s *PartnerService) List(ctx context.Context, opts *ListPartnerOrganizationsOptions) ([]PartnerOrganization, error) {
	params := &api.ListPartnerOrganizationsParams{}
	if opts != nil && opts.ExternalID != "" {
		if _, err := api.PathSegment("external_id", opts.ExternalID); err != nil {
			return nil, err // Provision refuses such an ID: none can match
		}
		params.ExternalId = &opts.ExternalID
	}
	list, err := decodeOwned[api.PartnerOrganizationList](s.c.api.ListPartnerOrganizations(ctx, params))
	if err != nil {
		return nil, err
	}
	results := Deref(list.Results)
	out := make([]PartnerOrganization, len(results))
	for i := range results {
		out[i] = fromAPI(&results[i])
	}
	return out, nil
}

// Get returns the organization with the given identifier, a UUID. An
// unknown one is an *APIError matching ErrNotFound.
func (s *PartnerService) Get(ctx context.Context, identifier string) (*PartnerOrganization, error) {
	id, err := check.UUID("identifier", identifier)
	if err != nil {
		return nil, err
	}
	return organization(decodeOwned[api.PartnerOrganization](s.c.api.RetrievePartnerOrganization(ctx, id)))
}

// GetByExternalID returns the organization the partner provisioned with the
// given external ID. An unknown one is an *APIError matching ErrNotFound.
func (s *PartnerService) GetByExternalID(ctx context.Context, externalID string) (*PartnerOrganization, error) {
	return organization(decodeOwned[api.PartnerOrganization](s.c.api.RetrievePartnerOrganizationByExternalId(ctx, externalID)))
}

func organization(o *api.PartnerOrganization, err error) (*PartnerOrganization, error) {
	if err != nil {
		return nil, err
	}
	out := fromAPI(o)
	return &out, nil
}

// ForOrganization returns a Client that acts for org with its server key: a
// copy of c that shares its checked settings, parsed URLs and connections.
func (c *Client) ForOrganization(org *PartnerOrganization) (*Client, error) {
	if org == nil || org.ServerKey.IsZero() {
		return nil, fmt.Errorf("kelviq: ForOrganization: %w", &ValidationError{Field: "serverKey", Rule: "must not be empty"})
	}
	key := org.ServerKey.Reveal()
	if err := check.Key("ForOrganization", "server key", key, ""); err != nil {
		return nil, err
	}
	return c.withServerKey(key), nil
}
