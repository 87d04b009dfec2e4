package kelviq_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// makeTestPlan returns what `make -n test` would run with the given
// environment: the commands, not their results.
func makeTestPlan(t *testing.T, env []string, args ...string) string {
	t.Helper()
	mk, err := exec.LookPath("make")
	if err != nil {
		t.Skip("make is not installed: the Makefile cannot be checked here")
	}
	cmd := exec.Command(mk, append([]string{"-n", "test"}, args...)...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make -n test: %v\n%s", err, out)
	}
	return string(out)
}

// goBinary is the go command on PATH (go test puts its own first), as an
// absolute path so that it can be run with another PATH.
func goBinary(t *testing.T) string {
	t.Helper()
	g, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command on PATH (%v): cannot run the go tool", err)
	}
	abs, err := filepath.Abs(g)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// baseEnv is the environment minus the variables the test sets itself.
func baseEnv(drop ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, d := range append(drop, "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "RACE") {
			keep = keep && name != d
		}
		if keep {
			env = append(env, kv)
		}
	}
	return env
}

func testLine(t *testing.T, plan string) string {
	t.Helper()
	for _, l := range strings.Split(plan, "\n") {
		if strings.Contains(l, " test ") && strings.Contains(l, "-count=1") {
			return l
		}
	}
	t.Fatalf("no go test line in the plan:\n%s", plan)
	return ""
}

// TestMakeTestWithoutCCompiler checks that `make test`, the README's test
// command, runs without -race, saying why in one line, on a machine without
// a C compiler (a PATH with none), and when cgo is switched off or CC names
// a compiler that is not there.
func TestMakeTestWithoutCCompiler(t *testing.T) {
	goBin := goBinary(t)
	emptyPath := t.TempDir() // no gcc, no cc, no clang
	for _, tc := range []struct {
		name string
		env  []string
		why  string
	}{
		{"no compiler on PATH", append(baseEnv("PATH", "CC", "CGO_ENABLED"), "PATH="+emptyPath), "cgo is off"},
		{"CGO_ENABLED=0", append(baseEnv("CGO_ENABLED"), "CGO_ENABLED=0"), "cgo is off"},
		{"CC missing", append(baseEnv("CC", "CGO_ENABLED"), "CGO_ENABLED=1", "CC=no-such-cc-kelviq"), "no-such-cc-kelviq (go env CC) is not on PATH"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := makeTestPlan(t, tc.env, "GO="+goBin)
			if l := testLine(t, plan); strings.Contains(l, "-race") {
				t.Fatalf("without a C compiler, go test must run without -race: %q", l)
			}
			var notes []string
			for _, l := range strings.Split(plan, "\n") {
				if strings.Contains(l, "WITHOUT the race detector") {
					notes = append(notes, l)
				}
			}
			if len(notes) != 1 || !strings.Contains(notes[0], tc.why) || !strings.Contains(notes[0], "install gcc") {
				t.Fatalf("want one line saying why there is no -race (%q) and how to get it:\n%s", tc.why, plan)
			}
		})
	}
}

// TestMakeTestWithCCompiler checks that with cgo and a C compiler `make
// test` still runs the race detector, silently.
func TestMakeTestWithCCompiler(t *testing.T) {
	goBin := goBinary(t)
	out, err := exec.Command(goBin, "env", "CGO_ENABLED", "CC").Output()
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(out))
	if len(f) < 2 || f[0] != "1" {
		t.Skipf("cgo is off here (go env: %q): nothing to check with a C compiler", out)
	}
	if _, err := exec.LookPath(f[1]); err != nil {
		t.Skipf("the C compiler %q is not on PATH here", f[1])
	}
	plan := makeTestPlan(t, baseEnv(), "GO="+goBin)
	if l := testLine(t, plan); !strings.Contains(l, "-race") {
		t.Fatalf("with a C compiler, go test must run with -race: %q", l)
	}
	if strings.Contains(plan, "WITHOUT the race detector") {
		t.Fatalf("no note expected with a C compiler:\n%s", plan)
	}
}
