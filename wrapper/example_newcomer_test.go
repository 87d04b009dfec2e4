package wrapper_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"slices"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/kelviqtest"
	"github.com/kelviq/kelviq-go/wrapper"
)

// Create a client with New. Against kelviq, wrapper.New() alone reads the
// partner key from KELVIQ_PARTNER_KEY and talks to production; here the
// in-memory fake of package kelviqtest stands in for the API.
func ExampleNew() {
	fake, err := kelviqtest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()

	client, err := wrapper.New(
		wrapper.WithoutEnvKeys(),                  // only the options below
		wrapper.WithBaseURL(fake.URL()),           // default: https://api.kelviq.com/api/v1
		wrapper.WithPartnerKey(fake.PartnerKey()), // kvqp_...
	)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	org, err := client.Partner.Provision(ctx, wrapper.ProvisionParams{
		ExternalID:   "northwind-0042",
		Email:        "ops@northwind.example",
		BusinessName: "Northwind Traders",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("slug:", org.Slug)
	fmt.Println("server key:", org.ServerKey)

	// The organization's own calls use its server key.
	shop, err := client.ForOrganization(org)
	if err != nil {
		log.Fatal(err)
	}
	customer, err := shop.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "cus-0001"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("customer:", wrapper.Deref(customer.CustomerId))
	// Output:
	// slug: northwind-traders
	// server key: [REDACTED]
	// customer: cus-0001
}

// Errors from the API are *APIError values that match a sentinel such as
// ErrNotFound with errors.Is; errors.As gives the details. Input refused
// before sending is a *ValidationError, and a missing key an
// ErrMissingCredential.
func ExampleAPIError() {
	fake, err := kelviqtest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	client := fake.Client()
	ctx := context.Background()

	_, err = client.Partner.GetByExternalID(ctx, "nobody")
	if errors.Is(err, wrapper.ErrNotFound) {
		fmt.Println("not found")
	}
	var apiErr *wrapper.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Method, apiErr.Path)
		fmt.Println("operation:", apiErr.OperationID)
	}

	// Bad input: nothing is sent.
	_, err = client.Partner.Get(ctx, "not-a-uuid")
	var invalid *wrapper.ValidationError
	if errors.As(err, &invalid) {
		fmt.Println("invalid", invalid.Field+":", invalid.Rule)
		fmt.Println(errors.Is(err, wrapper.ErrInvalidInput))
	}

	// A server-key operation on a client that has only the partner key.
	_, err = client.Customers.List(ctx, nil)
	fmt.Println("missing credential:", errors.Is(err, wrapper.ErrMissingCredential))
	// Output:
	// not found
	// 404 GET /partner/organizations/by-external-id/nobody/
	// operation: retrievePartnerOrganizationByExternalId
	// invalid identifier: must be a UUID such as 8d3c1f9e-2b4a-4c6d-9e8f-0a1b2c3d4e5f
	// true
	// missing credential: true
}

// All walks every customer, asking for the next page as the loop reaches
// it; the first error ends the loop.
func ExampleCustomersService_All() {
	fake, err := kelviqtest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	org, err := fake.ProvisionOrganization("northwind-0042", "ops@northwind.example")
	if err != nil {
		log.Fatal(err)
	}
	shop, err := fake.Client().ForOrganization(org)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	for _, id := range []string{"cus-a", "cus-b", "cus-c"} {
		if _, err := shop.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: id}); err != nil {
			log.Fatal(err)
		}
	}

	pageSize := 2 // small pages, to show All fetching more than one
	var ids []string
	for c, err := range shop.Customers.All(ctx, &api.ListCustomersParams{PageSize: &pageSize}) {
		if err != nil {
			log.Fatal(err)
		}
		ids = append(ids, wrapper.Deref(c.CustomerId))
	}
	slices.Sort(ids)
	fmt.Println(ids)
	var pages int
	for _, r := range fake.Requests() {
		if r.OperationID == "listCustomers" {
			pages++
		}
	}
	fmt.Println("pages fetched:", pages)
	// Output:
	// [cus-a cus-b cus-c]
	// pages fetched: 2
}

// A Secret prints redacted with every fmt verb, in JSON and in slog; Reveal
// returns the value, e.g. to store it.
func ExampleSecret() {
	key := wrapper.NewSecret("sk_live_0123456789abcdef")

	fmt.Println(key)
	fmt.Printf("%v %s %q %#v\n", key, key, key, key)
	b, _ := json.Marshal(struct {
		ServerKey wrapper.Secret `json:"serverKey"`
	}{key})
	fmt.Println(string(b))

	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // a stable example
			}
			return a
		},
	}))
	logger.Info("provisioned", "serverKey", key)

	fmt.Println(len(key.Reveal()), "characters")
	// Output:
	// [REDACTED]
	// [REDACTED] [REDACTED] [REDACTED] wrapper.Secret("[REDACTED]")
	// {"serverKey":"[REDACTED]"}
	// level=INFO msg=provisioned serverKey=[REDACTED]
	// 24 characters
}
