package webhook_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kelviq/kelviq-go/webhook"
)

const (
	testSecret    = "kq_whsec_test_0123456789abcdef"
	rotatedSecret = "kq_whsec_rotated_secret"
)

// Vectors computed outside Go, once, while writing this test (each was
// cross-checked with Python's hmac module, which gave the same digest).
var vectors = []struct {
	name    string
	secret  string
	id      string
	ts      string
	payload string
	sig     string // hex, as printed by openssl
}{
	{
		// printf '%s' 'msg_1.1700000000.{"type":"customer.created"}' | openssl dgst -sha256 -hmac 'kq_whsec_test_0123456789abcdef'
		name:    "customer.created without data",
		secret:  testSecret,
		id:      "msg_1",
		ts:      "1700000000",
		payload: `{"type":"customer.created"}`,
		sig:     "1ef4ef66f475ceab1704cb6988fcb99d147ca4a50840bf39f0f72cd50e00ae22",
	},
	{
		// printf '%s' 'msg_2.1700000300.{"type":"subscription.created","data":{"id":"sub_1","customer_id":"cus_1","status":"active","amount":"19.99","currency":"USD"}}' | openssl dgst -sha256 -hmac 'kq_whsec_test_0123456789abcdef'
		name:    "subscription.created with data",
		secret:  testSecret,
		id:      "msg_2",
		ts:      "1700000300",
		payload: `{"type":"subscription.created","data":{"id":"sub_1","customer_id":"cus_1","status":"active","amount":"19.99","currency":"USD"}}`,
		sig:     "1e759f82deed0679c81ddda60819e83c001dc498212d8ef7878e3c69b2d9aa4a",
	},
	{
		// printf '%s' 'evt_3.1700000000.{"type":"invoice.paid","data":{"id":"inv_1","amount":1250}}' | openssl dgst -sha256 -hmac 'kq_whsec_rotated_secret'
		name:    "invoice.paid, other secret",
		secret:  rotatedSecret,
		id:      "evt_3",
		ts:      "1700000000",
		payload: `{"type":"invoice.paid","data":{"id":"inv_1","amount":1250}}`,
		sig:     "7994b398750559e7076e7d640e06122991451dd24c0bb916abdf6ee48b1e81dc",
	},
}

// t0 is the timestamp of vectors[0].
var t0 = time.Unix(1700000000, 0)

func at(t time.Time) webhook.Option { return webhook.WithNow(func() time.Time { return t }) }

func hdr(id, ts, sig string) http.Header {
	h := http.Header{}
	h.Set(webhook.HeaderID, id)
	h.Set(webhook.HeaderTimestamp, ts)
	h.Set(webhook.HeaderSignature, sig)
	return h
}

// refMAC is the test's own HMAC computation, written directly against
// crypto/hmac and independent of the package under test.
func refMAC(secret, id, ts string, payload []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(id + "." + ts + "."))
	m.Write(payload)
	return hex.EncodeToString(m.Sum(nil))
}

func TestReferenceMACMatchesOpenSSL(t *testing.T) {
	// Guards the test helper itself, so tests using it stay meaningful.
	for _, v := range vectors {
		if got := refMAC(v.secret, v.id, v.ts, []byte(v.payload)); got != v.sig {
			t.Errorf("%s: refMAC = %s, openssl = %s", v.name, got, v.sig)
		}
	}
}

func TestVerifyVectors(t *testing.T) {
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			sec, _ := strconv.ParseInt(v.ts, 10, 64)
			ts := time.Unix(sec, 0)
			e, err := webhook.Verify([]byte(v.payload), hdr(v.id, v.ts, "v1,"+v.sig), v.secret, at(ts))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if e.ID != v.id {
				t.Errorf("ID = %q, want %q", e.ID, v.id)
			}
			if !e.Timestamp.Equal(ts) {
				t.Errorf("Timestamp = %v, want %v", e.Timestamp, ts)
			}
			if string(e.Raw) != v.payload {
				t.Errorf("Raw = %s, want %s", e.Raw, v.payload)
			}
			var env struct {
				Type string          `json:"type"`
				Data json.RawMessage `json:"data"`
			}
			if err := json.Unmarshal([]byte(v.payload), &env); err != nil {
				t.Fatal(err)
			}
			if string(e.Type) != env.Type {
				t.Errorf("Type = %q, want %q", e.Type, env.Type)
			}
			if string(e.Data) != string(env.Data) {
				t.Errorf("Data = %s, want %s", e.Data, env.Data)
			}
			if !e.Type.Known() {
				t.Errorf("%q should be known", e.Type)
			}
		})
	}
}

func TestSignMatchesVectors(t *testing.T) {
	for _, v := range vectors {
		sec, _ := strconv.ParseInt(v.ts, 10, 64)
		got := webhook.Sign(v.secret, v.id, time.Unix(sec, 0), []byte(v.payload))
		if want := "v1," + v.sig; got != want {
			t.Errorf("%s: Sign = %s, want %s", v.name, got, want)
		}
	}
	// Sub-second parts are truncated, as in the header.
	v := vectors[0]
	if got := webhook.Sign(v.secret, v.id, t0.Add(999*time.Millisecond), []byte(v.payload)); got != "v1,"+v.sig {
		t.Errorf("Sign with sub-second time = %s, want v1,%s", got, v.sig)
	}
}

func TestEmptySecret(t *testing.T) {
	v := vectors[0]
	_, err := webhook.Verify([]byte(v.payload), hdr(v.id, v.ts, "v1,"+v.sig), "", at(t0))
	if !errors.Is(err, webhook.ErrEmptySecret) {
		t.Fatalf("err = %v, want ErrEmptySecret", err)
	}
}

func TestMissingHeaders(t *testing.T) {
	v := vectors[0]
	for _, name := range []string{webhook.HeaderID, webhook.HeaderTimestamp, webhook.HeaderSignature} {
		for _, mode := range []string{"absent", "empty"} {
			t.Run(name+"/"+mode, func(t *testing.T) {
				h := hdr(v.id, v.ts, "v1,"+v.sig)
				if mode == "absent" {
					h.Del(name)
				} else {
					h.Set(name, "")
				}
				_, err := webhook.Verify([]byte(v.payload), h, v.secret, at(t0))
				if !errors.Is(err, webhook.ErrMissingHeader) {
					t.Fatalf("err = %v, want ErrMissingHeader", err)
				}
				if !strings.Contains(err.Error(), name) {
					t.Errorf("error %q does not name header %q", err, name)
				}
				for _, other := range []error{webhook.ErrInvalidSignature, webhook.ErrMalformedHeader, webhook.ErrStaleTimestamp} {
					if errors.Is(err, other) {
						t.Errorf("err %v also matches %v", err, other)
					}
				}
			})
		}
	}
	// Whitespace-only signature header counts as missing.
	_, err := webhook.Verify([]byte(v.payload), hdr(v.id, v.ts, "   "), v.secret, at(t0))
	if !errors.Is(err, webhook.ErrMissingHeader) || !strings.Contains(err.Error(), webhook.HeaderSignature) {
		t.Errorf("blank signature: err = %v, want ErrMissingHeader naming %s", err, webhook.HeaderSignature)
	}
}

func TestHeaderNamesCaseInsensitive(t *testing.T) {
	v := vectors[0]
	// A hand-built map with non-canonical keys, as some callers construct.
	h := http.Header{
		"webhook-id":        {v.id},
		"WEBHOOK-TIMESTAMP": {v.ts},
		"webhook-Signature": {"v1," + v.sig},
	}
	if _, err := webhook.Verify([]byte(v.payload), h, v.secret, at(t0)); err != nil {
		t.Fatalf("Verify with non-canonical header keys: %v", err)
	}
}

func TestRepeatedIDOrTimestampHeader(t *testing.T) {
	v := vectors[0]
	for _, name := range []string{webhook.HeaderID, webhook.HeaderTimestamp} {
		h := hdr(v.id, v.ts, "v1,"+v.sig)
		h.Add(name, "other")
		_, err := webhook.Verify([]byte(v.payload), h, v.secret, at(t0))
		if !errors.Is(err, webhook.ErrMalformedHeader) {
			t.Errorf("repeated %s: err = %v, want ErrMalformedHeader", name, err)
		}
	}
}

func TestTampering(t *testing.T) {
	v := vectors[0]
	sig := "v1," + v.sig
	cases := []struct {
		name            string
		payload, id, ts string
		secret          string
	}{
		{"body", `{"type":"customer.updated"}`, v.id, v.ts, v.secret},
		{"body trailing space", v.payload + " ", v.id, v.ts, v.secret},
		{"id", v.payload, "msg_2", v.ts, v.secret},
		{"timestamp", v.payload, v.id, "1700000001", v.secret},
		{"wrong secret", v.payload, v.id, v.ts, rotatedSecret},
		{"secret without prefix", v.payload, v.id, v.ts, strings.TrimPrefix(v.secret, "kq_whsec_")},
	}
	for _, c := range cases {
		_, err := webhook.Verify([]byte(c.payload), hdr(c.id, c.ts, sig), c.secret, at(t0))
		if !errors.Is(err, webhook.ErrInvalidSignature) {
			t.Errorf("%s: err = %v, want ErrInvalidSignature", c.name, err)
		}
	}
}

func TestRotation(t *testing.T) {
	v0, v2 := vectors[0], vectors[2] // same timestamp, different secrets
	payload := []byte(v0.payload)
	// Signature of vectors[0]'s message under the rotated secret.
	// printf '%s' 'msg_1.1700000000.{"type":"customer.created"}' | openssl dgst -sha256 -hmac 'kq_whsec_rotated_secret'
	const oldSig = "v1,e5f3b6d822219c590b14d65cace234e16cc7c51a49246972e106d87345848389"
	if got := "v1," + refMAC(rotatedSecret, v0.id, v0.ts, payload); got != oldSig {
		t.Fatalf("oldSig constant is stale: refMAC gives %s", got)
	}

	// Header carries the signature for the rotated secret first, then ours.
	h := hdr(v0.id, v0.ts, oldSig+" v1,"+v0.sig)
	if _, err := webhook.Verify(payload, h, testSecret, at(t0)); err != nil {
		t.Errorf("second signature valid: %v", err)
	}
	// The same header verifies under the other secret via the first entry.
	if _, err := webhook.Verify(payload, h, rotatedSecret, at(t0)); err != nil {
		t.Errorf("first signature valid: %v", err)
	}
	// Signatures split across repeated header lines are combined.
	h = hdr(v0.id, v0.ts, oldSig)
	h.Add(webhook.HeaderSignature, "v1,"+v0.sig)
	if _, err := webhook.Verify(payload, h, testSecret, at(t0)); err != nil {
		t.Errorf("signature in second header line: %v", err)
	}
	// Neither entry matches a third secret.
	h = hdr(v0.id, v0.ts, oldSig+" v1,"+v0.sig)
	if _, err := webhook.Verify(payload, h, "kq_whsec_third", at(t0)); !errors.Is(err, webhook.ErrInvalidSignature) {
		t.Errorf("third secret: err = %v, want ErrInvalidSignature", err)
	}
	// A correct signature from another message does not help.
	h = hdr(v0.id, v0.ts, "v1,"+v2.sig)
	if _, err := webhook.Verify(payload, h, rotatedSecret, at(t0)); !errors.Is(err, webhook.ErrInvalidSignature) {
		t.Errorf("signature of other message: err = %v, want ErrInvalidSignature", err)
	}
}

func TestNonV1EntriesIgnored(t *testing.T) {
	v := vectors[0]
	payload := []byte(v.payload)
	// The right digest under another version label must not be accepted.
	for _, sig := range []string{"v2," + v.sig, "v1a," + v.sig, "V1," + v.sig, "v0," + v.sig + " v2,whatever"} {
		_, err := webhook.Verify(payload, hdr(v.id, v.ts, sig), v.secret, at(t0))
		if !errors.Is(err, webhook.ErrInvalidSignature) {
			t.Errorf("%q: err = %v, want ErrInvalidSignature", sig, err)
		}
	}
	// Non-v1 entries next to a valid v1 entry are skipped, in any order and
	// with any content.
	for _, sig := range []string{
		"v2,AAAA v1," + v.sig,
		"v1," + v.sig + " v1b,!!!",
		"v1a,zz\tv1," + v.sig,
	} {
		if _, err := webhook.Verify(payload, hdr(v.id, v.ts, sig), v.secret, at(t0)); err != nil {
			t.Errorf("%q: %v", sig, err)
		}
	}
}

func TestTimestampTolerance(t *testing.T) {
	v := vectors[0]
	h := hdr(v.id, v.ts, "v1,"+v.sig)
	payload := []byte(v.payload)
	cases := []struct {
		offset time.Duration // now - timestamp
		want   error
	}{
		{0, nil},
		{299 * time.Second, nil},
		{-299 * time.Second, nil},
		{300 * time.Second, nil},
		{-300 * time.Second, nil},
		{301 * time.Second, webhook.ErrTimestampTooOld},
		{-301 * time.Second, webhook.ErrTimestampTooNew},
		{300*time.Second + time.Millisecond, webhook.ErrTimestampTooOld},
		{24 * time.Hour, webhook.ErrTimestampTooOld},
		{-24 * time.Hour, webhook.ErrTimestampTooNew},
	}
	for _, c := range cases {
		_, err := webhook.Verify(payload, h, v.secret, at(t0.Add(c.offset)))
		if c.want == nil {
			if err != nil {
				t.Errorf("offset %v: unexpected error %v", c.offset, err)
			}
			continue
		}
		if !errors.Is(err, c.want) {
			t.Errorf("offset %v: err = %v, want %v", c.offset, err, c.want)
		}
		if !errors.Is(err, webhook.ErrStaleTimestamp) {
			t.Errorf("offset %v: err = %v does not match ErrStaleTimestamp", c.offset, err)
		}
		other := webhook.ErrTimestampTooNew
		if c.want == webhook.ErrTimestampTooNew {
			other = webhook.ErrTimestampTooOld
		}
		if errors.Is(err, other) {
			t.Errorf("offset %v: err = %v also matches %v", c.offset, err, other)
		}
	}
	if errors.Is(webhook.ErrStaleTimestamp, webhook.ErrTimestampTooOld) {
		t.Error("ErrStaleTimestamp must not match the specific errors")
	}
}

func TestWithTolerance(t *testing.T) {
	v := vectors[0]
	h := hdr(v.id, v.ts, "v1,"+v.sig)
	tol := webhook.WithTolerance(10 * time.Second)
	if _, err := webhook.Verify([]byte(v.payload), h, v.secret, tol, at(t0.Add(10*time.Second))); err != nil {
		t.Errorf("10s old with 10s tolerance: %v", err)
	}
	if _, err := webhook.Verify([]byte(v.payload), h, v.secret, tol, at(t0.Add(11*time.Second))); !errors.Is(err, webhook.ErrTimestampTooOld) {
		t.Errorf("11s old with 10s tolerance: err = %v, want ErrTimestampTooOld", err)
	}
	// A larger tolerance admits what the default rejects.
	if _, err := webhook.Verify([]byte(v.payload), h, v.secret, webhook.WithTolerance(time.Hour), at(t0.Add(30*time.Minute))); err != nil {
		t.Errorf("30m old with 1h tolerance: %v", err)
	}
}

func TestInvalidOptionsAreErrors(t *testing.T) {
	v := vectors[0]
	h := hdr(v.id, v.ts, "v1,"+v.sig)
	fn := func(context.Context, webhook.Event) error { return nil }
	for name, opt := range map[string]webhook.Option{
		"WithTolerance":    webhook.WithTolerance(0),
		"WithMaxBodyBytes": webhook.WithMaxBodyBytes(-1),
		"WithNow":          webhook.WithNow(nil),
	} {
		if _, err := webhook.Verify([]byte(v.payload), h, v.secret, opt); !errors.Is(err, webhook.ErrInvalidOption) || !strings.Contains(err.Error(), name) {
			t.Errorf("Verify with bad %s: err = %v, want ErrInvalidOption naming it", name, err)
		}
		if hd, err := webhook.NewHandler(v.secret, fn, opt); hd != nil || !errors.Is(err, webhook.ErrInvalidOption) {
			t.Errorf("NewHandler with bad %s: %v, %v; want nil, ErrInvalidOption", name, hd, err)
		}
	}
	if hd, err := webhook.NewHandler("", fn); hd != nil || !errors.Is(err, webhook.ErrEmptySecret) {
		t.Errorf("NewHandler empty secret: %v, %v; want nil, ErrEmptySecret", hd, err)
	}
	if hd, err := webhook.NewHandler(testSecret, nil); hd != nil || !errors.Is(err, webhook.ErrInvalidOption) {
		t.Errorf("NewHandler nil callback: %v, %v; want nil, ErrInvalidOption", hd, err)
	}
}

func TestMalformedTimestamp(t *testing.T) {
	v := vectors[0]
	payload := []byte(v.payload)
	for _, ts := range []string{"abc", "-1700000000", "+1700000000", "1700000000.5", " 1700000000", "1700000000 ", "1.7e9", "0x6553f100", "99999999999999999999"} {
		// Sign the exact header bytes so only the syntax can be at fault.
		sig := "v1," + refMAC(v.secret, v.id, ts, payload)
		_, err := webhook.Verify(payload, hdr(v.id, ts, sig), v.secret, at(t0))
		if !errors.Is(err, webhook.ErrMalformedHeader) {
			t.Errorf("timestamp %q: err = %v, want ErrMalformedHeader", ts, err)
		}
	}
	// Leading zeros are still decimal digits; the signed bytes keep them.
	ts := "01700000000"
	sig := "v1," + refMAC(v.secret, v.id, ts, payload)
	e, err := webhook.Verify(payload, hdr(v.id, ts, sig), v.secret, at(t0))
	if err != nil || !e.Timestamp.Equal(t0) {
		t.Errorf("leading zero timestamp: %v, %v", e.Timestamp, err)
	}
}

func TestMalformedSignature(t *testing.T) {
	v := vectors[0]
	payload := []byte(v.payload)
	for _, sig := range []string{
		"v1," + strings.Repeat("z", 64), // not hex
		"v1," + v.sig[:62],              // too short
		"v1," + v.sig + "00",            // too long
		"v1,",                           // empty
		v.sig,                           // no version
		",v1",                           // empty version
		"v1;" + v.sig,                   // wrong separator
		"v1," + v.sig[:63] + "g",        // one bad digit
	} {
		_, err := webhook.Verify(payload, hdr(v.id, v.ts, sig), v.secret, at(t0))
		if !errors.Is(err, webhook.ErrMalformedHeader) {
			t.Errorf("signature %q: err = %v, want ErrMalformedHeader", sig, err)
		}
		if errors.Is(err, webhook.ErrInvalidSignature) {
			t.Errorf("signature %q: err = %v also matches ErrInvalidSignature", sig, err)
		}
	}
	// Upper-case hex is the same digest.
	if _, err := webhook.Verify(payload, hdr(v.id, v.ts, "v1,"+strings.ToUpper(v.sig)), v.secret, at(t0)); err != nil {
		t.Errorf("upper-case hex: %v", err)
	}
	// A malformed entry does not hide a valid one.
	if _, err := webhook.Verify(payload, hdr(v.id, v.ts, "v1,zz v1,"+v.sig), v.secret, at(t0)); err != nil {
		t.Errorf("malformed entry before valid one: %v", err)
	}
}

func TestMalformedPayload(t *testing.T) {
	id, ts := "msg_bad", "1700000000"
	for _, p := range []string{"", "not json", "[1,2]", "null", `"customer.created"`, "42", `{"type":`, `{"type":"a"} trailing`, `{"type":"a"}{}`} {
		sig := "v1," + refMAC(testSecret, id, ts, []byte(p))
		_, err := webhook.Verify([]byte(p), hdr(id, ts, sig), testSecret, at(t0))
		if !errors.Is(err, webhook.ErrMalformedPayload) {
			t.Errorf("payload %q: err = %v, want ErrMalformedPayload", p, err)
		}
	}
	// The same bodies with a wrong signature fail on the signature first.
	_, err := webhook.Verify([]byte("not json"), hdr(id, ts, "v1,"+vectors[0].sig), testSecret, at(t0))
	if !errors.Is(err, webhook.ErrInvalidSignature) {
		t.Errorf("bad body, bad signature: err = %v, want ErrInvalidSignature", err)
	}
}

func verifyBody(t *testing.T, payload string) webhook.Event {
	t.Helper()
	id, ts := "msg_x", "1700000000"
	sig := "v1," + refMAC(testSecret, id, ts, []byte(payload))
	e, err := webhook.Verify([]byte(payload), hdr(id, ts, sig), testSecret, at(t0))
	if err != nil {
		t.Fatalf("Verify(%s): %v", payload, err)
	}
	return e
}

// TestErrorsDoNotLeak collects errors from many failure modes and checks
// that none mentions the secret or the expected signature.
func TestErrorsDoNotLeak(t *testing.T) {
	v := vectors[0]
	payload := []byte(v.payload)
	expected := v.sig
	var errs []error
	add := func(_ webhook.Event, err error) {
		if err == nil {
			t.Fatal("expected an error")
		}
		errs = append(errs, err)
	}
	add(webhook.Verify(payload, hdr(v.id, v.ts, "v1,"+strings.Repeat("0", 64)), v.secret, at(t0)))
	add(webhook.Verify(payload, hdr(v.id, v.ts, "v2,abc"), v.secret, at(t0)))
	add(webhook.Verify(payload, hdr(v.id, v.ts, "v1,zz"), v.secret, at(t0)))
	add(webhook.Verify(payload, hdr(v.id, "x", "v1,"+v.sig), v.secret, at(t0)))
	add(webhook.Verify(payload, hdr(v.id, v.ts, "v1,"+v.sig), v.secret, at(t0.Add(time.Hour))))
	add(webhook.Verify(payload, hdr(v.id, v.ts, "v1,"+v.sig), v.secret, at(t0.Add(-time.Hour))))
	add(webhook.Verify(payload, http.Header{}, v.secret, at(t0)))
	add(webhook.Verify([]byte("nope"), hdr(v.id, v.ts, "v1,"+refMAC(v.secret, v.id, v.ts, []byte("nope"))), v.secret, at(t0)))
	add(webhook.Verify(payload, hdr(v.id, v.ts, "v1,"+v.sig), v.secret+"x", at(t0)))
	for _, err := range errs {
		msg := err.Error()
		if strings.Contains(msg, v.secret) || strings.Contains(msg, "kq_whsec_") {
			t.Errorf("error leaks the secret: %q", msg)
		}
		if strings.Contains(strings.ToLower(msg), expected) {
			t.Errorf("error leaks the expected signature: %q", msg)
		}
		if !strings.HasPrefix(msg, "webhook: ") {
			t.Errorf("error lacks package prefix: %q", msg)
		}
	}
}

// ---- Handler ----

func postReq(body string, h http.Header) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/webhooks/kelviq", strings.NewReader(body))
	for k, vs := range h {
		r.Header[k] = vs
	}
	return r
}

func TestHandlerSuccess(t *testing.T) {
	v := vectors[1]
	var got webhook.Event
	calls := 0
	type ctxKey struct{}
	h := newHandler(t, v.secret, func(ctx context.Context, e webhook.Event) error {
		calls++
		got = e
		if ctx.Value(ctxKey{}) != "marker" {
			t.Error("callback did not get the request context")
		}
		return nil
	}, at(time.Unix(1700000300, 0)))
	req := postReq(v.payload, hdr(v.id, v.ts, "v1,"+v.sig))
	req = req.WithContext(context.WithValue(req.Context(), ctxKey{}, "marker"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("status = %d (%s), want 204", rec.Code, rec.Body)
	}
	if calls != 1 {
		t.Fatalf("callback called %d times", calls)
	}
	if got.ID != v.id || got.Type != webhook.EventSubscriptionCreated || string(got.Raw) != v.payload {
		t.Errorf("callback got %+v", got)
	}
	// The vector predates the documented envelope: its data has no
	// "object" member, so the data is kept but there is no resource.
	if !json.Valid(got.Data) || got.Object != nil {
		t.Errorf("Data = %s, Object = %s", got.Data, got.Object)
	}
	if _, err := got.Subscription(); !errors.Is(err, webhook.ErrNoData) {
		t.Errorf("Subscription() err = %v, want ErrNoData", err)
	}
}

func TestHandlerRejects(t *testing.T) {
	v := vectors[0]
	calls := 0
	h := newHandler(t, v.secret, func(context.Context, webhook.Event) error {
		calls++
		return nil
	}, at(t0), webhook.WithMaxBodyBytes(64))

	cases := []struct {
		name     string
		req      *http.Request
		code     int
		contains string
	}{
		{"bad signature", postReq(v.payload, hdr(v.id, v.ts, "v1,"+strings.Repeat("ab", 32))), 400, "invalid signature"},
		{"tampered body", postReq(`{"type":"customer.deleted"}`, hdr(v.id, v.ts, "v1,"+v.sig)), 400, "invalid signature"},
		{"wrong secret", postReq(vectors[2].payload, hdr(vectors[2].id, vectors[2].ts, "v1,"+vectors[2].sig)), 400, "invalid signature"},
		{"missing id", postReq(v.payload, http.Header{"Webhook-Timestamp": {v.ts}, "Webhook-Signature": {"v1," + v.sig}}), 400, "missing header webhook-id"},
		{"malformed timestamp", postReq(v.payload, hdr(v.id, "soon", "v1,"+v.sig)), 400, "malformed"},
		{"stale", postReq(v.payload, hdr(v.id, "1690000000", "v1,"+refMAC(v.secret, v.id, "1690000000", []byte(v.payload)))), 400, "timestamp too old"},
		{"not json", postReq("[]", hdr(v.id, v.ts, "v1,"+refMAC(v.secret, v.id, v.ts, []byte("[]")))), 400, "malformed payload"},
		{"GET", httptest.NewRequest(http.MethodGet, "/", nil), 405, "method not allowed"},
		{"PUT", httptest.NewRequest(http.MethodPut, "/", strings.NewReader(v.payload)), 405, "method not allowed"},
		{"too large, known length", postReq(strings.Repeat(" ", 65), hdr(v.id, v.ts, "v1,"+v.sig)), 413, "too large"},
	}
	// Too large with unknown length (chunked): exercises the MaxBytesReader.
	chunked := postReq("", hdr(v.id, v.ts, "v1,"+v.sig))
	chunked.Body = io.NopCloser(io.MultiReader(strings.NewReader(strings.Repeat(" ", 40)), strings.NewReader(strings.Repeat(" ", 40))))
	chunked.ContentLength = -1
	cases = append(cases, struct {
		name     string
		req      *http.Request
		code     int
		contains string
	}{"too large, unknown length", chunked, 413, "too large"})

	for _, c := range cases {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, c.req)
		if rec.Code != c.code {
			t.Errorf("%s: status = %d (%q), want %d", c.name, rec.Code, rec.Body, c.code)
		}
		body := rec.Body.String()
		if !strings.Contains(body, c.contains) {
			t.Errorf("%s: body %q does not contain %q", c.name, body, c.contains)
		}
		if strings.Contains(body, v.secret) || strings.Contains(body, "kq_whsec_") || strings.Contains(body, v.sig) {
			t.Errorf("%s: body leaks secret or signature: %q", c.name, body)
		}
		if c.code == 405 && rec.Header().Get("Allow") != http.MethodPost {
			t.Errorf("%s: Allow = %q", c.name, rec.Header().Get("Allow"))
		}
	}
	if calls != 0 {
		t.Errorf("callback called %d times for rejected requests", calls)
	}

	// A declared Content-Length over the limit is refused without reading.
	req := postReq("", hdr(v.id, v.ts, "v1,"+v.sig))
	req.Body = io.NopCloser(readerFunc(func([]byte) (int, error) {
		t.Error("body read despite Content-Length over the limit")
		return 0, io.EOF
	}))
	req.ContentLength = 65
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("declared length over limit: status %d, want 413", rec.Code)
	}

	// A body exactly at the limit is accepted.
	body := v.payload + strings.Repeat(" ", 64-len(v.payload))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, postReq(body, hdr(v.id, v.ts, "v1,"+refMAC(v.secret, v.id, v.ts, []byte(body)))))
	if rec.Code != http.StatusNoContent || calls != 1 {
		t.Errorf("body at limit: status %d, calls %d", rec.Code, calls)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func TestHandlerDefaultLimit(t *testing.T) {
	v := vectors[0]
	h := newHandler(t, v.secret, func(context.Context, webhook.Event) error { return nil }, at(t0))
	big := `{"type":"customer.created","pad":"` + strings.Repeat("a", 1<<20) + `"}`
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, postReq(big, hdr(v.id, v.ts, "v1,"+refMAC(v.secret, v.id, v.ts, []byte(big)))))
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("body over 1 MiB: status %d, want 413", rec.Code)
	}
	// Just under 1 MiB passes.
	ok := `{"type":"customer.created","pad":"` + strings.Repeat("a", 1<<20-40) + `"}`
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, postReq(ok, hdr(v.id, v.ts, "v1,"+refMAC(v.secret, v.id, v.ts, []byte(ok)))))
	if rec.Code != http.StatusNoContent {
		t.Errorf("body under 1 MiB: status %d (%s), want 204", rec.Code, rec.Body)
	}
}

func TestHandlerCallbackError(t *testing.T) {
	v := vectors[0]
	h := newHandler(t, v.secret, func(context.Context, webhook.Event) error {
		return errors.New("database is down: dsn=postgres://user:pw@db")
	}, at(t0))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, postReq(v.payload, hdr(v.id, v.ts, "v1,"+v.sig)))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500", rec.Code)
	}
	if strings.Contains(rec.Body.String(), "database") {
		t.Errorf("callback error text sent to client: %q", rec.Body)
	}
}

func TestHandlerConcurrent(t *testing.T) {
	v := vectors[0]
	var mu sync.Mutex
	seen := map[string]int{}
	h := newHandler(t, v.secret, func(_ context.Context, e webhook.Event) error {
		mu.Lock()
		seen[e.ID]++
		mu.Unlock()
		return nil
	}, at(t0))
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := "msg_" + strconv.Itoa(i)
			sig := "v1," + refMAC(v.secret, id, v.ts, []byte(v.payload))
			if i%2 == 1 {
				sig = "v1," + v.sig // valid only for msg_1
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, postReq(v.payload, hdr(id, v.ts, sig)))
			want := http.StatusNoContent
			if i%2 == 1 && id != "msg_1" {
				want = http.StatusBadRequest
			}
			if rec.Code != want {
				t.Errorf("%s: status %d, want %d", id, rec.Code, want)
			}
		}()
	}
	wg.Wait()
	// Even ids plus msg_1 are accepted exactly once each.
	if len(seen) != 17 || seen["msg_1"] != 1 || seen["msg_0"] != 1 || seen["msg_3"] != 0 {
		t.Errorf("seen = %v", seen)
	}
}

// ---- Fuzzing ----

// isJSONObject is the fuzz oracle for ErrMalformedPayload.
func isJSONObject(b []byte) bool {
	var m map[string]json.RawMessage
	t := bytes.TrimLeft(b, " \t\r\n")
	return len(t) > 0 && t[0] == '{' && json.Unmarshal(b, &m) == nil
}

// FuzzVerify checks that Verify never panics and never accepts a delivery
// unless one of the v1 entries in the signature header equals the HMAC of
// the signed bytes under the secret (recomputed here independently). With
// mode 1 a genuine signature is appended, so the accepting path is fuzzed
// too and must succeed exactly when the rest of the input is well formed.
// With mode 2 a signature under a different secret is appended, which must
// not help.
func FuzzVerify(f *testing.F) {
	for _, v := range vectors {
		f.Add([]byte(v.payload), v.id, v.ts, "v1,"+v.sig, v.secret, uint8(0))
		f.Add([]byte(v.payload), v.id, v.ts, "v1,"+v.sig, v.secret+"x", uint8(0))
		f.Add([]byte(v.payload), v.id, v.ts, "v2,"+v.sig, v.secret, uint8(1))
	}
	f.Add([]byte(`{"type":"order.created","data":{"amount":1}}`), "msg_9", "1700000123", "", testSecret, uint8(1))
	f.Add([]byte(`[]`), "m", "1700000000", "v1,zz", testSecret, uint8(1))
	f.Add([]byte(`{}`), "m", "1700000000", "", "k", uint8(2))
	f.Add([]byte(`{"event":"x"}`), "", "", "", "", uint8(1))

	now := t0
	f.Fuzz(func(t *testing.T, payload []byte, id, ts, sig, secret string, mode uint8) {
		mode %= 3
		want := refMAC(secret, id, ts, payload)
		switch mode {
		case 1:
			sig += " v1," + want
		case 2:
			sig += " v1," + refMAC(secret+"\x00other", id, ts, payload)
		}
		h := http.Header{}
		h[http.CanonicalHeaderKey(webhook.HeaderID)] = []string{id}
		h[http.CanonicalHeaderKey(webhook.HeaderTimestamp)] = []string{ts}
		h[http.CanonicalHeaderKey(webhook.HeaderSignature)] = []string{sig}

		e, err := webhook.Verify(payload, h, secret, at(now))

		if err != nil {
			msg := err.Error()
			if strings.Contains(msg, want) {
				t.Fatalf("error leaks the expected signature: %q", msg)
			}
			if strings.HasPrefix(secret, "kq_whsec_") && strings.Contains(msg, secret) {
				t.Fatalf("error leaks the secret: %q", msg)
			}
		} else {
			// Property: accepted only if some v1 entry is the real HMAC.
			matched := false
			for _, entry := range strings.Fields(sig) {
				if hexSig, ok := strings.CutPrefix(entry, "v1,"); ok && strings.EqualFold(hexSig, want) {
					matched = true
				}
			}
			if !matched {
				t.Fatalf("accepted a signature not produced with the secret: sig=%q", sig)
			}
			if secret == "" || e.ID != id || e.Timestamp.Unix() != mustAtoi(t, ts) || !bytes.Equal(e.Raw, payload) {
				t.Fatalf("accepted event does not reflect input: %+v", e)
			}
			if !isJSONObject(payload) {
				t.Fatalf("accepted a body that is not a JSON object: %q", payload)
			}
		}

		// With a genuine signature appended, the outcome is fully predictable.
		if mode == 1 {
			tsOK := ts != "" && strings.Trim(ts, "0123456789") == ""
			var sec int64
			if tsOK {
				var perr error
				sec, perr = strconv.ParseInt(ts, 10, 64)
				tsOK = perr == nil
			}
			age := now.Sub(time.Unix(sec, 0))
			switch {
			case secret == "":
				if !errors.Is(err, webhook.ErrEmptySecret) {
					t.Fatalf("empty secret: err = %v", err)
				}
			case id == "":
				if !errors.Is(err, webhook.ErrMissingHeader) {
					t.Fatalf("empty id: err = %v", err)
				}
			case !tsOK:
				if !errors.Is(err, webhook.ErrMissingHeader) && !errors.Is(err, webhook.ErrMalformedHeader) {
					t.Fatalf("bad timestamp %q: err = %v", ts, err)
				}
			case age > webhook.DefaultTolerance:
				if !errors.Is(err, webhook.ErrTimestampTooOld) {
					t.Fatalf("old timestamp %q: err = %v", ts, err)
				}
			case age < -webhook.DefaultTolerance:
				if !errors.Is(err, webhook.ErrTimestampTooNew) {
					t.Fatalf("future timestamp %q: err = %v", ts, err)
				}
			case !isJSONObject(payload):
				if !errors.Is(err, webhook.ErrMalformedPayload) {
					t.Fatalf("non-object body %q: err = %v", payload, err)
				}
			default:
				if err != nil {
					t.Fatalf("genuine delivery rejected: %v", err)
				}
			}
		}
	})
}

func mustAtoi(t *testing.T, s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("accepted timestamp %q does not parse: %v", s, err)
	}
	return n
}

// newHandler is webhook.NewHandler for valid arguments.
func newHandler(t *testing.T, secret string, fn func(context.Context, webhook.Event) error, opts ...webhook.Option) *webhook.Handler {
	t.Helper()
	h, err := webhook.NewHandler(secret, fn, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
