package kelviq_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// A program that imports only the client (api, wrapper) or the webhook
// verifier links none of the integrations or the fake's machinery: those
// live in packages of their own.
func TestClientLinksNoIntegration(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH, so the dependency graph cannot be listed")
	}
	for _, pkg := range []string{"./api", "./wrapper", "./webhook"} {
		out, err := exec.Command(goCmd, "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, banned := range []string{"go.opentelemetry.io/", "github.com/redis/", "github.com/getkin/kin-openapi", "/internal/fakeapi", "/kelviqtest"} {
				if strings.Contains(dep, banned) {
					t.Errorf("%s links %s", pkg, dep)
				}
			}
		}
	}
}

// Only the CLI links its command-line libraries (cobra, pflag, x/term): the
// library packages, the fake and the catalog package do not.
func TestOnlyTheCLILinksCobra(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH, so the dependency graph cannot be listed")
	}
	cliOnly := []string{"github.com/spf13/cobra", "github.com/spf13/pflag", "golang.org/x/term"}
	deps := func(pkg string) []string {
		out, err := exec.Command(goCmd, "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		return strings.Fields(string(out))
	}
	pkgs := []string{"./api", "./wrapper", "./webhook", "./kelviqtest"}
	if _, err := os.Stat("catalog"); err == nil {
		pkgs = append(pkgs, "./catalog")
	}
	for _, pkg := range pkgs {
		for _, dep := range deps(pkg) {
			for _, banned := range cliOnly {
				if dep == banned || strings.HasPrefix(dep, banned+"/") {
					t.Errorf("%s links %s, which only the CLI may link", pkg, dep)
				}
			}
		}
	}
	// The check can fail: the CLI itself does link them.
	cli := strings.Join(deps("./cmd/kelviq"), "\n")
	for _, want := range cliOnly {
		if !strings.Contains(cli, want) {
			t.Errorf("./cmd/kelviq does not link %s: is this test still checking the right names?", want)
		}
	}
}
