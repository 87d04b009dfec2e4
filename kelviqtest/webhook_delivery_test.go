package kelviqtest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/kelviqtest"
)

// TestWebhookLogRowsPerAttempt: one row per delivery attempt, newest first,
// each with its retryCount, statusCode, isSuccess and the payload sent;
// createdOn is the event's time, lastAttempt the attempt's, and the date
// filters (and the 30-day window) look at lastAttempt.
func TestWebhookLogRowsPerAttempt(t *testing.T) {
	t.Parallel()
	clk := testkit.NewClock(time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC))
	var mu sync.Mutex
	var bodies [][]byte
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		bodies = append(bodies, b)
		if len(bodies) == 1 {
			clk.Advance(48 * time.Hour) // the retry happens two days later
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer endpoint.Close()
	srv := kelviqtest.NewServer(t, kelviqtest.WithClock(clk.Now), kelviqtest.WithWebhook(endpoint.URL, "kq_whsec_logrows"),
		kelviqtest.WithWebhookRetries(3, time.Millisecond))
	_, c := srv.NewOrganization(t, "logrows")
	ctx := context.Background()
	testkit.Must(c.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "cus_logged"}))(t)
	if err := srv.FlushWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	rows := *testkit.Must(c.WebhookLogs.List(ctx, nil))(t).Results
	if len(rows) != 2 || len(bodies) != 2 {
		t.Fatalf("%d log rows, %d deliveries; want 2 and 2", len(rows), len(bodies))
	}
	retry, first := rows[0], rows[1]
	if first.RetryCount != 0 || first.IsSuccess || first.StatusCode != http.StatusServiceUnavailable ||
		retry.RetryCount != 1 || !retry.IsSuccess || retry.StatusCode != http.StatusOK || retry.EventId != first.EventId {
		t.Fatalf("rows = %+v / %+v", retry, first)
	}
	if !first.CreatedOn.Equal(retry.CreatedOn) || !first.LastAttempt.Equal(first.CreatedOn) || retry.LastAttempt.Sub(first.LastAttempt) != 48*time.Hour {
		t.Fatalf("createdOn %v/%v, lastAttempt %v/%v", first.CreatedOn, retry.CreatedOn, first.LastAttempt, retry.LastAttempt)
	}
	for i, row := range []api.WebhookEventLogResponse{first, retry} {
		sent, _ := json.Marshal(row.Payload)
		var a, b any
		_ = json.Unmarshal(sent, &a)
		_ = json.Unmarshal(bodies[i], &b)
		if ja, jb := mustJSON(t, a), mustJSON(t, b); ja != jb {
			t.Fatalf("row %d payload %s, sent %s", i, ja, jb)
		}
	}
	day := func(y int, m time.Month, d int) *openapi_types.Date {
		return &openapi_types.Date{Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
	}
	count := func(start, end *openapi_types.Date) int {
		t.Helper()
		return len(*testkit.Must(c.WebhookLogs.List(ctx, &api.ListWebhookEventLogsParams{StartDate: start, EndDate: end}))(t).Results)
	}
	if n := count(day(2026, 9, 3), nil); n != 1 {
		t.Fatalf("start_date on the retry's day: %d rows, want 1 (filters use lastAttempt)", n)
	}
	if n := count(nil, day(2026, 9, 1)); n != 1 {
		t.Fatalf("end_date on the first attempt's day: %d rows, want 1", n)
	}
	// 29 days after the retry, the first attempt (31 days old) is outside
	// the trailing 30 days; a start_date further back does not widen it.
	clk.Advance(29 * 24 * time.Hour)
	if n := count(day(2026, 1, 1), nil); n != 1 {
		t.Fatalf("with start_date months back: %d rows, want 1 (the retry; the first attempt is older than 30 days)", n)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
