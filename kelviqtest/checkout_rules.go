package kelviqtest

import (
	"math"
	"net/http"
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/kelviq/kelviq-go/internal/fakeapi"
)

// checkoutLifetime is how long a checkout session stays open (kelviq's
// checkout guide: sessions expire after 24 hours).
const checkoutLifetime = 24 * time.Hour

// expireSessions marks the organization's open checkout sessions older
// than checkoutLifetime as expired. The caller holds the lock.
func (o *org) expireSessions() {
	t := o.now()
	for _, cs := range o.sessions.all() {
		if cs.status == "open" && !t.Before(cs.created.Add(checkoutLifetime)) {
			cs.status = "expired"
		}
	}
}

// customAmount reads a checkout's customAmount: with it, taxBehavior and
// currencyCode are required (the reference, for a server API key). It
// responds with 400 naming the missing field and returns ok false then; units is
// the amount in minor units, 0 and set false without a customAmount.
func customAmount(w http.ResponseWriter, body *fakeapi.CreateCheckoutSessionRequest) (units int64, currency string, set, ok bool) {
	if !body.CustomAmount.IsSpecified() || body.CustomAmount.IsNull() {
		return 0, "", false, true
	}
	amount := body.CustomAmount.MustGet()
	switch {
	case amount <= 0:
		writeFieldErrors(w, "customAmount", "Ensure this value is greater than 0.")
		return 0, "", false, false
	case !body.TaxBehavior.IsSpecified() || body.TaxBehavior.IsNull():
		writeFieldErrors(w, "taxBehavior", "This field is required when customAmount is given.")
		return 0, "", false, false
	case !body.CurrencyCode.IsSpecified() || body.CurrencyCode.IsNull() || body.CurrencyCode.MustGet() == "":
		writeFieldErrors(w, "currencyCode", "This field is required when customAmount is given with a server API key.")
		return 0, "", false, false
	}
	return int64(math.Round(amount * 100)), body.CurrencyCode.MustGet(), true, true
}

// searchOrder reports whether search is in one of fields or, with od, in
// the order's customer (ID, name, email) or product name: what the
// reference says checkout session and transaction searches look at.
func (o *org) searchOrder(search string, od *order, fields ...string) bool {
	if od != nil {
		fields = append(fields, od.customerID, o.customerName(od.customerID), o.customerEmail(od.customerID), o.productName(od.plan))
	}
	return containsFold(search, fields...)
}

func (o *org) customerName(customerID string) string {
	if c := o.customer(customerID); c != nil {
		return c.Name.GetOrEmpty()
	}
	return ""
}

func (o *org) customerEmail(customerID string) string {
	if c := o.customer(customerID); c != nil {
		return c.Email.GetOrEmpty()
	}
	return ""
}

// productName is the name of the plan's product.
func (o *org) productName(plan string) string {
	if p := o.plans.get(plan); p != nil {
		if prod := o.products.get(p.product); prod != nil {
			return deref(prod.data.Name)
		}
	}
	return ""
}

// trialEndOK checks an update's trialEnd: "now", or a time (ISO 8601, or
// "yyyy-MM-dd HH:mm:ss" read as UTC) in the future, as the reference says;
// it responds with 400 naming trialEnd otherwise. The fake's subscriptions have
// no trial, so a valid value changes nothing.
func trialEndOK(w http.ResponseWriter, v nullable.Nullable[string], now time.Time) bool {
	if !v.IsSpecified() || v.IsNull() || v.MustGet() == "now" {
		return true
	}
	s := v.MustGet()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t, err = time.Parse(time.DateTime, s)
	}
	if err != nil {
		t, err = time.Parse("2006-01-02T15:04:05", s)
	}
	switch {
	case err != nil:
		writeFieldErrors(w, "trialEnd", `Use "now" or a date and time such as 2027-12-31T23:59:59Z.`)
		return false
	case !t.After(now):
		writeFieldErrors(w, "trialEnd", "The trial end must be in the future.")
		return false
	}
	return true
}
