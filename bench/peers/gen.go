// Package peers holds the benchmark's peer clients: ogenapi is the client
// that ogen (pinned in this module's go.mod as a tool) generates from the
// module's openapi.json. This is a module of its own so that the library
// never links ogen or its runtime; the paired benchmark (paired_test.go)
// runs the wrapper, ogen and the hand-written raw client side by side.
// `make bench` runs it from the committed code; `go generate` here (or
// `make bench-peers-generate` at the root) remakes ogenapi.
package peers

//go:generate go tool ogen -config ogen.yml -package ogenapi -target ogenapi -clean ../../openapi.json
