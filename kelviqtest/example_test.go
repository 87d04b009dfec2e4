package kelviqtest_test

import (
	"context"
	"fmt"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/kelviqtest"
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
