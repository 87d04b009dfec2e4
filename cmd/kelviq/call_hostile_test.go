package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// seen is what a capturing server received.
type seen struct {
	method, path string
	query        url.Values
	body         string
}

// TestCallHostileInput: kelviq call applies Client.Call's rules. Values a
// server could read as another request are refused with exit 2 and the
// flag named, and nothing is sent; everything else reaches the server
// exactly as given (each value in its own path segment or query
// parameter, the body byte for byte), at the operation's own path.
func TestCallHostileInput(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Method, r.URL.Path, r.URL.Query(), string(b)})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"results": [], "next": null}`)
	}))
	defer srv.Close()
	take := func() []seen {
		mu.Lock()
		defer mu.Unlock()
		out := got
		got = nil
		return out
	}
	env := map[string]string{envServerKey: "sk_test_hostile", envBaseURL: srv.URL + "/api/v1"}

	refused := []struct {
		name string
		args []string
		want string
	}{
		{"NUL in a query value", []string{"call", "listCustomers", "-p", "search=a\x00b"}, "-p search: must not contain NUL"},
		{"invalid UTF-8 in a query value", []string{"call", "listCustomers", "-p", "search=a\xffb"}, "-p search: must be valid UTF-8"},
		{"a 5000-byte query value", []string{"call", "listCustomers", "-p", "search=" + strings.Repeat("s", 5000)}, "-p search: must be at most"},
		{"CRLF in a path value", []string{"call", "updateCustomer", "-p", "customerId=a\r\nb", "--data", "{}"}, "-p customerId: must not contain control characters"},
		{"parameter name in another case", []string{"call", "listCustomers", "-p", "Search=x"}, `-p Search: listCustomers has no parameter "Search"`},
		{"operation ID in another case", []string{"call", "listcustomers"}, `did you mean "listCustomers"`},
		{"duplicate keys", []string{"call", "createCustomer", "--data", `{"customerId": "a", "customerId": "b"}`}, `--data: has the key "customerId" twice`},
		{"65 levels", []string{"call", "createCustomer", "--data", strings.Repeat("[", 65) + strings.Repeat("]", 65)}, "--data: must nest at most 64 levels"},
		{"two JSON values", []string{"call", "createCustomer", "--data", `{} {}`}, "--data"},
		{"a body over 1 MiB", []string{"call", "createCustomer", "--data", `{"name": "` + strings.Repeat("x", 1<<20) + `"}`}, "--data: must be at most"},
	}
	for _, tc := range refused {
		r := cli(t, env, "", tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%s: want exit 2 and %q on stderr, got %.300s", tc.name, tc.want, r)
		}
		if n := len(take()); n != 0 {
			t.Errorf("%s: refused, but %d requests were sent", tc.name, n)
		}
	}

	sent := []struct {
		name      string
		args      []string
		method    string
		path      string
		query     url.Values
		body      string
		checkBody bool
	}{
		{"& # % in a query value", []string{"call", "listCustomers", "-p", "search=a&page=2#x%41"}, "GET", "/api/v1/customers/",
			url.Values{"search": {"a&page=2#x%41"}}, "", false},
		{"CRLF in a query value", []string{"call", "listCustomers", "-p", "search=a\r\nX-Injected: 1"}, "GET", "/api/v1/customers/",
			url.Values{"search": {"a\r\nX-Injected: 1"}}, "", false},
		{"/ ? # in a path value", []string{"call", "updateCustomer", "-p", "customerId=a/../b?c#d", "--data", "{}"}, "PATCH", "/api/v1/customers/a/../b?c#d/",
			url.Values{}, "{}", true},
		{"unicode in a path value", []string{"call", "updateCustomer", "-p", "customerId=Zoë ✓", "--data", `{"name": "Zoë"}`}, "PATCH", "/api/v1/customers/Zoë ✓/",
			url.Values{}, `{"name": "Zoë"}`, true},
	}
	for _, tc := range sent {
		r := cli(t, env, "", tc.args...)
		if r.code != 0 {
			t.Errorf("%s: %.300s", tc.name, r)
			continue
		}
		reqs := take()
		if len(reqs) != 1 {
			t.Errorf("%s: %d requests sent, want 1", tc.name, len(reqs))
			continue
		}
		g := reqs[0]
		if g.method != tc.method || g.path != tc.path || g.query.Encode() != tc.query.Encode() || tc.checkBody && g.body != tc.body {
			t.Errorf("%s: the server got %s %q ?%s body %q; want %s %q ?%s body %q",
				tc.name, g.method, g.path, g.query.Encode(), g.body, tc.method, tc.path, tc.query.Encode(), tc.body)
		}
	}
}
