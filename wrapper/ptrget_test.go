package wrapper_test

import "errors"

// ptrGet reads an optional answer field: its value, or an error when
// the answer left it out or null.
func ptrGet[T any](p *T) (T, error) {
	if p == nil {
		var zero T
		return zero, errors.New("absent or null")
	}
	return *p, nil
}
