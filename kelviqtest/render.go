package kelviqtest

import (
	"slices"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kelviq/kelviq-go/internal/fakeapi"
)

// The functions below render the fake's state as the API returns it
// (camelCase) and as webhooks carry it (snake_case). The caller holds the
// state's lock.

// orderCustomer is the OrderCustomer object: customerId, name and email.
func (o *org) orderCustomer(customerID string) obj {
	return o.addNameEmail(obj{"customerId": customerID, "name": nil, "email": nil}, customerID)
}

// addNameEmail sets the customer's name and email in out, those of the two
// the customer has, and returns out.
func (o *org) addNameEmail(out obj, customerID string) obj {
	if c := o.customer(customerID); c != nil {
		if c.Name.IsSpecified() && !c.Name.IsNull() {
			out["name"] = c.Name.MustGet()
		}
		if c.Email.IsSpecified() && !c.Email.IsNull() {
			out["email"] = c.Email.MustGet()
		}
	}
	return out
}

// billingAddress is the customer's billing address, or nil when it has none.
func (o *org) billingAddress(customerID string) any {
	if c := o.customer(customerID); c != nil && c.BillingAddress.IsSpecified() && !c.BillingAddress.IsNull() {
		return c.BillingAddress.MustGet()
	}
	return nil
}

// pick is a new object with the given keys of from (nil where from has none).
func pick(from obj, keys ...string) obj {
	out := make(obj, len(keys))
	for _, k := range keys {
		out[k] = from[k]
	}
	return out
}

// subscriptionSummary is the short subscription object that checkout
// session details and license details nest, or nil when id is nil or names
// no subscription.
func (o *org) subscriptionSummary(id *openapi_types.UUID) obj {
	if id == nil || o.subscriptions.get(*id) == nil {
		return nil
	}
	return pick(o.subscriptionObj(o.subscriptions.get(*id)), "id", "recurrence", "billingPeriodStartTime", "billingPeriodEndTime",
		"startDate", "endDate", "status", "amount", "currency", "trialDaysRemaining", "billingType", "recurrenceUnit", "recurrenceType")
}

// productObj is the Product object of the product with the given id (only
// its id when there is none): a copy of the stored fields, encoded through
// their own JSON tags.
func (o *org) productObj(id openapi_types.UUID) fakeapi.Product {
	if p := o.products.get(id); p != nil {
		return p.snapshot()
	}
	return fakeapi.Product{Id: &id}
}

// snapshot is a copy of the product's fields that later changes to the
// product (its image list edited in place) leave as it is.
func (p *product) snapshot() fakeapi.Product {
	out := p.data
	if out.Images != nil {
		images := slices.Clone(*out.Images)
		out.Images = &images
	}
	return out
}

func (o *org) planVersion(ident string, version int) (*plan, *planVersion) {
	p := o.plans.get(ident)
	if p == nil {
		return nil, nil
	}
	return p, p.version(version)
}

// subscriptionFeatures is the SubscriptionFeatureDetail list of a plan
// version: each feature with its entitlement's value and hard limit.
func (o *org) subscriptionFeatures(v *planVersion) []obj {
	out := []obj{}
	if v == nil {
		return out
	}
	for _, pf := range v.features {
		f := o.features.get(pf.feature)
		if f == nil {
			continue
		}
		d := f.data
		item := obj{
			"id":             pf.feature.String(),
			"identifier":     deref(d.Identifier),
			"name":           deref(d.Name),
			"description":    deref(d.Description),
			"featureType":    string(deref(d.FeatureType)),
			"details":        obj{},
			"isArchived":     deref(d.IsArchived),
			"metadata":       mapOrEmpty(d.Metadata),
			"modifiedOn":     rfc3339(deref(d.ModifiedOn)),
			"meter":          mapOrEmpty(d.Meter),
			"featureDetails": mapOrEmpty(d.FeatureDetails),
			"reset":          nil,
			"resetTime":      nil,
			"hardLimit":      pf.details["hardLimit"] == true,
		}
		if r, ok := pf.details["reset"].(string); ok {
			item["reset"] = r
		}
		if r, ok := pf.details["resetTime"].(string); ok {
			item["resetTime"] = r
		}
		if n, ok := intValue(pf.details["value"]); ok {
			item["value"] = n
		}
		out = append(out, item)
	}
	return out
}

func mapOrEmpty(m *map[string]any) map[string]any {
	if m == nil || *m == nil {
		return map[string]any{}
	}
	return *m
}

// intValue reads an entitlement value as an integer: a number, a numeric
// string, or true (1) / false (0) for a boolean feature.
func intValue(v any) (int64, bool) {
	switch x := v.(type) {
	case float64:
		return int64(x), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case string:
		if u, ok := parseMoney(x); ok {
			return u / 100, true
		}
	}
	return 0, false
}

// licenseSummaries is the SubscriptionLicense list of a subscription.
func (o *org) licenseSummaries(subID openapi_types.UUID) []obj {
	out := []obj{}
	for _, l := range o.licenses.all() {
		if l.subID != nil && *l.subID == subID {
			out = append(out, l.summary())
		}
	}
	return out
}

func (l *license) summary() obj {
	return obj{
		"id":              l.id.String(),
		"licenseKey":      l.key,
		"activatedOn":     timeOrNil(l.activated),
		"expiresOn":       timeOrNil(l.expires),
		"activationUsage": len(l.instances),
		"activationLimit": l.limit,
		"enabled":         l.enabled,
	}
}

func timeOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return rfc3339(*t)
}

func dateOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return dateOnly(*t)
}

func strOrNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// subscriptionObj is the Subscription object (retrieveSubscription,
// listSubscriptions).
func (o *org) subscriptionObj(s *subscription) obj {
	p, v := o.planVersion(s.plan, s.version)
	word, kind, unit := recurrence(s.chargePeriod)
	out := obj{
		"id":                     s.id.String(),
		"externalSubscriptionId": s.externalID,
		"startDate":              dateOnly(s.created),
		"endDate":                dateOrNil(s.endDate),
		"billingPeriodStartTime": rfc3339(s.periodStart),
		"billingPeriodEndTime":   rfc3339(s.periodEnd),
		"amount":                 money(s.amountUnits),
		"recurrence":             word,
		"currency":               s.currency,
		"status":                 s.status,
		"plan":                   obj{"name": "", "identifier": s.plan},
		"features":               o.subscriptionFeatures(v),
		"trialDaysRemaining":     0,
		"customerId":             s.customerID,
		"billingType":            s.billingType,
		"recurrenceUnit":         nil,
		"recurrenceType":         nil,
		"files":                  []any{},
		"links":                  []any{},
		"license":                o.licenseSummaries(s.id),
		"canceledAt":             timeOrNil(s.canceledAt),
		"cancellationReason":     strOrNil(s.cancellationReason),
		"cancellationFeedback":   strOrNil(s.feedback),
		"cancellationComment":    strOrNil(s.comment),
	}
	if kind != "" {
		out["recurrenceUnit"], out["recurrenceType"] = unit, kind
	}
	if p != nil {
		out["product"] = p.product.String()
	}
	if v != nil {
		out["plan"] = obj{"name": deref(v.data.Name), "identifier": s.plan}
		if v.data.Files != nil {
			out["files"] = *v.data.Files
		}
		if v.data.Links != nil {
			out["links"] = *v.data.Links
		}
	}
	return out
}

// createdSubscriptionObj is the CreateSubscriptionResponse (and
// CreateChargeResponse) object.
func (o *org) createdSubscriptionObj(s *subscription) obj {
	out := pick(o.subscriptionObj(s), "id", "startDate", "endDate", "billingPeriodStartTime", "billingPeriodEndTime", "amount",
		"recurrence", "currency", "status", "plan", "features", "trialDaysRemaining", "customerId", "files", "links", "license")
	if p := o.plans.get(s.plan); p != nil {
		prod := o.products.get(p.product)
		out["product"] = obj{"id": p.product.String(), "name": "", "identifier": ""}
		if prod != nil {
			out["product"] = obj{"id": p.product.String(), "name": deref(prod.data.Name), "identifier": deref(prod.data.Identifier)}
		}
	}
	return out
}

// checkoutObj is the CheckoutSessionResponse object; detail adds order,
// subscription and payment method (CheckoutSessionDetailResponse).
func (o *org) checkoutObj(cs *checkoutSession, detail bool) obj {
	out := obj{
		"id":               cs.id,
		"billingAddress":   nil,
		"discountCode":     strOrNil(cs.discountCode),
		"taxId":            nil,
		"currency":         defaultCurrency,
		"currencySymbol":   currencySymbol,
		"status":           cs.status,
		"createdOn":        rfc3339(cs.created),
		"selectedData":     obj{"planIdentifier": cs.plan, "chargePeriod": cs.chargePeriod, "features": cs.features},
		"offeringData":     obj{"planVersion": cs.version},
		"data":             obj{"successUrl": cs.successURL, "cancelUrl": strOrNil(cs.cancelURL)},
		"customFieldsData": obj{},
		"metadata":         mapOrEmpty(&cs.metadata),
		"customization":    obj{},
		"trialPeriod":      0,
	}
	if cs.customerID != "" {
		out["customer"] = o.orderCustomer(cs.customerID)
		out["billingAddress"] = o.billingAddress(cs.customerID)
	}
	if p := o.plans.get(cs.plan); p != nil {
		out["product"] = o.productObj(p.product)
	}
	if !detail {
		return out
	}
	// order and subscription are null until the checkout made them.
	out["paymentMethod"], out["order"], out["subscription"] = nil, nil, nil
	if od := o.orders.get(cs.orderID); od != nil {
		full := o.orderObj(od)
		order := pick(full, "id", "status", "paidAt", "billingType", "isTrial", "amountSubtotal", "amountDiscount",
			"amountTax", "amountTotal", "saleCurrency", "saleCurrencySymbol", "invoiceId")
		order["createdOn"] = rfc3339(od.created)
		out["order"] = order
		out["paymentMethod"] = full["paymentMethod"]
	}
	if sub := o.subscriptionSummary(cs.subID); sub != nil {
		out["subscription"] = sub
	}
	return out
}

func (o *org) orderPaymentMethod(customerID string) any {
	for _, pm := range o.paymentMethods {
		if pm.customerID == customerID {
			return obj{"paymentMethodType": "card", "paymentMethodName": pm.brand, "last4": pm.last4}
		}
	}
	return nil
}

// orderObj is the OrderResponse object.
func (o *org) orderObj(od *order) obj {
	out := obj{
		"id":                  od.id,
		"customer":            o.orderCustomer(od.customerID),
		"product":             o.productObj(od.product),
		"status":              od.status,
		"paidAt":              rfc3339(od.paidAt),
		"amountSubtotal":      money(od.totalUnits),
		"amountDiscount":      money(0),
		"amountTax":           money(0),
		"amountTotal":         money(od.totalUnits),
		"saleCurrency":        od.currency,
		"amountSubtotalUnits": od.totalUnits,
		"amountDiscountUnits": 0,
		"amountTaxUnits":      0,
		"amountTotalUnits":    od.totalUnits,
		"refundedTotalUnits":  od.refundedUnits,
		"saleCurrencySymbol":  currencySymbol,
		"billingAddress":      nil,
		"billingType":         od.billingType,
		"license":             []obj{},
		"isTrial":             false,
		"invoiceId":           od.invoiceID,
		"customFieldsData":    obj{},
		"paymentMethod":       o.orderPaymentMethod(od.customerID),
		// {} without a subscription, as the reference says.
		"subscription": obj{},
	}
	if p, v := o.planVersion(od.plan, od.version); v != nil {
		out["plan"] = planJSON(p, v)
	}
	if od.subID != nil {
		if s := o.subscriptions.get(*od.subID); s != nil {
			word, _, _ := recurrence(s.chargePeriod)
			out["subscription"] = obj{
				"id":              s.id.String(),
				"status":          s.status,
				"amount":          money(s.amountUnits),
				"currency":        s.currency,
				"interval":        word,
				"currencySymbol":  currencySymbol,
				"nextInvoiceDate": nextInvoice(s),
			}
			out["license"] = o.licenseSummaries(s.id)
		}
	}
	return out
}

func nextInvoice(s *subscription) any {
	if s.status != "active" || s.endDate != nil || s.billingType == "ONE_TIME" {
		return nil
	}
	return rfc3339(s.periodEnd)
}

// orderRef is the order object nested in refunds and transactions.
func (od *order) ref() obj {
	return obj{
		"id":                 od.id,
		"status":             od.status,
		"amountTotal":        money(od.totalUnits),
		"amountTotalUnits":   od.totalUnits,
		"refundedTotalUnits": od.refundedUnits,
		"saleCurrency":       od.currency,
		"customerId":         od.customerID,
	}
}

// fee is the fake's merchant-of-record fee on a charge: 5 % plus 0.50.
func fee(units int64) int64 {
	if units <= 0 {
		return 0
	}
	return units*5/100 + 50
}

// transactionObj is the TransactionResponse object.
func (o *org) transactionObj(t *transaction) obj {
	od := o.orders.get(t.orderID)
	f := int64(0)
	if t.kind == "CHARGE" {
		f = fee(t.units)
	}
	avail := t.created.AddDate(0, 0, 7)
	out := obj{
		"id":             t.id.String(),
		"order":          obj{"id": t.orderID},
		"createdOn":      rfc3339(t.created),
		"currency":       defaultCurrency,
		"currencySymbol": currencySymbol,
		"amountTotal":    decimal(t.units),
		"morFee":         decimal(f),
		// Empty without a fee (refunds); a fixed fee has no percentage.
		"morFeeBreakdown":   []obj{},
		"collectedTax":      decimal(0),
		"netPayout":         decimal(t.units - f),
		"status":            "success",
		"transactionType":   t.kind,
		"paymentMethodType": "card",
		"availableOn":       dateOnly(avail),
		"isSettled":         false,
		"paymentMethodName": "visa",
		"last4":             "4242",
	}
	if f > 0 {
		out["morFeeBreakdown"] = []obj{
			{"name": "base_fee", "percentage": "5.00", "valueUnits": f - min(f, 50), "currency": defaultCurrency},
			{"name": "fixed_fee", "percentage": nil, "valueUnits": min(f, 50), "currency": defaultCurrency},
		}
	}
	if od != nil {
		out["order"] = od.ref()
		out["currency"] = od.currency
	}
	return out
}

// refundObj is the RefundResponse object.
func (o *org) refundObj(rf *refund) obj {
	out := obj{
		"id":            rf.id.String(),
		"reason":        strOrNil(rf.reason),
		"amountUnits":   rf.units,
		"amount":        decimal(rf.units),
		"internalNote":  nil,
		"failureReason": nil,
		"status":        rf.status,
		"order":         obj{"id": rf.orderID},
	}
	if rf.note != nil {
		out["internalNote"] = *rf.note
	}
	if od := o.orders.get(rf.orderID); od != nil {
		out["order"] = od.ref()
	}
	return out
}

// paymentMethodObj is the PaymentMethodResponse object.
func (o *org) paymentMethodObj(pm *paymentMethod) obj {
	cust := o.orderCustomer(pm.customerID)
	cust["billingAddress"] = o.billingAddress(pm.customerID)
	return obj{
		"id":         pm.id,
		"customer":   cust,
		"methodType": "card",
		// camelCase in the API (the reference); webhooks write snake_case.
		"methodData": obj{"brand": pm.brand, "last4": pm.last4, "expMonth": 12, "expYear": pm.created.Year() + 3, "funding": "credit", "country": "US"},
		"isDefault":  true,
		"status":     "succeeded",
		"createdOn":  rfc3339(pm.created),
		"modifiedOn": rfc3339(pm.created),
	}
}

// licenseDetails is the LicenseDetails object: the SubscriptionLicense
// summary with the customer, plan and subscription.
func (o *org) licenseDetails(l *license) obj {
	out := l.summary()
	out["customer"] = o.addNameEmail(obj{"customerId": l.customerID}, l.customerID)
	out["subscription"] = nil
	if p, v := o.planVersion(l.plan, l.version); v != nil {
		pl := obj{
			"identifier":  l.plan,
			"name":        deref(v.data.Name),
			"description": deref(v.data.Description),
			"version":     l.version,
			"isLatest":    v.isLatest(),
		}
		if prod := o.products.get(p.product); prod != nil {
			mod := rfc3339(deref(prod.data.ModifiedOn))
			pl["product"] = obj{
				"id": p.product.String(), "identifier": deref(prod.data.Identifier), "name": deref(prod.data.Name),
				"taxCode": string(deref(prod.data.TaxCode)), "createdOn": mod, "modifiedOn": mod,
			}
		}
		out["plan"] = pl
	}
	if sub := o.subscriptionSummary(l.subID); sub != nil {
		out["subscription"] = sub
	}
	return out
}
