package kelviqtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kelviq/kelviq-go/internal/check"
	"github.com/kelviq/kelviq-go/internal/fakeapi"
	"github.com/kelviq/kelviq-go/webhook"
)

// WebhookSecretPrefix is how kelviq's webhook signing secrets start.
const WebhookSecretPrefix = "kq_whsec_"

// Webhook delivery as kelviq's webhook guide documents it: a delivery
// that gets no 2xx response is retried up to 3 times, 60 seconds apart.
const (
	// DefaultWebhookRetries is how many times a failed delivery is retried
	// after the first attempt.
	DefaultWebhookRetries = 3
	// DefaultWebhookRetrySpacing is the wait between two attempts.
	DefaultWebhookRetrySpacing = 60 * time.Second
)

// webhookTimeout bounds one delivery attempt.
const webhookTimeout = 10 * time.Second

// webhookLogWindow is how far back listWebhookEventLogs looks, whatever
// start_date asks.
const webhookLogWindow = 30 * 24 * time.Hour

// WithWebhook makes the fake deliver webhooks to endpoint, signed with
// secret as kelviq signs them (headers webhook-id, webhook-timestamp and
// webhook-signature; see package webhook), for the changes it makes and
// for TriggerEvent. A delivery that does not get a 2xx response is retried
// DefaultWebhookRetries times, DefaultWebhookRetrySpacing apart, as kelviq
// does (see WithWebhookRetries). endpoint must be an absolute http(s) URL
// and secret must start with "kq_whsec_".
func WithWebhook(endpoint, secret string) Option {
	return func(c *config) error {
		if err := checkAbsoluteURL(endpoint); err != nil {
			return fmt.Errorf("kelviqtest: WithWebhook: endpoint: %w", err)
		}
		if err := check.KeyRule("the signing secret", secret, WebhookSecretPrefix); err != nil {
			return fmt.Errorf("kelviqtest: WithWebhook: %w", err)
		}
		c.webhookURL, c.webhookSecret = endpoint, secret
		return nil
	}
}

// WithWebhookRetries sets how many times a failed webhook delivery is
// retried after the first attempt (0 or more; kelviq: 3) and the wait
// between two attempts (kelviq: 60 s). A test shortens the wait so that it
// need not take minutes; `kelviq fake` keeps kelviq's timing.
func WithWebhookRetries(retries int, spacing time.Duration) Option {
	return func(c *config) error {
		if retries < 0 {
			return errors.New("kelviqtest: WithWebhookRetries: retries must not be negative")
		}
		if spacing < 0 {
			return errors.New("kelviqtest: WithWebhookRetries: spacing must not be negative")
		}
		c.webhookAttempts, c.webhookBackoff = retries+1, spacing
		return nil
	}
}

// outbox holds the events waiting for delivery; one worker delivers them in
// the order they were emitted.
type outbox struct {
	endpoint   string
	endpointID openapi_types.UUID
	secret     string
	attempts   int           // the first attempt and the retries
	spacing    time.Duration // between two attempts
	client     *http.Client
	clock      func() time.Time // the fake's clock, for the log rows

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
	org       *org // nil for a triggered event
	eventID   openapi_types.UUID
	eventType string
	created   time.Time
	body      []byte
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
		spacing:    cfg.webhookBackoff,
		client:     &http.Client{Timeout: webhookTimeout},
		clock:      cfg.clock,
		wake:       make(chan struct{}, 1),
		ctx:        ctx,
		cancel:     cancel,
		stopped:    make(chan struct{}),
	}
	go ob.run()
	return ob
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

// deliver posts one event until an attempt gets a 2xx response or the
// retries are used up, waiting the spacing between attempts. Each attempt
// is one row of the organization's webhook log.
func (ob *outbox) deliver(p *pending) {
	for attempt := 0; attempt < ob.attempts; attempt++ {
		if attempt > 0 {
			t := time.NewTimer(ob.spacing)
			select {
			case <-ob.ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		at := ob.clock().UTC().Truncate(time.Microsecond) // as the state's clock is read
		status, ok := ob.post(p)
		p.org.logAttempt(&webhookLog{
			id: newUUID(), eventID: p.eventID, endpoint: ob.endpointID, eventType: p.eventType,
			statusCode: status, success: ok, retries: attempt, lastAttempt: at, created: p.created, payload: p.body,
		})
		if ok {
			return
		}
	}
}

// post makes one attempt; status is 0 when no response came.
func (ob *outbox) post(p *pending) (status int, ok bool) {
	req, err := http.NewRequestWithContext(ob.ctx, http.MethodPost, ob.endpoint, bytes.NewReader(p.body))
	if err != nil {
		return 0, false
	}
	// The signature's time is the real time: receivers compare it with
	// their own clock.
	ts := time.Now()
	id := p.eventID.String()
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

// logAttempt adds one delivery attempt to the organization's webhook log.
// A triggered event (no organization) is delivered but logged nowhere.
func (o *org) logAttempt(lg *webhookLog) {
	if o == nil {
		return
	}
	o.logMu.Lock()
	o.webhookLogs = append(o.webhookLogs, lg)
	o.logMu.Unlock()
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

// ErrClosed is returned by FlushWebhooks once the server is closed: the
// deliveries still queued are dropped.
var ErrClosed = errors.New("kelviqtest: server closed")

// FlushWebhooks waits until every webhook emitted so far has been delivered
// or given up on (its retries included), or ctx ends. Without a webhook
// endpoint it returns at once; after Close it fails with ErrClosed.
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

// ListWebhookEventLogs lists the organization's delivery attempts, one row
// per attempt (retries included), newest first. start_date and end_date
// filter on lastAttempt, within the trailing 30 days of the fake's clock.
func (f *fake) ListWebhookEventLogs(w http.ResponseWriter, r *http.Request, params fakeapi.ListWebhookEventLogsParams) {
	f.withOrg(w, r, nil, func(o *org) {
		oldest := o.now().Add(-webhookLogWindow)
		o.logMu.Lock()
		defer o.logMu.Unlock()
		items := []obj{}
		for _, lg := range slices.Backward(o.webhookLogs) {
			if lg.lastAttempt.Before(oldest) || !inDates(lg.lastAttempt, params.StartDate, params.EndDate) {
				continue
			}
			var code any
			if lg.statusCode != 0 {
				code = lg.statusCode
			}
			items = append(items, obj{
				"id": lg.id.String(), "eventId": lg.eventID.String(), "endpoint": lg.endpoint.String(), "eventType": lg.eventType,
				"statusCode": code, "isSuccess": lg.success, "retryCount": lg.retries, "lastAttempt": rfc3339(lg.lastAttempt),
				"createdOn": rfc3339(lg.created), "payload": json.RawMessage(lg.payload),
			})
		}
		writePage(w, r, f.s.spec, items, params.Page, params.PageSize)
	})
}
