package redact

import (
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"key kvqp_known here", "key [REDACTED] here"},
		{`{"detail":"kvqp\u005fknown"}`, `{"detail":"[REDACTED]"}`},
		{`{"serverKey":"sk_other"}`, `{"serverKey":"[REDACTED]"}`},
		{`{"serverKey" : "sk_\"quoted\"\\x"}`, `{"serverKey" : "[REDACTED]"}`},
		{`{"serverKey":["sk_a","sk_b"]}`, `{"serverKey":"[REDACTED]"}`},
		{`{"serverKey":[ "sk_a" ]}`, `{"serverKey":"[REDACTED]"}`},
		{`{"server\u004bey":"sk_esc"}`, `{"serverKey":"[REDACTED]"}`},
		{`{"SERVERKEY":"sk_up","server_key":"sk_snake"}`, `{"SERVERKEY":"[REDACTED]","server_key":"[REDACTED]"}`},
		{`{"serverKey":null,"clientKey":"ck","count":3}`, `{"serverKey":null,"clientKey":"ck","count":3}`},
		{`{"a":{"serverKey":"x"},"b":{"secret":{"v":[1]}}}`, `{"a":{"serverKey":"[REDACTED]"},"b":{"secret":"[REDACTED]"}}`},
		{`{"webhookSecret":"kq_whsec_abc`, `{"webhookSecret":"[REDACTED]"`},        // cut inside the value
		{`{"password":["a","b"`, `{"password":"[REDACTED]"`},                       // cut inside a list
		{`{"detail":"\u00e9 \n","name":"n"}`, `{"detail":"\u00e9 \n","name":"n"}`}, // other escapes kept
		{"nothing secret", "nothing secret"},
	} {
		if got := Text(tc.in, "kvqp_known", ""); got != tc.want {
			t.Errorf("Text(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
	// An empty secret replaces nothing (strings.ReplaceAll with "" would
	// put the marker between every two bytes).
	if got := Text("abc", ""); got != "abc" {
		t.Errorf("Text with an empty secret = %q", got)
	}
	// A member name longer than any credential's is not decoded.
	long := `{"` + strings.Repeat("k", 200) + `":"v"}`
	if got := Text(long); got != long {
		t.Errorf("long name changed: %q", got)
	}
}
