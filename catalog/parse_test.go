package catalog_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	kelviq "github.com/kelviq/kelviq-go"
	"github.com/kelviq/kelviq-go/catalog"
)

// base is a small valid file the bad cases below break in one place each.
const base = `products:
  - identifier: atlas
    name: Atlas
    taxCode: saas
features:
  - identifier: seats
    name: Seats
    type: CUSTOMIZABLE
plans:
  - identifier: pro
    name: Pro
    product: atlas
    entitlements:
      - feature: seats
        value: 5
    prices:
      - priceType: PAID
        currency: EUR
`

// Bad files give errors that name the file, line and column, the field
// and the rule.
func TestBadFilesNameFileLineFieldAndRule(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, old, new string
		want           []string // each must appear in one error line
	}{
		{"unknown key, suggested", "    taxCode: saas", "    taxcode: saas",
			[]string{`kelviq.yaml:4:5: products[0].taxcode: unknown key: did you mean "taxCode"?`}},
		{"unknown key, listed", "    name: Pro\n", "    name: Pro\n    colour: blue\n",
			[]string{`kelviq.yaml:12:5: plans[0].colour: unknown key (the keys here: identifier, name, product, description, isVisible, metadata, entitlements, prices)`}},
		{"unknown top-level key", "products:", "prodcts: []\nproducts:",
			[]string{`kelviq.yaml:1:1: prodcts: unknown key: did you mean "products"?`}},
		{"missing required", "    name: Seats\n", "",
			[]string{`kelviq.yaml:6:5: features[0].name: is required (Display name.)`}},
		{"empty required", "    name: Atlas", "    name: \"\"",
			[]string{`kelviq.yaml:3:11: products[0].name: must not be empty`}},
		{"not a slug", "  - identifier: pro", "  - identifier: Pro Plan",
			[]string{`kelviq.yaml:10:17: plans[0].identifier: "Pro Plan" is not an identifier`}},
		{"enum, suggested", "    type: CUSTOMIZABLE", "    type: CUSTOMISABLE",
			[]string{`kelviq.yaml:8:11: features[0].type: "CUSTOMISABLE" is not one of BOOLEAN, CUSTOMIZABLE, METER: did you mean "CUSTOMIZABLE"?`}},
		{"duplicate identifier names both places", "plans:\n", "  - identifier: seats\n    name: Seats again\n    type: METER\nplans:\n",
			[]string{`kelviq.yaml:9:17: features[1].identifier: duplicate identifier "seats": also at features[0].identifier (kelviq.yaml:6:17)`}},
		{"unknown product", "    product: atlas", "    product: atlass",
			[]string{`kelviq.yaml:12:14: plans[0].product: no product "atlass" in this file (its products: atlas)`}},
		{"a UUID is no reference", "    product: atlas", "    product: 3f1c9b2e-5d1a-4c1e-9a53-0b8e2f1d7c44",
			[]string{`kelviq.yaml:12:14: plans[0].product: "3f1c9b2e-5d1a-4c1e-9a53-0b8e2f1d7c44" is a UUID: name the product by its identifier`}},
		{"unknown feature", "      - feature: seats", "      - feature: sseats",
			[]string{`kelviq.yaml:14:18: plans[0].entitlements[0].feature: no feature "sseats" in this file (its features: seats)`}},
		{"value of the wrong type", "        value: 5", "        value: five",
			[]string{`kelviq.yaml:15:16: plans[0].entitlements[0].value: must be true, false or a number (it is the string "five")`}},
		{"boolean", "    name: Pro\n", "    name: Pro\n    isVisible: yes please\n",
			[]string{`kelviq.yaml:12:16: plans[0].isVisible: must be true or false (it is the string "yes please")`}},
		{"minimum", "        currency: EUR", "        currency: EUR\n        trialPeriod: -1",
			[]string{`kelviq.yaml:19:22: plans[0].prices[0].trialPeriod: must be at least 0`}},
		{"list expected", "    entitlements:\n      - feature: seats\n        value: 5\n", "    entitlements: seats\n",
			[]string{`kelviq.yaml:13:19: plans[0].entitlements: must be a list (it is the string "seats")`}},
		{"duplicate key", "    name: Pro\n", "    name: Pro\n    name: Pro 2\n",
			[]string{`kelviq.yaml:12:5: plans[0].name: duplicate key (first at line 11)`}},
		{"second PAID price in a currency", "        currency: EUR\n", "        currency: EUR\n      - priceType: PAID\n        currency: EUR\n",
			[]string{`kelviq.yaml:19:9: plans[0].prices[1].currency: a second PAID price in currency "EUR"`}},
		{"entitlement twice", "        value: 5\n", "        value: 5\n      - feature: seats\n        value: 6\n",
			[]string{`kelviq.yaml:16:18: plans[0].entitlements[1].feature: duplicate feature "seats": also at plans[0].entitlements[0].feature (kelviq.yaml:14:18)`}},
		{"syntax", "    name: Pro\n", "    name: Pro\n   bad: [\n",
			[]string{`kelviq.yaml:`, `not valid YAML or JSON`}},
	}
	dir := t.TempDir()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(base, tc.old) {
				t.Fatalf("the case's old text %q is not in the base file", tc.old)
			}
			path := filepath.Join(dir, "kelviq.yaml")
			file := strings.Replace(base, tc.old, tc.new, 1)
			got, err := parseFile(t, path, file)
			if err == nil {
				t.Fatalf("no error; parsed %+v", got)
			}
			var e *catalog.Error
			if !errors.As(err, &e) || e.File != path {
				t.Fatalf("error %v is not a *catalog.Error naming the file", err)
			}
			msg := strings.ReplaceAll(err.Error(), path, "kelviq.yaml")
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error:\n%s\nwant it to contain:\n%s", msg, w)
				}
			}
		})
	}
}

// parseFile writes content to path and loads it (one file per case, in
// turn: t.Run above runs its cases one after the other).
func parseFile(t *testing.T, path, content string) (*catalog.Catalog, error) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return catalog.Load(path)
}

func TestParseErrorsWithoutAFileNameSayInput(t *testing.T) {
	t.Parallel()
	_, err := catalog.Parse([]byte("plans:\n  - name: Pro\n"))
	if err == nil || !strings.Contains(err.Error(), "input:2:5: plans[0].identifier: is required") {
		t.Fatalf("error: %v", err)
	}
	if _, err := catalog.Parse(nil); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("empty input: %v", err)
	}
	if _, err := catalog.Load(filepath.Join(t.TempDir(), "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

// Unknown keys in entitlements and prices are kept and written back.
func TestEntitlementAndPriceKeysPassThrough(t *testing.T) {
	t.Parallel()
	file := strings.Replace(base, "        value: 5\n", "        value: 5\n        rollover:\n          enabled: true\n        resetTime: \"09:00\"\n", 1)
	file = strings.Replace(file, "        currency: EUR\n", "        currency: EUR\n        introductoryOffer: 3\n", 1)
	c, err := catalog.Parse([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	e := c.Plans[0].Entitlements[0]
	if !reflect.DeepEqual(e.Extra, map[string]any{"rollover": map[string]any{"enabled": true}, "resetTime": "09:00"}) {
		t.Fatalf("entitlement extra %v", e.Extra)
	}
	if p := c.Plans[0].Prices[0]; !reflect.DeepEqual(p.Extra, map[string]any{"introductoryOffer": int64(3)}) {
		t.Fatalf("price extra %v", p.Extra)
	}
	out, err := c.YAML()
	if err != nil {
		t.Fatal(err)
	}
	back, err := catalog.Parse(out)
	if err != nil || !reflect.DeepEqual(back, c) {
		t.Fatalf("written back:\n%s\nerr %v", out, err)
	}
}

// JSON is read too, with the same rules and line numbers.
func TestJSONFilesAreRead(t *testing.T) {
	t.Parallel()
	fromYAML, err := catalog.Parse([]byte(base))
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.MarshalIndent(map[string]any{
		"$schema":  catalog.SchemaURL,
		"products": []any{map[string]any{"identifier": "atlas", "name": "Atlas", "taxCode": "saas"}},
		"features": []any{map[string]any{"identifier": "seats", "name": "Seats", "type": "CUSTOMIZABLE"}},
		"plans": []any{map[string]any{"identifier": "pro", "name": "Pro", "product": "atlas",
			"entitlements": []any{map[string]any{"feature": "seats", "value": 5}},
			"prices":       []any{map[string]any{"priceType": "PAID", "currency": "EUR"}}}},
	}, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := catalog.Parse(data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	fromJSON.Schema = ""
	if !reflect.DeepEqual(fromJSON, fromYAML) {
		t.Fatalf("JSON %+v\nYAML %+v", fromJSON, fromYAML)
	}
	bad := bytes.Replace(data, []byte(`"taxCode"`), []byte(`"tax_code"`), 1)
	if _, err := catalog.Parse(bad); err == nil || !strings.Contains(err.Error(), `products[0].tax_code: unknown key: did you mean "taxCode"?`) ||
		!strings.Contains(err.Error(), "input:") {
		t.Fatalf("bad JSON: %v", err)
	}
}

// The committed kelviq.schema.json is what Schema makes (make
// check-generated regenerates it too), and it names every key of the
// starter file.
func TestSchemaIsCommittedAndCoversTheFormat(t *testing.T) {
	t.Parallel()
	committed, err := os.ReadFile("kelviq.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, catalog.Schema()) {
		t.Fatal("kelviq.schema.json is stale: run go generate ./catalog/")
	}
	var s struct {
		Properties map[string]any            `json:"properties"`
		Defs       map[string]map[string]any `json:"$defs"`
	}
	if err := json.Unmarshal(committed, &s); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"products", "features", "plans"} {
		if s.Properties[k] == nil {
			t.Errorf("the schema lacks %s", k)
		}
	}
	for def, extra := range map[string]bool{"Product": false, "Feature": false, "Plan": false, "Entitlement": true, "Price": true} {
		if d := s.Defs[def]; d == nil || d["additionalProperties"] != extra {
			t.Errorf("$defs.%s: %v (want additionalProperties %v)", def, d, extra)
		}
	}
}

// The format's enums are the API's: checked against openapi.json.
func TestEnumsMatchTheSpec(t *testing.T) {
	t.Parallel()
	var spec struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Enum []string `json:"enum"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(kelviq.OpenAPISpec(), &spec); err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Defs map[string]struct {
			Properties map[string]struct {
				Enum  []string `json:"enum"`
				AnyOf []struct {
					Enum []string `json:"enum"`
				} `json:"anyOf"`
			} `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(catalog.Schema(), &schema); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ def, key, specSchema, specKey string }{
		{"Product", "taxCode", "ProductCreateRequest", "taxCode"},
		{"Feature", "type", "FeatureCreateRequest", "featureType"},
		{"Price", "priceType", "PlanPriceCreateRequest", "priceType"},
		{"Price", "taxBehavior", "PlanPriceCreateRequest", "taxBehavior"},
		{"Entitlement", "reset", "PlanEntitlementDetails", "reset"},
	} {
		p := schema.Defs[c.def].Properties[c.key]
		got := p.Enum
		if len(p.AnyOf) > 0 {
			got = p.AnyOf[0].Enum
		}
		want := spec.Components.Schemas[c.specSchema].Properties[c.specKey].Enum
		if len(want) == 0 || !sameSet(got, want) {
			t.Errorf("%s.%s enum %v, the spec's %s.%s %v", c.def, c.key, got, c.specSchema, c.specKey, want)
		}
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// The starter is valid, small, and comes with the schema comment.
func TestStarterIsValid(t *testing.T) {
	t.Parallel()
	s := catalog.Starter()
	if !bytes.HasPrefix(s, []byte("# yaml-language-server: $schema="+catalog.SchemaURL)) {
		t.Fatalf("the starter does not name the schema:\n%s", s)
	}
	c, err := catalog.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Products) != 1 || len(c.Features) != 3 || len(c.Plans) != 2 {
		t.Fatalf("starter: %d products, %d features, %d plans", len(c.Products), len(c.Features), len(c.Plans))
	}
	s[0] = 'X' // a copy: the package's own is unchanged
	if catalog.Starter()[0] != '#' {
		t.Fatal("Starter returns the package's own bytes")
	}
}

// WriteFile refuses to replace a file unless told to, and writes what Load
// reads back.
func TestWriteFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "kelviq.yaml")
	if err := catalog.WriteFile(path, catalog.Starter(), false); err != nil {
		t.Fatal(err)
	}
	if err := catalog.WriteFile(path, []byte("products: []\n"), false); !errors.Is(err, os.ErrExist) {
		t.Fatalf("second write without overwrite: %v", err)
	}
	if c, err := catalog.Load(path); err != nil || len(c.Plans) != 2 {
		t.Fatalf("the file was replaced or does not load: %v", err)
	}
	if err := catalog.WriteFile(path, []byte("products: []\n"), true); err != nil {
		t.Fatal(err)
	}
	if c, err := catalog.Load(path); err != nil || len(c.Plans) != 0 {
		t.Fatalf("after overwrite: %+v, %v", c, err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Fatalf("temporary files left: %v", entries)
	}
}

// Pull leaves out a price's server-owned fields: today only id is marked
// readOnly in openapi.json (PlanPrice and what it holds). When the spec
// marks more, Pull must leave them out too.
func TestServerOwnedPriceFieldsAreWhatPullStrips(t *testing.T) {
	t.Parallel()
	var spec struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					ReadOnly bool `json:"readOnly"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(kelviq.OpenAPISpec(), &spec); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, name := range []string{"PlanPrice", "PlanChargeCatalogPrice", "PlanCharge", "PlanEntitlementDetails"} {
		s, ok := spec.Components.Schemas[name]
		if !ok {
			t.Fatalf("openapi.json has no schema %s", name)
		}
		for k, p := range s.Properties {
			if p.ReadOnly {
				got = append(got, name+"."+k)
			}
		}
	}
	if !slices.Equal(got, []string{"PlanPrice.id"}) {
		t.Fatalf("read-only fields %v: make Pull leave them out (pull.go), then update this test", got)
	}
}
