package kelviqtest

import (
	"net/http"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kelviq/kelviq-go/internal/fakeapi"
)

// The operations below keep no state: each answers its first declared
// success status with a body built from the spec (see generic).

// ListCatalogPlanFeatures answers a sample response.
func (f *fake) ListCatalogPlanFeatures(w http.ResponseWriter, r *http.Request, _ string, _ fakeapi.ListCatalogPlanFeaturesParams) {
	f.generic(w, r)
}

// AddCatalogPlanFeatures answers a sample response.
func (f *fake) AddCatalogPlanFeatures(w http.ResponseWriter, r *http.Request, _ string, _ fakeapi.AddCatalogPlanFeaturesParams) {
	f.generic(w, r)
}

// DeleteCatalogPlanFeature answers a sample response.
func (f *fake) DeleteCatalogPlanFeature(w http.ResponseWriter, r *http.Request, _ string, _ string) {
	f.generic(w, r)
}

// UpdateCatalogPlanFeature answers a sample response.
func (f *fake) UpdateCatalogPlanFeature(w http.ResponseWriter, r *http.Request, _ string, _ string) {
	f.generic(w, r)
}

// DeleteCatalogPlanFile answers a sample response.
func (f *fake) DeleteCatalogPlanFile(w http.ResponseWriter, r *http.Request, _ string, _ openapi_types.UUID) {
	f.generic(w, r)
}

// UpdateCatalogPlanFile answers a sample response.
func (f *fake) UpdateCatalogPlanFile(w http.ResponseWriter, r *http.Request, _ string, _ openapi_types.UUID) {
	f.generic(w, r)
}

// ListCatalogPlanPrices answers a sample response.
func (f *fake) ListCatalogPlanPrices(w http.ResponseWriter, r *http.Request, _ string, _ fakeapi.ListCatalogPlanPricesParams) {
	f.generic(w, r)
}

// BulkSetCatalogPlanPrices answers a sample response.
func (f *fake) BulkSetCatalogPlanPrices(w http.ResponseWriter, r *http.Request, _ string) {
	f.generic(w, r)
}

// GetCatalogProductSettings answers a sample response.
func (f *fake) GetCatalogProductSettings(w http.ResponseWriter, r *http.Request, _ openapi_types.UUID) {
	f.generic(w, r)
}

// UpdateCatalogProductSettings answers a sample response.
func (f *fake) UpdateCatalogProductSettings(w http.ResponseWriter, r *http.Request, _ openapi_types.UUID) {
	f.generic(w, r)
}

// DeleteCatalogProductImage answers a sample response.
func (f *fake) DeleteCatalogProductImage(w http.ResponseWriter, r *http.Request, _ openapi_types.UUID, _ openapi_types.UUID) {
	f.generic(w, r)
}

// UpdateCatalogProductImage answers a sample response.
func (f *fake) UpdateCatalogProductImage(w http.ResponseWriter, r *http.Request, _ openapi_types.UUID, _ openapi_types.UUID) {
	f.generic(w, r)
}

// CreateCharge answers a sample response.
func (f *fake) CreateCharge(w http.ResponseWriter, r *http.Request) { f.generic(w, r) }

// CreateCheckoutSession answers a sample response.
func (f *fake) CreateCheckoutSession(w http.ResponseWriter, r *http.Request) { f.generic(w, r) }

// ListCheckoutSessions answers a sample response.
func (f *fake) ListCheckoutSessions(w http.ResponseWriter, r *http.Request, _ fakeapi.ListCheckoutSessionsParams) {
	f.generic(w, r)
}

// RetrieveCheckoutSession answers a sample response.
func (f *fake) RetrieveCheckoutSession(w http.ResponseWriter, r *http.Request, _ string) {
	f.generic(w, r)
}

// ListCheckoutSessionEvents answers a sample response.
func (f *fake) ListCheckoutSessionEvents(w http.ResponseWriter, r *http.Request, _ string, _ fakeapi.ListCheckoutSessionEventsParams) {
	f.generic(w, r)
}

// GetCustomerEntitlements answers a sample response.
func (f *fake) GetCustomerEntitlements(w http.ResponseWriter, r *http.Request, _ fakeapi.GetCustomerEntitlementsParams) {
	f.generic(w, r)
}

// LicenseActivate answers a sample response.
func (f *fake) LicenseActivate(w http.ResponseWriter, r *http.Request) { f.generic(w, r) }

// LicenseDeactivate answers a sample response.
func (f *fake) LicenseDeactivate(w http.ResponseWriter, r *http.Request) { f.generic(w, r) }

// LicenseValidate answers a sample response.
func (f *fake) LicenseValidate(w http.ResponseWriter, r *http.Request) { f.generic(w, r) }

// CreatePresignedUploadUrl answers a sample response.
func (f *fake) CreatePresignedUploadUrl(w http.ResponseWriter, r *http.Request) { f.generic(w, r) }

// GetProductOffering answers a sample response.
func (f *fake) GetProductOffering(w http.ResponseWriter, r *http.Request, _ openapi_types.UUID, _ fakeapi.GetProductOfferingParams) {
	f.generic(w, r)
}

// ListOrders answers a sample response.
func (f *fake) ListOrders(w http.ResponseWriter, r *http.Request, _ fakeapi.ListOrdersParams) {
	f.generic(w, r)
}

// RetrieveOrder answers a sample response.
func (f *fake) RetrieveOrder(w http.ResponseWriter, r *http.Request, _ string) { f.generic(w, r) }

// ListOrderEvents answers a sample response.
func (f *fake) ListOrderEvents(w http.ResponseWriter, r *http.Request, _ string, _ fakeapi.ListOrderEventsParams) {
	f.generic(w, r)
}

// ListPaymentMethods answers a sample response.
func (f *fake) ListPaymentMethods(w http.ResponseWriter, r *http.Request, _ fakeapi.ListPaymentMethodsParams) {
	f.generic(w, r)
}

// CreatePortalSession answers a sample response.
func (f *fake) CreatePortalSession(w http.ResponseWriter, r *http.Request) { f.generic(w, r) }

// GetPromotion answers a sample response.
func (f *fake) GetPromotion(w http.ResponseWriter, r *http.Request, _ fakeapi.GetPromotionParams) {
	f.generic(w, r)
}

// ListRefunds answers a sample response.
func (f *fake) ListRefunds(w http.ResponseWriter, r *http.Request, _ fakeapi.ListRefundsParams) {
	f.generic(w, r)
}

// CreateRefund answers a sample response.
func (f *fake) CreateRefund(w http.ResponseWriter, r *http.Request) { f.generic(w, r) }

// RetrieveRefund answers a sample response.
func (f *fake) RetrieveRefund(w http.ResponseWriter, r *http.Request, _ openapi_types.UUID) {
	f.generic(w, r)
}

// ReportUsage answers a sample response.
func (f *fake) ReportUsage(w http.ResponseWriter, r *http.Request) { f.generic(w, r) }

// ListSubscriptions answers a sample response.
func (f *fake) ListSubscriptions(w http.ResponseWriter, r *http.Request, _ fakeapi.ListSubscriptionsParams) {
	f.generic(w, r)
}

// CreateSubscription answers a sample response.
func (f *fake) CreateSubscription(w http.ResponseWriter, r *http.Request) { f.generic(w, r) }

// RetrieveSubscription answers a sample response.
func (f *fake) RetrieveSubscription(w http.ResponseWriter, r *http.Request, _ openapi_types.UUID) {
	f.generic(w, r)
}

// CancelSubscription answers a sample response.
func (f *fake) CancelSubscription(w http.ResponseWriter, r *http.Request, _ openapi_types.UUID) {
	f.generic(w, r)
}

// UpdateSubscription answers a sample response.
func (f *fake) UpdateSubscription(w http.ResponseWriter, r *http.Request, _ openapi_types.UUID) {
	f.generic(w, r)
}

// ListTransactions answers a sample response.
func (f *fake) ListTransactions(w http.ResponseWriter, r *http.Request, _ fakeapi.ListTransactionsParams) {
	f.generic(w, r)
}

// ListWebhookEventLogs answers a sample response.
func (f *fake) ListWebhookEventLogs(w http.ResponseWriter, r *http.Request, _ fakeapi.ListWebhookEventLogsParams) {
	f.generic(w, r)
}
