package wrapper_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/kelviq/kelviq-go/wrapper"
)

func TestOperationsMatchSpec(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Security []map[string][]string                 `json:"security"`
		Paths    map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if len(doc.Security) != 1 || len(doc.Security[0]) != 1 || doc.Security[0]["bearerAuth"] == nil {
		t.Fatalf("global security = %v, want [{bearerAuth: []}]", doc.Security)
	}
	type specOp struct {
		ID         string
		Method     string
		Path       string
		Auth       wrapper.Auth
		OwnServers bool
	}
	methods := []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}
	var want []specOp
	for path, item := range doc.Paths {
		pathEdge := false
		if s, ok := item["servers"]; ok {
			var servers []any
			pathEdge = json.Unmarshal(s, &servers) == nil && len(servers) > 0
		}
		for _, m := range methods {
			body, ok := item[m]
			if !ok {
				continue
			}
			var op struct {
				OperationID string                 `json:"operationId"`
				Security    *[]map[string][]string `json:"security"`
				Servers     []any                  `json:"servers"`
			}
			if err := json.Unmarshal(body, &op); err != nil {
				t.Fatalf("%s %s: %v", m, path, err)
			}
			auth := wrapper.AuthServerKey
			if op.Security != nil {
				sec := *op.Security
				switch {
				case len(sec) == 0:
					auth = wrapper.AuthNone
				case len(sec) == 1 && len(sec[0]) == 1 && sec[0]["partnerKeyAuth"] != nil && len(sec[0]["partnerKeyAuth"]) == 0:
					auth = wrapper.AuthPartnerKey
				case len(sec) == 1 && len(sec[0]) == 1 && sec[0]["bearerAuth"] != nil:
					auth = wrapper.AuthServerKey
				default:
					t.Errorf("%s: unexpected security %v", op.OperationID, sec)
				}
			}
			want = append(want, specOp{op.OperationID, strings.ToUpper(m), path, auth, pathEdge || len(op.Servers) > 0})
		}
	}
	if len(want) == 0 {
		t.Error("read no operations from openapi.json")
	}
	ops := wrapper.Operations()
	if len(ops) != len(want) {
		t.Errorf("wrapper.Operations() has %d operations, spec has %d", len(ops), len(want))
	}
	byID := map[string]wrapper.Operation{}
	for _, op := range ops {
		if _, dup := byID[op.ID()]; dup {
			t.Errorf("operation %s listed twice", op.ID())
		}
		byID[op.ID()] = op
	}
	counts := map[wrapper.Auth]int{}
	for _, w := range want {
		op, ok := byID[w.ID]
		if !ok {
			t.Errorf("spec operation %s (%s %s) missing from wrapper.Operations()", w.ID, w.Method, w.Path)
			continue
		}
		delete(byID, w.ID)
		if op.Method() != w.Method || op.Path() != w.Path {
			t.Errorf("%s: wrapper has %s %s, spec has %s %s", w.ID, op.Method(), op.Path(), w.Method, w.Path)
		}
		if got := op.Auth(); got != w.Auth {
			t.Errorf("%s: Auth() = %v, spec says %v", w.ID, got, w.Auth)
		}
		if op.OwnServers() != w.OwnServers {
			t.Errorf("%s: OwnServers() = %v, spec says %v", w.ID, op.OwnServers(), w.OwnServers)
		}
		if lo, ok := wrapper.LookupOperation(w.ID); !ok || lo.Path() != w.Path {
			t.Errorf("LookupOperation(%s) = %+v, %v", w.ID, lo, ok)
		}
		counts[w.Auth]++
	}
	for id := range byID {
		t.Errorf("wrapper operation %s is not in openapi.json", id)
	}
	if counts[wrapper.AuthPartnerKey] != 4 || counts[wrapper.AuthNone] != 1 {
		t.Errorf("auth counts = %v, want 4 partner-key operations and 1 without credential", counts)
	}
	// Operations returns a copy.
	ops[0] = wrapper.Operation(0)
	if !wrapper.Operations()[0].Valid() {
		t.Error("Operations() exposes the client's own table")
	}
}
