package kelviqtest

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/kelviq/kelviq-go/internal/fakeapi"
)

// The Checkout and CheckoutSessions services: hosted checkouts, how one completes, and the sessions as the merchant reads them.

// CreateCheckoutSession opens a checkout for a published plan. Its
// checkoutUrl points at the fake: opening it (or calling
// Server.CompleteCheckout) completes the checkout as a paying customer would.
func (f *fake) CreateCheckoutSession(w http.ResponseWriter, r *http.Request) {
	var body fakeapi.CreateCheckoutSessionRequest
	f.withOrg(w, r, &body, func(o *org) {
		st := f.s.state
		v := livePlan(w, o, body.PlanIdentifier)
		if v == nil {
			return
		}
		units, currency, custom, ok := customAmount(w, &body)
		if !ok {
			return
		}
		cs := &checkoutSession{
			id:           newUUID().String(),
			plan:         body.PlanIdentifier,
			version:      deref(v.data.Version),
			chargePeriod: string(body.ChargePeriod),
			successURL:   body.SuccessUrl,
			customerID:   body.CustomerId.GetOrEmpty(),
			cancelURL:    body.CancelUrl.GetOrEmpty(),
			discountCode: body.DiscountCode.GetOrEmpty(),
			// discountsEnabled defaults to true (the reference).
			discountsEnabled: !body.DiscountsEnabled.IsSpecified() || body.DiscountsEnabled.IsNull() || body.DiscountsEnabled.MustGet(),
			features:         featureInputs(body.Features.GetOrEmpty()),
			status:           "open",
			created:          f.s.now(),
			metadata:         map[string]any{},
		}
		if m := body.Metadata.GetOrEmpty(); m != nil {
			cs.metadata = m
		}
		if custom {
			cs.custom = &customPrice{units: units, currency: currency}
			cs.taxBehavior = string(body.TaxBehavior.MustGet())
		}
		cs.events = []obj{f.s.eventEntry("", "Checkout session created", "checkout_created", cs.created)}
		cs.events[0]["status"] = "pending"
		o.sessions.add(cs.id, cs)
		st.sessionOrg[cs.id] = o
		writeJSON(w, http.StatusCreated, obj{
			"checkoutUrl":       absoluteBase(r) + adminPrefix + "checkout/" + url.PathEscape(cs.id),
			"checkoutSessionId": cs.id,
		})
	})
}

// completeCheckout completes an open checkout: the customer (created when
// new), the subscription or purchase, the order and the webhooks. The caller
// holds the lock.
func (s *Server) completeCheckout(o *org, cs *checkoutSession) error {
	o.expireSessions()
	if cs.status != "open" {
		return errBadRequest("the checkout session is not open")
	}
	p := o.plans.get(cs.plan)
	if p == nil || p.archived || p.liveVersion() == nil {
		return errBadRequest(fmt.Sprintf("Plan %q is not published.", cs.plan))
	}
	t := s.now()
	if cs.customerID == "" {
		cs.customerID = "cus_" + randomHex(8)
	}
	if o.archivedCustomers[cs.customerID] {
		return errBadRequest(fmt.Sprintf("Customer %q is archived.", cs.customerID))
	}
	if o.customer(cs.customerID) == nil {
		c := newCustomer(cs.customerID, t)
		c.Email.Set(strings.ToLower(cs.customerID) + "@customers.example.com")
		o.customers.add(cs.customerID, c)
		s.emit(o, "customer.created", o.customerHook(c), nil)
	}
	cs.amountUnits, cs.currency = p.liveVersion().price(cs.chargePeriod)
	if cs.custom != nil {
		cs.amountUnits, cs.currency = cs.custom.units, cs.custom.currency
	}
	cs.status = "success"
	cs.events[0]["status"] = "success"
	cs.events = append(cs.events, s.eventEntry("", "Payment succeeded", "payment_succeeded", t),
		s.eventEntry("", "Checkout completed", "checkout_completed", t))
	// checkout.completed comes first and carries no subscription ID: the
	// subscription is made after the checkout, and subscription.created
	// carries its ID.
	s.emit(o, "checkout.completed", o.checkoutHook(cs), nil)
	sub, err := s.subscribe(o, cs.customerID, cs.plan, cs.chargePeriod, cs.features, "", cs.custom)
	if err != nil { // cannot happen: the plan and the customer were checked
		return err
	}
	od := s.placeOrder(o, sub, false)
	sub.orderID = od.id
	cs.orderID = od.id
	if sub.billingType == "SUBSCRIPTION" {
		cs.subID = &sub.id
	}
	return nil
}

// CompleteCheckout completes an open checkout session as a paying customer
// would: it creates the customer when the session named none or a new one,
// the subscription (or one-time purchase), the order, its transaction and
// payment method, and sends their webhooks.
func (s *Server) CompleteCheckout(sessionID string) error {
	st := s.state
	st.mu.Lock()
	defer st.mu.Unlock()
	o := st.sessionOrg[sessionID]
	if o == nil {
		return fmt.Errorf("kelviqtest: CompleteCheckout: no checkout session %q", sessionID)
	}
	if err := s.completeCheckout(o, o.sessions.get(sessionID)); err != nil {
		return fmt.Errorf("kelviqtest: CompleteCheckout: %w", err)
	}
	return nil
}

// ListCheckoutSessions lists checkout sessions, newest first.
func (f *fake) ListCheckoutSessions(w http.ResponseWriter, r *http.Request, params fakeapi.ListCheckoutSessionsParams) {
	f.withOrg(w, r, nil, func(o *org) {
		o.expireSessions()
		search := strings.ToLower(deref(params.Search))
		items := []obj{}
		for _, cs := range o.sessions.newestFirst() {
			if params.Status != nil && !strings.EqualFold(cs.status, *params.Status) {
				continue
			}
			if search != "" && !o.searchOrder(search, nil, cs.id, cs.customerID, cs.plan, o.customerName(cs.customerID), o.customerEmail(cs.customerID), o.productName(cs.plan)) {
				continue
			}
			if !inDates(cs.created, params.StartDate, params.EndDate) {
				continue
			}
			items = append(items, o.checkoutObj(cs, false))
		}
		writePage(w, r, f.s.spec, items, params.Page, params.PageSize)
	})
}

// RetrieveCheckoutSession returns a session with its order and subscription
// once completed.
func (f *fake) RetrieveCheckoutSession(w http.ResponseWriter, r *http.Request, id string) {
	f.withOrg(w, r, nil, func(o *org) {
		o.expireSessions()
		cs := o.sessions.lookup(w, id, notFound)
		if cs == nil {
			return
		}
		writeJSON(w, http.StatusOK, o.checkoutObj(cs, true))
	})
}

// ListCheckoutSessionEvents lists a session's events, newest first (the
// reference).
func (f *fake) ListCheckoutSessionEvents(w http.ResponseWriter, r *http.Request, id string, params fakeapi.ListCheckoutSessionEventsParams) {
	f.withOrg(w, r, nil, func(o *org) {
		cs := o.sessions.lookup(w, id, notFound)
		if cs == nil {
			return
		}
		writePage(w, r, f.s.spec, newestFirst(cs.events), params.Page, params.PageSize)
	})
}
