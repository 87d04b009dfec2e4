package kelviqtest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kelviq/kelviq-go/internal/fakeapi"
)

// The Subscriptions service: creating, reading, changing and cancelling
// subscriptions, and how they renew as the clock moves.

// subscribe creates a subscription (or, for ONE_TIME, a purchase) of the
// plan's published version for an existing customer, its license when the
// plan issues one, and the webhooks that go with them. The caller holds the
// lock.
func (s *Server) subscribe(o *org, customerID, planIdent, chargePeriod string, features []obj, orderID string, custom *customPrice) (*subscription, error) {
	if o.customer(customerID) == nil {
		return nil, errBadRequest(fmt.Sprintf("Customer %q does not exist.", customerID))
	}
	p := o.plans.get(planIdent)
	if p == nil || p.archived {
		return nil, errBadRequest(fmt.Sprintf("Plan %q does not exist.", planIdent))
	}
	v := p.liveVersion()
	if v == nil {
		return nil, errBadRequest(fmt.Sprintf("Plan %q is not published.", planIdent))
	}
	t := s.now()
	units, cur := v.price(chargePeriod)
	if custom != nil { // a checkout's customAmount overrides the plan's price
		units, cur = custom.units, custom.currency
	}
	sub := &subscription{
		id:           newUUID(),
		externalID:   "sub_" + randomHex(12),
		customerID:   customerID,
		plan:         planIdent,
		version:      deref(v.data.Version),
		chargePeriod: chargePeriod,
		billingType:  "SUBSCRIPTION",
		status:       "active",
		amountUnits:  units,
		currency:     cur,
		created:      t,
		periodStart:  t,
		periodEnd:    periodEnd(t, chargePeriod),
		features:     features,
		orderID:      orderID,
	}
	if chargePeriod == "ONE_TIME" {
		sub.billingType = "ONE_TIME"
		sub.periodEnd = t
	}
	if sub.features == nil {
		sub.features = []obj{}
	}
	o.subscriptions.add(sub.id, sub)
	if lc := v.data.License; lc != nil && deref(lc.Enabled) {
		l := &license{
			id:         newUUID(),
			key:        licenseKey(),
			customerID: customerID,
			plan:       planIdent,
			version:    sub.version,
			subID:      &sub.id,
			limit:      max(1, deref(lc.ActivationLimit)),
			limited:    deref(lc.ActivationLimitEnabled),
			created:    t,
			enabled:    true,
		}
		if deref(lc.HasExpiry) {
			exp := after(t, string(deref(lc.DurationUnit)), max(1, deref(lc.DurationValue)))
			l.expires = &exp
		}
		o.licenses.add(l.key, l)
	}
	s.emit(o, "subscription.created", o.subscriptionHook(sub), nil)
	return sub, nil
}

// licenseKey returns a key such as "KQ-1A2B-3C4D-5E6F-7A8B".
func licenseKey() string {
	h := strings.ToUpper(randomHex(8))
	return "KQ-" + h[0:4] + "-" + h[4:8] + "-" + h[8:12] + "-" + h[12:16]
}

// featureInputs turns FeatureInput lists into JSON objects.
func featureInputs(in []fakeapi.FeatureInput) []obj {
	out := []obj{}
	for _, f := range in {
		out = append(out, obj{"identifier": f.Identifier, "quantity": f.Quantity})
	}
	return out
}

// livePlan is the published version of the organization's plan, or nil
// after responding with 400 on planIdentifier when the plan does not exist, is
// archived or has no published version.
func livePlan(w http.ResponseWriter, o *org, identifier string) *planVersion {
	if p := o.plans.get(identifier); p != nil && !p.archived {
		if v := p.liveVersion(); v != nil {
			return v
		}
	}
	writeFieldErrors(w, "planIdentifier", fmt.Sprintf("Plan %q does not exist or is not published.", identifier))
	return nil
}

// CreateSubscription subscribes an existing customer to a published plan
// and charges the first period (an order with its transaction).
func (f *fake) CreateSubscription(w http.ResponseWriter, r *http.Request) {
	var body fakeapi.CreateSubscriptionRequest
	f.withOrg(w, r, &body, func(o *org) {
		customerID := body.CustomerId.GetOrEmpty()
		if customerID == "" {
			writeDetail(w, http.StatusBadRequest, "customerId is required.")
			return
		}
		sub, err := f.s.subscribe(o, customerID, body.PlanIdentifier, string(body.ChargePeriod), featureInputs(body.Features.GetOrEmpty()), "", nil)
		if err != nil {
			writeDetail(w, http.StatusBadRequest, err.Error())
			return
		}
		// The first period is charged at once, as a completed checkout is.
		sub.orderID = f.s.placeOrder(o, sub, false).id
		writeJSON(w, http.StatusCreated, o.createdSubscriptionObj(sub))
	})
}

// ListSubscriptions lists subscriptions, newest first, by customer and
// status.
func (f *fake) ListSubscriptions(w http.ResponseWriter, r *http.Request, params fakeapi.ListSubscriptionsParams) {
	f.withOrg(w, r, nil, func(o *org) {
		f.s.settle(o)
		items := []obj{}
		for _, s := range o.subscriptions.newestFirst() {
			if params.CustomerId != nil && s.customerID != *params.CustomerId {
				continue
			}
			if params.Status != nil {
				// A comma-separated list matches any of its statuses.
				if !slices.ContainsFunc(strings.Split(*params.Status, ","), func(st string) bool {
					return strings.EqualFold(strings.TrimSpace(st), s.status)
				}) {
					continue
				}
			} else if s.endDate != nil && dateOnly(*s.endDate) < dateOnly(o.now()) {
				// Without status, records that have expired (end date in
				// the past) are left out.
				continue
			}
			items = append(items, o.subscriptionObj(s))
		}
		writePage(w, r, f.s.spec, items, params.Page, params.PageSize)
	})
}

// RetrieveSubscription returns one subscription; an unknown one is 404
// {"detail": ...}, as the reference declares.
func (f *fake) RetrieveSubscription(w http.ResponseWriter, r *http.Request, id openapi_types.UUID) {
	f.withOrg(w, r, nil, func(o *org) {
		f.s.settle(o)
		s := o.subscriptions.lookup(w, id, subscriptionNotFound)
		if s == nil {
			return
		}
		writeJSON(w, http.StatusOK, o.subscriptionObj(s))
	})
}

// UpdateSubscription moves an active subscription to another published plan
// (or charge period); the new billing period starts now.
func (f *fake) UpdateSubscription(w http.ResponseWriter, r *http.Request, id openapi_types.UUID) {
	var body fakeapi.UpdateSubscriptionRequest
	f.withOrg(w, r, &body, func(o *org) {
		f.s.settle(o)
		s := o.subscriptions.lookup(w, id, subscriptionNotFound)
		if s == nil {
			return
		}
		if s.status != "active" {
			writeDetail(w, http.StatusBadRequest, "Only an active subscription can be changed.")
			return
		}
		if s.billingType == "ONE_TIME" {
			// A free plan is a one-time charge; upgrading it takes a
			// checkout session (the reference).
			writeDetail(w, http.StatusBadRequest, "A one-time purchase cannot be updated; create a checkout session instead.")
			return
		}
		if !trialEndOK(w, body.TrialEnd, f.s.now()) {
			return
		}
		v := livePlan(w, o, body.PlanIdentifier)
		if v == nil {
			return
		}
		before := o.subscriptionHook(s)
		changedPlan := s.plan != body.PlanIdentifier
		t := f.s.now()
		s.plan, s.version, s.chargePeriod = body.PlanIdentifier, deref(v.data.Version), string(body.ChargePeriod)
		s.amountUnits, s.currency = v.price(s.chargePeriod)
		s.periodStart, s.periodEnd = t, periodEnd(t, s.chargePeriod)
		if body.Features.IsSpecified() && !body.Features.IsNull() {
			s.features = featureInputs(body.Features.MustGet())
		}
		// A plan change carries the whole subscription as it was; another
		// change, the fields that changed.
		after := o.subscriptionHook(s)
		typ, prev := "subscription.plan_changed", before
		if !changedPlan {
			typ, prev = "subscription.updated", obj{}
			for k, v := range before {
				if k != "modified_on" && !jsonEqual(v, after[k]) {
					prev[k] = v
				}
			}
			// The period restarts with the change, even within the second
			// the webhook's time stamps show.
			prev["billing_period_start_time"] = before["billing_period_start_time"]
			prev["billing_period_end_time"] = before["billing_period_end_time"]
		}
		f.s.emit(o, typ, after, prev)
		writeJSON(w, http.StatusOK, obj{"subscriptionId": s.id.String()})
	})
}

// CancelSubscription ends a subscription now (IMMEDIATE), at the end of the
// billing period (CURRENT_PERIOD_ENDS) or on a date (SPECIFIC_DATE). Access
// lasts until the end date.
func (f *fake) CancelSubscription(w http.ResponseWriter, r *http.Request, id openapi_types.UUID) {
	var body fakeapi.CancelSubscriptionRequest
	f.withOrg(w, r, &body, func(o *org) {
		f.s.settle(o)
		s := o.subscriptions.lookup(w, id, subscriptionNotFound)
		if s == nil {
			return
		}
		if s.status != "active" && s.status != "past_due" || s.canceledAt != nil {
			writeDetail(w, http.StatusBadRequest, "The subscription is already cancelled.")
			return
		}
		t := f.s.now()
		var end time.Time
		switch body.CancellationType {
		case "IMMEDIATE":
			end = t
		case "CURRENT_PERIOD_ENDS":
			end = s.periodEnd
		default: // SPECIFIC_DATE
			if !body.CancellationDate.IsSpecified() || body.CancellationDate.IsNull() {
				writeFieldErrors(w, "cancellationDate", "This field is required when cancellationType is SPECIFIC_DATE.")
				return
			}
			end = body.CancellationDate.MustGet().Time.UTC()
			if end.Before(t) {
				end = t
			}
		}
		s.canceledAt, s.endDate = &t, &end
		s.cancellationReason = "CANCELLED_BY_MERCHANT"
		if body.CancellationFeedback.IsSpecified() && !body.CancellationFeedback.IsNull() {
			s.feedback = string(body.CancellationFeedback.MustGet())
		}
		if body.CancellationComment.IsSpecified() && !body.CancellationComment.IsNull() {
			s.comment = body.CancellationComment.MustGet()
		}
		if !end.After(t) {
			s.status = "canceled"
			f.s.emit(o, "subscription.cancelled", o.subscriptionHook(s), obj{"status": "active"})
		} else {
			// Scheduled: the status stays active until the end date, when
			// settle sends subscription.cancelled.
			f.s.emit(o, "subscription.updated", o.subscriptionHook(s), obj{"end_date": nil})
		}
		msg := "Subscription cancelled."
		if s.status == "active" {
			msg = "Subscription will be cancelled on " + dateOnly(end) + "."
		}
		writeJSON(w, http.StatusOK, obj{"message": msg})
	})
}

// settle brings the organization's subscriptions up to the clock: one
// whose end date has passed ends; an active subscription whose billing
// period is over renews (a renewal order with its transaction and webhooks,
// and usage of features that reset each period back to zero). The caller
// holds the lock.
func (s *Server) settle(o *org) {
	t := o.now()
	for _, sub := range o.subscriptions.all() {
		if sub.status == "past_due" {
			s.retryCollection(o, sub, t) // dunning.go
		}
		if sub.status != "active" {
			continue
		}
		for n := 0; n < maxRenewals && sub.billingType == "SUBSCRIPTION" && !t.Before(sub.periodEnd) &&
			(sub.endDate == nil || sub.periodEnd.Before(*sub.endDate)); n++ {
			if o.declined[sub.customerID] {
				s.failRenewal(o, sub) // dunning.go
				if s.retryCollection(o, sub, t); sub.status != "active" {
					break
				}
				continue
			}
			prev := obj{"billing_period_start_time": hookTime(sub.periodStart), "billing_period_end_time": hookTime(sub.periodEnd)}
			sub.periodStart = sub.periodEnd
			sub.periodEnd = periodEnd(sub.periodStart, sub.chargePeriod)
			s.placeOrder(o, sub, true)
			o.resetUsage(sub)
			s.emit(o, "subscription.updated", o.subscriptionHook(sub), prev)
		}
		if sub.endDate != nil && !t.Before(*sub.endDate) {
			sub.status = "canceled"
			s.emit(o, "subscription.cancelled", o.subscriptionHook(sub), obj{"status": "active"})
		}
	}
}

// maxRenewals bounds the renewals one settle makes for a subscription (a
// clock moved years ahead of a daily plan).
const maxRenewals = 1000

// resetUsage sets back to zero the customer's usage of the features the
// subscription's plan resets each period.
func (o *org) resetUsage(sub *subscription) {
	_, v := o.planVersion(sub.plan, sub.version)
	u := o.usage[sub.customerID]
	if v == nil || u == nil {
		return
	}
	for _, pf := range v.features {
		if r, _ := pf.details["reset"].(string); r == "" || r == "NEVER" {
			continue
		}
		if f := o.features.get(pf.feature); f != nil {
			delete(u, deref(f.data.Identifier))
		}
	}
}

// migrate moves the running subscriptions of a plan that was just
// published to its new version: its entitlements with features, its price
// for their charge period with pricing. Without either, customers keep the
// version they subscribed to, as the reference says of publishing. The
// caller holds the lock.
func (o *org) migrate(planIdent string, v *planVersion, features, pricing bool) {
	if !features && !pricing {
		return
	}
	for _, s := range o.subscriptions.all() {
		if s.plan != planIdent || s.status == "canceled" || s.billingType != "SUBSCRIPTION" {
			continue
		}
		if features {
			s.version = deref(v.data.Version)
		}
		if pricing {
			if units, cur := v.price(s.chargePeriod); cur != "" {
				s.amountUnits, s.currency = units, cur
			}
		}
	}
}
