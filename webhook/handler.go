package webhook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// Handler is a [net/http.Handler] that receives kelviq webhook deliveries.
// Create it with [NewHandler]. A Handler is immutable and safe for
// concurrent use.
type Handler struct {
	secret string
	fn     func(ctx context.Context, e Event) error
	cfg    config
}

// NewHandler returns a [Handler] that accepts POST requests, reads the body
// (at most [DefaultMaxBodyBytes], see [WithMaxBodyBytes]), verifies it with
// [Verify] using secret and opts, and calls fn with the request's context
// and the verified event.
//
// Responses:
//
//   - 204 No Content when fn returns nil (the only 2xx response);
//   - 400 Bad Request with a short plain-text reason when verification
//     fails (fn is not called);
//   - 405 Method Not Allowed for methods other than POST;
//   - 413 Request Entity Too Large when the body exceeds the size limit;
//   - 500 Internal Server Error when fn returns an error (the error text is
//     not sent to the client);
//   - with [WithReplayGuard]: 204 without calling fn for a delivery
//     processed already, 409 Conflict (with Retry-After) for a copy of one
//     still being processed, 503 when the replay store fails.
//
// Response bodies never contain the secret or the expected signature.
// kelviq retries deliveries that do not get a 2xx response, so fn should be
// idempotent (deduplicate on [Event.ID]); [WithReplayGuard] does that for
// you and also stops a captured delivery from being replayed within the
// tolerance window.
//
// NewHandler fails with [ErrEmptySecret] when secret is empty, with
// [ErrInvalidOption] when fn is nil or an option is invalid, so that
// configuration mistakes surface at startup.
func NewHandler(secret string, fn func(ctx context.Context, e Event) error, opts ...Option) (*Handler, error) {
	if secret == "" {
		return nil, ErrEmptySecret
	}
	if fn == nil {
		return nil, fmt.Errorf("%w: NewHandler requires a non-nil callback", ErrInvalidOption)
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return &Handler{secret: secret, fn: fn, cfg: cfg}, nil
}

// ServeHTTP implements [net/http.Handler]; see [NewHandler] for the
// behaviour.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.ContentLength > h.cfg.maxBodyBytes {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.maxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read request body", http.StatusBadRequest)
		return
	}

	e, err := verify(body, r.Header, h.secret, h.cfg)
	if err != nil {
		http.Error(w, rejectReason(err), http.StatusBadRequest)
		return
	}
	status, err := h.guard(r.Context(), e, func() error { return h.fn(r.Context(), e) })
	switch {
	case status == http.StatusServiceUnavailable:
		http.Error(w, "cannot check for replays now", http.StatusServiceUnavailable)
	case status == http.StatusConflict:
		w.Header().Set("Retry-After", strconv.Itoa(ReplayRetryAfter))
		http.Error(w, "this delivery is being processed; retry later", http.StatusConflict)
	case err != nil:
		http.Error(w, "webhook processing failed", http.StatusInternalServerError)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// rejectReason maps a verification error to a short, fixed client-facing
// reason. It never echoes request data.
func rejectReason(err error) string {
	switch {
	case errors.Is(err, ErrMissingHeader):
		var m *missingHeaderError
		if errors.As(err, &m) {
			return "missing header " + m.name
		}
		return "missing header"
	case errors.Is(err, ErrMalformedHeader):
		return "malformed webhook header"
	case errors.Is(err, ErrInvalidSignature):
		return "invalid signature"
	case errors.Is(err, ErrTimestampTooOld):
		return "timestamp too old"
	case errors.Is(err, ErrTimestampTooNew):
		return "timestamp too new"
	case errors.Is(err, ErrMalformedPayload):
		return "malformed payload"
	default:
		return "verification failed"
	}
}
