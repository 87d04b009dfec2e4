// Package redact removes credentials from text that the client puts into
// errors, or that a program prints: the keys it knows, and the value of
// every JSON member named like a credential.
package redact

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Marker is what a removed credential is replaced with.
const Marker = "[REDACTED]"

// Text returns text without credentials: every given secret (empty ones
// are skipped), also where JSON escapes spell it ("kvqp\u005f..."), and the
// value of every JSON member named like a credential (serverKey,
// partnerKey, apiKey, secret, password, ...: see credentialMembers), matched
// as Go's decoder matches names (any letter case, through escapes), and
// replaced whole even when the text ends inside it. Each becomes
// Marker.
func Text(text string, secrets ...string) string {
	text = unescapeASCII(text)
	for _, k := range secrets {
		if k != "" {
			text = strings.ReplaceAll(text, k, Marker)
		}
	}
	return redactCredentialMembers(text)
}

// separators are dropped from a member name before it is compared.
var separators = strings.NewReplacer("_", "", "-", "")

// credentialMembers are the JSON member names, lower case without "_" and
// "-", whose values are credentials. The API's responses carry serverKey;
// the others are the names credentials go by elsewhere.
var credentialMembers = []string{"serverkey", "partnerkey", "apikey", "secretkey", "privatekey", "secret", "webhooksecret", "password", "clientsecret"}

// unescapeASCII writes JSON's \uXXXX escapes of printable ASCII (other
// than the quote and the backslash) as the characters themselves, so that
// a key spelled with escapes is found.
func unescapeASCII(text string) string {
	if !strings.Contains(text, `\u`) {
		return text
	}
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		if text[i] != '\\' || i+1 >= len(text) {
			b.WriteByte(text[i])
			continue
		}
		if text[i+1] == 'u' && i+6 <= len(text) {
			if n, err := strconv.ParseUint(text[i+2:i+6], 16, 16); err == nil && n >= 0x20 && n < 0x7f && n != '"' && n != '\\' {
				b.WriteByte(byte(n))
				i += 5
				continue
			}
		}
		b.WriteString(text[i : i+2]) // another escape: keep it whole
		i++
	}
	return b.String()
}

// redactCredentialMembers replaces the value of every JSON member named
// like a credential with "[REDACTED]". A string, list or object value is
// replaced whole, up to where it ends or, in a truncated body, to the end
// of the text; null and numbers stay.
func redactCredentialMembers(text string) string {
	var out strings.Builder
	last := 0
	for i := 0; i < len(text); {
		if text[i] != '"' {
			i++
			continue
		}
		end := jsonValueEnd(text, i)
		j := skipJSONSpace(text, end)
		if j >= len(text) || text[j] != ':' || !isCredentialName(text[i:end]) {
			i = end
			continue
		}
		j = skipJSONSpace(text, j+1)
		if j >= len(text) || (text[j] != '"' && text[j] != '[' && text[j] != '{') {
			i = j
			continue
		}
		vend := jsonValueEnd(text, j)
		out.WriteString(text[last:j])
		out.WriteString(`"` + Marker + `"`)
		last, i = vend, vend
	}
	if last == 0 {
		return text
	}
	out.WriteString(text[last:])
	return out.String()
}

// jsonValueEnd returns the index just past the string, list or object that
// starts at text[i], or len(text) when the text ends first.
func jsonValueEnd(text string, i int) int {
	depth := 0
	for j := i; j < len(text); j++ {
		switch text[j] {
		case '"':
			for j++; j < len(text) && text[j] != '"'; j++ {
				if text[j] == '\\' {
					j++
				}
			}
			if depth == 0 {
				return min(j+1, len(text))
			}
		case '[', '{':
			depth++
		case ']', '}':
			depth--
			if depth <= 0 {
				return j + 1
			}
		}
	}
	return len(text)
}

func skipJSONSpace(text string, i int) int {
	for i < len(text) && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r') {
		i++
	}
	return i
}

// isCredentialName reports whether tok, a quoted JSON string, decodes to a
// name Go's decoder would take for one of credentialMembers.
func isCredentialName(tok string) bool {
	if len(tok) < len(`"secret"`) || len(tok) > 128 {
		return false
	}
	var name string
	if json.Unmarshal([]byte(tok), &name) != nil {
		return false
	}
	name = separators.Replace(name)
	for _, c := range credentialMembers {
		if strings.EqualFold(name, c) {
			return true
		}
	}
	return false
}
