package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// --verbose and KELVIQ_DEBUG=1 print one line per attempt to stderr (the
// operation, status and attempt number), through the client's logger,
// with no key; without them nothing is printed.
func TestVerbose(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"count":0,"next":null,"previous":null,"results":[]}`))
	}))
	defer srv.Close()
	const key = "sk_verbose_SECRET"
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want bool
	}{
		{map[string]string{}, []string{"--verbose", "call", "listCustomers"}, true},
		{map[string]string{envDebug: "1"}, []string{"call", "listCustomers"}, true},
		{map[string]string{}, []string{"call", "listCustomers"}, false},
	} {
		tc.env[envServerKey], tc.env[envBaseURL] = key, srv.URL+"/api/v1"
		r := cli(t, tc.env, "", tc.args...)
		want(t, r, 0)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if !tc.want {
			if r.stderr != "" {
				t.Errorf("%v: stderr %q, want nothing", tc.args, r.stderr)
			}
			continue
		}
		if len(lines) != 2 || !strings.Contains(lines[0], "operation=listCustomers") || !strings.Contains(lines[0], "status=503") ||
			!strings.Contains(lines[0], "attempt=1") || !strings.Contains(lines[1], "status=200") || !strings.Contains(lines[1], "attempt=2") {
			t.Errorf("%v: stderr:\n%s", tc.args, r.stderr)
		}
		if strings.Contains(r.stderr, "SECRET") {
			t.Errorf("%v: a key was printed:\n%s", tc.args, r.stderr)
		}
	}
}
