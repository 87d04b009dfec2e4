// Package catalog is pricing as code for kelviq: a catalog (products,
// features, and plans with their entitlements and prices) kept in a file,
// compared with an organization and pushed to it, the way kelviq's own CLI
// does it.
//
//	want, err := catalog.Load("kelviq.yaml")  // or catalog.Parse(data); JSON too
//	have, err := catalog.Pull(ctx, client)      // the organization's catalog, same type
//	changes, err := catalog.Diff(have, want, catalog.DiffOptions{})
//	fmt.Print(changes)                          // ~ update plan "pro": name "Pro" → "Pro Plan"
//	res, err := catalog.Apply(ctx, client, changes, catalog.ApplyOptions{Publish: true})
//
// # The file
//
// YAML (or JSON) with the keys of kelviq's format, in camelCase: products
// (identifier, name, taxCode, description), features (identifier, name,
// type, description, featureDetails, meter, metadata) and plans
// (identifier, name, product, description, isVisible, metadata,
// entitlements, prices). Entries are named by identifier slugs
// (^[a-z0-9][a-z0-9-_]*$), and a plan names its product and the features it
// grants by identifier, never by UUID, so one file fits every environment.
// Load and Parse check every rule that needs no network and report each
// problem with file:line:column, the field and the rule; an unknown key is an
// error with a suggestion, except in entitlements and prices, whose other
// keys are kept (Extra) and sent to the API as they are. Schema is the JSON
// Schema of the format (kelviq.schema.json beside this package, published at
// SchemaURL) for editors; Starter is a small file to begin with; YAML writes
// a Catalog back.
//
// # Pushing
//
// Diff matches entries by identifier and returns a Changeset: the writes,
// value to value, in dependency order (products, features, plans,
// entitlements, prices, then archives), and what stops them. Its String is
// the human diff; its Document is the machine-readable plan of record
// (`kelviq catalog push --dry-run --json`). Diff and Pull only read.
//
// Apply makes the writes. Everything it writes stays a draft (a plan edit
// opens a new draft version) unless ApplyOptions.Publish publishes the plans
// it changed; customers move to new entitlements or prices only with
// MigrateFeatures or MigratePricing. A plan with a prices key has its whole
// remote price set replaced in one request; a plan without one keeps its
// remote prices. Features cannot be updated through the API: a feature that
// differs from the remote one is drift, and Apply refuses before any write
// (ErrFeatureDrift). Apply stamps the Marker (managed-by: kelviq-cli) into
// the metadata of the features and plans it creates; with DiffOptions.Prune,
// remote-only plans and features carrying it are archived, the others are
// listed as Skipped, and products are never archived. At the first failed
// write (an API error, a cancelled context) Apply stops; its Result says
// which operations were applied and which were not.
//
// Promote reconciles one organization (e.g. production) with another's
// catalog (e.g. sandbox): Pull from both, Diff, Apply to the second.
//
// The package keeps no state between calls; a Changeset may be read from
// several goroutines.
package catalog
