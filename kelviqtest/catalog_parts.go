// The parts of catalog entries that have operations of their own: a
// product's settings and images; a plan's features, prices and files; and
// the uploads that images and files start from. The entries themselves are
// in catalog.go.

package kelviqtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kelviq/kelviq-go/internal/fakeapi"
)

// ---- product settings and images ----

func defaultProductSettings() map[string]any {
	return map[string]any{"vpn": false, "tor": false, "proxy": false, "currency": defaultCurrency, "productUrl": nil}
}

// GetCatalogProductSettings returns a product's settings.
func (f *fake) GetCatalogProductSettings(w http.ResponseWriter, r *http.Request, pk openapi_types.UUID) {
	f.withOrg(w, r, nil, func(o *org) {
		if o.products.lookup(w, pk, notFound) == nil {
			return
		}
		set := o.productSettings[pk]
		if set == nil {
			set = defaultProductSettings()
		}
		writeJSON(w, http.StatusOK, set)
	})
}

// UpdateCatalogProductSettings changes the settings present in the body.
func (f *fake) UpdateCatalogProductSettings(w http.ResponseWriter, r *http.Request, pk openapi_types.UUID) {
	var body map[string]any
	f.withOrg(w, r, &body, func(o *org) {
		if o.products.lookup(w, pk, notFound) == nil {
			return
		}
		set := o.productSettings[pk]
		if set == nil {
			set = defaultProductSettings()
			o.productSettings[pk] = set
		}
		for _, k := range []string{"vpn", "tor", "proxy", "currency", "productUrl"} {
			if v, ok := body[k]; ok {
				set[k] = v
			}
		}
		writeJSON(w, http.StatusOK, set)
	})
}

// findImage returns a product's image, or responds with 404.
func findImage(w http.ResponseWriter, o *org, productPK, pk openapi_types.UUID) (*product, int) {
	p := o.products.get(productPK)
	if p == nil || p.data.Images == nil {
		writeDetail(w, http.StatusNotFound, notFound)
		return nil, -1
	}
	i := slices.IndexFunc(*p.data.Images, func(img fakeapi.ProductImage) bool { return img.Id != nil && *img.Id == pk })
	if i < 0 {
		writeDetail(w, http.StatusNotFound, notFound)
		return nil, -1
	}
	return p, i
}

// UpdateCatalogProductImage changes an image's name, order, thumbnail flag
// or enabled flag; making one the thumbnail unsets the others.
func (f *fake) UpdateCatalogProductImage(w http.ResponseWriter, r *http.Request, productPK, pk openapi_types.UUID) {
	var body fakeapi.ProductImageUpdateRequest
	f.withOrg(w, r, &body, func(o *org) {
		p, i := findImage(w, o, productPK, pk)
		if p == nil {
			return
		}
		images := *p.data.Images
		img := &images[i]
		if body.Name != nil {
			img.Name.Set(*body.Name)
		}
		patch(&img.Ordering, body.Ordering)
		patch(&img.Enabled, body.Enabled)
		if body.Thumbnail != nil {
			if *body.Thumbnail {
				for j := range images {
					images[j].Thumbnail = ptr(false)
				}
			}
			img.Thumbnail = ptr(*body.Thumbnail)
		}
		p.data.ModifiedOn = ptr(f.s.now())
		writeJSON(w, http.StatusOK, *img)
	})
}

// DeleteCatalogProductImage removes an image.
func (f *fake) DeleteCatalogProductImage(w http.ResponseWriter, r *http.Request, productPK, pk openapi_types.UUID) {
	f.withOrg(w, r, nil, func(o *org) {
		p, i := findImage(w, o, productPK, pk)
		if p == nil {
			return
		}
		images := slices.Delete(*p.data.Images, i, i+1)
		p.data.Images = &images
		writeNoContent(w)
	})
}

// ---- plan features ----

// planFeatureObj is the PlanFeatureEntitlement object.
func (o *org) planFeatureObj(pf *planFeature) obj {
	out := obj{"details": pf.details}
	if f := o.features.get(pf.feature); f != nil {
		out["feature"] = f.data
	}
	return out
}

// findPlanVersion returns the organization's plan and the version asked
// for (the latest when version is nil), or responds with 404 when either is
// missing.
func findPlanVersion(w http.ResponseWriter, o *org, identifier string, version *int) (*plan, *planVersion) {
	p := findPlan(w, o, identifier)
	if p == nil {
		return nil, nil
	}
	if version == nil {
		return p, p.latest()
	}
	v := p.version(*version)
	if v == nil {
		writeDetail(w, http.StatusNotFound, notFound)
		return nil, nil
	}
	return p, v
}

// ListCatalogPlanFeatures lists the features of the latest version (or the
// one asked for) with their entitlement details.
func (f *fake) ListCatalogPlanFeatures(w http.ResponseWriter, r *http.Request, identifier string, params fakeapi.ListCatalogPlanFeaturesParams) {
	f.withOrg(w, r, nil, func(o *org) {
		_, v := findPlanVersion(w, o, identifier, params.Version)
		if v == nil {
			return
		}
		items := []obj{}
		for _, pf := range v.features {
			items = append(items, o.planFeatureObj(pf))
		}
		writeLargestPage(w, r, f.s.spec, items)
	})
}

// AddCatalogPlanFeatures adds features (or replaces the details of ones
// already there) on the plan's draft, opening one when the latest version
// is published. A feature of no catalog is 400.
func (f *fake) AddCatalogPlanFeatures(w http.ResponseWriter, r *http.Request, identifier string, _ fakeapi.AddCatalogPlanFeaturesParams) {
	var body struct {
		PlanEntitlements []struct {
			Feature openapi_types.UUID `json:"feature"`
			Details map[string]any     `json:"details"`
		} `json:"planEntitlements"`
	}
	f.withOrg(w, r, &body, func(o *org) {
		p := editablePlan(w, o, identifier)
		if p == nil {
			return
		}
		for _, pe := range body.PlanEntitlements {
			if ft := o.features.get(pe.Feature); ft == nil || deref(ft.data.IsArchived) {
				writeJSON(w, http.StatusBadRequest, obj{"planEntitlements": []obj{{"feature": []string{fmt.Sprintf("Invalid pk %q - object does not exist.", pe.Feature.String())}}}})
				return
			}
		}
		v := p.draft(f.s.now())
		for _, pe := range body.PlanEntitlements {
			d := pe.Details
			if d == nil {
				d = map[string]any{}
			}
			if i := slices.IndexFunc(v.features, func(pf *planFeature) bool { return pf.feature == pe.Feature }); i >= 0 {
				v.features[i].details = d
				continue
			}
			v.features = append(v.features, &planFeature{feature: pe.Feature, details: d})
		}
		v.data.ModifiedOn = ptr(f.s.now())
		writeJSON(w, http.StatusCreated, planJSON(p, v))
	})
}

// planFeatureIndex finds a feature of a plan version by its UUID or its
// identifier.
func (o *org) planFeatureIndex(v *planVersion, featureID string) int {
	return slices.IndexFunc(v.features, func(pf *planFeature) bool {
		if pf.feature.String() == featureID {
			return true
		}
		ft := o.features.get(pf.feature)
		return ft != nil && deref(ft.data.Identifier) == featureID
	})
}

// draftFeature returns the draft of the organization's plan, opened when
// needed, and the index in it of the feature featureID names (see
// planFeatureIndex); it responds with 404 when there is no such plan or its latest
// version lacks that feature.
func (o *org) draftFeature(w http.ResponseWriter, identifier, featureID string, t time.Time) (*planVersion, int) {
	p := editablePlan(w, o, identifier) // an archived plan is not edited, as with every other plan edit
	if p == nil {
		return nil, -1
	}
	if o.planFeatureIndex(p.latest(), featureID) < 0 {
		writeDetail(w, http.StatusNotFound, notFound)
		return nil, -1
	}
	v := p.draft(t)
	return v, o.planFeatureIndex(v, featureID)
}

// UpdateCatalogPlanFeature replaces a plan feature's entitlement details on
// the draft (opened when needed); a feature the plan lacks is 404.
func (f *fake) UpdateCatalogPlanFeature(w http.ResponseWriter, r *http.Request, identifier, featureID string) {
	var body struct {
		Details map[string]any `json:"details"`
	}
	f.withOrg(w, r, &body, func(o *org) {
		v, i := o.draftFeature(w, identifier, featureID, f.s.now())
		if v == nil {
			return
		}
		for k, val := range body.Details {
			v.features[i].details[k] = val
		}
		v.data.ModifiedOn = ptr(f.s.now())
		writeJSON(w, http.StatusOK, o.planFeatureObj(v.features[i]))
	})
}

// DeleteCatalogPlanFeature removes a feature from the draft (opened when
// needed); a feature the plan lacks is 404.
func (f *fake) DeleteCatalogPlanFeature(w http.ResponseWriter, r *http.Request, identifier, featureID string) {
	f.withOrg(w, r, nil, func(o *org) {
		v, i := o.draftFeature(w, identifier, featureID, f.s.now())
		if v == nil {
			return
		}
		v.features = slices.Delete(v.features, i, i+1)
		v.data.ModifiedOn = ptr(f.s.now())
		writeNoContent(w)
	})
}

// ---- plan prices ----

// ListCatalogPlanPrices lists the prices of the latest version (or the one
// asked for).
func (f *fake) ListCatalogPlanPrices(w http.ResponseWriter, r *http.Request, identifier string, params fakeapi.ListCatalogPlanPricesParams) {
	f.withOrg(w, r, nil, func(o *org) {
		_, v := findPlanVersion(w, o, identifier, params.Version)
		if v == nil {
			return
		}
		items := append([]map[string]any{}, v.prices...)
		writeLargestPage(w, r, f.s.spec, items)
	})
}

// BulkSetCatalogPlanPrices replaces the draft's prices (opening a draft
// when the latest version is published); two PAID prices in one currency
// are 400, and nothing changes.
func (f *fake) BulkSetCatalogPlanPrices(w http.ResponseWriter, r *http.Request, identifier string) {
	var body struct {
		Prices []map[string]any `json:"prices"`
	}
	f.withOrg(w, r, &body, func(o *org) {
		paid := map[string]bool{}
		for _, pr := range body.Prices {
			if pr["priceType"] != "PAID" {
				continue
			}
			cur, _ := pr["currency"].(string)
			if cur == "" {
				cur = defaultCurrency
			}
			if paid[cur] {
				writeFieldErrors(w, "prices", fmt.Sprintf("Only one PAID price per currency: %s appears twice.", cur))
				return
			}
			paid[cur] = true
		}
		_, v := editDraft(w, o, identifier, f.s.now())
		if v == nil {
			return
		}
		prices := []map[string]any{}
		for _, pr := range body.Prices {
			out := map[string]any{
				"id": newUUID().String(), "currency": defaultCurrency, "freeTrial": false, "trialPeriod": 0,
				"enabled": true, "taxBehavior": "UNSPECIFIED", "chargeCatalogPrice": []any{},
			}
			for k, val := range pr {
				out[k] = val
			}
			prices = append(prices, out)
		}
		v.prices = prices
		v.data.ModifiedOn = ptr(f.s.now())
		writeJSON(w, http.StatusOK, obj{"prices": prices})
	})
}

// ---- plan files ----

// findFile finds a file of the latest version of the organization's plan,
// or responds with 404 (and returns -1) when there is no such plan or file.
func findFile(w http.ResponseWriter, o *org, identifier string, pk openapi_types.UUID) (*planVersion, int) {
	p := findPlan(w, o, identifier)
	if p == nil {
		return nil, -1
	}
	v := p.latest()
	i := -1
	if v.data.Files != nil {
		i = slices.IndexFunc(*v.data.Files, func(pf fakeapi.PlanFile) bool { return pf.Id != nil && *pf.Id == pk })
	}
	if i < 0 {
		writeDetail(w, http.StatusNotFound, notFound)
	}
	return v, i
}

// UpdateCatalogPlanFile changes a file's name, order or enabled flag.
func (f *fake) UpdateCatalogPlanFile(w http.ResponseWriter, r *http.Request, identifier string, pk openapi_types.UUID) {
	var body fakeapi.PlanFileUpdateRequest
	f.withOrg(w, r, &body, func(o *org) {
		v, i := findFile(w, o, identifier, pk)
		if i < 0 {
			return
		}
		file := &(*v.data.Files)[i]
		patch(&file.Name, body.Name)
		patch(&file.Ordering, body.Ordering)
		patch(&file.Enabled, body.Enabled)
		writeJSON(w, http.StatusOK, *file)
	})
}

// DeleteCatalogPlanFile removes a file from the latest version.
func (f *fake) DeleteCatalogPlanFile(w http.ResponseWriter, r *http.Request, identifier string, pk openapi_types.UUID) {
	f.withOrg(w, r, nil, func(o *org) {
		v, i := findFile(w, o, identifier, pk)
		if i < 0 {
			return
		}
		files := slices.Delete(*v.data.Files, i, i+1)
		v.data.Files = &files
		writeNoContent(w)
	})
}

// DownloadCatalogPlanFile redirects (302) to a short-lived signed link to
// the file, served by the fake. It takes no credential, like the API, so the
// plan is looked up in every organization; an unknown plan or file is 404.
func (f *fake) DownloadCatalogPlanFile(w http.ResponseWriter, r *http.Request, identifier string, pk openapi_types.UUID) {
	st := f.s.state
	st.mu.Lock()
	var file *fakeapi.PlanFile
	for _, o := range st.orgs.all() {
		p := o.plans.get(identifier)
		if p == nil {
			continue
		}
		for _, v := range p.versions {
			for _, pf := range deref(v.data.Files) {
				if pf.Id != nil && *pf.Id == pk {
					file = &pf
				}
			}
		}
	}
	st.mu.Unlock()
	if file == nil {
		writeDetail(w, http.StatusNotFound, notFound)
		return
	}
	q := url.Values{}
	q.Set("expires", strconv.FormatInt(time.Now().Add(5*time.Minute).Unix(), 10))
	q.Set("signature", randomHex(16))
	w.Header().Set("Location", absoluteBase(r)+adminPrefix+"files/"+pk.String()+"/"+url.PathEscape(path.Base(deref(file.Name)))+"?"+q.Encode())
	w.WriteHeader(http.StatusFound)
}

// ---- media ----

// CreatePresignedUploadUrl returns where to upload a file (a form POST to
// the fake) and the key to name it by in imageKeys or fileKeys.
func (f *fake) CreatePresignedUploadUrl(w http.ResponseWriter, r *http.Request) {
	o := requireOrg(w, r)
	var body fakeapi.PresignedUploadRequest
	if o == nil || !decodeBody(w, r, &body) {
		return
	}
	key := "uploads/" + o.slug + "/" + newUUID().String() + "/" + path.Base(body.FileName)
	policy, _ := json.Marshal(obj{"key": key, "content-type": body.FileType, "expires": rfc3339(f.s.now().Add(time.Hour))})
	writeJSON(w, http.StatusOK, obj{
		"url":     absoluteBase(r) + adminPrefix + "uploads/",
		"fields":  map[string]string{"key": key, "Content-Type": body.FileType, "policy": string(policy), "signature": randomHex(20)},
		"fileKey": key,
	})
}
