// Package kelviqtest is an in-memory fake of the kelviq API for tests, and
// the server behind `kelviq fake`.
//
// A Server listens on the loopback interface and serves every operation of
// openapi.json under BasePath (/api/v1), edge operations included. In a
// test, start one with NewServer, which closes it when the test ends:
//
//	srv := kelviqtest.NewServer(t)           // closed by t.Cleanup
//	client := srv.Client()                   // *wrapper.Client with the partner key
//	org, err := client.Partner.Provision(ctx, wrapper.ProvisionParams{
//		ExternalID: "northwind-0042", Email: "owner@northwind.example",
//	})
//	orgClient, err := client.ForOrganization(org) // uses org's server key
//
// Anywhere else, such as a main program, a demo or a local development
// server, start one with New and stop it with Close; it needs no testing.T:
//
//	srv, err := kelviqtest.New(kelviqtest.WithAddr("127.0.0.1:8080")) // or New() for a free port
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer srv.Close()
//	client := srv.Client() // or wrapper.New(wrapper.WithBaseURL(srv.URL()), wrapper.WithPartnerKey(srv.PartnerKey()))
//
// What the fake does, in order, for every request:
//
//  1. It finds the operation with kin-openapi's router. A path the
//     reference writes with a trailing slash is also served without it, and
//     the other way round (kelviq's official SDKs call /entitlements). An
//     unknown path is 404 and a known path with another method is 405.
//  2. It checks the credential the spec names for the operation: the
//     partner key in X-Kelviq-Partner-Key for the partner operations,
//     nothing for downloadCatalogPlanFile, and a server key issued by this
//     fake (Authorization: Bearer ...) for every other operation. A missing
//     or wrong key is 401 {"detail": "..."}.
//  3. It accepts both key styles, as the real API does: query parameters
//     sent in camelCase (customerId) are read as the reference's snake_case
//     (customer_id), and body fields sent in snake_case (plan_identifier) as
//     the reference's camelCase (planIdentifier). Keys of free-form maps such
//     as metadata are left as sent. Responses are always camelCase.
//  4. It validates the request against openapi.json with kin-openapi's
//     openapi3filter, formats included. An invalid query or body is 400 with
//     field errors in the shape Django REST framework uses, {"field":
//     ["message"]}; an invalid path parameter is 404.
//  5. It runs the operation on the state of the organization whose server
//     key is used (one organization never sees another's data).
//
// The guards of every door are one mechanism: the reference's operations,
// the endpoints beyond it and the fake's own controls (TriggerPath) refuse
// a path over 8 KiB (414), a body over WithMaxBodyBytes (413), a JSON body
// that is not valid UTF-8 or nests too deep (400), and a missing or wrong
// credential (401), each in the same words.
//
// Every resource keeps real state: partner organizations, customers, the
// catalog (products with settings and images, features, plans with their
// draft/published versions, features and entitlement details, prices and
// files), checkout sessions and their events, subscriptions, orders and their
// events, transactions, charges, refunds, licenses and their instances,
// portal sessions, promotions (added with AddPromotion), product offerings,
// payment methods and webhook event logs. An identifier that names nothing
// is 404, with the error body the reference declares for the operation.
// Links the fake hands out (checkout and portal pages, upload and download
// URLs, a plan file's downloadUrl) are absolute URLs on the fake itself.
//
// Money and access follow the catalog: a subscription costs what the plan's
// prices say for its charge period; a customer's entitlements are the
// features of the plans they are subscribed to now (usage limits and hard
// limits from the plan's entitlement details, summed over plans);
// reportUsage with SET or DELTA moves the usage that getCustomerEntitlements
// reports as currentUsage and remaining, and hasAccess turns false past a
// hard limit. Usage returns a customer's usage to a test. A checkout is
// completed by opening its checkoutUrl or with CompleteCheckout, which
// creates the customer when new, the subscription (or a one-time purchase),
// the order, its transaction and payment method, and a license when the
// plan issues one. Time follows the fake's clock (WithClock; the wall clock
// by default): when a billing period is over the subscription renews (a
// renewal order, usage of features that reset each period back to zero),
// and a subscription cancelled for a later date ends then. A customer whose
// card a test declines (DeclinePayments) goes past_due at renewal; kelviq's
// 8 retries over 14 days follow, then the subscription is cancelled unless
// a retry pays.
//
// With WithWebhook the fake delivers webhooks for the changes it makes
// (customer, checkout, order, invoice, subscription, refund, payment method
// and usage alert events), signed as kelviq signs them, one at a time in the
// order they happened, each payload with the fields of the example in
// kelviq's webhook guide. A delivery that gets no 2xx response is retried up
// to 3 times, 60 seconds apart, as kelviq does; WithWebhookRetries changes
// that for tests. Each attempt is one row of listWebhookEventLogs.
// TriggerEvent sends an event of any documented type on demand;
// FlushWebhooks waits for the deliveries; Events lists every event. The
// deliveries of every organization go to the one endpoint.
// testdata/documented.md lists each statement of kelviq's docs about the
// API and its webhooks with the test that checks it, or why the fake does
// not model it.
//
// Beyond the reference, the fake also serves what kelviq's official SDKs
// call and openapi.json omits: GET and DELETE /customers/{customerId}/ and
// POST /report/event/ (see RawEvents); and, as kelviq's guides say, the
// organization's client API key opens getCustomerEntitlements,
// getPromotion and getProductOffering besides its server key.
//
// State lives in the Server value and is guarded by a mutex, so tests may run
// in parallel, each with its own server or sharing one.
package kelviqtest
