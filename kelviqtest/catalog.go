package kelviqtest

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kelviq/kelviq-go/internal/fakeapi"
)

// fileURL is where the fake says uploaded files live.
func fileURL(key string) string {
	return "https://files.example.invalid/" + url.PathEscape(key)
}

// imagesFor turns upload keys into product images, numbered from first.
func imagesFor(keys []string, first int) []fakeapi.ProductImage {
	out := make([]fakeapi.ProductImage, 0, len(keys))
	for i, k := range keys {
		id := newUUID()
		img := fakeapi.ProductImage{
			Id:        &id,
			Image:     ptr(fileURL(k)),
			Enabled:   ptr(true),
			Ordering:  ptr(first + i),
			Thumbnail: ptr(first+i == 0),
		}
		img.Name.Set(k)
		out = append(out, img)
	}
	return out
}

// ---- products ----

// CreateCatalogProduct adds a product; an identifier already used in the
// organization is 400. Without an identifier, one is made from the name.
func (f *fake) CreateCatalogProduct(w http.ResponseWriter, r *http.Request) {
	var body fakeapi.ProductCreateRequest
	f.withOrg(w, r, &body, func(o *org) {
		if !o.ownsUploadKeys(w, "imageKeys", deref(body.ImageKeys)) {
			return
		}
		ident, ok := pickIdentifier(w, body.Identifier, body.Name, "product", o.productIdentifiers)
		if !ok {
			return
		}
		id := newUUID()
		tax := fakeapi.ProductTaxCode(body.TaxCode)
		p := &product{data: fakeapi.Product{
			Id:          &id,
			Identifier:  &ident,
			Name:        &body.Name,
			Description: body.Description,
			TaxCode:     &tax,
			CreatedBy:   ptr(o.email),
			ModifiedOn:  ptr(f.s.now()),
			Images:      ptr(imagesFor(deref(body.ImageKeys), 0)),
		}}
		if p.data.Description == nil {
			p.data.Description = ptr("")
		}
		o.productIdentifiers[ident] = true
		o.products.add(id, p)
		writeJSON(w, http.StatusCreated, p.data)
	})
}

// pickIdentifier returns the identifier asked for, responding with 400 when taken,
// or one made from name (made unique with -2, -3 …) when none is asked for.
func pickIdentifier(w http.ResponseWriter, asked *string, name, kind string, taken map[string]bool) (string, bool) {
	if asked != nil && *asked != "" {
		if taken[*asked] {
			writeFieldErrors(w, "identifier", kind+" with this identifier already exists.")
			return "", false
		}
		return *asked, true
	}
	base := slugify(name)
	if base == "" {
		base = kind
	}
	return uniqueIdentifier(base, func(s string) bool { return taken[s] }), true
}

// ListCatalogProducts lists the products that are not archived, oldest
// first, filtered by search (name, identifier or description) and paged.
func (f *fake) ListCatalogProducts(w http.ResponseWriter, r *http.Request, params fakeapi.ListCatalogProductsParams) {
	f.withOrg(w, r, nil, func(o *org) {
		search := strings.ToLower(deref(params.Search))
		items := listed(o.products.all(), func(p *product) bool {
			return !p.archived && matchesCatalog(search, p.data.Name, p.data.Identifier, p.data.Description)
		}, func(p *product) fakeapi.Product { return p.data })
		writePage(w, r, f.s.spec, items, params.Page, params.PageSize)
	})
}

// RetrieveCatalogProduct returns the product with the identifiers of its
// published plans; a product of another organization is 404.
func (f *fake) RetrieveCatalogProduct(w http.ResponseWriter, r *http.Request, pk openapi_types.UUID) {
	f.withOrg(w, r, nil, func(o *org) {
		p := o.products.lookup(w, pk, notFound)
		if p == nil {
			return
		}
		plans := []string{}
		for _, pl := range o.plans.all() {
			if pl.product == pk && !pl.archived && pl.published() {
				plans = append(plans, pl.identifier)
			}
		}
		out := fakeapi.ProductRetrieve{
			Id:          p.data.Id,
			Identifier:  p.data.Identifier,
			Name:        p.data.Name,
			Description: p.data.Description,
			CreatedBy:   p.data.CreatedBy,
			ModifiedOn:  p.data.ModifiedOn,
			Images:      p.data.Images,
			Plans:       &plans,
		}
		if p.data.TaxCode != nil {
			out.TaxCode = ptr(fakeapi.ProductRetrieveTaxCode(*p.data.TaxCode))
		}
		writeJSON(w, http.StatusOK, out)
	})
}

// UpdateCatalogProduct changes the fields present in the body; imageKeys
// add images.
func (f *fake) UpdateCatalogProduct(w http.ResponseWriter, r *http.Request, pk openapi_types.UUID) {
	var body fakeapi.ProductUpdateRequest
	f.withOrg(w, r, &body, func(o *org) {
		p := o.products.lookup(w, pk, notFound)
		if p == nil {
			return
		}
		patch(&p.data.Name, body.Name)
		patch(&p.data.Description, body.Description)
		if body.TaxCode != nil {
			p.data.TaxCode = ptr(fakeapi.ProductTaxCode(*body.TaxCode))
		}
		if !o.ownsUploadKeys(w, "imageKeys", deref(body.ImageKeys)) {
			return
		}
		if body.ImageKeys != nil {
			images := deref(p.data.Images)
			images = append(images, imagesFor(*body.ImageKeys, len(images))...)
			p.data.Images = &images
		}
		p.data.ModifiedOn = ptr(f.s.now())
		writeJSON(w, http.StatusOK, p.data)
	})
}

// DeleteCatalogProduct archives the product; an archived one is 400.
func (f *fake) DeleteCatalogProduct(w http.ResponseWriter, r *http.Request, pk openapi_types.UUID) {
	f.withOrg(w, r, nil, func(o *org) {
		p := o.products.lookup(w, pk, notFound)
		switch {
		case p == nil:
		case p.archived:
			writeDetail(w, http.StatusBadRequest, "The product is already archived.")
		default:
			p.archived = true
			p.data.ModifiedOn = ptr(f.s.now())
			writeNoContent(w)
		}
	})
}

// ---- features ----

// CreateCatalogFeature defines a feature; an identifier already used in the
// organization is 400. Without an identifier, one is made from the name.
func (f *fake) CreateCatalogFeature(w http.ResponseWriter, r *http.Request) {
	var body fakeapi.FeatureCreateRequest
	f.withOrg(w, r, &body, func(o *org) {
		if field, msg := meterRule(body); msg != "" {
			writeFieldErrors(w, field, msg)
			return
		}
		ident, ok := pickIdentifier(w, body.Identifier, body.Name, "feature", o.featureIdentifiers)
		if !ok {
			return
		}
		id := newUUID()
		kind := fakeapi.CatalogFeatureFeatureType(body.FeatureType)
		orEmpty := func(m *map[string]any) *map[string]any {
			if m == nil {
				return &map[string]any{}
			}
			return m
		}
		feat := &feature{data: fakeapi.CatalogFeature{
			Id:             &id,
			Identifier:     &ident,
			Name:           &body.Name,
			Description:    body.Description,
			FeatureType:    &kind,
			FeatureDetails: orEmpty(body.FeatureDetails),
			Meter:          orEmpty(body.Meter),
			Metadata:       orEmpty(body.Metadata),
			Details:        &map[string]any{},
			IsArchived:     ptr(false),
			ModifiedOn:     ptr(f.s.now()),
		}}
		if feat.data.Description == nil {
			feat.data.Description = ptr("")
		}
		o.featureIdentifiers[ident] = true
		o.features.add(id, feat)
		writeJSON(w, http.StatusCreated, feat.data)
	})
}

// meterRule is the reference's rule for a METER feature: its
// featureDetails name a featureSubType (PRE_AGGREGATED_USAGE or
// RAW_EVENTS) and its units, and a RAW_EVENTS feature has a meter with an
// aggregation and filters. It returns the field at fault and the message,
// or "" when the rule holds.
func meterRule(body fakeapi.FeatureCreateRequest) (field, msg string) {
	if body.FeatureType != fakeapi.FeatureCreateRequestFeatureTypeMETER {
		return "", ""
	}
	details := deref(body.FeatureDetails)
	if v, ok := details["feature_sub_type"]; ok && details["featureSubType"] == nil {
		// kelviq reads this nested key in either style, as the others, and
		// returns it in camelCase
		delete(details, "feature_sub_type")
		details["featureSubType"] = v
	}
	sub, _ := details["featureSubType"].(string)
	switch {
	case sub != "PRE_AGGREGATED_USAGE" && sub != "RAW_EVENTS":
		return "featureDetails", "A METER feature needs featureSubType PRE_AGGREGATED_USAGE or RAW_EVENTS."
	case details["units"] == nil:
		return "featureDetails", "A METER feature needs units."
	case sub == "RAW_EVENTS":
		meter := deref(body.Meter)
		if meter["aggregation"] == nil || meter["filters"] == nil {
			return "meter", "A RAW_EVENTS feature needs a meter with aggregation and filters."
		}
	}
	return "", ""
}

// ListCatalogFeatures lists the features that are not archived, oldest
// first, filtered by search (name, identifier or description) and paged.
func (f *fake) ListCatalogFeatures(w http.ResponseWriter, r *http.Request, params fakeapi.ListCatalogFeaturesParams) {
	f.withOrg(w, r, nil, func(o *org) {
		search := strings.ToLower(deref(params.Search))
		items := listed(o.features.all(), func(ft *feature) bool {
			d := ft.data
			return !deref(d.IsArchived) && matchesCatalog(search, d.Name, d.Identifier, d.Description)
		}, func(ft *feature) fakeapi.CatalogFeature { return ft.data })
		writePage(w, r, f.s.spec, items, params.Page, params.PageSize)
	})
}

// RetrieveCatalogFeature returns one feature, archived or not.
func (f *fake) RetrieveCatalogFeature(w http.ResponseWriter, r *http.Request, pk openapi_types.UUID) {
	f.withOrg(w, r, nil, func(o *org) {
		ft := o.features.lookup(w, pk, notFound)
		if ft == nil {
			return
		}
		writeJSON(w, http.StatusOK, ft.data)
	})
}

// DeleteCatalogFeature archives the feature; an archived one is 400.
func (f *fake) DeleteCatalogFeature(w http.ResponseWriter, r *http.Request, pk openapi_types.UUID) {
	f.withOrg(w, r, nil, func(o *org) {
		ft := o.features.lookup(w, pk, notFound)
		switch {
		case ft == nil:
		case deref(ft.data.IsArchived):
			writeDetail(w, http.StatusBadRequest, "The feature is already archived.")
		default:
			ft.data.IsArchived = ptr(true)
			ft.data.ModifiedOn = ptr(f.s.now())
			writeNoContent(w)
		}
	})
}

// ---- plans ----

// planJSON is a plan version as the API returns it: isLatest is true for
// the published version only (a draft, new or opened on top of a published
// version, is false until it is published; a retired one false), and
// details carries the version's status ("draft", "published" or "retired").
func planJSON(_ *plan, v *planVersion) fakeapi.CatalogPlan {
	out := v.data
	out.IsLatest = ptr(v.isLatest())
	out.Details = &map[string]any{"status": v.status}
	return out
}

// isLatest is the API's isLatest of a plan version: true for the published
// version only.
func (v *planVersion) isLatest() bool { return v.status == planPublished }

// findPlan returns the organization's plan, or responds with 404.
func findPlan(w http.ResponseWriter, o *org, identifier string) *plan {
	return o.plans.lookup(w, identifier, notFound)
}

// editablePlan returns the organization's plan, or responds with 404 when there
// is none and 400 when it is archived.
func editablePlan(w http.ResponseWriter, o *org, identifier string) *plan {
	p := findPlan(w, o, identifier)
	if p != nil && p.archived {
		writeDetail(w, http.StatusBadRequest, "The plan is archived.")
		return nil
	}
	return p
}

// editDraft returns the organization's plan and its draft, opened when
// needed: editablePlan, then plan.draft.
func editDraft(w http.ResponseWriter, o *org, identifier string, t time.Time) (*plan, *planVersion) {
	p := editablePlan(w, o, identifier)
	if p == nil {
		return nil, nil
	}
	return p, p.draft(t)
}

// CreateCatalogPlan drafts a plan (version 1) under one of the
// organization's products that is not archived.
func (f *fake) CreateCatalogPlan(w http.ResponseWriter, r *http.Request) {
	var body fakeapi.PlanCreateRequest
	f.withOrg(w, r, &body, func(o *org) {
		if prod := o.products.get(body.Product); prod == nil || prod.archived {
			writeFieldErrors(w, "product", fmt.Sprintf("Invalid pk %q - object does not exist.", body.Product.String()))
			return
		}
		taken := map[string]bool{}
		for k := range o.plans.keys() {
			taken[k] = true
		}
		if !o.ownsUploadKeys(w, "fileKeys", deref(body.FileKeys)) {
			return
		}
		ident, ok := pickIdentifier(w, body.Identifier, body.Name, "plan", taken)
		if !ok {
			return
		}
		t := f.s.now()
		files := []fakeapi.PlanFile{}
		for i, k := range deref(body.FileKeys) {
			files = append(files, planFile(absoluteBase(r), ident, k, i))
		}
		v := &planVersion{status: planDraft, data: fakeapi.CatalogPlan{
			Identifier:  &ident,
			Name:        &body.Name,
			Description: body.Description,
			Product:     &body.Product,
			Metadata:    body.Metadata,
			Version:     ptr(1),
			CreatedOn:   &t,
			ModifiedOn:  &t,
			IsVisible:   body.IsVisible,
			IsImported:  ptr(false),
			Countries:   &[]string{},
			License:     body.License,
			Links:       body.Links,
			Files:       &files,
		}}
		if v.data.Description == nil {
			v.data.Description = ptr("")
		}
		if v.data.Metadata == nil {
			v.data.Metadata = &map[string]any{}
		}
		if v.data.IsVisible == nil {
			v.data.IsVisible = ptr(true)
		}
		if v.data.Links == nil {
			v.data.Links = &[]fakeapi.PlanLink{}
		}
		if body.Ordering != nil {
			v.data.Ordering.Set(*body.Ordering)
		} else {
			v.data.Ordering.SetNull()
		}
		p := &plan{identifier: ident, product: body.Product, versions: []*planVersion{v}}
		o.plans.add(ident, p)
		writeJSON(w, http.StatusCreated, planJSON(p, v))
	})
}

// planFile is a plan file made from an upload key.
func planFile(base, plan, key string, ordering int) fakeapi.PlanFile {
	id := newUUID()
	return fakeapi.PlanFile{
		Id:          &id,
		Name:        ptr(key),
		File:        ptr(fileURL(key)),
		Enabled:     ptr(true),
		Ordering:    ptr(ordering),
		DownloadUrl: ptr(base + BasePath + "/catalog/plans/" + url.PathEscape(plan) + "/file/" + id.String() + "/download/"),
	}
}

// ListCatalogPlans lists each plan once, in its newest version, skipping
// archived plans and plans of archived products.
func (f *fake) ListCatalogPlans(w http.ResponseWriter, r *http.Request, params fakeapi.ListCatalogPlansParams) {
	f.withOrg(w, r, nil, func(o *org) {
		items := listed(o.plans.all(), func(p *plan) bool {
			prod := o.products.get(p.product)
			return !p.archived && prod != nil && !prod.archived
		}, func(p *plan) fakeapi.CatalogPlan { return planJSON(p, p.latest()) })
		writePage(w, r, f.s.spec, items, params.Page, params.PageSize)
	})
}

// RetrieveCatalogPlan returns the latest version, or the one asked for.
func (f *fake) RetrieveCatalogPlan(w http.ResponseWriter, r *http.Request, identifier string, params fakeapi.RetrieveCatalogPlanParams) {
	f.withOrg(w, r, nil, func(o *org) {
		p, v := findPlanVersion(w, o, identifier, params.Version)
		if v == nil {
			return
		}
		writeJSON(w, http.StatusOK, planJSON(p, v))
	})
}

// UpdateCatalogPlan edits the open draft, or first opens one (a copy of the
// latest version, numbered one higher) when the latest is published. Edits
// always go to the draft, so the version query parameter is ignored.
func (f *fake) UpdateCatalogPlan(w http.ResponseWriter, r *http.Request, identifier string, _ fakeapi.UpdateCatalogPlanParams) {
	var body fakeapi.PlanUpdateRequest
	f.withOrg(w, r, &body, func(o *org) {
		p, v := editDraft(w, o, identifier, f.s.now())
		if v == nil {
			return
		}
		if !o.ownsUploadKeys(w, "fileKeys", deref(body.FileKeys)) {
			return
		}
		d := &v.data
		patch(&d.Name, body.Name)
		patch(&d.Description, body.Description)
		patch(&d.Metadata, body.Metadata)
		patch(&d.IsVisible, body.IsVisible)
		patch(&d.License, body.License)
		patch(&d.Links, body.Links)
		if body.FileKeys != nil {
			files := deref(d.Files)
			for _, k := range *body.FileKeys {
				files = append(files, planFile(absoluteBase(r), p.identifier, k, len(files)))
			}
			d.Files = &files
		}
		d.ModifiedOn = ptr(f.s.now())
		writeJSON(w, http.StatusOK, planJSON(p, v))
	})
}

// draft returns the plan's open draft, opening one when there is none: a
// copy of the latest version, numbered one higher, that later edits of
// either leave the other as it was.
func (p *plan) draft(t time.Time) *planVersion {
	last := p.latest()
	if last.status == planDraft {
		return last
	}
	v := &planVersion{status: planDraft, data: clonePlanData(last.data)}
	for _, pf := range last.features {
		v.features = append(v.features, &planFeature{feature: pf.feature, details: cloneMap(pf.details)})
	}
	for _, pr := range last.prices {
		v.prices = append(v.prices, cloneMap(pr))
	}
	v.data.Version = ptr(deref(last.data.Version) + 1)
	v.data.CreatedOn, v.data.ModifiedOn = &t, &t
	p.versions = append(p.versions, v)
	return v
}

// clonePlanData copies a plan version's fields: its lists, objects and
// license rules are copied, so that editing them in place (a file renamed,
// a file deleted, a detail changed) does not reach the original; the
// pointed-to strings, numbers and booleans are shared, since edits replace
// those pointers rather than write through them (see patch).
func clonePlanData(d fakeapi.CatalogPlan) fakeapi.CatalogPlan {
	out := d
	out.Countries = cloneSlicePtr(d.Countries)
	out.Files = cloneSlicePtr(d.Files)
	out.Links = cloneSlicePtr(d.Links)
	out.Details = cloneMapPtr(d.Details)
	out.Metadata = cloneMapPtr(d.Metadata)
	if d.License != nil {
		l := *d.License
		out.License = &l
	}
	out.Ordering = maps.Clone(d.Ordering)
	return out
}

// cloneSlicePtr copies the list p points to; nil, or a pointer to a nil
// list (which encodes as null and so was never there), is nil.
func cloneSlicePtr[T any](p *[]T) *[]T {
	if p == nil || *p == nil {
		return nil
	}
	c := slices.Clone(*p)
	return &c
}

// cloneMapPtr deep-copies the JSON object p points to (see cloneMap); nil,
// or a pointer to a nil map, is nil.
func cloneMapPtr(p *map[string]any) *map[string]any {
	if p == nil || *p == nil {
		return nil
	}
	c := cloneMap(*p)
	return &c
}

// DeleteCatalogPlan archives every version of the plan (the version query
// parameter is ignored); an archived plan is 400.
func (f *fake) DeleteCatalogPlan(w http.ResponseWriter, r *http.Request, identifier string, _ fakeapi.DeleteCatalogPlanParams) {
	f.withOrg(w, r, nil, func(o *org) {
		p := findPlan(w, o, identifier)
		switch {
		case p == nil:
		case p.archived:
			writeDetail(w, http.StatusBadRequest, "The plan is already archived.")
		default:
			p.archived = true
			writeNoContent(w)
		}
	})
}

// PublishCatalogPlan publishes the newest draft and retires the version
// published before it; without a draft, or when the draft has no price, it
// is 400.
func (f *fake) PublishCatalogPlan(w http.ResponseWriter, r *http.Request, identifier string) {
	var body any // the body is optional
	if r.ContentLength > 0 {
		body = &fakeapi.PlanPublishRequest{}
	}
	f.withOrg(w, r, body, func(o *org) {
		p := editablePlan(w, o, identifier)
		switch {
		case p == nil:
			return
		case p.latest().status != planDraft:
			writeDetail(w, http.StatusBadRequest, "The plan has no draft to publish.")
			return
		case len(p.latest().prices) == 0:
			writeDetail(w, http.StatusBadRequest, "The plan has no price: add one before publishing.")
			return
		}
		for _, v := range p.versions {
			if v.status == planPublished {
				v.status = planRetired
			}
		}
		last := p.latest()
		last.status = planPublished
		last.data.ModifiedOn = ptr(f.s.now())
		if req, ok := body.(*fakeapi.PlanPublishRequest); ok {
			o.migrate(identifier, last, deref(req.UpdateFeatures), deref(req.UpdatePricing))
		}
		writeJSON(w, http.StatusOK, fakeapi.PlanPublishResponse{Status: ptr("published")})
	})
}

// DiscardCatalogPlanDraft deletes the newest version when it is a draft and
// an older version exists; otherwise it is 400.
func (f *fake) DiscardCatalogPlanDraft(w http.ResponseWriter, r *http.Request, identifier string) {
	f.withOrg(w, r, nil, func(o *org) {
		p := findPlan(w, o, identifier)
		switch {
		case p == nil:
		case p.latest().status != planDraft:
			writeDetail(w, http.StatusBadRequest, "The plan has no draft to discard.")
		case len(p.versions) == 1:
			writeDetail(w, http.StatusBadRequest, "The plan has never been published; delete it instead.")
		default:
			p.versions = p.versions[:len(p.versions)-1]
			writeNoContent(w)
		}
	})
}

// matchesCatalog reports whether a catalog entry's name, identifier or
// description contains search (lower-case), or search is empty.
func matchesCatalog(search string, name, identifier, description *string) bool {
	return search == "" || containsFold(search, deref(name), deref(identifier), deref(description))
}

func ptr[T any](v T) *T { return &v }
