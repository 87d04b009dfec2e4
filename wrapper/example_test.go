package wrapper_test

import (
	"context"
	"fmt"
	"log"

	"github.com/oapi-codegen/nullable"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/kelviqtest"
	"github.com/kelviq/kelviq-go/wrapper"
)

// The main flow: provision an organization with the partner key, find it
// again by your own ID, then set up its catalog with its server key. The
// in-memory fake stands in for kelviq; against the real API, create the
// client with wrapper.New(wrapper.WithPartnerKey(key)) instead.
func ExamplePartnerService_Provision() {
	fake, err := kelviqtest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	partner := fake.Client()
	ctx := context.Background()

	org, err := partner.Partner.Provision(ctx, wrapper.ProvisionParams{
		ExternalID:   "northwind-0042",
		Email:        "ops@northwind.example",
		BusinessName: "Northwind Traders",
	})
	if err != nil {
		log.Fatal(err)
	}
	found, err := partner.Partner.GetByExternalID(ctx, "northwind-0042")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("provisioned:", org.Slug, "same organization:", found.Identifier == org.Identifier)
	fmt.Println("server key:", org.ServerKey) // printed redacted

	// Act for the organization with its server key.
	shop, err := partner.ForOrganization(org)
	if err != nil {
		log.Fatal(err)
	}
	product, err := shop.Catalog.Products.Create(ctx, api.ProductCreateRequest{
		Name:    "Northwind Analytics",
		TaxCode: api.ProductCreateRequestTaxCodeSaas,
	})
	if err != nil {
		log.Fatal(err)
	}
	planID := "starter"
	plan, err := shop.Catalog.Plans.Create(ctx, api.PlanCreateRequest{Name: "Starter", Identifier: &planID, Product: *product.Id})
	if err != nil {
		log.Fatal(err)
	}
	// A plan is published with at least one price.
	if _, err := shop.Catalog.Plans.BulkSetPrices(ctx, planID, api.PlanPriceBulkRequest{Prices: []api.PlanPriceCreateRequest{{PriceType: "FREE"}}}); err != nil {
		log.Fatal(err)
	}
	if _, err := shop.Catalog.Plans.Publish(ctx, planID, api.PlanPublishRequest{}); err != nil {
		log.Fatal(err)
	}
	customer, err := shop.Customers.Create(ctx, api.CustomerCreateRequest{
		CustomerId: "cus-0001",
		Email:      nullable.NewNullableWithValue("ada@northwind.example"),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("product:", *product.Name)
	fmt.Println("plan:", *plan.Identifier, "version", *plan.Version)
	fmt.Println("customer:", *customer.CustomerId)
	// Output:
	// provisioned: northwind-traders same organization: true
	// server key: [REDACTED]
	// product: Northwind Analytics
	// plan: starter version 1
	// customer: cus-0001
}
