package wrapper

import (
	"fmt"
	"log/slog"
)

// redacted is what a Secret shows in place of its value.
const redacted = "[REDACTED]"

// Secret holds a credential, such as an organization's server key. It prints
// as "[REDACTED]" with every fmt verb (including %#v), in slog output and in
// JSON, so that logging a value that contains one does not leak it. Call
// Reveal to get the value itself, e.g. to store it or pass it to WithServerKey.
//
// The zero Secret is empty.
type Secret struct {
	// The value sits behind a pointer so that even printers that bypass
	// methods (reflection-based dumpers) show an address, not the key.
	v *string
}

// NewSecret wraps s in a Secret.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{v: &s}
}

// Reveal returns the secret value. Handle the result with care.
func (s Secret) Reveal() string {
	if s.v == nil {
		return ""
	}
	return *s.v
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.v == nil || *s.v == "" }

// String returns "[REDACTED]", or "" for an empty secret.
func (s Secret) String() string {
	if s.IsZero() {
		return ""
	}
	return redacted
}

// GoString returns the redacted form for %#v.
func (s Secret) GoString() string { return fmt.Sprintf("wrapper.Secret(%q)", s.String()) }

// Format implements fmt.Formatter so that no verb prints the value.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(s.GoString()))
		return
	}
	_, _ = f.Write([]byte(s.String()))
}

// LogValue implements slog.LogValuer: the value is logged redacted.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON writes the redacted form. Use Reveal to persist the value.
func (s Secret) MarshalJSON() ([]byte, error) {
	return []byte(`"` + s.String() + `"`), nil
}
