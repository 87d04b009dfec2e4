package kelviq_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// fragmentHarness makes a program of a README snippet that is not one: the
// names the snippets share (ctx, shop) are declared around it.
const fragmentHarness = `package main

import (
	"context"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/wrapper"
)

func main() {
	ctx := context.Background()
	var shop *wrapper.Client
	_ = api.CustomerUpdateRequest{}
	%s
}
`

// TestREADMEGoSnippetsBuild compiles every Go snippet of README.md against
// this module, so that its import paths and calls stay true: whole programs
// as they are, fragments inside a main function. The snippets are laid over
// the module with go build -overlay; nothing is written into the tree.
func TestREADMEGoSnippetsBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: compiling the README snippets takes a few seconds")
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) < 3 {
		t.Fatalf("README.md has %d Go snippets; want the quick start, the optional fields and the fake program", len(blocks))
	}
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	replace := map[string]string{}
	var pkgs []string
	for i, b := range blocks {
		src := b[1]
		if !strings.HasPrefix(src, "package main") {
			src = strings.Replace(fragmentHarness, "%s", strings.ReplaceAll(src, "\n", "\n\t")+"\n\t_, _ = customer, err", 1)
		}
		file := filepath.Join(tmp, "snippet"+strconv.Itoa(i)+".go")
		if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		dir := "internal/readmesnippet" + strconv.Itoa(i)
		replace[filepath.Join(root, dir, "main.go")] = file
		pkgs = append(pkgs, "./"+dir)
	}
	overlay, err := json.Marshal(map[string]any{"Replace": replace})
	if err != nil {
		t.Fatal(err)
	}
	overlayFile := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o600); err != nil {
		t.Fatal(err)
	}
	goBin := goBinary(t)
	for _, pkg := range pkgs {
		cmd := exec.Command(goBin, "build", "-overlay="+overlayFile, "-o", os.DevNull, pkg)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("README snippet %s does not build: %v\n%s", pkg, err, out)
		}
	}
}

// TestREADMEFirstScreen keeps the README's first screen to what a newcomer
// needs on a fresh machine: the main job and the test command, and the
// install lines for the library and the CLI.
func TestREADMEFirstScreen(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(readme), "\n")
	first := strings.Join(lines[:min(len(lines), 24)], "\n")
	block := regexp.MustCompile("(?s)```sh\n(.*?)```").FindStringSubmatch(first)
	if block == nil {
		t.Fatalf("no shell block in the README's first 24 lines:\n%s", first)
	}
	var cmds []string
	for _, l := range strings.Split(strings.TrimSpace(block[1]), "\n") {
		cmd, _, _ := strings.Cut(l, "#")
		cmds = append(cmds, strings.TrimSpace(cmd))
	}
	if strings.Join(cmds, "; ") != "go run ./cmd/kelviq demo; make test" {
		t.Fatalf("the first commands should be the demo and make test, got %q", cmds)
	}
	for _, s := range []string{"go install github.com/kelviq/kelviq-go/cmd/kelviq@latest", "C compiler"} {
		if !strings.Contains(string(readme), s) {
			t.Errorf("README.md does not mention %q", s)
		}
	}
}
