package kelviqtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/kelviq/kelviq-go/wrapper"
)

// Endpoints beyond the reference: kelviq's official SDKs call them, but
// openapi.json does not list them, so the generated server knows nothing
// of them. The fake serves them as the SDK docs show:
//
//	GET    /customers/{customerId}/  the customer (CustomerResponse)
//	DELETE /customers/{customerId}/  archives the customer: 204; its
//	                                 customerId stays taken
//	POST   /report/event/            a raw usage event, echoed with orgId
//
// with or without the trailing slash, a server key as Bearer token, and
// request fields in camelCase or snake_case. The Go client keeps to the
// reference and has no method for them.

// beyondRoute reports which of the endpoints beyond the reference r asks
// for ("" for none) and the customer ID in its path.
func beyondRoute(r *http.Request) (route, customerID string) {
	rest, ok := strings.CutPrefix(r.URL.Path, BasePath+"/")
	if !ok {
		return "", ""
	}
	rest = strings.TrimSuffix(rest, "/")
	if id, ok := strings.CutPrefix(rest, "customers/"); ok && id != "" && !strings.Contains(id, "/") &&
		(r.Method == http.MethodGet || r.Method == http.MethodDelete) {
		return "customer", id
	}
	if rest == "report/event" && r.Method == http.MethodPost {
		return "event", ""
	}
	return "", ""
}

// serveBeyond serves r when it asks for an endpoint beyond the reference,
// and reports whether it did.
func (s *Server) serveBeyond(w http.ResponseWriter, r *http.Request) bool {
	route, customerID := beyondRoute(r)
	if route == "" {
		return false
	}
	o, ok := s.authenticate(w, r, wrapper.AuthServerKey, false)
	if !ok {
		return true
	}
	switch route {
	case "customer":
		s.serveCustomer(w, r, o, customerID)
	case "event":
		s.serveReportEvent(w, r, o)
	}
	return true
}

// serveCustomer serves GET (the customer) and DELETE (archive it).
func (s *Server) serveCustomer(w http.ResponseWriter, r *http.Request, o *org, customerID string) {
	st := s.state
	st.mu.Lock()
	defer st.mu.Unlock()
	c := o.customers.lookup(w, customerID, notFound)
	if c == nil {
		return
	}
	if r.Method == http.MethodGet {
		writeJSON(w, http.StatusOK, c)
		return
	}
	o.customers.remove(customerID)
	if o.archivedCustomers == nil {
		o.archivedCustomers = map[string]bool{}
	}
	o.archivedCustomers[customerID] = true
	writeNoContent(w)
}

// rawEvent is one event reportEvent accepted.
type rawEvent struct {
	customerID, eventName, idempotencyKey, timestamp string
	properties                                       map[string]any
}

func (e *rawEvent) response(orgID string) obj {
	return obj{
		"customerId": e.customerID, "eventName": e.eventName, "idempotencyKey": e.idempotencyKey,
		"timestamp": e.timestamp, "properties": e.properties, "orgId": orgID,
	}
}

// rawEventTime is the timestamp format the SDK docs give for raw events.
const rawEventTime = "2006-01-02 15:04:05.999999"

// serveReportEvent records a raw usage event. customerId, eventName,
// idempotencyKey and timestamp are required (400 naming each one missing);
// an event whose idempotencyKey was seen before gets the response it got the
// first time and not recorded again.
func (s *Server) serveReportEvent(w http.ResponseWriter, r *http.Request, o *org) {
	raw, ok := s.readBody(w, r, "application/json") // JSON whatever the Content-Type says
	if !ok {
		return
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil || body == nil {
		writeDetail(w, http.StatusBadRequest, "JSON parse error - the body must be a JSON object.")
		return
	}
	field := func(name string) (string, bool) {
		v, ok := body[name]
		if !ok {
			v, ok = body[camelToSnake(name)]
		}
		str, isStr := v.(string)
		return str, ok && isStr && str != ""
	}
	var e rawEvent
	missing := obj{}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"customerId", &e.customerID}, {"eventName", &e.eventName}, {"idempotencyKey", &e.idempotencyKey}, {"timestamp", &e.timestamp}} {
		v, ok := field(f.name)
		if !ok {
			missing[f.name] = []string{"This field is required."}
			continue
		}
		*f.dst = v
	}
	if len(missing) > 0 {
		writeJSON(w, http.StatusBadRequest, missing)
		return
	}
	if _, err := time.Parse(rawEventTime, e.timestamp); err != nil {
		writeFieldErrors(w, "timestamp", "Use the format yyyy-MM-dd HH:mm:ss.ffffff (UTC).")
		return
	}
	if p, ok := body["properties"].(map[string]any); ok {
		e.properties = p
	} else if v, present := body["properties"]; present && v != nil {
		writeFieldErrors(w, "properties", "Expected an object.")
		return
	}
	st := s.state
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, seen := range o.rawEvents {
		if seen.idempotencyKey == e.idempotencyKey {
			writeJSON(w, http.StatusOK, seen.response(o.id.String()))
			return
		}
	}
	o.rawEvents = append(o.rawEvents, &e)
	writeJSON(w, http.StatusOK, e.response(o.id.String()))
}

// RawEvents returns the raw usage events an organization reported with
// POST /report/event/ (beyond the reference), oldest first, as the response
// gave them.
func (s *Server) RawEvents(organizationID string) ([]map[string]any, error) {
	st := s.state
	st.mu.Lock()
	defer st.mu.Unlock()
	o, err := st.orgByID("RawEvents", organizationID)
	if err != nil {
		return nil, err
	}
	out := []map[string]any{}
	for _, e := range o.rawEvents {
		out = append(out, e.response(o.id.String()))
	}
	return out, nil
}

// clientKeyOperations take the organization's client API key as well as
// its server key. The reference names only the server key; kelviq's guides
// tell browser integrations to call these with the client key.
var clientKeyOperations = map[string]bool{
	"getCustomerEntitlements": true, // guides/subscription-integration.mdx
	"getPromotion":            true, // the reference's own getPromotion description
	"getProductOffering":      true, // a pricing page; ip_address applies "only with a server API key"
}

// orgForClientKey returns the organization a client key belongs to.
func (s *state) orgForClientKey(key string) *org {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byClient[key]
}
