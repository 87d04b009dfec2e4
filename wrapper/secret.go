package wrapper

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"

	"github.com/kelviq/kelviq-go/internal/redact"
)

// Secret holds a credential, such as an organization's server key. It prints
// as "[REDACTED]" with every fmt verb (including %#v), in slog output and in
// JSON, so that logging a value that contains one does not leak it. Call
// Reveal to get the value itself, e.g. to store it or pass it to WithServerKey.
//
// The value is kept XOR-masked with a random pad of its own, so that
// printers that bypass methods and walk struct fields by reflection (spew,
// testify's diffs, debuggers' dumps) find no plain text. This is masking,
// not encryption: it keeps the key out of logs, not out of a memory dump.
//
// The zero Secret is empty.
type Secret struct {
	// m holds the masked value followed by its pad, in one string.
	m string
}

// NewSecret wraps s in a Secret.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	var buf [128]byte // a key's masked value and pad fit on the stack
	b := buf[:0]
	if 2*len(s) > len(buf) {
		b = make([]byte, 0, 2*len(s))
	}
	b = b[:2*len(s)]
	masked, pad := b[:len(s)], b[len(s):]
	var r uint64
	for i := range pad {
		if i%8 == 0 {
			r = rand.Uint64() // math/rand/v2: a fresh pad, fast; masking needs no more
		}
		pad[i], r = byte(r), r>>8
	}
	for i := range masked {
		masked[i] = s[i] ^ pad[i]
	}
	m := string(b)
	clear(b)
	return Secret{m: m}
}

// Reveal returns the secret value. Handle the result with care.
func (s Secret) Reveal() string { return s.reveal("") }

// reveal returns prefix followed by the value, in one allocation.
func (s Secret) reveal(prefix string) string {
	if s.m == "" {
		return prefix
	}
	n := len(s.m) / 2
	var sb strings.Builder
	sb.Grow(len(prefix) + n)
	sb.WriteString(prefix)
	for i := range n {
		sb.WriteByte(s.m[i] ^ s.m[n+i])
	}
	return sb.String()
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.m == "" }

// String returns "[REDACTED]", or "" for an empty secret.
func (s Secret) String() string {
	if s.IsZero() {
		return ""
	}
	return redact.Marker
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
