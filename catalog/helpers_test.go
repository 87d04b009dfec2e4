package catalog_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/kelviq/kelviq-go/catalog"
	"github.com/kelviq/kelviq-go/kelviqtest"
	"github.com/kelviq/kelviq-go/wrapper"
)

// counter is a Doer that counts the requests it forwards by method, and can
// respond to one chosen write itself (with a 500) or cancel a context after a
// number of writes.
type counter struct {
	mu       sync.Mutex
	reads    int
	writes   []string // "METHOD path", in order
	failAt   int      // respond to the failAt-th write (1-based) with 500, without forwarding it
	cancelAt int      // after forwarding the cancelAt-th write, call cancel
	cancel   context.CancelFunc
}

func (c *counter) Do(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	if r.Method == http.MethodGet {
		c.reads++
		c.mu.Unlock()
		return http.DefaultTransport.RoundTrip(r)
	}
	c.writes = append(c.writes, r.Method+" "+r.URL.Path)
	n := len(c.writes)
	c.mu.Unlock()
	if n == c.failAt {
		return &http.Response{StatusCode: 500, Status: "500 Internal Server Error", Header: http.Header{"Content-Type": {"application/json"}},
			Body: http.NoBody, Request: r}, nil
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	if n == c.cancelAt && c.cancel != nil {
		c.cancel()
	}
	return resp, err
}

func (c *counter) Writes() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.writes...)
}

// org provisions an organization on srv and returns a client acting for
// it, whose requests go through a fresh counter.
func org(t *testing.T, srv *kelviqtest.Server, externalID string) (*wrapper.Client, *counter) {
	t.Helper()
	_, c := srv.NewOrganization(t, externalID)
	cnt := &counter{}
	c, err := c.With(wrapper.WithDoer(cnt), wrapper.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	return c, cnt
}

func starter(t *testing.T) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Parse(catalog.Starter())
	if err != nil {
		t.Fatalf("the starter catalog does not parse: %v", err)
	}
	return c
}

// pull pulls and fails the test on error.
func pull(t *testing.T, c *wrapper.Client) *catalog.Catalog {
	t.Helper()
	got, err := catalog.Pull(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func diff(t *testing.T, have, want *catalog.Catalog, opts catalog.DiffOptions) *catalog.Changeset {
	t.Helper()
	cs, err := catalog.Diff(have, want, opts)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// push is Pull, Diff and Apply.
func push(t *testing.T, c *wrapper.Client, want *catalog.Catalog, d catalog.DiffOptions, a catalog.ApplyOptions) (*catalog.Changeset, *catalog.Result) {
	t.Helper()
	cs := diff(t, pull(t, c), want, d)
	res, err := catalog.Apply(context.Background(), c, cs, a)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, res)
	}
	return cs, res
}

// fileOnly clears what is not part of the file (Warnings, Managed, Draft).
func fileOnly(c *catalog.Catalog) *catalog.Catalog {
	out := *c
	out.Warnings = nil
	out.Features = append([]catalog.Feature(nil), c.Features...)
	for i := range out.Features {
		out.Features[i].Managed = false
	}
	out.Plans = append([]catalog.Plan(nil), c.Plans...)
	for i := range out.Plans {
		out.Plans[i].Managed, out.Plans[i].Draft = false, false
	}
	return &out
}
