package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kelviq/kelviq-go/webhook"
)

const (
	testWebhookSecret = "kq_whsec_cli_test_0123456789abcdef"
	testWebhookID     = "msg_2YpCLItest"
	testWebhookBody   = `{"type":"customer.created","data":{"id":"9b2f","customer_id":"cust-42","email":"ada@example.com"}}`
)

// delivery returns the verify flags for body signed with secret at ts.
func delivery(secret string, ts time.Time, body string) []string {
	return []string{
		"webhooks", "verify",
		"--id", testWebhookID,
		"--timestamp", strconv.FormatInt(ts.Unix(), 10),
		"--signature", webhook.Sign(secret, testWebhookID, ts, []byte(body)),
	}
}

// noSecret fails if the webhook secret appears anywhere in r's output.
func noSecret(t *testing.T, r result) {
	t.Helper()
	for _, s := range []string{testWebhookSecret, strings.TrimPrefix(testWebhookSecret, "kq_whsec_")} {
		if strings.Contains(r.stdout, s) || strings.Contains(r.stderr, s) {
			t.Fatalf("output contains the webhook secret: %s", r)
		}
	}
}

func TestWebhookVerifyValid(t *testing.T) {
	t.Parallel()
	now := time.Now()
	secretEnv := map[string]string{envWebhookSecret: testWebhookSecret}

	// Secret from --secret; JSON output (stdout is not a terminal).
	r := cli(t, nil, testWebhookBody, append(delivery(testWebhookSecret, now, testWebhookBody), "--secret", testWebhookSecret)...)
	want(t, r, 0)
	noSecret(t, r)
	ev := decodeOut[webhookEventJSON](t, r)
	if ev.Type != "customer.created" || ev.ID != testWebhookID || ev.Timestamp != now.UTC().Format(time.RFC3339) || r.stderr != "" {
		t.Fatalf("verified event: %+v\n%s", ev, r)
	}

	// Secret from the environment; table output.
	r = cli(t, secretEnv, testWebhookBody, append(delivery(testWebhookSecret, now, testWebhookBody), "--output", "table")...)
	want(t, r, 0)
	noSecret(t, r)
	for _, re := range []string{`(?m)^TYPE\s+customer\.created$`, `(?m)^ID\s+` + testWebhookID + `$`, `(?m)^TIMESTAMP\s+\d{4}-`} {
		if !regexp.MustCompile(re).MatchString(r.stdout) {
			t.Fatalf("table output does not match %s: %s", re, r)
		}
	}

	// --secret wins over the environment.
	r = cli(t, map[string]string{envWebhookSecret: "kq_whsec_some_other_secret"}, testWebhookBody,
		append(delivery(testWebhookSecret, now, testWebhookBody), "--secret", testWebhookSecret)...)
	want(t, r, 0)

	// The body is used byte for byte: a final newline that was signed is fine.
	withNewline := testWebhookBody + "\n"
	r = cli(t, secretEnv, withNewline, delivery(testWebhookSecret, now, withNewline)...)
	want(t, r, 0)

	// A stale delivery passes with a larger --tolerance.
	old := now.Add(-10 * time.Minute)
	r = cli(t, secretEnv, testWebhookBody, append(delivery(testWebhookSecret, old, testWebhookBody), "--tolerance", "15m")...)
	want(t, r, 0)

	// An unknown event type is still a valid delivery.
	other := `{"type":"thing.happened","data":{}}`
	r = cli(t, secretEnv, other, delivery(testWebhookSecret, now, other)...)
	want(t, r, 0)
	if decodeOut[webhookEventJSON](t, r).Type != "thing.happened" {
		t.Fatalf("unknown type: %s", r)
	}
}

func TestWebhookVerifyRefused(t *testing.T) {
	t.Parallel()
	now := time.Now()
	env := map[string]string{envWebhookSecret: testWebhookSecret}
	signed := delivery(testWebhookSecret, now, testWebhookBody)
	for _, tc := range []struct {
		name string
		env  map[string]string
		body string
		args []string
		want string // the whole first stderr line starts with it
	}{
		{"tampered body", env, strings.Replace(testWebhookBody, "cust-42", "cust-43", 1), signed, "error: invalid signature"},
		{"body with a newline added", env, testWebhookBody + "\n", signed, "error: invalid signature"},
		{"body trimmed", env, strings.TrimSuffix(testWebhookBody, "}") + " }", signed, "error: invalid signature"},
		{"wrong secret", map[string]string{envWebhookSecret: "kq_whsec_wrong_secret_999"}, testWebhookBody, signed, "error: invalid signature"},
		{"wrong secret flag", nil, testWebhookBody, append(signed, "--secret", "kq_whsec_wrong_secret_999"), "error: invalid signature"},
		{"other id", env, testWebhookBody, append(signed, "--id", "msg_other"), "error: invalid signature"},
		{"stale timestamp", env, testWebhookBody, delivery(testWebhookSecret, now.Add(-10*time.Minute), testWebhookBody), "error: timestamp too old"},
		{"future timestamp", env, testWebhookBody, delivery(testWebhookSecret, now.Add(10*time.Minute), testWebhookBody), "error: timestamp too new"},
		{"stale with a short tolerance", env, testWebhookBody, append(delivery(testWebhookSecret, now.Add(-90*time.Second), testWebhookBody), "--tolerance", "1m"), "error: timestamp too old"},
		{"malformed timestamp", env, testWebhookBody, append(signed, "--timestamp", "yesterday"), "error: malformed header: webhook-timestamp (--timestamp)"},
		{"malformed signature", env, testWebhookBody, append(signed, "--signature", "v1,xyz"), "error: malformed header: webhook-signature (--signature)"},
		{"no v1 signature", env, testWebhookBody, append(signed, "--signature", "v2,abc"), "error: invalid signature"},
		{"not a JSON object", env, `["x"]`, delivery(testWebhookSecret, now, `["x"]`), "error: malformed payload"},
		{"empty body", env, "", delivery(testWebhookSecret, now, ""), "error: malformed payload"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := cli(t, tc.env, tc.body, tc.args...)
			want(t, r, 1)
			noSecret(t, r)
			if !strings.HasPrefix(r.stderr, tc.want) || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
				t.Fatalf("want one stderr line starting %q, nothing on stdout: %s", tc.want, r)
			}
		})
	}

	r := cli(t, env, testWebhookBody, delivery(testWebhookSecret, now.Add(-10*time.Minute), testWebhookBody)...)
	if !regexp.MustCompile(`sent 10m[01]s ago, more than --tolerance 5m0s`).MatchString(r.stderr) {
		t.Fatalf("stale message should say how old and the tolerance: %s", r)
	}
}

func TestWebhookVerifyUsage(t *testing.T) {
	t.Parallel()
	now := time.Now()
	env := map[string]string{envWebhookSecret: testWebhookSecret}
	ts := strconv.FormatInt(now.Unix(), 10)
	sig := webhook.Sign(testWebhookSecret, testWebhookID, now, []byte(testWebhookBody))
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no secret", nil, []string{"--id", testWebhookID, "--timestamp", ts, "--signature", sig}, "--secret is required (or set " + envWebhookSecret + ")"},
		{"empty secret env", map[string]string{envWebhookSecret: ""}, []string{"--id", testWebhookID, "--timestamp", ts, "--signature", sig}, "--secret is required"},
		{"empty --secret", env, []string{"--secret", "", "--id", testWebhookID, "--timestamp", ts, "--signature", sig}, "--secret: must not be empty"},
		{"no id", env, []string{"--timestamp", ts, "--signature", sig}, "--id is required"},
		{"empty id", env, []string{"--id", "", "--timestamp", ts, "--signature", sig}, "--id is required"},
		{"no timestamp", env, []string{"--id", testWebhookID, "--signature", sig}, "--timestamp is required"},
		{"no signature", env, []string{"--id", testWebhookID, "--timestamp", ts}, "--signature is required"},
		{"blank signature", env, []string{"--id", testWebhookID, "--timestamp", ts, "--signature", "  "}, "--signature is required"},
		{"zero tolerance", env, []string{"--id", testWebhookID, "--timestamp", ts, "--signature", sig, "--tolerance", "0s"}, "--tolerance"},
		{"bad tolerance", env, []string{"--id", testWebhookID, "--timestamp", ts, "--signature", sig, "--tolerance", "soon"}, "--tolerance"},
		{"secret without value", nil, []string{"--id", testWebhookID, "--timestamp", ts, "--signature", sig, "--secret"}, "--secret"},
		{"unknown flag", env, []string{"--id", testWebhookID, "--timestamp", ts, "--signature", sig, "--body", "x"}, "--body"},
		// A positional argument is not echoed: it might be the secret.
		{"secret as argument", nil, []string{testWebhookSecret, "--id", testWebhookID, "--timestamp", ts, "--signature", sig}, "unexpected argument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := cli(t, tc.env, testWebhookBody, append([]string{"webhooks", "verify"}, tc.args...)...)
			want(t, r, 2)
			noSecret(t, r)
			if !strings.HasPrefix(r.stderr, "error: ") || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
				t.Fatalf("stderr should contain %q: %s", tc.want, r)
			}
			if !strings.Contains(r.stderr, "Run 'kelviq webhooks verify --help' for usage.") {
				t.Fatalf("no pointer to --help: %s", r)
			}
		})
	}
	r := cli(t, nil, "", "webhooks")
	want(t, r, 2)
	if !strings.Contains(r.stderr, "kelviq webhooks needs a subcommand") {
		t.Fatalf("webhooks alone: %s", r)
	}
}

func TestWebhookVerifyHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"webhooks", "verify", "--help"},
		{"webhooks", "verify", "--secret", testWebhookSecret, "-h"},
		{"help", "webhooks", "verify"},
	} {
		r := cli(t, map[string]string{envWebhookSecret: testWebhookSecret}, "", args...)
		want(t, r, 0)
		noSecret(t, r)
		for _, s := range []string{"Usage:\n  kelviq webhooks verify", "--secret SECRET", "--id ID", "--timestamp SECONDS", "--signature V1,HEX",
			"--tolerance DURATION", "(default 5m0s)", envWebhookSecret, "standard input"} {
			if !strings.Contains(r.stdout, s) {
				t.Fatalf("%v: help lacks %q: %s", args, s, r)
			}
		}
	}
	r := cli(t, nil, "", "webhooks", "--help")
	want(t, r, 0)
	if !strings.Contains(r.stdout, "verify") {
		t.Fatalf("webhooks --help: %s", r)
	}
}

// TestWebhookSecretScrubbed checks that, should an error ever echo the
// secret, the CLI's scrubbing would redact it.
func TestWebhookSecretScrubbed(t *testing.T) {
	t.Parallel()
	a := &app{getenv: func(k string) string {
		if k == envWebhookSecret {
			return testWebhookSecret
		}
		return ""
	}, secrets: []string{"kq_whsec_from_the_flag"}}
	got := a.scrub("a " + testWebhookSecret + " b kq_whsec_from_the_flag c")
	if got != "a [REDACTED] b [REDACTED] c" {
		t.Fatalf("scrub: %q", got)
	}
}
