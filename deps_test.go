package kelviq_test

import (
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
			for _, banned := range []string{"go.opentelemetry.io/", "github.com/redis/", "github.com/getkin/kin-openapi", "/internal/fakeapi", "/kelviqtest", "github.com/ogen-go/", "github.com/go-faster/", "github.com/go-json-experiment/"} {
				if strings.Contains(dep, banned) {
					t.Errorf("%s links %s", pkg, dep)
				}
			}
		}
	}
}
