package errbody

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestSample(t *testing.T) {
	t.Parallel()
	ascii := strings.Repeat("a", 600)
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, ""},
		{"short", []byte("hello"), "hello"},
		{"exactly the limit", []byte(ascii[:512]), ascii[:512]},
		{"over the limit", []byte(ascii), ascii[:512]},
		// "é" is 2 bytes; 511 ASCII bytes leave room for 1 byte only.
		{"rune cut at the limit is dropped", []byte(ascii[:511] + "éxyz"), ascii[:511]},
		{"invalid byte early keeps the rest", append([]byte("ab\xffcd"), ascii...), "ab\uFFFDcd" + ascii[:512-7]},
		{"short body with invalid bytes", []byte("a\xffb\xfe"), "a\uFFFDb\uFFFD"},
	}
	for _, tc := range cases {
		got := Sample(tc.in)
		if got != tc.want {
			t.Errorf("%s: sample = %q (%d bytes), want %q (%d bytes)", tc.name, got, len(got), tc.want, len(tc.want))
		}
	}
	// Whatever the input, the sample is valid UTF-8 of at most 512 bytes.
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 500 {
		b := make([]byte, r.IntN(1200))
		for j := range b {
			b[j] = byte(r.UintN(256))
		}
		got := Sample(b)
		if len(got) > MaxSample || !utf8.ValidString(got) {
			t.Fatalf("input %d: sample is %d bytes, valid UTF-8 %v", i, len(got), utf8.ValidString(got))
		}
		if len(b) > 0 && got == "" {
			t.Fatalf("input %d: empty sample of %d bytes", i, len(b))
		}
	}
}

func TestParseErrorBody(t *testing.T) {
	t.Parallel()
	cases := []struct {
		body       string
		wantMsg    string
		wantFields map[string][]string
	}{
		{`{"detail":"Not found."}`, "Not found.", nil},
		{`{"detail":["a","b"]}`, "a; b", nil},
		{`{"error":"boom","detail":"first"}`, "first", nil},
		{`{"error":"boom"}`, "boom", nil},
		{`{"status":400,"message":"bad"}`, "bad", nil},
		{`{"status":400,"code":"x"}`, "", nil},
		{`{"externalId":["already exists"]}`, "externalId: already exists", map[string][]string{"externalId": {"already exists"}}},
		{`{"email":"taken"}`, "email: taken", map[string][]string{"email": {"taken"}}},
		{`{"billingAddress":{"country":["bad"],"zip":{"format":["nope"]}}}`, "billingAddress.country: bad; billingAddress.zip.format: nope",
			map[string][]string{"billingAddress.country": {"bad"}, "billingAddress.zip.format": {"nope"}}},
		{`{"non_field_errors":["x","y"],"a":["b"]}`, "a: b; x; y", map[string][]string{"non_field_errors": {"x", "y"}, "a": {"b"}}},
		{`{"a":[]}`, "", nil},
		{`{"detail":{"nested":1}}`, "detail.nested", nil}, // handled below
		{`<html>502</html>`, "", nil},
		{``, "", nil},
		{`[1,2]`, "", nil},
		{`"just a string"`, "", nil},
	}
	for _, tc := range cases {
		msg, fields := parse([]byte(tc.body))
		if tc.body == `{"detail":{"nested":1}}` {
			// A detail that is neither a string nor a list gives no message;
			// its numeric leaf is not a field error either.
			if msg != "" || len(fields) != 0 {
				t.Errorf("%s: got %q %v, want nothing", tc.body, msg, fields)
			}
			continue
		}
		if msg != tc.wantMsg {
			t.Errorf("%s: message = %q, want %q", tc.body, msg, tc.wantMsg)
		}
		if len(fields) != len(tc.wantFields) || (len(fields) > 0 && !reflect.DeepEqual(fields, tc.wantFields)) {
			t.Errorf("%s: fields = %v, want %v", tc.body, fields, tc.wantFields)
		}
	}
}

// TestErrorBodyDeepNestingCost guards against parse following
// nested field maps without a bound: each level decodes its whole value
// again, and a 1 MiB error body nested 9000 deep took over 90 s of CPU.
// Bounded, it takes well under a second.
func TestErrorBodyDeepNestingCost(t *testing.T) {
	t.Parallel()
	body := []byte(strings.Repeat(`{"a":`, 9000) + `["` + strings.Repeat("x", 900_000) + `"]` + strings.Repeat(`}`, 9000))
	if len(body) > MaxRead {
		t.Fatalf("body is %d bytes, over the %d read for an error", len(body), MaxRead)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		parse(body)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("parse of a deeply nested 1 MiB body takes over 30 s")
	}
}
