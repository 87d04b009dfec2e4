package jsonread

import "unsafe"

// unsafeSame reports whether a and b are the same bytes in memory.
func unsafeSame(a, b string) bool {
	return len(a) == len(b) && unsafe.StringData(a) == unsafe.StringData(b)
}
