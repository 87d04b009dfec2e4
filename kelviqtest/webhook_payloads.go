package kelviqtest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"strings"
	"time"

	"github.com/kelviq/kelviq-go/internal/fakeapi"
)

// Webhook payloads: the objects kelviq's webhook guide shows for each event
// type, in snake_case, with exactly the fields its examples carry (plus
// payment_link on invoices, which the API changelog added later). They are
// built here field by field, not converted from the API's responses, whose
// fields differ.

// hookTime is a webhook time stamp: RFC 3339 in UTC, to the second.
func hookTime(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// hookAddress is a billing address in snake_case: line1, line2, city,
// state, postal_code and country, or {} when there is none.
func hookAddress(a any) obj {
	ba, ok := a.(fakeapi.BillingAddress)
	if !ok {
		return obj{}
	}
	return obj{
		"line1": ptrOrNil(ba.Line1), "line2": nullableOrNil(ba.Line2), "city": ptrOrNil(ba.City),
		"state": ptrOrNil(ba.State), "postal_code": ptrOrNil(ba.PostalCode), "country": ptrOrNil(ba.Country),
	}
}

// ptrOrNil is *p, or nil when p is nil.
func ptrOrNil[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// customerHook is the customer object of customer.created and
// customer.updated.
func (o *org) customerHook(c *fakeapi.CustomerResponse) obj {
	n := 0
	for _, s := range o.subscriptions.all() {
		if s.customerID == deref(c.CustomerId) && s.status == "active" && s.billingType == "SUBSCRIPTION" {
			n++
		}
	}
	var details any = obj{}
	if c.Details != nil {
		details = *c.Details
	}
	var metadata any = obj{}
	if c.Metadata.IsSpecified() && !c.Metadata.IsNull() {
		metadata = c.Metadata.MustGet()
	}
	return obj{
		"id": deref(c.Id).String(), "object": "customer", "customer_id": deref(c.CustomerId),
		"name": nullableOrNil(c.Name), "email": nullableOrNil(c.Email),
		"details": details, "metadata": metadata, "billing_address": hookAddress(o.billingAddress(deref(c.CustomerId))),
		"subscriptions": n, "organization": o.id.String(),
		"created_on": hookTimeString(deref(c.CreatedOn)), "modified_on": hookTimeString(deref(c.ModifiedOn)),
	}
}

// customerChanges is the previous_attributes of customer.updated: the old
// value of each field that changed, under its webhook name.
func customerChanges(before, after obj) obj {
	prev := obj{}
	for _, k := range []string{"name", "email", "metadata", "billing_address"} {
		if !jsonEqual(before[k], after[k]) {
			prev[k] = before[k]
		}
	}
	return prev
}

// hookTimeString re-formats an RFC 3339 time stamp as hookTime does.
func hookTimeString(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return hookTime(t)
}

func nullableOrNil[T any](n interface {
	IsSpecified() bool
	IsNull() bool
	MustGet() T
}) any {
	if !n.IsSpecified() || n.IsNull() {
		return nil
	}
	return n.MustGet()
}

// customerRef is the short customer object other events embed: id, name,
// email, customer_id and billing_address.
func (o *org) customerRef(customerID string) obj {
	out := obj{"id": nil, "name": nil, "email": nil, "customer_id": customerID, "billing_address": obj{}}
	if c := o.customer(customerID); c != nil {
		out["id"] = deref(c.Id).String()
		out["name"], out["email"] = nullableOrNil(c.Name), nullableOrNil(c.Email)
		out["billing_address"] = hookAddress(o.billingAddress(customerID))
	}
	return out
}

// customerUUID is the customer's kelviq ID, which checkout, order and
// invoice payloads carry as customer_id.
func (o *org) customerUUID(customerID string) any {
	if c := o.customer(customerID); c != nil {
		return deref(c.Id).String()
	}
	return nil
}

// planRef is {name, version, identifier}.
func (o *org) planRef(ident string, version int) obj {
	out := obj{"identifier": ident, "version": version, "name": ""}
	if _, v := o.planVersion(ident, version); v != nil {
		out["name"] = deref(v.data.Name)
	}
	return out
}

// productRef is {id, name} of the plan's product.
func (o *org) productRef(ident string) obj {
	out := obj{"id": nil, "name": ""}
	p := o.plans.get(ident)
	if p == nil {
		return out
	}
	out["id"] = p.product.String()
	if prod := o.products.get(p.product); prod != nil {
		out["name"] = deref(prod.data.Name)
	}
	return out
}

// hookFeatures is the feature quantities asked for, or null when none.
func hookFeatures(features []obj) any {
	if len(features) == 0 {
		return nil
	}
	return features
}

// hookRecurrence is the recurrence as webhooks write it: "1 month",
// "28 days", "6 months".
func hookRecurrence(chargePeriod string) string {
	word, _, _ := recurrence(chargePeriod)
	if word != "" && word[0] >= '0' && word[0] <= '9' || chargePeriod == "ONE_TIME" {
		return word
	}
	return "1 " + word
}

// subscriptionHook is the subscription object of subscription.* events.
func (o *org) subscriptionHook(s *subscription) obj {
	return obj{
		"id": s.id.String(), "object": "subscription", "status": s.status,
		"plan": o.planRef(s.plan, s.version), "product": o.productRef(s.plan),
		"amount": money(s.amountUnits), "amount_units": s.amountUnits, "currency": s.currency,
		"recurrence": hookRecurrence(s.chargePeriod), "start_date": dateOnly(s.created), "end_date": dateOrNil(s.endDate),
		"billing_period_start_time": hookTime(s.periodStart), "billing_period_end_time": hookTime(s.periodEnd),
		"trial_start": nil, "trial_end": nil,
		"customer": o.customerRef(s.customerID), "features": hookFeatures(s.features),
		"organization": o.id.String(), "created_on": hookTime(s.created), "modified_on": hookTime(o.now()),
	}
}

// orderHook is the order object of order.* events. It carries no refunded
// amount: order.refunded tells partial from full by its status only.
func (o *org) orderHook(od *order) obj {
	var features any
	var subID any
	if od.subID != nil {
		subID = od.subID.String()
		if s := o.subscriptions.get(*od.subID); s != nil {
			features = hookFeatures(s.features)
		}
	}
	return obj{
		"id": od.id, "object": "order", "status": od.status, "billing_type": od.billingType,
		"customer_id": o.customerUUID(od.customerID), "customer": o.customerRef(od.customerID),
		"organization": o.id.String(), "is_renewal": od.isRenewal, "paid_at": hookTime(od.paidAt),
		"amount_total": money(od.totalUnits), "amount_total_units": od.totalUnits, "currency": od.currency,
		"subscription_id": subID, "product": o.productRef(od.plan), "plan": o.planRef(od.plan, od.version),
		"features": features, "created_on": hookTime(od.created), "modified_on": hookTime(o.now()),
	}
}

// invoiceHook is the invoice object of invoice.* events. The fake's
// invoices are paid when they are made (its payments never fail), so
// status is PAID and payment_link null, as for such invoices at kelviq.
func (o *org) invoiceHook(od *order) obj {
	var subID any
	if od.subID != nil {
		subID = od.subID.String()
	}
	return obj{
		"id": od.invoiceID, "object": "invoice", "status": "PAID", "paid_at": hookTime(od.paidAt),
		"amount_total": money(od.totalUnits), "amount_total_units": od.totalUnits, "currency": od.currency,
		"due_date": nil, "order_id": od.id, "customer_id": o.customerUUID(od.customerID),
		"customer": o.customerRef(od.customerID), "subscription_id": subID, "organization": o.id.String(),
		"product": o.productRef(od.plan), "payment_link": nil,
		"created_on": hookTime(od.created), "modified_on": hookTime(o.now()),
	}
}

// checkoutHook is the checkout session object of checkout.completed. It
// carries no subscription_id: subscription.created does.
func (o *org) checkoutHook(cs *checkoutSession) obj {
	cust := o.customer(cs.customerID)
	var name, email any
	if cust != nil {
		name, email = nullableOrNil(cust.Name), nullableOrNil(cust.Email)
	}
	out := obj{
		"id": cs.id, "object": "checkout_session", "status": cs.status, "checkout_type": "SUBSCRIPTION",
		"customer_id": o.customerUUID(cs.customerID), "customer": o.customerRef(cs.customerID),
		"organization": o.id.String(), "amount": money(0), "amount_units": 0, "currency": defaultCurrency,
		"discount_code": cs.discountCode, "features": hookFeatures(cs.features),
		"plan": o.planRef(cs.plan, cs.version), "product": o.productRef(cs.plan),
		"billing_address": hookAddress(o.billingAddress(cs.customerID)), "metadata": mapOrEmpty(&cs.metadata),
		"data": obj{
			"name": name, "email": email, "referer": nil, "cancel_url": strOrNil(cs.cancelURL),
			"success_url": strOrNil(cs.successURL), "tax_behavior": cmp.Or(cs.taxBehavior, "EXCLUSIVE"), "discounts_enabled": cs.discountsEnabled,
		},
		"created_on": hookTime(cs.created), "modified_on": hookTime(o.now()),
	}
	if cs.chargePeriod == "ONE_TIME" {
		out["checkout_type"] = "ONE_TIME"
	}
	if cs.currency != "" {
		out["amount"], out["amount_units"], out["currency"] = money(cs.amountUnits), cs.amountUnits, cs.currency
	}
	return out
}

// refundHook is the refund object of refund.* events.
func (o *org) refundHook(rf *refund) obj {
	out := obj{
		"id": rf.id.String(), "object": "refund", "status": rf.status, "amount": money(rf.units), "amount_units": rf.units,
		"currency": rf.currency, "reason": strOrNil(rf.reason), "order_id": rf.orderID,
		"customer": obj{}, "subscription_id": nil, "organization": o.id.String(),
		"created_on": hookTime(rf.created), "modified_on": hookTime(o.now()),
	}
	if od := o.orders.get(rf.orderID); od != nil {
		out["customer"] = o.customerRef(od.customerID)
		if od.subID != nil {
			out["subscription_id"] = od.subID.String()
		}
	}
	return out
}

// paymentMethodHook is the payment method object of payment_method.*
// events; its customer_id is the merchant's customer ID.
func (o *org) paymentMethodHook(pm *paymentMethod) obj {
	return obj{
		"id": pm.id, "object": "payment_method", "organization": o.id.String(),
		"customer_id": pm.customerID, "customer": o.customerRef(pm.customerID),
		"method_type": "card", "method_data": pm.methodData(),
		"is_default": true, "status": "succeeded",
	}
}

func (pm *paymentMethod) methodData() obj {
	return obj{"brand": pm.brand, "last4": pm.last4, "exp_month": 12, "exp_year": pm.created.Year() + 3, "funding": "credit", "country": "US"}
}

// usageAlertHook is the object of feature.usage_alert: a customer's usage
// of a feature reached its limit (the fake's one threshold: 100 %).
func (o *org) usageAlertHook(customerID string, e *entitlement, usage int64) obj {
	d := e.feature.data
	t := hookTime(o.now())
	out := obj{
		"id": newUUID().String(), "object": "feature_usage_alert",
		"feature":  obj{"id": deref(d.Id).String(), "name": deref(d.Name), "identifier": deref(d.Identifier), "feature_type": string(deref(d.FeatureType))},
		"customer": o.customerRef(customerID), "usage_limit": e.limit, "current_usage": usage,
		"threshold_type": "PERCENTAGE", "threshold_value": 100,
		"period_start_time": nil, "period_end_time": nil, "subscription_id": nil,
		"organization": o.id.String(), "created_on": t, "modified_on": t,
	}
	for _, s := range o.subscriptions.all() {
		if s.customerID == customerID && s.grants(o.now()) {
			out["subscription_id"] = s.id.String()
			out["period_start_time"] = hookTime(s.periodStart)
			if s.billingType == "SUBSCRIPTION" {
				out["period_end_time"] = hookTime(s.periodEnd)
			}
			break
		}
	}
	return out
}

// sampleObject is a made-up resource for a triggered event, with the
// fields of the type's payload, and the previous_attributes its update
// events carry (nil for the others).
func sampleObject(eventType string, at time.Time) (object, previous obj) {
	t := hookTime(at)
	org := newUUID().String()
	custUUID := newUUID().String()
	address := obj{"line1": "1 Sample Street", "line2": nil, "city": "Springfield", "state": nil, "postal_code": "00001", "country": "US"}
	ref := obj{"id": custUUID, "name": "Sample Customer", "email": "sample@customers.example.com", "customer_id": "cus_sample", "billing_address": address}
	plan := obj{"name": "Sample plan", "identifier": "sample-plan", "version": 1}
	product := obj{"id": newUUID().String(), "name": "Sample product"}
	subID := newUUID().String()
	orderID := newUUID().String()
	kind, action, _ := strings.Cut(eventType, ".")
	switch kind {
	case "customer":
		object = obj{"id": custUUID, "object": "customer", "customer_id": "cus_sample", "name": "Sample Customer",
			"email": "sample@customers.example.com", "details": obj{}, "metadata": obj{}, "billing_address": address,
			"subscriptions": 0, "organization": org, "created_on": t, "modified_on": t}
		if action == "updated" {
			previous = obj{"name": "Sample"}
		}
	case "checkout":
		object = obj{"id": newUUID().String(), "object": "checkout_session", "status": "success", "checkout_type": "SUBSCRIPTION",
			"customer_id": custUUID, "customer": ref, "organization": org, "amount": "29.00", "amount_units": 2900,
			"currency": defaultCurrency, "discount_code": "", "features": nil, "plan": plan, "product": product,
			"billing_address": address, "metadata": obj{},
			"data": obj{"name": "Sample Customer", "email": "sample@customers.example.com", "referer": nil, "cancel_url": nil,
				"success_url": "https://shop.example.com/thanks", "tax_behavior": "EXCLUSIVE", "discounts_enabled": true},
			"created_on": t, "modified_on": t}
	case "order":
		status := "COMPLETE"
		switch action {
		case "updated":
			previous = obj{"status": "PENDING"}
		case "refunded":
			status, previous = "REFUNDED", obj{"status": "COMPLETE"}
		}
		object = obj{"id": orderID, "object": "order", "status": status, "billing_type": "SUBSCRIPTION",
			"customer_id": custUUID, "customer": ref, "organization": org, "is_renewal": false, "paid_at": t,
			"amount_total": "29.00", "amount_total_units": 2900, "currency": defaultCurrency, "subscription_id": subID,
			"product": product, "plan": plan, "features": nil, "created_on": t, "modified_on": t}
	case "subscription":
		status, end := "active", any(nil)
		switch action {
		case "updated":
			end = dateOnly(at.AddDate(0, 1, 0))
			previous = obj{"end_date": nil}
		case "cancelled":
			status, end = "canceled", dateOnly(at)
			previous = obj{"status": "active"}
		}
		object = obj{"id": subID, "object": "subscription", "status": status, "plan": plan, "product": product,
			"amount": "29.00", "amount_units": 2900, "currency": defaultCurrency, "recurrence": "1 month",
			"start_date": dateOnly(at), "end_date": end, "billing_period_start_time": t,
			"billing_period_end_time": hookTime(at.AddDate(0, 1, 0)), "trial_start": nil, "trial_end": nil,
			"customer": ref, "features": nil, "organization": org, "created_on": t, "modified_on": t}
		if action == "plan_changed" {
			previous = cloneMap(object)
			previous["plan"] = obj{"name": "Sample starter plan", "identifier": "sample-starter", "version": 1}
			previous["amount"], previous["amount_units"] = "9.00", 900
		}
	case "feature":
		object = obj{"id": newUUID().String(), "object": "feature_usage_alert",
			"feature":  obj{"id": newUUID().String(), "name": "API calls", "identifier": "api-calls", "feature_type": "METER"},
			"customer": ref, "usage_limit": 100, "current_usage": 100, "threshold_type": "PERCENTAGE", "threshold_value": 100,
			"period_start_time": t, "period_end_time": hookTime(at.AddDate(0, 1, 0)), "subscription_id": subID,
			"organization": org, "created_on": t, "modified_on": t}
	case "invoice":
		status, paidAt, link := "OPEN", any(nil), any("https://pay.example.com/invoice/sample")
		switch action {
		case "paid":
			status, paidAt, link = "PAID", t, nil
			previous = obj{"status": "OPEN", "paid_at": nil}
		case "payment_failed":
			status = "PAYMENT_FAILED"
		}
		object = obj{"id": "inv_sample", "object": "invoice", "status": status, "paid_at": paidAt, "amount_total": "29.00",
			"amount_total_units": 2900, "currency": defaultCurrency, "due_date": nil, "order_id": nil, "customer_id": custUUID,
			"customer": ref, "subscription_id": subID, "organization": org, "product": product, "payment_link": link,
			"created_on": t, "modified_on": t}
	case "refund":
		status := "PROCESSING"
		if action == "updated" {
			status = "SUCCEEDED"
		}
		object = obj{"id": newUUID().String(), "object": "refund", "status": status, "amount": "29.00", "amount_units": 2900,
			"currency": defaultCurrency, "reason": "REQUESTED_BY_CUSTOMER", "order_id": orderID, "customer": ref,
			"subscription_id": subID, "organization": org, "created_on": t, "modified_on": t}
	case "payment_method":
		object = obj{"id": 1, "object": "payment_method", "organization": org, "customer_id": "cus_sample", "customer": ref,
			"method_type": "card", "method_data": (&paymentMethod{brand: "visa", last4: "4242", created: at}).methodData(),
			"is_default": action != "deleted", "status": "succeeded"}
	}
	return object, previous
}

// jsonEqual reports whether a and b marshal to the same JSON.
func jsonEqual(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}
