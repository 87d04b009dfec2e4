package wrapper

import "github.com/kelviq/kelviq-go/api"

// The operations' facts are generated from openapi.json into package api
// (read through api.Operation); these names make them available here.
type (
	// Operation identifies one operation of the API; its methods give the
	// facts openapi.json states for it (ID, Method, Path, Params, ...).
	Operation = api.Operation
	// SecurityScheme is one security scheme from the spec's components.
	SecurityScheme = api.SecurityScheme
	// Param is one parameter of an operation.
	Param = api.Param
	// Auth is the credential an operation takes.
	Auth = api.Auth
)

// The credentials an operation may take.
const (
	// AuthNone means the operation takes no credential.
	AuthNone = api.AuthNone
	// AuthPartnerKey means the partner key in the X-Kelviq-Partner-Key header.
	AuthPartnerKey = api.AuthPartnerKey
	// AuthServerKey means the organization's server key as a bearer token.
	AuthServerKey = api.AuthServerKey
)

// Operations returns every operation of the API, sorted by path then method.
// The slice is new on each call; changing it changes nothing in the client.
func Operations() []Operation { return api.Operations() }

// LookupOperation returns the operation with the given operationId.
func LookupOperation(id string) (Operation, bool) { return api.LookupOperation(id) }
