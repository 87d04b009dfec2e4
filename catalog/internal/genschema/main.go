// Command genschema writes the JSON Schema of the catalog file format
// (catalog.Schema) to a file; `go generate ./catalog/` runs it.
package main

import (
	"flag"
	"log"
	"os"

	"github.com/kelviq/kelviq-go/catalog"
)

func main() {
	out := flag.String("out", "kelviq.schema.json", "the file to write")
	flag.Parse()
	if err := os.WriteFile(*out, catalog.Schema(), 0o644); err != nil {
		log.Fatal(err)
	}
}
