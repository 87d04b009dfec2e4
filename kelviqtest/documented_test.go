package kelviqtest_test

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// What a row of testdata/documented.md says when it gives no test names.
const notModelled = "not modelled: "

// docSources are the files a row may cite: pages of kelviq/docs and the
// published API reference.
var docSources = regexp.MustCompile(`^(guides/webhooks|guides/sandbox|guides/subscription-integration|changelog/api|checkout/[a-z-]+|customer-portal/[a-z-]+|backend-integration/(node|python)-sdk)\.mdx:\d+$|^kelviq-openapi\.json:\d+$`)

// TestDocumentedTable checks testdata/documented.md: each row cites a
// source line, says something, and names tests of this package that exist
// (or says why the fake does not model it); the counts in its summary line
// are the rows'.
func TestDocumentedTable(t *testing.T) {
	t.Parallel()
	tests := testNames(t)
	f, err := os.Open(filepath.Join("testdata", "documented.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows, tested, notMod int
	summary := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(line, "Statements: ") {
			summary = line
		}
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| # ") || strings.HasPrefix(line, "| --- ") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cells) != 4 {
			t.Errorf("line %d: %d cells, want 4: %s", n, len(cells), line)
			continue
		}
		rows++
		if num, err := strconv.Atoi(cells[0]); err != nil || num != rows {
			t.Errorf("line %d: row number %q, want %d", n, cells[0], rows)
		}
		if !docSources.MatchString(cells[1]) {
			t.Errorf("row %d: source %q is not a file:line of the docs or the reference", rows, cells[1])
		}
		if len(cells[2]) < 10 {
			t.Errorf("row %d: no statement", rows)
		}
		switch check := cells[3]; {
		case strings.HasPrefix(check, notModelled):
			if len(strings.TrimPrefix(check, notModelled)) < 10 {
				t.Errorf("row %d: not modelled without a reason", rows)
			}
			notMod++
		default:
			tested++
			for _, name := range strings.Split(check, ", ") {
				if !tests[name] {
					t.Errorf("row %d: %q is not a test of this package", rows, name)
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if rows < 100 {
		t.Fatalf("only %d rows read", rows)
	}
	want := "Statements: " + strconv.Itoa(rows) + ". Tested: " + strconv.Itoa(tested) + ". Not modelled: " + strconv.Itoa(notMod) + "."
	if summary != want {
		t.Errorf("summary line %q, the rows give %q", summary, want)
	}
}

// testNames are the Test functions declared in this package's test files.
func testNames(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("*_test.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("test files: %v %v", files, err)
	}
	decl := regexp.MustCompile(`(?m)^func (Test\w+)\(t \*testing\.T\)`)
	names := map[string]bool{}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range decl.FindAllSubmatch(b, -1) {
			names[string(m[1])] = true
		}
	}
	return names
}
