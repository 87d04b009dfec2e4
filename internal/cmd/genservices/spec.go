package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// The parts of openapi.json that genservices reads.

type specDoc struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]*schema `json:"schemas"`
	} `json:"components"`
}

type schema struct {
	Ref        string             `json:"$ref"`
	Type       string             `json:"type"`
	Format     string             `json:"format"`
	Nullable   bool               `json:"nullable"`
	Required   []string           `json:"required"`
	Properties map[string]*schema `json:"properties"`
	Maximum    *int               `json:"maximum"`
}

type specParam struct {
	Name     string  `json:"name"`
	In       string  `json:"in"`
	Required bool    `json:"required"`
	Schema   *schema `json:"schema"`
}

type specResponse struct {
	Content map[string]struct {
		Schema *schema `json:"schema"`
	} `json:"content"`
	Headers map[string]json.RawMessage `json:"headers"`
}

type specOperation struct {
	OperationID string      `json:"operationId"`
	Tags        []string    `json:"tags"`
	Summary     string      `json:"summary"`
	Description string      `json:"description"`
	Parameters  []specParam `json:"parameters"`
	RequestBody *struct {
		Required bool `json:"required"`
		Content  map[string]struct {
			Schema *schema `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
	Responses map[string]specResponse `json:"responses"`
}

// op is one operation as genservices needs it.
type op struct {
	ID, Method, Path     string
	Tags                 []string
	Summary, Description string
	// PathParams are in the order they appear in the path template.
	PathParams []specParam
	// QueryParams are the query parameters, in spec order.
	QueryParams []specParam
	// Body is the resolved request body schema, or nil; BodySchema names
	// the component it refers to.
	Body         *schema
	BodySchema   string
	BodyRequired bool
	// Success is the one 2xx or 3xx status the spec declares.
	Success int
	// SuccessJSON reports whether the success answer has an
	// application/json content entry; SuccessLocation whether it declares
	// a Location header.
	SuccessJSON, SuccessLocation bool
}

// paginated reports whether the operation takes page and page_size.
func (o *op) paginated() bool {
	var page, size bool
	for _, p := range o.QueryParams {
		page = page || p.Name == "page"
		size = size || p.Name == "page_size"
	}
	return page && size
}

func (o *op) queryParam(name string) (specParam, bool) {
	for _, p := range o.QueryParams {
		if p.Name == name {
			return p, true
		}
	}
	return specParam{}, false
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// readSpec returns every operation of the document at path, by operationId.
func readSpec(path string) (map[string]*op, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc specDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	resolve := func(s *schema) (*schema, string, error) {
		name := ""
		for s != nil && s.Ref != "" {
			const prefix = "#/components/schemas/"
			if !strings.HasPrefix(s.Ref, prefix) {
				return nil, "", fmt.Errorf("unsupported $ref %q", s.Ref)
			}
			name = strings.TrimPrefix(s.Ref, prefix)
			next, ok := doc.Components.Schemas[name]
			if !ok {
				return nil, "", fmt.Errorf("unknown schema %q", name)
			}
			s = next
		}
		return s, name, nil
	}

	ops := map[string]*op{}
	paths := make([]string, 0, len(doc.Paths))
	for p := range doc.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		item := doc.Paths[p]
		var shared []specParam
		if rp, ok := item["parameters"]; ok {
			if err := json.Unmarshal(rp, &shared); err != nil {
				return nil, fmt.Errorf("%s parameters: %w", p, err)
			}
		}
		for _, m := range httpMethods {
			rawOp, ok := item[m]
			if !ok {
				continue
			}
			var so specOperation
			if err := json.Unmarshal(rawOp, &so); err != nil {
				return nil, fmt.Errorf("%s %s: %w", m, p, err)
			}
			where := fmt.Sprintf("%s %s", strings.ToUpper(m), p)
			if so.OperationID == "" || ops[so.OperationID] != nil {
				return nil, fmt.Errorf("%s: missing or duplicate operationId %q", where, so.OperationID)
			}
			o := &op{ID: so.OperationID, Method: strings.ToUpper(m), Path: p, Tags: so.Tags,
				Summary: strings.TrimSpace(so.Summary), Description: strings.TrimSpace(so.Description)}
			params := mergeParams(shared, so.Parameters)
			byName := map[string]specParam{}
			for _, pr := range params {
				if pr.Schema == nil {
					pr.Schema = &schema{}
				}
				switch pr.In {
				case "path":
					byName[pr.Name] = pr
				case "query":
					o.QueryParams = append(o.QueryParams, pr)
				}
			}
			for _, name := range pathTemplateNames(p) {
				pr, ok := byName[name]
				if !ok {
					return nil, fmt.Errorf("%s: path parameter {%s} is not declared", where, name)
				}
				o.PathParams = append(o.PathParams, pr)
				delete(byName, name)
			}
			if len(byName) > 0 {
				return nil, fmt.Errorf("%s: path parameters %v are not in the path", where, byName)
			}
			if rb := so.RequestBody; rb != nil {
				c, ok := rb.Content["application/json"]
				if !ok || len(rb.Content) != 1 {
					return nil, fmt.Errorf("%s: only an application/json request body is supported", where)
				}
				body, name, err := resolve(c.Schema)
				if err != nil {
					return nil, fmt.Errorf("%s request body: %w", where, err)
				}
				o.Body, o.BodySchema, o.BodyRequired = body, name, rb.Required
			}
			var codes []int
			for code := range so.Responses {
				n, err := strconv.Atoi(code)
				if err == nil && n >= 200 && n < 400 {
					codes = append(codes, n)
				}
			}
			if len(codes) != 1 {
				return nil, fmt.Errorf("%s: want exactly one 2xx/3xx response, got %v", where, codes)
			}
			o.Success = codes[0]
			r := so.Responses[strconv.Itoa(o.Success)]
			_, o.SuccessJSON = r.Content["application/json"]
			for h := range r.Headers {
				o.SuccessLocation = o.SuccessLocation || strings.EqualFold(h, "Location")
			}
			ops[o.ID] = o
		}
	}
	return ops, nil
}

// pathTemplateNames returns the {names} of a path template, in order.
func pathTemplateNames(p string) []string {
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
func mergeParams(shared, own []specParam) []specParam {
	out := make([]specParam, 0, len(shared)+len(own))
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
