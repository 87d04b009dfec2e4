package kelviqtest_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/oapi-codegen/nullable"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/kelviqtest"
	"github.com/kelviq/kelviq-go/webhook"
	"github.com/kelviq/kelviq-go/wrapper"
)

// In a test, use kelviqtest.NewServer(t), which closes the server for you.
func Example() {
	srv, err := kelviqtest.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	ctx := context.Background()
	client := srv.Client() // carries the fake's partner key

	org, err := client.Partner.Provision(ctx, wrapper.ProvisionParams{
		ExternalID:   "northwind-0042",
		Email:        "ops@northwind.example",
		BusinessName: "Northwind Outfitters",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	found, err := client.Partner.GetByExternalID(ctx, "northwind-0042")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(found.Slug, found.Identifier == org.Identifier)

	// Act for the organization with its server key.
	orgClient, err := client.ForOrganization(found)
	if err != nil {
		fmt.Println(err)
		return
	}
	created, err := orgClient.API().CreateCustomerWithResponse(ctx, api.CustomerCreateRequest{CustomerId: "cus_001"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(created.StatusCode(), *created.JSON201.CustomerId)
	// Output:
	// northwind-outfitters true
	// 201 cus_001
}

// A checkout completed on the fake subscribes the customer; their
// entitlements and usage follow the plan.
func ExampleServer_CompleteCheckout() {
	srv, err := kelviqtest.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	ctx := context.Background()
	org, err := srv.ProvisionOrganization("acme", "owner@acme.example")
	if err != nil {
		fmt.Println(err)
		return
	}
	shop, err := srv.Client().ForOrganization(org)
	if err != nil {
		fmt.Println(err)
		return
	}
	product, err := shop.Catalog.Products.Create(ctx, api.ProductCreateRequest{Name: "Reports", TaxCode: api.ProductCreateRequestTaxCodeSaas})
	if err != nil {
		fmt.Println(err)
		return
	}
	featureID, planID := "reports", "starter"
	feature, err := shop.Catalog.Features.Create(ctx, api.FeatureCreateRequest{Name: "Reports", Identifier: &featureID, FeatureType: "METER", FeatureDetails: &map[string]any{"featureSubType": "PRE_AGGREGATED_USAGE", "units": map[string]any{"singular": "report", "plural": "reports"}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := shop.Catalog.Plans.Create(ctx, api.PlanCreateRequest{Name: "Starter", Identifier: &planID, Product: *product.Id}); err != nil {
		fmt.Println(err)
		return
	}
	limit, hard := any(10), true
	if _, err := shop.Catalog.Plans.AddFeatures(ctx, planID, nil, api.PlanFeaturesCreateRequest{PlanEntitlements: []api.PlanFeatureEntitlementWrite{
		{Feature: *feature.Id, Details: api.PlanEntitlementDetails{Value: &limit, HardLimit: &hard}},
	}}); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := shop.Catalog.Plans.BulkSetPrices(ctx, planID, api.PlanPriceBulkRequest{Prices: []api.PlanPriceCreateRequest{{PriceType: "FREE"}}}); err != nil { // no plan is published without a price
		fmt.Println(err)
		return
	}
	if _, err := shop.Catalog.Plans.Publish(ctx, planID, api.PlanPublishRequest{}); err != nil {
		fmt.Println(err)
		return
	}
	session, err := shop.Checkout.CreateSession(ctx, api.CreateCheckoutSessionRequest{
		PlanIdentifier: planID, ChargePeriod: "MONTHLY", SuccessUrl: "https://acme.example/welcome",
		CustomerId: nullable.NewNullableWithValue("cus_7"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// The buyer pays (or: open session.CheckoutUrl).
	if err := srv.CompleteCheckout(*session.CheckoutSessionId); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := shop.Usage.Report(ctx, api.ReportUsageRequest{CustomerId: "cus_7", FeatureId: featureID, Value: 3, Behaviour: "DELTA"}); err != nil {
		fmt.Println(err)
		return
	}
	ents, err := shop.Entitlements.Get(ctx, api.GetCustomerEntitlementsParams{CustomerId: "cus_7", FeatureId: &featureID})
	if err != nil {
		fmt.Println(err)
		return
	}
	e := (*ents.Entitlements)[0]
	fmt.Println(*e.HasAccess, (*e.UsageLimit), (*e.CurrentUsage), (*e.Remaining))
	used, _ := srv.Usage(org.Identifier.String(), "cus_7", featureID)
	fmt.Println(used)
	// Output:
	// true 10 3 7
	// 3
}

// Webhooks from the fake are signed as kelviq signs them: webhook.NewHandler
// verifies and decodes them.
func ExampleWithWebhook() {
	const secret = "kq_whsec_example"
	got := make(chan webhook.Event, 1)
	h, err := webhook.NewHandler(secret, func(_ context.Context, e webhook.Event) error {
		got <- e
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	endpoint := httptest.NewServer(h)
	defer endpoint.Close()

	srv, err := kelviqtest.New(kelviqtest.WithWebhook(endpoint.URL, secret))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	if _, err := srv.TriggerEvent("subscription.created"); err != nil {
		fmt.Println(err)
		return
	}
	e := <-got
	sub, err := e.Subscription()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e.Type, sub.Status)
	// Output:
	// subscription.created active
}
