package main

import (
	"fmt"

	"github.com/kelviq/kelviq-go/internal/specdoc"
)

// The spec's facts come from the loader the generators share.
type op = specdoc.Op

// readSpec returns every operation of the document at path, by
// operationId, each with exactly one success answer.
func readSpec(path string) (map[string]*op, error) {
	doc, err := specdoc.Load(path)
	if err != nil {
		return nil, err
	}
	for _, o := range doc.Ops {
		if len(o.SuccessCodes) != 1 {
			return nil, fmt.Errorf("%s %s: want exactly one 2xx/3xx response, got %v", o.Method, o.Path, o.SuccessCodes)
		}
	}
	return doc.ByID, nil
}

// success is the operation's one success status.
func success(o *op) int { return o.SuccessCodes[0] }
