package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
)

// writeJSON prints v as indented JSON. Struct fields keep their order and
// map keys are sorted, so the output is stable.
func (a *app) writeJSON(v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encoding output: %w", err)
	}
	_, err := a.stdout.Write(b.Bytes())
	return err
}

// writeTable prints rows aligned in columns; header may be nil.
func (a *app) writeTable(header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	if header != nil {
		fmt.Fprintln(tw, strings.Join(header, "\t"))
	}
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = cellText(c)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
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

// secretFields are JSON member names whose values are credentials.
var secretFields = map[string]bool{
	"serverkey":     true,
	"partnerkey":    true,
	"apikey":        true,
	"secretkey":     true,
	"privatekey":    true,
	"secret":        true,
	"webhooksecret": true,
	"password":      true,
}

func isSecretField(name string) bool {
	n := strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(name))
	return secretFields[n]
}

// redactValue replaces, in a decoded JSON value, every credential member
// (serverKey and the like) with "[REDACTED]", and every occurrence of a
// configured key in a string. It changes v in place and returns it.
func (a *app) redactValue(v any) any {
	if a.g.showSecrets {
		return v
	}
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if s, ok := val.(string); ok && isSecretField(k) && s != "" {
				t[k] = redacted
				continue
			}
			t[k] = a.redactValue(val)
		}
	case []any:
		for i := range t {
			t[i] = a.redactValue(t[i])
		}
	case string:
		return a.scrub(t)
	}
	return v
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
