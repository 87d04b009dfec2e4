package kelviqtest

import (
	"fmt"
	"net/http"
	"strings"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kelviq/kelviq-go/internal/fakeapi"
)

// The Monetization service: the product offering a pricing page shows.

// GetProductOffering returns a product's published, visible plans with their
// prices, and the customer's current subscription to it. An unknown product
// is 404 {"status": ..., "message": ...}, as the reference declares.
func (f *fake) GetProductOffering(w http.ResponseWriter, r *http.Request, productID openapi_types.UUID, params fakeapi.GetProductOfferingParams) {
	f.withOrg(w, r, nil, func(o *org) {
		prod := o.products.get(productID)
		if prod == nil || prod.archived {
			writeJSON(w, http.StatusNotFound, obj{"status": "error", "message": "Product not found."})
			return
		}
		var only map[string]bool
		if params.PlansEnabled != nil && *params.PlansEnabled != "" {
			only = map[string]bool{}
			for _, id := range strings.Split(*params.PlansEnabled, ",") {
				only[strings.TrimSpace(id)] = true
			}
		}
		plans := []obj{}
		periods := map[string]bool{}
		for _, p := range o.plans.all() {
			v := p.liveVersion()
			if p.product != productID || p.archived || v == nil || !deref(v.data.IsVisible) || (only != nil && !only[p.identifier]) {
				continue
			}
			plans = append(plans, o.offeringPlan(p, v, periods))
		}
		billing := []obj{}
		for _, cp := range []string{"MONTHLY", "YEARLY", "QUARTERLY", "DAILY", "ONE_TIME"} {
			if periods[cp] {
				billing = append(billing, obj{"enabled": true, "displayName": displayPeriod(cp), "chargePeriod": cp, "promoCaption": ""})
			}
		}
		sub := obj{"hasPreviousSubscription": false, "planIdentifier": nil, "subscriptionId": nil, "chargePeriod": nil}
		exists := false
		if params.CustomerId != nil {
			exists = o.customer(*params.CustomerId) != nil
			for _, s := range o.subscriptions.newestFirst() {
				if s.customerID != *params.CustomerId {
					continue
				}
				if pl := o.plans.get(s.plan); pl == nil || pl.product != productID {
					continue
				}
				sub = obj{"hasPreviousSubscription": true, "planIdentifier": s.plan, "subscriptionId": s.id.String(), "chargePeriod": s.chargePeriod}
				break
			}
		}
		writeJSON(w, http.StatusOK, obj{
			"organizationId": o.numericID, "countryCode": "US", "pricingLocale": "en-US",
			"currencyCode": defaultCurrency, "currencySymbol": currencySymbol, "currencyConversionRate": 1,
			"baseCurrencyCode": defaultCurrency, "baseCurrencySymbol": currencySymbol,
			"plans": plans, "subscription": sub, "isCustomerExists": exists, "billingPeriods": billing,
		})
	})
}

func displayPeriod(cp string) string {
	switch cp {
	case "MONTHLY":
		return "Monthly"
	case "YEARLY":
		return "Yearly"
	case "QUARTERLY":
		return "Quarterly"
	case "DAILY":
		return "Daily"
	}
	return "One time"
}

// offeringPlan is a ProductPlan; it notes the charge periods it has prices
// for in periods.
func (o *org) offeringPlan(p *plan, v *planVersion, periods map[string]bool) obj {
	price := obj{"id": stableUUID("price", p.identifier, fmt.Sprint(deref(v.data.Version))).String(), "priceType": "FREE", "freeTrial": false, "trialPeriod": 0, "currency": defaultCurrency, "charges": []obj{}}
	if len(v.prices) > 0 {
		pr := v.prices[0]
		price["id"] = pr["id"]
		for _, k := range []string{"priceType", "freeTrial", "trialPeriod", "currency"} {
			if val, ok := pr[k]; ok {
				price[k] = val
			}
		}
		charges := []obj{}
		ccps, _ := pr["chargeCatalogPrice"].([]any)
		for _, c := range ccps {
			ccp, _ := c.(map[string]any)
			list, _ := ccp["charges"].([]any)
			for _, ch := range list {
				charge, _ := ch.(map[string]any)
				if charge == nil {
					continue
				}
				cp, _ := charge["chargePeriod"].(string)
				periods[cp] = true
				tiers, _ := charge["tiers"].([]any)
				if tiers == nil {
					tiers = []any{}
				}
				charges = append(charges, obj{
					"id": stableUUID("charge", fmt.Sprint(price["id"]), fmt.Sprint(len(charges))).String(), "chargePeriod": cp, "tiers": tiers,
					"priceData": mapOrEmpty(asMap(charge["priceData"])), "details": obj{},
					"advanced": mapOrEmpty(asMap(charge["advanced"])), "featureQuantityPrice": 0,
				})
			}
		}
		price["charges"] = charges
	}
	feats := []any{}
	for _, sf := range o.subscriptionFeatures(v) {
		feats = append(feats, sf)
	}
	return obj{
		"name": deref(v.data.Name), "description": deref(v.data.Description), "identifier": p.identifier,
		"details": obj{}, "isVisible": deref(v.data.IsVisible), "metadata": mapOrEmpty(v.data.Metadata),
		"basePlan": nil, "price": price, "originalPrice": obj{}, "features": feats, "shouldHighlight": false,
		"enabled": true, "displayName": deref(v.data.Name), "displayDescription": deref(v.data.Description), "includes": "",
	}
}

func asMap(v any) *map[string]any {
	if m, ok := v.(map[string]any); ok {
		return &m
	}
	return nil
}
