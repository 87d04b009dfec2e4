package catalog

import (
	"bytes"
	"encoding/json"
	"reflect"
)

//go:generate go run ./internal/genschema -out kelviq.schema.json

// Schema returns the JSON Schema (draft 2020-12) of the catalog file, made
// from the same field rules Parse applies. kelviq.schema.json, beside this
// package, is its committed copy (go generate writes it); SchemaURL is where
// it is published.
func Schema() []byte {
	defs := map[string]any{}
	root := schemaOf(reflect.TypeFor[Catalog](), defs)
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["$id"] = SchemaURL
	root["title"] = "kelviq catalog"
	root["description"] = "Pricing as code: the products, features and plans of a kelviq organization, by identifier."
	root["$defs"] = defs
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(root); err != nil {
		panic("catalog: the schema does not encode: " + err.Error()) // only plain maps and strings: cannot happen
	}
	return buf.Bytes()
}

// schemaOf is the schema of format struct t; the structs it holds go into
// defs under their type names.
func schemaOf(t reflect.Type, defs map[string]any) map[string]any {
	keys, extra := named(t)
	props := map[string]any{}
	required := []string{}
	for _, f := range keys {
		props[f.key] = fieldSchema(f, defs)
		if f.required {
			required = append(required, f.key)
		}
	}
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": extra != nil}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func fieldSchema(f field, defs map[string]any) map[string]any {
	var s map[string]any
	switch f.typ.Kind() {
	case reflect.String:
		s = map[string]any{"type": "string"}
		switch {
		case f.slug:
			s["pattern"] = slugPattern
		case f.enum != nil && f.open:
			s = map[string]any{"anyOf": []any{map[string]any{"enum": f.enum}, map[string]any{"type": "string"}}}
		case f.enum != nil:
			s["enum"] = f.enum
		case f.required:
			s["minLength"] = 1
		}
	case reflect.Pointer:
		switch f.typ.Elem().Kind() {
		case reflect.Bool:
			s = map[string]any{"type": "boolean"}
		case reflect.Int:
			s = map[string]any{"type": "integer"}
			if f.min != nil {
				s["minimum"] = *f.min
			}
		}
	case reflect.Interface:
		s = map[string]any{"type": []string{"boolean", "number"}}
	case reflect.Map:
		s = map[string]any{"type": "object"}
	case reflect.Slice:
		elem := f.typ.Elem()
		var items map[string]any
		if elem.Kind() == reflect.Struct {
			name := elem.Name()
			if _, ok := defs[name]; !ok {
				defs[name] = nil // reserve: no recursion in the format, but be safe
				d := schemaOf(elem, defs)
				d["description"] = typeDoc(name)
				defs[name] = d
			}
			items = map[string]any{"$ref": "#/$defs/" + name}
		} else {
			items = map[string]any{"type": "object"}
		}
		s = map[string]any{"type": "array", "items": items}
	}
	if f.doc != "" {
		s["description"] = f.doc
	}
	return s
}

// typeDoc describes each entry type in the schema.
func typeDoc(name string) string {
	switch name {
	case "Product":
		return "A product; plans belong to one."
	case "Feature":
		return "A feature that plans grant. Features cannot be changed once created."
	case "Plan":
		return "A plan of a product: the features it grants and, optionally, its complete price set."
	case "Entitlement":
		return "A feature granted by a plan. Keys beyond the listed ones are sent to the API as they are."
	case "Price":
		return "One price of a plan (one per currency). Keys beyond the listed ones are sent to the API as they are."
	}
	return ""
}
