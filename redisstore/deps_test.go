package redisstore_test

import (
	"os/exec"
	"strings"
	"testing"
)

// Only programs that import redisstore link go-redis: no other package of
// the module depends on it.
func TestOnlyRedisstoreLinksGoRedis(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	const module = "github.com/kelviq/kelviq-go/"
	for _, pkg := range []string{"wrapper", "api", "entitlements", "usage", "webhook", "kelviqtest", "cmd/kelviq"} {
		out, err := exec.Command(goTool, "list", "-deps", module+pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		if !strings.Contains(string(out), module+pkg+"\n") {
			t.Fatalf("go list -deps %s does not list the package itself:\n%s", pkg, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if strings.HasPrefix(dep, "github.com/redis/") {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
	out, err := exec.Command(goTool, "list", "-deps", module+"redisstore").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "github.com/redis/go-redis/v9\n") {
		t.Errorf("go list -deps redisstore does not list go-redis (the check above could not fail): %v\n%s", err, out)
	}
}
