package kelviq_test

import (
	"os"
	"os/exec"
	"slices"
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
			for _, banned := range []string{"go.opentelemetry.io/", "github.com/redis/", "github.com/getkin/kin-openapi", "/internal/fakeapi", "/kelviqtest", "github.com/ogen-go/", "github.com/go-faster/", "github.com/go-json-experiment/"} {
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

// Only the CLI links the MCP SDK (and the JSON Schema engine it brings):
// neither the library's packages nor the fake do.
func TestLibraryLinksNoMCP(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH, so the dependency graph cannot be listed")
	}
	pkgs := []string{"./api", "./wrapper", "./webhook", "./kelviqtest", "./entitlements", "./usage", "./kelviqotel", "./redisstore", "./catalog"}
	out, err := exec.Command(goCmd, append([]string{"list", "-deps"}, pkgs...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/modelcontextprotocol/", "github.com/google/jsonschema-go", "/internal/mcpserver"} {
			if strings.Contains(dep, banned) {
				t.Errorf("a library package links %s", dep)
			}
		}
	}
	// The check can fail: the CLI itself does link the SDK.
	out, err = exec.Command(goCmd, "list", "-deps", "./cmd/kelviq").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps ./cmd/kelviq: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "github.com/modelcontextprotocol/go-sdk/mcp\n") {
		t.Errorf("./cmd/kelviq does not link the MCP SDK: is this test still checking the right names?")
	}
}

// The test helper packages run no import back up the layers: they import
// no package of the module (nor testing), and no package's non-test code
// imports them.
func TestTestHelpersImportNothingUp(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH, so the dependency graph cannot be listed")
	}
	helpers := []string{"github.com/kelviq/kelviq-go/internal/testkit", "github.com/kelviq/kelviq-go/internal/countingapi"}
	for _, pkg := range helpers {
		out, err := exec.Command(goCmd, "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if strings.HasPrefix(dep, "github.com/kelviq/kelviq-go") && dep != pkg {
				t.Errorf("%s imports %s", pkg, dep)
			}
		}
		// testing itself only as a direct import: from Go 1.27 on,
		// net/http/httptest (the recording server's) links it.
		direct, err := exec.Command(goCmd, "list", "-f", "{{join .Imports \" \"}}", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, direct)
		}
		if slices.Contains(strings.Fields(string(direct)), "testing") {
			t.Errorf("%s imports testing", pkg)
		}
	}
	out, err := exec.Command(goCmd, "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list ./...: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		for _, imp := range fields[1:] {
			for _, h := range helpers {
				if imp == h {
					t.Errorf("%s imports %s from non-test code", fields[0], h)
				}
			}
		}
	}
}
