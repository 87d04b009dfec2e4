package kelviqtest

import (
	"net/http"
	"slices"

	"github.com/kelviq/kelviq-go/internal/fakeapi"
)

// The Charges service: one-off payments for a published plan.

// CreateCharge charges an existing customer once for a published plan: an
// order and a one-time purchase that grants the plan's features.
func (f *fake) CreateCharge(w http.ResponseWriter, r *http.Request) {
	var body fakeapi.CreateChargeRequest
	f.withOrg(w, r, &body, func(o *org) {
		// The charge goes to the customer's saved payment method: one
		// without, or a declined one, is 400, as the reference says.
		if o.customer(body.CustomerId) != nil && !slices.ContainsFunc(o.paymentMethods, func(pm *paymentMethod) bool { return pm.customerID == body.CustomerId }) {
			writeDetail(w, http.StatusBadRequest, "The customer has no default payment method.")
			return
		}
		if o.declined[body.CustomerId] {
			writeDetail(w, http.StatusBadRequest, "The charge was declined.")
			return
		}
		sub, err := f.s.subscribe(o, body.CustomerId, body.PlanIdentifier, "ONE_TIME", featureInputs(body.Features.GetOrEmpty()), "", nil)
		if err != nil {
			writeDetail(w, http.StatusBadRequest, err.Error())
			return
		}
		od := f.s.placeOrder(o, sub, false)
		sub.orderID = od.id
		out := o.createdSubscriptionObj(sub)
		out["billingType"] = "ONE_TIME"
		for _, k := range []string{"files", "links", "license"} {
			delete(out, k)
		}
		writeJSON(w, http.StatusCreated, out)
	})
}
