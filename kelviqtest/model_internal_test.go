package kelviqtest

import (
	"encoding/json"
	"reflect"
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
