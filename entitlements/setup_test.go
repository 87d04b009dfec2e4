package entitlements_test

import (
	"testing"

	"github.com/kelviq/kelviq-go/internal/countingapi"
	"github.com/kelviq/kelviq-go/wrapper"
)

// countingClient is a wrapper client for srv (countingapi's Client, made
// by wrapper.New), with opts after the server's own.
func countingClient(t testing.TB, srv *countingapi.Server, opts ...wrapper.Option) *wrapper.Client {
	t.Helper()
	return countingapi.Client(t, srv, func(c countingapi.Config) (*wrapper.Client, error) {
		return wrapper.New(append([]wrapper.Option{wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(c.BaseURL),
			wrapper.WithServerKey(c.ServerKey), wrapper.WithHTTPClient(c.HTTPClient)}, opts...)...)
	})
}
