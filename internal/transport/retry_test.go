package transport_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/transport"
	"github.com/kelviq/kelviq-go/wrapper"
)

// sendErr is the error the wrapper gives for a report whose connection
// fails with dialErr.
func sendErr(t *testing.T, dialErr error) error {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) { return nil, dialErr }}}
	c, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL("http://127.0.0.1:9/api/v1"), wrapper.WithServerKey("sk_classify"),
		wrapper.WithHTTPClient(hc), wrapper.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Usage.Report(context.Background(), api.ReportUsageRequest{CustomerId: "c", FeatureId: "f", Behaviour: api.ReportUsageRequestBehaviourDELTA})
	return err
}

var (
	applied      = transport.Verdict{Effect: transport.Applied}
	refused      = transport.Verdict{Effect: transport.NotApplied}
	notApplied   = transport.Verdict{Effect: transport.NotApplied, Retryable: true}
	maybeApplied = transport.Verdict{Effect: transport.MaybeApplied, Retryable: true}
	maybeFinal   = transport.Verdict{Effect: transport.MaybeApplied}
)

// TestClassify runs the rulebook over the errors a call returns (what the
// usage reporter classifies) and over bare statuses (what the engine
// classifies).
func TestClassify(t *testing.T) {
	dial := sendErr(t, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED})
	read := &url.Error{Op: "Post", URL: "https://api.kelviq.com/api/v1/report/usage/",
		Err: &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}}
	for _, tc := range []struct {
		name   string
		status int
		err    error
		want   transport.Verdict
	}{
		{"nil", 0, nil, applied},
		{"201", 201, nil, applied},
		{"2xx that does not decode", 0, &wrapper.DecodeError{StatusCode: 200, Err: errors.New("bad json")}, applied},
		{"2xx too large", 0, &wrapper.BodyTooLargeError{Limit: 1}, applied},
		{"400", 0, &wrapper.APIError{StatusCode: 400}, refused},
		{"422", 0, &wrapper.APIError{StatusCode: 422}, refused},
		{"401", 0, &wrapper.APIError{StatusCode: 401}, refused},
		{"404", 0, &wrapper.APIError{StatusCode: 404}, refused},
		{"409 response", 409, nil, refused},
		{"invalid input", 0, &wrapper.ValidationError{Field: "customerId", Rule: "must not be empty"}, refused},
		{"no key", 0, fmt.Errorf("wrapped: %w", wrapper.ErrMissingCredential), refused},
		{"unknown operation", 0, fmt.Errorf("%w: x", wrapper.ErrUnknownOperation), refused},
		{"429", 0, &wrapper.APIError{StatusCode: 429}, notApplied},
		{"429 response", 429, nil, notApplied},
		{"refused", 0, dial, notApplied},
		{"unknown host", 0, sendErr(t, &net.DNSError{Err: "no such host", Name: "x"}), notApplied},
		// The engine classifies the Doer's error as it comes, so a dial
		// error is "not sent" whether or not the wrapper has marked it.
		{"refused, not as the wrapper reports it", 0, &url.Error{Op: "Post", Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}, notApplied},
		{"dial cancelled", 0, &url.Error{Op: "Post", Err: &net.OpError{Op: "dial", Net: "tcp", Err: context.Canceled}}, refused},
		{"408", 0, &wrapper.APIError{StatusCode: 408}, maybeApplied},
		{"500", 0, &wrapper.APIError{StatusCode: 500}, maybeApplied},
		{"503", 0, &wrapper.APIError{StatusCode: 503}, maybeApplied},
		{"504 response", 504, nil, maybeApplied},
		{"501", 0, &wrapper.APIError{StatusCode: 501}, maybeFinal},
		{"520 response", 520, nil, maybeFinal},
		{"reset after sending", 0, read, maybeApplied},
		{"timeout", 0, fmt.Errorf("kelviq: %w", context.DeadlineExceeded), maybeApplied},
		{"cancelled", 0, fmt.Errorf("kelviq: %w", context.Canceled), maybeFinal},
		{"unknown", 0, errors.New("something else"), maybeFinal},
	} {
		if got := transport.Classify(tc.status, tc.err); got != tc.want {
			t.Errorf("%s: Classify = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// TestResend: what may have been applied is sent again only when
// idempotent; what was not applied, whatever the method; nothing final.
func TestResend(t *testing.T) {
	for _, tc := range []struct {
		v          transport.Verdict
		idempotent bool
		want       bool
	}{
		{notApplied, false, true}, {notApplied, true, true},
		{maybeApplied, false, false}, {maybeApplied, true, true},
		{refused, true, false}, {maybeFinal, true, false}, {applied, true, false},
	} {
		if got := tc.v.Resend(tc.idempotent); got != tc.want {
			t.Errorf("%+v.Resend(%v) = %v, want %v", tc.v, tc.idempotent, got, tc.want)
		}
	}
}

// TestRulebookProse: the prose names each retryable status and none that
// is not, and the waits and limits of the policy it is given.
func TestRulebookProse(t *testing.T) {
	pol := transport.Policy{MaxRetries: 3, Base: 250 * time.Millisecond, Cap: 2 * time.Second, MaxRetryAfter: 7 * time.Second}
	text := transport.Rulebook(pol)
	for code := 400; code < 600; code++ {
		named := strings.Contains(text, strconv.Itoa(code))
		if retryable := transport.Classify(code, nil).Retryable; named != retryable && code != 500 {
			t.Errorf("status %d: named in the prose %v, retryable %v", code, named, retryable)
		}
	}
	for _, want := range []string{"at most 3 times", "250ms, 500ms, 1s, 2s (full jitter)", "of at most 7s", "GET, HEAD, OPTIONS, PUT, DELETE"} {
		if !strings.Contains(text, want) {
			t.Errorf("prose lacks %q:\n%s", want, text)
		}
	}
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if len(line) > 78 {
			t.Errorf("line %d is %d columns: %q", i+1, len(line), line)
		}
	}
}
