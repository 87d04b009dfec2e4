package main

import (
	"fmt"

	"github.com/kelviq/kelviq-go/internal/specdoc"
)

// readSpec returns, from the loader the generators share, every operation of the document at path, by
// operationId, each with exactly one success response.
func readSpec(path string) (map[string]*specdoc.Operation, error) {
	doc, err := specdoc.Load(path)
	if err != nil {
		return nil, err
	}
	for _, o := range doc.Operations {
		if len(o.SuccessCodes) != 1 {
			return nil, fmt.Errorf("%s %s: want exactly one 2xx/3xx response, got %v", o.Method, o.Path, o.SuccessCodes)
		}
	}
	return doc.ByID, nil
}

// success is the operation's one success status.
func success(o *specdoc.Operation) int { return o.SuccessCodes[0] }
