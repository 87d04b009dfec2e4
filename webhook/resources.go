package webhook

import "encoding/json"

// BillingAddress is a postal address as it appears on customers and
// checkout sessions. Any line may be empty.
type BillingAddress struct {
	Line1      string `json:"line1"`
	Line2      string `json:"line2"`
	City       string `json:"city"`
	State      string `json:"state"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"` // two-letter country code, e.g. "DE"
}

// Plan identifies a plan and its version.
type Plan struct {
	Name       string `json:"name"`
	Version    int64  `json:"version"`
	Identifier string `json:"identifier"`
}

// Product identifies a product.
type Product struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Feature identifies a feature, as in a [FeatureUsageAlert].
type Feature struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Identifier  string `json:"identifier"`
	FeatureType string `json:"feature_type"`
}

// Customer is the resource of customer.* events ([Event.Customer]), with
// Object "customer".
//
// The same type is used for the customer embedded in other resources
// (orders, subscriptions, ...); there kelviq sends only ID, Name, Email,
// CustomerID and BillingAddress, and the other fields stay zero.
type Customer struct {
	// ID is the identifier kelviq assigned to the customer.
	ID string `json:"id"`
	// Object is the resource kind, "customer".
	Object string `json:"object"`
	// CustomerID is your own identifier for the customer, the one given
	// when the customer was created.
	CustomerID     string            `json:"customer_id"`
	Name           string            `json:"name"`
	Email          string            `json:"email"`
	Details        map[string]any    `json:"details"`
	Metadata       map[string]string `json:"metadata"`
	BillingAddress BillingAddress    `json:"billing_address"`
	// Subscriptions is the number of subscriptions the customer has.
	Subscriptions int64  `json:"subscriptions"`
	Organization  string `json:"organization"`
	CreatedOn     string `json:"created_on"`
	ModifiedOn    string `json:"modified_on"`
}

// CheckoutSession is the resource of checkout.* events
// ([Event.CheckoutSession]), with Object "checkout_session".
type CheckoutSession struct {
	ID           string `json:"id"`
	Object       string `json:"object"`
	Status       string `json:"status"`
	CheckoutType string `json:"checkout_type"`
	// CustomerID is kelviq's identifier of the customer (Customer.ID);
	// yours is Customer.CustomerID.
	CustomerID   string      `json:"customer_id"`
	Customer     Customer    `json:"customer"`
	Organization string      `json:"organization"`
	Amount       json.Number `json:"amount"`
	AmountUnits  int64       `json:"amount_units"`
	Currency     string      `json:"currency"`
	// DiscountCode is the discount code used, empty if none.
	DiscountCode string `json:"discount_code"`
	// Features is kept as raw JSON (often null): its shape is not
	// documented.
	Features       json.RawMessage `json:"features"`
	Plan           Plan            `json:"plan"`
	Product        Product         `json:"product"`
	BillingAddress BillingAddress  `json:"billing_address"`
	// Metadata holds the values attached to the checkout (any JSON values,
	// as the API allows); use it to tie the checkout to your own records.
	Metadata   map[string]any `json:"metadata"`
	Data       map[string]any `json:"data"`
	CreatedOn  string         `json:"created_on"`
	ModifiedOn string         `json:"modified_on"`
}

// Order is the resource of order.* events ([Event.Order]), with Object
// "order".
type Order struct {
	// ID is the order number, such as "ORD-20260102030405-AB12C".
	ID     string `json:"id"`
	Object string `json:"object"`
	// Status is for example "PENDING", "COMPLETE" or "REFUNDED".
	Status       string   `json:"status"`
	BillingType  string   `json:"billing_type"`
	CustomerID   string   `json:"customer_id"`
	Customer     Customer `json:"customer"`
	Organization string   `json:"organization"`
	// IsRenewal reports whether the order renews a subscription.
	IsRenewal        bool        `json:"is_renewal"`
	PaidAt           string      `json:"paid_at"`
	AmountTotal      json.Number `json:"amount_total"`
	AmountTotalUnits int64       `json:"amount_total_units"`
	Currency         string      `json:"currency"`
	SubscriptionID   string      `json:"subscription_id"`
	Product          Product     `json:"product"`
	Plan             Plan        `json:"plan"`
	// Features is kept as raw JSON (often null): its shape is not
	// documented.
	Features   json.RawMessage `json:"features"`
	CreatedOn  string          `json:"created_on"`
	ModifiedOn string          `json:"modified_on"`
}

// Subscription is the resource of subscription.* events
// ([Event.Subscription]), with Object "subscription".
type Subscription struct {
	ID     string `json:"id"`
	Object string `json:"object"`
	// Status is for example "active" or "canceled" (American spelling,
	// unlike the subscription.cancelled event type).
	Status      string      `json:"status"`
	Plan        Plan        `json:"plan"`
	Product     Product     `json:"product"`
	Amount      json.Number `json:"amount"`
	AmountUnits int64       `json:"amount_units"`
	Currency    string      `json:"currency"`
	// Recurrence is the billing interval in words, such as "1 month".
	Recurrence string `json:"recurrence"`
	// StartDate and EndDate are dates (YYYY-MM-DD); EndDate is empty while
	// the subscription has no end.
	StartDate              string   `json:"start_date"`
	EndDate                string   `json:"end_date"`
	BillingPeriodStartTime string   `json:"billing_period_start_time"`
	BillingPeriodEndTime   string   `json:"billing_period_end_time"`
	Customer               Customer `json:"customer"`
	// Features is kept as raw JSON (often null): its shape is not
	// documented.
	Features     json.RawMessage `json:"features"`
	Organization string          `json:"organization"`
	CreatedOn    string          `json:"created_on"`
	ModifiedOn   string          `json:"modified_on"`
}

// FeatureUsageAlert is the resource of feature.* events
// ([Event.FeatureUsageAlert]), with Object "feature_usage_alert": a
// customer's usage of a metered feature reached an alert threshold.
type FeatureUsageAlert struct {
	ID           string      `json:"id"`
	Object       string      `json:"object"`
	Feature      Feature     `json:"feature"`
	Customer     Customer    `json:"customer"`
	UsageLimit   json.Number `json:"usage_limit"`
	CurrentUsage json.Number `json:"current_usage"`
	// ThresholdType says how ThresholdValue is meant, for example
	// "PERCENTAGE" (of UsageLimit).
	ThresholdType  string      `json:"threshold_type"`
	ThresholdValue json.Number `json:"threshold_value"`
	// PeriodStartTime and PeriodEndTime bound the usage period; either may
	// be empty.
	PeriodStartTime string `json:"period_start_time"`
	PeriodEndTime   string `json:"period_end_time"`
	SubscriptionID  string `json:"subscription_id"`
	Organization    string `json:"organization"`
	CreatedOn       string `json:"created_on"`
	ModifiedOn      string `json:"modified_on"`
}

// Invoice is the resource of invoice.* events ([Event.Invoice]), with
// Object "invoice".
type Invoice struct {
	// ID is the invoice number, such as "INV-...".
	ID     string `json:"id"`
	Object string `json:"object"`
	// Status is for example "OPEN", "PAID" or "PAYMENT_FAILED".
	Status string `json:"status"`
	// PaidAt is empty while the invoice is unpaid.
	PaidAt           string      `json:"paid_at"`
	AmountTotal      json.Number `json:"amount_total"`
	AmountTotalUnits int64       `json:"amount_total_units"`
	Currency         string      `json:"currency"`
	// PaymentLink is a signed URL of the invoice's payment page, set
	// while the invoice is open or its payment failed; empty once paid.
	PaymentLink string `json:"payment_link"`
	// DueDate and OrderID may be empty.
	DueDate        string   `json:"due_date"`
	OrderID        string   `json:"order_id"`
	CustomerID     string   `json:"customer_id"`
	Customer       Customer `json:"customer"`
	SubscriptionID string   `json:"subscription_id"`
	Organization   string   `json:"organization"`
	Product        Product  `json:"product"`
	CreatedOn      string   `json:"created_on"`
	ModifiedOn     string   `json:"modified_on"`
}

// Refund is the resource of refund.* events ([Event.Refund]), with Object
// "refund".
type Refund struct {
	ID     string `json:"id"`
	Object string `json:"object"`
	// Status is for example "PROCESSING" or "SUCCEEDED".
	Status       string      `json:"status"`
	Amount       json.Number `json:"amount"`
	AmountUnits  int64       `json:"amount_units"`
	Currency     string      `json:"currency"`
	Reason       string      `json:"reason"`
	OrderID      string      `json:"order_id"`
	Organization string      `json:"organization"`
	CreatedOn    string      `json:"created_on"`
	ModifiedOn   string      `json:"modified_on"`
}

// MethodData describes a payment card.
type MethodData struct {
	Brand    string `json:"brand"` // e.g. "visa"
	Last4    string `json:"last4"`
	ExpMonth int64  `json:"exp_month"`
	ExpYear  int64  `json:"exp_year"`
	Funding  string `json:"funding"` // e.g. "credit", "debit"
	Country  string `json:"country"`
}

// PaymentMethod is the resource of payment_method.* events
// ([Event.PaymentMethod]), with Object "payment_method".
type PaymentMethod struct {
	// ID is a number, unlike the string ids of the other resources.
	ID           int64    `json:"id"`
	Object       string   `json:"object"`
	Organization string   `json:"organization"`
	CustomerID   string   `json:"customer_id"`
	Customer     Customer `json:"customer"`
	// MethodType is the kind of payment method, such as "card"; MethodData
	// describes it.
	MethodType string     `json:"method_type"`
	MethodData MethodData `json:"method_data"`
	IsDefault  bool       `json:"is_default"`
	Status     string     `json:"status"`
}

// CheckoutSession decodes the checkout session of a checkout.* event. It
// returns [ErrEventTypeMismatch] for other event types and [ErrNoData] if
// there is no data.object.
func (e Event) CheckoutSession() (*CheckoutSession, error) {
	return decodeAs[CheckoutSession](e, "checkout.")
}

// Customer decodes the customer of a customer.* event. It returns
// [ErrEventTypeMismatch] for other event types and [ErrNoData] if there is
// no data.object. For customer.updated, [Event.DecodePrevious] gives the
// earlier values of the changed attributes.
func (e Event) Customer() (*Customer, error) {
	return decodeAs[Customer](e, "customer.")
}

// Order decodes the order of an order.* event. It returns
// [ErrEventTypeMismatch] for other event types and [ErrNoData] if there is
// no data.object.
func (e Event) Order() (*Order, error) {
	return decodeAs[Order](e, "order.")
}

// Subscription decodes the subscription of a subscription.* event. It
// returns [ErrEventTypeMismatch] for other event types and [ErrNoData] if
// there is no data.object.
func (e Event) Subscription() (*Subscription, error) {
	return decodeAs[Subscription](e, "subscription.")
}

// FeatureUsageAlert decodes the alert of a feature.* event. It returns
// [ErrEventTypeMismatch] for other event types and [ErrNoData] if there is
// no data.object.
func (e Event) FeatureUsageAlert() (*FeatureUsageAlert, error) {
	return decodeAs[FeatureUsageAlert](e, "feature.")
}

// Invoice decodes the invoice of an invoice.* event. It returns
// [ErrEventTypeMismatch] for other event types and [ErrNoData] if there is
// no data.object.
func (e Event) Invoice() (*Invoice, error) {
	return decodeAs[Invoice](e, "invoice.")
}

// Refund decodes the refund of a refund.* event. It returns
// [ErrEventTypeMismatch] for other event types and [ErrNoData] if there is
// no data.object.
func (e Event) Refund() (*Refund, error) {
	return decodeAs[Refund](e, "refund.")
}

// PaymentMethod decodes the payment method of a payment_method.* event. It
// returns [ErrEventTypeMismatch] for other event types and [ErrNoData] if
// there is no data.object.
func (e Event) PaymentMethod() (*PaymentMethod, error) {
	return decodeAs[PaymentMethod](e, "payment_method.")
}
