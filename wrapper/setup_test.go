package wrapper_test

import (
	"testing"

	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/wrapper"
)

// newClient builds a client for base with no environment keys.
func newClient(t *testing.T, base string, opts ...wrapper.Option) *wrapper.Client {
	t.Helper()
	return testkit.Must(wrapper.New(append([]wrapper.Option{wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(base)}, opts...)...))(t)
}

func partnerClient(t *testing.T, base string, opts ...wrapper.Option) *wrapper.Client {
	t.Helper()
	return newClient(t, base, append([]wrapper.Option{wrapper.WithPartnerKey(testkit.PartnerKey)}, opts...)...)
}

func serverClient(t *testing.T, base string, opts ...wrapper.Option) *wrapper.Client {
	t.Helper()
	return newClient(t, base, append([]wrapper.Option{wrapper.WithServerKey(testkit.ServerKey)}, opts...)...)
}

// setup starts the package's test server (newTestServer: every operation
// answered as the spec declares, on /api/v1 and /edge/v1) and a client of
// it with both keys, opts after those: the one setup of this package's
// tests, as go-github's setup. A test that needs other answers sets them
// with srv.setResponder after setup, as go-github's tests register handlers
// on the mux setup returns.
func setup(t *testing.T, opts ...wrapper.Option) (*wrapper.Client, *testServer) {
	t.Helper()
	srv := newTestServer(t)
	all := []wrapper.Option{
		wrapper.WithoutEnvKeys(),
		wrapper.WithBaseURL(srv.URL + svcAPIPrefix),
		wrapper.WithEdgeURL(srv.URL + svcEdgePrefix),
		wrapper.WithPartnerKey(svcPartnerKey),
		wrapper.WithServerKey(svcServerKey),
	}
	return testkit.Must(wrapper.New(append(all, opts...)...))(t), srv
}
