package testkit

import (
	"testing"
	"time"
)

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

func TestClock(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := NewClock(start)
	if !c.Now().Equal(start) {
		t.Fatalf("Now = %v, want %v", c.Now(), start)
	}
	c.Advance(90 * time.Second)
	if want := start.Add(90 * time.Second); !c.Now().Equal(want) {
		t.Fatalf("after Advance(90s) Now = %v, want %v", c.Now(), want)
	}
}
