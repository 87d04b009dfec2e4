package jsonread

import (
	"encoding/json"
	"strings"
	"testing"
)

// Skip takes exactly the texts encoding/json calls valid.
func TestSkipTakesWhatEncodingJSONTakes(t *testing.T) {
	for _, s := range []string{
		`null`, `true`, `false`, `0`, `-0`, `1.5e+3`, `-12.25E-2`, `"a\"b\\c\/\b\f\n\r\t\u00e9"`, `"Zoë"`,
		`[]`, `{}`, `[1,[2,{"a":[null]}]]`, ` { "a" : 1 , "b" : [ ] } `,
		// invalid:
		``, `nul`, `tru`, `01`, `1.`, `.5`, `1e`, `-`, `+1`, `"\x"`, `"\u12"`, "\"\x01\"", `"abc`,
		`[1,]`, `[,1]`, `{"a":1,}`, `{,"a":1}`, `{"a" 1}`, `{1:2}`, `[1 2]`, `{"a":1}}`, `NaN`,
	} {
		var r Reader
		r.Reset(s, false)
		r.Skip()
		got := r.End()
		want := json.Valid([]byte(s))
		if got != want {
			t.Errorf("%q: Skip took it: %v, encoding/json: %v", s, got, want)
		}
	}
}

func TestNumberTakesNumbersAndNumericStrings(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{`12.50`, "12.50", true},
		{`"12.50"`, "12.50", true},
		{`"-0.000000000000000001"`, "-0.000000000000000001", true},
		{`"12.5x"`, "", false},
		{`""`, "", false},
		{`"1e"`, "", false},
		{`true`, "", false},
	} {
		var r Reader
		r.Reset(tc.in, true)
		n, ok := r.Number()
		if ok != tc.ok || r.Failed() == tc.ok || string(n) != tc.want {
			t.Errorf("Number(%s) = %q, %v (failed %v); want %q, %v", tc.in, n, ok, r.Failed(), tc.want, tc.ok)
		}
	}
}

func TestIntRefusesWhatAnIntCannotHold(t *testing.T) {
	for _, tc := range []struct {
		in   string
		bits int
		ok   bool
	}{
		{`42`, 64, true}, {`-0`, 64, true}, {`1.0`, 64, false}, {`1e2`, 64, false},
		{`2147483648`, 32, false}, {`2147483647`, 32, true}, {`"1"`, 64, false},
	} {
		var r Reader
		r.Reset(tc.in, false)
		_, ok := r.Int(tc.bits)
		if ok != tc.ok || r.Failed() == tc.ok {
			t.Errorf("Int(%s, %d): ok %v, failed %v; want ok %v", tc.in, tc.bits, ok, r.Failed(), tc.ok)
		}
	}
}

// A string without escapes is a substring of the text, unless Own is set.
func TestStrSharesTheTextUnlessOwn(t *testing.T) {
	text := `"northwind"`
	for _, own := range []bool{false, true} {
		var r Reader
		r.Reset(text, own)
		s, ok := r.Str()
		if !ok || s != "northwind" {
			t.Fatalf("Str = %q, %v", s, ok)
		}
		shared := unsafeSame(text[1:10], s)
		if shared == own {
			t.Errorf("own=%v: the string shares the text: %v", own, shared)
		}
	}
}

func TestDepthIsBounded(t *testing.T) {
	var r Reader
	r.Reset(strings.Repeat("[", maxDepth+1)+"1"+strings.Repeat("]", maxDepth+1), false)
	r.Skip()
	if !r.Failed() {
		t.Errorf("nesting of %d was read; the reader leaves more than %d to encoding/json", maxDepth+1, maxDepth)
	}
	r.Reset(strings.Repeat("[", maxDepth)+"1"+strings.Repeat("]", maxDepth), false)
	r.Skip()
	if !r.End() {
		t.Errorf("nesting of %d was refused", maxDepth)
	}
}
