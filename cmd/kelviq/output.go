package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// writeJSON prints v as indented JSON. Struct fields keep their order and
// map keys are sorted, so the output is stable. With an explicit --output
// table it prints v as a table instead (renderTable): the commands that
// always print JSON, such as call, follow --output that way.
func (a *app) writeJSON(v any) error {
	if a.g.output == "table" {
		return renderTable(a.stdout, v, a.width())
	}
	b, err := indentedJSON(v)
	if err != nil {
		return err
	}
	_, err = a.stdout.Write(b)
	return err
}

// indentedJSON is v as the CLI prints JSON: indented, HTML left as it is.
func indentedJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encoding output: %w", err)
	}
	return b.Bytes(), nil
}

// writeTable prints rows aligned in columns, no wider than the terminal;
// header may be nil.
func (a *app) writeTable(header []string, rows [][]string) error {
	return formatTable(a.stdout, header, rows, a.width())
}

// defaultWidth is the width of a table when stdout is not a terminal and
// COLUMNS is not set.
const defaultWidth = 80

// width is the widest a table may be: COLUMNS when it is a positive number,
// else the terminal's width when stdout is one, else 80.
func (a *app) width() int {
	if n, err := strconv.Atoi(strings.TrimSpace(a.getenv("COLUMNS"))); err == nil && n > 0 {
		return n
	}
	if n := terminalWidth(a.stdout); n > 0 {
		return n
	}
	return defaultWidth
}

// Table layout: columns are separated by colGap spaces; a column shrunk to
// fit keeps at least minColWidth characters (or its natural width, if
// less), and a cut cell ends in ellipsis.
const (
	colGap      = 2
	minColWidth = 6
	ellipsis    = "…"
)

// formatTable prints header (optional) and rows in aligned columns, never
// wider than width characters: when the natural layout is wider, the widest
// columns are narrowed (the first, usually an identifier, last) and their
// cells cut with "…"; when even that does not fit, the columns on the right
// are left out and a last column of "…" says so.
func formatTable(w io.Writer, header []string, rows [][]string, width int) error {
	var all [][]string
	if header != nil {
		all = append(all, header)
	}
	n := len(header)
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = cellText(c)
		}
		all = append(all, cells)
		n = max(n, len(r))
	}
	if n == 0 {
		return nil
	}
	natural := make([]int, n)
	for _, r := range all {
		for i, c := range r {
			natural[i] = max(natural[i], utf8.RuneCountInString(c))
		}
	}
	widths := fitColumns(natural, max(width, 1))
	var b bytes.Buffer
	for _, r := range all {
		var line strings.Builder
		for i, cw := range widths {
			cell := ""
			switch {
			case cw == 0: // the marker column for columns left out
				cell = ellipsis
			case i < len(r):
				cell = truncate(r[i], cw)
			}
			if i > 0 {
				line.WriteString(strings.Repeat(" ", colGap))
			}
			line.WriteString(cell)
			if i < len(widths)-1 {
				line.WriteString(strings.Repeat(" ", max(cw, 1)-utf8.RuneCountInString(cell)))
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	_, err := w.Write(b.Bytes())
	return err
}

// fitColumns returns the column widths for a table at most width wide. A
// width of 0 marks the one-character column that stands for columns left
// out.
func fitColumns(natural []int, width int) []int {
	widths := append([]int(nil), natural...)
	floor := func(i int) int { return min(natural[i], minColWidth) }
	total := func() int {
		t := colGap * (len(widths) - 1)
		for _, w := range widths {
			t += max(w, 1)
		}
		return t
	}
	for total() > width {
		// Narrow the widest column that may shrink, the first one last.
		best := -1
		for i := 1; i < len(widths); i++ {
			if widths[i] > 0 && widths[i] > floor(i) && (best < 0 || widths[i] > widths[best]) {
				best = i
			}
		}
		if best < 0 && widths[0] > floor(0) {
			best = 0
		}
		if best >= 0 {
			widths[best]--
			continue
		}
		// Every column is at its floor: leave out the last real one.
		real := len(widths)
		if widths[real-1] == 0 {
			real--
		}
		if real <= 1 {
			widths = widths[:1]
			widths[0] = width // one column, cut to the width
			break
		}
		widths = append(widths[:real-1], 0)
	}
	return widths
}

// truncate cuts s to at most n characters, the last of them "…".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	if n == 1 {
		return ellipsis
	}
	r := []rune(s)
	return string(r[:n-1]) + ellipsis
}

// renderTable prints a decoded JSON response (as decodeJSON returns it) as a
// table at most width characters wide: a list page's results (or a JSON
// array) as one row per item with a column per member, an object as
// member/value rows, anything else as it is. Nested objects and arrays are
// shown as compact JSON; a member that is null or absent in every item gets
// no column.
func renderTable(w io.Writer, v any, width int) error {
	if obj, ok := v.(map[string]any); ok {
		if results, ok := obj["results"].([]any); ok {
			v = results
		}
	}
	switch t := v.(type) {
	case []any:
		if len(t) == 0 {
			_, err := io.WriteString(w, "(no results)\n")
			return err
		}
		var objs []map[string]any
		for _, item := range t {
			o, ok := item.(map[string]any)
			if !ok {
				objs = nil
				break
			}
			objs = append(objs, o)
		}
		if objs == nil { // not a list of objects: one value per row
			rows := make([][]string, len(t))
			for i, item := range t {
				rows[i] = []string{cellValue(item)}
			}
			return formatTable(w, nil, rows, width)
		}
		cols := columnsOf(objs)
		rows := make([][]string, len(objs))
		for i, o := range objs {
			row := make([]string, len(cols))
			for j, c := range cols {
				row[j] = cellValue(o[c])
			}
			rows[i] = row
		}
		return formatTable(w, cols, rows, width)
	case map[string]any:
		cols := columnsOf([]map[string]any{t})
		rows := make([][]string, len(cols))
		for i, c := range cols {
			rows[i] = []string{c, cellValue(t[c])}
		}
		return formatTable(w, nil, rows, width)
	}
	return formatTable(w, nil, [][]string{{cellValue(v)}}, width)
}

// idMembers come first in a table, in this order; the other members follow
// sorted by name.
var idMembers = []string{"id", "identifier", "organizationIdentifier", "customerId", "partnerExternalId", "name", "email", "status"}

// columnsOf returns the members that are set (not null) in at least one of
// objs, identifiers first.
func columnsOf(objs []map[string]any) []string {
	set := map[string]bool{}
	for _, o := range objs {
		for k, v := range o {
			if v != nil {
				set[k] = true
			}
		}
	}
	var cols []string
	for _, k := range idMembers {
		if set[k] {
			cols = append(cols, k)
			delete(set, k)
		}
	}
	rest := make([]string, 0, len(set))
	for k := range set {
		rest = append(rest, k)
	}
	sort.Strings(rest)
	return append(cols, rest...)
}

// cellValue shows one decoded JSON value in a cell: strings and numbers as
// they are, null as "", objects and arrays as compact JSON.
func cellValue(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSpace(b.String())
}

// cellText keeps a value on one line and marks an empty one.
func cellText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
	if s == "" {
		return "-"
	}
	return s
}

// decodeJSON decodes body keeping numbers exact.
func decodeJSON(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}
