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
