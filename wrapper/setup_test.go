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
// it with both keys (svcClient), opts after those: the one setup of this
// package's tests, as go-github's setup.
func setup(t *testing.T, opts ...wrapper.Option) (*wrapper.Client, *testServer) {
	t.Helper()
	srv := newTestServer(t)
	return svcClient(t, srv, opts...), srv
}
