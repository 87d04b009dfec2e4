package entitlements_test

import (
	"context"
	"testing"

	"github.com/kelviq/kelviq-go/entitlements"
	"github.com/kelviq/kelviq-go/internal/countingapi"
	"github.com/kelviq/kelviq-go/internal/redistest"
	"github.com/kelviq/kelviq-go/redisstore"
	"github.com/kelviq/kelviq-go/wrapper"
)

// BenchmarkHasAccessHit measures a cached result: from the in-process layer
// (the default), and from Redis (WithLocalTTL(0): every call reads Redis
// and decodes the stored result). Both sub-benchmarks run in one function,
// so -count alternates them.
func BenchmarkHasAccessHit(b *testing.B) {
	api := countingapi.Start(b)
	client, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(api.URL), wrapper.WithServerKey("sk_test_bench"))
	if err != nil {
		b.Fatal(err)
	}
	rs := redistest.Start(b)
	for _, tc := range []struct {
		name string
		opts []entitlements.Option
	}{
		{"store=in-process", nil},
		{"store=redis", []entitlements.Option{entitlements.WithLocalTTL(0),
			entitlements.WithStore(redisstore.NewCache(rs.Client(b), redisstore.WithPrefix("bench:")))}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			checker, err := entitlements.NewChecker(client, tc.opts...)
			if err != nil {
				b.Fatal(err)
			}
			defer checker.Close()
			ctx := context.Background()
			if ok, err := checker.HasAccess(ctx, "cus-1", "seats"); err != nil || !ok {
				b.Fatal(ok, err)
			}
			before := api.EntitlementRequests()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if ok, err := checker.HasAccess(ctx, "cus-1", "seats"); err != nil || !ok {
					b.Fatal(ok, err)
				}
			}
			b.StopTimer()
			if n := api.EntitlementRequests() - before; n != 0 {
				b.Fatalf("%d lookups reached the API during the benchmark", n)
			}
		})
	}
}
