package wrapper

import (
	"net/mail"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
)

// The checks the generated services (and Call) apply before anything is
// sent, with rules taken from openapi.json: see check* in services.gen.go.

func invalid(field, rule string) error { return &ValidationError{Field: field, Rule: rule} }

// checkUUID parses v as a UUID (google/uuid).
func checkUUID(field, v string) (uuid.UUID, error) {
	if v == "" {
		return uuid.UUID{}, invalid(field, "must not be empty")
	}
	id, err := uuid.Parse(v)
	if err != nil || len(v) != 36 {
		return uuid.UUID{}, invalid(field, "must be a UUID such as 8d3c1f9e-2b4a-4c6d-9e8f-0a1b2c3d4e5f")
	}
	return id, nil
}

// checkMaxLen applies a maxLength, counted in characters.
func checkMaxLen(field, v string, n int) error {
	if utf8.RuneCountInString(v) > n {
		return invalid(field, "must be at most "+strconv.Itoa(n)+" characters")
	}
	return nil
}

// checkEmail accepts a bare address such as ops@northwind.example.
func checkEmail(field, v string) error {
	if v == "" {
		return invalid(field, "must not be empty")
	}
	a, err := mail.ParseAddress(v)
	domain := v[strings.LastIndexByte(v, '@')+1:]
	if err != nil || a.Address != v || !strings.Contains(domain, ".") && !strings.EqualFold(domain, "localhost") {
		return invalid(field, "must be an email address such as ops@example.com")
	}
	return nil
}
