package kelviqtest

import (
	"testing"
	"time"
)

// The default delivery is the guide's: up to 3 retries, 60 s apart, so
// `kelviq fake` (which passes no retry option) retries as kelviq does.
func TestDefaultWebhookTimingIsTheGuides(t *testing.T) {
	if DefaultWebhookRetries != 3 || DefaultWebhookRetrySpacing != 60*time.Second {
		t.Fatalf("defaults: %d retries, %v apart; the guide: 3, 60s", DefaultWebhookRetries, DefaultWebhookRetrySpacing)
	}
	s, err := New(WithWebhook("http://127.0.0.1:9/hook", "kq_whsec_defaults"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.outbox.attempts != 4 || s.outbox.spacing != time.Minute {
		t.Fatalf("New without WithWebhookRetries: %d attempts, %v apart; want 4 (1 + 3 retries), 1m", s.outbox.attempts, s.outbox.spacing)
	}
	s2, err := New(WithWebhook("http://127.0.0.1:9/hook", "kq_whsec_defaults"), WithWebhookRetries(0, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if s2.outbox.attempts != 1 || s2.outbox.spacing != time.Second {
		t.Fatalf("WithWebhookRetries(0, 1s): %d attempts, %v", s2.outbox.attempts, s2.outbox.spacing)
	}
}
