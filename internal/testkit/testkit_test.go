package testkit

import "testing"

func TestPtr(t *testing.T) {
	p := Ptr(42)
	if v, err := PtrGet(p); err != nil || v != 42 {
		t.Fatalf("PtrGet(Ptr(42)) = %v, %v", v, err)
	}
	*p = 7
	if q := Ptr(42); *q != 42 || q == p {
		t.Fatalf("Ptr shares its result: %v", *q)
	}
	if v, err := PtrGet[string](nil); err == nil || v != "" {
		t.Fatalf("PtrGet(nil) = %q, %v; want the zero value and an error", v, err)
	}
}
