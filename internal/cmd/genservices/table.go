package main

// This file is the only hand-kept part of genservices: which service each
// spec tag belongs to, and what each operation's method is called. Naming is
// a human decision; everything else (parameters, types, validation, paging,
// success codes) is read from openapi.json and api/api.gen.go. The generator
// refuses to run when an operation or tag of the spec is missing here, or
// when an entry here names something the spec no longer has.

// service is one service of the Client, e.g. Client.Orders or
// Client.Catalog.Plans.
type service struct {
	// Path is the service's place on the Client: "Orders", or
	// "Catalog.Plans" for a service inside a group.
	Path string
	// Doc completes the sentence "<Type> ...", for the type's doc comment.
	Doc string
	// Tags are the spec tags whose operations the service holds.
	Tags []string
	// Methods names the method of each operation, in the order the methods
	// are written out.
	Methods []method
}

// method names one operation's method.
type method struct {
	OperationID string
	Name        string
}

// group is a field of the Client that holds services rather than methods,
// e.g. Client.Catalog.
type group struct {
	Name string
	Doc  string
}

var groups = []group{
	{Name: "Catalog", Doc: "groups the catalog: products, features and plans."},
}

// handWritten are the tags whose operations have hand-written helpers; the
// method names are listed so that the operation → method table stays
// complete.
var handWritten = []service{
	{Path: "Partner", Tags: []string{"Partner"}, Methods: []method{
		{"provisionPartnerOrganization", "Provision"},
		{"listPartnerOrganizations", "List"},
		{"retrievePartnerOrganization", "Get"},
		{"retrievePartnerOrganizationByExternalId", "GetByExternalID"},
	}},
}

var services = []service{
	{Path: "Customers", Doc: "registers, lists and updates your customers.",
		Tags: []string{"Customers"},
		Methods: []method{
			{"listCustomers", "List"},
			{"createCustomer", "Create"},
			{"updateCustomer", "Update"},
		}},
	{Path: "Checkout", Doc: "starts hosted checkouts.",
		Tags: []string{"Checkout"},
		Methods: []method{
			{"createCheckoutSession", "CreateSession"},
		}},
	{Path: "CheckoutSessions", Doc: "reads checkout sessions as the merchant sees them, and their timelines.",
		Tags: []string{"Checkout Sessions", "Checkout Session Events"},
		Methods: []method{
			{"listCheckoutSessions", "List"},
			{"retrieveCheckoutSession", "Get"},
			{"listCheckoutSessionEvents", "ListEvents"},
		}},
	{Path: "Entitlements", Doc: "looks up what a customer may use. Its calls go to the edge host.",
		Tags: []string{"Entitlements"},
		Methods: []method{
			{"getCustomerEntitlements", "Get"},
		}},
	{Path: "Licenses", Doc: "activates, deactivates and validates license keys.",
		Tags: []string{"License"},
		Methods: []method{
			{"licenseActivate", "Activate"},
			{"licenseDeactivate", "Deactivate"},
			{"licenseValidate", "Validate"},
		}},
	{Path: "Usage", Doc: "reports feature usage.",
		Tags: []string{"Reporting"},
		Methods: []method{
			{"reportUsage", "Report"},
		}},
	{Path: "Transactions", Doc: "lists payments, refunds and other money movements.",
		Tags: []string{"Transactions"},
		Methods: []method{
			{"listTransactions", "List"},
		}},
	{Path: "Orders", Doc: "reads orders placed with your organization, and their timelines.",
		Tags: []string{"Orders", "Order Events"},
		Methods: []method{
			{"listOrders", "List"},
			{"retrieveOrder", "Get"},
			{"listOrderEvents", "ListEvents"},
		}},
	{Path: "WebhookLogs", Doc: "lists the logs of webhook deliveries to your endpoints.",
		Tags: []string{"Webhooks"},
		Methods: []method{
			{"listWebhookEventLogs", "List"},
		}},
	{Path: "Refunds", Doc: "refunds paid orders and reads refunds.",
		Tags: []string{"Refunds"},
		Methods: []method{
			{"listRefunds", "List"},
			{"createRefund", "Create"},
			{"retrieveRefund", "Get"},
		}},
	{Path: "Charges", Doc: "takes one-off payments from a saved payment method.",
		Tags: []string{"Charges"},
		Methods: []method{
			{"createCharge", "Create"},
		}},
	{Path: "Subscriptions", Doc: "creates, reads, changes and cancels subscriptions.",
		Tags: []string{"Subscriptions"},
		Methods: []method{
			{"listSubscriptions", "List"},
			{"createSubscription", "Create"},
			{"retrieveSubscription", "Get"},
			{"updateSubscription", "Update"},
			{"cancelSubscription", "Cancel"},
		}},
	{Path: "Monetization", Doc: "gets the pricing to show for a product.",
		Tags: []string{"Monetization"},
		Methods: []method{
			{"getProductOffering", "GetProductOffering"},
		}},
	{Path: "Promotions", Doc: "resolves promotions. Its calls go to the edge host.",
		Tags: []string{"Promotions"},
		Methods: []method{
			{"getPromotion", "Get"},
		}},
	{Path: "Portal", Doc: "opens customer billing portals.",
		Tags: []string{"Portal"},
		Methods: []method{
			{"createPortalSession", "CreateSession"},
		}},
	{Path: "Catalog.Products", Doc: "manages the products in your catalog, their settings and their images.",
		Tags: []string{"Products", "Product Settings", "Product Files"},
		Methods: []method{
			{"listCatalogProducts", "List"},
			{"createCatalogProduct", "Create"},
			{"retrieveCatalogProduct", "Get"},
			{"updateCatalogProduct", "Update"},
			{"deleteCatalogProduct", "Delete"},
			{"getCatalogProductSettings", "GetSettings"},
			{"updateCatalogProductSettings", "UpdateSettings"},
			{"updateCatalogProductImage", "UpdateImage"},
			{"deleteCatalogProductImage", "DeleteImage"},
		}},
	{Path: "Catalog.Features", Doc: "manages the features that plans can grant.",
		Tags: []string{"Features"},
		Methods: []method{
			{"listCatalogFeatures", "List"},
			{"createCatalogFeature", "Create"},
			{"retrieveCatalogFeature", "Get"},
			{"deleteCatalogFeature", "Delete"},
		}},
	{Path: "Catalog.Plans", Doc: "manages versioned plans: drafts, publishing, prices, entitlements and files.",
		Tags: []string{"Plans", "Plan Entitlements", "Plan Files"},
		Methods: []method{
			{"listCatalogPlans", "List"},
			{"createCatalogPlan", "Create"},
			{"retrieveCatalogPlan", "Get"},
			{"updateCatalogPlan", "Update"},
			{"deleteCatalogPlan", "Delete"},
			{"publishCatalogPlan", "Publish"},
			{"discardCatalogPlanDraft", "DiscardDraft"},
			{"listCatalogPlanPrices", "ListPrices"},
			{"bulkSetCatalogPlanPrices", "BulkSetPrices"},
			{"listCatalogPlanFeatures", "ListFeatures"},
			{"addCatalogPlanFeatures", "AddFeatures"},
			{"updateCatalogPlanFeature", "UpdateFeature"},
			{"deleteCatalogPlanFeature", "DeleteFeature"},
			{"updateCatalogPlanFile", "UpdateFile"},
			{"deleteCatalogPlanFile", "DeleteFile"},
			{"downloadCatalogPlanFile", "DownloadURL"},
		}},
	{Path: "Media", Doc: "hands out presigned upload slots for images and files.",
		Tags: []string{"Media"},
		Methods: []method{
			{"createPresignedUploadUrl", "CreateUploadURL"},
		}},
	{Path: "PaymentMethods", Doc: "lists the payment methods customers have saved.",
		Tags: []string{"Payment Methods"},
		Methods: []method{
			{"listPaymentMethods", "List"},
		}},
}
