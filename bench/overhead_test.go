package bench_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/kelviq/kelviq-go/bench/internal/benchapi"
	"github.com/kelviq/kelviq-go/wrapper"
)

// cannedTransport responds to every request with the organization, without a
// network: what remains is each client's own work per call (building the
// request, credentials, decoding), the part a client library adds.
type cannedTransport struct{}

func (cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		r.Body.Close()
	}
	return &http.Response{
		StatusCode:    http.StatusOK,
		Header:        http.Header{"Content-Type": {"application/json"}, "Content-Length": {strconv.Itoa(len(orgBody))}},
		Body:          io.NopCloser(bytes.NewReader(orgBody)),
		ContentLength: int64(len(orgBody)),
		Request:       r,
	}, nil
}

// BenchmarkClientOverhead compares the client-side cost per call of the
// wrapper and the hand-written baseline on a transport with no network.
func BenchmarkClientOverhead(b *testing.B) {
	const base = "http://127.0.0.1:1/api/v1"
	b.Run("client=baseline", func(b *testing.B) {
		c := &benchapi.Raw{HC: &http.Client{Transport: cannedTransport{}}, Base: base}
		b.ReportAllocs()
		for b.Loop() {
			if o, err := c.OrgByExternalID(context.Background(), externalID); err != nil || o.OrganizationSlug == nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("client=wrapper", func(b *testing.B) {
		c, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(base), wrapper.WithPartnerKey(partnerKey),
			wrapper.WithHTTPClient(&http.Client{Transport: cannedTransport{}}))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if o, err := c.Partner.GetByExternalID(context.Background(), externalID); err != nil || o.Slug == "" {
				b.Fatal(err)
			}
		}
	})
}
