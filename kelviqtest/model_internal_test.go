package kelviqtest

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kelviq/kelviq-go/internal/fakeapi"
)

// roundTrip is v marshalled and unmarshalled into a JSON object: the copy
// the fake used to make, kept here as the oracle of the direct copies.
func roundTrip(t *testing.T, v any) obj {
	t.Helper()
	var out obj
	if err := json.Unmarshal([]byte(marshal(t, v)), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestHookAddressAsRoundTrip: hookAddress writes every field of
// fakeapi.BillingAddress under its snake_case name, with the values the
// JSON round trip gave, for a full address, one whose line2 is null and an
// empty one; no address is {}.
func TestHookAddressAsRoundTrip(t *testing.T) {
	full := fakeapi.BillingAddress{City: ptr("Lyon"), Country: ptr("FR"), Line1: ptr("3 rue Neuve"),
		PostalCode: ptr("69002"), State: ptr("ARA")}
	full.Line2.Set("2e étage")
	nullLine2 := full
	nullLine2.Line2.SetNull()
	for name, a := range map[string]fakeapi.BillingAddress{"full": full, "null line2": nullLine2, "empty": {}} {
		want := obj{"line1": nil, "line2": nil, "city": nil, "state": nil, "postal_code": nil, "country": nil}
		for k, v := range roundTrip(t, a) {
			want[camelToSnake(k)] = v
		}
		if got := hookAddress(a); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: hookAddress = %v, want %v", name, got, want)
		}
	}
	got := hookAddress(full)
	typ := reflect.TypeFor[fakeapi.BillingAddress]()
	for i := range typ.NumField() {
		key := camelToSnake(strings.Split(typ.Field(i).Tag.Get("json"), ",")[0])
		if got[key] == nil {
			t.Errorf("hookAddress leaves out BillingAddress.%s (%s)", typ.Field(i).Name, key)
		}
	}
	if len(got) != typ.NumField() {
		t.Errorf("hookAddress has %d keys, BillingAddress %d fields", len(got), typ.NumField())
	}
	if got := hookAddress(nil); !reflect.DeepEqual(got, obj{}) {
		t.Errorf("hookAddress(nil) = %v, want {}", got)
	}
}

// TestProductObjAsRoundTrip: productObj encodes byte for byte as the JSON
// round trip of the stored product did, and a later in-place edit of the
// product's images leaves an earlier copy as it was.
func TestProductObjAsRoundTrip(t *testing.T) {
	id := newUUID()
	img := fakeapi.ProductImage{Enabled: ptr(true), Id: ptr(newUUID()), Image: ptr("https://files.example/a.png"), Ordering: ptr(1), Thumbnail: ptr(false)}
	img.Name.SetNull()
	p := &product{data: fakeapi.Product{Id: &id, Name: ptr("Pro <tier>"), Identifier: ptr("pro"), Description: ptr("d"),
		CreatedBy: ptr("u1"), ModifiedOn: ptr(time.Date(2026, 3, 4, 5, 6, 7, 891000, time.UTC)),
		TaxCode: ptr(fakeapi.ProductTaxCode("SAAS")), Images: &[]fakeapi.ProductImage{img}}}
	o := &org{}
	o.products.add(id, p)

	got := o.productObj(id)
	if g, w := marshal(t, got), marshal(t, roundTrip(t, p.data)); g != w {
		t.Errorf("productObj encodes as\n%s\nwant\n%s", g, w)
	}
	before := marshal(t, got)
	(*p.data.Images)[0].Enabled = ptr(false)
	if after := marshal(t, got); after != before {
		t.Errorf("editing the product's image changed an earlier productObj:\n%s\nwas\n%s", after, before)
	}

	other := newUUID()
	if g, w := marshal(t, o.productObj(other)), marshal(t, obj{"id": other.String()}); g != w {
		t.Errorf("productObj of an unknown product = %s, want %s", g, w)
	}
}

// TestCloneMapDeep: cloneMap's copy encodes as the original and shares no
// object or list with it.
func TestCloneMapDeep(t *testing.T) {
	orig := obj{"a": 1, "s": "x", "n": nil, "m": obj{"k": []any{obj{"z": true}}}, "l": []map[string]any{{"q": 2.5}}}
	c := cloneMap(orig)
	if g, w := marshal(t, c), marshal(t, orig); g != w {
		t.Fatalf("cloneMap = %s, want %s", g, w)
	}
	want := marshal(t, orig)
	c["m"].(obj)["k"].([]any)[0].(obj)["z"] = false
	c["l"].([]map[string]any)[0]["q"] = 0
	if got := marshal(t, orig); got != want {
		t.Errorf("editing the copy changed the original: %s, was %s", got, want)
	}
	if cloneMap(nil) != nil {
		t.Error("cloneMap(nil) is not nil")
	}
}

// draftByRoundTrip is the draft's fields as plan.draft used to make them:
// the latest version's fields marshalled and unmarshalled, then numbered
// one higher and stamped t.
func draftByRoundTrip(t *testing.T, d fakeapi.CatalogPlan, at time.Time) fakeapi.CatalogPlan {
	t.Helper()
	var out fakeapi.CatalogPlan
	if err := json.Unmarshal([]byte(marshal(t, d)), &out); err != nil {
		t.Fatal(err)
	}
	out.Version = ptr(deref(d.Version) + 1)
	out.CreatedOn, out.ModifiedOn = &at, &at
	return out
}

// TestDraftAsRoundTrip: a draft opened from a published version encodes
// byte for byte as the JSON round trip of that version did (every field of
// CatalogPlan set, an explicit null ordering, empty lists and objects, a
// zero version, lists and objects pointing to nil), and editing the
// draft's lists, objects and license rules in place leaves the published
// version as it was.
func TestDraftAsRoundTrip(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 600000000, time.UTC)
	at := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	fileID, product := newUUID(), newUUID()
	full := fakeapi.CatalogPlan{
		Countries: &[]string{"FR", "DE"}, CreatedOn: &created, Description: ptr("for <teams>"),
		Details:    &map[string]any{"seats": float64(5), "tiers": []any{map[string]any{"upTo": float64(10)}}, "note": nil},
		Files:      &[]fakeapi.PlanFile{{DownloadUrl: ptr("https://files.example/f"), Enabled: ptr(true), File: ptr("f.zip"), Id: &fileID, Name: ptr("F"), Ordering: ptr(0)}},
		Identifier: ptr("team"), IsImported: ptr(false), IsLatest: ptr(true), IsVisible: ptr(true),
		License:    &fakeapi.LicenseConfig{ActivationLimit: ptr(3), Enabled: ptr(true)},
		Links:      &[]fakeapi.PlanLink{{Name: ptr("docs"), Url: ptr("https://docs.example")}},
		Metadata:   &map[string]any{"tier": "b", "flags": map[string]any{"beta": true}},
		ModifiedOn: &created, Name: ptr("Team"), Product: &product, Version: ptr(2),
	}
	full.Ordering.Set(4)
	rv := reflect.ValueOf(full)
	for i := range rv.NumField() {
		if rv.Field(i).IsZero() {
			t.Errorf("the full case leaves CatalogPlan.%s unset: set it, and copy it in clonePlanData", rv.Type().Field(i).Name)
		}
	}
	nullOrdering := full
	nullOrdering.Ordering = nil
	nullOrdering.Ordering.SetNull()
	empty := fakeapi.CatalogPlan{Countries: &[]string{}, Details: &map[string]any{}, Files: &[]fakeapi.PlanFile{},
		Links: &[]fakeapi.PlanLink{}, Metadata: &map[string]any{}, License: &fakeapi.LicenseConfig{}}
	var nilCountries []string
	var nilDetails map[string]any
	pointsToNil := fakeapi.CatalogPlan{Countries: &nilCountries, Details: &nilDetails}

	for name, d := range map[string]fakeapi.CatalogPlan{"full": full, "null ordering": nullOrdering,
		"empty lists and objects": empty, "zero": {}, "pointers to nil": pointsToNil} {
		want := marshal(t, draftByRoundTrip(t, d, at))
		before := marshal(t, d)
		p := &plan{versions: []*planVersion{{data: d, status: planPublished}}}
		v := p.draft(at)
		if len(p.versions) != 2 || p.versions[1] != v || v.status != planDraft {
			t.Fatalf("%s: draft did not open a second version: %d versions, status %q", name, len(p.versions), v.status)
		}
		if got := marshal(t, v.data); got != want {
			t.Errorf("%s: the draft encodes as\n%s\nwant\n%s", name, got, want)
		}
		if again := p.draft(at.Add(time.Hour)); again != v || len(p.versions) != 2 {
			t.Errorf("%s: a second draft call opened another version", name)
		}

		// Edit everything the draft holds in place, as the handlers do.
		if v.data.Files != nil && len(*v.data.Files) > 0 {
			file := &(*v.data.Files)[0]
			file.Name = ptr("renamed")
			files := slices.Delete(*v.data.Files, 0, 1)
			v.data.Files = &files
		}
		if v.data.Countries != nil && len(*v.data.Countries) > 0 {
			(*v.data.Countries)[0] = "XX"
		}
		if v.data.Links != nil && len(*v.data.Links) > 0 {
			(*v.data.Links)[0].Url = ptr("https://other.example")
		}
		if v.data.Details != nil {
			(*v.data.Details)["seats"] = float64(6)
			if tiers, ok := (*v.data.Details)["tiers"].([]any); ok {
				tiers[0].(map[string]any)["upTo"] = float64(99)
			}
		}
		if v.data.Metadata != nil {
			(*v.data.Metadata)["tier"] = "c"
			if flags, ok := (*v.data.Metadata)["flags"].(map[string]any); ok {
				flags["beta"] = false
			}
		}
		if v.data.License != nil {
			v.data.License.Enabled = ptr(false)
		}
		if v.data.Ordering != nil {
			v.data.Ordering[true] = 7
		}
		if after := marshal(t, p.versions[0].data); after != before {
			t.Errorf("%s: editing the draft changed the published version:\n%s\nwas\n%s", name, after, before)
		}
	}
}
