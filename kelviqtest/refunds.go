package kelviqtest

import (
	"fmt"
	"net/http"
	"strings"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kelviq/kelviq-go/internal/fakeapi"
)

// The Refunds service: refunding paid orders and reading refunds.

// CreateRefund refunds part or all of what is left of an order: amountUnits
// or amount, else everything left. More than is left is 400 {"error": ...}.
func (f *fake) CreateRefund(w http.ResponseWriter, r *http.Request) {
	var body fakeapi.RefundCreateRequest
	f.withOrg(w, r, &body, func(o *org) {
		od := o.orders.lookup(w, body.OrderId, "Order not found.")
		if od == nil {
			return
		}
		left := od.totalUnits - od.refundedUnits
		units := left
		switch {
		case body.AmountUnits != nil:
			units = *body.AmountUnits
		case body.Amount != nil:
			u, ok := parseMoney(*body.Amount)
			if !ok {
				writeJSON(w, http.StatusBadRequest, obj{"error": "amount is not a valid amount."})
				return
			}
			units = u
		}
		switch {
		case od.status != "COMPLETE" && od.status != "PARTIAL_REFUND":
			writeJSON(w, http.StatusBadRequest, obj{"error": "Only a paid order can be refunded."})
			return
		case units <= 0 || left <= 0:
			writeJSON(w, http.StatusBadRequest, obj{"error": "Nothing is left to refund on this order."})
			return
		case units > left:
			writeJSON(w, http.StatusBadRequest, obj{"error": fmt.Sprintf("The refund (%s) is more than what is left of the order (%s).", money(units), money(left))})
			return
		}
		t := f.s.now()
		// Without a reason the refund is REQUESTED_BY_CUSTOMER (the
		// reference's default).
		rf := &refund{id: newUUID(), orderID: od.id, units: units, created: t, currency: od.currency, note: nil,
			reason: string(fakeapi.RefundCreateRequestReasonREQUESTEDBYCUSTOMER), status: "PROCESSING"}
		if body.Reason != nil {
			rf.reason = string(*body.Reason)
		}
		if body.InternalNote.IsSpecified() && !body.InternalNote.IsNull() {
			rf.note = ptr(body.InternalNote.MustGet())
		}
		before := od.status
		od.refundedUnits += units
		od.status = "PARTIAL_REFUND"
		if od.refundedUnits >= od.totalUnits {
			od.status = "REFUNDED"
		}
		od.events = append(od.events, f.s.eventEntry(od.id, "Refund issued", "refund_created", t))
		o.refunds.add(rf.id, rf)
		o.transactions = append(o.transactions, &transaction{id: newUUID(), orderID: od.id, kind: "REFUND", units: -units, created: t})
		// The refund is made PROCESSING and, the fake's card network
		// responding at once, succeeds: refund.created, then refund.updated.
		f.s.emit(o, "refund.created", o.refundHook(rf), nil)
		rf.status = "SUCCEEDED"
		f.s.emit(o, "refund.updated", o.refundHook(rf), nil)
		f.s.emit(o, "order.refunded", o.orderHook(od), obj{"status": before})
		writeJSON(w, http.StatusOK, o.refundObj(rf))
	})
}

// ListRefunds lists refunds, newest first.
func (f *fake) ListRefunds(w http.ResponseWriter, r *http.Request, params fakeapi.ListRefundsParams) {
	f.withOrg(w, r, nil, func(o *org) {
		search := strings.ToLower(deref(params.Search))
		items := listed(o.refunds.newestFirst(), func(rf *refund) bool {
			return (params.Status == nil || string(*params.Status) == rf.status) &&
				(search == "" || containsFold(search, rf.id.String(), rf.orderID)) &&
				inDates(rf.created, params.StartDate, params.EndDate)
		}, o.refundObj)
		writePage(w, r, f.s.spec, items, params.Page, params.PageSize)
	})
}

// RetrieveRefund returns one refund.
func (f *fake) RetrieveRefund(w http.ResponseWriter, r *http.Request, id openapi_types.UUID) {
	f.withOrg(w, r, nil, func(o *org) {
		rf := o.refunds.lookup(w, id, notFound)
		if rf == nil {
			return
		}
		writeJSON(w, http.StatusOK, o.refundObj(rf))
	})
}
