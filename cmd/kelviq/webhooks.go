package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kelviq/kelviq-go/webhook"
)

// webhookEventJSON is a verified delivery as the CLI prints it.
type webhookEventJSON struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Timestamp string `json:"timestamp"`
}

func (a *app) webhooksCommand() *cobra.Command {
	return group("webhooks <command>", "check webhook deliveries (KELVIQ_WEBHOOK_SECRET)", a.verifyWebhookCommand())
}

func (a *app) verifyWebhookCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "verify --id ID --timestamp TS --signature SIG [--secret SECRET] [--tolerance DURATION] < BODY",
		Short: "verify a webhook delivery's signature and timestamp",
		Long: `Checks that the body on standard input is an authentic kelviq delivery. The
body is used exactly as read, byte for byte (save it raw, e.g. with curl -o:
reformatting it, or an editor adding a final newline, breaks the signature).
--id, --timestamp and --signature are the values of the delivery's
webhook-id, webhook-timestamp and webhook-signature headers.

The signing secret comes from --secret or, better, from KELVIQ_WEBHOOK_SECRET
(other users of the machine may see a command line); --secret wins when both
are set. The secret is never printed.

A valid delivery prints its event type, id and time and exits 0. One that is
not exits 1 with the reason on stderr: invalid signature (wrong secret, or the
body or headers changed), timestamp too old or too new (more than --tolerance
away from this host's clock: a replayed delivery, or clocks that disagree),
malformed header, or malformed payload (the body is not a JSON object).
A missing flag or secret exits 2.

Example:
  export KELVIQ_WEBHOOK_SECRET=kq_whsec_...
  kelviq webhooks verify --id msg_2Yp --timestamp 1700000000 \
      --signature 'v1,5f0c...' < body.json`,
	}
	fs := c.Flags()
	secret := fs.String("secret", "", "the signing `SECRET`, kq_whsec_... (default: "+envWebhookSecret+", which keeps it off the command line)")
	id := fs.String("id", "", "the delivery `ID`, from the "+webhook.HeaderID+" header (required)")
	ts := fs.String("timestamp", "", "the Unix `SECONDS` from the "+webhook.HeaderTimestamp+" header (required)")
	sig := fs.String("signature", "", "the "+webhook.HeaderSignature+" header: one or more space-separated `v1,HEX` entries (required)")
	tol := fs.Duration("tolerance", webhook.DefaultTolerance, "the largest accepted `DURATION` between --timestamp and this host's clock, either way")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		key, fromFlag := *secret, fs.Changed("secret")
		if !fromFlag {
			key = a.getenv(envWebhookSecret)
		}
		a.secrets = append(a.secrets, key) // scrubbed from anything printed
		if len(args) > 0 {
			// Not echoed: it could be the secret or a body.
			return usagef("unexpected argument: the body is read from standard input")
		}
		// The delivery's own flags first, then the secret (as for the
		// API's keys, the input is checked before the key).
		switch {
		case *id == "":
			return usagef("--id is required: the delivery's %s header", webhook.HeaderID)
		case *ts == "":
			return usagef("--timestamp is required: the delivery's %s header", webhook.HeaderTimestamp)
		case strings.TrimSpace(*sig) == "":
			return usagef("--signature is required: the delivery's %s header", webhook.HeaderSignature)
		case *tol <= 0:
			return usagef("--tolerance: %s is not a positive duration", *tol)
		case key == "" && fromFlag:
			return usagef("--secret: must not be empty")
		case key == "":
			return usagef("--secret is required (or set %s)", envWebhookSecret)
		}
		// The limit of a handler's (webhook.NewHandler's default): what it
		// would refuse, verify does not accept.
		body, err := io.ReadAll(io.LimitReader(a.stdin, webhook.DefaultMaxBodyBytes+1))
		if err != nil {
			return usagef("reading the body from standard input: %v", err)
		}
		if int64(len(body)) > webhook.DefaultMaxBodyBytes {
			return usagef("the body on standard input is larger than %d bytes", webhook.DefaultMaxBodyBytes)
		}
		h := http.Header{}
		h.Set(webhook.HeaderID, *id)
		h.Set(webhook.HeaderTimestamp, *ts)
		h.Set(webhook.HeaderSignature, *sig)
		e, err := webhook.Verify(body, h, key, webhook.WithTolerance(*tol))
		if err != nil {
			return verifyFailure(err, *ts, *tol)
		}
		return a.printWebhookEvent(e)
	}
	return c
}

// verifyFailure turns an error of webhook.Verify into the CLI's message:
// a usage error for what the flags should have prevented, else the reason
// the delivery is refused (exit 1).
func verifyFailure(err error, ts string, tol time.Duration) error {
	msg := strings.TrimPrefix(err.Error(), "webhook: ")
	switch {
	case errors.Is(err, webhook.ErrEmptySecret):
		return usagef("--secret: must not be empty")
	case errors.Is(err, webhook.ErrInvalidOption):
		return usagef("%s", msg)
	case errors.Is(err, webhook.ErrTimestampTooOld), errors.Is(err, webhook.ErrTimestampTooNew):
		age := "?"
		if sec, perr := strconv.ParseInt(ts, 10, 64); perr == nil {
			d := time.Since(time.Unix(sec, 0)).Truncate(time.Second)
			if d < 0 {
				d = -d
			}
			age = d.String()
		}
		if errors.Is(err, webhook.ErrTimestampTooOld) {
			return fmt.Errorf("timestamp too old: sent %s ago, more than --tolerance %s (a replayed delivery, or a clock is off)", age, tol)
		}
		return fmt.Errorf("timestamp too new: %s in the future, more than --tolerance %s (a clock is off)", age, tol)
	case errors.Is(err, webhook.ErrMalformedHeader), errors.Is(err, webhook.ErrMissingHeader):
		for header, flagName := range map[string]string{
			webhook.HeaderID:        "--id",
			webhook.HeaderTimestamp: "--timestamp",
			webhook.HeaderSignature: "--signature",
		} {
			msg = strings.Replace(msg, header, header+" ("+flagName+")", 1)
		}
		if errors.Is(err, webhook.ErrMissingHeader) {
			return usagef("%s", msg)
		}
	}
	return errors.New(msg)
}

func (a *app) printWebhookEvent(e webhook.Event) error {
	j := webhookEventJSON{ID: e.ID, Type: string(e.Type), Timestamp: e.Timestamp.UTC().Format(time.RFC3339)}
	if a.jsonOutput() {
		return a.writeJSON(j)
	}
	return a.writeTable(nil, [][]string{
		{"TYPE", j.Type},
		{"ID", j.ID},
		{"TIMESTAMP", j.Timestamp},
	})
}
