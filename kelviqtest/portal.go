package kelviqtest

import (
	"net/http"

	"github.com/kelviq/kelviq-go/internal/fakeapi"
)

// The Portal service: customer billing portal sessions.

// CreatePortalSession opens the customer portal for a customer with an
// email address; the link points at the fake.
func (f *fake) CreatePortalSession(w http.ResponseWriter, r *http.Request) {
	var body fakeapi.CreatePortalSessionRequest
	f.withOrg(w, r, &body, func(o *org) {
		st := f.s.state
		c := o.customer(body.CustomerId)
		if c == nil {
			writeFieldErrors(w, "customerId", "Customer not found.")
			return
		}
		email := c.Email.GetOrEmpty()
		if email == "" {
			writeFieldErrors(w, "customerId", "The customer has no email address.")
			return
		}
		token := randomHex(20)
		o.portalTokens[token] = body.CustomerId
		st.portalOrg[token] = o
		writeJSON(w, http.StatusOK, obj{
			"token": token,
			"email": email,
			// The base URL: a client appends ?token=, as kelviq's SDK docs say.
			"customerPortalUrl": absoluteBase(r) + adminPrefix + "portal/",
		})
	})
}
