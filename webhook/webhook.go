// Package webhook verifies and decodes webhook deliveries sent by kelviq.
//
// Every delivery carries three headers:
//
//	webhook-id:        unique delivery id
//	webhook-timestamp: Unix time in seconds (decimal)
//	webhook-signature: v1,<hex> [v1,<hex> ...]
//
// The signature is the lowercase hex HMAC-SHA256 of the bytes
// "{id}.{timestamp}.{raw body}", keyed with the whole signing secret
// (including its "kq_whsec_" prefix) used as raw bytes. Several
// space-separated entries may be present while a secret is being rotated;
// a delivery is accepted when any "v1" entry matches. Entries with other
// version prefixes are ignored.
//
// Use [Verify] when you already have the raw body and headers, or
// [NewHandler] to get a [net/http.Handler] that reads, verifies and
// dispatches deliveries. Always verify the raw body exactly as received:
// re-encoding parsed JSON changes the bytes and breaks the signature.
//
// # Event payloads
//
// [Verify] decodes the envelope kelviq sends:
//
//	{"id": "<same as webhook-id>", "type": "subscription.created",
//	 "created_at": "2026-01-02T03:04:05Z",
//	 "data": {"object": {"object": "subscription", "id": "...", ...},
//	          "previous_attributes": {...}}}
//
// data.object is the resource the event is about; its "object" member
// names the kind of resource ("customer", "order", "subscription",
// "invoice", "refund", "checkout_session", "payment_method",
// "feature_usage_alert"). Update events may also carry
// data.previous_attributes, the earlier values of the attributes that
// changed. The returned [Event] exposes them as [Event.Object] and
// [Event.PreviousAttributes], the envelope's created_at as
// [Event.CreatedAt], and keeps the whole data member and body.
//
// The event types kelviq documents are the EventType constants, listed by
// [EventTypes]. Each typed accessor checks that the event type belongs to
// its resource (the part before the dot) and decodes data.object:
// [Event.CheckoutSession] for checkout.*, [Event.Customer] for customer.*,
// [Event.Order], [Event.Subscription], [Event.FeatureUsageAlert] for
// feature.*, [Event.Invoice], [Event.Refund] and [Event.PaymentMethod] for
// payment_method.*. Use [Event.Decode] and [Event.DecodePrevious] with
// your own types, or [Event.Raw], for anything else. Unknown event types
// are delivered like known ones, with their object left raw.
//
// The resource types ([Customer], [Order], ...) hold the fields of kelviq's
// documented example payloads; unknown fields are ignored and missing or
// null ones are left zero. Conventions:
//
//   - Amounts are decimal strings such as "10.00", decoded into
//     [encoding/json.Number], which accepts a JSON string or number and
//     keeps the digits exactly. Each amount has an integer companion
//     ending in "Units" holding the same value in the currency's minor
//     unit (cents for USD).
//   - Times (CreatedOn, PaidAt, BillingPeriodEndTime, ...) and dates
//     (StartDate, DueDate, ...) are kept as the strings kelviq sent (RFC
//     3339 times and YYYY-MM-DD dates in the documented examples); parse
//     them with [time.Parse] when needed. A null date or time, which kelviq
//     sends for one that is not set, leaves the field empty.
//   - Status values are plain strings, in kelviq's own spelling: for
//     example "active" or "canceled" for a subscription, "COMPLETE" or
//     "REFUNDED" for an order.
//
// A field whose JSON does not fit its Go type makes the accessor return an
// error; [Event.Decode] into a type of your own still works then.
//
// The package has no global state; all functions and [Handler] values are
// safe for concurrent use.
package webhook

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names used by kelviq webhook deliveries.
const (
	// HeaderID is the header carrying the unique delivery id.
	HeaderID = "webhook-id"
	// HeaderTimestamp is the header carrying the delivery time as decimal
	// Unix seconds.
	HeaderTimestamp = "webhook-timestamp"
	// HeaderSignature is the header carrying one or more space-separated
	// "v1,<hex>" signatures.
	HeaderSignature = "webhook-signature"
)

// DefaultTolerance is the maximum allowed difference between the
// webhook-timestamp header and the current time, in either direction,
// unless changed with [WithTolerance].
const DefaultTolerance = 300 * time.Second

// DefaultMaxBodyBytes is the largest request body [NewHandler] reads unless
// changed with [WithMaxBodyBytes].
const DefaultMaxBodyBytes int64 = 1 << 20

// signatureVersion is the only signature scheme this package understands.
const signatureVersion = "v1"

// MaxSignatures is how many space-separated entries the signature header
// may hold (all its values together): a sender signs with one secret, or
// a few while it rotates them. A header with more is [ErrMalformedHeader]
// before any entry is decoded or compared, so that a header stuffed with
// thousands of candidates costs no more than one with a few.
const MaxSignatures = 16

// Errors returned by [Verify] (usually wrapped with more detail; test them
// with [errors.Is]). No error produced by this package contains the secret
// or the expected signature.
var (
	// ErrEmptySecret is returned when the signing secret is empty.
	ErrEmptySecret = errors.New("webhook: empty signing secret")

	// ErrInvalidOption is returned by [Verify] and [NewHandler] when an
	// option was given an invalid value; the message names the option.
	ErrInvalidOption = errors.New("webhook: invalid option")

	// ErrMissingHeader is returned when webhook-id, webhook-timestamp or
	// webhook-signature is absent or empty. The returned error names the
	// header.
	ErrMissingHeader = errors.New("webhook: missing header")

	// ErrMalformedHeader is returned when a header is present but
	// syntactically invalid: a timestamp that is not plain decimal digits
	// or does not fit in an int64, a repeated webhook-id or
	// webhook-timestamp header, or (when no entry matched) a signature
	// entry without a "version," prefix or a v1 entry that is not 64 hex
	// digits.
	ErrMalformedHeader = errors.New("webhook: malformed header")

	// ErrInvalidSignature is returned when no v1 signature matches the
	// payload under the given secret (wrong secret, tampered body or
	// headers, or no v1 entry at all).
	ErrInvalidSignature = errors.New("webhook: invalid signature")

	// ErrStaleTimestamp is matched (via errors.Is) by both
	// [ErrTimestampTooOld] and [ErrTimestampTooNew].
	ErrStaleTimestamp = errors.New("webhook: timestamp outside tolerance")

	// ErrTimestampTooOld is returned when the signature is valid but the
	// timestamp is further in the past than the tolerance allows (for
	// example a replayed delivery, or a slow clock on this host).
	ErrTimestampTooOld = fmt.Errorf("%w: too old", ErrStaleTimestamp)

	// ErrTimestampTooNew is returned when the signature is valid but the
	// timestamp is further in the future than the tolerance allows
	// (usually clock skew).
	ErrTimestampTooNew = fmt.Errorf("%w: too new", ErrStaleTimestamp)

	// ErrMalformedPayload is returned when the signature and timestamp
	// are valid but the body is not a JSON object.
	ErrMalformedPayload = errors.New("webhook: malformed payload")
)

// Option configures [Verify] and [NewHandler].
type Option func(*config)

type config struct {
	tolerance    time.Duration
	now          func() time.Time
	maxBodyBytes int64
	replay       ReplayStore // nil: no replay guard
	err          error       // the first invalid option, if any
}

func newConfig(opts []Option) (config, error) {
	c := config{
		tolerance:    DefaultTolerance,
		now:          time.Now,
		maxBodyBytes: DefaultMaxBodyBytes,
	}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c, c.err
}

func (c *config) fail(option, rule string) {
	if c.err == nil {
		c.err = fmt.Errorf("%w: %s %s", ErrInvalidOption, option, rule)
	}
}

// WithTolerance sets the maximum allowed distance between the
// webhook-timestamp header and the current time, in both directions
// (default [DefaultTolerance]). A timestamp exactly d away is accepted.
// The check cannot be disabled: d must be greater than zero, otherwise
// Verify and NewHandler fail with [ErrInvalidOption].
func WithTolerance(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.fail("WithTolerance", "requires a positive duration")
			return
		}
		c.tolerance = d
	}
}

// WithNow sets the clock used for the timestamp check (default
// [time.Now]). It is meant for tests. A nil now is an [ErrInvalidOption].
func WithNow(now func() time.Time) Option {
	return func(c *config) {
		if now == nil {
			c.fail("WithNow", "requires a non-nil function")
			return
		}
		c.now = now
	}
}

// WithMaxBodyBytes sets the largest request body, in bytes, that the
// [Handler] returned by [NewHandler] accepts (default
// [DefaultMaxBodyBytes]); larger bodies get 413. [Verify]
// ignores this option. A size that is not positive is an [ErrInvalidOption].
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) {
		if n <= 0 {
			c.fail("WithMaxBodyBytes", "requires a positive size")
			return
		}
		c.maxBodyBytes = n
	}
}

// Sign returns the webhook-signature header value ("v1,<hex>") that kelviq
// would send for payload with the given delivery id and timestamp. The
// timestamp is truncated to whole seconds, as in the webhook-timestamp
// header (format it with strconv.FormatInt(ts.Unix(), 10)).
//
// Sign is useful for testing your own webhook endpoints. It does not reject
// an empty secret, but [Verify] does.
func Sign(secret, id string, ts time.Time, payload []byte) string {
	mac := computeMAC(secret, id, strconv.FormatInt(ts.Unix(), 10), payload)
	return signatureVersion + "," + hex.EncodeToString(mac)
}

// computeMAC returns HMAC-SHA256(secret, id "." timestamp "." payload).
// timestamp is used verbatim, exactly as it appeared in the header.
func computeMAC(secret, id, timestamp string, payload []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(payload)
	return m.Sum(nil)
}

// Verify checks that payload (the raw request body) and headers form an
// authentic kelviq delivery signed with secret, and decodes its envelope.
//
// The checks, in order: the secret is not empty ([ErrEmptySecret]); the
// three webhook headers are present ([ErrMissingHeader]) and well formed
// ([ErrMalformedHeader]); some v1 signature matches ([ErrInvalidSignature]);
// the timestamp is within the tolerance ([ErrTimestampTooOld],
// [ErrTimestampTooNew]); the body is a JSON object ([ErrMalformedPayload]).
// Because the signature is checked before the timestamp, a timestamp error
// means the delivery was authentic but stale or the clocks disagree.
//
// Header names are matched case-insensitively. Header values are used
// verbatim (they are part of the signed bytes). Signature hex may be in
// either case. Signatures are compared in constant time.
//
// On success the returned Event holds the delivery id and timestamp from
// the headers; the event type, creation time, data, data.object and
// data.previous_attributes from the body; and a copy of the whole body
// (see "Event payloads" in the package documentation). An unknown or
// missing event type, or a body without those members, is not an error.
func Verify(payload []byte, headers http.Header, secret string, opts ...Option) (Event, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return Event{}, err
	}
	return verify(payload, headers, secret, cfg)
}

func verify(payload []byte, headers http.Header, secret string, cfg config) (Event, error) {
	if secret == "" {
		return Event{}, ErrEmptySecret
	}

	id, err := singleHeader(headers, HeaderID)
	if err != nil {
		return Event{}, err
	}
	tsText, err := singleHeader(headers, HeaderTimestamp)
	if err != nil {
		return Event{}, err
	}
	sigValues := headerValues(headers, HeaderSignature)
	if strings.TrimSpace(strings.Join(sigValues, "")) == "" {
		return Event{}, &missingHeaderError{HeaderSignature}
	}

	sec, err := parseTimestamp(tsText)
	if err != nil {
		return Event{}, err
	}

	expected := computeMAC(secret, id, tsText, payload)
	if err := matchSignature(sigValues, expected); err != nil {
		return Event{}, err
	}

	ts := time.Unix(sec, 0)
	now := cfg.now()
	age := now.Sub(ts) // saturates for extreme values
	switch {
	case age > cfg.tolerance:
		return Event{}, fmt.Errorf("%w (%s in the past, tolerance %s)", ErrTimestampTooOld, age, cfg.tolerance)
	case age < -cfg.tolerance:
		return Event{}, fmt.Errorf("%w (%s in the future, tolerance %s)", ErrTimestampTooNew, -age, cfg.tolerance)
	}

	e, err := parseEnvelope(payload)
	if err != nil {
		return Event{}, err
	}
	e.ID = id
	e.Timestamp = ts
	return e, nil
}

// headerValues returns all values of the named header, matching the name
// case-insensitively (so hand-built, non-canonical header maps work too).
func headerValues(h http.Header, name string) []string {
	var vals []string
	for k, v := range h {
		if strings.EqualFold(k, name) {
			vals = append(vals, v...)
		}
	}
	return vals
}

// missingHeaderError names the missing header; it matches ErrMissingHeader.
type missingHeaderError struct{ name string }

func (e *missingHeaderError) Error() string { return ErrMissingHeader.Error() + ": " + e.name }
func (e *missingHeaderError) Unwrap() error { return ErrMissingHeader }

// singleHeader returns the only non-empty value of the named header.
func singleHeader(h http.Header, name string) (string, error) {
	var val string
	n := 0
	for _, v := range headerValues(h, name) {
		if v == "" {
			continue
		}
		val = v
		n++
	}
	switch n {
	case 0:
		return "", &missingHeaderError{name}
	case 1:
		return val, nil
	default:
		return "", fmt.Errorf("%w: %s appears %d times", ErrMalformedHeader, name, n)
	}
}

// parseTimestamp parses a webhook-timestamp value: decimal digits only.
// The value itself is not echoed in errors.
func parseTimestamp(s string) (int64, error) {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%w: %s is not decimal Unix seconds", ErrMalformedHeader, HeaderTimestamp)
		}
	}
	sec, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %s is out of range", ErrMalformedHeader, HeaderTimestamp)
	}
	return sec, nil
}

// matchSignature reports nil if any v1 entry in the signature header values
// equals expected. Otherwise it reports ErrMalformedHeader if any entry was
// syntactically invalid, else ErrInvalidSignature.
func matchSignature(values []string, expected []byte) error {
	var entries []string
	for _, v := range values {
		for entry := range strings.FieldsSeq(v) {
			if len(entries) == MaxSignatures {
				return fmt.Errorf("%w: %s has more than %d entries", ErrMalformedHeader, HeaderSignature, MaxSignatures)
			}
			entries = append(entries, entry)
		}
	}
	var malformed, sawV1 bool
	for _, entry := range entries {
		version, sig, ok := strings.Cut(entry, ",")
		if !ok || version == "" {
			malformed = true
			continue
		}
		if version != signatureVersion {
			continue // other schemes are ignored
		}
		sawV1 = true
		if len(sig) != hex.EncodedLen(sha256.Size) {
			malformed = true
			continue
		}
		got, err := hex.DecodeString(sig)
		if err != nil {
			malformed = true
			continue
		}
		if hmac.Equal(got, expected) {
			return nil
		}
	}
	switch {
	case malformed:
		return fmt.Errorf("%w: %s has an entry that is not \"version,signature\" or a v1 signature that is not %d hex digits",
			ErrMalformedHeader, HeaderSignature, hex.EncodedLen(sha256.Size))
	case !sawV1:
		return fmt.Errorf("%w: no v1 signature in %s", ErrInvalidSignature, HeaderSignature)
	default:
		return ErrInvalidSignature
	}
}

// typeKeys are the envelope keys tried, in order, for the event type.
var typeKeys = [...]string{"type", "event_type", "event"}

// parseEnvelope decodes the body leniently: it must be a JSON object; the
// type is the first of typeKeys holding a non-empty JSON string; data is
// the "data" member unless absent or null; object and previous_attributes
// are taken from data when it is an object and they are not null;
// created_at is used when it is an RFC 3339 string. Nothing but the body
// not being a JSON object is an error.
func parseEnvelope(payload []byte) (Event, error) {
	trimmed := bytes.TrimLeft(payload, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return Event{}, fmt.Errorf("%w: body is not a JSON object", ErrMalformedPayload)
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(payload, &members); err != nil {
		return Event{}, fmt.Errorf("%w: body is not a JSON object", ErrMalformedPayload)
	}

	var e Event
	for _, k := range typeKeys {
		raw, ok := members[k]
		if !ok {
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) == nil && s != "" {
			e.Type = EventType(s)
			break
		}
	}
	if raw, ok := members["created_at"]; ok {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if t, err := time.Parse(time.RFC3339, s); err == nil {
				e.CreatedAt = t
			}
		}
	}
	if raw, ok := members["data"]; ok && !isNull(raw) {
		e.Data = raw
		var data map[string]json.RawMessage
		if json.Unmarshal(raw, &data) == nil {
			if obj, ok := data["object"]; ok && !isNull(obj) {
				e.Object = obj
			}
			if prev, ok := data["previous_attributes"]; ok && !isNull(prev) {
				e.PreviousAttributes = prev
			}
		}
	}
	e.Raw = bytes.Clone(payload)
	return e, nil
}

// isNull reports whether raw, a member value from encoding/json, is null.
func isNull(raw json.RawMessage) bool {
	return string(raw) == "null"
}
