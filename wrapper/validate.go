package wrapper

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Rules for partner input, from openapi.json's schema limits.
const (
	maxExternalID   = 128
	maxBusinessName = 200
)

func invalid(field, rule string) error { return &ValidationError{Field: field, Rule: rule} }

// checkUUID parses v as a UUID (google/uuid).
func checkUUID(field, v string) (uuid.UUID, error) {
	if v == "" {
		return uuid.UUID{}, invalid(field, "must not be empty")
	}
	id, err := uuid.Parse(v)
	if err != nil {
		return uuid.UUID{}, invalid(field, "must be a UUID such as 8d3c1f9e-2b4a-4c6d-9e8f-0a1b2c3d4e5f")
	}
	return id, nil
}

// checkPathValue refuses values that cannot safely stand as one path
// segment: empty, ".", "..", or containing control characters.
func checkPathValue(field, v string) error {
	switch {
	case v == "":
		return invalid(field, "must not be empty")
	case v == "." || v == "..":
		return invalid(field, `must not be "." or ".."`)
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		return invalid(field, "must not contain control characters")
	case !utf8.ValidString(v):
		return invalid(field, "must be valid UTF-8")
	}
	return nil
}

func checkMaxLen(field, v string, n int) error {
	if utf8.RuneCountInString(v) > n {
		return invalid(field, "must be at most "+itoa(n)+" characters")
	}
	return nil
}

func checkExternalID(field, v string) error {
	if err := checkPathValue(field, v); err != nil {
		return err
	}
	return checkMaxLen(field, v, maxExternalID)
}

// checkEmail accepts a bare address such as ops@northwind.example.
func checkEmail(field, v string) error {
	if v == "" {
		return invalid(field, "must not be empty")
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || !strings.Contains(v[strings.LastIndexByte(v, '@')+1:], ".") && !strings.EqualFold(v[strings.LastIndexByte(v, '@')+1:], "localhost") {
		return invalid(field, "must be an email address such as ops@example.com")
	}
	return nil
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
