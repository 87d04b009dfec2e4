package kelviqtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	kelviq "github.com/kelviq/kelviq-go"
	"github.com/kelviq/kelviq-go/kelviqtest"
)

// The contract test drives every operation of openapi.json through the
// fake over HTTP, in a scenario where each request names real objects, and
// validates every response against openapi.json with kin-openapi's
// openapi3filter.ValidateResponse: declared statuses only, and string
// formats checked (uuid, email, uri/url as absolute URLs, date, date-time).
// The checker is built here from the spec, independently of the fake.

// checker validates responses against openapi.json.
type checker struct {
	doc    *openapi3.T
	router routers.Router
	opts   *openapi3filter.Options
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$`)

func absoluteURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	return nil
}

func newChecker(t testing.TB) *checker {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(kelviq.OpenAPISpec())
	if err != nil {
		t.Fatal(err)
	}
	doc.Servers = openapi3.Servers{{URL: kelviqtest.BasePath}}
	for _, item := range doc.Paths.Map() {
		item.Servers = nil
		for _, op := range item.Operations() {
			op.Servers = nil
		}
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &checker{doc: doc, router: router, opts: &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{
			openapi3.EnableFormatValidation(),
			openapi3.WithStringFormatValidator("uuid", openapi3.NewCallbackValidator(func(s string) error {
				if !uuidRE.MatchString(s) {
					return fmt.Errorf("%q is not a UUID", s)
				}
				return nil
			})),
			openapi3.WithStringFormatValidator("email", openapi3.NewRegexpFormatValidator(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)),
			openapi3.WithStringFormatValidator("uri", openapi3.NewCallbackValidator(absoluteURL)),
			openapi3.WithStringFormatValidator("url", openapi3.NewCallbackValidator(absoluteURL)),
		},
	}}
}

// operations lists the spec's operation IDs.
func (c *checker) operations() []string {
	var ids []string
	for _, item := range c.doc.Paths.Map() {
		for _, op := range item.Operations() {
			ids = append(ids, op.OperationID)
		}
	}
	slices.Sort(ids)
	return ids
}

// check validates one response to method+rawURL (in the reference's own path
// style) and returns the operation it belongs to.
func (c *checker) check(method, rawURL string, status int, header http.Header, body []byte) (string, error) {
	req, err := http.NewRequest(method, rawURL, nil)
	if err != nil {
		return "", err
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		return "", fmt.Errorf("no operation for %s %s: %w", method, rawURL, err)
	}
	opts := *c.opts
	opts.ExcludeResponseBody = status == http.StatusNoContent || (status >= 300 && status <= 399)
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: &opts},
		Status:                 status,
		Header:                 header,
		Options:                &opts,
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return route.Operation.OperationID, err
	}
	if status == http.StatusNoContent && len(body) != 0 {
		return route.Operation.OperationID, fmt.Errorf("204 with a body: %s", body)
	}
	if len(body) > 0 {
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			return route.Operation.OperationID, fmt.Errorf("the body is not JSON: %w", err)
		}
		if k := filler(v); k != "" {
			return route.Operation.OperationID, fmt.Errorf("field %q holds its own name: %s", k, body)
		}
	}
	return route.Operation.OperationID, nil
}

// filler finds a string field whose value is its own name ("amount":
// "amount"), the mark of made-up responses.
func filler(v any) string {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if s, ok := val.(string); ok && s == k {
				return k
			}
			if f := filler(val); f != "" {
				return f
			}
		}
	case []any:
		for _, item := range x {
			if f := filler(item); f != "" {
				return f
			}
		}
	}
	return ""
}

// step is one request of the scenario. Strings in path, query and body may
// name variables as {name}; save records response values (by a dotted
// path such as "images.0.id") as variables.
type step struct {
	method string
	path   string
	query  map[string]string
	body   any
	want   int
	save   map[string]string
	// do runs instead of a request (a Go call on the server).
	do func(t *testing.T, srv *kelviqtest.Server, vars map[string]string)
	// visit is a plain GET of a URL variable (a page the fake serves outside
	// the API), not checked against the spec.
	visit string
}

// scenario walks through every operation with real objects.
func scenario() []step {
	type m = map[string]any
	type s = map[string]string
	return []step{
		{method: "POST", path: "/partner/organizations/", body: m{"externalId": "contract-co", "email": "owner@contract.example.com", "businessName": "Contract Co"}, want: 201,
			save: s{"org": "organizationIdentifier", "key": "serverKey", "ext": "partnerExternalId"}},
		{method: "GET", path: "/partner/organizations/", query: s{"external_id": "{ext}"}, want: 200},
		{method: "GET", path: "/partner/organizations/{org}/", want: 200},
		{method: "GET", path: "/partner/organizations/by-external-id/{ext}/", want: 200},
		{method: "POST", path: "/media/", body: m{"fileName": "hero.png", "fileType": "image/png"}, want: 200, save: s{"img1": "fileKey"}},
		{method: "POST", path: "/media/", body: m{"fileName": "side.png", "fileType": "image/png"}, want: 200, save: s{"img2": "fileKey"}},
		{method: "POST", path: "/media/", body: m{"fileName": "guide.pdf", "fileType": "application/pdf"}, want: 200, save: s{"file1": "fileKey"}},
		{method: "POST", path: "/media/", body: m{"fileName": "notes.pdf", "fileType": "application/pdf"}, want: 200, save: s{"file2": "fileKey"}},
		{method: "POST", path: "/catalog/products/", body: m{"name": "Analytics", "identifier": "analytics", "taxCode": "saas", "description": "Dashboards", "imageKeys": []string{"{img1}", "{img2}"}}, want: 201,
			save: s{"product": "id", "image1": "images.0.id", "image2": "images.1.id"}},
		{method: "POST", path: "/catalog/products/", body: m{"name": "Spare", "taxCode": "software"}, want: 201, save: s{"spareProduct": "id"}},
		{method: "GET", path: "/catalog/products/", query: s{"search": "analytics", "page": "1", "page_size": "10"}, want: 200},
		{method: "GET", path: "/catalog/products/{product}/", want: 200},
		{method: "PATCH", path: "/catalog/products/{product}/", body: m{"description": "Dashboards for small teams"}, want: 200},
		{method: "GET", path: "/catalog/products/{product}/settings/", want: 200},
		{method: "PATCH", path: "/catalog/products/{product}/settings/", body: m{"vpn": true, "productUrl": "https://analytics.example.com"}, want: 200},
		{method: "PATCH", path: "/catalog/products/{product}/image/{image1}/", body: m{"name": "Hero", "thumbnail": true}, want: 200},
		{method: "DELETE", path: "/catalog/products/{product}/image/{image2}/", want: 204},
		{method: "DELETE", path: "/catalog/products/{spareProduct}/", want: 204},
		{method: "POST", path: "/catalog/features/", body: m{"name": "API calls", "identifier": "api-calls", "featureType": "METER",
			"featureDetails": m{"featureSubType": "PRE_AGGREGATED_USAGE", "units": m{"singular": "call", "plural": "calls"}}}, want: 201, save: s{"meter": "id"}},
		{method: "POST", path: "/catalog/features/", body: m{"name": "Single sign-on", "identifier": "sso", "featureType": "BOOLEAN"}, want: 201, save: s{"sso": "id"}},
		{method: "POST", path: "/catalog/features/", body: m{"name": "Spare", "featureType": "BOOLEAN"}, want: 201, save: s{"spareFeature": "id"}},
		{method: "GET", path: "/catalog/features/", query: s{"page_size": "2"}, want: 200},
		{method: "GET", path: "/catalog/features/{meter}/", want: 200},
		{method: "DELETE", path: "/catalog/features/{spareFeature}/", want: 204},
		{method: "POST", path: "/catalog/plans/", body: m{"name": "Pro", "identifier": "pro", "product": "{product}", "description": "For growing teams",
			"fileKeys": []string{"{file1}", "{file2}"}, "links": []m{{"name": "Docs", "url": "https://docs.example.com/pro"}},
			"license": m{"enabled": true, "activationLimit": 2, "activationLimitEnabled": true, "durationUnit": "YEAR", "durationValue": 1, "hasExpiry": true}},
			want: 201, save: s{"file1id": "files.0.id", "file2id": "files.1.id"}},
		{method: "POST", path: "/catalog/plans/pro/features/", body: m{"planEntitlements": []m{
			{"feature": "{meter}", "details": m{"value": 100, "hardLimit": true, "reset": "EVERY_MONTH"}},
			{"feature": "{sso}", "details": m{"value": true}},
		}}, want: 201},
		{method: "POST", path: "/catalog/plans/pro/prices/bulk/", body: m{"prices": []m{{"priceType": "PAID", "currency": "USD", "chargeCatalogPrice": []m{{
			"priceModel": "FLAT", "charges": []m{
				{"chargePeriod": "MONTHLY", "priceData": m{"amount": "29.00"}},
				{"chargePeriod": "YEARLY", "priceData": m{"amount": "290.00"}},
			}}}}}}, want: 200},
		{method: "GET", path: "/catalog/plans/pro/prices/", want: 200},
		{method: "GET", path: "/catalog/plans/pro/features/", want: 200},
		{method: "PATCH", path: "/catalog/plans/pro/file/{file1id}/", body: m{"name": "Guide"}, want: 200},
		{method: "DELETE", path: "/catalog/plans/pro/file/{file2id}/", want: 204},
		{method: "POST", path: "/catalog/plans/pro/publish/", body: m{}, want: 200},
		{method: "GET", path: "/catalog/plans/pro/", want: 200},
		{method: "GET", path: "/catalog/plans/", want: 200},
		{method: "GET", path: "/catalog/plans/pro/file/{file1id}/download/", want: 302},
		{method: "POST", path: "/catalog/plans/", body: m{"name": "Basic", "identifier": "basic", "product": "{product}"}, want: 201},
		{method: "POST", path: "/catalog/plans/basic/features/", body: m{"planEntitlements": []m{
			{"feature": "{meter}", "details": m{"value": 10, "hardLimit": false}},
			{"feature": "{sso}", "details": m{"value": false}},
		}}, want: 201},
		{method: "POST", path: "/catalog/plans/basic/prices/bulk/", body: m{"prices": []m{{"priceType": "FREE"}}}, want: 200},
		{method: "POST", path: "/catalog/plans/basic/publish/", body: m{}, want: 200},
		{method: "PATCH", path: "/catalog/plans/basic/features/api-calls/", body: m{"details": m{"value": 20}}, want: 200},
		{method: "DELETE", path: "/catalog/plans/basic/features/sso/", want: 204},
		{method: "DELETE", path: "/catalog/plans/basic/discard/", want: 204},
		{method: "PATCH", path: "/catalog/plans/basic/", body: m{"name": "Basic v2"}, want: 200},
		{method: "DELETE", path: "/catalog/plans/basic/", want: 204},
		{method: "POST", path: "/customers/", body: m{"customerId": "cus_ada", "name": "Ada Lovelace", "email": "ada@example.com", "metadata": m{"tier": "gold"},
			"billingAddress": m{"country": "GB", "line1": "12 St James's Square", "city": "London", "postalCode": "SW1Y 4JH", "state": "London"}}, want: 201},
		{method: "GET", path: "/customers/", query: s{"search": "ada"}, want: 200},
		{method: "PATCH", path: "/customers/cus_ada/", body: m{"name": "Ada King"}, want: 200},
		{method: "POST", path: "/checkout/", body: m{"planIdentifier": "pro", "successUrl": "https://shop.example.com/thanks", "chargePeriod": "MONTHLY",
			"customerId": "cus_ada", "metadata": m{"campaign": "spring"}}, want: 201, save: s{"session": "checkoutSessionId", "checkoutUrl": "checkoutUrl"}},
		{visit: "checkoutUrl"},
		{method: "GET", path: "/checkout/sessions/", query: s{"status": "success"}, want: 200},
		{method: "GET", path: "/checkout/sessions/{session}/", want: 200, save: s{"order": "order.id", "sub": "subscription.id"}},
		{method: "GET", path: "/checkout/sessions/{session}/events/", want: 200},
		{method: "GET", path: "/orders/", query: s{"billing_type": "SUBSCRIPTION"}, want: 200},
		{method: "GET", path: "/orders/{order}/", want: 200},
		{method: "GET", path: "/orders/{order}/events/", want: 200},
		{method: "GET", path: "/transaction/", want: 200},
		{method: "GET", path: "/payment-methods/", query: s{"customer_id": "cus_ada"}, want: 200},
		{method: "POST", path: "/refunds/", body: m{"orderId": "{order}", "amountUnits": 500, "reason": "REQUESTED_BY_CUSTOMER"}, want: 200, save: s{"refund": "id"}},
		{method: "POST", path: "/refunds/", body: m{"orderId": "{order}", "amountUnits": 100000}, want: 400},
		{method: "GET", path: "/refunds/", want: 200},
		{method: "GET", path: "/refunds/{refund}/", want: 200},
		{method: "GET", path: "/subscriptions/", query: s{"customer_id": "cus_ada"}, want: 200},
		{method: "GET", path: "/subscriptions/{sub}/", want: 200, save: s{"licenseKey": "license.0.licenseKey"}},
		{method: "GET", path: "/entitlements/", query: s{"customer_id": "cus_ada"}, want: 200},
		{method: "POST", path: "/report/usage/", body: m{"value": 40, "customerId": "cus_ada", "featureId": "api-calls", "behaviour": "DELTA"}, want: 200},
		{method: "GET", path: "/entitlements/", query: s{"customer_id": "cus_ada", "feature_id": "api-calls"}, want: 200},
		{method: "POST", path: "/license/activate/", body: m{"licenseKey": "{licenseKey}", "customerId": "cus_ada", "instanceName": "laptop", "metadata": m{"os": "linux"}}, want: 201,
			save: s{"instance": "instanceId"}},
		{method: "POST", path: "/license/validate/", body: m{"licenseKey": "{licenseKey}", "instanceId": "{instance}"}, want: 200},
		{method: "POST", path: "/license/deactivate/", body: m{"licenseKey": "{licenseKey}", "instanceId": "{instance}"}, want: 200},
		{method: "POST", path: "/customers/", body: m{"customerId": "cus_bob", "email": "bob@example.com"}, want: 201},
		{method: "POST", path: "/subscriptions/create/", body: m{"planIdentifier": "pro", "chargePeriod": "YEARLY", "customerId": "cus_bob"}, want: 201, save: s{"sub2": "id"}},
		{method: "POST", path: "/subscriptions/{sub2}/update/", body: m{"planIdentifier": "pro", "chargePeriod": "MONTHLY"}, want: 200},
		{method: "POST", path: "/subscriptions/{sub2}/cancel/", body: m{"cancellationType": "IMMEDIATE", "cancellationFeedback": "TOO_EXPENSIVE"}, want: 200},
		{method: "POST", path: "/charges/", body: m{"planIdentifier": "pro", "chargePeriod": "ONE_TIME", "customerId": "cus_bob"}, want: 201},
		{method: "GET", path: "/monetization/product-offering/{product}/", query: s{"customer_id": "cus_ada"}, want: 200},
		{do: func(t *testing.T, srv *kelviqtest.Server, vars map[string]string) {
			if err := srv.AddPromotion(vars["org"], kelviqtest.Promotion{ID: "spring", Code: "SPRING20", Country: "Germany", CountryCode: "DE", Percentage: 20, Message: "20 % off this spring"}); err != nil {
				t.Fatal(err)
			}
		}},
		{method: "GET", path: "/promotions", query: s{"promotion_id": "spring"}, want: 200},
		{method: "POST", path: "/portal/session/", body: m{"customerId": "cus_ada"}, want: 200},
		{do: func(t *testing.T, srv *kelviqtest.Server, _ map[string]string) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.FlushWebhooks(ctx); err != nil {
				t.Fatal(err)
			}
		}},
		{method: "GET", path: "/webhook/logs/", want: 200},
	}
}

// notFound are requests naming objects that do not exist, one for each
// operation whose reference declares a 404.
func notFound() []step {
	type m = map[string]any
	type s = map[string]string
	const nobody = "6b1f3c52-8f0e-4c1a-9a51-2d6a4c1f0e77"
	return []step{
		{method: "GET", path: "/checkout/sessions/" + nobody + "/"},
		{method: "GET", path: "/checkout/sessions/" + nobody + "/events/"},
		{method: "POST", path: "/license/activate/", body: m{"licenseKey": "KQ-0000-0000-0000-0000"}},
		{method: "POST", path: "/license/deactivate/", body: m{"licenseKey": "KQ-0000-0000-0000-0000", "instanceId": nobody}},
		{method: "POST", path: "/license/validate/", body: m{"licenseKey": "KQ-0000-0000-0000-0000"}},
		{method: "GET", path: "/orders/" + nobody + "/"},
		{method: "GET", path: "/orders/" + nobody + "/events/"},
		{method: "POST", path: "/refunds/", body: m{"orderId": nobody}},
		{method: "GET", path: "/refunds/" + nobody + "/"},
		{method: "GET", path: "/subscriptions/" + nobody + "/"},
		{method: "GET", path: "/monetization/product-offering/" + nobody + "/"},
		{method: "GET", path: "/promotions", query: s{"promotion_id": "no-such-promotion"}},
		{method: "GET", path: "/catalog/products/" + nobody + "/"},
		{method: "DELETE", path: "/catalog/products/{product}/image/" + nobody + "/"},
		{method: "GET", path: "/catalog/features/" + nobody + "/"},
		{method: "GET", path: "/catalog/plans/no-such-plan/"},
		{method: "PATCH", path: "/catalog/plans/pro/file/" + nobody + "/", body: m{"name": "x.pdf"}},
		{method: "GET", path: "/catalog/plans/no-such-plan/file/" + nobody + "/download/"},
		{method: "GET", path: "/catalog/plans/pro/file/" + nobody + "/download/"},
		{method: "GET", path: "/partner/organizations/" + nobody + "/"},
		{method: "GET", path: "/partner/organizations/by-external-id/no-such-org/"},
	}
}

// style is how a client writes its requests.
type style struct {
	name  string
	snake bool // bodies in snake_case, query keys in camelCase
	slash bool // paths as the reference writes them (else the trailing slash toggled)
}

var (
	referenceStyle = style{name: "camelCase bodies, reference paths", slash: true}
	sdkStyle       = style{name: "snake_case bodies, camelCase query, trailing slash toggled", snake: true}
)

// exchange is one request and its response.
type exchange struct {
	method, refURL string // the URL in the reference's style
	status         int
	header         http.Header
	body           []byte
}

// runScenario provisions nothing beyond what steps do, runs them in a style
// and returns the exchanges, failing t when a status is not the one wanted.
func runScenario(t *testing.T, srv *kelviqtest.Server, steps []step, st style, vars map[string]string) []exchange {
	t.Helper()
	var out []exchange
	for i, sp := range steps {
		switch {
		case sp.do != nil:
			sp.do(t, srv, vars)
			continue
		case sp.visit != "":
			status, _, body := rawDo(t, "GET", vars[sp.visit], nil, nil)
			if status != http.StatusSeeOther {
				t.Fatalf("step %d: GET %s: %d %s", i, vars[sp.visit], status, body)
			}
			continue
		}
		ex := send(t, srv, sp, st, vars)
		if sp.want != 0 && ex.status != sp.want {
			t.Fatalf("step %d (%s): %s %s: status %d, want %d: %s", i, st.name, sp.method, ex.refURL, ex.status, sp.want, ex.body)
		}
		for name, path := range sp.save {
			v, ok := lookup(ex.body, path)
			if !ok {
				t.Fatalf("step %d: %s %s: no %q in %s", i, sp.method, ex.refURL, path, ex.body)
			}
			vars[name] = v
		}
		out = append(out, ex)
	}
	return out
}

// send makes one request in a style.
func send(t *testing.T, srv *kelviqtest.Server, sp step, st style, vars map[string]string) exchange {
	t.Helper()
	path := expand(sp.path, vars)
	q := url.Values{}
	for k, v := range sp.query {
		q.Set(k, expand(v, vars))
	}
	refURL := srv.URL() + path
	if len(q) > 0 {
		refURL += "?" + q.Encode()
	}
	sentPath, sentQ := path, q
	if !st.slash {
		if strings.HasSuffix(sentPath, "/") {
			sentPath = strings.TrimSuffix(sentPath, "/")
		} else {
			sentPath += "/"
		}
	}
	if st.snake {
		sentQ = url.Values{}
		for k, v := range q {
			sentQ[snakeToCamel(k)] = v
		}
	}
	sentURL := srv.URL() + sentPath
	if len(sentQ) > 0 {
		sentURL += "?" + sentQ.Encode()
	}
	header := http.Header{}
	switch {
	case strings.HasPrefix(path, "/partner/"):
		header.Set("X-Kelviq-Partner-Key", srv.PartnerKey())
	case strings.HasSuffix(path, "/download/"):
	default:
		header.Set("Authorization", "Bearer "+vars["key"])
	}
	var body []byte
	if sp.body != nil {
		v := expandAny(sp.body, vars)
		if st.snake {
			v = snakeBody(v)
		}
		var err error
		if body, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
		header.Set("Content-Type", "application/json")
	}
	status, respHeader, respBody := rawDo(t, sp.method, sentURL, header, body)
	return exchange{method: sp.method, refURL: refURL, status: status, header: respHeader, body: respBody}
}

var varRE = regexp.MustCompile(`\{([A-Za-z0-9]+)\}`)

func expand(s string, vars map[string]string) string {
	return varRE.ReplaceAllStringFunc(s, func(m string) string {
		if v, ok := vars[m[1:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

// expandAny expands variables in every string of a body.
func expandAny(v any, vars map[string]string) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case string:
			return expand(x, vars)
		case map[string]any:
			for k, val := range x {
				x[k] = walk(val)
			}
		case []any:
			for i, val := range x {
				x[i] = walk(val)
			}
		}
		return v
	}
	return walk(out)
}

// snakeBody writes every key of a body in snake_case, as kelviq's official
// SDKs do.
func snakeBody(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			out[kelviqtest.CamelToSnake(k)] = snakeBody(val)
		}
		return out
	case []any:
		for i, val := range x {
			x[i] = snakeBody(val)
		}
	}
	return v
}

func snakeToCamel(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// lookup reads a dotted path ("images.0.id") from a JSON body as a string.
func lookup(body []byte, path string) (string, bool) {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return "", false
	}
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[part]
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return "", false
			}
			v = x[i]
		default:
			return "", false
		}
	}
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return "", false
}

// webhookSink responds with 204 to every delivery and counts them.
type webhookSink struct {
	mu sync.Mutex
	n  int
}

func (s *webhookSink) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	s.n++
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func TestContract(t *testing.T) {
	t.Parallel()
	chk := newChecker(t)
	sink := httptest.NewServer(&webhookSink{})
	defer sink.Close()
	srv := kelviqtest.NewServer(t, kelviqtest.WithWebhook(sink.URL, "kq_whsec_contract"))
	vars := map[string]string{}
	exchanges := runScenario(t, srv, scenario(), referenceStyle, vars)

	seen := map[string]bool{}
	failed := map[string]bool{}
	for _, ex := range exchanges {
		op, err := chk.check(ex.method, ex.refURL, ex.status, ex.header, ex.body)
		if op != "" {
			seen[op] = true
		}
		if err != nil {
			failed[op] = true
			t.Errorf("%s %s → %d: %v\n%s", ex.method, ex.refURL, ex.status, err, ex.body)
		}
	}
	all := chk.operations()
	var missing []string
	for _, op := range all {
		if !seen[op] {
			missing = append(missing, op)
		}
	}
	if len(missing) > 0 {
		t.Errorf("operations the scenario never called: %v", missing)
	}
	clean := 0
	for _, op := range all {
		if seen[op] && !failed[op] {
			clean++
		}
	}
	t.Logf("contract: %d/%d operations called, %d/%d clean against openapi.json (formats checked), %d requests", len(seen), len(all), clean, len(all), len(exchanges))
	if clean != len(all) {
		t.Errorf("contract: %d/%d operations clean", clean, len(all))
	}
}

func TestUnknownIdentifiersAre404(t *testing.T) {
	t.Parallel()
	chk := newChecker(t)
	srv := kelviqtest.NewServer(t)
	vars := map[string]string{}
	runScenario(t, srv, scenario(), referenceStyle, vars)

	covered := map[string]bool{}
	for _, sp := range notFound() {
		ex := send(t, srv, sp, referenceStyle, vars)
		op, err := chk.check(ex.method, ex.refURL, ex.status, ex.header, ex.body)
		covered[op] = true
		if ex.status != http.StatusNotFound {
			t.Errorf("%s (%s %s) = %d, want 404: %s", op, ex.method, ex.refURL, ex.status, ex.body)
			continue
		}
		if err != nil {
			t.Errorf("%s: the 404 does not match the reference: %v\n%s", op, err, ex.body)
		}
	}
	// Every operation whose reference declares a 404 is covered.
	for _, item := range chk.doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.Responses.Status(404) != nil && !covered[op.OperationID] {
				t.Errorf("%s declares a 404 that no request here checks", op.OperationID)
			}
		}
	}
}

// masks hide what differs by nature between two runs: generated
// identifiers, keys, times and the server's port.
var masks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`), "<uuid>"},
	{regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})`), "<time>"},
	{regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{6})?`), "<time>"}, // reportUsage's timestamp, resetAt
	{regexp.MustCompile(`127\.0\.0\.1:\d+`), "<host>"},
	{regexp.MustCompile(`KQ(-[0-9A-F]{4}){4}`), "<license>"},
	{regexp.MustCompile(`\b(sk_test|ck_test|sub|inv|cus)_[0-9a-f]{8,}`), "<$1>"},
	{regexp.MustCompile(`[0-9a-f]{16,}`), "<hex>"},
	{regexp.MustCompile(`expires=\d+`), "expires=<n>"},
	{regexp.MustCompile(`"expires\\":\\"[^\\]*\\"`), "<expires>"},
}

func masked(b []byte) string {
	s := string(b)
	for _, m := range masks {
		s = m.re.ReplaceAllString(s, m.with)
	}
	return s
}

func TestKeyStylesAndTrailingSlashesGiveTheSameResponses(t *testing.T) {
	t.Parallel()
	run := func(st style) []exchange {
		sink := httptest.NewServer(&webhookSink{})
		t.Cleanup(sink.Close)
		srv := kelviqtest.NewServer(t, kelviqtest.WithWebhook(sink.URL, "kq_whsec_styles"))
		return runScenario(t, srv, scenario(), st, map[string]string{})
	}
	ref, sdk := run(referenceStyle), run(sdkStyle)
	if len(ref) != len(sdk) {
		t.Fatalf("%d responses against %d", len(ref), len(sdk))
	}
	for i := range ref {
		a, b := masked(ref[i].body), masked(sdk[i].body)
		if ref[i].status != sdk[i].status || a != b {
			t.Errorf("%s %s:\n reference style: %d %s\n SDK style:       %d %s", ref[i].method, ref[i].refURL, ref[i].status, a, sdk[i].status, b)
		}
	}
	// The comparison is not vacuous: the responses carry the data sent.
	joined := string(bytes.Join(func() [][]byte {
		var bs [][]byte
		for _, ex := range sdk {
			bs = append(bs, ex.body)
		}
		return bs
	}(), nil))
	for _, want := range []string{`"postalCode":"SW1Y 4JH"`, `"planIdentifier":"pro"`, `"chargePeriod":"MONTHLY"`, `"hardLimit":true`, `"currentUsage":40`} {
		if !strings.Contains(joined, want) {
			t.Errorf("no %s in the SDK-style responses", want)
		}
	}
}
