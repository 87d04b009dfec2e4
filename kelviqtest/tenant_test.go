package kelviqtest_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/kelviqtest"
)

// scenarioByOperation routes every request step of scenario() to its
// operation, so that the tenant tests can be driven by the operation table.
func scenarioByOperation(t *testing.T, chk *checker) map[string][]step {
	t.Helper()
	out := map[string][]step{}
	for _, sp := range scenario() {
		if sp.method == "" {
			continue
		}
		req, err := http.NewRequest(sp.method, kelviqtest.BasePath+sp.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		route, _, err := chk.router.FindRoute(req)
		if err != nil {
			t.Fatalf("%s %s: %v", sp.method, sp.path, err)
		}
		out[route.Operation.OperationID] = append(out[route.Operation.OperationID], sp)
	}
	return out
}

// snapshot reads, with org A's key, everything the scenario's reads
// return: the responses must not change when other organizations act.
func snapshot(t *testing.T, srv *kelviqtest.Server, byOp map[string][]step, vars map[string]string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, op := range api.Operations() {
		if op.Method() != http.MethodGet || op.Auth() != api.AuthServerKey {
			continue
		}
		for _, sp := range byOp[op.ID()] {
			ex := send(t, srv, sp, referenceStyle, vars)
			out[op.ID()+" "+ex.refURL] = http.StatusText(ex.status) + " " + string(ex.body)
		}
	}
	return out
}

// TestTenantIsolation provisions organization A and runs the whole
// scenario for it, then sends, for every one of the spec's operations
// (from the generated operation table), the scenario's requests for A
// with the server key of a fresh organization B: every request that names
// one of A's objects in its path is 404, one that names A's objects in
// its query or body is a 4xx, no response carries any of A's identifiers,
// and A's state, read back through every read operation, is unchanged.
// Partner keys of another fake are refused, and another fake's partner
// sees none of this fake's organizations.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	chk := newChecker(t)
	srv := kelviqtest.NewServer(t)
	varsA := map[string]string{}
	runScenario(t, srv, scenario(), referenceStyle, varsA)
	byOp := scenarioByOperation(t, chk)
	before := snapshot(t, srv, byOp, varsA)

	// A's own values: the identifiers the scenario saved and the names it
	// gave objects, which B's responses must never carry.
	var secretsA []string
	for name, v := range varsA {
		switch name {
		case "ext", "checkoutUrl": // the partner's own name; a link that embeds the session id
			continue
		}
		secretsA = append(secretsA, v)
	}

	other := kelviqtest.NewServer(t)
	ops := api.Operations()
	for _, op := range ops {
		steps := byOp[op.ID()]
		if len(steps) == 0 {
			t.Errorf("%s: the scenario has no request for it, so its isolation is untested", op.ID())
			continue
		}
		for i, sp := range steps {
			b, err := srv.ProvisionOrganization("tenant-b-"+op.ID()+"-"+strings.Repeat("x", i), "b-"+strings.ToLower(op.ID())+strings.Repeat("x", i)+"@tenant.example")
			if err != nil {
				t.Fatal(err)
			}
			varsB := copyVars(varsA)
			varsB["key"] = b.ServerKey.Reveal()
			ex := send(t, srv, sp, referenceStyle, varsB)
			where := op.ID() + " " + ex.method + " " + ex.refURL

			switch op.Auth() {
			case api.AuthPartnerKey:
				// B's server key is no partner key; another fake's partner
				// key is not this fake's.
				if ex.status != http.StatusOK && ex.status != http.StatusCreated && ex.status != http.StatusBadRequest && ex.status != http.StatusConflict {
					t.Errorf("%s with this fake's partner key = %d: %s", where, ex.status, ex.body)
				}
				partnerRequestWithKey(t, srv, sp, varsA, other.PartnerKey(), where)
				continue
			case api.AuthNone:
				// downloadCatalogPlanFile takes no credential at all: its
				// link is the capability, as the real API's signed link is.
				continue
			}

			namesA := mentionsA(sp)
			hasPath := slices.ContainsFunc(op.Params(), func(p api.Param) bool { return p.In == "path" })
			switch {
			case ex.status >= 500:
				t.Errorf("%s with B's key = %d: %s", where, ex.status, ex.body)
			case hasPath && ex.status != http.StatusNotFound:
				t.Errorf("%s names A's objects in its path: with B's key = %d, want 404: %s", where, ex.status, ex.body)
			case namesA && ex.status < 400:
				t.Errorf("%s names A's objects: with B's key = %d, want a 4xx: %s", where, ex.status, ex.body)
			case ex.status == http.StatusOK && op.Method() == http.MethodGet && !hasPath && strings.Contains(string(ex.body), `"results"`) &&
				!strings.Contains(string(ex.body), `"results":[]`):
				t.Errorf("%s: a fresh organization's list is not empty: %s", where, ex.body)
			}
			if ex.status < 300 {
				for _, v := range secretsA {
					if strings.Contains(string(ex.body), v) {
						t.Errorf("%s with B's key got %d with A's value %q: %s", where, ex.status, v, ex.body)
					}
				}
			}
		}
	}

	after := snapshot(t, srv, byOp, varsA)
	if len(after) != len(before) {
		t.Fatalf("A's reads: %d before, %d after", len(before), len(after))
	}
	for k, v := range before {
		if after[k] != v {
			t.Errorf("A's state changed by B's requests: %s\nbefore: %s\nafter:  %s", k, v, after[k])
		}
	}

	// Another fake's partner sees none of this fake's organizations.
	code, _, body := rawDo(t, "GET", other.URL()+"/partner/organizations/"+varsA["org"]+"/", http.Header{"X-Kelviq-Partner-Key": {other.PartnerKey()}}, nil)
	if code != http.StatusNotFound {
		t.Errorf("A's organization through another partner = %d: %s", code, body)
	}
	code, _, body = rawDo(t, "GET", other.URL()+"/partner/organizations/", http.Header{"X-Kelviq-Partner-Key": {other.PartnerKey()}}, nil)
	if code != http.StatusOK || strings.Contains(string(body), varsA["org"]) || !strings.Contains(string(body), `"count":0`) {
		t.Errorf("another partner's list = %d: %s", code, body)
	}
}

// partnerRequestWithKey sends a partner operation's step with a foreign
// partner key and with a server key: both are 401, and nothing of A leaks.
func partnerRequestWithKey(t *testing.T, srv *kelviqtest.Server, sp step, vars map[string]string, key, where string) {
	t.Helper()
	for _, h := range []http.Header{
		{"X-Kelviq-Partner-Key": {key}},
		{"Authorization": {"Bearer " + vars["key"]}},
	} {
		u := srv.URL() + expand(sp.path, vars)
		if len(sp.query) > 0 {
			q := url.Values{}
			for k, v := range sp.query {
				q.Set(k, expand(v, vars))
			}
			u += "?" + q.Encode()
		}
		var body []byte
		if sp.body != nil {
			body = []byte(`{"externalId":"intruder","email":"intruder@tenant.example"}`)
			h.Set("Content-Type", "application/json")
		}
		code, _, got := rawDo(t, sp.method, u, h, body)
		if code != http.StatusUnauthorized {
			t.Errorf("%s with a foreign credential %v = %d, want 401: %s", where, headerNames(h), code, got)
		}
	}
}

// mentionsA reports whether a step's path, query or body uses one of the
// identifiers the fake generated for A's objects (UUIDs, file and license
// keys: names no other organization can have). Names A chose (cus_ada,
// pro) are another organization's to use too: for those the leak check
// and A's snapshot decide.
func mentionsA(sp step) bool {
	text := sp.path
	for _, v := range sp.query {
		text += " " + v
	}
	if sp.body != nil {
		text += " " + strings.Join(bodyStrings(sp.body), " ")
	}
	for _, m := range varRE.FindAllStringSubmatch(text, -1) {
		if m[1] != "key" {
			return true
		}
	}
	return false
}

// bodyStrings lists a body's string values, quoted.
func bodyStrings(v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for _, val := range x {
			out = append(out, bodyStrings(val)...)
		}
	case []map[string]any:
		for _, val := range x {
			out = append(out, bodyStrings(val)...)
		}
	case []any:
		for _, val := range x {
			out = append(out, bodyStrings(val)...)
		}
	case []string:
		for _, val := range x {
			out = append(out, `"`+val+`"`)
		}
	case string:
		out = append(out, `"`+x+`"`)
	}
	return out
}

func copyVars(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func headerNames(h http.Header) []string {
	var out []string
	for k := range h {
		if k != "Content-Type" {
			out = append(out, k)
		}
	}
	return out
}
