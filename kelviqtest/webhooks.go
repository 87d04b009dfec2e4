package kelviqtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kelviq/kelviq-go/internal/fakeapi"
	"github.com/kelviq/kelviq-go/webhook"
)

// WebhookSecretPrefix is how kelviq's webhook signing secrets start.
const WebhookSecretPrefix = "kq_whsec_"

// Webhook delivery defaults: attempts per event and the first wait between
// attempts, which doubles after each failed one (capped at maxBackoff).
const (
	defaultWebhookAttempts = 5
	defaultWebhookBackoff  = 200 * time.Millisecond
	maxBackoff             = 30 * time.Second
	webhookTimeout         = 10 * time.Second
)

// WithWebhook makes the fake deliver webhooks to endpoint, signed with
// secret as kelviq signs them (headers webhook-id, webhook-timestamp and
// webhook-signature; see package webhook): customer, checkout, order,
// invoice, subscription, refund, payment method and feature usage events,
// as state changes. A delivery that does not get a 2xx answer is retried
// with exponential backoff (see WithWebhookRetries). endpoint must be an
// absolute http(s) URL and secret must start with "kq_whsec_".
func WithWebhook(endpoint, secret string) Option {
	return func(c *config) error {
		if err := checkAbsoluteURL(endpoint); err != nil {
			return fmt.Errorf("kelviqtest: WithWebhook: endpoint: %w", err)
		}
		if !strings.HasPrefix(secret, WebhookSecretPrefix) || len(secret) == len(WebhookSecretPrefix) || strings.TrimSpace(secret) != secret {
			return fmt.Errorf("kelviqtest: WithWebhook: secret must start with %q and have no spaces", WebhookSecretPrefix)
		}
		c.webhookURL, c.webhookSecret = endpoint, secret
		return nil
	}
}

// WithWebhookRetries sets how many times a webhook delivery is attempted
// (at least 1; default 5) and the wait before the first retry (default
// 200ms), which doubles after each failed attempt up to 30s.
func WithWebhookRetries(attempts int, firstBackoff time.Duration) Option {
	return func(c *config) error {
		if attempts < 1 {
			return errors.New("kelviqtest: WithWebhookRetries: attempts must be at least 1")
		}
		if firstBackoff < 0 {
			return errors.New("kelviqtest: WithWebhookRetries: firstBackoff must not be negative")
		}
		c.webhookAttempts, c.webhookBackoff = attempts, firstBackoff
		return nil
	}
}

// outbox holds the events waiting for delivery; one worker delivers them in
// the order they were emitted.
type outbox struct {
	endpoint   string
	endpointID openapi_types.UUID
	secret     string
	attempts   int
	backoff    time.Duration
	client     *http.Client

	mu      sync.Mutex
	queue   []*pending
	busy    bool
	wake    chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
	stopped chan struct{}
}

// pending is one event to deliver.
type pending struct {
	org  *org
	log  *webhookLog
	body []byte
}

func newOutbox(cfg config) *outbox {
	if cfg.webhookURL == "" {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	ob := &outbox{
		endpoint:   cfg.webhookURL,
		endpointID: newUUID(),
		secret:     cfg.webhookSecret,
		attempts:   cfg.webhookAttempts,
		backoff:    cfg.webhookBackoff,
		client:     &http.Client{Timeout: webhookTimeout},
		wake:       make(chan struct{}, 1),
		ctx:        ctx,
		cancel:     cancel,
		stopped:    make(chan struct{}),
	}
	go ob.run()
	return ob
}

// emit records an event of the organization and queues its delivery. The
// caller holds the state's lock; nothing here blocks.
func (s *Server) emit(o *org, typ string, object, previous obj) string {
	id := newUUID()
	env := obj{"id": id.String(), "type": typ, "created_at": rfc3339(s.now()), "data": obj{"object": object}}
	if previous != nil {
		env["data"].(obj)["previous_attributes"] = previous
	}
	body, err := json.Marshal(env)
	if err != nil { // the objects are built from plain values: cannot happen
		return ""
	}
	s.eventsMu.Lock()
	s.events = append(s.events, Event{ID: id.String(), Type: typ, Payload: body})
	s.eventsMu.Unlock()
	if s.outbox == nil {
		return id.String()
	}
	var payload obj
	_ = json.Unmarshal(body, &payload)
	t := s.now()
	lg := &webhookLog{id: newUUID(), eventID: id, endpoint: s.outbox.endpointID, eventType: typ, created: t, lastAttempt: t, payload: payload}
	if o != nil {
		o.webhookLogs = append(o.webhookLogs, lg)
	}
	s.outbox.push(&pending{org: o, log: lg, body: body})
	return id.String()
}

// ErrClosed is returned by FlushWebhooks once the server is closed: the
// deliveries still queued are dropped.
var ErrClosed = errors.New("kelviqtest: server closed")

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

func (ob *outbox) push(p *pending) {
	ob.mu.Lock()
	ob.queue = append(ob.queue, p)
	ob.mu.Unlock()
	select {
	case ob.wake <- struct{}{}:
	default:
	}
}

// run delivers queued events one at a time until stopped.
func (ob *outbox) run() {
	defer close(ob.stopped)
	for {
		ob.mu.Lock()
		if len(ob.queue) == 0 {
			ob.busy = false
			ob.mu.Unlock()
			select {
			case <-ob.ctx.Done():
				return
			case <-ob.wake:
				continue
			}
		}
		p := ob.queue[0]
		ob.queue = ob.queue[1:]
		ob.busy = true
		ob.mu.Unlock()
		ob.deliver(p)
		if ob.ctx.Err() != nil {
			return
		}
	}
}

// deliver posts one event, retrying with exponential backoff.
func (ob *outbox) deliver(p *pending) {
	wait := ob.backoff
	for attempt := 1; attempt <= ob.attempts; attempt++ {
		status, ok := ob.post(p)
		p.org.noteAttempt(p.log, status, ok, attempt)
		if ok || attempt == ob.attempts {
			return
		}
		t := time.NewTimer(wait)
		select {
		case <-ob.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(wait*2, maxBackoff)
	}
}

func (ob *outbox) post(p *pending) (status int, ok bool) {
	req, err := http.NewRequestWithContext(ob.ctx, http.MethodPost, ob.endpoint, bytes.NewReader(p.body))
	if err != nil {
		return 0, false
	}
	ts := time.Now()
	id := p.log.eventID.String()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "kelviq-fake-webhooks")
	req.Header.Set(webhook.HeaderID, id)
	req.Header.Set(webhook.HeaderTimestamp, fmt.Sprint(ts.Unix()))
	req.Header.Set(webhook.HeaderSignature, webhook.Sign(ob.secret, id, ts, p.body))
	resp, err := ob.client.Do(req)
	if err != nil {
		return 0, false
	}
	resp.Body.Close()
	return resp.StatusCode, resp.StatusCode >= 200 && resp.StatusCode <= 299
}

// noteAttempt updates an event's log entry after a delivery attempt.
func (o *org) noteAttempt(lg *webhookLog, status int, ok bool, attempt int) {
	if o == nil {
		return
	}
	o.logMu.Lock()
	defer o.logMu.Unlock()
	if status != 0 {
		lg.statusCode = &status
	}
	lg.success = ok
	lg.retries = attempt - 1
	lg.lastAttempt = o.now()
}

// idle reports whether nothing is queued or being delivered.
func (ob *outbox) idle() bool {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	return len(ob.queue) == 0 && !ob.busy
}

func (ob *outbox) stop() {
	ob.cancel()
	<-ob.stopped
}

// FlushWebhooks waits until every webhook emitted so far has been delivered
// or given up on, or ctx ends. Without a webhook endpoint it returns at once;
// after Close it fails with ErrClosed.
func (s *Server) FlushWebhooks(ctx context.Context) error {
	if s.outbox == nil {
		return nil
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !s.outbox.idle() {
		if s.outbox.ctx.Err() != nil {
			return ErrClosed
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// TriggerEvent emits an event of the given type on demand, as `kelviq
// trigger` does, and returns its id. The object it carries is a sample of
// the right kind (a customer for customer.*, an order for order.*, ...)
// that belongs to no organization's state. Types kelviq does not document
// are refused.
func (s *Server) TriggerEvent(eventType string) (string, error) {
	t := webhook.EventType(eventType)
	if !t.Known() {
		return "", fmt.Errorf("kelviqtest: TriggerEvent: unknown event type %q (known: %s)", eventType, knownTypes())
	}
	st := s.state
	st.mu.Lock()
	defer st.mu.Unlock()
	return s.emit(nil, eventType, sampleObject(eventType, s.now()), nil), nil
}

func knownTypes() string {
	var names []string
	for _, t := range webhook.EventTypes() {
		names = append(names, string(t))
	}
	return strings.Join(names, ", ")
}

// sampleObject is a made-up resource for a triggered event.
func sampleObject(eventType string, at time.Time) obj {
	t := rfc3339(at)
	cust := obj{"object": "customer", "id": newUUID().String(), "customer_id": "cus_sample", "name": "Sample Customer",
		"email": "sample@customers.example.com", "details": obj{}, "metadata": obj{}, "created_on": t, "modified_on": t}
	plan := obj{"name": "Sample plan", "identifier": "sample-plan", "version": 1}
	product := obj{"id": newUUID().String(), "name": "Sample product"}
	kind, _, _ := strings.Cut(eventType, ".")
	base := obj{"id": newUUID().String(), "created_on": t, "modified_on": t}
	switch kind {
	case "customer":
		return cust
	case "checkout":
		base["object"], base["status"], base["customer_id"], base["customer"] = "checkout_session", "complete", "cus_sample", cust
		base["amount"], base["amount_units"], base["currency"], base["plan"], base["product"] = "29.00", 2900, defaultCurrency, plan, product
	case "order":
		base["object"], base["status"], base["billing_type"], base["customer_id"], base["customer"] = "order", "COMPLETE", "SUBSCRIPTION", "cus_sample", cust
		base["paid_at"], base["amount_total"], base["amount_total_units"], base["currency"], base["plan"], base["product"] = t, "29.00", 2900, defaultCurrency, plan, product
	case "subscription":
		base["object"], base["status"], base["plan"], base["product"], base["customer"] = "subscription", "active", plan, product, cust
		base["amount"], base["amount_units"], base["currency"], base["recurrence"] = "29.00", 2900, defaultCurrency, "month"
		base["start_date"], base["billing_period_start_time"], base["billing_period_end_time"] = dateOnly(at), t, rfc3339(at.AddDate(0, 1, 0))
	case "feature":
		base["object"], base["customer"], base["usage_limit"], base["current_usage"] = "feature_usage_alert", cust, 100, 100
		base["feature"] = obj{"id": newUUID().String(), "name": "API calls", "identifier": "api-calls", "feature_type": "METER"}
		base["threshold_type"], base["threshold_value"] = "PERCENTAGE", 100
	case "invoice":
		base["object"], base["status"], base["paid_at"], base["amount_total"], base["amount_total_units"] = "invoice", "paid", t, "29.00", 2900
		base["currency"], base["customer_id"], base["customer"], base["product"] = defaultCurrency, "cus_sample", cust, product
	case "refund":
		base["object"], base["status"], base["amount"], base["amount_units"], base["currency"] = "refund", "SUCCEEDED", "29.00", 2900, defaultCurrency
		base["reason"], base["order_id"] = "REQUESTED_BY_CUSTOMER", newUUID().String()
	case "payment_method":
		return obj{"object": "payment_method", "id": 1, "customer_id": "cus_sample", "customer": cust, "method_type": "card",
			"method_data": obj{"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": at.Year() + 3, "funding": "credit", "country": "US"},
			"is_default":  true, "status": "succeeded"}
	}
	return base
}

// ---- webhook payloads: the API's objects in snake_case ----

// snakeKeys converts an object's keys to snake_case, leaving the keys of
// the free-form maps clients fill (metadata, priceData, ...) as they are.
func snakeKeys(v any) any {
	switch x := v.(type) {
	case obj:
		out := obj{}
		for k, val := range x {
			sk := camelToSnake(k)
			switch k {
			case "metadata", "details", "customFieldsData", "customization", "priceData", "featureDetails", "meter", "rollover":
				out[sk] = val
			default:
				out[sk] = snakeKeys(val)
			}
		}
		return out
	case []obj:
		return snakeEach(x)
	case []any:
		return snakeEach(x)
	}
	switch v.(type) {
	case nil, string, bool, int, int64, float64, json.Number:
		return v
	}
	// A generated type: go through JSON.
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var m any
	if json.Unmarshal(b, &m) != nil {
		return v
	}
	if mm, ok := m.(map[string]any); ok {
		return snakeKeys(obj(mm))
	}
	if mm, ok := m.([]any); ok {
		return snakeKeys(mm)
	}
	return m
}

// snakeEach is snakeKeys of each item.
func snakeEach[T any](items []T) []any {
	out := make([]any, len(items))
	for i, item := range items {
		out[i] = snakeKeys(item)
	}
	return out
}

func (o *org) hookBase(kind string, v obj) obj {
	out, _ := snakeKeys(v).(obj)
	out["object"] = kind
	out["organization"] = o.id.String()
	return out
}

func (o *org) customerHook(c *fakeapi.CustomerResponse) obj {
	out := o.hookBase("customer", toObj(c))
	n := 0
	for _, s := range o.subscriptions {
		if s.customerID == deref(c.CustomerId) && s.status == "active" {
			n++
		}
	}
	out["subscriptions"] = n
	return out
}

func (o *org) customerRef(customerID string) obj {
	if c := o.customer(customerID); c != nil {
		return o.customerHook(c)
	}
	return obj{"object": "customer", "customer_id": customerID}
}

func (o *org) planRef(ident string, version int) obj {
	out := obj{"identifier": ident, "version": version, "name": ""}
	if _, v := o.planVersion(ident, version); v != nil {
		out["name"] = deref(v.data.Name)
	}
	return out
}

func (o *org) productRef(ident string) obj {
	p := o.planByIdentifier[ident]
	if p == nil {
		return obj{}
	}
	out := obj{"id": p.product.String(), "name": ""}
	if prod := o.productByID[p.product]; prod != nil {
		out["name"] = deref(prod.data.Name)
	}
	return out
}

func (o *org) subscriptionHook(s *subscription) obj {
	out := o.hookBase("subscription", o.subscriptionObj(s))
	out["plan"] = o.planRef(s.plan, s.version)
	out["product"] = o.productRef(s.plan)
	out["customer"] = o.customerRef(s.customerID)
	out["amount_units"] = s.amountUnits
	out["created_on"], out["modified_on"] = rfc3339(s.created), rfc3339(o.now())
	return out
}

func (o *org) orderHook(od *order) obj {
	out := o.hookBase("order", o.orderObj(od))
	out["plan"] = o.planRef(od.plan, od.version)
	out["customer_id"], out["customer"] = od.customerID, o.customerRef(od.customerID)
	out["currency"] = od.currency
	out["subscription_id"] = od.subscriptionID()
	out["created_on"], out["modified_on"] = rfc3339(od.created), rfc3339(o.now())
	return out
}

func (o *org) invoiceHook(od *order) obj {
	out := obj{
		"object": "invoice", "id": od.invoiceID, "status": "paid", "paid_at": rfc3339(od.paidAt),
		"amount_total": money(od.totalUnits), "amount_total_units": od.totalUnits, "currency": od.currency,
		"due_date": dateOnly(od.created), "order_id": od.id, "customer_id": od.customerID,
		"customer": o.customerRef(od.customerID), "organization": o.id.String(), "product": o.productRef(od.plan),
		"subscription_id": od.subscriptionID(), "created_on": rfc3339(od.created), "modified_on": rfc3339(od.created),
	}
	return out
}

// subscriptionID is the order's subscription's ID, or "" for a purchase.
func (od *order) subscriptionID() string {
	if od.subID == nil {
		return ""
	}
	return od.subID.String()
}

func (o *org) checkoutHook(cs *checkoutSession) obj {
	out := o.hookBase("checkout_session", o.checkoutObj(cs, false))
	out["customer_id"], out["customer"] = cs.customerID, o.customerRef(cs.customerID)
	out["plan"] = o.planRef(cs.plan, cs.version)
	out["product"] = o.productRef(cs.plan)
	out["checkout_type"] = "HOSTED"
	out["features"] = cs.features
	if od := o.orderByID[cs.orderID]; od != nil {
		out["amount"], out["amount_units"], out["currency"] = money(od.totalUnits), od.totalUnits, od.currency
	}
	out["modified_on"] = rfc3339(o.now())
	return out
}

func (o *org) refundHook(rf *refund) obj {
	out := o.hookBase("refund", o.refundObj(rf))
	delete(out, "order")
	out["order_id"], out["currency"], out["amount"] = rf.orderID, rf.currency, money(rf.units)
	out["created_on"], out["modified_on"] = rfc3339(rf.created), rfc3339(rf.created)
	return out
}

func (o *org) paymentMethodHook(pm *paymentMethod) obj {
	out := o.hookBase("payment_method", o.paymentMethodObj(pm))
	out["customer_id"], out["customer"] = pm.customerID, o.customerRef(pm.customerID)
	return out
}

func (o *org) usageAlertHook(customerID string, e *entitlement, usage int64) obj {
	d := e.feature.data
	out := obj{
		"object": "feature_usage_alert", "id": newUUID().String(), "organization": o.id.String(),
		"feature":     obj{"id": deref(d.Id).String(), "name": deref(d.Name), "identifier": deref(d.Identifier), "feature_type": string(deref(d.FeatureType))},
		"customer":    o.customerRef(customerID),
		"usage_limit": e.limit, "current_usage": usage, "threshold_type": "PERCENTAGE", "threshold_value": 100,
		"created_on": rfc3339(o.now()), "modified_on": rfc3339(o.now()),
	}
	for _, s := range o.subscriptions {
		if s.customerID == customerID && s.grants(o.now()) {
			out["subscription_id"] = s.id.String()
			out["period_start_time"], out["period_end_time"] = rfc3339(s.periodStart), rfc3339(s.periodEnd)
			break
		}
	}
	return out
}

// ListWebhookEventLogs lists the organization's webhook deliveries, newest
// first.
func (f *fake) ListWebhookEventLogs(w http.ResponseWriter, r *http.Request, params fakeapi.ListWebhookEventLogsParams) {
	f.withOrg(w, r, nil, func(o *org) {
		o.logMu.Lock()
		defer o.logMu.Unlock()
		items := []obj{}
		for _, lg := range slices.Backward(o.webhookLogs) {
			if !inDates(lg.created, params.StartDate, params.EndDate) {
				continue
			}
			var code any
			if lg.statusCode != nil {
				code = *lg.statusCode
			}
			items = append(items, obj{
				"id": lg.id.String(), "eventId": lg.eventID.String(), "endpoint": lg.endpoint.String(), "eventType": lg.eventType,
				"statusCode": code, "isSuccess": lg.success, "retryCount": lg.retries, "lastAttempt": rfc3339(lg.lastAttempt),
				"createdOn": rfc3339(lg.created), "payload": lg.payload,
			})
		}
		writePage(w, r, f.s.spec, items, params.Page, params.PageSize)
	})
}

// ---- the fake's own endpoints, outside the API ----

// adminPrefix is where the fake serves what the real service serves on
// other hosts (checkout and portal pages, uploads, file downloads) and its
// own controls (triggering events).
const adminPrefix = "/_kelviqtest/"

// TriggerPath is the fake's own endpoint, outside the API, that TriggerEvent
// answers over HTTP: POST {"type": "customer.created"} with the partner key
// in X-Kelviq-Partner-Key; the answer is 201 {"id": ..., "type": ...}.
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
		if !s.partnerKeyOK(r) {
			writeDetail(w, http.StatusUnauthorized, "Invalid partner key.")
			return
		}
		var body struct {
			Type string `json:"type"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBody)).Decode(&body); err != nil || body.Type == "" {
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
			cs = o.sessionByID[id]
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
	default:
		writeDetail(w, http.StatusNotFound, notFound)
	}
}
