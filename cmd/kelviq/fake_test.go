package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/webhook"
)

// fakeProc is a `kelviq fake` running in the test: the variables its
// export lines set, its output, and stop, which cancels it and returns its
// exit code (it is called when the test ends, if the test has not).
type fakeProc struct {
	env         map[string]string
	out, errOut *testkit.SyncBuffer
	stop        func() int
}

// startFake runs `kelviq fake args...` until the test ends (or stop), and
// returns once n of its export lines are printed.
func startFake(t *testing.T, n int, getenv func(string) string, args ...string) *fakeProc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut testkit.SyncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"fake"}, args...), strings.NewReader(""), &out, &errOut, getenv)
	}()
	stop := sync.OnceValue(func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(10 * time.Second):
			t.Error("fake did not stop when cancelled")
			return -1
		}
	})
	t.Cleanup(func() { stop() })
	exports := regexp.MustCompile(`(?m)^export (\w+)=(\S+)$`)
	env := map[string]string{}
	deadline := time.Now().Add(10 * time.Second)
	for len(env) < n {
		if time.Now().After(deadline) {
			t.Fatalf("fake printed %d export lines, want %d: stdout %q stderr %q", len(env), n, out.String(), errOut.String())
		}
		select {
		case code := <-done:
			t.Fatalf("fake exited %d: %s %s", code, out.String(), errOut.String())
		case <-time.After(10 * time.Millisecond):
		}
		for _, m := range exports.FindAllStringSubmatch(out.String(), -1) {
			env[m[1]] = m[2]
		}
	}
	return &fakeProc{env: env, out: &out, errOut: &errOut, stop: stop}
}

func TestFakeIsReadyForCallAndTrigger(t *testing.T) {
	t.Parallel()
	const secret = "kq_whsec_cli_0123456789"
	events := make(chan webhook.Event, 16)
	h, err := webhook.NewHandler(secret, func(_ context.Context, e webhook.Event) error {
		events <- e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rcv := httptest.NewServer(h)
	defer rcv.Close()

	// The secret comes from the environment, so it is not on the command line.
	getenv := func(k string) string {
		if k == envWebhookSecret {
			return secret
		}
		return ""
	}
	fake := startFake(t, 3, getenv, "--addr", "127.0.0.1:0", "--webhook-url", rcv.URL)
	env, out := fake.env, fake.out
	if !strings.HasPrefix(env[envServerKey], "sk_test_") || !strings.HasPrefix(env[envPartnerKey], "kvqp_") {
		t.Fatalf("export lines: %q", out.String())
	}
	if strings.Contains(out.String(), secret) {
		t.Fatalf("the webhook secret was printed: %q", out.String())
	}

	// The printed exports are all `kelviq call` needs.
	r := cli(t, env, "", "call", "listCustomers", "--output", "json")
	want(t, r, 0)
	var page struct {
		Count   *int  `json:"count"`
		Results []any `json:"results"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &page); err != nil || page.Count == nil || *page.Count != 0 {
		t.Fatalf("listCustomers on the ready organization: %s", r)
	}
	r = cli(t, env, "", "call", "createCustomer", "--data", `{"customer_id": "cus_cli", "email": "cli@example.com"}`)
	want(t, r, 0)
	if e := <-events; e.Type != webhook.EventCustomerCreated {
		t.Fatalf("first webhook = %s, want customer.created", e.Type)
	} else if c, err := e.Customer(); err != nil || c.CustomerID != "cus_cli" {
		t.Fatalf("customer.created = %+v, %v", c, err)
	}

	// kelviq trigger: one signed event, delivered and typed.
	r = cli(t, env, "", "trigger", "subscription.created", "--output", "table")
	want(t, r, 0)
	fields := strings.Fields(r.stdout)
	if len(fields) != 2 || fields[0] != "subscription.created" {
		t.Fatalf("trigger output: %s", r)
	}
	r = cli(t, env, "", "trigger", "customer.updated", "--output", "json")
	want(t, r, 0)
	var trig struct{ ID, Type string }
	if err := json.Unmarshal([]byte(r.stdout), &trig); err != nil || trig.ID == "" || trig.Type != "customer.updated" {
		t.Fatalf("trigger --output json: %s", r)
	}
	select {
	case e := <-events:
		sub, err := e.Subscription()
		if e.ID != fields[1] || err != nil || sub.Status == "" {
			t.Fatalf("triggered event %s %s: %+v %v", e.Type, e.ID, sub, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the triggered event never arrived")
	}
	if e := <-events; e.ID != trig.ID || e.Type != webhook.EventCustomerUpdated {
		t.Fatalf("second triggered event = %s %s, want customer.updated %s", e.Type, e.ID, trig.ID)
	}

	// Refused before anything is sent.
	for _, tc := range []struct {
		env  map[string]string
		args []string
		code int
		msg  string
	}{
		{env, []string{"trigger", "customer.exploded"}, 2, "unknown event type"},
		{env, []string{"trigger"}, 2, "EVENT_TYPE"},
		{map[string]string{envPartnerKey: env[envPartnerKey]}, []string{"trigger", "customer.created"}, 2, envBaseURL},
		{map[string]string{envBaseURL: "https://api.kelviq.com/api/v1", envPartnerKey: env[envPartnerKey]}, []string{"trigger", "customer.created"}, 2, "loopback"},
		{map[string]string{envBaseURL: env[envBaseURL]}, []string{"trigger", "customer.created"}, 2, envPartnerKey},
		{map[string]string{envBaseURL: env[envBaseURL], envPartnerKey: "kvqp_wrong"}, []string{"trigger", "customer.created"}, 1, "401"},
		{nil, []string{"fake", "--webhook-url", rcv.URL}, 2, "kq_whsec_"},
		{nil, []string{"fake", "--webhook-url", "not-a-url", "--webhook-secret", secret}, 2, "--webhook-url"},
		{nil, []string{"fake", "--webhook-secret", secret}, 2, "needs --webhook-url"},
		// The key rule is the client's (check.KeyRule), word for word.
		{nil, []string{"fake", "--webhook-url", rcv.URL, "--webhook-secret", "kq_whsec_a b"}, 2, "the signing secret must be printable ASCII without spaces"},
		{nil, []string{"fake", "--partner-key", "kvqp_a b"}, 2, "--partner-key: the partner key must be printable ASCII without spaces"},
		{nil, []string{"fake", "--partner-key", "kvqp_é"}, 2, "the partner key must be printable ASCII without spaces"},
		{nil, []string{"fake", "--partner-key", "kvqp_"}, 2, `the partner key must have more after "kvqp_"`},
		{map[string]string{envBaseURL: env[envBaseURL], envPartnerKey: "kvqp_a\tb"}, []string{"partner", "orgs", "list"}, 2, envPartnerKey + ": a partner key must be printable ASCII without spaces"},
	} {
		r := cli(t, tc.env, "", tc.args...)
		want(t, r, tc.code)
		if !strings.Contains(r.stderr, tc.msg) || strings.Contains(r.stderr, secret) {
			t.Errorf("%v: stderr %q, want it to mention %q", tc.args, r.stderr, tc.msg)
		}
	}
}

func TestFakeWithoutOrganization(t *testing.T) {
	t.Parallel()
	fake := startFake(t, 2, func(string) string { return "" }, "--addr", "127.0.0.1:0", "--no-organization")
	env, out := fake.env, fake.out
	// The partner key works; no server key is printed (the fake writes its
	// start-up lines at once).
	if strings.Contains(out.String(), envServerKey) {
		t.Fatalf("a server key line with --no-organization: %q", out.String())
	}
	r := cli(t, env, "", "partner", "orgs", "list", "--output", "json")
	want(t, r, 0)
	if strings.TrimSpace(r.stdout) != "[]" {
		t.Fatalf("organizations with --no-organization: %s", r)
	}
}
