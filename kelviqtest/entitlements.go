package kelviqtest

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/kelviq/kelviq-go/internal/fakeapi"
)

// entitlement is what a customer may use of one feature, summed over the
// plans of their subscriptions that grant access now.
type entitlement struct {
	feature   *feature
	unlimited bool
	limit     int64 // summed entitlement values (METER, CUSTOMIZABLE)
	hard      bool  // any granting plan sets hardLimit
	enabled   bool  // a BOOLEAN feature with a true (or no) value
	resetAt   time.Time
	reset     bool
}

// entitlements computes a customer's entitlements from the features of the
// plan versions they subscribe to, in catalog order. The caller holds the
// lock.
func (o *org) entitlements(customerID string, t time.Time) []*entitlement {
	byFeature := map[string]*entitlement{}
	var order []string
	for _, s := range o.subscriptions.all() {
		if s.customerID != customerID || !s.grants(t) {
			continue
		}
		_, v := o.planVersion(s.plan, s.version)
		if v == nil {
			continue
		}
		for _, pf := range v.features {
			f := o.features.get(pf.feature)
			if f == nil {
				continue
			}
			key := pf.feature.String()
			e := byFeature[key]
			if e == nil {
				e = &entitlement{feature: f}
				byFeature[key] = e
				order = append(order, key)
			}
			if pf.details["hasUnlimitedUsage"] == true {
				e.unlimited = true
			}
			if pf.details["hardLimit"] == true {
				e.hard = true
			}
			switch val := pf.details["value"]; {
			case val == nil:
				e.enabled = true
			default:
				n, ok := intValue(val)
				if b, isBool := val.(bool); isBool {
					e.enabled = e.enabled || b
				} else if ok {
					e.limit = addSaturating(e.limit, n)
					e.enabled = true
				}
			}
			if r, _ := pf.details["reset"].(string); r != "" && r != "NEVER" && s.billingType == "SUBSCRIPTION" {
				e.reset = true
				if e.resetAt.IsZero() || s.periodEnd.Before(e.resetAt) {
					e.resetAt = s.periodEnd
				}
			}
		}
	}
	out := make([]*entitlement, 0, len(order))
	for _, k := range order {
		out = append(out, byFeature[k])
	}
	return out
}

// detail is the EntitlementDetail object for a customer's usage.
func (e *entitlement) detail(usage int64) obj {
	kind := string(deref(e.feature.data.FeatureType))
	out := obj{
		"featureId":    deref(e.feature.data.Identifier),
		"featureType":  kind,
		"resetAt":      "",
		"hardLimit":    nil,
		"usageLimit":   nil,
		"currentUsage": nil,
		"remaining":    nil,
	}
	if e.reset {
		// The reference: yyyy-MM-dd HH:mm:ss, not ISO 8601.
		out["resetAt"] = e.resetAt.UTC().Format(time.DateTime)
	}
	if kind == "BOOLEAN" {
		out["hasAccess"] = e.enabled
		return out
	}
	out["currentUsage"] = clampInt32(usage)
	out["hardLimit"] = e.hard
	if e.unlimited {
		out["hasAccess"] = true
		return out
	}
	remaining := max(addSaturating(e.limit, -usage), 0)
	out["usageLimit"] = clampInt32(e.limit)
	out["remaining"] = clampInt32(remaining)
	out["hasAccess"] = !e.hard || usage < e.limit
	return out
}

// addSaturating returns a+b, or the int64 bound it would pass: usage at the
// largest int64 stays there instead of wrapping to a negative number (and
// so to 0, and to access again).
func addSaturating(a, b int64) int64 {
	sum := a + b
	switch {
	case b > 0 && sum < a:
		return math.MaxInt64
	case b < 0 && sum > a:
		return math.MinInt64
	}
	return sum
}

// clampInt32 keeps a count within the reference's int32.
func clampInt32(n int64) int64 { return min(max(n, -1<<31), 1<<31-1) }

// GetCustomerEntitlements returns the customer's entitlements, or the one
// for feature_id. An unknown customer is 404.
func (f *fake) GetCustomerEntitlements(w http.ResponseWriter, r *http.Request, params fakeapi.GetCustomerEntitlementsParams) {
	f.withOrg(w, r, nil, func(o *org) {
		if o.customers.lookup(w, params.CustomerId, customerNotFound) == nil {
			return
		}
		f.s.settle(o)
		list := []obj{}
		usage := o.usage[params.CustomerId]
		for _, e := range o.entitlements(params.CustomerId, f.s.now()) {
			ident := deref(e.feature.data.Identifier)
			if params.FeatureId != nil && *params.FeatureId != ident {
				continue
			}
			list = append(list, e.detail(usage[ident]))
		}
		writeJSON(w, http.StatusOK, obj{"customerId": params.CustomerId, "entitlements": list})
	})
}

// usageTimestamp is the format of reportUsage's timestamp (the
// reference: yyyy-MM-dd HH:mm:ss.ffffff, UTC).
const usageTimestamp = "2006-01-02 15:04:05.000000"

// ReportUsage records usage of a feature by a customer: SET replaces the
// current usage, DELTA adds to it (never below zero). Crossing the usage
// limit sends a feature.usage_alert webhook. An unknown customer or feature
// is 404.
func (f *fake) ReportUsage(w http.ResponseWriter, r *http.Request) {
	var body fakeapi.ReportUsageRequest
	f.withOrg(w, r, &body, func(o *org) {
		if o.customers.lookup(w, body.CustomerId, customerNotFound) == nil {
			return
		}
		feat := o.featureByIdentifier(body.FeatureId)
		if feat == nil {
			writeDetail(w, http.StatusNotFound, "Feature not found.")
			return
		}
		f.s.settle(o)
		if body.Behaviour == "SET" && body.Value < 0 {
			writeFieldErrors(w, "value", "Ensure this value is greater than or equal to 0.")
			return
		}
		u := o.usage[body.CustomerId]
		if u == nil {
			u = map[string]int64{}
			o.usage[body.CustomerId] = u
		}
		before := u[body.FeatureId]
		after := int64(body.Value)
		if body.Behaviour == "DELTA" {
			after = max(addSaturating(before, int64(body.Value)), 0)
		}
		u[body.FeatureId] = after
		t := f.s.now()
		for _, e := range o.entitlements(body.CustomerId, t) {
			if e.feature == feat && !e.unlimited && e.limit > 0 && before < e.limit && after >= e.limit {
				f.s.emit(o, "feature.usage_alert", o.usageAlertHook(body.CustomerId, e, after), nil)
			}
		}
		writeJSON(w, http.StatusOK, obj{
			"value":          body.Value,
			"customerId":     body.CustomerId,
			"featureId":      body.FeatureId,
			"behaviour":      string(body.Behaviour),
			"orgId":          o.id.String(),
			"eventName":      "usage_reported",
			"idempotencyKey": newUUID().String(),
			"timestamp":      t.UTC().Format(usageTimestamp),
		})
	})
}

// Usage returns what reportUsage has recorded for a customer's use of a
// feature (by its identifier) in the organization with the given
// identifier: 0 when nothing was reported. It fails for an unknown
// organization or customer.
func (s *Server) Usage(organizationID, customerID, featureID string) (int64, error) {
	st := s.state
	st.mu.Lock()
	defer st.mu.Unlock()
	o, err := st.orgByID("Usage", organizationID)
	if err != nil {
		return 0, err
	}
	if o.customer(customerID) == nil {
		return 0, fmt.Errorf("kelviqtest: Usage: organization %s has no customer %q", organizationID, customerID)
	}
	s.settle(o)
	return o.usage[customerID][featureID], nil
}

// ---- licenses ----

// LicenseActivate adds an instance to a license, within its activation
// limit when the limit is enforced. An unknown key is 404; a disabled or
// expired license, or one of another customer, is 403.
func (f *fake) LicenseActivate(w http.ResponseWriter, r *http.Request) {
	var body fakeapi.LicenseActivation
	f.withOrg(w, r, &body, func(o *org) {
		l := o.licenses.lookup(w, body.LicenseKey, licenseNotFound)
		if l == nil {
			return
		}
		t := f.s.now()
		switch {
		case body.CustomerId != nil && *body.CustomerId != "" && *body.CustomerId != l.customerID:
			writeDetail(w, http.StatusForbidden, "The license belongs to another customer.")
			return
		case !l.enabled:
			writeDetail(w, http.StatusForbidden, "The license is disabled.")
			return
		case l.expires != nil && !t.Before(*l.expires):
			writeDetail(w, http.StatusForbidden, "The license has expired.")
			return
		case l.limited && len(l.instances) >= l.limit:
			writeDetail(w, http.StatusForbidden, fmt.Sprintf("The license has reached its activation limit (%d).", l.limit))
			return
		}
		in := &licenseInstance{id: newUUID(), name: deref(body.InstanceName), metadata: map[string]any{}, at: t}
		if body.Metadata != nil {
			in.metadata = *body.Metadata
		}
		l.instances = append(l.instances, in)
		if l.activated == nil {
			l.activated = &t
		}
		writeJSON(w, http.StatusCreated, obj{
			"instanceId":  in.id.String(),
			"activatedAt": rfc3339(t),
			"expiresOn":   timeOrNil(l.expires),
			"license":     o.licenseDetails(l),
		})
	})
}

// LicenseDeactivate removes an instance; an unknown key or instance is 404.
func (f *fake) LicenseDeactivate(w http.ResponseWriter, r *http.Request) {
	var body fakeapi.LicenseDeactivation
	f.withOrg(w, r, &body, func(o *org) {
		l := o.licenses.lookup(w, body.LicenseKey, licenseNotFound)
		if l == nil {
			return
		}
		i := slices.IndexFunc(l.instances, func(in *licenseInstance) bool { return in.id == body.InstanceId })
		if i < 0 {
			writeDetail(w, http.StatusNotFound, "Instance not found.")
			return
		}
		l.instances = slices.Delete(l.instances, i, i+1)
		writeJSON(w, http.StatusOK, obj{"message": "Instance deactivated.", "deactivatedAt": rfc3339(f.s.now())})
	})
}

// LicenseValidate says whether a license (and, when given, one of its
// instances) is valid; an unknown key is 404.
func (f *fake) LicenseValidate(w http.ResponseWriter, r *http.Request) {
	var body fakeapi.LicenseValidate
	f.withOrg(w, r, &body, func(o *org) {
		l := o.licenses.lookup(w, body.LicenseKey, licenseNotFound)
		if l == nil {
			return
		}
		valid, code, detail, meta := true, "VALID", "The license is valid.", map[string]any{}
		switch {
		case !l.enabled:
			valid, code, detail = false, "DISABLED", "The license is disabled."
		case l.expires != nil && !f.s.now().Before(*l.expires):
			valid, code, detail = false, "EXPIRED", "The license has expired."
		case body.InstanceId != nil:
			i := slices.IndexFunc(l.instances, func(in *licenseInstance) bool { return in.id == *body.InstanceId })
			if i < 0 {
				valid, code, detail = false, "INSTANCE_NOT_FOUND", "The instance is not activated on this license."
			} else {
				meta = l.instances[i].metadata
			}
		}
		writeJSON(w, http.StatusOK, obj{"valid": valid, "code": code, "detail": detail, "metadata": meta, "license": o.licenseDetails(l)})
	})
}
