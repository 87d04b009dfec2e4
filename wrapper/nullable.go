package wrapper

import "github.com/oapi-codegen/nullable"

// The generated request types (package api) use nullable.Nullable[T] for
// optional fields that may also be null. A Nullable has three states, and
// each is sent differently in a JSON body:
//
//   - unset (the zero value): the field is left out, so a PATCH keeps the
//     stored value;
//   - Set(v): the field is sent with the value v;
//   - Null[T](): the field is sent as null, so a PATCH clears it.
//
// Set and Null build them without importing github.com/oapi-codegen/nullable.

// Set returns a Nullable holding v, sent as the field's value:
//
//	wrapper.Set("ada@example.com") // "email": "ada@example.com"
func Set[T any](v T) nullable.Nullable[T] {
	return nullable.NewNullableWithValue(v)
}

// Null returns a Nullable that is sent as an explicit JSON null, e.g. to
// clear a field with a PATCH:
//
//	wrapper.Null[string]() // "name": null
func Null[T any]() nullable.Nullable[T] {
	return nullable.NewNullNullable[T]()
}
