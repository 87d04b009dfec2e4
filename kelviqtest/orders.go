package kelviqtest

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kelviq/kelviq-go/internal/fakeapi"
)

// The Orders service: paid orders and their timelines, and how an order is placed.

// placeOrder records the paid order, its transaction, order events and
// webhooks for a new subscription or purchase, or for the renewal of a
// subscription. The caller holds the lock.
func (s *Server) placeOrder(o *org, sub *subscription, renewal bool) *order {
	return s.placeOrderPaying(o, sub, renewal, "")
}

// placeOrderPaying is placeOrder; with failedInvoice it pays that invoice
// (one whose payment failed) instead of making a new one.
func (s *Server) placeOrderPaying(o *org, sub *subscription, renewal bool, failedInvoice string) *order {
	t := s.now()
	p := o.plans.get(sub.plan)
	od := &order{
		id:          newUUID().String(),
		customerID:  sub.customerID,
		plan:        sub.plan,
		version:     sub.version,
		product:     p.product,
		billingType: sub.billingType,
		status:      "COMPLETE",
		created:     t,
		paidAt:      t,
		totalUnits:  sub.amountUnits,
		currency:    sub.currency,
		invoiceID:   "inv_" + randomHex(10),
		isRenewal:   renewal,
	}
	if sub.billingType == "SUBSCRIPTION" {
		od.subID = &sub.id
	}
	od.events = []obj{
		s.eventEntry(od.id, "Order created", "order_created", t),
		s.eventEntry(od.id, "Payment succeeded", "payment_succeeded", t),
	}
	o.orders.add(od.id, od)
	o.transactions = append(o.transactions, &transaction{id: newUUID(), orderID: od.id, kind: "CHARGE", units: od.totalUnits, created: t})
	if !slices.ContainsFunc(o.paymentMethods, func(pm *paymentMethod) bool { return pm.customerID == sub.customerID }) {
		s.state.lastIntID++
		pm := &paymentMethod{id: s.state.lastIntID, customerID: sub.customerID, created: t, last4: "4242", brand: "visa"}
		o.paymentMethods = append(o.paymentMethods, pm)
		s.emit(o, "payment_method.created", o.paymentMethodHook(pm), nil)
	}
	s.emit(o, "order.created", o.orderHook(od), nil)
	if failedInvoice != "" {
		od.invoiceID = failedInvoice
		s.emit(o, "invoice.paid", o.invoiceHook(od), obj{"status": "PAYMENT_FAILED", "paid_at": nil})
		return od
	}
	// The invoice is made paid: kelviq sends invoice.created and then
	// invoice.paid for it.
	s.emit(o, "invoice.created", o.invoiceHook(od), nil)
	s.emit(o, "invoice.paid", o.invoiceHook(od), nil)
	return od
}

// eventEntry is one order or checkout event; order is "" for a checkout's.
func (s *Server) eventEntry(order, title, code string, t time.Time) obj {
	s.state.lastIntID++
	e := obj{"id": s.state.lastIntID, "title": title, "code": code, "status": "success", "timestamp": rfc3339(t), "metadata": obj{}}
	if order != "" {
		e["order"] = order
	}
	return e
}

// ListOrders lists orders, newest first, with the reference's filters.
func (f *fake) ListOrders(w http.ResponseWriter, r *http.Request, params fakeapi.ListOrdersParams) {
	f.withOrg(w, r, nil, func(o *org) {
		search := strings.ToLower(deref(params.Search))
		f.s.settle(o)
		items := listed(o.orders.newestFirst(), func(od *order) bool {
			return (params.Status == nil || od.status == string(*params.Status)) &&
				(params.BillingType == nil || od.billingType == string(*params.BillingType)) &&
				(params.IsRenewal == nil || od.isRenewal == *params.IsRenewal) &&
				(search == "" || containsFold(search, od.id, od.customerID, od.plan)) &&
				inDates(od.created, params.StartDate, params.EndDate)
		}, o.orderObj)
		writePage(w, r, f.s.spec, items, params.Page, params.PageSize)
	})
}

// RetrieveOrder returns one order.
func (f *fake) RetrieveOrder(w http.ResponseWriter, r *http.Request, id string) {
	f.withOrg(w, r, nil, func(o *org) {
		od := o.orders.lookup(w, id, notFound)
		if od == nil {
			return
		}
		writeJSON(w, http.StatusOK, o.orderObj(od))
	})
}

// ListOrderEvents lists an order's events, newest first: those of every
// order of the same subscription (its renewals too), as the API does.
func (f *fake) ListOrderEvents(w http.ResponseWriter, r *http.Request, id string, params fakeapi.ListOrderEventsParams) {
	f.withOrg(w, r, nil, func(o *org) {
		od := o.orders.lookup(w, id, notFound)
		if od == nil {
			return
		}
		events := od.events
		if od.subID != nil {
			events = nil
			for _, other := range o.orders.all() {
				if other.subID != nil && *other.subID == *od.subID {
					events = append(events, other.events...)
				}
			}
		}
		writePage(w, r, f.s.spec, newestFirst(events), params.Page, params.PageSize)
	})
}

// newestFirst is a copy of events newest first: by their ids, which grow
// as events are made.
func newestFirst(events []obj) []obj {
	out := slices.Clone(events)
	slices.SortStableFunc(out, func(a, b obj) int {
		ia, _ := a["id"].(int)
		ib, _ := b["id"].(int)
		return ib - ia
	})
	return out
}
