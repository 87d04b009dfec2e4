package kelviqtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/kelviq/kelviq-go/webhook"
	"github.com/kelviq/kelviq-go/wrapper"
)

// emit records an event of the organization and queues its delivery. The
// envelope is kelviq's: id (also each delivery's webhook-id), type,
// created_at and data.object, with data.previous_attributes only when
// previous is not nil (update events). The body is compact JSON, sent and
// signed byte for byte as marshalled here. The caller holds the state's
// lock; nothing here blocks.
func (s *Server) emit(o *org, typ string, object, previous obj) string {
	id := newUUID()
	t := s.now()
	data := obj{"object": object}
	if previous != nil {
		data["previous_attributes"] = previous
	}
	env := obj{"id": id.String(), "type": typ, "created_at": hookTime(t), "data": data}
	body, err := json.Marshal(env)
	if err != nil { // the objects are built from plain values: cannot happen
		return ""
	}
	s.eventsMu.Lock()
	s.events = append(s.events, Event{ID: id.String(), Type: typ, Payload: body})
	s.eventsMu.Unlock()
	if s.outbox != nil {
		s.outbox.push(&pending{org: o, eventID: id, eventType: typ, created: t, body: body})
	}
	return id.String()
}

// Event is a webhook event the fake emitted, as Events reports it.
type Event struct {
	// ID is the event's id (and its deliveries' webhook-id).
	ID string
	// Type is the event type, e.g. "subscription.created".
	Type string
	// Payload is the JSON body delivered.
	Payload []byte
}

// Events returns the webhook events emitted so far, oldest first, whether
// or not a webhook endpoint is configured.
func (s *Server) Events() []Event {
	s.eventsMu.Lock()
	defer s.eventsMu.Unlock()
	return slices.Clone(s.events)
}

// EventTypes lists the webhook event types kelviq's webhook guide
// documents, in its order. TriggerEvent accepts exactly these.
func EventTypes() []string { return slices.Clone(eventTypes) }

// eventTypes is the guide's table of event types, as the webhook package
// lists them.
var eventTypes = func() []string {
	var out []string
	for _, t := range webhook.EventTypes() {
		out = append(out, string(t))
	}
	return out
}()

// TriggerEvent emits an event of the given type on demand, as `kelviq
// trigger` does, and returns its id. The object it carries is a sample of
// the right kind (a customer for customer.*, an order for order.*, ...)
// with the fields kelviq documents for the type, and belongs to no
// organization's state. Types kelviq does not document (see EventTypes)
// are refused.
func (s *Server) TriggerEvent(eventType string) (string, error) {
	if !slices.Contains(eventTypes, eventType) {
		return "", fmt.Errorf("kelviqtest: TriggerEvent: unknown event type %q (known: %s)", eventType, strings.Join(eventTypes, ", "))
	}
	st := s.state
	st.mu.Lock()
	defer st.mu.Unlock()
	object, previous := sampleObject(eventType, s.now())
	return s.emit(nil, eventType, object, previous), nil
}

// ---- the fake's own endpoints, outside the API ----

// adminPrefix is where the fake serves what the real service serves on
// other hosts (checkout and portal pages, uploads, file downloads) and its
// own controls (triggering events).
const adminPrefix = "/_kelviqtest/"

// TriggerPath is the fake's own endpoint, outside the API, that TriggerEvent
// serves over HTTP: POST {"type": "customer.created"} with the partner key
// in X-Kelviq-Partner-Key; the response is 201 {"id": ..., "type": ...}.
// `kelviq trigger` uses it.
const TriggerPath = adminPrefix + "events"

// serveAdmin serves the fake's own endpoints:
//
//	POST /_kelviqtest/events            {"type": "customer.created"} → 201 {"id": ...}
//	                                    (partner key in X-Kelviq-Partner-Key)
//	GET|POST /_kelviqtest/checkout/{id} completes the checkout, then 303 to
//	                                    its successUrl (200 when it has none)
//	GET /_kelviqtest/portal/{token}     the customer portal (a text page)
//	POST /_kelviqtest/uploads/          accepts an upload (204)
//	GET /_kelviqtest/files/...          a downloaded plan file (text)
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, adminPrefix)
	kind, arg, _ := strings.Cut(rest, "/")
	switch kind {
	case "events":
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeDetail(w, http.StatusMethodNotAllowed, "Use POST.")
			return
		}
		if _, ok := s.authenticate(w, r, wrapper.AuthPartnerKey, false); !ok {
			return
		}
		raw, ok := s.readBody(w, r, "application/json")
		if !ok {
			return
		}
		var body struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(raw, &body); err != nil || body.Type == "" {
			writeFieldErrors(w, "type", "This field is required.")
			return
		}
		id, err := s.TriggerEvent(body.Type)
		if err != nil {
			writeFieldErrors(w, "type", strings.TrimPrefix(err.Error(), "kelviqtest: TriggerEvent: "))
			return
		}
		writeJSON(w, http.StatusCreated, obj{"id": id, "type": body.Type})
	case "checkout":
		id, err := url.PathUnescape(strings.TrimSuffix(arg, "/"))
		if err != nil {
			writeDetail(w, http.StatusNotFound, notFound)
			return
		}
		st := s.state
		st.mu.Lock()
		o := st.sessionOrg[id]
		var cs *checkoutSession
		if o != nil {
			cs = o.sessions.get(id)
			if cs.status == "open" {
				err = s.completeCheckout(o, cs)
			}
		}
		st.mu.Unlock()
		switch {
		case cs == nil:
			writeDetail(w, http.StatusNotFound, notFound)
		case err != nil:
			writeDetail(w, http.StatusBadRequest, err.Error())
		case cs.successURL != "":
			http.Redirect(w, r, cs.successURL, http.StatusSeeOther)
		default:
			writeText(w, "kelviq fake: checkout %s is complete.\n", id)
		}
	case "portal":
		// The portal's URL does not authenticate by itself: the session's
		// token comes as ?token= (or, as the fake once linked, in the path).
		token := strings.TrimSuffix(arg, "/")
		if token == "" {
			token = r.URL.Query().Get("token")
		}
		if token == "" {
			writeDetail(w, http.StatusUnauthorized, "A portal session token is required (?token=).")
			return
		}
		arg = token
		st := s.state
		st.mu.Lock()
		o := st.portalOrg[arg]
		customer := ""
		if o != nil {
			customer = o.portalTokens[arg]
		}
		st.mu.Unlock()
		if o == nil {
			writeDetail(w, http.StatusNotFound, notFound)
			return
		}
		writeText(w, "kelviq fake: customer portal of %s.\n", customer)
	case "uploads":
		if r.Method != http.MethodPost && r.Method != http.MethodPut {
			w.Header().Set("Allow", "POST, PUT")
			writeDetail(w, http.StatusMethodNotAllowed, "Use POST or PUT.")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case "files":
		writeText(w, "kelviq fake: contents of %s\n", arg)
	case "invoices": // an unpaid invoice's payment_link (dunning.go)
		writeText(w, "kelviq fake: payment page of invoice %s.\n", strings.TrimSuffix(arg, "/"))
	default:
		writeDetail(w, http.StatusNotFound, notFound)
	}
}
