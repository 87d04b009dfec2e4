package main

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"
)

func repoConfig(t *testing.T) config {
	t.Helper()
	t.Chdir("../../..")
	return config{Spec: "openapi.json", API: "api/api.gen.go", APIImport: "github.com/kelviq/kelviq-go/api", Package: "wrapper", Internal: "github.com/kelviq/kelviq-go/internal"}
}

// The committed wrapper/services.gen.go is what the generator makes of the
// committed spec and generated client.
func TestGeneratedFileUpToDate(t *testing.T) {
	cfg := repoConfig(t)
	got, err := generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("wrapper/services.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("wrapper/services.gen.go is stale: run go generate ./...")
	}
	again, err := generate(cfg)
	if err != nil || !bytes.Equal(got, again) {
		t.Fatal("generate is not deterministic")
	}
}

func TestTableMustCoverTheSpec(t *testing.T) {
	cfg := repoConfig(t)
	saved := slices.Clone(services)
	t.Cleanup(func() { services = saved })

	// Drop one operation's method.
	services = slices.Clone(saved)
	i := slices.IndexFunc(services, func(s service) bool { return s.Path == "Orders" })
	orders := services[i]
	orders.Methods = slices.DeleteFunc(slices.Clone(orders.Methods), func(m method) bool { return m.OperationID == "retrieveOrder" })
	services[i] = orders
	if _, err := generate(cfg); err == nil || !strings.Contains(err.Error(), "retrieveOrder") {
		t.Errorf("missing method: err = %v", err)
	}

	// Name an operation the spec does not have.
	services = slices.Clone(saved)
	orders = services[i]
	orders.Methods = append(slices.Clone(orders.Methods), method{"listOrderRefunds", "ListRefunds"})
	services[i] = orders
	if _, err := generate(cfg); err == nil || !strings.Contains(err.Error(), "listOrderRefunds") {
		t.Errorf("unknown operation: err = %v", err)
	}

	// Two methods with the same name.
	services = slices.Clone(saved)
	orders = services[i]
	orders.Methods = slices.Clone(orders.Methods)
	orders.Methods[1].Name = orders.Methods[0].Name
	services[i] = orders
	if _, err := generate(cfg); err == nil || !strings.Contains(err.Error(), "two methods") {
		t.Errorf("duplicate name: err = %v", err)
	}
}

func TestArgName(t *testing.T) {
	for _, tc := range []struct{ spec, path, want string }{
		{"customerId", "/customers/{customerId}/", "customerID"},
		{"session_id", "/checkout/sessions/{session_id}/", "sessionID"},
		{"product_pk", "/catalog/products/{product_pk}/image/{pk}/", "productID"},
		{"pk", "/catalog/products/{product_pk}/image/{pk}/", "imageID"},
		{"pk", "/catalog/products/{pk}/", "productID"},
		{"pk", "/catalog/plans/{identifier}/file/{pk}/", "fileID"},
		{"id", "/orders/{id}/events/", "orderID"},
		{"identifier", "/catalog/plans/{identifier}/", "identifier"},
		{"feature_id", "/catalog/plans/{identifier}/features/{feature_id}/", "featureID"},
		{"ip_address", "", "ipAddress"},
		{"successUrl", "", "successURL"},
	} {
		if got := argName(tc.spec, tc.path); got != tc.want {
			t.Errorf("argName(%q, %q) = %q, want %q", tc.spec, tc.path, got, tc.want)
		}
	}
}
