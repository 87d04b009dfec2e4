// Package kelviqtest is an in-memory fake of the kelviq API, for tests and for
// programs run without a kelviq account.
//
// A Server listens on the loopback interface and answers every operation of
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
//  1. It finds the operation with kin-openapi's router; an unknown path is
//     404 and a known path with another method is 405.
//  2. It checks the credential the spec names for the operation (see
//     wrapper.Operation.Auth): the partner key in X-Kelviq-Partner-Key for the
//     partner operations, nothing for downloadCatalogPlanFile, and a server
//     key issued by this fake (Authorization: Bearer ...) for every other
//     operation. A missing or wrong key is 401 {"detail": "..."}.
//  3. It validates the request against openapi.json with kin-openapi's
//     openapi3filter. An invalid query or body is 400 with field errors in
//     the shape Django REST framework uses, {"field": ["message"]} (nested
//     fields as nested objects); an invalid path parameter is 404, as a URL
//     that matches no route would be on the real API.
//  4. It runs the operation.
//
// These operations keep real state, scoped to the organization whose server
// key is used (one organization never sees another's data):
//
//   - partner organizations: provision, list (with the external_id filter),
//     retrieve by identifier and by external ID, with the API's 400 for a
//     taken external ID and 409 for a taken email;
//   - customers: create, PATCH update (fields left out keep their values,
//     an explicit null clears a nullable field) and list with search and
//     page/page_size paging, next/previous being absolute URLs;
//   - catalog products, features and plans: create, list, retrieve, update
//     (products and plans), delete (which archives), and for plans the draft
//     and version life cycle: publish and discard.
//
// Every other operation answers its declared success status with a body
// built from the response schema in openapi.json (the schema's example
// where it has a valid one, else a value of the right type and format), list
// operations an empty page, and downloadCatalogPlanFile a 302 to a fake
// signed URL on files.example.invalid.
//
// State lives in the Server value and is guarded by a mutex, so tests may run
// in parallel, each with its own server or sharing one.
package kelviqtest
