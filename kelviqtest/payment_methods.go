package kelviqtest

import (
	"net/http"
	"slices"
	"strings"

	"github.com/kelviq/kelviq-go/internal/fakeapi"
)

// The PaymentMethods service: the cards customers paid with.

// ListPaymentMethods lists the cards customers paid with, by customer ID or
// email.
func (f *fake) ListPaymentMethods(w http.ResponseWriter, r *http.Request, params fakeapi.ListPaymentMethodsParams) {
	f.withOrg(w, r, nil, func(o *org) {
		items := []obj{}
		for _, pm := range slices.Backward(o.paymentMethods) {
			if params.CustomerId != nil && pm.customerID != *params.CustomerId {
				continue
			}
			if params.CustomerEmail != nil {
				c := o.customer(pm.customerID)
				if c == nil || !strings.EqualFold(c.Email.GetOrEmpty(), *params.CustomerEmail) {
					continue
				}
			}
			items = append(items, o.paymentMethodObj(pm))
		}
		writePage(w, r, f.s.spec, items, params.Page, params.PageSize)
	})
}
