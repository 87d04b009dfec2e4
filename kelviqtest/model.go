package kelviqtest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kelviq/kelviq-go/internal/fakeapi"
)

// obj is a JSON object as the fake builds its responses and webhook payloads.
type obj = map[string]any

// The fake's money: amounts are kept in minor units (cents) of one currency.
const (
	defaultCurrency = "USD"
	currencySymbol  = "$"
)

// money writes minor units as the API's decimal text, e.g. 2900 → "29.00".
func money(units int64) string {
	sign := ""
	if units < 0 {
		sign, units = "-", -units
	}
	return fmt.Sprintf("%s%d.%02d", sign, units/100, units%100)
}

// decimal is money as a JSON number (format: decimal fields).
func decimal(units int64) json.Number { return json.Number(money(units)) }

// parseMoney reads an amount given as a JSON number or a decimal string
// (e.g. 29, 29.5, "29.00") into minor units.
func parseMoney(v any) (int64, bool) {
	var s string
	switch x := v.(type) {
	case float64:
		return int64(x*100 + 0.5), x >= 0
	case json.Number:
		s = x.String()
	case string:
		s = x
	default:
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 0 {
		return 0, false
	}
	return int64(f*100 + 0.5), true
}

func rfc3339(t time.Time) string  { return t.UTC().Format(time.RFC3339Nano) }
func dateOnly(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// cloneMap deep-copies a JSON object: its nested objects and lists are
// copied, its other values (strings, numbers, booleans, nil) shared.
func cloneMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = cloneValue(v)
	}
	return out
}

// cloneValue is v with its objects and lists deep-copied (see cloneMap).
func cloneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return cloneMap(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneValue(e)
		}
		return out
	case []map[string]any:
		out := make([]map[string]any, len(x))
		for i, e := range x {
			out[i] = cloneMap(e)
		}
		return out
	}
	return v
}

// subscription is a customer's subscription to a plan version, or a one-time
// purchase of it (billingType ONE_TIME), which grants its features for good.
type subscription struct {
	id                 openapi_types.UUID
	externalID         string
	customerID         string
	plan               string // plan identifier
	version            int
	chargePeriod       string
	billingType        string // SUBSCRIPTION or ONE_TIME
	status             string // active, canceled
	amountUnits        int64
	currency           string
	created            time.Time
	periodStart        time.Time
	periodEnd          time.Time
	endDate            *time.Time // the day access ends, once cancelled
	canceledAt         *time.Time
	cancellationReason string
	feedback           string
	comment            string
	features           []obj // FeatureInput quantities asked for
	orderID            string
	dunning            *dunning // while past_due
}

// grants reports whether the subscription gives access at t.
func (s *subscription) grants(t time.Time) bool {
	// past_due keeps access while kelviq retries the payment (the guide:
	// access is the merchant's call until the final status).
	if s.status != "active" && s.status != "past_due" {
		return false
	}
	return s.endDate == nil || t.Before(*s.endDate)
}

// checkoutSession is a checkout started with createCheckoutSession; it is
// open until completed (CompleteCheckout, or its checkout link).
type checkoutSession struct {
	id           string
	customerID   string // may be empty until completed
	plan         string
	version      int
	chargePeriod string
	successURL   string
	cancelURL    string
	metadata     map[string]any
	features     []obj
	discountCode string
	// discountsEnabled is whether the page offers a discount code field
	// (discountsEnabled; true unless the request said false).
	discountsEnabled bool
	status           string // open, success
	amountUnits      int64  // what the completed checkout charged
	currency         string
	custom           *customPrice // customAmount, when given
	taxBehavior      string       // with customAmount
	created          time.Time
	orderID          string
	subID            *openapi_types.UUID
	events           []obj
}

// customPrice is a checkout's customAmount and currencyCode.
type customPrice struct {
	units    int64
	currency string
}

// order is a paid order: a completed checkout or a one-time charge.
type order struct {
	id            string
	customerID    string
	plan          string
	version       int
	product       openapi_types.UUID
	billingType   string
	status        string
	created       time.Time
	paidAt        time.Time
	totalUnits    int64
	refundedUnits int64
	currency      string
	subID         *openapi_types.UUID
	invoiceID     string
	events        []obj
	isRenewal     bool
}

// transaction is money moving: a charge for an order or a refund of one.
type transaction struct {
	id      openapi_types.UUID
	orderID string
	kind    string // CHARGE or REFUND
	units   int64  // positive for a charge, negative for a refund
	created time.Time
}

// refund is money given back against an order.
type refund struct {
	id       openapi_types.UUID
	orderID  string
	units    int64
	reason   string // "" when none was given
	note     *string
	created  time.Time
	currency string
	status   string // PROCESSING, then SUCCEEDED
}

// paymentMethod is the card a customer paid with at checkout.
type paymentMethod struct {
	id         int
	customerID string
	created    time.Time
	last4      string
	brand      string
}

// license is a license key issued with a subscription to a plan whose
// license settings are enabled.
type license struct {
	id         openapi_types.UUID
	key        string
	customerID string
	plan       string
	version    int
	subID      *openapi_types.UUID
	limit      int  // activation limit
	limited    bool // whether the limit is enforced
	created    time.Time
	expires    *time.Time
	enabled    bool
	instances  []*licenseInstance
	activated  *time.Time
}

// licenseInstance is one activation of a license.
type licenseInstance struct {
	id       openapi_types.UUID
	name     string
	metadata map[string]any
	at       time.Time
}

// Promotion is a promotion getPromotion returns, added with AddPromotion.
type Promotion struct {
	// ID is what getPromotion's promotion_id names.
	ID string
	// Code is the discount code, e.g. "SPRING20".
	Code string
	// Country and CountryCode say where it applies, e.g. "Germany", "DE".
	Country, CountryCode string
	// Percentage is the discount, e.g. 20 for 20 %.
	Percentage float64
	// Message is the banner text.
	Message string
}

// webhookLog is one delivery attempt of an event to the endpoint.
type webhookLog struct {
	id          openapi_types.UUID
	eventID     openapi_types.UUID
	endpoint    openapi_types.UUID
	eventType   string
	statusCode  int // 0: no response
	success     bool
	retries     int // attempts before this one
	lastAttempt time.Time
	created     time.Time // the event's
	payload     []byte    // the body sent
}

// ---- lookups; the caller holds the state's lock ----

func (o *org) customer(id string) *fakeapi.CustomerResponse { return o.customers.get(id) }

func (o *org) featureByIdentifier(ident string) *feature {
	for _, f := range o.features.all() {
		if deref(f.data.Identifier) == ident {
			return f
		}
	}
	return nil
}

// liveVersion is the plan's published version.
func (p *plan) liveVersion() *planVersion {
	for _, v := range p.versions {
		if v.status == planPublished {
			return v
		}
	}
	return nil
}

// periodEnd is when a billing period that starts at t ends: its
// recurrence later (a ONE_TIME period ends as it starts).
func periodEnd(t time.Time, chargePeriod string) time.Time {
	_, kind, n := recurrence(chargePeriod)
	if kind == "" {
		return t
	}
	return after(t, kind, n)
}

// after is t plus n units of "DAY", "WEEK", "MONTH" or "YEAR" (any other
// unit counts as a month).
func after(t time.Time, unit string, n int) time.Time {
	switch unit {
	case "DAY":
		return t.AddDate(0, 0, n)
	case "WEEK":
		return t.AddDate(0, 0, 7*n)
	case "YEAR":
		return t.AddDate(n, 0, 0)
	}
	return t.AddDate(0, n, 0)
}

// recurrence is the words the API uses for a charge period: its recurrence
// ("month"), recurrenceType ("MONTH") and recurrenceUnit (1).
func recurrence(chargePeriod string) (word, kind string, unit int) {
	switch chargePeriod {
	case "DAILY":
		return "day", "DAY", 1
	case "WEEKLY":
		return "week", "WEEK", 1
	case "TWENTY_EIGHT_DAYS":
		return "28 days", "DAY", 28
	case "THREE_MONTHS", "QUARTERLY":
		return "3 months", "MONTH", 3
	case "SIX_MONTHS":
		return "6 months", "MONTH", 6
	case "YEARLY":
		return "year", "YEAR", 1
	case "ONE_TIME":
		return "one time", "", 0
	}
	return "month", "MONTH", 1
}

// planChargePeriod maps a checkout charge period onto the periods plan
// prices are set for.
func planChargePeriod(chargePeriod string) string {
	switch chargePeriod {
	case "THREE_MONTHS":
		return "QUARTERLY"
	case "WEEKLY", "TWENTY_EIGHT_DAYS", "SIX_MONTHS":
		return "MONTHLY"
	}
	return chargePeriod
}

// price is what a plan version costs for a charge period: the sum of the
// flat amounts of its base charges (chargeCatalogPrice entries without a
// feature) in its first enabled price, in minor units. A plan without a
// price for the period costs nothing.
func (v *planVersion) price(chargePeriod string) (int64, string) {
	want := planChargePeriod(chargePeriod)
	for _, pr := range v.prices {
		if en, ok := pr["enabled"].(bool); ok && !en {
			continue
		}
		cur, _ := pr["currency"].(string)
		if cur == "" {
			cur = defaultCurrency
		}
		var total int64
		found := false
		ccps, _ := pr["chargeCatalogPrice"].([]any)
		for _, c := range ccps {
			ccp, _ := c.(map[string]any)
			if ccp == nil || (ccp["feature"] != nil) {
				continue
			}
			charges, _ := ccp["charges"].([]any)
			for _, ch := range charges {
				charge, _ := ch.(map[string]any)
				if charge == nil || charge["chargePeriod"] != want {
					continue
				}
				found = true
				total += chargeAmount(charge)
			}
		}
		if found {
			return total, strings.ToUpper(cur)
		}
	}
	return 0, defaultCurrency
}

// chargeAmount reads a charge's flat amount: priceData.amount (or
// unitAmount, or price), else the first tier's flatAmount.
func chargeAmount(charge map[string]any) int64 {
	if pd, ok := charge["priceData"].(map[string]any); ok {
		for _, k := range []string{"amount", "unitAmount", "price"} {
			if u, ok := parseMoney(pd[k]); ok {
				return u
			}
		}
	}
	if tiers, ok := charge["tiers"].([]any); ok && len(tiers) > 0 {
		if t, ok := tiers[0].(map[string]any); ok {
			if u, ok := parseMoney(t["flatAmount"]); ok {
				return u
			}
		}
	}
	return 0
}
