// Package speccheck holds the spec-check test: it compares the facts of the
// project's openapi.json (paths, operations, parameters, schemas, security…)
// with the public kelviq reference, ignoring prose keys, and makes sure none of
// the reference's prose or example values were copied into our contract.
//
// The package has no runtime code; run it with `go test ./internal/speccheck/`.
package speccheck
