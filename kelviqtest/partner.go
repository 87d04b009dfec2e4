package kelviqtest

import (
	"encoding/json"
	"errors"
	"net/http"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kelviq/kelviq-go/internal/fakeapi"
)

// fake implements fakeapi.ServerInterface on a Server's state. The middleware
// has authenticated and validated every request before a method runs.
type fake struct{ s *Server }

var _ fakeapi.ServerInterface = (*fake)(nil)

// decodeBody reads the (already validated) JSON body into v; a body that
// does not fit v's Go type gets 400 and reported false.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		writeDetail(w, http.StatusBadRequest, "JSON parse error - "+err.Error())
		return false
	}
	return true
}

// ProvisionPartnerOrganization creates an organization: 400 when the
// external ID is taken, 409 when the email is.
func (f *fake) ProvisionPartnerOrganization(w http.ResponseWriter, r *http.Request) {
	var body fakeapi.PartnerOrganizationProvisionRequest
	if !decodeBody(w, r, &body) {
		return
	}
	name := ""
	if body.BusinessName != nil {
		name = *body.BusinessName
	}
	o, err := f.s.state.provision(body.ExternalId, body.Email, name)
	switch {
	case errors.Is(err, errExternalIDTaken):
		writeFieldErrors(w, "externalId", "An organization with this external ID already exists.")
	case errors.Is(err, errEmailTaken):
		writeDetail(w, http.StatusConflict, "A user with this email already exists.")
	case err != nil:
		writeDetail(w, http.StatusBadRequest, err.Error())
	default:
		writeJSON(w, http.StatusCreated, o.toAPI())
	}
}

// ListPartnerOrganizations lists the partner's organizations, oldest first,
// or only the one with the given external_id.
func (f *fake) ListPartnerOrganizations(w http.ResponseWriter, r *http.Request, params fakeapi.ListPartnerOrganizationsParams) {
	st := f.s.state
	st.mu.Lock()
	results := []fakeapi.PartnerOrganization{}
	for _, o := range st.orgs.all() {
		if params.ExternalId != nil && o.externalID != *params.ExternalId {
			continue
		}
		results = append(results, o.toAPI())
	}
	st.mu.Unlock()
	count := len(results)
	writeJSON(w, http.StatusOK, fakeapi.PartnerOrganizationList{Count: &count, Results: &results})
}

// RetrievePartnerOrganization finds an organization by its UUID.
func (f *fake) RetrievePartnerOrganization(w http.ResponseWriter, r *http.Request, identifier openapi_types.UUID) {
	st := f.s.state
	st.mu.Lock()
	defer st.mu.Unlock()
	if o := st.orgs.lookup(w, identifier, notFound); o != nil {
		writeJSON(w, http.StatusOK, o.toAPI())
	}
}

// RetrievePartnerOrganizationByExternalId finds an organization by the
// partner's external ID.
func (f *fake) RetrievePartnerOrganizationByExternalId(w http.ResponseWriter, r *http.Request, externalID string) {
	st := f.s.state
	st.mu.Lock()
	defer st.mu.Unlock()
	if o := lookup(w, st.byExternal, externalID, notFound); o != nil {
		writeJSON(w, http.StatusOK, o.toAPI())
	}
}
