// Package kelviq is the Go client for the kelviq API.
//
// The module has three layers:
//
//   - openapi.json, the API contract, is the single source of truth.
//   - api/ is generated from it by oapi-codegen v2 (see oapi-codegen.yaml):
//     typed models, a ClientWithResponses and a server interface. It is never
//     edited by hand; run `go generate ./...` (or `make generate`) instead.
//   - wrapper/ is the small hand-written layer most programs use: options and
//     environments, the per-operation credential hook, typed errors, input
//     validation before any network call, and helpers for the common flows.
//
// The generator is pinned in tools/go.mod, a separate module, so that it never
// becomes a dependency of programs that import this library.
package kelviq

import _ "embed"

// spec is openapi.json, embedded so that tools built on this module (the CLI,
// the in-memory fake) work from the same contract as the generated code.
//
//go:embed openapi.json
var spec []byte

// OpenAPISpec returns a copy of the openapi.json this module was generated from.
func OpenAPISpec() []byte { return append([]byte(nil), spec...) }

//go:generate go run ./internal/cmd/genops -spec openapi.json -out api/operations.gen.go -overlay oapi-codegen.overlay.yaml -overlay-out api/overlay.gen.yaml
//go:generate go tool -modfile=tools/go.mod oapi-codegen -config oapi-codegen.yaml openapi.json
//go:generate go tool -modfile=tools/go.mod oapi-codegen -config oapi-codegen.fake.yaml openapi.json
//go:generate go run ./internal/cmd/genservices -spec openapi.json -api api/api.gen.go -out wrapper/services.gen.go
//go:generate go run ./internal/cmd/gendecode -api api/api.gen.go -out wrapper/decode.gen.go
//go:generate go run ./internal/cmd/genmcp -spec openapi.json -out cmd/kelviq/internal/mcpserver/tools.gen.go
