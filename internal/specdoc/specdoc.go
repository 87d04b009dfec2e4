// Package specdoc is the one loader of openapi.json that the generators
// share: it reads the document once into the facts they need (operations
// with their parameters, security, servers, bodies and success responses,
// and the component schemas), and refuses documents it cannot represent.
package specdoc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Schema is the part of a JSON schema the generators read.
type Schema struct {
	Ref        string             `json:"$ref"`
	Type       string             `json:"type"`
	Format     string             `json:"format"`
	Nullable   bool               `json:"nullable"`
	Required   []string           `json:"required"`
	Properties map[string]*Schema `json:"properties"`
	Minimum    *int               `json:"minimum"`
	Maximum    *int               `json:"maximum"`
	MaxLength  *int               `json:"maxLength"`
	MinLength  *int               `json:"minLength"`

	// ExclusiveMinimum is OpenAPI 3.0's flag: Minimum itself is excluded.
	ExclusiveMinimum bool `json:"exclusiveMinimum"`
	// Description is the schema's description, in the spec's words.
	Description string `json:"description"`
	// Enum lists the allowed values, when the schema restricts them.
	Enum []any `json:"enum"`
	// Items is the schema of an array's items.
	Items *Schema `json:"items"`
	// AdditionalProperties is what an object allows beyond Properties.
	AdditionalProperties *Additional `json:"additionalProperties"`
	// AllOf, OneOf and AnyOf are the schema's compositions.
	AllOf []*Schema `json:"allOf"`
	OneOf []*Schema `json:"oneOf"`
	AnyOf []*Schema `json:"anyOf"`
	// ReadOnly marks a property that responses carry and requests omit.
	ReadOnly bool `json:"readOnly"`
	// WriteOnly marks a property that requests carry and responses omit.
	WriteOnly bool `json:"writeOnly"`
	// Pattern is the regular expression a string must match, if any.
	Pattern string `json:"pattern"`
	// MinItems and MaxItems bound an array's length.
	MinItems *int `json:"minItems"`
	MaxItems *int `json:"maxItems"`
}

// Additional is an additionalProperties value: a boolean (Allowed, with
// Schema nil) or a schema every further member must match (Allowed true).
type Additional struct {
	Allowed bool
	Schema  *Schema
}

// UnmarshalJSON reads true, false or a schema.
func (a *Additional) UnmarshalJSON(b []byte) error {
	switch string(bytes.TrimSpace(b)) {
	case "true":
		*a = Additional{Allowed: true}
		return nil
	case "false":
		*a = Additional{}
		return nil
	}
	var s Schema
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("additionalProperties: %w", err)
	}
	*a = Additional{Allowed: true, Schema: &s}
	return nil
}

// Param is one parameter of an operation.
type Param struct {
	Name     string  `json:"name"`
	In       string  `json:"in"`
	Required bool    `json:"required"`
	Schema   *Schema `json:"schema"`
	// Description is the parameter's description, in the spec's words.
	Description string `json:"description"`
}

// SecurityScheme is one entry of components.securitySchemes.
type SecurityScheme struct {
	Name   string `json:"-"`
	Type   string `json:"type"`
	Scheme string `json:"scheme"`
	In     string `json:"in"`
	Header string `json:"name"`
}

// Operation is one operation, with everything the generators use.
type Operation struct {
	ID, Method, Path     string
	Tags                 []string
	Summary, Description string
	// Params are all parameters in spec order (path-level ones first);
	// PathParams are the path parameters in the order of the template,
	// QueryParams the query parameters in spec order.
	Params, PathParams, QueryParams []Param
	// Security lists the schemes of the operation's requirement (sorted by
	// name); empty means it takes no credential.
	Security []SecurityScheme
	// Servers, when set, override the document's servers.
	Servers []string
	// HasBody and BodyRequired describe the request body; Body is its
	// resolved schema and BodySchema the component it refers to.
	HasBody, BodyRequired bool
	Body                  *Schema
	BodySchema            string
	// SuccessCodes are the declared 2xx and 3xx statuses, sorted.
	SuccessCodes []int
	// SuccessJSON reports whether the (first) success response has JSON
	// content; SuccessLocation whether it declares a Location header.
	SuccessJSON, SuccessLocation bool
}

// Paginated reports whether the operation takes page and page_size.
func (o *Operation) Paginated() bool {
	_, page := o.QueryParam("page")
	_, size := o.QueryParam("page_size")
	return page && size
}

// DefaultMaxPageSize is the largest page_size of a paginated operation
// whose spec sets no maximum.
const DefaultMaxPageSize = 100

// MaxPageSize is the largest page_size the operation takes: the
// parameter's maximum, else DefaultMaxPageSize (also the size of the one
// page a list without page parameters gives). The generated operation
// table holds it, so every walker, the fake and the descriptions read this
// one rule.
func (o *Operation) MaxPageSize() int {
	if p, _ := o.QueryParam("page_size"); p.Schema != nil && p.Schema.Maximum != nil && *p.Schema.Maximum > 0 {
		return *p.Schema.Maximum
	}
	return DefaultMaxPageSize
}

// Credential is what an operation's security asks a request to carry.
type Credential int

// The credentials this client knows.
const (
	// NoCredential: the operation takes no credential.
	NoCredential Credential = iota
	// PartnerKey: an API key in a header (X-Kelviq-Partner-Key).
	PartnerKey
	// ServerKey: a bearer token in Authorization.
	ServerKey
)

// Credential returns the credential the operation's security asks for and
// the header it goes in: the first of its schemes that is an API key in a
// header or an HTTP bearer scheme decides. A security requirement of
// neither kind is an error, since no client could meet it.
func (o *Operation) Credential() (Credential, string, error) {
	for _, sc := range o.Security {
		switch {
		case sc.Type == "apiKey" && sc.In == "header" && sc.Header != "":
			return PartnerKey, http.CanonicalHeaderKey(sc.Header), nil
		case sc.Type == "http" && strings.EqualFold(sc.Scheme, "bearer"):
			return ServerKey, "Authorization", nil
		}
	}
	if len(o.Security) > 0 {
		return NoCredential, "", fmt.Errorf("%s: security %v is neither a bearer token nor an API key in a header", o.ID, o.Security)
	}
	return NoCredential, "", nil
}

// QueryParam returns the query parameter called name.
func (o *Operation) QueryParam(name string) (Param, bool) {
	for _, p := range o.QueryParams {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// Doc is a loaded document.
type Doc struct {
	// Servers are the document's top-level server URLs, in its order.
	Servers []string
	// Tags are the document's top-level tags, in its order.
	Tags []Tag
	// Operations are every operation, sorted by path, then method in
	// HTTPMethods order.
	Operations []*Operation
	// ByID finds an operation by operationId.
	ByID map[string]*Operation
	// Schemas are the component schemas by name.
	Schemas map[string]*Schema
	// ResponseOnly are the names of the component schemas that responses use
	// (directly or through other schemas) and no request body or parameter
	// does, sorted.
	ResponseOnly []string
}

// Resolve follows $refs to a component schema and returns it with the
// name of the last component referred to ("" when s is inline).
func (d *Doc) Resolve(s *Schema) (*Schema, string, error) {
	name := ""
	for seen := 0; s != nil && s.Ref != ""; seen++ {
		const prefix = "#/components/schemas/"
		if !strings.HasPrefix(s.Ref, prefix) || seen > 32 {
			return nil, "", fmt.Errorf("unsupported $ref %q", s.Ref)
		}
		name = strings.TrimPrefix(s.Ref, prefix)
		next, ok := d.Schemas[name]
		if !ok {
			return nil, "", fmt.Errorf("unknown schema %q", name)
		}
		s = next
	}
	return s, name, nil
}

// Tag is one entry of the document's top-level tags.
type Tag struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// HTTPMethods are the methods a path item may hold, in output order.
var HTTPMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

type rawDoc struct {
	Servers    []struct{ URL string }                `json:"servers"`
	Tags       []Tag                                 `json:"tags"`
	Security   []map[string][]string                 `json:"security"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas         map[string]*Schema        `json:"schemas"`
		SecuritySchemes map[string]SecurityScheme `json:"securitySchemes"`
	} `json:"components"`
}

type rawOperation struct {
	OperationID string                 `json:"operationId"`
	Tags        []string               `json:"tags"`
	Summary     string                 `json:"summary"`
	Description string                 `json:"description"`
	Parameters  []Param                `json:"parameters"`
	Security    *[]map[string][]string `json:"security"`
	Servers     []struct{ URL string } `json:"servers"`
	RequestBody *struct {
		Required bool `json:"required"`
		Content  map[string]struct {
			Schema *Schema `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Content map[string]json.RawMessage `json:"content"`
		Headers map[string]json.RawMessage `json:"headers"`
	} `json:"responses"`
}

// Load reads and checks the document at path.
func Load(path string) (*Doc, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	d, err := Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// Parse reads and checks a document.
func Parse(raw []byte) (*Doc, error) {
	var rd rawDoc
	if err := json.Unmarshal(raw, &rd); err != nil {
		return nil, err
	}
	d := &Doc{ByID: map[string]*Operation{}, Schemas: rd.Components.Schemas, Tags: rd.Tags}
	var inRequests, inResponses []string
	for _, s := range rd.Servers {
		d.Servers = append(d.Servers, s.URL)
	}
	paths := make([]string, 0, len(rd.Paths))
	for p := range rd.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		item := rd.Paths[p]
		var shared []Param
		if rp, ok := item["parameters"]; ok {
			if err := json.Unmarshal(rp, &shared); err != nil {
				return nil, fmt.Errorf("%s parameters: %w", p, err)
			}
			inRequests = append(inRequests, refs(rp)...)
		}
		var pathServers []struct{ URL string }
		if rs, ok := item["servers"]; ok {
			if err := json.Unmarshal(rs, &pathServers); err != nil {
				return nil, fmt.Errorf("%s servers: %w", p, err)
			}
		}
		for _, m := range HTTPMethods {
			rawItem, ok := item[m]
			if !ok {
				continue
			}
			var ro rawOperation
			if err := json.Unmarshal(rawItem, &ro); err != nil {
				return nil, fmt.Errorf("%s %s: %w", m, p, err)
			}
			var parts struct{ Parameters, RequestBody, Responses json.RawMessage }
			_ = json.Unmarshal(rawItem, &parts) // it decoded as rawOperation just above
			inRequests = append(inRequests, refs(parts.Parameters)...)
			inRequests = append(inRequests, refs(parts.RequestBody)...)
			inResponses = append(inResponses, refs(parts.Responses)...)
			where := strings.ToUpper(m) + " " + p
			if ro.OperationID == "" || d.ByID[ro.OperationID] != nil {
				return nil, fmt.Errorf("%s: missing or duplicate operationId %q", where, ro.OperationID)
			}
			o := &Operation{ID: ro.OperationID, Method: strings.ToUpper(m), Path: p, Tags: ro.Tags,
				Summary: strings.TrimSpace(ro.Summary), Description: strings.TrimSpace(ro.Description)}
			if err := d.fill(o, &rd, &ro, shared, pathServers); err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			d.Operations = append(d.Operations, o)
			d.ByID[o.ID] = o
		}
	}
	if err := d.responseOnly(raw, inRequests, inResponses); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *Doc) fill(o *Operation, rd *rawDoc, ro *rawOperation, shared []Param, pathServers []struct{ URL string }) error {
	o.Params = mergeParams(shared, ro.Parameters)
	byName := map[string]Param{}
	for i := range o.Params {
		if o.Params[i].Schema == nil {
			o.Params[i].Schema = &Schema{}
		}
		switch pr := o.Params[i]; pr.In {
		case "path":
			byName[pr.Name] = pr
		case "query":
			o.QueryParams = append(o.QueryParams, pr)
		}
	}
	for _, name := range PathTemplateNames(o.Path) {
		pr, ok := byName[name]
		if !ok {
			return fmt.Errorf("path parameter {%s} is not declared", name)
		}
		o.PathParams = append(o.PathParams, pr)
		delete(byName, name)
	}
	if len(byName) > 0 {
		return fmt.Errorf("path parameters %v are not in the path", byName)
	}

	security := rd.Security
	if ro.Security != nil {
		security = *ro.Security
	}
	var names []string
	for _, req := range security {
		for name := range req {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		sc, ok := rd.Components.SecuritySchemes[name]
		if !ok {
			return fmt.Errorf("unknown security scheme %q", name)
		}
		sc.Name = name
		o.Security = append(o.Security, sc)
	}

	servers := pathServers
	if len(ro.Servers) > 0 {
		servers = ro.Servers
	}
	for _, s := range servers {
		o.Servers = append(o.Servers, s.URL)
	}

	if rb := ro.RequestBody; rb != nil {
		o.HasBody, o.BodyRequired = true, rb.Required
		if c, ok := rb.Content["application/json"]; ok && len(rb.Content) == 1 {
			body, name, err := d.Resolve(c.Schema)
			if err != nil {
				return fmt.Errorf("request body: %w", err)
			}
			o.Body, o.BodySchema = body, name
		} else {
			return fmt.Errorf("only an application/json request body is supported")
		}
	}

	for code := range ro.Responses {
		n, err := strconv.Atoi(code)
		if err == nil && n >= 200 && n < 400 {
			o.SuccessCodes = append(o.SuccessCodes, n)
		}
	}
	sort.Ints(o.SuccessCodes)
	if len(o.SuccessCodes) > 0 {
		r := ro.Responses[strconv.Itoa(o.SuccessCodes[0])]
		_, o.SuccessJSON = r.Content["application/json"]
		for h := range r.Headers {
			o.SuccessLocation = o.SuccessLocation || strings.EqualFold(h, "Location")
		}
	}
	return nil
}

// PathTemplateNames returns the {names} of a path template, in order.
func PathTemplateNames(p string) []string {
	var names []string
	for _, seg := range strings.Split(p, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			names = append(names, seg[1:len(seg)-1])
		}
	}
	return names
}

// mergeParams applies OpenAPI's rule: an operation's parameter overrides a
// path-level one with the same name and location.
func mergeParams(shared, own []Param) []Param {
	out := make([]Param, 0, len(shared)+len(own))
	for _, sp := range shared {
		overridden := false
		for _, p := range own {
			if p.Name == sp.Name && p.In == sp.In {
				overridden = true
				break
			}
		}
		if !overridden {
			out = append(out, sp)
		}
	}
	return append(out, own...)
}

// responseOnly sets ResponseOnly from the schemas requests and responses refer
// to, following references between component schemas.
func (d *Doc) responseOnly(raw []byte, inRequests, inResponses []string) error {
	var comp struct {
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &comp); err != nil {
		return err
	}
	closure := func(names []string) map[string]bool {
		seen := map[string]bool{}
		for len(names) > 0 {
			n := names[len(names)-1]
			names = names[:len(names)-1]
			if seen[n] {
				continue
			}
			if s, ok := comp.Components.Schemas[n]; ok {
				seen[n] = true
				names = append(names, refs(s)...)
			}
		}
		return seen
	}
	req := closure(inRequests)
	for n := range closure(inResponses) {
		if !req[n] {
			d.ResponseOnly = append(d.ResponseOnly, n)
		}
	}
	sort.Strings(d.ResponseOnly)
	return nil
}

// refs returns the component schema names raw refers to.
func refs(raw json.RawMessage) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			if r, ok := t["$ref"].(string); ok {
				if n, ok := strings.CutPrefix(r, "#/components/schemas/"); ok {
					out = append(out, n)
				}
			}
			for _, x := range t {
				walk(x)
			}
		case []any:
			for _, x := range t {
				walk(x)
			}
		}
	}
	var v any
	if json.Unmarshal(raw, &v) == nil {
		walk(v)
	}
	return out
}
