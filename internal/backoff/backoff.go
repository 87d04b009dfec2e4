// Package backoff holds the waits between attempts that the client's
// sender (wrapper) and the usage reporter share: one exponential window,
// two jitters, and a sleep that ends with its context.
package backoff

import (
	"context"
	"math"
	"math/rand/v2"
	"time"
)

// Window is the exponential window before retry n (1-based):
// min(cap, base·2^(n−1)), without overflow.
func Window(base, cap time.Duration, n int) time.Duration {
	if n >= 1 && n < 63 {
		if w := base << (n - 1); w > 0 && w>>(n-1) == base && w < cap {
			return w
		}
	}
	return cap
}

// Longest is the sum of the windows before retries 1 to n: the longest
// that n retries can wait in all. It saturates rather than overflow.
func Longest(base, cap time.Duration, n int) time.Duration {
	var d time.Duration
	for i := 1; i <= n; i++ {
		w := Window(base, cap, i)
		if d > math.MaxInt64-w {
			return math.MaxInt64
		}
		d += w
	}
	return d
}

// Full returns a wait in [0, Window] (full jitter).
func Full(base, cap time.Duration, n int) time.Duration {
	return rand.N(min(Window(base, cap, n), math.MaxInt64-1) + 1)
}

// Equal returns a wait in [Window/2, Window] (equal jitter).
func Equal(base, cap time.Duration, n int) time.Duration {
	w := Window(base, cap, n)
	return w/2 + rand.N(w/2+1)
}

// Sleep waits d, or less if ctx ends first; it leaves no timer behind.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
