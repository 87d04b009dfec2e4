package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/kelviq/kelviq-go/wrapper"
)

// Pull reads the catalog of client's organization: every product, every
// feature, the latest version of each plan (a draft when one is open) with
// its entitlements and prices. References are identifiers, never UUIDs (a
// feature named by UUID inside a price's chargeCatalogPrice becomes its
// identifier). What the format cannot represent (plan licenses, links,
// countries, files, ordering, product images) is left out,
// with one line in Warnings each. Pull only reads.
func Pull(ctx context.Context, client *wrapper.Client) (*Catalog, error) {
	if client == nil {
		return nil, fmt.Errorf("catalog: Pull: client is nil")
	}
	c := &Catalog{}
	warn := func(format string, args ...any) { c.Warnings = append(c.Warnings, fmt.Sprintf(format, args...)) }

	productByID := map[string]string{}
	for p, err := range client.Catalog.Products.All(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("catalog: pull: listing products: %w", err)
		}
		ident := wrapper.Deref(p.Identifier)
		if p.Id != nil {
			productByID[p.Id.String()] = ident
		}
		c.Products = append(c.Products, Product{
			Identifier:  ident,
			Name:        wrapper.Deref(p.Name),
			TaxCode:     string(wrapper.Deref(p.TaxCode)),
			Description: wrapper.Deref(p.Description),
		})
		if n := len(wrapper.Deref(p.Images)); n > 0 {
			warn("product %q: its %d image(s) are not part of the file", ident, n)
		}
	}

	featureByID := map[string]string{}
	for f, err := range client.Catalog.Features.All(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("catalog: pull: listing features: %w", err)
		}
		ident := wrapper.Deref(f.Identifier)
		if f.Id != nil {
			featureByID[f.Id.String()] = ident
		}
		meta, managed := unmark(objectOf(f.Metadata))
		c.Features = append(c.Features, Feature{
			Identifier:     ident,
			Name:           wrapper.Deref(f.Name),
			Type:           string(wrapper.Deref(f.FeatureType)),
			Description:    wrapper.Deref(f.Description),
			FeatureDetails: objectOf(f.FeatureDetails),
			Meter:          objectOf(f.Meter),
			Metadata:       meta,
			Managed:        managed,
		})
	}

	for p, err := range client.Catalog.Plans.All(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("catalog: pull: listing plans: %w", err)
		}
		ident := wrapper.Deref(p.Identifier)
		product := ""
		if p.Product != nil {
			product = productByID[p.Product.String()]
		}
		if product == "" {
			warn("plan %q: its product is not among the products listed; the plan is left out", ident)
			continue
		}
		meta, managed := unmark(objectOf(p.Metadata))
		plan := Plan{
			Identifier:  ident,
			Name:        wrapper.Deref(p.Name),
			Product:     product,
			Description: wrapper.Deref(p.Description),
			IsVisible:   p.IsVisible,
			Metadata:    meta,
			Managed:     managed,
			Draft:       p.IsLatest != nil && !*p.IsLatest,
		}
		if l := p.License; l != nil && wrapper.Deref(l.Enabled) {
			warn("plan %q: its license settings are not part of the file", ident)
		}
		for what, n := range map[string]int{"links": len(wrapper.Deref(p.Links)), "countries": len(wrapper.Deref(p.Countries)), "files": len(wrapper.Deref(p.Files))} {
			if n > 0 {
				warn("plan %q: its %s (%d) are not part of the file", ident, what, n)
			}
		}
		if p.Ordering != nil {
			warn("plan %q: its ordering (%d) is not part of the file", ident, *p.Ordering)
		}

		ents, next, err := listRaw(ctx, client, "listCatalogPlanFeatures", ident)
		if err != nil {
			return nil, fmt.Errorf("catalog: pull: plan %q: listing entitlements: %w", ident, err)
		}
		if next {
			warn("plan %q: the API returned its entitlements in more than one page; only the first is read", ident)
		}
		for _, raw := range ents {
			feat, _ := raw["feature"].(map[string]any)
			fid, _ := feat["identifier"].(string)
			if !slices.Contains(slices.Collect(maps.Values(featureByID)), fid) {
				warn("plan %q: entitlement of feature %q, which is not among the features listed (archived?), is left out", ident, fid)
				continue
			}
			details, _ := raw["details"].(map[string]any)
			m := maps.Clone(details)
			if m == nil {
				m = map[string]any{}
			}
			m["feature"] = fid
			var e Entitlement
			for _, w := range fromValue(m, &e, fmt.Sprintf("plan %q entitlement %q", ident, fid)) {
				warn("%s", w)
			}
			plan.Entitlements = append(plan.Entitlements, e)
		}

		prices, next, err := listRaw(ctx, client, "listCatalogPlanPrices", ident)
		if err != nil {
			return nil, fmt.Errorf("catalog: pull: plan %q: listing prices: %w", ident, err)
		}
		if next {
			warn("plan %q: the API returned its prices in more than one page; only the first is read", ident)
		}
		plan.Prices = []Price{}
		for i, raw := range prices {
			delete(raw, "id") // server-owned, like every UUID
			where := fmt.Sprintf("plan %q price %d", ident, i+1)
			for _, w := range mapChargeFeatures(raw, func(id string) (string, bool) {
				s, ok := featureByID[id]
				return s, ok
			}, where) {
				warn("%s", w)
			}
			var pr Price
			for _, w := range fromValue(raw, &pr, where) {
				warn("%s", w)
			}
			plan.Prices = append(plan.Prices, pr)
		}
		c.Plans = append(c.Plans, plan)
	}
	slices.Sort(c.Warnings)
	return c, nil
}

// listRaw calls a plan's list operation and returns its results as plain
// values, and whether the response says there is a next page.
func listRaw(ctx context.Context, client *wrapper.Client, op, plan string) ([]map[string]any, bool, error) {
	resp, err := client.Call(ctx, op, map[string]string{"identifier": plan}, nil)
	if err != nil {
		return nil, false, err
	}
	var page struct {
		Next    *string          `json:"next"`
		Results []map[string]any `json:"results"`
	}
	dec := json.NewDecoder(bytes.NewReader(resp.Body))
	dec.UseNumber()
	if err := dec.Decode(&page); err != nil {
		return nil, false, fmt.Errorf("%s: the response is not a page of results: %w", op, err)
	}
	for i, r := range page.Results {
		page.Results[i] = norm(r).(map[string]any)
	}
	return page.Results, page.Next != nil && *page.Next != "", nil
}

// mapChargeFeatures rewrites the feature of each chargeCatalogPrice entry of
// a price with lookup (UUID to identifier when pulling, the other way when
// applying), returning a warning for each it cannot map.
func mapChargeFeatures(price map[string]any, lookup func(string) (string, bool), where string) []string {
	var warns []string
	list, _ := price["chargeCatalogPrice"].([]any)
	for i, e := range list {
		entry, ok := e.(map[string]any)
		if !ok {
			continue
		}
		ref, ok := entry["feature"].(string)
		if !ok || ref == "" {
			continue
		}
		to, ok := lookup(ref)
		if !ok {
			warns = append(warns, fmt.Sprintf("%s: chargeCatalogPrice[%d].feature %q names no known feature; left as it is", where, i, ref))
			continue
		}
		c := maps.Clone(entry)
		c["feature"] = to
		list[i] = c
	}
	return warns
}

// fromValue decodes a plain value (an API response) into a format struct with
// the same rules Parse applies; each problem comes back as a warning line.
func fromValue(v map[string]any, out any, what string) []string {
	var n yaml.Node
	if err := n.Encode(norm(v)); err != nil {
		return []string{what + ": " + err.Error()}
	}
	d := &decoder{file: what}
	d.decodeStruct(&n, reflect.ValueOf(out).Elem(), "")
	var warns []string
	for _, err := range d.errs {
		warns = append(warns, err.Error())
	}
	return warns
}

// objectOf returns a remote object as a plain map, nil when empty.
func objectOf(m *map[string]any) map[string]any {
	if m == nil || len(*m) == 0 {
		return nil
	}
	return norm(*m).(map[string]any)
}

// unmark returns metadata without the Marker, and whether it carried it.
func unmark(meta map[string]any) (map[string]any, bool) {
	if meta[MarkerKey] != MarkerValue {
		return meta, false
	}
	out := maps.Clone(meta)
	delete(out, MarkerKey)
	if len(out) == 0 {
		out = nil
	}
	return out, true
}
