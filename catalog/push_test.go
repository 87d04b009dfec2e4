package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/catalog"
	"github.com/kelviq/kelviq-go/kelviqtest"
	"github.com/kelviq/kelviq-go/wrapper"
)

// starter → Apply → Pull gives the starter back; written as YAML it loads
// back equal; a second Diff has nothing to do.
func TestStarterApplyPullGivesItBack(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	c, _ := org(t, srv, "roundtrip")
	want := starter(t)
	cs, res := push(t, c, want, catalog.DiffOptions{}, catalog.ApplyOptions{Publish: true})
	if len(res.Applied) != len(cs.Operations)+2 || len(res.NotApplied) != 0 || res.Failed != nil {
		t.Fatalf("result: %s", res)
	}

	got := pull(t, c)
	if !reflect.DeepEqual(fileOnly(got), want) {
		gy, _ := got.YAML()
		wy, _ := want.YAML()
		t.Fatalf("pulled catalog differs from the starter:\n--- pulled\n%s\n--- starter\n%s", gy, wy)
	}
	for _, f := range got.Features {
		if !f.Managed || f.Metadata != nil {
			t.Errorf("feature %q: Managed %v, Metadata %v; want the marker seen and left out of Metadata", f.Identifier, f.Managed, f.Metadata)
		}
	}
	for _, p := range got.Plans {
		if !p.Managed || p.Draft {
			t.Errorf("plan %q: Managed %v, Draft %v; want true, false (published)", p.Identifier, p.Managed, p.Draft)
		}
	}
	if len(got.Warnings) != 0 {
		t.Errorf("warnings: %q", got.Warnings)
	}

	data, err := got.YAML()
	if err != nil {
		t.Fatal(err)
	}
	back, err := catalog.Parse(data)
	if err != nil {
		t.Fatalf("the pulled file does not load: %v\n%s", err, data)
	}
	if !reflect.DeepEqual(back, fileOnly(got)) {
		t.Fatalf("the written file loads back different:\n%s", data)
	}

	again := diff(t, pull(t, c), want, catalog.DiffOptions{Prune: true})
	if again.HasChanges() || len(again.Operations) != 0 || again.String() != "no changes\n" {
		t.Fatalf("second diff: %s", again)
	}
	doc := again.Document("sandbox", "kelviq.yaml → sandbox", catalog.ApplyOptions{Publish: true})
	if doc.Changes || len(doc.Operations) != 0 || doc.Summary != (catalog.Summary{}) {
		t.Fatalf("second diff's document: %+v", doc)
	}
}

// A dry run (Pull, Diff, Document) sends no write.
func TestDryRunSendsNoWrite(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	c, cnt := org(t, srv, "dryrun")
	cs := diff(t, pull(t, c), starter(t), catalog.DiffOptions{Prune: true})
	doc := cs.Document("sandbox", "kelviq.yaml → sandbox", catalog.ApplyOptions{Publish: true})
	if !doc.Changes || doc.Summary.Create != 12 || doc.Summary.Replace != 2 || doc.Summary.Publish != 2 {
		t.Fatalf("document: %+v", doc)
	}
	if w := cnt.Writes(); len(w) != 0 || cnt.reads == 0 {
		t.Fatalf("a dry run wrote %v (reads %d)", w, cnt.reads)
	}
}

// The --dry-run --json document has exactly the contract's keys, with
// "changes" a boolean and lists that are never null.
func TestDocumentShape(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	c, _ := org(t, srv, "document")
	cs := diff(t, pull(t, c), starter(t), catalog.DiffOptions{})
	b, err := json.Marshal(cs.Document("production", "sandbox → production", catalog.ApplyOptions{Publish: true, MigratePricing: true}))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range doc {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	wantKeys := []string{"changes", "direction", "environment", "errors", "featureDrift", "operations", "prune", "publish", "summary", "warnings"}
	if !slices.Equal(keys, wantKeys) {
		t.Fatalf("keys %v, want %v", keys, wantKeys)
	}
	if doc["changes"] != true || doc["environment"] != "production" || doc["direction"] != "sandbox → production" {
		t.Fatalf("document: %s", b)
	}
	for _, k := range []string{"errors", "featureDrift", "warnings"} {
		if _, ok := doc[k].([]any); !ok {
			t.Errorf("%s is %v, want a list", k, doc[k])
		}
	}
	pub := doc["publish"].(map[string]any)
	if pub["enabled"] != true || pub["migratePricing"] != true || len(pub["plans"].([]any)) != 2 {
		t.Fatalf("publish: %v", pub)
	}
	ops := doc["operations"].([]any)
	last := ops[len(ops)-1].(map[string]any)
	if last["action"] != "publish" || last["kind"] != "plan" || last["identifier"] != "team" {
		t.Fatalf("last operation %v, want the publish of team", last)
	}
}

// An edited name is exactly one update, value to value, and one write.
func TestEditedNameIsOneUpdate(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	c, cnt := org(t, srv, "rename")
	push(t, c, starter(t), catalog.DiffOptions{}, catalog.ApplyOptions{Publish: true})
	want := starter(t)
	want.Plans[1].Name = "Team Plus"
	cs := diff(t, pull(t, c), want, catalog.DiffOptions{})
	wantOp := catalog.Operation{Action: catalog.ActionUpdate, Kind: catalog.KindPlan, Identifier: "team",
		Changes: []catalog.Change{{Field: "name", From: "Team", To: "Team Plus"}}}
	if !reflect.DeepEqual(cs.Operations, []catalog.Operation{wantOp}) {
		t.Fatalf("operations %+v, want %+v", cs.Operations, wantOp)
	}
	if got := cs.String(); got != "~ update plan \"team\": name \"Team\" → \"Team Plus\"\n" {
		t.Fatalf("human diff %q", got)
	}
	before := len(cnt.Writes())
	if _, err := catalog.Apply(context.Background(), c, cs, catalog.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if w := cnt.Writes()[before:]; !slices.Equal(w, []string{"PATCH /api/v1/catalog/plans/team/"}) {
		t.Fatalf("writes %v", w)
	}
	got := pull(t, c)
	if got.Plans[1].Name != "Team Plus" || !got.Plans[1].Draft {
		t.Fatalf("after the push: %+v (want the new name, in a draft)", got.Plans[1])
	}
}

// A price change replaces that plan's price set only, in one request; a
// plan without prices in the file keeps its remote prices.
func TestPriceChangeReplacesThatPlansPricesOnly(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	c, cnt := org(t, srv, "prices")
	ctx := context.Background()
	push(t, c, starter(t), catalog.DiffOptions{}, catalog.ApplyOptions{Publish: true})
	hobbyBefore, err := c.Catalog.Plans.ListPrices(ctx, "hobby", nil)
	if err != nil {
		t.Fatal(err)
	}

	want := starter(t)
	want.Plans[0].Prices = nil // hobby: leave its prices alone
	want.Plans[1].Prices[0].TrialPeriod = new(int)
	*want.Plans[1].Prices[0].TrialPeriod = 30
	cs := diff(t, pull(t, c), want, catalog.DiffOptions{})
	if len(cs.Operations) != 1 {
		t.Fatalf("operations:\n%s", cs)
	}
	op := cs.Operations[0]
	if op.Action != catalog.ActionReplace || op.Kind != catalog.KindPrices || op.Identifier != "team" ||
		!reflect.DeepEqual(op.Changes, []catalog.Change{{Field: "prices[USD PAID].trialPeriod", From: int64(14), To: int64(30)}}) {
		t.Fatalf("operation %s (%+v)", op, op.Changes)
	}
	before := len(cnt.Writes())
	if _, err := catalog.Apply(ctx, c, cs, catalog.ApplyOptions{Publish: true}); err != nil {
		t.Fatal(err)
	}
	if w := cnt.Writes()[before:]; !slices.Equal(w, []string{"POST /api/v1/catalog/plans/team/prices/bulk/", "POST /api/v1/catalog/plans/team/publish/"}) {
		t.Fatalf("writes %v", w)
	}
	hobbyAfter, err := c.Catalog.Plans.ListPrices(ctx, "hobby", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(hobbyBefore, hobbyAfter) {
		t.Fatal("hobby's prices changed")
	}
	got := pull(t, c)
	if tp := got.Plans[1].Prices[0].TrialPeriod; tp == nil || *tp != 30 || len(got.Plans[1].Prices) != 1 {
		t.Fatalf("team's prices after the push: %+v", got.Plans[1].Prices)
	}
}

// Feature drift is reported value to value and stops Apply before any
// write, even with other changes to make.
func TestFeatureDriftStopsBeforeAnyWrite(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	c, cnt := org(t, srv, "drift")
	push(t, c, starter(t), catalog.DiffOptions{}, catalog.ApplyOptions{Publish: true})
	want := starter(t)
	want.Features[0].Name = "Notebooks (shared)"
	want.Plans[0].Name = "Hobbyist"
	cs := diff(t, pull(t, c), want, catalog.DiffOptions{})
	wantDrift := []catalog.Drift{{Feature: "notebooks", Changes: []catalog.Change{{Field: "name", From: "Notebooks", To: "Notebooks (shared)"}}}}
	if !reflect.DeepEqual(cs.FeatureDrift, wantDrift) || len(cs.Operations) != 1 || !cs.HasChanges() {
		t.Fatalf("changeset %+v", cs)
	}
	if !strings.Contains(cs.String(), `! feature "notebooks" differs: name "Notebooks" → "Notebooks (shared)"`) {
		t.Fatalf("human diff:\n%s", cs)
	}
	doc := cs.Document("sandbox", "kelviq.yaml → sandbox", catalog.ApplyOptions{})
	if len(doc.FeatureDrift) != 1 || len(doc.Errors) != 1 {
		t.Fatalf("document: %+v", doc)
	}
	before := len(cnt.Writes())
	res, err := catalog.Apply(context.Background(), c, cs, catalog.ApplyOptions{Publish: true})
	if !errors.Is(err, catalog.ErrFeatureDrift) {
		t.Fatalf("apply: %v, want ErrFeatureDrift", err)
	}
	if w := cnt.Writes()[before:]; len(w) != 0 {
		t.Fatalf("drift let %d writes through: %v", len(w), w)
	}
	if len(res.Applied) != 0 || len(res.NotApplied) != 2 || res.Failed != nil {
		t.Fatalf("result: %s", res)
	}
}

// Prune archives only the remote plans and features that carry the
// marker; unmarked ones and every product are skipped, with the reason.
// Without Prune they are warnings only.
func TestPruneArchivesOnlyMarkedPlansAndFeatures(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	c, _ := org(t, srv, "prune")
	ctx := context.Background()
	push(t, c, starter(t), catalog.DiffOptions{}, catalog.ApplyOptions{})

	// Made in the dashboard, so to speak: no marker.
	other, err := c.Catalog.Products.Create(ctx, api.ProductCreateRequest{Name: "Legacy app", Identifier: new("legacy-app"), TaxCode: api.ProductCreateRequestTaxCodeSoftware})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Catalog.Features.Create(ctx, api.FeatureCreateRequest{Name: "Old flag", Identifier: new("old-flag"), FeatureType: "BOOLEAN"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Catalog.Plans.Create(ctx, api.PlanCreateRequest{Name: "Legacy", Identifier: new("legacy"), Product: *other.Id,
		Links: &[]api.PlanLink{{Name: new("Docs"), Url: new("https://docs.example.com/legacy")}}}); err != nil {
		t.Fatal(err)
	}

	// The file drops the team plan and the version-history feature.
	want := starter(t)
	want.Plans = want.Plans[:1]
	want.Plans[0].Entitlements = want.Plans[0].Entitlements[:2]
	want.Features = want.Features[:2]

	have := pull(t, c)
	if !slices.Contains(have.Warnings, `plan "legacy": its links (1) are not part of the file`) {
		t.Errorf("pull warnings %q lack the legacy plan's links", have.Warnings)
	}
	quiet := diff(t, have, want, catalog.DiffOptions{})
	if slices.ContainsFunc(quiet.Operations, func(o catalog.Operation) bool { return o.Action == catalog.ActionArchive }) || len(quiet.Skipped) != 0 {
		t.Fatalf("without Prune: %s", quiet)
	}
	if !slices.Contains(quiet.Warnings, `remote plan "team" is not in the file; a prune would archive it`) {
		t.Fatalf("without Prune, warnings %q", quiet.Warnings)
	}

	cs := diff(t, have, want, catalog.DiffOptions{Prune: true})
	var archived []string
	for _, o := range cs.Operations {
		if o.Action == catalog.ActionArchive {
			archived = append(archived, string(o.Kind)+" "+o.Identifier)
		}
	}
	if !slices.Equal(archived, []string{"plan team", "feature version-history"}) {
		t.Fatalf("archives %v\n%s", archived, cs)
	}
	var skipped []string
	for _, s := range cs.Skipped {
		skipped = append(skipped, string(s.Kind)+" "+s.Identifier)
		if s.Reason == "" {
			t.Errorf("%s %s skipped without a reason", s.Kind, s.Identifier)
		}
	}
	if !slices.Equal(skipped, []string{"plan legacy", "feature old-flag", "product legacy-app"}) {
		t.Fatalf("skipped %v", skipped)
	}
	if _, err := catalog.Apply(ctx, c, cs, catalog.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	after := pull(t, c)
	var plans, features, products []string
	for _, p := range after.Plans {
		plans = append(plans, p.Identifier)
	}
	for _, f := range after.Features {
		features = append(features, f.Identifier)
	}
	for _, p := range after.Products {
		products = append(products, p.Identifier)
	}
	if !slices.Equal(plans, []string{"hobby", "legacy"}) || !slices.Equal(features, []string{"notebooks", "exports", "old-flag"}) ||
		!slices.Equal(products, []string{"notebook", "legacy-app"}) {
		t.Fatalf("after the prune: plans %v, features %v, products %v", plans, features, products)
	}
}

// Promote between two organizations converges the second: a second diff
// is empty. References inside prices (a charge's feature) and entitlement
// keys the format does not name travel as identifiers and as they are.
func TestPromoteConvergesTheSecondOrganization(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	sandbox, _ := org(t, srv, "promote-sandbox")
	production, _ := org(t, srv, "promote-production")
	ctx := context.Background()

	want := starter(t)
	team := &want.Plans[1]
	team.Entitlements[1].Extra = map[string]any{"rollover": map[string]any{"enabled": true, "maxPeriods": int64(2)}}
	team.Prices[0].ChargeCatalogPrice = append(team.Prices[0].ChargeCatalogPrice, map[string]any{
		"feature": "exports", "priceModel": "PACKAGE", "charges": []any{map[string]any{"chargePeriod": "MONTHLY", "priceData": map[string]any{"amount": "0.05"}}},
	})
	push(t, sandbox, want, catalog.DiffOptions{}, catalog.ApplyOptions{Publish: true})

	// Production already has an older hobby plan of its own.
	push(t, production, func() *catalog.Catalog {
		c := starter(t)
		c.Plans = c.Plans[:1]
		c.Plans[0].Name = "Hobby (old)"
		return c
	}(),
		catalog.DiffOptions{}, catalog.ApplyOptions{Publish: true})

	cs, res, err := catalog.Promote(ctx, sandbox, production, catalog.DiffOptions{Prune: true}, catalog.ApplyOptions{Publish: true})
	if err != nil {
		t.Fatalf("promote: %v\n%s", err, res)
	}
	if !strings.Contains(cs.String(), `~ update plan "hobby": name "Hobby (old)" → "Hobby"`) || len(res.NotApplied) != 0 {
		t.Fatalf("promote:\n%s\n%s", cs, res)
	}
	again := diff(t, pull(t, production), pull(t, sandbox), catalog.DiffOptions{Prune: true})
	if again.HasChanges() {
		t.Fatalf("after promote, production still differs:\n%s", again)
	}
	got := pull(t, production)
	charge := got.Plans[1].Prices[0].ChargeCatalogPrice[1]
	if charge["feature"] != "exports" {
		t.Fatalf("the charge names feature %v, want the identifier exports", charge["feature"])
	}
	if !reflect.DeepEqual(got.Plans[1].Entitlements[1].Extra, team.Entitlements[1].Extra) {
		t.Fatalf("extra entitlement keys %v, want %v", got.Plans[1].Entitlements[1].Extra, team.Entitlements[1].Extra)
	}
	// On the wire, the feature is production's own UUID.
	raw, err := production.Catalog.Plans.ListPrices(ctx, "team", nil)
	if err != nil {
		t.Fatal(err)
	}
	feature := (*(*raw.Results)[0].ChargeCatalogPrice)[1].Feature
	if v, err := feature.Get(); err != nil || v.String() == "" {
		t.Fatalf("the charge's feature on the wire: %v, %v", v, err)
	}
}

// A 500 in the middle of a push stops it at once; the result says exactly
// which operations were applied, and they are what the API has.
func TestServerErrorMidPushReportsWhatWasApplied(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	c, cnt := org(t, srv, "fivehundred")
	cnt.failAt = 5 // the 5th write: the first plan
	cs := diff(t, pull(t, c), starter(t), catalog.DiffOptions{})
	res, err := catalog.Apply(context.Background(), c, cs, catalog.ApplyOptions{Publish: true})
	if !errors.Is(err, wrapper.ErrServer) {
		t.Fatalf("apply: %v, want a server error", err)
	}
	if len(res.Applied) != 4 || len(res.NotApplied) != len(cs.Operations)+2-4 || res.Failed == nil || !reflect.DeepEqual(*res.Failed, res.NotApplied[0]) {
		t.Fatalf("result:\n%s", res)
	}
	if f := res.Failed; f.Action != catalog.ActionCreate || f.Kind != catalog.KindPlan || f.Identifier != "hobby" {
		t.Fatalf("failed %s, want the create of plan hobby", f)
	}
	if w := cnt.Writes(); len(w) != 5 {
		t.Fatalf("writes after the failure: %v", w)
	}
	if !strings.Contains(res.String(), "FAILED  + create plan \"hobby\"") {
		t.Fatalf("result:\n%s", res)
	}
	// What the result says was applied is exactly what is there.
	got := pull(t, c)
	if len(got.Products) != 1 || len(got.Features) != 3 || len(got.Plans) != 0 {
		t.Fatalf("after the failure the organization has %d products, %d features, %d plans", len(got.Products), len(got.Features), len(got.Plans))
	}
	// Pushing again finishes the job.
	cnt.failAt = 0
	push(t, c, starter(t), catalog.DiffOptions{}, catalog.ApplyOptions{Publish: true})
	if again := diff(t, pull(t, c), starter(t), catalog.DiffOptions{}); again.HasChanges() {
		t.Fatalf("after the second push: %s", again)
	}
}

// A cancelled context stops the push before its next write; the result
// says exactly what was applied.
func TestCancelMidPushReportsWhatWasApplied(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	c, cnt := org(t, srv, "cancel")
	cs := diff(t, pull(t, c), starter(t), catalog.DiffOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cnt.cancelAt, cnt.cancel = 3, cancel
	res, err := catalog.Apply(ctx, c, cs, catalog.ApplyOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("apply: %v, want context.Canceled", err)
	}
	if len(res.Applied) != 3 || len(res.NotApplied) != len(cs.Operations)-3 || res.Failed == nil || !reflect.DeepEqual(*res.Failed, cs.Operations[3]) {
		t.Fatalf("result:\n%s", res)
	}
	if w := cnt.Writes(); len(w) != 3 {
		t.Fatalf("writes: %v", w)
	}
	got := pull(t, c)
	if len(got.Products) != 1 || len(got.Features) != 2 {
		t.Fatalf("after the cancel: %d products, %d features; want 1, 2", len(got.Products), len(got.Features))
	}
}

// Apply refuses, before any write, what the API cannot do: publishing a
// plan without a price, moving a plan to another product, migrating
// customers without publishing.
func TestApplyRefusesWhatCannotWork(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	c, cnt := org(t, srv, "refuse")
	ctx := context.Background()
	push(t, c, starter(t), catalog.DiffOptions{}, catalog.ApplyOptions{})

	want := starter(t)
	want.Products = append(want.Products, catalog.Product{Identifier: "sketchbook", Name: "Sketchbook", TaxCode: "saas"})
	want.Plans = append(want.Plans, catalog.Plan{Identifier: "sketch", Name: "Sketch", Product: "sketchbook"})
	cs := diff(t, pull(t, c), want, catalog.DiffOptions{})
	before := len(cnt.Writes())
	for _, opts := range []catalog.ApplyOptions{{Publish: true}, {MigratePricing: true}} {
		if _, err := catalog.Apply(ctx, c, cs, opts); !errors.Is(err, catalog.ErrNotApplicable) {
			t.Errorf("apply %+v: %v, want ErrNotApplicable", opts, err)
		}
	}
	want.Plans[0].Product = "sketchbook"
	moved := diff(t, pull(t, c), want, catalog.DiffOptions{})
	if _, err := catalog.Apply(ctx, c, moved, catalog.ApplyOptions{}); !errors.Is(err, catalog.ErrNotApplicable) || len(moved.Problems) != 1 {
		t.Errorf("moving a plan: %v (problems %q)", err, moved.Problems)
	}
	if w := cnt.Writes()[before:]; len(w) != 0 {
		t.Fatalf("refused applies wrote %v", w)
	}
	// Without Publish the unpriced plan is fine: it stays a draft.
	if _, err := catalog.Apply(ctx, c, cs, catalog.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
}

// Drafts left by a push without Publish are published by the next push
// with Publish, though nothing else differs.
func TestDraftsLeftByAPushArePublishedLater(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	c, cnt := org(t, srv, "drafts")
	push(t, c, starter(t), catalog.DiffOptions{}, catalog.ApplyOptions{})
	for _, p := range pull(t, c).Plans {
		if !p.Draft {
			t.Fatalf("plan %q is published after a push without Publish", p.Identifier)
		}
	}
	cs := diff(t, pull(t, c), starter(t), catalog.DiffOptions{})
	if cs.HasChanges() || !slices.Equal(cs.PublishPlans(), []string{"hobby", "team"}) {
		t.Fatalf("changeset %s; publishes %v", cs, cs.PublishPlans())
	}
	before := len(cnt.Writes())
	if _, err := catalog.Apply(context.Background(), c, cs, catalog.ApplyOptions{Publish: true}); err != nil {
		t.Fatal(err)
	}
	if w := cnt.Writes()[before:]; !slices.Equal(w, []string{"POST /api/v1/catalog/plans/hobby/publish/", "POST /api/v1/catalog/plans/team/publish/"}) {
		t.Fatalf("writes %v", w)
	}
	for _, p := range pull(t, c).Plans {
		if p.Draft {
			t.Fatalf("plan %q is still a draft", p.Identifier)
		}
	}
}

// Updates of every kind converge: a product's text cleared, a plan's
// metadata and visibility changed (its marker kept), an entitlement's
// value changed to a fraction, one removed, a feature with numbers in its
// details. A second diff is empty.
func TestUpdatesConverge(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	c, _ := org(t, srv, "updates")
	ctx := context.Background()
	first := starter(t)
	first.Features[1].FeatureDetails["precision"] = 0.25
	push(t, c, first, catalog.DiffOptions{}, catalog.ApplyOptions{Publish: true})

	want := starter(t)
	want.Features[1].FeatureDetails["precision"] = 0.25
	want.Products[0].Description = ""
	want.Products[0].TaxCode = "software"
	team := &want.Plans[1]
	team.Metadata = map[string]any{"tier": "gold", "seats": 5}
	team.IsVisible = new(false)
	team.Entitlements[1].Value = 1000.5
	team.Entitlements = team.Entitlements[:2] // version-history removed
	cs := diff(t, pull(t, c), want, catalog.DiffOptions{})
	var lines []string
	for _, o := range cs.Operations {
		lines = append(lines, o.String())
	}
	wantLines := []string{
		`~ update product "notebook": taxCode "saas" → "software", description "Shared notes for small teams" → (none)`,
		`~ update plan "team": isVisible true → false, metadata (none) → {"seats":5,"tier":"gold"}`,
		`~ update entitlement "exports" on plan "team": value 1000 → 1000.5`,
		`- delete entitlement "version-history" from plan "team"`,
	}
	if !slices.Equal(lines, wantLines) {
		t.Fatalf("operations:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(wantLines, "\n"))
	}
	if _, err := catalog.Apply(ctx, c, cs, catalog.ApplyOptions{Publish: true}); err != nil {
		t.Fatal(err)
	}
	if again := diff(t, pull(t, c), want, catalog.DiffOptions{}); again.HasChanges() {
		t.Fatalf("second diff:\n%s", again)
	}
	remote, err := c.Catalog.Plans.Get(ctx, "team", nil)
	if err != nil {
		t.Fatal(err)
	}
	if m := *remote.Metadata; m[catalog.MarkerKey] != catalog.MarkerValue || m["tier"] != "gold" {
		t.Fatalf("remote metadata %v: want the marker kept beside the new keys", m)
	}
	if p := pull(t, c); !p.Plans[1].Managed || p.Plans[1].Metadata["tier"] != "gold" {
		t.Fatalf("pulled plan %+v", p.Plans[1])
	}
}
