package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// EventType is the type of a webhook event, such as "customer.created".
// Types not listed as constants in this package are still delivered; use
// [EventType.Known] to tell them apart.
type EventType string

// Event types sent by kelviq.
const (
	EventCustomerCreated          EventType = "customer.created"
	EventCustomerUpdated          EventType = "customer.updated"
	EventCheckoutSessionCompleted EventType = "checkout.session.completed"
	EventCheckoutSessionExpired   EventType = "checkout.session.expired"
	EventOrderCreated             EventType = "order.created"
	EventOrderCompleted           EventType = "order.completed"
	EventOrderRefunded            EventType = "order.refunded"
	EventChargeSucceeded          EventType = "charge.succeeded"
	EventChargeFailed             EventType = "charge.failed"
	EventSubscriptionCreated      EventType = "subscription.created"
	EventSubscriptionUpdated      EventType = "subscription.updated"
	EventSubscriptionCanceled     EventType = "subscription.canceled"
	EventSubscriptionRenewed      EventType = "subscription.renewed"
	EventSubscriptionTrialEnding  EventType = "subscription.trial_ending"
	EventInvoicePaid              EventType = "invoice.paid"
	EventInvoicePaymentFailed     EventType = "invoice.payment_failed"
	EventRefundCreated            EventType = "refund.created"
	EventRefundSucceeded          EventType = "refund.succeeded"
	EventRefundFailed             EventType = "refund.failed"
)

// Known reports whether t is one of the event types defined by this
// package.
func (t EventType) Known() bool {
	switch t {
	case EventCustomerCreated, EventCustomerUpdated,
		EventCheckoutSessionCompleted, EventCheckoutSessionExpired,
		EventOrderCreated, EventOrderCompleted, EventOrderRefunded,
		EventChargeSucceeded, EventChargeFailed,
		EventSubscriptionCreated, EventSubscriptionUpdated, EventSubscriptionCanceled,
		EventSubscriptionRenewed, EventSubscriptionTrialEnding,
		EventInvoicePaid, EventInvoicePaymentFailed,
		EventRefundCreated, EventRefundSucceeded, EventRefundFailed:
		return true
	}
	return false
}

// Event is a verified webhook delivery.
type Event struct {
	// ID is the delivery id from the webhook-id header.
	ID string
	// Type is the event type from the body's "type" member (or, if that is
	// absent, "event_type" or "event"). It is empty if the body has none of
	// them as a non-empty string.
	Type EventType
	// Timestamp is the delivery time from the webhook-timestamp header.
	Timestamp time.Time
	// Data is the body's "data" member, or nil if it is absent or null.
	Data json.RawMessage
	// Raw is a copy of the whole verified body.
	Raw json.RawMessage
}

// ErrNoData is returned by [Event.Decode] and the typed accessors when the
// event has no data member.
var ErrNoData = errors.New("webhook: event has no data")

// ErrEventTypeMismatch is returned by a typed accessor such as
// [Event.Customer] when the event type belongs to another resource.
var ErrEventTypeMismatch = errors.New("webhook: event type does not match accessor")

// Decode unmarshals the event's data into v using [encoding/json] rules
// (unknown fields are ignored). It returns [ErrNoData] if there is no data.
func (e Event) Decode(v any) error {
	if len(e.Data) == 0 {
		return ErrNoData
	}
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("webhook: decode data of %q event: %w", e.Type, err)
	}
	return nil
}

func decodeAs[T any](e Event, prefix string) (*T, error) {
	if !strings.HasPrefix(string(e.Type), prefix) {
		return nil, fmt.Errorf("%w: %q is not a %s* event", ErrEventTypeMismatch, e.Type, prefix)
	}
	v := new(T)
	if err := e.Decode(v); err != nil {
		return nil, err
	}
	return v, nil
}

// CustomerData is the data of customer.* events. It holds the common fields
// only; unknown fields are ignored.
type CustomerData struct {
	// ID is the "id" field (in the REST API, the identifier kelviq
	// assigns).
	ID string `json:"id"`
	// CustomerID is the "customer_id" field (in the REST API, the
	// identifier you supply when creating the customer).
	CustomerID string            `json:"customer_id"`
	Name       string            `json:"name"`
	Email      string            `json:"email"`
	Metadata   map[string]string `json:"metadata"`
	CreatedAt  string            `json:"created_at"`
	UpdatedAt  string            `json:"updated_at"`
}

// CheckoutSessionData is the data of checkout.session.* events. It holds
// the common fields only; unknown fields are ignored.
type CheckoutSessionData struct {
	ID             string            `json:"id"`
	CustomerID     string            `json:"customer_id"`
	Email          string            `json:"email"`
	OrderID        string            `json:"order_id"`
	SubscriptionID string            `json:"subscription_id"`
	Status         string            `json:"status"`
	Amount         json.Number       `json:"amount"`
	Currency       string            `json:"currency"`
	Metadata       map[string]string `json:"metadata"`
	CreatedAt      string            `json:"created_at"`
}

// OrderData is the data of order.* events. It holds the common fields only;
// unknown fields are ignored.
type OrderData struct {
	ID         string            `json:"id"`
	CustomerID string            `json:"customer_id"`
	Email      string            `json:"email"`
	Status     string            `json:"status"`
	Amount     json.Number       `json:"amount"`
	Currency   string            `json:"currency"`
	Metadata   map[string]string `json:"metadata"`
	CreatedAt  string            `json:"created_at"`
}

// ChargeData is the data of charge.* events. It holds the common fields
// only; unknown fields are ignored.
type ChargeData struct {
	ID            string            `json:"id"`
	CustomerID    string            `json:"customer_id"`
	OrderID       string            `json:"order_id"`
	Status        string            `json:"status"`
	Amount        json.Number       `json:"amount"`
	Currency      string            `json:"currency"`
	FailureReason string            `json:"failure_reason"`
	Metadata      map[string]string `json:"metadata"`
	CreatedAt     string            `json:"created_at"`
}

// SubscriptionData is the data of subscription.* events. It holds the
// common fields only; unknown fields are ignored.
type SubscriptionData struct {
	ID                 string            `json:"id"`
	CustomerID         string            `json:"customer_id"`
	PlanID             string            `json:"plan_id"`
	Status             string            `json:"status"`
	Amount             json.Number       `json:"amount"`
	Currency           string            `json:"currency"`
	CurrentPeriodStart string            `json:"current_period_start"`
	CurrentPeriodEnd   string            `json:"current_period_end"`
	TrialEnd           string            `json:"trial_end"`
	CanceledAt         string            `json:"canceled_at"`
	Metadata           map[string]string `json:"metadata"`
	CreatedAt          string            `json:"created_at"`
}

// InvoiceData is the data of invoice.* events. It holds the common fields
// only; unknown fields are ignored.
type InvoiceData struct {
	ID             string            `json:"id"`
	CustomerID     string            `json:"customer_id"`
	SubscriptionID string            `json:"subscription_id"`
	Status         string            `json:"status"`
	Amount         json.Number       `json:"amount"`
	Currency       string            `json:"currency"`
	Metadata       map[string]string `json:"metadata"`
	CreatedAt      string            `json:"created_at"`
}

// RefundData is the data of refund.* events. It holds the common fields
// only; unknown fields are ignored.
type RefundData struct {
	ID         string            `json:"id"`
	CustomerID string            `json:"customer_id"`
	ChargeID   string            `json:"charge_id"`
	OrderID    string            `json:"order_id"`
	Status     string            `json:"status"`
	Amount     json.Number       `json:"amount"`
	Currency   string            `json:"currency"`
	Reason     string            `json:"reason"`
	Metadata   map[string]string `json:"metadata"`
	CreatedAt  string            `json:"created_at"`
}

// Customer decodes the data of a customer.* event. It returns
// [ErrEventTypeMismatch] for other event types and [ErrNoData] if there is
// no data.
func (e Event) Customer() (*CustomerData, error) {
	return decodeAs[CustomerData](e, "customer.")
}

// CheckoutSession decodes the data of a checkout.session.* event. It
// returns [ErrEventTypeMismatch] for other event types and [ErrNoData] if
// there is no data.
func (e Event) CheckoutSession() (*CheckoutSessionData, error) {
	return decodeAs[CheckoutSessionData](e, "checkout.session.")
}

// Order decodes the data of an order.* event. It returns
// [ErrEventTypeMismatch] for other event types and [ErrNoData] if there is
// no data.
func (e Event) Order() (*OrderData, error) {
	return decodeAs[OrderData](e, "order.")
}

// Charge decodes the data of a charge.* event. It returns
// [ErrEventTypeMismatch] for other event types and [ErrNoData] if there is
// no data.
func (e Event) Charge() (*ChargeData, error) {
	return decodeAs[ChargeData](e, "charge.")
}

// Subscription decodes the data of a subscription.* event. It returns
// [ErrEventTypeMismatch] for other event types and [ErrNoData] if there is
// no data.
func (e Event) Subscription() (*SubscriptionData, error) {
	return decodeAs[SubscriptionData](e, "subscription.")
}

// Invoice decodes the data of an invoice.* event. It returns
// [ErrEventTypeMismatch] for other event types and [ErrNoData] if there is
// no data.
func (e Event) Invoice() (*InvoiceData, error) {
	return decodeAs[InvoiceData](e, "invoice.")
}

// Refund decodes the data of a refund.* event. It returns
// [ErrEventTypeMismatch] for other event types and [ErrNoData] if there is
// no data.
func (e Event) Refund() (*RefundData, error) {
	return decodeAs[RefundData](e, "refund.")
}
