package api

import (
	"slices"
	"testing"
)

// The zero Operation is no operation: not valid, with empty facts, and no
// lookup gives it.
func TestZeroOperation(t *testing.T) {
	var o Operation
	if o.Valid() || o.ID() != "" || o.Method() != "" || o.Path() != "" || o.Params() != nil || o.OwnServers() || o.Declares(200) {
		t.Errorf("zero Operation has facts: valid %v, %q %q %q", o.Valid(), o.ID(), o.Method(), o.Path())
	}
	if o := Operation(numOps + 1); o.Valid() || o.ID() != "" {
		t.Errorf("Operation(numOps+1) = %q, valid %v", o.ID(), o.Valid())
	}
	if o, ok := LookupOperation(""); ok || o.Valid() {
		t.Errorf(`LookupOperation("") = %d, %v`, o, ok)
	}
}

// Every constant is what the lookup by its operationId returns, and the facts read through the
// methods are those of the table entry at its index.
func TestOperationFacts(t *testing.T) {
	ops := Operations()
	if len(ops) != numOps {
		t.Fatalf("%d operations, want %d", len(ops), numOps)
	}
	for i, o := range ops {
		f := &operations[i]
		if got, ok := LookupOperation(f.id); !ok || got != o {
			t.Errorf("LookupOperation(%q) = %d, %v; want %d", f.id, got, ok, o)
		}
		if o.String() != f.id || o.Method() != f.method || o.Path() != f.path || o.Summary() != f.summary ||
			o.HasBody() != f.hasBody || o.BodyRequired() != f.bodyRequired || o.Auth() != f.auth ||
			o.CredentialHeader() != f.credentialHeader || o.OwnServers() != (len(f.servers) > 0) ||
			!slices.Equal(o.Tags(), f.tags) || !slices.Equal(o.Security(), f.security) || !slices.Equal(o.Servers(), f.servers) ||
			!slices.Equal(o.Params(), f.params) || !slices.Equal(o.SuccessCodes(), f.successCodes) {
			t.Errorf("%s: the methods disagree with the table", f.id)
		}
	}
	if o := OperationListCustomers; o.ID() != "listCustomers" || o.Method() != "GET" || !o.Paginated() || o.MaxPageSize() < 1 {
		t.Errorf("listCustomers: %q %q paginated %v max %d", o.ID(), o.Method(), o.Paginated(), o.MaxPageSize())
	}
	if o := OperationCreateCustomer; o.Paginated() || !o.HasBody() || !o.Declares(o.SuccessCodes()[0]) || o.Declares(299) {
		t.Errorf("createCustomer: paginated %v, body %v, success %v", o.Paginated(), o.HasBody(), o.SuccessCodes())
	}
}

// The slices the methods return are copies: changing one changes nothing
// in the table.
func TestOperationSlicesAreCopies(t *testing.T) {
	o := OperationListCustomers
	tags, sec, params, codes := o.Tags(), o.Security(), o.Params(), o.SuccessCodes()
	if len(tags) == 0 || len(sec) == 0 || len(params) == 0 || len(codes) == 0 {
		t.Fatalf("listCustomers lacks tags, security, params or success codes")
	}
	tags[0], sec[0].Name, params[0].Name, codes[0] = "changed", "changed", "changed", 0
	if o.Tags()[0] == "changed" || o.Security()[0].Name == "changed" || o.Params()[0].Name == "changed" || o.SuccessCodes()[0] == 0 {
		t.Error("changing a returned slice changed the table")
	}
	edge := OperationGetCustomerEntitlements
	servers := edge.Servers()
	if !edge.OwnServers() || len(servers) == 0 {
		t.Fatalf("getCustomerEntitlements has no servers of its own: %v", servers)
	}
	servers[0] = "changed"
	if edge.Servers()[0] == "changed" {
		t.Error("changing Servers' slice changed the table")
	}
}
