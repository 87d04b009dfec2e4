// Package wrapper is the hand-written client for the kelviq API: the package
// most programs import.
//
//	import (
//		"github.com/kelviq/kelviq-go/api"     // generated request and response types
//		"github.com/kelviq/kelviq-go/wrapper" // the client
//	)
//
// # Creating a client
//
// New returns a *Client configured by options. A partner provisions
// organizations with its partner key; each organization is then used with
// its own server key:
//
//	partner, err := wrapper.New(wrapper.WithPartnerKey(key)) // or set KELVIQ_PARTNER_KEY
//	org, err := partner.Partner.Provision(ctx, wrapper.ProvisionParams{ExternalID: "northwind-0042", Email: "ops@northwind.example"})
//	shop, err := partner.ForOrganization(org) // the same options, with org's server key
//	customers, err := shop.Customers.List(ctx, nil)
//
// # Keys
//
// New reads KELVIQ_PARTNER_KEY and KELVIQ_SERVER_API_KEY unless
// WithoutEnvKeys is given; WithPartnerKey and WithServerKey set them
// explicitly. Each request carries exactly the credential the API spec names
// for its operation: the partner key (X-Kelviq-Partner-Key) on the partner
// operations, the server key (Authorization: Bearer) on the others. A call
// whose key is not configured fails before anything is sent with a
// *CredentialError, which matches ErrMissingCredential.
//
// # Services
//
// The Client has a service per resource, generated from openapi.json:
// Partner, Customers, Orders, Subscriptions, Catalog.Products,
// Catalog.Plans, Entitlements and more. Their methods take and return the
// types of package api (github.com/kelviq/kelviq-go/api). Optional request
// fields that may be null are nullable.Nullable values: build them with Set
// and Null. Answers use plain pointers for optional fields: read them with
// Deref. Client.API is the generated client itself, and Client.Call sends
// any operation by its operationId with parameters by their spec names;
// every door builds its request knowing the operation and goes through the
// same sender, with the same credentials, checks, retries and errors.
//
// # Errors
//
// An answer outside the operation's success codes is an *APIError (status,
// message, field errors, method and path). It matches ErrNotFound,
// ErrUnauthorized, ErrForbidden, ErrConflict, ErrValidation, ErrRateLimited
// or ErrServer with errors.Is:
//
//	_, err := client.Partner.GetByExternalID(ctx, "northwind-0042")
//	var apiErr *wrapper.APIError
//	switch {
//	case errors.Is(err, wrapper.ErrNotFound): // no such organization
//	case errors.As(err, &apiErr): // another answer: apiErr.StatusCode, apiErr.Message
//	case err != nil: // the network, a timeout, or input refused locally
//	}
//
// Input is checked before any request: a *ValidationError names the field and
// the rule, and matches ErrInvalidInput. A success answer whose body does
// not decode is a *DecodeError (ErrDecode). A request whose connection could
// not be opened matches ErrNotSent: sending it again cannot repeat an effect.
//
// # Paging
//
// Each paginated list has a List method for one page and an All method (an
// iter.Seq2) that walks every page, one page in memory at a time, stopping at
// the first error or when the loop breaks:
//
//	for c, err := range client.Customers.All(ctx, nil) { ... }
//
// # Retries
//
// Connection errors and 408, 429, 500, 502, 503 and 504 answers are retried,
// twice by default (WithMaxRetries), with exponential backoff and full
// jitter (WithRetryBackoff), honouring Retry-After up to 30 s
// (WithMaxRetryAfter). GET, PUT, DELETE and the other idempotent methods are
// retried; POST and PATCH only when the request never reached the server, so
// a write is never done twice. WithAttemptTimeout bounds each attempt and the
// context bounds the whole call; WithCallOptions changes the retries for
// one call.
//
// # Seeing what it does
//
// WithLogger logs one record per attempt (never a key), WithMiddleware wraps
// each attempt and WithObserver sees each call; package kelviqotel traces
// calls with OpenTelemetry.
//
// # Secrets
//
// Keys never appear in errors, in fmt output of a Client, or in logs.
// PartnerOrganization.ServerKey is a Secret: it prints as [REDACTED] with
// every fmt verb, in slog and in JSON; Secret.Reveal returns the value.
//
// For tests, package kelviqtest (github.com/kelviq/kelviq-go/kelviqtest) is an
// in-memory fake of the API whose Client method returns a *Client pointed
// at it.
package wrapper
