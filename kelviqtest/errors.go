package kelviqtest

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// nonFieldErrors is DRF's key for errors that belong to no one field.
const nonFieldErrors = "non_field_errors"

// validationResult gathers what openapi3filter reported, in DRF's terms.
type validationResult struct {
	fields          map[string]any // DRF field errors, nested for nested fields
	detail          string         // an error that names no field
	notFound        bool           // a path parameter did not match
	badMediaType    bool           // the body's Content-Type is not one the operation takes
	badMediaTypeVal string         // that Content-Type
}

// writeValidationError responds to a request openapi3filter rejected: 404 for a
// bad path parameter, 415 for a Content-Type the operation does not take,
// else 400 with DRF field errors, or {"detail": ...} when no field is named.
func writeValidationError(w http.ResponseWriter, err error) {
	res := &validationResult{fields: map[string]any{}}
	res.collect(err)
	switch {
	case res.notFound:
		writeDetail(w, http.StatusNotFound, notFound)
	case res.badMediaType:
		writeDetail(w, http.StatusUnsupportedMediaType, fmt.Sprintf("Unsupported media type %q in request.", res.badMediaTypeVal))
	case len(res.fields) > 0:
		writeJSON(w, http.StatusBadRequest, res.fields)
	case res.detail != "":
		writeDetail(w, http.StatusBadRequest, res.detail)
	default:
		writeDetail(w, http.StatusBadRequest, "Invalid request.")
	}
}

func (res *validationResult) collect(err error) {
	switch e := err.(type) {
	case openapi3.MultiError:
		for _, one := range e {
			res.collect(one)
		}
	case *openapi3filter.RequestError:
		switch {
		case e.Parameter != nil:
			res.collectParam(e)
		case e.RequestBody != nil:
			res.collectBody(e)
		default:
			res.setDetail(e.Error())
		}
	case *openapi3.SchemaError:
		path := e.JSONPointer()
		if len(path) == 0 && e.SchemaField == "type" && e.Schema != nil && e.Schema.Type.Is(openapi3.TypeObject) {
			// The body itself is not an object.
			res.add(nil, fmt.Sprintf("Invalid data. Expected a dictionary, but got %s.", pyType(e.Value)))
			return
		}
		res.add(path, schemaMessage(e))
	default:
		res.setDetail(err.Error())
	}
}

func (res *validationResult) setDetail(msg string) {
	if res.detail == "" {
		res.detail = msg
	}
}

func (res *validationResult) collectParam(e *openapi3filter.RequestError) {
	p := e.Parameter
	if p.In == openapi3.ParameterInPath {
		res.notFound = true
		return
	}
	for _, msg := range paramMessages(p, e.Err) {
		res.add([]string{p.Name}, msg)
	}
}

// paramMessages turns a parameter's error into DRF-like messages.
func paramMessages(p *openapi3.Parameter, err error) []string {
	var out []string
	var walk func(error)
	walk = func(err error) {
		var se *openapi3.SchemaError
		var pe *openapi3filter.ParseError
		switch {
		case err == nil:
		case errors.Is(err, openapi3filter.ErrInvalidRequired):
			out = append(out, "This field is required.")
		case errors.Is(err, openapi3filter.ErrInvalidEmptyValue):
			out = append(out, "This field may not be blank.")
		default:
			if me, ok := err.(openapi3.MultiError); ok {
				for _, one := range me {
					walk(one)
				}
				return
			}
			switch {
			case errors.As(err, &se):
				out = append(out, schemaMessage(se))
			case errors.As(err, &pe) && p.Schema != nil && p.Schema.Value != nil:
				out = append(out, typeMessage(p.Schema.Value, pe.Value))
			default:
				out = append(out, "Invalid value.")
			}
		}
	}
	walk(err)
	if len(out) == 0 {
		out = append(out, "Invalid value.")
	}
	return out
}

func (res *validationResult) collectBody(e *openapi3filter.RequestError) {
	switch {
	case errors.Is(e.Err, openapi3filter.ErrInvalidRequired):
		// DRF reads a missing body as {}: report what {} lacks.
		if mt := e.RequestBody.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
			if err := mt.Schema.Value.VisitJSON(map[string]any{}, openapi3.VisitAsRequest(), openapi3.MultiErrors()); err != nil {
				res.collect(err)
				return
			}
		}
		res.setDetail("A request body is required.")
	case strings.HasPrefix(e.Reason, "header Content-Type has unexpected value"):
		res.badMediaType = true
		if in := e.Input; in != nil && in.Request != nil {
			res.badMediaTypeVal = in.Request.Header.Get("Content-Type")
		}
	case e.Reason == "failed to decode request body":
		msg := "JSON parse error"
		if e.Err != nil {
			msg += " - " + e.Err.Error()
		}
		res.setDetail(msg)
	case e.Err != nil:
		res.collect(e.Err)
	default:
		res.setDetail(e.Error())
	}
}

// add records msg at a JSON pointer path, nesting objects as DRF does:
// {"billingAddress": {"country": ["..."]}}. An empty path is a non-field
// error. A message for a field that also has nested errors goes to the
// nested object's non_field_errors.
func (res *validationResult) add(path []string, msg string) {
	if len(path) == 0 {
		path = []string{nonFieldErrors}
	}
	m := res.fields
	for _, key := range path[:len(path)-1] {
		switch child := m[key].(type) {
		case map[string]any:
			m = child
		case []string:
			next := map[string]any{nonFieldErrors: child}
			m[key] = next
			m = next
		default:
			next := map[string]any{}
			m[key] = next
			m = next
		}
	}
	last := path[len(path)-1]
	switch cur := m[last].(type) {
	case []string:
		for _, have := range cur {
			if have == msg {
				return
			}
		}
		m[last] = append(cur, msg)
	case map[string]any:
		list, _ := cur[nonFieldErrors].([]string)
		cur[nonFieldErrors] = append(list, msg)
	default:
		m[last] = []string{msg}
	}
}

// schemaMessage says what is wrong with a value the way DRF words it.
func schemaMessage(e *openapi3.SchemaError) string {
	s := e.Schema
	if s == nil {
		return e.Reason
	}
	switch e.SchemaField {
	case "required":
		return "This field is required."
	case "nullable":
		return "This field may not be null."
	case "type":
		return typeMessage(s, e.Value)
	case "enum":
		return fmt.Sprintf("%q is not a valid choice.", fmt.Sprint(e.Value))
	case "maxLength":
		if s.MaxLength != nil {
			return fmt.Sprintf("Ensure this field has no more than %d characters.", *s.MaxLength)
		}
	case "minLength":
		if s.MinLength <= 1 {
			return "This field may not be blank."
		}
		return fmt.Sprintf("Ensure this field has at least %d characters.", s.MinLength)
	case "maximum":
		if s.Max != nil {
			return fmt.Sprintf("Ensure this value is less than or equal to %s.", number(*s.Max))
		}
	case "minimum":
		if s.Min != nil {
			if s.ExclusiveMin.IsTrue() {
				return fmt.Sprintf("Ensure this value is greater than %s.", number(*s.Min))
			}
			return fmt.Sprintf("Ensure this value is greater than or equal to %s.", number(*s.Min))
		}
	case "maxItems":
		if s.MaxItems != nil {
			return fmt.Sprintf("Ensure this field has no more than %d elements.", *s.MaxItems)
		}
	case "minItems":
		return fmt.Sprintf("Ensure this field has at least %d elements.", s.MinItems)
	case "format":
		switch s.Format {
		case "email":
			return "Enter a valid email address."
		case "uuid":
			return "Must be a valid UUID."
		case "date-time":
			return "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
		case "date":
			return "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
		case "uri", "url":
			return "Enter a valid URL."
		}
	}
	if e.Reason != "" {
		return e.Reason
	}
	return "Invalid value."
}

// typeMessage is DRF's message for a value of the wrong type.
func typeMessage(s *openapi3.Schema, v any) string {
	switch {
	case s.Type.Is(openapi3.TypeString):
		return "Not a valid string."
	case s.Type.Is(openapi3.TypeInteger):
		return "A valid integer is required."
	case s.Type.Is(openapi3.TypeNumber):
		return "A valid number is required."
	case s.Type.Is(openapi3.TypeBoolean):
		return "Must be a valid boolean."
	case s.Type.Is(openapi3.TypeArray):
		return fmt.Sprintf("Expected a list of items but got type %q.", pyType(v))
	case s.Type.Is(openapi3.TypeObject):
		return fmt.Sprintf("Expected a dictionary of items but got type %q.", pyType(v))
	}
	return "Invalid value."
}

// pyType names a JSON value's type as DRF (Python) does.
func pyType(v any) string {
	switch x := v.(type) {
	case string:
		return "str"
	case bool:
		return "bool"
	case float64:
		if x == float64(int64(x)) {
			return "int"
		}
		return "float"
	case int, int64:
		return "int"
	case []any:
		return "list"
	case map[string]any:
		return "dict"
	case nil:
		return "NoneType"
	}
	return fmt.Sprintf("%T", v)
}

// number prints a schema bound without a needless ".0".
func number(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// errBadRequest is an error sent as 400 {"detail": msg}.
type errBadRequest string

func (e errBadRequest) Error() string { return string(e) }
