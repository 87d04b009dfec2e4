package api

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// The URL newRequest puts together from the parsed server is the one
// http.NewRequest would parse from the whole string, for plain and unusual
// servers, path values and queries alike.
func TestRequestURLMatchesParse(t *testing.T) {
	t.Parallel()
	bases := []string{
		"http://127.0.0.1:1/api/v1", "https://API.kelviq.com", "https://api.kelviq.com/", "https://h:443/a%20b",
		"http://[::1]:80/x", "HTTPS://h/api", "https://h/a b", "https://h/a;b,c=d@e", "https://h:/api",
	}
	ids := []string{"northwind-0042", "a/b", "a b", "é", "a%2F", "a?b", "x#y", "~_.-", "a;b", "a:b@c", "...", "A+B=C&D$"}
	queries := []string{"", "page=2&page_size=50", "search=a%20b", "q=a#b"}
	for _, base := range bases {
		c, err := NewClient(base)
		if err != nil {
			t.Fatalf("NewClient(%q): %v", base, err)
		}
		for _, id := range ids {
			seg, err := PathSegment("externalId", id)
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range queries {
				path := "/partner/organizations/by-external-id/" + seg + "/"
				got, err := newRequest(context.Background(), http.MethodGet, c.server(OperationRetrievePartnerOrganizationByExternalId), path, q, nil)
				if err != nil {
					t.Fatal(err)
				}
				full := strings.TrimSuffix(base, "/") + path
				if q != "" {
					full += "?" + q
				}
				want, err := http.NewRequest(http.MethodGet, full, nil)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got.URL, want.URL) || got.Host != want.Host || got.URL.String() != want.URL.String() {
					t.Errorf("%s + %q + %q:\n got %#v host %q\nwant %#v host %q", base, id, q, got.URL, got.Host, want.URL, want.Host)
				}
			}
		}
	}
}

// A Client whose Server changed after NewClient, or built without it,
// sends to the server it names now.
func TestServerChangedAfterNewClient(t *testing.T) {
	t.Parallel()
	c, err := NewClient("https://api.kelviq.com/api/v1")
	if err != nil {
		t.Fatal(err)
	}
	c.Server = "http://127.0.0.1:9/other/"
	lit := &Client{Server: "http://127.0.0.1:9/other"}
	for _, cl := range []*Client{c, lit} {
		req, err := cl.newListCustomersRequest(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := req.URL.String(); got != "http://127.0.0.1:9/other/customers/" {
			t.Errorf("URL = %s", got)
		}
	}
}

// PathSegment's fast path gives what its full rules give.
func FuzzPathSegment(f *testing.F) {
	for _, s := range []string{"", ".", "..", "...", "a", "a b", "~x_", "é", "\x7f", "a/b", "a%2F"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got, err := PathSegment("x", v)
		refuse := v == "" || v == "." || v == ".." || !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r >= 0x7f && r < 0xa0 })
		if refuse != (err != nil) {
			t.Fatalf("%q: err %v, want refused %v", v, err, refuse)
		}
		if err == nil && got != url.PathEscape(v) {
			t.Fatalf("%q: got %q, want %q", v, got, url.PathEscape(v))
		}
	})
}
