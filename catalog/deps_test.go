package catalog_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The catalog package links YAML and the client, not the fake or the CLI's
// libraries; and the client does not link YAML: only programs importing
// catalog do.
func TestLinksOnlyWhatItNeeds(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH, so the dependency graph cannot be listed")
	}
	deps := func(pkg string) []string {
		out, err := exec.Command(goCmd, "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		return strings.Fields(string(out))
	}
	has := func(list []string, part string) bool {
		for _, d := range list {
			if strings.Contains(d, part) {
				return true
			}
		}
		return false
	}
	cat := deps(".")
	if !has(cat, "go.yaml.in/yaml/v3") {
		t.Error("catalog does not link go.yaml.in/yaml/v3: is this list stale?")
	}
	for _, banned := range []string{"/kelviqtest", "/internal/fakeapi", "github.com/spf13/cobra", "golang.org/x/term", "github.com/getkin/kin-openapi"} {
		if has(cat, banned) {
			t.Errorf("catalog links %s", banned)
		}
	}
	for _, pkg := range []string{"../wrapper", "../api"} {
		if has(deps(pkg), "yaml") {
			t.Errorf("%s links a YAML library", pkg)
		}
	}
}
