// Package testkit holds the helpers the module's tests share. Only _test
// files import it, and it imports no package of the module, so that it
// never makes a layer depend on one above it.
package testkit

import (
	"bytes"
	"errors"
	"sync"
)

// Ptr returns a pointer to a copy of v.
func Ptr[T any](v T) *T { return &v }

// PtrGet reads an optional response field: its value, or an error when the
// response left it out or null.
func PtrGet[T any](p *T) (T, error) {
	if p == nil {
		var zero T
		return zero, errors.New("absent or null")
	}
	return *p, nil
}

// Must returns a function that gives v, or fails t with err:
// testkit.Must(wrapper.New(opts...))(t).
func Must[T any](v T, err error) func(TB) T {
	return func(t TB) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%v", err)
		}
		return v
	}
}

// MeterDetails is the featureDetails a METER feature needs (the
// reference's rule, which the fake applies): a pre-aggregated meter and
// its units.
func MeterDetails() *map[string]any {
	return &map[string]any{"featureSubType": "PRE_AGGREGATED_USAGE", "units": map[string]any{"singular": "unit", "plural": "units"}}
}

// SyncBuffer is a bytes.Buffer safe for concurrent writers and readers,
// e.g. a program's output read while it runs.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what has been written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
