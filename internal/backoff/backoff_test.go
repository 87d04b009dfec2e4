package backoff

import (
	"context"
	"math"
	"testing"
	"time"
)

func TestWindow(t *testing.T) {
	for _, tc := range []struct {
		base, cap time.Duration
		n         int
		want      time.Duration
	}{
		{500 * time.Millisecond, 8 * time.Second, 1, 500 * time.Millisecond},
		{500 * time.Millisecond, 8 * time.Second, 2, time.Second},
		{500 * time.Millisecond, 8 * time.Second, 5, 8 * time.Second},
		{500 * time.Millisecond, 8 * time.Second, 40, 8 * time.Second},
		{500 * time.Millisecond, 8 * time.Second, 1000, 8 * time.Second},
		{time.Hour, math.MaxInt64, 62, math.MaxInt64}, // would overflow
		{time.Second, time.Minute, 0, time.Minute},
	} {
		if got := Window(tc.base, tc.cap, tc.n); got != tc.want {
			t.Errorf("Window(%v, %v, %d) = %v, want %v", tc.base, tc.cap, tc.n, got, tc.want)
		}
	}
	for range 1000 {
		if w := Full(time.Second, 8*time.Second, 3); w < 0 || w > 4*time.Second {
			t.Fatalf("Full = %v, want within [0, 4s]", w)
		}
		if w := Equal(time.Second, 8*time.Second, 3); w < 2*time.Second || w > 4*time.Second {
			t.Fatalf("Equal = %v, want within [2s, 4s]", w)
		}
		if w := Full(time.Second, math.MaxInt64, 100); w < 0 {
			t.Fatalf("Full with the largest cap = %v", w)
		}
	}
}

func TestSleepEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := Sleep(ctx, time.Hour); err != context.Canceled || time.Since(start) > time.Second {
		t.Fatalf("Sleep = %v after %v", err, time.Since(start))
	}
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatal(err)
	}
}

func TestLongest(t *testing.T) {
	for _, tc := range []struct {
		base, cap time.Duration
		n         int
		want      time.Duration
	}{
		{500 * time.Millisecond, 8 * time.Second, 0, 0},
		{500 * time.Millisecond, 8 * time.Second, 2, 1500 * time.Millisecond},
		{500 * time.Millisecond, 8 * time.Second, 6, (500 + 1000 + 2000 + 4000 + 8000 + 8000) * time.Millisecond},
		{time.Hour, math.MaxInt64, 70, math.MaxInt64}, // saturates
	} {
		if got := Longest(tc.base, tc.cap, tc.n); got != tc.want {
			t.Errorf("Longest(%v, %v, %d) = %v, want %v", tc.base, tc.cap, tc.n, got, tc.want)
		}
	}
}
