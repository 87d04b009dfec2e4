package kelviqtest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/kelviq/kelviq-go/kelviqtest"
)

// door is one of the fake's three ways in: the reference's operations, the
// endpoints kelviq's SDKs call beyond it, and the fake's own controls.
type door struct {
	name string
	// method and url of a request the door serves; body is a valid body
	// for it.
	method, url string
	body        string
	// credential is the header that authenticates a request to the door,
	// and which header it is.
	credential http.Header
	keyHeader  string
	// wrongKey is the refusal of a wrong credential.
	wrongKey string
	// longMethod and longPath: a request whose path is over the fake's
	// path limit but would otherwise reach the door.
	longMethod, longPath string
}

// TestEveryDoorSharesItsGuards: the body limit (WithMaxBodyBytes), the
// checks of a JSON body, the path limit and the credential's two refusals
// (none given, a wrong one) are one mechanism, so each door answers the same
// bad request with the same status and message.
func TestEveryDoorSharesItsGuards(t *testing.T) {
	t.Parallel()
	const limit = 512
	srv, org, _ := setup(t, "doors", kelviqtest.WithMaxBodyBytes(limit))
	root := strings.TrimSuffix(srv.URL(), kelviqtest.BasePath)
	long := strings.Repeat("x", 9<<10)
	doors := []door{
		{name: "reference operation", method: "POST", url: srv.URL() + "/customers/", body: `{"customerId": "cus_door"}`,
			credential: http.Header{"Authorization": {"Bearer " + org.ServerKey.Reveal()}}, keyHeader: "Authorization", wrongKey: "Invalid token.",
			longMethod: "GET", longPath: srv.URL() + "/customers/" + long + "/"},
		{name: "beyond the reference", method: "POST", url: srv.URL() + "/report/event/",
			body:       `{"customerId": "cus_door", "eventName": "e", "idempotencyKey": "k1", "timestamp": "2026-01-02 03:04:05.000000"}`,
			credential: http.Header{"Authorization": {"Bearer " + org.ServerKey.Reveal()}}, keyHeader: "Authorization", wrongKey: "Invalid token.",
			longMethod: "GET", longPath: srv.URL() + "/customers/" + long + "/"}, // GET /customers/{id}/ is beyond the reference
		{name: "the fake's controls", method: "POST", url: root + kelviqtest.TriggerPath, body: `{"type": "customer.created"}`,
			credential: http.Header{"X-Kelviq-Partner-Key": {srv.PartnerKey()}}, keyHeader: "X-Kelviq-Partner-Key", wrongKey: "Invalid partner key.",
			longMethod: "GET", longPath: root + "/_kelviqtest/checkout/" + long},
	}
	send := func(t *testing.T, method, rawURL string, header http.Header, body []byte) (int, string) {
		t.Helper()
		h := http.Header{"Content-Type": {"application/json"}}
		for k, v := range header {
			h[k] = v
		}
		status, _, got := rawDo(t, method, rawURL, h, body)
		var msg struct {
			Detail string `json:"detail"`
		}
		_ = json.Unmarshal(got, &msg)
		return status, msg.Detail
	}
	for _, d := range doors {
		t.Run(d.name, func(t *testing.T) {
			if status, _ := send(t, d.method, d.url, d.credential, []byte(d.body)); status/100 != 2 {
				t.Fatalf("the valid request = %d, want 2xx", status)
			}
			wrong := http.Header{}
			if d.keyHeader == "Authorization" {
				wrong.Set("Authorization", "Bearer kvqs_not_a_key")
			} else {
				wrong.Set(d.keyHeader, "kvqp_not_the_key")
			}
			padded := `{"pad": "` + strings.Repeat("p", limit) + `", ` + d.body[1:]
			for _, c := range []struct {
				name       string
				header     http.Header
				method     string
				url        string
				body       []byte
				wantStatus int
				wantDetail string
			}{
				{"no credential", nil, d.method, d.url, []byte(d.body), http.StatusUnauthorized, "Authentication credentials were not provided."},
				{"a wrong credential", wrong, d.method, d.url, []byte(d.body), http.StatusUnauthorized, d.wrongKey},
				{"a body over the limit", d.credential, d.method, d.url, []byte(padded), http.StatusRequestEntityTooLarge, "Request body is too large (the limit is 512 bytes)."},
				{"a body nested too deep", d.credential, d.method, d.url, nested(100, "[", "]"), http.StatusBadRequest, "JSON parse error - the body nests more than 64 levels deep."},
				{"a body not in UTF-8", d.credential, d.method, d.url, []byte("{\"customerId\": \"\xff\"}"), http.StatusBadRequest, "JSON parse error - the body is not valid UTF-8."},
				{"a path over the limit", d.credential, d.longMethod, d.longPath, []byte(d.body), http.StatusRequestURITooLong, "Request path is too long (the limit is 8192 bytes)."},
			} {
				status, detail := send(t, c.method, c.url, c.header, c.body)
				if status != c.wantStatus || detail != c.wantDetail {
					t.Errorf("%s: %d %q, want %d %q", c.name, status, detail, c.wantStatus, c.wantDetail)
				}
			}
		})
	}

}
