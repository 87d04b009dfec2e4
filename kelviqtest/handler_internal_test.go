package kelviqtest

import (
	"maps"
	"strings"
	"testing"
)

// TestOperationHandlersMatchSpec: every operation of openapi.json gets its
// generated binding code, and an operation without one, or binding code
// for no operation, is an error naming it.
func TestOperationHandlersMatchSpec(t *testing.T) {
	spec, err := sharedSpec()
	if err != nil {
		t.Fatal(err)
	}
	f := &fake{}
	got, err := operationHandlers(spec, f)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(spec.ops) {
		t.Errorf("%d handlers for %d operations", len(got), len(spec.ops))
	}
	for id := range spec.ops {
		if got[id] == nil {
			t.Errorf("operation %s has no handler", id)
		}
	}

	extra := *spec
	extra.ops = maps.Clone(spec.ops)
	extra.ops["madeUpOperation"] = &opInfo{id: "madeUpOperation", method: "GET", path: "/made/up/"}
	if _, err := operationHandlers(&extra, f); err == nil || !strings.Contains(err.Error(), "madeUpOperation") {
		t.Errorf("an operation without generated code: err = %v, want one naming madeUpOperation", err)
	}

	missing := *spec
	missing.ops = maps.Clone(spec.ops)
	var dropped *opInfo
	for id, info := range missing.ops {
		dropped = info
		delete(missing.ops, id)
		break
	}
	if _, err := operationHandlers(&missing, f); err == nil || !strings.Contains(err.Error(), dropped.path) {
		t.Errorf("generated code for no operation (%s dropped): err = %v, want one naming %s", dropped.id, err, dropped.path)
	}
}
