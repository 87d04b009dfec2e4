package kelviqtest

// CamelToSnake is camelToSnake, for the package's external tests.
var CamelToSnake = camelToSnake
