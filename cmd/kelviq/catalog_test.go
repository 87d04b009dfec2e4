package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/catalog"
	"github.com/kelviq/kelviq-go/kelviqtest"
)

// catalogFixture is one fake organization behind a proxy, a directory for
// catalog files, and the CLI's environment for them as the sandbox.
type catalogFixture struct {
	fake  *kelviqtest.Server
	proxy *writeProxy
	key   string
	dir   string
	env   map[string]string
}

func newCatalogFixture(t *testing.T, name string) *catalogFixture {
	t.Helper()
	fake := kelviqtest.NewServer(t)
	f := &catalogFixture{fake: fake, proxy: newWriteProxy(t, fake), key: catalogOrg(t, fake, name), dir: t.TempDir()}
	f.env = sandboxEnv(t, f.proxy.URL(), f.key)
	return f
}

func (f *catalogFixture) path(name string) string { return filepath.Join(f.dir, name) }

// pushed writes the starter to kelviq.yaml in f.dir and pushes it.
func (f *catalogFixture) pushed(t *testing.T) string {
	t.Helper()
	file := f.path("kelviq.yaml")
	want(t, cli(t, f.env, "", "catalog", "init", "-o", file), 0)
	want(t, cli(t, f.env, "", "catalog", "push", file, "--yes"), 0)
	return file
}

// Refusals of the command line and of the environment: exit 2, a message
// naming the rule, and no request sent; with --json, the one document on
// stdout is {"error": ...}.
func TestCatalogRefusalsSendNothing(t *testing.T) {
	t.Parallel()
	f := newCatalogFixture(t, "refusals")
	file := f.path("kelviq.yaml")
	want(t, cli(t, f.env, "", "init", "-o", file), 0)
	noKeys := map[string]string{envXDGConfigHome: t.TempDir(), envSandboxBaseURL: f.proxy.URL()}
	onlySandbox := sandboxEnv(t, f.proxy.URL(), f.key)
	for _, c := range []struct {
		env  map[string]string
		args []string
		msg  string
		json bool
	}{
		{f.env, []string{"push", file, "--json"}, "--json needs --dry-run", true},
		{f.env, []string{"catalog", "promote", "--json"}, "--json needs --dry-run", true},
		{f.env, []string{"push", file, "--migrate-features"}, "--migrate-features needs --publish", false},
		{f.env, []string{"push", file, "--migrate-pricing", "--yes"}, "--migrate-pricing needs --publish", false},
		{f.env, []string{"push", file, "--allow-prod-prune"}, "--allow-prod-prune needs --prune", false},
		{f.env, []string{"push", file, "other.yaml"}, `unexpected argument "other.yaml"`, false},
		{f.env, []string{"push", f.path("missing.yaml"), "--dry-run"}, "missing.yaml: no such file", false},
		{f.env, []string{"promote", "--sandbox"}, "promote always reads the sandbox", false},
		{f.env, []string{"promote", "--base-url", "http://127.0.0.1:1/api/v1"}, envSandboxBaseURL, false},
		{f.env, []string{"promote", "extra"}, `unexpected argument "extra"`, false},
		{noKeys, []string{"push", file, "--dry-run", "--json"}, "needs " + envSandboxServerKey, true},
		{noKeys, []string{"pull", "-o", f.path("none.yaml")}, "needs " + envSandboxServerKey, false},
		{onlySandbox, []string{"promote", "--dry-run"}, envServerKey + " (production's, to write to) is not set", false},
		{f.env, []string{"catalog"}, "catalog needs a subcommand", false},
	} {
		before := f.proxy.Requests()
		r := cli(t, c.env, "", c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.msg) {
			t.Errorf("%q: want exit 2 and %q, got %s", c.args, c.msg, r)
		}
		if n := f.proxy.Requests() - before; n != 0 {
			t.Errorf("%q: %d requests sent", c.args, n)
		}
		if c.json {
			var doc map[string]any
			if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || len(doc) != 1 || !strings.Contains(doc["error"].(string), c.msg) {
				t.Errorf("%q: stdout is not one {\"error\"} document: %v %s", c.args, err, r)
			}
		} else if strings.HasPrefix(strings.TrimSpace(r.stdout), "{") {
			t.Errorf("%q: a JSON document without --json: %s", c.args, r)
		}
	}
	if _, err := os.Stat(f.path("none.yaml")); err == nil {
		t.Error("a pull that failed wrote its file")
	}
}

// Without a terminal and without --yes, push shows the diff and refuses
// (exit 2), writing nothing; with nothing to do it succeeds without --yes.
func TestPushWithoutATerminalNeedsYes(t *testing.T) {
	t.Parallel()
	f := newCatalogFixture(t, "needs-yes")
	file := f.path("kelviq.yaml")
	want(t, cli(t, f.env, "", "init", "-o", file), 0)
	r := cli(t, f.env, "y\n", "push", file) // an answer on a pipe is not a confirmation
	want(t, r, 2)
	if !strings.Contains(r.stdout, `+ create plan "hobby"`) || !strings.Contains(r.stderr, "pass --yes") || strings.Contains(r.stderr, "--help") {
		t.Fatalf("push without --yes: %s", r)
	}
	if w := f.proxy.Writes(); len(w) != 0 {
		t.Fatalf("push without --yes wrote %q", w)
	}
	want(t, cli(t, f.env, "", "push", file, "--yes", "--publish"), 0)
	r = cli(t, f.env, "", "push", file, "--publish")
	want(t, r, 0)
	if !strings.Contains(r.stdout, "no changes") || !strings.Contains(r.stdout, "Nothing to apply.") {
		t.Fatalf("push in sync: %s", r)
	}
}

// A base URL with KELVIQ_SERVER_API_KEY ('kelviq fake”s exports) targets
// production: --prune there needs --allow-prod-prune (or the typed name on
// a terminal); --yes alone writes nothing.
func TestProdPruneNeedsAllowProdPrune(t *testing.T) {
	t.Parallel()
	f := newCatalogFixture(t, "prod-prune")
	env := map[string]string{envBaseURL: f.proxy.URL(), envServerKey: f.key, envXDGConfigHome: t.TempDir()}
	file := f.path("kelviq.yaml")
	want(t, cli(t, env, "", "init", "-o", file), 0)
	r := cli(t, env, "", "push", file, "--yes")
	want(t, r, 0)
	if !strings.Contains(r.stdout, "kelviq.yaml → production") || !strings.Contains(r.stdout, "from "+envBaseURL) {
		t.Fatalf("push with a base URL: %s", r)
	}
	c, err := catalog.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	c.Plans = c.Plans[:1] // drops team
	data, _ := c.YAML()
	pruned := f.path("pruned.yaml")
	if err := os.WriteFile(pruned, data, 0o644); err != nil {
		t.Fatal(err)
	}
	before := len(f.proxy.Writes())
	r = cli(t, env, "", "push", pruned, "--prune", "--yes")
	want(t, r, 2)
	if !strings.Contains(r.stderr, "--allow-prod-prune") || !strings.Contains(r.stderr, "--yes is not enough") {
		t.Fatalf("prune of production with --yes: %s", r)
	}
	if n := len(f.proxy.Writes()) - before; n != 0 {
		t.Fatalf("a refused prune sent %d writes", n)
	}
	r = cli(t, env, "", "push", pruned, "--prune", "--yes", "--allow-prod-prune")
	want(t, r, 0)
	if !strings.Contains(r.stdout, `done    - archive plan "team"`) {
		t.Fatalf("prune with --allow-prod-prune: %s", r)
	}
}

// init and pull never replace a file without --force; pull writes only
// when it read everything, and prints what the format cannot hold.
func TestInitAndPullFiles(t *testing.T) {
	t.Parallel()
	f := newCatalogFixture(t, "files")
	file := f.path("kelviq.yaml")
	r := cli(t, f.env, "", "init", "-o", file)
	want(t, r, 0)
	if data, _ := os.ReadFile(file); string(data) != string(catalog.Starter()) {
		t.Fatal("init did not write the starter")
	}
	if err := os.WriteFile(file, []byte("# mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"init", "-o", file}, {"catalog", "init", "--output", file}, {"pull", "-o", file}} {
		r := cli(t, f.env, "", args...)
		if r.code != 2 || !strings.Contains(r.stderr, "exists") || !strings.Contains(r.stderr, "--force") {
			t.Errorf("%q over a file: %s", args, r)
		}
	}
	if data, _ := os.ReadFile(file); string(data) != "# mine\n" {
		t.Fatalf("a refused init or pull changed the file: %q", data)
	}
	if n := f.proxy.Requests(); n != 0 {
		t.Fatalf("refusing to overwrite sent %d requests", n)
	}
	want(t, cli(t, f.env, "", "init", "-o", file, "--force"), 0)
	want(t, cli(t, f.env, "", "push", file, "--yes"), 0)

	// Made in the dashboard, so to speak: a plan with a link, which the
	// file cannot hold.
	ctx := context.Background()
	c := orgClient(t, f.fake, f.key)
	prod, err := c.Catalog.Products.Create(ctx, api.ProductCreateRequest{Name: "Legacy app", Identifier: new("legacy-app"), TaxCode: api.ProductCreateRequestTaxCodeSoftware})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Catalog.Plans.Create(ctx, api.PlanCreateRequest{Name: "Legacy", Identifier: new("legacy"), Product: *prod.Id,
		Links: &[]api.PlanLink{{Name: new("Docs"), Url: new("https://docs.example.com/legacy")}}}); err != nil {
		t.Fatal(err)
	}
	r = cli(t, f.env, "", "pull", "-o", file, "--force")
	want(t, r, 0)
	if !strings.Contains(r.stdout, "Wrote "+file+" from sandbox") || !strings.Contains(r.stderr, `warning: plan "legacy": its links (1) are not part of the file`) {
		t.Fatalf("pull: %s", r)
	}
	got, err := catalog.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(got.Plans, func(p catalog.Plan) bool { return p.Identifier == "legacy" }) {
		t.Fatal("the pulled file lacks the legacy plan")
	}

	// A failed pull leaves the file as it was.
	before, _ := os.ReadFile(file)
	bad := sandboxEnv(t, f.proxy.URL(), "sk_test_not_a_key_of_this_fake")
	r = cli(t, bad, "", "pull", "-o", file, "--force")
	want(t, r, 1)
	if !strings.Contains(r.stderr, "pull failed") || !strings.Contains(r.stderr, "401") {
		t.Fatalf("failed pull: %s", r)
	}
	if after, _ := os.ReadFile(file); string(after) != string(before) {
		t.Fatal("a failed pull changed the file")
	}
}

// A dry run with feature drift renders (exit 0) and names the drift; the
// JSON document lists it and the error Apply would stop with.
func TestDryRunShowsFeatureDrift(t *testing.T) {
	t.Parallel()
	f := newCatalogFixture(t, "drift")
	file := f.pushed(t)
	c, err := catalog.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	c.Features[1].Type = "BOOLEAN"
	c.Features[1].FeatureDetails = nil
	for i := range c.Plans {
		c.Plans[i].Entitlements[1] = catalog.Entitlement{Feature: c.Features[1].Identifier, Value: true}
	}
	data, _ := c.YAML()
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	before := len(f.proxy.Writes())
	r := cli(t, f.env, "", "push", file, "--dry-run", "--json")
	want(t, r, 0)
	doc := decodeOut[catalog.Document](t, r)
	if !doc.Changes || len(doc.FeatureDrift) != 1 || doc.FeatureDrift[0].Feature != "exports" {
		t.Fatalf("document: %+v", doc)
	}
	r = cli(t, f.env, "", "push", file, "--dry-run")
	want(t, r, 0)
	if !strings.Contains(r.stdout, `! feature "exports" differs`) || !strings.Contains(r.stdout, "Dry run: nothing was written.") {
		t.Fatalf("human dry run: %s", r)
	}
	if n := len(f.proxy.Writes()) - before; n != 0 {
		t.Fatalf("dry runs sent %d writes", n)
	}
}

// The help names the catalog commands, and keysHelp lists them among the
// sandbox-first ones.
func TestCatalogHelp(t *testing.T) {
	t.Parallel()
	r := cli(t, nil, "", "catalog", "--help")
	want(t, r, 0)
	for _, s := range []string{"init", "pull", "push", "promote"} {
		if !strings.Contains(r.stdout, "\n  "+s+" ") {
			t.Errorf("catalog --help lacks %s:\n%s", s, r.stdout)
		}
	}
	r = cli(t, nil, "", "push", "--help")
	want(t, r, 0)
	for _, s := range []string{"--dry-run", "--json", "--yes", "--publish", "--migrate-features", "--migrate-pricing", "--prune", "--allow-prod-prune"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("push --help lacks %s", s)
		}
	}
	r = cli(t, nil, "", "pull", "--help")
	if !strings.Contains(r.stdout, "-o, --output FILE") {
		t.Errorf("pull --help lacks -o, --output FILE:\n%s", r.stdout)
	}
	if !strings.Contains(keysHelp, "catalog") {
		t.Error("keysHelp does not name the catalog commands")
	}
}
