package kelviqtest

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	kelviq "github.com/kelviq/kelviq-go"
	"github.com/kelviq/kelviq-go/internal/check"
	"github.com/kelviq/kelviq-go/wrapper"
)

// specIndex is openapi.json loaded for one server: the document (its servers
// replaced by BasePath so that any host matches), a router over it, and per
// operation what the fake needs to know.
type specIndex struct {
	doc    *openapi3.T
	router routers.Router
	ops    map[string]*opInfo
	// schemaOpts are the format validators used for requests and for
	// checking schema examples; they are per document, not global.
	schemaOpts []openapi3.SchemaValidationOption
}

// opInfo is one operation of the spec.
type opInfo struct {
	id     string
	method string
	path   string
	// table is the operation in the client's table (generated from the
	// same openapi.json): its credential and page size limit.
	table wrapper.Operation
	op    *openapi3.Operation
}

// uuidPattern accepts any canonical UUID, whatever its version.
const uuidPattern = `^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`

// sharedSpec is loadSpec done once: parsing and checking the spec takes tens
// of milliseconds, and the result is only ever read (kin-openapi's documents
// and routers are safe for concurrent use), so every Server shares it. It is
// not state: what a Server remembers lives in its own state value.
var sharedSpec = sync.OnceValues(loadSpec)

// loadSpec parses the embedded openapi.json.
func loadSpec() (*specIndex, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(kelviq.OpenAPISpec())
	if err != nil {
		return nil, fmt.Errorf("kelviqtest: loading openapi.json: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("kelviqtest: openapi.json is not valid: %w", err)
	}
	// The spec names the real hosts (and the edge host for some paths); the
	// fake serves everything under BasePath on whatever host it listens on.
	doc.Servers = openapi3.Servers{{URL: BasePath}}
	idx := &specIndex{
		doc: doc,
		ops: map[string]*opInfo{},
		schemaOpts: []openapi3.SchemaValidationOption{
			openapi3.WithStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(uuidPattern)),
			openapi3.WithStringFormatValidator("email", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForEmail)),
			openapi3.WithStringFormatValidator("uri", openapi3.NewCallbackValidator(checkAbsoluteURL)),
			openapi3.WithStringFormatValidator("url", openapi3.NewCallbackValidator(checkAbsoluteURL)),
		},
	}
	for path, item := range doc.Paths.Map() {
		item.Servers = nil
		for method, op := range item.Operations() {
			op.Servers = nil
			if op.OperationID == "" {
				return nil, fmt.Errorf("kelviqtest: openapi.json: %s %s has no operationId", method, path)
			}
			table, ok := wrapper.LookupOperation(op.OperationID)
			if !ok {
				return nil, fmt.Errorf("kelviqtest: openapi.json: %s is not in the generated operation table (run make generate)", op.OperationID)
			}
			idx.ops[op.OperationID] = &opInfo{id: op.OperationID, method: method, path: path, table: table, op: op}
		}
	}
	idx.router, err = gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("kelviqtest: routing openapi.json: %w", err)
	}
	return idx, nil
}

// checkAbsoluteURL accepts an absolute http or https URL with a host, the
// only kind of URL the API takes or gives.
func checkAbsoluteURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("not a URL")
	}
	if !check.IsAbsoluteHTTP(u) {
		return errors.New("not an absolute http(s) URL")
	}
	return nil
}

// param returns the operation's parameter (its own or its path item's).
func (s *specIndex) param(o *opInfo, in, name string) *openapi3.Parameter {
	if p := o.op.Parameters.GetByInAndName(in, name); p != nil {
		return p
	}
	if item := s.doc.Paths.Value(o.path); item != nil {
		return item.Parameters.GetByInAndName(in, name)
	}
	return nil
}

var defaultInText = regexp.MustCompile(`(?i)default (\d+)`)

// defaultPageSize reads the page_size default of a list operation from the
// spec: the schema's default, else "default N" in the description, else 10.
func (s *specIndex) defaultPageSize(o *opInfo) int {
	p := s.param(o, openapi3.ParameterInQuery, "page_size")
	if p == nil {
		return 10
	}
	if p.Schema != nil && p.Schema.Value != nil {
		if d, ok := p.Schema.Value.Default.(float64); ok && d >= 1 {
			return int(d)
		}
	}
	if m := defaultInText.FindStringSubmatch(p.Description); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n >= 1 {
			return n
		}
	}
	return 10
}

// provisionMaxLength is the spec's maxLength for a property of the
// provisioning request (0 when it gives none or cannot be read).
func provisionMaxLength(prop string) int {
	idx, err := sharedSpec()
	if err != nil {
		return 0
	}
	ref := idx.doc.Components.Schemas["PartnerOrganizationProvisionRequest"]
	if ref == nil || ref.Value == nil || ref.Value.Properties[prop] == nil || ref.Value.Properties[prop].Value.MaxLength == nil {
		return 0
	}
	return int(*ref.Value.Properties[prop].Value.MaxLength)
}
