package wrapper_test

// Tests of the generated services (wrapper/services.gen.go): every operation
// of the API is called through the wrapper against one httptest server,
// which matches each request to its operation independently of the client.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/oapi-codegen/nullable"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/wrapper"
)

const (
	svcUUID1      = "3f2b6c1e-8d4a-4c2b-9a1e-7b6c5d4e3f21"
	svcUUID2      = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
	svcSignedURL  = "https://files.example.com/signed/plan.pdf?sig=abc&exp=60"
	svcAPIPrefix  = "/api/v1"
	svcEdgePrefix = "/edge/v1"
)

func svcDate(s string) *openapi_types.Date {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &openapi_types.Date{Time: d}
}

// svcCall is one operation called through the wrapper, and the request it
// must produce.
type svcCall struct {
	op     string
	method string
	path   string // escaped, relative to the base (or edge) URL
	query  string // compared as url.Values
	body   string // JSON, compared as values; "" means no body
	call   func(ctx context.Context, c *wrapper.Client) error
}

var (
	svcPartnerOps = []string{"provisionPartnerOrganization", "listPartnerOrganizations", "retrievePartnerOrganization", "retrievePartnerOrganizationByExternalId"}
	svcNoAuthOps  = []string{"downloadCatalogPlanFile"}
	svcEdgeOps    = []string{"getCustomerEntitlements", "getPromotion"}
)

func svcCalls() []svcCall {
	u1, u2 := uuid.MustParse(svcUUID1), uuid.MustParse(svcUUID2)
	// ignore drops a result: these calls are checked by the request they send.
	ignore := func(_ any, err error) error { return err }
	return []svcCall{
		// Customers
		{op: "listCustomers", method: "GET", path: "/customers/", query: "search=ada+lovelace&page=2&page_size=25",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Customers.List(ctx, &api.ListCustomersParams{Search: new("ada lovelace"), Page: new(2), PageSize: new(25)}))
			}},
		{op: "createCustomer", method: "POST", path: "/customers/", body: `{"customerId":"cus_42","email":"ada@example.com"}`,
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "cus_42", Email: nullable.NewNullableWithValue("ada@example.com")}))
			}},
		{op: "updateCustomer", method: "PATCH", path: "/customers/cus%2F42%20%C3%A4/", body: `{"name":"Ada","email":null}`,
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Customers.Update(ctx, "cus/42 ä", api.CustomerUpdateRequest{
					Name: nullable.NewNullableWithValue("Ada"), Email: nullable.NewNullNullable[string]()}))
			}},
		// Checkout
		{op: "createCheckoutSession", method: "POST", path: "/checkout/",
			body: `{"planIdentifier":"pro","successUrl":"https://shop.example/ok","chargePeriod":"MONTHLY"}`,
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Checkout.CreateSession(ctx, api.CreateCheckoutSessionRequest{
					PlanIdentifier: "pro", SuccessUrl: "https://shop.example/ok", ChargePeriod: api.CreateCheckoutSessionRequestChargePeriodMONTHLY}))
			}},
		{op: "listCheckoutSessions", method: "GET", path: "/checkout/sessions/", query: "status=complete&start_date=2024-01-02",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.CheckoutSessions.List(ctx, &api.ListCheckoutSessionsParams{Status: new("complete"), StartDate: svcDate("2024-01-02")}))
			}},
		{op: "retrieveCheckoutSession", method: "GET", path: "/checkout/sessions/cs_1/",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.CheckoutSessions.Get(ctx, "cs_1"))
			}},
		{op: "listCheckoutSessionEvents", method: "GET", path: "/checkout/sessions/cs_1/events/", query: "page_size=5",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.CheckoutSessions.ListEvents(ctx, "cs_1", &api.ListCheckoutSessionEventsParams{PageSize: new(5)}))
			}},
		// Entitlements (edge)
		{op: "getCustomerEntitlements", method: "GET", path: "/entitlements/", query: "customer_id=cus_42&feature_id=seats",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Entitlements.Get(ctx, api.GetCustomerEntitlementsParams{CustomerId: "cus_42", FeatureId: new("seats")}))
			}},
		// Licenses
		{op: "licenseActivate", method: "POST", path: "/license/activate/", body: `{"licenseKey":"LK-1","instanceName":"build-01"}`,
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Licenses.Activate(ctx, api.LicenseActivation{LicenseKey: "LK-1", InstanceName: new("build-01")}))
			}},
		{op: "licenseDeactivate", method: "POST", path: "/license/deactivate/", body: `{"instanceId":"` + svcUUID1 + `","licenseKey":"LK-1"}`,
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Licenses.Deactivate(ctx, api.LicenseDeactivation{InstanceId: u1, LicenseKey: "LK-1"}))
			}},
		{op: "licenseValidate", method: "POST", path: "/license/validate/", body: `{"licenseKey":"LK-1","instanceId":"` + svcUUID2 + `"}`,
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Licenses.Validate(ctx, api.LicenseValidate{LicenseKey: "LK-1", InstanceId: &u2}))
			}},
		// Usage
		{op: "reportUsage", method: "POST", path: "/report/usage/", body: `{"value":3,"customerId":"cus_42","featureId":"api-calls","behaviour":"DELTA"}`,
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Usage.Report(ctx, api.ReportUsageRequest{Value: 3, CustomerId: "cus_42", FeatureId: "api-calls", Behaviour: api.ReportUsageRequestBehaviourDELTA}))
			}},
		// Transactions
		{op: "listTransactions", method: "GET", path: "/transaction/",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Transactions.List(ctx, nil))
			}},
		// Orders
		{op: "listOrders", method: "GET", path: "/orders/", query: "search=ada&status=COMPLETE&is_renewal=true&end_date=2024-12-31",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Orders.List(ctx, &api.ListOrdersParams{Search: new("ada"), Status: new(api.ListOrdersParamsStatusCOMPLETE),
					IsRenewal: new(true), EndDate: svcDate("2024-12-31")}))
			}},
		{op: "retrieveOrder", method: "GET", path: "/orders/ord%207/",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Orders.Get(ctx, "ord 7"))
			}},
		{op: "listOrderEvents", method: "GET", path: "/orders/ord%207/events/", query: "page=3",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Orders.ListEvents(ctx, "ord 7", &api.ListOrderEventsParams{Page: new(3)}))
			}},
		// Webhook logs
		{op: "listWebhookEventLogs", method: "GET", path: "/webhook/logs/", query: "start_date=2024-01-01",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.WebhookLogs.List(ctx, &api.ListWebhookEventLogsParams{StartDate: svcDate("2024-01-01")}))
			}},
		// Refunds
		{op: "listRefunds", method: "GET", path: "/refunds/", query: "search=ord_7",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Refunds.List(ctx, &api.ListRefundsParams{Search: new("ord_7")}))
			}},
		{op: "createRefund", method: "POST", path: "/refunds/", body: `{"orderId":"ord_7","amount":12.50}`,
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Refunds.Create(ctx, api.RefundCreateRequest{OrderId: "ord_7", Amount: new(json.Number("12.50"))}))
			}},
		{op: "retrieveRefund", method: "GET", path: "/refunds/" + svcUUID1 + "/",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Refunds.Get(ctx, svcUUID1))
			}},
		// Charges
		{op: "createCharge", method: "POST", path: "/charges/", body: `{"planIdentifier":"pro","chargePeriod":"ONE_TIME","customerId":"cus_42"}`,
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Charges.Create(ctx, api.CreateChargeRequest{PlanIdentifier: "pro", ChargePeriod: api.CreateChargeRequestChargePeriodONETIME, CustomerId: "cus_42"}))
			}},
		// Subscriptions
		{op: "listSubscriptions", method: "GET", path: "/subscriptions/", query: "customer_id=cus_42&status=active",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Subscriptions.List(ctx, &api.ListSubscriptionsParams{CustomerId: new("cus_42"), Status: new("active")}))
			}},
		{op: "createSubscription", method: "POST", path: "/subscriptions/create/", body: `{"planIdentifier":"pro","chargePeriod":"MONTHLY","customerId":"cus_42"}`,
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Subscriptions.Create(ctx, api.CreateSubscriptionRequest{PlanIdentifier: "pro",
					ChargePeriod: api.CreateSubscriptionRequestChargePeriodMONTHLY, CustomerId: nullable.NewNullableWithValue("cus_42")}))
			}},
		{op: "retrieveSubscription", method: "GET", path: "/subscriptions/" + svcUUID2 + "/",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Subscriptions.Get(ctx, svcUUID2))
			}},
		{op: "updateSubscription", method: "POST", path: "/subscriptions/" + svcUUID2 + "/update/", body: `{"planIdentifier":"team","chargePeriod":"YEARLY"}`,
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Subscriptions.Update(ctx, svcUUID2, api.UpdateSubscriptionRequest{PlanIdentifier: "team", ChargePeriod: api.UpdateSubscriptionRequestChargePeriodYEARLY}))
			}},
		{op: "cancelSubscription", method: "POST", path: "/subscriptions/" + svcUUID2 + "/cancel/", body: `{"cancellationType":"IMMEDIATE"}`,
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Subscriptions.Cancel(ctx, svcUUID2, api.CancelSubscriptionRequest{CancellationType: api.IMMEDIATE}))
			}},
		// Monetization
		{op: "getProductOffering", method: "GET", path: "/monetization/product-offering/" + svcUUID1 + "/", query: "customer_id=cus_42&ip_address=203.0.113.9",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Monetization.GetProductOffering(ctx, svcUUID1, &api.GetProductOfferingParams{CustomerId: new("cus_42"), IpAddress: new("203.0.113.9")}))
			}},
		// Promotions (edge)
		{op: "getPromotion", method: "GET", path: "/promotions", query: "promotion_id=promo+1",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Promotions.Get(ctx, api.GetPromotionParams{PromotionId: "promo 1"}))
			}},
		// Portal
		{op: "createPortalSession", method: "POST", path: "/portal/session/", body: `{"customerId":"cus_42"}`,
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Portal.CreateSession(ctx, api.CreatePortalSessionRequest{CustomerId: "cus_42"}))
			}},
		// Catalog: products
		{op: "listCatalogProducts", method: "GET", path: "/catalog/products/", query: "search=pro",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Catalog.Products.List(ctx, &api.ListCatalogProductsParams{Search: new("pro")}))
			}},
		{op: "createCatalogProduct", method: "POST", path: "/catalog/products/", body: `{"name":"Pro","taxCode":"saas"}`,
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Catalog.Products.Create(ctx, api.ProductCreateRequest{Name: "Pro", TaxCode: api.ProductCreateRequestTaxCodeSaas}))
			}},
		{op: "retrieveCatalogProduct", method: "GET", path: "/catalog/products/" + svcUUID1 + "/",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Catalog.Products.Get(ctx, svcUUID1))
			}},
		{op: "updateCatalogProduct", method: "PATCH", path: "/catalog/products/" + svcUUID1 + "/", body: `{"name":"Pro 2"}`,
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Catalog.Products.Update(ctx, svcUUID1, api.ProductUpdateRequest{Name: new("Pro 2")}))
			}},
		{op: "deleteCatalogProduct", method: "DELETE", path: "/catalog/products/" + svcUUID1 + "/",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return c.Catalog.Products.Delete(ctx, svcUUID1)
			}},
		{op: "getCatalogProductSettings", method: "GET", path: "/catalog/products/" + svcUUID1 + "/settings/",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Catalog.Products.GetSettings(ctx, svcUUID1))
			}},
		{op: "updateCatalogProductSettings", method: "PATCH", path: "/catalog/products/" + svcUUID1 + "/settings/", body: `{"vpn":false}`,
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Catalog.Products.UpdateSettings(ctx, svcUUID1, api.ProductSettingsUpdateRequest{Vpn: new(false)}))
			}},
		{op: "updateCatalogProductImage", method: "PATCH", path: "/catalog/products/" + svcUUID1 + "/image/" + svcUUID2 + "/", body: `{"thumbnail":true}`,
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Catalog.Products.UpdateImage(ctx, svcUUID1, svcUUID2, api.ProductImageUpdateRequest{Thumbnail: new(true)}))
			}},
		{op: "deleteCatalogProductImage", method: "DELETE", path: "/catalog/products/" + svcUUID1 + "/image/" + svcUUID2 + "/",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return c.Catalog.Products.DeleteImage(ctx, svcUUID1, svcUUID2)
			}},
		// Catalog: features
		{op: "listCatalogFeatures", method: "GET", path: "/catalog/features/", query: "page=1&page_size=100",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Catalog.Features.List(ctx, &api.ListCatalogFeaturesParams{Page: new(1), PageSize: new(100)}))
			}},
		{op: "createCatalogFeature", method: "POST", path: "/catalog/features/", body: `{"name":"Seats","featureType":"CUSTOMIZABLE"}`,
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Catalog.Features.Create(ctx, api.FeatureCreateRequest{Name: "Seats", FeatureType: api.FeatureCreateRequestFeatureTypeCUSTOMIZABLE}))
			}},
		{op: "retrieveCatalogFeature", method: "GET", path: "/catalog/features/" + svcUUID2 + "/",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Catalog.Features.Get(ctx, svcUUID2))
			}},
		{op: "deleteCatalogFeature", method: "DELETE", path: "/catalog/features/" + svcUUID2 + "/",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return c.Catalog.Features.Delete(ctx, svcUUID2)
			}},
		// Catalog: plans
		{op: "listCatalogPlans", method: "GET", path: "/catalog/plans/",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Catalog.Plans.List(ctx, nil))
			}},
		{op: "createCatalogPlan", method: "POST", path: "/catalog/plans/", body: `{"name":"Pro","product":"` + svcUUID1 + `"}`,
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Catalog.Plans.Create(ctx, api.PlanCreateRequest{Name: "Pro", Product: u1}))
			}},
		{op: "retrieveCatalogPlan", method: "GET", path: "/catalog/plans/pro-plan/", query: "version=2",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Catalog.Plans.Get(ctx, "pro-plan", &api.RetrieveCatalogPlanParams{Version: new(2)}))
			}},
		{op: "updateCatalogPlan", method: "PATCH", path: "/catalog/plans/pro-plan/", body: `{"description":"Best"}`,
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Catalog.Plans.Update(ctx, "pro-plan", nil, api.PlanUpdateRequest{Description: new("Best")}))
			}},
		{op: "deleteCatalogPlan", method: "DELETE", path: "/catalog/plans/pro-plan/", query: "version=1",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return c.Catalog.Plans.Delete(ctx, "pro-plan", &api.DeleteCatalogPlanParams{Version: new(1)})
			}},
		{op: "publishCatalogPlan", method: "POST", path: "/catalog/plans/pro-plan/publish/", body: `{"updatePricing":true}`,
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Catalog.Plans.Publish(ctx, "pro-plan", api.PlanPublishRequest{UpdatePricing: new(true)}))
			}},
		{op: "discardCatalogPlanDraft", method: "DELETE", path: "/catalog/plans/pro-plan/discard/",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return c.Catalog.Plans.DiscardDraft(ctx, "pro-plan")
			}},
		{op: "listCatalogPlanPrices", method: "GET", path: "/catalog/plans/pro-plan/prices/",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Catalog.Plans.ListPrices(ctx, "pro-plan", nil))
			}},
		{op: "bulkSetCatalogPlanPrices", method: "POST", path: "/catalog/plans/pro-plan/prices/bulk/", body: `{"prices":[{"priceType":"PAID","currency":"USD"}]}`,
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Catalog.Plans.BulkSetPrices(ctx, "pro-plan", api.PlanPriceBulkRequest{Prices: []api.PlanPriceCreateRequest{
					{PriceType: api.PlanPriceCreateRequestPriceTypePAID, Currency: new("USD")}}}))
			}},
		{op: "listCatalogPlanFeatures", method: "GET", path: "/catalog/plans/pro-plan/features/", query: "version=1",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Catalog.Plans.ListFeatures(ctx, "pro-plan", &api.ListCatalogPlanFeaturesParams{Version: new(1)}))
			}},
		{op: "addCatalogPlanFeatures", method: "POST", path: "/catalog/plans/pro-plan/features/",
			body: `{"planEntitlements":[{"feature":"` + svcUUID2 + `","details":{"hardLimit":true,"value":5}}]}`,
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Catalog.Plans.AddFeatures(ctx, "pro-plan", nil, api.PlanFeaturesCreateRequest{PlanEntitlements: []api.PlanFeatureEntitlementWrite{
					{Feature: u2, Details: api.PlanEntitlementDetails{HardLimit: new(true), Value: new(any(5))}}}}))
			}},
		{op: "updateCatalogPlanFeature", method: "PATCH", path: "/catalog/plans/pro-plan/features/api%20calls/", body: `{"details":{"value":10}}`,
			call: func(ctx context.Context, c *wrapper.Client) error {
				raw, err := c.Catalog.Plans.UpdateFeature(ctx, "pro-plan", "api calls", api.PlanFeaturePatchRequest{Details: api.PlanEntitlementDetails{Value: new(any(10))}})
				if err == nil && string(raw) != `{}` {
					err = fmt.Errorf("raw response = %q, want {}", raw)
				}
				return err
			}},
		{op: "deleteCatalogPlanFeature", method: "DELETE", path: "/catalog/plans/pro-plan/features/api%20calls/",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return c.Catalog.Plans.DeleteFeature(ctx, "pro-plan", "api calls")
			}},
		{op: "updateCatalogPlanFile", method: "PATCH", path: "/catalog/plans/pro-plan/file/" + svcUUID2 + "/", body: `{"enabled":false}`,
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Catalog.Plans.UpdateFile(ctx, "pro-plan", svcUUID2, api.PlanFileUpdateRequest{Enabled: new(false)}))
			}},
		{op: "deleteCatalogPlanFile", method: "DELETE", path: "/catalog/plans/pro-plan/file/" + svcUUID2 + "/",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return c.Catalog.Plans.DeleteFile(ctx, "pro-plan", svcUUID2)
			}},
		{op: "downloadCatalogPlanFile", method: "GET", path: "/catalog/plans/pro-plan/file/" + svcUUID2 + "/download/",
			call: func(ctx context.Context, c *wrapper.Client) error {
				u, err := c.Catalog.Plans.DownloadURL(ctx, "pro-plan", svcUUID2)
				if err == nil && u.String() != svcSignedURL {
					err = fmt.Errorf("DownloadURL = %s, want %s", u, svcSignedURL)
				}
				return err
			}},
		// Media
		{op: "createPresignedUploadUrl", method: "POST", path: "/media/", body: `{"fileName":"logo.png","fileType":"image/png"}`,
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Media.CreateUploadURL(ctx, api.PresignedUploadRequest{FileName: "logo.png", FileType: "image/png"}))
			}},
		// Payment methods
		{op: "listPaymentMethods", method: "GET", path: "/payment-methods/", query: "customer_email=ada%40example.com",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.PaymentMethods.List(ctx, &api.ListPaymentMethodsParams{CustomerEmail: new("ada@example.com")}))
			}},
		// Partner (hand-written helpers)
		{op: "provisionPartnerOrganization", method: "POST", path: "/partner/organizations/", body: `{"externalId":"northwind-1","email":"ops@northwind.example"}`,
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Partner.Provision(ctx, wrapper.ProvisionParams{ExternalID: "northwind-1", Email: "ops@northwind.example"}))
			}},
		{op: "listPartnerOrganizations", method: "GET", path: "/partner/organizations/", query: "external_id=northwind-1",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Partner.List(ctx, &wrapper.ListPartnerOrganizationsOptions{ExternalID: "northwind-1"}))
			}},
		{op: "retrievePartnerOrganization", method: "GET", path: "/partner/organizations/" + svcUUID1 + "/",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Partner.Get(ctx, svcUUID1))
			}},
		{op: "retrievePartnerOrganizationByExternalId", method: "GET", path: "/partner/organizations/by-external-id/north%2Fwind%201/",
			call: func(ctx context.Context, c *wrapper.Client) error {
				return ignore(c.Partner.GetByExternalID(ctx, "north/wind 1"))
			}},
	}
}

func svcSameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// TestServicesCallEveryOperation calls every operation through the
// wrapper (the generated service methods and the partner helpers) and
// checks each request: method, escaped path, query, host (API or edge), the
// single right credential and the body. It fails if any operation of
// wrapper.Operations() was not called.
func TestServicesCallEveryOperation(t *testing.T) {
	c, srv := setup(t)
	ctx := context.Background()
	calls := svcCalls()
	listed := map[string]bool{}
	for _, tc := range calls {
		if listed[tc.op] {
			t.Fatalf("operation %s is listed twice", tc.op)
		}
		listed[tc.op] = true
		t.Run(tc.op, func(t *testing.T) {
			before := len(srv.requests())
			if err := tc.call(ctx, c); err != nil {
				t.Fatalf("call: %v", err)
			}
			reqs := srv.requests()[before:]
			if len(reqs) != 1 {
				t.Fatalf("server got %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.OpID != tc.op {
				t.Errorf("request %s %s matched operation %q, want %s", r.Method, r.Path, r.OpID, tc.op)
			}
			if r.Method != tc.method {
				t.Errorf("method = %s, want %s", r.Method, tc.method)
			}
			if r.Path != tc.path {
				t.Errorf("path = %s, want %s", r.Path, tc.path)
			}
			wantQuery, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			if len(wantQuery) == 0 {
				wantQuery = url.Values{}
			}
			if !reflect.DeepEqual(r.Query, wantQuery) {
				t.Errorf("query = %v, want %v", r.Query, wantQuery)
			}
			if wantEdge := slices.Contains(svcEdgeOps, tc.op); r.Edge != wantEdge {
				t.Errorf("sent to the edge host: %t, want %t", r.Edge, wantEdge)
			}
			auth, partner := r.Header.Get("Authorization"), r.Header.Get("X-Kelviq-Partner-Key")
			switch {
			case slices.Contains(svcPartnerOps, tc.op):
				if partner != testkit.PartnerKey || auth != "" {
					t.Errorf("credentials: partner key %q, Authorization %q; want only the partner key", partner, auth)
				}
			case slices.Contains(svcNoAuthOps, tc.op):
				if partner != "" || auth != "" {
					t.Errorf("credentials: partner key %q, Authorization %q; want none", partner, auth)
				}
			default:
				if auth != "Bearer "+testkit.ServerKey || partner != "" {
					t.Errorf("credentials: partner key %q, Authorization %q; want only the bearer server key", partner, auth)
				}
			}
			switch {
			case tc.body == "" && len(r.Body) != 0:
				t.Errorf("body = %s, want none", r.Body)
			case tc.body != "":
				if !svcSameJSON(r.Body, []byte(tc.body)) {
					t.Errorf("body = %s, want %s", r.Body, tc.body)
				}
				if ct := r.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
			}
		})
	}
	called := map[string]bool{}
	for _, r := range srv.requests() {
		if r.OpID != "" {
			called[r.OpID] = true
		}
	}
	ops := wrapper.Operations()
	for _, op := range ops {
		if !called[op.ID()] {
			t.Errorf("operation %s (%s %s) was never called through the wrapper", op.ID(), op.Method(), op.Path())
		}
	}
	if len(called) != len(ops) || len(calls) != len(ops) {
		t.Errorf("called %d distinct operations in %d calls; the API has %d", len(called), len(calls), len(ops))
	}
}

// TestServicesDecodeResponses checks that results come back decoded.
func TestServicesDecodeResponses(t *testing.T) {
	c, srv := setup(t)
	srv.setResponder(func(w http.ResponseWriter, r *http.Request, req testRequest) bool {
		w.Header().Set("Content-Type", "application/json")
		switch req.OpID {
		case "retrieveOrder":
			_, _ = io.WriteString(w, `{"id":"ord_7","amountTotal":"12.50","isTrial":false}`)
		case "updateCustomer":
			_, _ = io.WriteString(w, `{"customerId":"cus_42","name":"Ada"}`)
		case "getCustomerEntitlements":
			_, _ = io.WriteString(w, `{"customerId":"cus_42","entitlements":[{"featureId":"seats","hasAccess":true}]}`)
		default:
			return false
		}
		return true
	})
	ctx := context.Background()

	o, err := c.Orders.Get(ctx, "ord_7")
	if err != nil {
		t.Fatal(err)
	}
	if wrapper.Deref(o.Id) != "ord_7" || (*o.AmountTotal) != "12.50" || wrapper.Deref(o.IsTrial) {
		t.Errorf("order = %+v", o)
	}
	cu, err := c.Customers.Update(ctx, "cus_42", api.CustomerUpdateRequest{Name: nullable.NewNullableWithValue("Ada")})
	if err != nil {
		t.Fatal(err)
	}
	if wrapper.Deref(cu.CustomerId) != "cus_42" {
		b, _ := json.Marshal(cu)
		t.Errorf("customer = %s", b)
	}
	ent, err := c.Entitlements.Get(ctx, api.GetCustomerEntitlementsParams{CustomerId: "cus_42"})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(ent); !strings.Contains(string(b), `"seats"`) {
		t.Errorf("entitlements = %s", b)
	}
	if reqs := srv.requests(); !reqs[len(reqs)-1].Edge {
		t.Error("entitlements did not go to the edge host")
	}
}

// TestServicesErrorsAreAPIErrors checks that a non-success response comes back
// as the sender's *APIError through a generated method.
func TestServicesErrorsAreAPIErrors(t *testing.T) {
	c, srv := setup(t)
	srv.setResponder(func(w http.ResponseWriter, r *http.Request, req testRequest) bool {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"detail":"No Refund matches the given query."}`)
		return true
	})
	_, err := c.Refunds.Get(context.Background(), svcUUID1)
	var apiErr *wrapper.APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, wrapper.ErrNotFound) {
		t.Fatalf("err = %v, want an *APIError matching ErrNotFound", err)
	}
	if apiErr.OperationID != "retrieveRefund" || !strings.Contains(apiErr.Message, "No Refund") {
		t.Errorf("APIError = %+v", apiErr)
	}
	if err := c.Catalog.Products.Delete(context.Background(), svcUUID1); !errors.Is(err, wrapper.ErrNotFound) {
		t.Errorf("Delete err = %v, want ErrNotFound", err)
	}
}

// TestServicesValidateBeforeIO checks that bad input fails before anything
// is sent, with a *ValidationError naming the spec's parameter or property.
func TestServicesValidateBeforeIO(t *testing.T) {
	c, srv := setup(t)
	ctx := context.Background()
	drain := func(seq func(func(api.OrderEventResponse, error) bool)) error {
		for _, err := range seq {
			return err
		}
		return nil
	}
	cases := []struct {
		name, field string
		call        func() error
	}{
		{"refund id not a UUID", "refundId", func() error { _, err := c.Refunds.Get(ctx, "not-a-uuid"); return err }},
		{"empty subscription id", "subscriptionId", func() error {
			_, err := c.Subscriptions.Cancel(ctx, "", api.CancelSubscriptionRequest{CancellationType: api.IMMEDIATE})
			return err
		}},
		{"product image: product", "product_pk", func() error { return c.Catalog.Products.DeleteImage(ctx, "x", svcUUID2) }},
		{"product image: image", "pk", func() error { return c.Catalog.Products.DeleteImage(ctx, svcUUID1, svcUUID1+"0") }},
		{"plan file id", "pk", func() error { _, err := c.Catalog.Plans.DownloadURL(ctx, "pro-plan", "file-1"); return err }},
		{"plan identifier dot-dot", "identifier", func() error { return c.Catalog.Plans.DiscardDraft(ctx, "..") }},
		{"order id control char", "id", func() error { _, err := c.Orders.Get(ctx, "ord\n7"); return err }},
		{"all events: bad order id", "id", func() error { return drain(c.Orders.AllEvents(ctx, "", nil)) }},
		{"required query", "customer_id", func() error {
			_, err := c.Entitlements.Get(ctx, api.GetCustomerEntitlementsParams{})
			return err
		}},
		{"required query (edge promotion)", "promotion_id", func() error { _, err := c.Promotions.Get(ctx, api.GetPromotionParams{}); return err }},
		{"required body string", "customerId", func() error { _, err := c.Customers.Create(ctx, api.CustomerCreateRequest{}); return err }},
		{"required body enum", "chargePeriod", func() error {
			_, err := c.Charges.Create(ctx, api.CreateChargeRequest{PlanIdentifier: "pro", CustomerId: "cus_42"})
			return err
		}},
		{"required body uuid", "product", func() error { _, err := c.Catalog.Plans.Create(ctx, api.PlanCreateRequest{Name: "Pro"}); return err }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var ve *wrapper.ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, wrapper.ErrInvalidInput) {
				t.Fatalf("err = %v, want a *ValidationError", err)
			}
			if ve.Field != tc.field {
				t.Errorf("ValidationError.Field = %q, want %q (%v)", ve.Field, tc.field, err)
			}
		})
	}
	if n := len(srv.requests()); n != 0 {
		t.Errorf("server got %d requests, want 0", n)
	}
}

// svcPages serves n orders in pages, as the API would: next is an absolute
// URL (on nextHost when set) while there are more items.
func svcPages(total int, nextHost string) func(w http.ResponseWriter, r *http.Request, req testRequest) bool {
	return func(w http.ResponseWriter, r *http.Request, req testRequest) bool {
		if req.OpID != "listOrders" {
			return false
		}
		page, _ := strconv.Atoi(req.Query.Get("page"))
		size, _ := strconv.Atoi(req.Query.Get("page_size"))
		if page < 1 || size < 1 {
			http.Error(w, `{"detail":"bad paging"}`, http.StatusBadRequest)
			return true
		}
		var items []string
		for i := (page-1)*size + 1; i <= min(page*size, total); i++ {
			items = append(items, fmt.Sprintf(`{"id":"ord_%03d"}`, i))
		}
		next := "null"
		if page*size < total {
			host := "http://" + r.Host
			if nextHost != "" {
				host = nextHost
			}
			next = strconv.Quote(fmt.Sprintf("%s%s/orders/?page=%d&page_size=%d", host, svcAPIPrefix, page+1, size))
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"count":%d,"next":%s,"previous":null,"results":[%s]}`, total, next, strings.Join(items, ","))
		return true
	}
}

func svcListRequests(srv *testServer) []testRequest {
	var out []testRequest
	for _, r := range srv.requests() {
		if r.OpID == "listOrders" {
			out = append(out, r)
		}
	}
	return out
}

func TestServicesAllWalksEveryPage(t *testing.T) {
	c, srv := setup(t)
	srv.setResponder(svcPages(230, ""))
	var ids []string
	for o, err := range c.Orders.All(context.Background(), &api.ListOrdersParams{Search: new("ada"), Page: new(7)}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, wrapper.Deref(o.Id))
	}
	if len(ids) != 230 || ids[0] != "ord_001" || ids[229] != "ord_230" {
		t.Fatalf("got %d items (%v ... %v), want ord_001 ... ord_230", len(ids), ids[:min(1, len(ids))], ids[max(0, len(ids)-1):])
	}
	reqs := svcListRequests(srv)
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		want := url.Values{"page": {strconv.Itoa(i + 1)}, "page_size": {"100"}, "search": {"ada"}}
		if !reflect.DeepEqual(r.Query, want) {
			t.Errorf("request %d query = %v, want %v", i+1, r.Query, want)
		}
		if r.Header.Get("Authorization") != "Bearer "+testkit.ServerKey {
			t.Errorf("request %d: no bearer server key", i+1)
		}
	}
}

func TestServicesAllPageSize(t *testing.T) {
	for _, tc := range []struct {
		name     string
		size     *int
		wantSize string
		wantReqs int
	}{
		{"unset", nil, "100", 1},
		{"given", new(20), "20", 3},
		{"zero", new(0), "100", 1},
		{"negative", new(-5), "100", 1},
		{"too large", new(1000), "", 0}, // refused, as List refuses it
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, srv := setup(t)
			srv.setResponder(svcPages(45, ""))
			n := 0
			for _, err := range c.Orders.All(context.Background(), &api.ListOrdersParams{PageSize: tc.size}) {
				if err != nil {
					if tc.wantReqs == 0 && errors.Is(err, wrapper.ErrInvalidInput) && strings.Contains(err.Error(), "page_size: must be at most 100") {
						if reqs := svcListRequests(srv); len(reqs) != 0 {
							t.Errorf("%d requests sent, want none", len(reqs))
						}
						return
					}
					t.Fatal(err)
				}
				n++
			}
			if tc.wantReqs == 0 {
				t.Fatalf("page_size %d: %d items, want the ValidationError", *tc.size, n)
			}
			reqs := svcListRequests(srv)
			if n != 45 || len(reqs) != tc.wantReqs {
				t.Fatalf("%d items in %d requests, want 45 in %d", n, len(reqs), tc.wantReqs)
			}
			if got := reqs[0].Query.Get("page_size"); got != tc.wantSize {
				t.Errorf("page_size = %s, want %s", got, tc.wantSize)
			}
		})
	}
}

// The next link is only a signal: the next page is asked for by number on
// the configured base URL, never at the URL the response names.
func TestServicesAllNeverFollowsNext(t *testing.T) {
	var elsewhere sync.Mutex
	otherHits := 0
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Lock()
		otherHits++
		elsewhere.Unlock()
		http.Error(w, "should not be called", http.StatusTeapot)
	}))
	defer other.Close()
	c, srv := setup(t)
	srv.setResponder(svcPages(150, other.URL))
	n := 0
	for _, err := range c.Orders.All(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	elsewhere.Lock()
	defer elsewhere.Unlock()
	if n != 150 || otherHits != 0 {
		t.Fatalf("%d items; the host named in next got %d requests, want 150 and 0", n, otherHits)
	}
	if reqs := svcListRequests(srv); len(reqs) != 2 || reqs[1].Query.Get("page") != "2" {
		t.Fatalf("requests to the base URL: %+v", reqs)
	}
}

func TestServicesAllStopsAtFirstError(t *testing.T) {
	c, srv := setup(t)
	pages := svcPages(1000, "")
	srv.setResponder(func(w http.ResponseWriter, r *http.Request, req testRequest) bool {
		if req.Query.Get("page") == "2" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, `{"detail":"nope"}`)
			return true
		}
		return pages(w, r, req)
	})
	items, errs := 0, 0
	for _, err := range c.Orders.All(context.Background(), nil) {
		if err != nil {
			errs++
			if !errors.Is(err, wrapper.ErrForbidden) {
				t.Errorf("err = %v, want ErrForbidden", err)
			}
			continue // the iterator must stop by itself
		}
		items++
	}
	if items != 100 || errs != 1 {
		t.Fatalf("%d items and %d errors, want 100 and 1", items, errs)
	}
	if n := len(svcListRequests(srv)); n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}
}

func TestServicesAllBreakStopsRequests(t *testing.T) {
	c, srv := setup(t)
	srv.setResponder(svcPages(1000, ""))
	n := 0
	for _, err := range c.Orders.All(context.Background(), &api.ListOrdersParams{PageSize: new(10)}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 15 {
			break
		}
	}
	if reqs := svcListRequests(srv); len(reqs) != 2 {
		t.Fatalf("%d requests after breaking on item 15 with pages of 10, want 2", len(reqs))
	}
}

func TestServicesAllHonorsContext(t *testing.T) {
	c, srv := setup(t)
	srv.setResponder(svcPages(1000, ""))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	items, errs := 0, 0
	for _, err := range c.Orders.All(ctx, nil) {
		if err != nil {
			errs++
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			continue
		}
		items++
		if items == 100 {
			cancel() // after the first page
		}
	}
	if items != 100 || errs != 1 {
		t.Fatalf("%d items and %d errors, want 100 and 1", items, errs)
	}
	if n := len(svcListRequests(srv)); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
}

// A response that claims a next page but has no results ends the walk
// instead of looping.
func TestServicesAllEmptyPageWithNextStops(t *testing.T) {
	c, srv := setup(t)
	srv.setResponder(func(w http.ResponseWriter, r *http.Request, req testRequest) bool {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"count":5,"next":"http://`+r.Host+svcAPIPrefix+`/orders/events/?page=9","results":[]}`)
		return true
	})
	n := 0
	for _, err := range c.Orders.AllEvents(context.Background(), "ord_7", nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if reqs := srv.requests(); n != 0 || len(reqs) != 1 || reqs[0].OpID != "listOrderEvents" || reqs[0].Path != "/orders/ord_7/events/" {
		t.Fatalf("%d items, requests %+v; want 0 items and one listOrderEvents request", n, reqs)
	}
}
