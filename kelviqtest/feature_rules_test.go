package kelviqtest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/kelviqtest"
	"github.com/kelviq/kelviq-go/wrapper"
)

// A METER feature names a featureSubType and its units, and a RAW_EVENTS
// one a meter with an aggregation and filters, as createCatalogFeature's
// reference says; a 400 names the field.
func TestMeterFeaturesNeedTheirDetails(t *testing.T) {
	t.Parallel()
	s := newShop(t, kelviqtest.NewServer(t), "meter-rules")
	ctx := context.Background()
	units := map[string]any{"singular": "call", "plural": "calls"}
	for _, tc := range []struct {
		name    string
		details *map[string]any
		meter   *map[string]any
		field   string // "" when the feature is created
	}{
		{"no details", nil, nil, "featureDetails"},
		{"no sub-type", &map[string]any{"units": units}, nil, "featureDetails"},
		{"unknown sub-type", &map[string]any{"featureSubType": "HOURLY", "units": units}, nil, "featureDetails"},
		{"no units", &map[string]any{"featureSubType": "PRE_AGGREGATED_USAGE"}, nil, "featureDetails"},
		{"raw events without a meter", &map[string]any{"featureSubType": "RAW_EVENTS", "units": units}, nil, "meter"},
		{"raw events, meter without filters", &map[string]any{"featureSubType": "RAW_EVENTS", "units": units}, &map[string]any{"aggregation": "COUNT"}, "meter"},
		{"pre-aggregated", testkit.MeterDetails(), nil, ""},
		{"raw events", &map[string]any{"featureSubType": "RAW_EVENTS", "units": units}, &map[string]any{"aggregation": "COUNT", "filters": []any{}}, ""},
	} {
		ident := strings.ReplaceAll(tc.name, " ", "-")
		ident = strings.ReplaceAll(ident, ",", "")
		_, err := s.c.Catalog.Features.Create(ctx, api.FeatureCreateRequest{Name: tc.name, Identifier: &ident, FeatureType: "METER", FeatureDetails: tc.details, Meter: tc.meter})
		var apiErr *wrapper.APIError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.field != "" && (!errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest || len(apiErr.FieldErrors[tc.field]) == 0):
			t.Errorf("%s: want 400 naming %s, got %v", tc.name, tc.field, err)
		}
	}
}

// A feature's identifier, type and details cannot change once it is
// created: the API has no operation that updates a feature, and the fake
// responds to such a request with 405.
func TestFeaturesCannotBeUpdated(t *testing.T) {
	t.Parallel()
	for _, op := range api.Operations() {
		if strings.HasPrefix(op.Path(), "/catalog/features/{") && op.Method() != http.MethodGet && op.Method() != http.MethodDelete {
			t.Errorf("%s %s %s changes a feature", op.ID(), op.Method(), op.Path())
		}
	}
	srv := kelviqtest.NewServer(t)
	s := newShop(t, srv, "feature-frozen")
	ctx := context.Background()
	var id string
	for f, err := range s.c.Catalog.Features.All(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		id = f.Id.String()
	}
	for _, method := range []string{http.MethodPatch, http.MethodPut} {
		req, _ := http.NewRequest(method, srv.URL()+"/catalog/features/"+id+"/", strings.NewReader(`{"featureType":"BOOLEAN"}`))
		req.Header.Set("Authorization", "Bearer "+s.org.ServerKey.Reveal())
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s a feature: %d, want 405", method, resp.StatusCode)
		}
	}
}

// Making one of a product's images the thumbnail makes the others not
// thumbnails (updateCatalogProductImage).
func TestOneThumbnailPerProduct(t *testing.T) {
	t.Parallel()
	s := newShop(t, kelviqtest.NewServer(t), "thumbnails")
	ctx := context.Background()
	var keys []string
	for _, name := range []string{"front.png", "back.png", "side.png"} {
		up := testkit.Must(s.c.Media.CreateUploadURL(ctx, api.PresignedUploadRequest{FileName: name, FileType: "image/png"}))(t)
		keys = append(keys, *up.FileKey)
	}
	p := testkit.Must(s.c.Catalog.Products.Create(ctx, api.ProductCreateRequest{Name: "Pictured", TaxCode: api.ProductCreateRequestTaxCodeSaas, ImageKeys: &keys}))(t)
	thumbs := func() []bool {
		t.Helper()
		got := testkit.Must(s.c.Catalog.Products.Get(ctx, p.Id.String()))(t)
		var out []bool
		for _, img := range *got.Images {
			out = append(out, *img.Thumbnail)
		}
		return out
	}
	if got := thumbs(); len(got) != 3 || !got[0] || got[1] || got[2] {
		t.Fatalf("new product's thumbnails = %v, want the first only", got)
	}
	imgs := *testkit.Must(s.c.Catalog.Products.Get(ctx, p.Id.String()))(t).Images
	testkit.Must(s.c.Catalog.Products.UpdateImage(ctx, p.Id.String(), imgs[2].Id.String(), api.ProductImageUpdateRequest{Thumbnail: testkit.Ptr(true)}))(t)
	if got := thumbs(); got[0] || got[1] || !got[2] {
		t.Fatalf("after making the third the thumbnail: %v", got)
	}
}
