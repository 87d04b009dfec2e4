package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/check"
	"github.com/kelviq/kelviq-go/internal/errbody"
	"github.com/kelviq/kelviq-go/kelviqtest"
	"github.com/kelviq/kelviq-go/webhook"
)

func (a *app) triggerCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "trigger EVENT_TYPE",
		Short: "make a running 'kelviq fake' send a webhook event",
		Long: `Asks a running 'kelviq fake' (started with --webhook-url) to send one event
of EVENT_TYPE, e.g. subscription.created, to its webhook URL, signed as kelviq
signs deliveries. The event carries a sample object of the right kind. It
uses the fake's base URL (--base-url or KELVIQ_BASE_URL, a loopback address)
and partner key (KELVIQ_PARTNER_KEY), as printed by 'kelviq fake'. It prints
the event's id, which is also its deliveries' webhook-id.

Event types: ` + eventTypeList() + `.`,
	}
	c.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		if len(args) != 1 {
			return usagef("trigger takes one EVENT_TYPE, e.g. subscription.created")
		}
		typ := args[0]
		if !webhook.EventType(typ).Known() {
			return usagef("unknown event type %q (known: %s)", typ, eventTypeList())
		}
		t, err := a.resolve(defaultProduction)
		if err != nil {
			return err
		}
		if t.base == nil {
			return configf("trigger needs the fake's URL: set %s (printed by 'kelviq fake') or --base-url", envBaseURL)
		}
		u := t.base
		if !check.IsLoopback(u.Hostname()) {
			return configf("%s: %q is not a loopback address: trigger talks only to a local 'kelviq fake'", t.baseSrc, t.baseURL)
		}
		key := strings.TrimSpace(a.getenv(envPartnerKey))
		if key == "" {
			return configf("missing partner key: trigger needs %s (printed by 'kelviq fake')", envPartnerKey)
		}
		body, _ := json.Marshal(map[string]string{"type": typ}) // a map of strings always encodes
		endpoint := u.Scheme + "://" + u.Host + kelviqtest.TriggerPath
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(api.OperationProvisionPartnerOrganization.CredentialHeader(), key) // the fake's controls take the partner key
		resp, err := (&http.Client{Timeout: a.g.timeout}).Do(req)
		if err != nil {
			return fmt.Errorf("trigger: %w", err)
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(io.LimitReader(resp.Body, errbody.MaxRead))
		if err != nil {
			return fmt.Errorf("trigger: reading the response: %w", err)
		}
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("trigger: the fake responded with %d: %s", resp.StatusCode, strings.TrimSpace(string(raw)))
		}
		var out struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		}
		if err := json.Unmarshal(raw, &out); err != nil || out.ID == "" {
			return fmt.Errorf("trigger: unexpected response from %s: %s", endpoint, strings.TrimSpace(string(raw)))
		}
		if a.jsonOutput() {
			return a.writeJSON(out)
		}
		_, err = fmt.Fprintf(a.stdout, "%s %s\n", out.Type, out.ID)
		return err
	}
	return c
}

// eventTypeList names the event types kelviq documents.
func eventTypeList() string {
	var names []string
	for _, t := range webhook.EventTypes() {
		names = append(names, string(t))
	}
	return strings.Join(names, ", ")
}
