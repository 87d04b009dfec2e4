package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/catalog"
	"github.com/kelviq/kelviq-go/kelviqtest"
)

// binary is the kelviq CLI built into a temporary directory.
type binary struct {
	path string
	dir  string // the working directory of every run
}

// buildCLI builds the CLI for the black-box tests (catalog, mcp); without
// the go command they are skipped.
func buildCLI(t *testing.T) *binary {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the black-box tests build the CLI with the go command, which is not on PATH")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "kelviq")
	if runtime.GOOS == "windows" {
		path += ".exe"
	}
	out, err := exec.Command(gobin, "build", "-o", path, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	work := filepath.Join(dir, "work")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	return &binary{path: path, dir: work}
}

func (b *binary) command(env map[string]string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	cmd := exec.Command(b.path, args...)
	cmd.Dir = b.dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	return cmd, &out, &errOut
}

// run runs the binary to its end with stdin not a terminal.
func (b *binary) run(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	cmd, out, errOut := b.command(env, args...)
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

func (b *binary) file(name string) string { return filepath.Join(b.dir, name) }

func (b *binary) load(t *testing.T, name string) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Load(b.file(name))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (b *binary) save(t *testing.T, name string, c *catalog.Catalog) {
	t.Helper()
	data, err := c.YAML()
	if err != nil {
		t.Fatal(err)
	}
	if err := catalog.WriteFile(b.file(name), data, true); err != nil {
		t.Fatal(err)
	}
}

// dryRun is push --dry-run --json, decoded.
func (b *binary) dryRun(t *testing.T, env map[string]string, args ...string) catalog.Document {
	t.Helper()
	r := b.run(t, env, append([]string{"push", "--dry-run", "--json"}, args...)...)
	want(t, r, 0)
	var doc catalog.Document
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("push --dry-run --json: not one JSON document (%v): %s", err, r)
	}
	return doc
}

// The catalog commands as a user runs them: the built binary, as a
// subprocess, against fake organizations behind a proxy that counts (and
// breaks) writes.
func TestCatalogCLIBlackBox(t *testing.T) {
	t.Parallel()
	b := buildCLI(t)
	fake := kelviqtest.NewServer(t)

	keyA := catalogOrg(t, fake, "blackbox-a")
	proxy := newWriteProxy(t, fake)
	env := sandboxEnv(t, proxy.URL(), keyA)

	t.Run("init, push, pull gives back an equal file", func(t *testing.T) {
		want(t, b.run(t, env, "init"), 0)
		r := b.run(t, env, "init")
		want(t, r, 2)
		if !strings.Contains(r.stderr, "--force") {
			t.Errorf("init over an existing file: %s", r)
		}
		r = b.run(t, env, "push", "--yes")
		want(t, r, 0)
		if !strings.Contains(r.stdout, `+ create plan "team"`) || !strings.Contains(r.stdout, "applied 14 of 14 operations") {
			t.Fatalf("push --yes: %s", r)
		}
		if len(proxy.Writes()) == 0 {
			t.Fatal("push --yes sent no write through the proxy")
		}
		r = b.run(t, env, "catalog", "pull", "-o", "pulled.yaml")
		want(t, r, 0)
		if !strings.Contains(r.stdout, "Wrote pulled.yaml from sandbox") {
			t.Errorf("pull: %s", r)
		}
		if got, orig := b.load(t, "pulled.yaml"), b.load(t, "kelviq.yaml"); !reflect.DeepEqual(got, orig) {
			data, _ := os.ReadFile(b.file("pulled.yaml"))
			t.Fatalf("pulled file differs from the pushed one:\n%s", data)
		}
	})

	t.Run("a second dry run has no changes and sends no write", func(t *testing.T) {
		before := len(proxy.Writes())
		doc := b.dryRun(t, env)
		if doc.Changes || len(doc.Operations) != 0 || doc.Environment != "sandbox" || doc.Direction != "kelviq.yaml → sandbox" {
			t.Fatalf("document: %+v", doc)
		}
		if n := len(proxy.Writes()); n != before {
			t.Fatalf("a dry run sent %d writes", n-before)
		}
	})

	t.Run("an edited name is one update, value to value", func(t *testing.T) {
		data, err := os.ReadFile(b.file("kelviq.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		edited := strings.Replace(string(data), "name: Team\n", "name: Team Plus\n", 1)
		if edited == string(data) {
			t.Fatal("the starter has no 'name: Team' line to edit")
		}
		if err := os.WriteFile(b.file("kelviq.yaml"), []byte(edited), 0o644); err != nil {
			t.Fatal(err)
		}
		doc := b.dryRun(t, env)
		wantOp := catalog.Operation{Action: catalog.ActionUpdate, Kind: catalog.KindPlan, Identifier: "team",
			Changes: []catalog.Change{{Field: "name", From: "Team", To: "Team Plus"}}}
		if !doc.Changes || len(doc.Operations) != 1 || !reflect.DeepEqual(doc.Operations[0], wantOp) || doc.Summary != (catalog.Summary{Update: 1}) {
			t.Fatalf("document: %+v", doc)
		}
		r := b.run(t, env, "push", "--dry-run")
		want(t, r, 0)
		if !strings.Contains(r.stdout, `~ update plan "team": name "Team" → "Team Plus"`) {
			t.Fatalf("human dry run: %s", r)
		}
		want(t, b.run(t, env, "push", "--yes"), 0)
	})

	t.Run("a price change replaces that plan's set only", func(t *testing.T) {
		c := b.load(t, "kelviq.yaml")
		team := slices.IndexFunc(c.Plans, func(p catalog.Plan) bool { return p.Identifier == "team" })
		charges := c.Plans[team].Prices[0].ChargeCatalogPrice[0]["charges"].([]any)
		charges[0].(map[string]any)["priceData"] = map[string]any{"amount": "15.00"}
		b.save(t, "kelviq.yaml", c)
		doc := b.dryRun(t, env)
		if len(doc.Operations) != 1 || doc.Operations[0].Action != catalog.ActionReplace || doc.Operations[0].Identifier != "team" {
			t.Fatalf("document: %+v", doc)
		}
		before := len(proxy.Writes())
		want(t, b.run(t, env, "push", "--yes"), 0)
		if w := proxy.Writes()[before:]; len(w) != 1 {
			t.Fatalf("replacing one plan's prices sent %q", w)
		}
		want(t, b.run(t, env, "pull", "-o", "after-price.yaml"), 0)
		got := b.load(t, "after-price.yaml")
		if !reflect.DeepEqual(got, c) {
			t.Fatalf("after the price change the remote catalog is not the file")
		}
	})

	t.Run("feature drift stops before writing", func(t *testing.T) {
		c := b.load(t, "kelviq.yaml")
		c.Features[0].Name = "Notebook count"
		b.save(t, "drift.yaml", c)
		before := len(proxy.Writes())
		r := b.run(t, env, "push", "drift.yaml", "--yes", "--publish")
		want(t, r, 1)
		if !strings.Contains(r.stdout, `! feature "notebooks" differs: name "Notebooks" → "Notebook count"`) ||
			!strings.Contains(r.stderr, "nothing was written") || !strings.Contains(r.stderr, "dashboard") {
			t.Fatalf("drift: %s", r)
		}
		if n := len(proxy.Writes()); n != before {
			t.Fatalf("drift: %d writes sent", n-before)
		}
	})

	t.Run("prune archives only marked plans and features", func(t *testing.T) {
		ctx := context.Background()
		c := orgClient(t, fake, keyA)
		// Made in the dashboard, so to speak: no marker.
		if _, err := c.Catalog.Features.Create(ctx, api.FeatureCreateRequest{Name: "Old flag", Identifier: new("old-flag"), FeatureType: "BOOLEAN"}); err != nil {
			t.Fatal(err)
		}
		file := b.load(t, "kelviq.yaml")
		file.Plans = file.Plans[1:] // drops hobby
		for i := range file.Plans {
			file.Plans[i].Entitlements = slices.DeleteFunc(file.Plans[i].Entitlements, func(e catalog.Entitlement) bool { return e.Feature == "version-history" })
		}
		file.Features = slices.DeleteFunc(file.Features, func(f catalog.Feature) bool { return f.Identifier == "version-history" })
		b.save(t, "pruned.yaml", file)

		doc := b.dryRun(t, env, "pruned.yaml", "--prune")
		var archived []string
		for _, o := range doc.Prune.Archive {
			archived = append(archived, string(o.Kind)+" "+o.Identifier)
		}
		if !slices.Equal(archived, []string{"plan hobby", "feature version-history"}) || len(doc.Prune.Skipped) != 1 || doc.Prune.Skipped[0].Identifier != "old-flag" {
			t.Fatalf("prune: archive %q, skipped %+v", archived, doc.Prune.Skipped)
		}
		r := b.run(t, env, "push", "pruned.yaml", "--prune", "--yes")
		want(t, r, 0)
		again := b.dryRun(t, env, "pruned.yaml", "--prune")
		if again.Changes || len(again.Prune.Archive) != 0 || len(again.Prune.Skipped) != 1 {
			t.Fatalf("after the prune: %+v", again)
		}
		want(t, b.run(t, env, "pull", "-o", "after-prune.yaml"), 0)
		if got := b.load(t, "after-prune.yaml"); !slices.ContainsFunc(got.Features, func(f catalog.Feature) bool { return f.Identifier == "old-flag" }) ||
			slices.ContainsFunc(got.Plans, func(p catalog.Plan) bool { return p.Identifier == "hobby" }) || len(got.Products) != 1 {
			data, _ := os.ReadFile(b.file("after-prune.yaml"))
			t.Fatalf("after the prune the remote catalog is:\n%s", data)
		}
	})

	t.Run("promote converges a second organization", func(t *testing.T) {
		keyB := catalogOrg(t, fake, "blackbox-b")
		penv := sandboxEnv(t, proxy.URL(), keyA)
		penv[envBaseURL], penv[envServerKey] = fake.URL(), keyB
		r := b.run(t, penv, "promote", "--dry-run")
		want(t, r, 0)
		if !strings.Contains(r.stdout, "sandbox → production") || !strings.Contains(r.stdout, `+ create plan "team"`) {
			t.Fatalf("promote --dry-run: %s", r)
		}
		want(t, b.run(t, penv, "promote", "--yes", "--publish"), 0)
		r = b.run(t, penv, "promote", "--dry-run", "--json")
		want(t, r, 0)
		var doc catalog.Document
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || doc.Changes || doc.Direction != "sandbox → production" {
			t.Fatalf("second promote: %v %s", err, r)
		}
		want(t, b.run(t, penv, "pull", "--prod", "-o", "production.yaml"), 0)
		want(t, b.run(t, penv, "pull", "-o", "sandbox.yaml"), 0)
		if !reflect.DeepEqual(b.load(t, "production.yaml"), b.load(t, "sandbox.yaml")) {
			t.Fatal("after promote, production's catalog is not the sandbox's")
		}
	})

	// A failed write, then an interrupt: the report's "done" lines are
	// exactly what is no longer to do, its other lines exactly what is.
	checkReport := func(t *testing.T, r result, env map[string]string, proxy *writeProxy) {
		t.Helper()
		done, failed, notRun := opLines(r.stdout, "done   "), opLines(r.stdout, "FAILED "), opLines(r.stdout, "not run")
		if len(done) == 0 || len(failed) != 1 || len(notRun) == 0 {
			t.Fatalf("report: %s", r)
		}
		if len(proxy.Writes()) != len(done) {
			t.Errorf("%d writes reached the fake, %d reported done", len(proxy.Writes()), len(done))
		}
		doc := b.dryRun(t, env)
		var remaining []string
		for _, o := range doc.Operations {
			remaining = append(remaining, o.String())
		}
		if wantRest := append(failed, notRun...); !slices.Equal(remaining, wantRest) {
			t.Errorf("still to do after the failure:\n%s\nreported not applied:\n%s", strings.Join(remaining, "\n"), strings.Join(wantRest, "\n"))
		}
	}

	t.Run("a 500 mid-push reports exactly what was applied", func(t *testing.T) {
		p := newWriteProxy(t, fake)
		p.failAt = 5
		env := sandboxEnv(t, p.URL(), catalogOrg(t, fake, "blackbox-500"))
		r := b.run(t, env, "push", "--yes", "--retries", "0")
		want(t, r, 1)
		if !strings.Contains(r.stderr, "500") || !strings.Contains(r.stdout, "applied 4 of 14 operations") {
			t.Fatalf("500: %s", r)
		}
		checkReport(t, r, env, p)
	})

	t.Run("an interrupt mid-push reports exactly what was applied", func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("os.Interrupt cannot be sent to a process on Windows")
		}
		p := newWriteProxy(t, fake)
		p.holdAt = 6
		env := sandboxEnv(t, p.URL(), catalogOrg(t, fake, "blackbox-sigint"))
		cmd, out, errOut := b.command(env, "push", "--yes")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		select {
		case <-p.held:
		case <-time.After(time.Minute):
			_ = cmd.Process.Kill()
			t.Fatalf("the 6th write never came: %s %s", out, errOut)
		}
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		err := cmd.Wait()
		r := result{code: cmd.ProcessState.ExitCode(), stdout: out.String(), stderr: errOut.String()}
		if err == nil || r.code != 1 || !strings.Contains(r.stderr, "interrupted") || !strings.Contains(r.stdout, "applied 5 of 14 operations") {
			t.Fatalf("interrupt: %v %s", err, r)
		}
		checkReport(t, r, env, p)
	})

	t.Run("bad files get errors with file:line", func(t *testing.T) {
		bad := "products:\n  - identifier: notebook\n    nmae: Notebook\n    taxCode: saas\n"
		if err := os.WriteFile(b.file("bad.yaml"), []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		before := len(proxy.Writes())
		r := b.run(t, env, "push", "bad.yaml", "--yes")
		want(t, r, 2)
		if !strings.Contains(r.stderr, "bad.yaml:3:") || !strings.Contains(r.stderr, "nmae") {
			t.Fatalf("bad file: %s", r)
		}
		r = b.run(t, env, "push", "bad.yaml", "--dry-run", "--json")
		want(t, r, 2)
		var doc map[string]string
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || !strings.Contains(doc["error"], "bad.yaml:3:") {
			t.Fatalf("bad file, --json: %v %s", err, r)
		}
		if n := len(proxy.Writes()); n != before {
			t.Fatalf("a bad file sent %d writes", n-before)
		}
	})
}
