//go:build linux

package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kelviq/kelviq-go/catalog"
	"github.com/kelviq/kelviq-go/internal/testkit"
)

// onTerminal runs the CLI with a pseudo-terminal as standard input, types
// typed into it, and returns the result; cancel, when not nil, is called
// once stderr shows waitFor.
func onTerminal(t *testing.T, env map[string]string, typed, waitFor string, args ...string) result {
	t.Helper()
	master, tty := openPTY(t)
	if typed != "" {
		if _, err := master.WriteString(typed); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut testkit.SyncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, args, tty, &out, &errOut, func(k string) string { return env[k] })
	}()
	deadline := time.After(30 * time.Second)
	for waitFor != "" && !strings.Contains(errOut.String(), waitFor) {
		select {
		case code := <-done:
			t.Fatalf("exited %d before asking %q: %s %s", code, waitFor, out.String(), errOut.String())
		case <-deadline:
			t.Fatalf("never asked %q: %s %s", waitFor, out.String(), errOut.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	if waitFor != "" {
		cancel() // Ctrl-C
	}
	select {
	case code := <-done:
		return result{code: code, stdout: out.String(), stderr: errOut.String()}
	case <-deadline:
		t.Fatalf("did not return: %s %s", out.String(), errOut.String())
	}
	return result{}
}

// On a terminal push asks before writing, asks again before publishing
// (listing the plans), stops at anything but yes, and stops at Ctrl-C
// while asking; a prune of production asks for the environment's name
// typed, even with --yes.
func TestPushPromptsOnATerminal(t *testing.T) {
	t.Parallel()
	f := newCatalogFixture(t, "prompts")
	file := f.path("kelviq.yaml")
	want(t, cli(t, f.env, "", "init", "-o", file), 0)

	r := onTerminal(t, f.env, "n\r", "", "push", file)
	want(t, r, 1)
	if !strings.Contains(r.stderr, "Apply these 14 operations to sandbox?") || !strings.Contains(r.stderr, "not confirmed: nothing was written") {
		t.Fatalf("answered n: %s", r)
	}
	r = onTerminal(t, f.env, "", "[y/N]", "push", file)
	want(t, r, 1)
	if !strings.Contains(r.stderr, "interrupted") {
		t.Fatalf("Ctrl-C at the prompt: %s", r)
	}
	r = onTerminal(t, f.env, "yes\rn\r", "", "push", file, "--publish")
	want(t, r, 1)
	if !strings.Contains(r.stderr, `Publish 2 plans in sandbox: "hobby", "team"? Existing customers keep`) {
		t.Fatalf("publish declined: %s", r)
	}
	if w := f.proxy.Writes(); len(w) != 0 {
		t.Fatalf("declined pushes wrote %q", w)
	}
	r = onTerminal(t, f.env, "y\ry\r", "", "push", file, "--publish", "--migrate-pricing")
	want(t, r, 0)
	if !strings.Contains(r.stderr, "--migrate-pricing moves their existing customers onto the new prices") || !strings.Contains(r.stdout, "applied 16 of 16 operations") {
		t.Fatalf("confirmed: %s", r)
	}

	// A draft left by a push without --publish: publishing it is the only
	// question.
	c, err := catalog.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	c.Plans[1].Name = "Team Plus"
	data, _ := c.YAML()
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	want(t, cli(t, f.env, "", "push", file, "--yes"), 0)
	r = onTerminal(t, f.env, "y\r", "", "push", file, "--publish")
	want(t, r, 0)
	if strings.Contains(r.stderr, "Apply these") || !strings.Contains(r.stderr, `Publish 1 plans in sandbox: "team"?`) || !strings.Contains(r.stdout, `done    ^ publish plan "team"`) {
		t.Fatalf("publishing a draft: %s", r)
	}

	prod := map[string]string{envBaseURL: f.proxy.URL(), envServerKey: f.key, envXDGConfigHome: t.TempDir()}
	c.Plans = c.Plans[:1]
	data, _ = c.YAML()
	pruned := f.path("pruned.yaml")
	if err := os.WriteFile(pruned, data, 0o644); err != nil {
		t.Fatal(err)
	}
	before := len(f.proxy.Writes())
	r = onTerminal(t, prod, "prod\r", "", "push", pruned, "--prune", "--yes")
	want(t, r, 1)
	if !strings.Contains(r.stderr, `Type "production" to go on`) || !strings.Contains(r.stderr, "not confirmed") {
		t.Fatalf("prune, wrong name typed: %s", r)
	}
	if n := len(f.proxy.Writes()) - before; n != 0 {
		t.Fatalf("a declined prune sent %d writes", n)
	}
	r = onTerminal(t, prod, "production\r", "", "push", pruned, "--prune", "--yes")
	want(t, r, 0)
	if !strings.Contains(r.stdout, `done    - archive plan "team"`) {
		t.Fatalf("prune, name typed: %s", r)
	}
}
