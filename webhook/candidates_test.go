package webhook_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/kelviq/kelviq-go/webhook"
)

// A signature header may hold up to MaxSignatures entries; the right one
// is found among them wherever it stands. Past that the header is refused
// as malformed before any entry is decoded or compared, even when the
// right signature is among them (last, so that checking every candidate
// would have found it): thousands of candidates cost one scan of the
// header, no HMAC comparison each.
func TestSignatureCandidatesAreCapped(t *testing.T) {
	const payload = `{"type":"customer.created"}`
	id, ts := "msg_many", strconv.FormatInt(t0.Unix(), 10)
	good := webhook.Sign(testSecret, id, t0, []byte(payload))
	wrong := "v1," + strings.Repeat("ab", 32)
	for _, n := range []int{1, webhook.MaxSignatures, webhook.MaxSignatures + 1, 5000} {
		entries := make([]string, 0, n)
		for range n - 1 {
			entries = append(entries, wrong)
		}
		entries = append(entries, good)
		_, err := webhook.Verify([]byte(payload), hdr(id, ts, strings.Join(entries, " ")), testSecret, at(t0))
		switch {
		case n <= webhook.MaxSignatures && err != nil:
			t.Errorf("%d candidates, the right one last: %v", n, err)
		case n > webhook.MaxSignatures && !errors.Is(err, webhook.ErrMalformedHeader):
			t.Errorf("%d candidates: err = %v, want ErrMalformedHeader", n, err)
		}
	}
	// Entries spread over several header values count together.
	h := hdr(id, ts, good)
	for range webhook.MaxSignatures {
		h.Add(webhook.HeaderSignature, wrong)
	}
	if _, err := webhook.Verify([]byte(payload), h, testSecret, at(t0)); !errors.Is(err, webhook.ErrMalformedHeader) {
		t.Errorf("%d entries over %d header values: err = %v, want ErrMalformedHeader", webhook.MaxSignatures+1, webhook.MaxSignatures+1, err)
	}
}
