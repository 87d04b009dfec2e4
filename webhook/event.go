package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// EventType is the type of a webhook event, such as "customer.created".
// Types not listed as constants in this package are still delivered; use
// [EventType.Known] to tell them apart.
type EventType string

// Event types documented by kelviq. The part before the dot names the
// resource carried in the event's data.object and the accessor that
// decodes it.
const (
	// EventCheckoutCompleted is sent when a customer completes a checkout
	// session and pays ([Event.CheckoutSession]).
	EventCheckoutCompleted EventType = "checkout.completed"

	// Customer events ([Event.Customer]). customer.updated carries the
	// changed attributes' earlier values ([Event.DecodePrevious]).
	EventCustomerCreated EventType = "customer.created"
	EventCustomerUpdated EventType = "customer.updated"

	// Order events ([Event.Order]). order.refunded is sent when an order
	// is refunded in full or in part.
	EventOrderCreated  EventType = "order.created"
	EventOrderUpdated  EventType = "order.updated"
	EventOrderRefunded EventType = "order.refunded"

	// Subscription events ([Event.Subscription]). Note the British
	// spelling of subscription.cancelled; the status of such a
	// subscription is spelled "canceled".
	EventSubscriptionCreated     EventType = "subscription.created"
	EventSubscriptionUpdated     EventType = "subscription.updated"
	EventSubscriptionCancelled   EventType = "subscription.cancelled"
	EventSubscriptionPlanChanged EventType = "subscription.plan_changed"

	// EventFeatureUsageAlert is sent when a customer's usage of a feature
	// reaches an alert threshold ([Event.FeatureUsageAlert]).
	EventFeatureUsageAlert EventType = "feature.usage_alert"

	// Invoice events ([Event.Invoice]). invoice.payment_failed is sent
	// when a subscription invoice's payment fails or needs the customer to
	// act; an invoice.paid may follow.
	EventInvoiceCreated       EventType = "invoice.created"
	EventInvoicePaid          EventType = "invoice.paid"
	EventInvoicePaymentFailed EventType = "invoice.payment_failed"

	// Refund events ([Event.Refund]). refund.updated is sent when a
	// refund's status changes.
	EventRefundCreated EventType = "refund.created"
	EventRefundUpdated EventType = "refund.updated"

	// Payment method events ([Event.PaymentMethod]).
	EventPaymentMethodCreated EventType = "payment_method.created"
	EventPaymentMethodUpdated EventType = "payment_method.updated"
	EventPaymentMethodDeleted EventType = "payment_method.deleted"
)

// eventTypes is every event type documented by kelviq, in its guide's order.
var eventTypes = [...]EventType{
	EventCheckoutCompleted,
	EventCustomerCreated, EventCustomerUpdated,
	EventOrderCreated, EventOrderUpdated, EventOrderRefunded,
	EventSubscriptionCreated, EventSubscriptionUpdated,
	EventSubscriptionCancelled, EventSubscriptionPlanChanged,
	EventFeatureUsageAlert,
	EventInvoiceCreated, EventInvoicePaid, EventInvoicePaymentFailed,
	EventRefundCreated, EventRefundUpdated,
	EventPaymentMethodCreated, EventPaymentMethodUpdated, EventPaymentMethodDeleted,
}

// EventTypes returns every event type documented by kelviq, that is every
// type for which [EventType.Known] reports true, in the order of kelviq's
// webhook guide. Each call returns a new slice.
func EventTypes() []EventType { return slices.Clone(eventTypes[:]) }

// Known reports whether t is one of the event types kelviq documents
// (the constants of this package, as listed by [EventTypes]). The
// comparison is exact and case-sensitive.
func (t EventType) Known() bool { return slices.Contains(eventTypes[:], t) }

// Event is a verified webhook delivery.
//
// The body kelviq sends looks like
//
//	{"id": "...", "type": "order.created", "created_at": "2026-01-02T03:04:05Z",
//	 "data": {"object": {...}, "previous_attributes": {...}}}
//
// where data.object is the resource the event is about and
// data.previous_attributes, sent with some update events only, holds
// earlier values of the attributes that changed.
type Event struct {
	// ID is the delivery id from the webhook-id header. kelviq repeats it
	// as the body's "id" member.
	ID string
	// Type is the event type from the body's "type" member (or, if that is
	// absent, "event_type" or "event"). It is empty if the body has none of
	// them as a non-empty string.
	Type EventType
	// Timestamp is the delivery time from the webhook-timestamp header.
	Timestamp time.Time
	// CreatedAt is when kelviq created the event, from the body's
	// "created_at" member (RFC 3339). It is the zero time when the member
	// is absent or is not an RFC 3339 string; that is not an error.
	CreatedAt time.Time
	// Data is the body's whole "data" member, or nil if it is absent or
	// null.
	Data json.RawMessage
	// Object is data.object, the resource the event is about, or nil if
	// data is not an object or has no non-null "object" member.
	Object json.RawMessage
	// PreviousAttributes is data.previous_attributes, or nil if it is
	// absent or null (kelviq sends it with some update events only).
	PreviousAttributes json.RawMessage
	// Raw is a copy of the whole verified body.
	Raw json.RawMessage
}

// ErrNoData is returned by [Event.Decode] and the typed accessors when the
// event has no data.object, and by [Event.DecodePrevious] when it has no
// data.previous_attributes.
var ErrNoData = errors.New("webhook: event has no data")

// ErrEventTypeMismatch is returned by a typed accessor such as
// [Event.Customer] when the event type belongs to another resource.
var ErrEventTypeMismatch = errors.New("webhook: event type does not match accessor")

// Decode unmarshals the event's resource ([Event.Object], the data.object
// member) into v using [encoding/json] rules (unknown fields are ignored).
// It returns [ErrNoData] if there is no data.object. Use it with your own
// type for fields the typed resources of this package do not have, or
// for event types this package does not know.
func (e Event) Decode(v any) error {
	if len(e.Object) == 0 {
		return fmt.Errorf("%w: no data.object", ErrNoData)
	}
	if err := json.Unmarshal(e.Object, v); err != nil {
		return fmt.Errorf("webhook: decode data.object of %q event: %w", e.Type, err)
	}
	return nil
}

// DecodePrevious unmarshals data.previous_attributes ([Event.PreviousAttributes])
// into v using [encoding/json] rules. It usually holds only the attributes
// that changed, so decode it into a type whose zero values you can tell
// apart, or into a map; for some events kelviq sends the whole earlier
// resource, which the same resource type decodes. It returns [ErrNoData]
// if the event has no previous_attributes.
func (e Event) DecodePrevious(v any) error {
	if len(e.PreviousAttributes) == 0 {
		return fmt.Errorf("%w: no data.previous_attributes", ErrNoData)
	}
	if err := json.Unmarshal(e.PreviousAttributes, v); err != nil {
		return fmt.Errorf("webhook: decode data.previous_attributes of %q event: %w", e.Type, err)
	}
	return nil
}

// decodeAs decodes data.object into a new T if the event type starts with
// prefix (the resource's namespace, such as "order.").
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
