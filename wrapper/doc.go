// Package wrapper is the hand-written client for the kelviq API: the package
// most programs import, beside package api for the generated request and
// response types.
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
// WithoutEnvKeys is given; WithPartnerKey and WithServerKey set them. Each
// request carries exactly the credential the API spec names for its
// operation: the partner key (X-Kelviq-Partner-Key) on the partner
// operations, the server key (Authorization: Bearer) on the others. A call
// whose key is not configured fails before anything is sent with a
// *CredentialError (ErrMissingCredential).
//
// # Services and the other doors
//
// The Client has a service per resource, generated from openapi.json:
// Partner, Customers, Orders, Subscriptions, Catalog.Products,
// Catalog.Plans, Entitlements and more. Their methods take and return the
// types of package api. Optional request fields that may be null are
// nullable.Nullable values (build them with Set and Null); responses use plain
// pointers (read them with Deref). Client.API is the generated client
// itself, and Client.Call sends any operation by its operationId. Every door
// builds its request knowing the operation and goes through the same
// sender, with the same credentials, checks, retries and errors.
//
// # Errors
//
// A response outside the operation's success codes is an *APIError. It
// matches ErrNotFound, ErrUnauthorized, ErrForbidden, ErrConflict,
// ErrValidation, ErrRateLimited or ErrServer with errors.Is:
//
//	_, err := client.Partner.GetByExternalID(ctx, "northwind-0042")
//	var apiErr *wrapper.APIError
//	switch {
//	case errors.Is(err, wrapper.ErrNotFound): // no such organization
//	case errors.As(err, &apiErr): // another response: apiErr.StatusCode, apiErr.Message
//	case err != nil: // the network, a timeout, or input refused locally
//	}
//
// Input is checked before any request: a *ValidationError names the field and
// the rule (ErrInvalidInput). Query values are checked against the spec on
// the one request path, whichever method built the request. A success
// response whose body does not decode is a *DecodeError (ErrDecode). A
// request whose connection could not be opened
// matches ErrNotSent.
//
// # Paging, retries, observing
//
// Each paginated list has a List method for one page and an All method (an
// iter.Seq2) that walks every page, one page in memory at a time:
//
//	for c, err := range client.Customers.All(ctx, nil) { ... }
//
// Failed requests are retried by the rule RetryRules states: a write is
// never sent twice. WithLogger logs each attempt, WithMiddleware wraps it,
// WithObserver sees each call; package kelviqotel traces calls. Keys never
// appear in errors, logs or fmt output; PartnerOrganization.ServerKey is a
// Secret. For tests, package kelviqtest is a local fake of the API.
package wrapper
