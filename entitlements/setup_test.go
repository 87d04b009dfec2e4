package entitlements_test

import (
	"testing"

	"github.com/kelviq/kelviq-go/internal/countingapi"
	"github.com/kelviq/kelviq-go/wrapper"
)

// countingClient is a wrapper client for srv, with opts after its own.
func countingClient(t testing.TB, srv *countingapi.Server, opts ...wrapper.Option) *wrapper.Client {
	t.Helper()
	opts = append([]wrapper.Option{wrapper.WithoutEnvKeys()}, opts...)
	return countingapi.Client(t, srv, wrapper.New, wrapper.WithBaseURL, wrapper.WithServerKey, wrapper.WithHTTPClient, opts...)
}
