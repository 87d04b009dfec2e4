package peers_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/bench/internal/benchapi"
	"github.com/kelviq/kelviq-go/bench/peers/ogenapi"
	"github.com/kelviq/kelviq-go/wrapper"
)

// canned responds to every request from memory: the organization, or one page
// of 100 customers with no next page. What is left is each client's own
// work, which is what BenchmarkInMemory profiles.
type canned struct{ page []byte }

func (c canned) RoundTrip(r *http.Request) (*http.Response, error) {
	body := benchapi.OrgBody
	if strings.Contains(r.URL.Path, "/customers/") {
		body = c.page
	}
	return &http.Response{
		StatusCode:    http.StatusOK,
		Header:        http.Header{"Content-Type": {"application/json"}, "Content-Length": {strconv.Itoa(len(body))}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       r,
	}, nil
}

// BenchmarkInMemory runs one call (the organization by external ID) and
// one page (100 customers) by each client, on a transport with no network,
// for CPU and allocation profiles of each client's own work:
//
//	go test -run '^$' -bench 'BenchmarkInMemory/client=wrapper/work=page' -cpuprofile cpu.out -memprofile mem.out .
func BenchmarkInMemory(b *testing.B) {
	const base = "http://127.0.0.1:1/api/v1"
	page := benchapi.CustomerPages("http://127.0.0.1:1", benchapi.PageSize)[0]
	hc := &http.Client{Transport: canned{page: page}}
	raw := &benchapi.Raw{HC: hc, Base: base}
	og, err := ogenapi.NewClient(base, keys{}, ogenapi.WithClient(hc))
	if err != nil {
		b.Fatal(err)
	}
	lib, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(base), wrapper.WithPartnerKey(benchapi.PartnerKey),
		wrapper.WithServerKey(benchapi.ServerKey), wrapper.WithDoer(canned{page: page}.doer()))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	cases := []struct {
		client, work string
		do           func() error
	}{
		{"raw", "call", func() error { _, err := raw.OrgByExternalID(ctx, benchapi.ExternalID); return err }},
		{"ogen", "call", func() error {
			_, err := og.RetrievePartnerOrganizationByExternalId(ctx, ogenapi.RetrievePartnerOrganizationByExternalIdParams{ExternalId: benchapi.ExternalID})
			return err
		}},
		{"wrapper", "call", func() error { _, err := lib.Partner.GetByExternalID(ctx, benchapi.ExternalID); return err }},
		{"raw", "page", func() error { return raw.AllCustomers(ctx, "", func(benchapi.Customer) {}) }},
		{"ogen", "page", func() error {
			_, err := og.ListCustomers(ctx, ogenapi.ListCustomersParams{Page: ogenapi.NewOptInt(1), PageSize: ogenapi.NewOptInt(benchapi.PageSize)})
			return err
		}},
		{"wrapper", "page", func() error {
			page, size := 1, benchapi.PageSize
			_, err := lib.Customers.List(ctx, &api.ListCustomersParams{Page: &page, PageSize: &size})
			return err
		}},
	}
	for _, c := range cases {
		b.Run("client="+c.client+"/work="+c.work, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := c.do(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// doer is c as a wrapper.Doer: the transport called directly, as the
// wrapper's default Doer calls its transport.
func (c canned) doer() wrapper.Doer { return doerFunc(c.RoundTrip) }

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }
