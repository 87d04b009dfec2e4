package catalog_test

import (
	"context"
	"fmt"
	"log"

	"github.com/kelviq/kelviq-go/catalog"
	"github.com/kelviq/kelviq-go/kelviqtest"
	"github.com/kelviq/kelviq-go/wrapper"
)

// A partner gives every organization it provisions its standard catalog:
// Provision, then Pull, Diff and Apply with the organization's client.
// Here against the in-memory fake; with a real partner key, drop the fake
// and use wrapper.New().
func ExampleApply() {
	srv, err := kelviqtest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()

	org, err := srv.Client().Partner.Provision(ctx, wrapper.ProvisionParams{
		ExternalID: "harbor-0007", Email: "ops@harbor.example", BusinessName: "Harbor Labs",
	})
	if err != nil {
		log.Fatal(err)
	}
	shop, err := srv.Client().ForOrganization(org)
	if err != nil {
		log.Fatal(err)
	}

	want, err := catalog.Parse(catalog.Starter()) // or catalog.Load("kelviq.yaml")
	if err != nil {
		log.Fatal(err)
	}
	have, err := catalog.Pull(ctx, shop)
	if err != nil {
		log.Fatal(err)
	}
	changes, err := catalog.Diff(have, want, catalog.DiffOptions{})
	if err != nil {
		log.Fatal(err)
	}
	res, err := catalog.Apply(ctx, shop, changes, catalog.ApplyOptions{Publish: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d operations applied, %d not\n", org.Slug, len(res.Applied), len(res.NotApplied))
	for _, op := range res.Applied[:6] {
		fmt.Println(op)
	}

	// The organization now matches the file.
	now, err := catalog.Pull(ctx, shop)
	if err != nil {
		log.Fatal(err)
	}
	again, err := catalog.Diff(now, want, catalog.DiffOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(again)
	// Output:
	// harbor-labs: 16 operations applied, 0 not
	// + create product "notebook"
	// + create feature "notebooks"
	// + create feature "exports"
	// + create feature "version-history"
	// + create plan "hobby"
	// + create plan "team"
	// no changes
}

// The human diff of an edit, value to value, and the dry-run document.
func ExampleDiff() {
	have, err := catalog.Parse([]byte(`
products: [{identifier: atlas, name: Atlas, taxCode: saas}]
plans: [{identifier: pro, name: Pro, product: atlas}]
`))
	if err != nil {
		log.Fatal(err)
	}
	want, err := catalog.Parse([]byte(`
products: [{identifier: atlas, name: Atlas, taxCode: saas}]
plans: [{identifier: pro, name: Pro Plan, product: atlas, description: For teams}]
`))
	if err != nil {
		log.Fatal(err)
	}
	changes, err := catalog.Diff(have, want, catalog.DiffOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(changes)
	doc := changes.Document("sandbox", "kelviq.yaml → sandbox", catalog.ApplyOptions{})
	fmt.Println("changes:", doc.Changes, "updates:", doc.Summary.Update)
	// Output:
	// ~ update plan "pro": name "Pro" → "Pro Plan", description (none) → "For teams"
	// changes: true updates: 1
}
