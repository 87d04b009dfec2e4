package kelviqtest

import (
	"fmt"
	"time"
)

// Failed renewals, as kelviq's webhook guide describes them for cards: the
// subscription moves to past_due (invoice.created, invoice.payment_failed
// and subscription.updated), collection is retried up to 8 times over 14
// days (invoice.payment_failed each time it fails), and after the last
// failure the subscription is cancelled (subscription.cancelled). A retry
// that succeeds pays the invoice (order.created, invoice.paid) and the
// subscription is active again (subscription.updated). The fake's payments
// fail only for customers a test declines with DeclinePayments.

const (
	// collectionRetries is how many times a failed renewal is retried.
	collectionRetries = 8
	// collectionWindow is the time those retries take.
	collectionWindow = 14 * 24 * time.Hour
)

// collectionSpacing is the wait between two collection attempts.
const collectionSpacing = collectionWindow / collectionRetries

// dunning is a past_due subscription's failed invoice and its retries.
type dunning struct {
	invoiceID string
	units     int64
	failures  int       // the first attempt and the retries that failed
	next      time.Time // the next retry
}

// DeclinePayments makes the card payments of an organization's customer
// fail (decline true) or succeed again (false): its renewals go past_due
// and are retried, and its one-time charges are 400. Checkouts still pay
// (the customer enters a card there).
func (s *Server) DeclinePayments(organizationID, customerID string, decline bool) error {
	st := s.state
	st.mu.Lock()
	defer st.mu.Unlock()
	o, err := st.orgByID("DeclinePayments", organizationID)
	if err != nil {
		return err
	}
	if o.customer(customerID) == nil {
		return fmt.Errorf("kelviqtest: DeclinePayments: no customer %q", customerID)
	}
	if o.declined == nil {
		o.declined = map[string]bool{}
	}
	o.declined[customerID] = decline
	return nil
}

// failRenewal records the first failed collection of a subscription whose
// period is over. The caller holds the lock.
func (s *Server) failRenewal(o *org, sub *subscription) {
	d := &dunning{invoiceID: "inv_" + randomHex(10), units: sub.amountUnits, failures: 1, next: sub.periodEnd.Add(collectionSpacing)}
	sub.dunning = d
	sub.status = "past_due"
	s.emit(o, "invoice.created", o.unpaidInvoiceHook(sub, "OPEN"), nil)
	s.emit(o, "invoice.payment_failed", o.unpaidInvoiceHook(sub, "PAYMENT_FAILED"), nil)
	s.emit(o, "subscription.updated", o.subscriptionHook(sub), obj{"status": "active"})
}

// retryCollection makes the retries of a past_due subscription that are
// due at t. The caller holds the lock.
func (s *Server) retryCollection(o *org, sub *subscription, t time.Time) {
	for d := sub.dunning; d != nil && sub.status == "past_due" && !t.Before(d.next); {
		if !o.declined[sub.customerID] {
			// Paid: the period that was due starts, the invoice is paid.
			sub.status, sub.dunning = "active", nil
			sub.periodStart = sub.periodEnd
			sub.periodEnd = periodEnd(sub.periodStart, sub.chargePeriod)
			s.placeOrderPaying(o, sub, true, d.invoiceID)
			o.resetUsage(sub)
			s.emit(o, "subscription.updated", o.subscriptionHook(sub), obj{"status": "past_due"})
			return
		}
		d.failures++
		s.emit(o, "invoice.payment_failed", o.unpaidInvoiceHook(sub, "PAYMENT_FAILED"), nil)
		if d.failures > collectionRetries { // the last retry failed
			end := d.next
			sub.status, sub.dunning = "canceled", nil
			sub.endDate, sub.canceledAt = &end, &end
			sub.cancellationReason = "CANCELLED_BY_PROVIDER"
			s.emit(o, "subscription.cancelled", o.subscriptionHook(sub), obj{"status": "past_due"})
			return
		}
		d.next = d.next.Add(collectionSpacing)
	}
}

// unpaidInvoiceHook is the invoice object of a past_due subscription's
// invoice (status OPEN or PAYMENT_FAILED), with the payment_link kelviq
// adds to an unpaid invoice: a page of the fake.
func (o *org) unpaidInvoiceHook(sub *subscription, status string) obj {
	d := sub.dunning
	t := hookTime(sub.periodEnd)
	return obj{
		"id": d.invoiceID, "object": "invoice", "status": status, "paid_at": nil,
		"amount_total": money(d.units), "amount_total_units": d.units, "currency": sub.currency,
		"due_date": nil, "order_id": nil, "customer_id": o.customerUUID(sub.customerID),
		"customer": o.customerRef(sub.customerID), "subscription_id": sub.id.String(), "organization": o.id.String(),
		"product": o.productRef(sub.plan), "payment_link": o.st.origin + adminPrefix + "invoices/" + d.invoiceID,
		"created_on": t, "modified_on": hookTime(o.now()),
	}
}
