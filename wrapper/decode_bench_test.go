package wrapper

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/kelviq/kelviq-go/api"
)

// benchPage is one page of 100 customers, as the paired benchmark's server
// serves it (bench/internal/benchapi).
func benchPage() []byte {
	var sb strings.Builder
	sb.WriteString(`{"count":200,"next":"http://127.0.0.1:1/api/v1/customers/?page=2&page_size=100","previous":null,"results":[`)
	for i := range 100 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"id":"00000000-0000-4000-8000-%012d","customerId":"cus_%06d","email":"c%06d@northwind.example","name":"Customer %d","metadata":{"tier":"gold"},"createdOn":"2026-01-02T03:04:05Z"}`, i, i, i, i)
	}
	sb.WriteString("]}")
	return []byte(sb.String())
}

var benchOrg = []byte(`{"userId":4102,"organizationIdentifier":"3f0c2a8e-5b7d-4c1e-9a2f-6d8e0b4c7a19","organizationSlug":"northwind","clientKey":"ck_bench_abc","serverKey":"sk_bench_0123456789","partnerExternalId":"northwind-0042"}`)

// BenchmarkDecodeResponse compares encoding/json with the generated
// decoders on a page of customers and an organization held in memory.
// The generated case includes turning the body into the string it reads
// (which ReadBodyString does as it reads, in the client). The other
// candidates are measured in bench/peers (BenchmarkDecodeCandidates).
func BenchmarkDecodeResponse(b *testing.B) {
	for _, c := range []struct {
		name string
		body []byte
		mk   func() any
		own  bool
	}{
		{"page", benchPage(), func() any { return new(api.CustomerListResponse) }, false},
		{"org", benchOrg, func() any { return new(api.PartnerOrganization) }, true},
	} {
		b.Run(c.name+"/engine=encoding-json", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := json.Unmarshal(c.body, c.mk()); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/engine=generated", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !decodeFast(string(c.body), c.mk(), c.own) {
					b.Fatal("the generated decoder gave up")
				}
			}
		})
	}
}
