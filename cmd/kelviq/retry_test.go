package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// flakyServer responds with 503 to the first `failures` requests, then 200 with an
// empty page; it counts the requests.
func flakyServer(t *testing.T, failures int32) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if n.Add(1) <= failures {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"detail": "Service Unavailable"}`))
			return
		}
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"customerId": "cus-1"}`))
			return
		}
		_, _ = w.Write([]byte(`{"count": 0, "next": null, "previous": null, "results": []}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// stallingServer accepts requests and never responds to them (until the client
// gives up or the test ends); it counts the requests.
func stallingServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first
	return srv, &n
}

// serverKeyEnv is a server key for servers that do not check it.
var serverKeyEnv = map[string]string{envServerKey: "sk_test_retries_0123456789"}

func TestRetries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		failures int32 // 503s before the first success
		env      map[string]string
		args     []string // --base-url is added
		code     int
		check    func(t *testing.T, r result, base string) // more on the output; nil for none
		requests int32
	}{
		{"disabled", 1, serverKeyEnv, []string{"call", "listCustomers", "--retries", "0"}, 1, func(t *testing.T, r result, base string) {
			if r.stderr != "error: 503 service unavailable (GET "+base+"/customers/)\n" || r.stdout != "" {
				t.Fatalf("want the 503 on stderr: %s", r)
			}
		}, 1},
		{"default", 1, serverKeyEnv, []string{"call", "listCustomers"}, 0, func(t *testing.T, r result, _ string) {
			if !strings.Contains(r.stdout, `"results": []`) {
				t.Fatalf("want the page: %s", r)
			}
		}, 2},
		{"exhausted", 100, serverKeyEnv, []string{"call", "listCustomers", "--retries", "1"}, 1, func(t *testing.T, r result, _ string) {
			if !strings.HasPrefix(r.stderr, "error: 503 service unavailable") {
				t.Fatalf("want the 503: %s", r)
			}
		}, 2},
		// A POST that got 503 is not sent again.
		{"POST not re-sent", 1, serverKeyEnv, []string{"call", "createCustomer", "--data", `{"customerId": "cus-1"}`}, 1, nil, 1},
		{"partner command", 1, map[string]string{envPartnerKey: "kvqp_test_retries"}, []string{"--retries", "0", "partner", "orgs", "list"}, 1, nil, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, n := flakyServer(t, tc.failures)
			base := srv.URL + "/api/v1"
			r := cli(t, tc.env, "", append(tc.args, "--base-url", base)...)
			want(t, r, tc.code)
			if tc.check != nil {
				tc.check(t, r, base)
			}
			if got := n.Load(); got != tc.requests {
				t.Fatalf("%v sent %d requests, want %d", tc.args, got, tc.requests)
			}
		})
	}
}

func TestAttemptTimeout(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		args     []string
		within   time.Duration // an upper bound for a hung test, not a measurement
		prefix   string        // the error line starts so ("" for any)
		contains string        // and holds this
		oneLine  bool
		requests int32 // attempts sent; 0 when not counted
	}{
		// 3 attempts of 200ms and at most 0.5s + 1s of waits between them.
		{"default retries", []string{"call", "listCustomers", "--timeout", "200ms"}, 5 * time.Second,
			"error: timed out: no response within 200ms (see --timeout and --retries)", "", true, 3},
		{"no retries", []string{"--timeout", "200ms", "--retries", "0", "call", "listCustomers"}, 2 * time.Second,
			"", "--timeout", false, 1},
		{"deadline", []string{"call", "listCustomers", "--timeout", "10s", "--deadline", "300ms"}, 3 * time.Second,
			"error: timed out after 300ms, the time limit for the whole command (see --deadline)", "", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, n := stallingServer(t)
			start := time.Now()
			r := cli(t, serverKeyEnv, "", append(tc.args, "--base-url", srv.URL+"/api/v1")...)
			elapsed := time.Since(start)
			want(t, r, 1)
			if elapsed > tc.within {
				t.Fatalf("took %s to fail", elapsed)
			}
			if !strings.HasPrefix(r.stderr, tc.prefix) || !strings.Contains(r.stderr, tc.contains) || tc.oneLine && strings.Count(r.stderr, "\n") != 1 {
				t.Fatalf("want one error line starting %q and holding %q: %s", tc.prefix, tc.contains, r)
			}
			if got := n.Load(); tc.requests != 0 && got != tc.requests {
				t.Fatalf("sent %d requests, want %d", got, tc.requests)
			}
		})
	}
}

func TestRetryFlagsUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--retries", "-1", "ops"}, "--retries: -1 is negative"},
		{[]string{"ops", "--retries", "11"}, "--retries: 11 is more than 10"},
		{[]string{"ops", "--retries", "some"}, "--retries"},
		{[]string{"ops", "--deadline", "0"}, "--deadline"},
		{[]string{"ops", "--deadline", "-5s"}, "--deadline"},
		{[]string{"--deadline", "soon", "ops"}, "--deadline"},
		{[]string{"ops", "--timeout", "0s"}, "--timeout"},
	} {
		r := cli(t, nil, "", tc.args...)
		want(t, r, 2)
		if !strings.HasPrefix(r.stderr, "error: ") || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
			t.Fatalf("%v: stderr should contain %q: %s", tc.args, tc.want, r)
		}
	}
	for _, args := range [][]string{
		{"ops", "--retries", "0", "--deadline", "auto"},
		{"ops", "--retries", "10", "--deadline", "1h", "--timeout", "1s"},
	} {
		want(t, cli(t, nil, "", args...), 0)
	}
}

func TestOverallDeadline(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		g    globals
		want time.Duration
	}{
		{globals{timeout: defaultTimeout, retries: defaultRetries}, 92500 * time.Millisecond}, // 3×30s + 0.5s + 1s + 1s
		{globals{timeout: 200 * time.Millisecond}, 1200 * time.Millisecond},
		{globals{timeout: time.Second, retries: 6}, 7*time.Second + (500+1000+2000+4000+8000+8000)*time.Millisecond + time.Second},
		{globals{timeout: time.Second, retries: 2, deadline: deadlineFlag(time.Minute)}, time.Minute},
		{globals{timeout: 1<<63 - 1, retries: 10}, 1<<63 - 1}, // saturates
	} {
		if got := tc.g.overallDeadline(); got != tc.want {
			t.Errorf("overallDeadline(timeout %s, retries %d, deadline %s) = %s, want %s",
				tc.g.timeout, tc.g.retries, &tc.g.deadline, got, tc.want)
		}
	}
}
