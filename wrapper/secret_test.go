package wrapper_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/wrapper"
)

// assertNoSecret fails if s contains any of the keys.
func assertNoSecret(t *testing.T, what, s string) {
	t.Helper()
	for _, k := range []string{testkit.PartnerKey, testkit.ServerKey, testkit.OrgServerKey} {
		if strings.Contains(s, k) {
			t.Errorf("%s leaks %q: %s", what, k, s)
		}
	}
}

func TestRedactionInErrors(t *testing.T) {
	t.Parallel()
	echo := fmt.Sprintf("got partner key %s and server key %s", testkit.PartnerKey, testkit.ServerKey)
	bodies := []struct {
		name   string
		status int
		body   string
	}{
		{"detail echo and serverKey", 400, fmt.Sprintf(`{"detail":%q,"serverKey":%q}`, echo, testkit.OrgServerKey)},
		{"serverKey only", 409, fmt.Sprintf(`{"serverKey":%q}`, testkit.OrgServerKey)},
		{"serverKey list", 400, fmt.Sprintf(`{"serverKey":[%q]}`, testkit.OrgServerKey)},
		{"nested serverKey", 409, fmt.Sprintf(`{"organization":{"serverKey":%q,"slug":"n"}}`, testkit.OrgServerKey)},
		{"field errors echo", 400, fmt.Sprintf(`{"partnerKey":[%q],"authorization":["Bearer %s"]}`, testkit.PartnerKey, testkit.ServerKey)},
		{"message echo", 401, fmt.Sprintf(`{"status":401,"message":"bad key %s"}`, testkit.PartnerKey)},
		{"html echo", 500, fmt.Sprintf("<html>%s %s</html>", testkit.PartnerKey, testkit.ServerKey)},
		{"serverKey near sample end", 502, fmt.Sprintf(`{"pad":%q,"serverKey":%q}`, strings.Repeat("p", 480), testkit.OrgServerKey)},
		{"key near sample end", 502, strings.Repeat("p", 500) + testkit.PartnerKey},
	}
	for _, tc := range bodies {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, _ := setup(t, withHandler(testkit.Reply(tc.status, tc.body)))
			_, err := c.Partner.Provision(context.Background(), wrapper.ProvisionParams{ExternalID: "n", Email: "ops@n.example"})
			if err == nil {
				t.Fatal("Provision succeeded, want an APIError")
			}
			var apiErr *wrapper.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("errors.As(*APIError) failed: %v", err)
			}
			assertNoSecret(t, "Error()", err.Error())
			assertNoSecret(t, "Message", apiErr.Message)
			assertNoSecret(t, "Body", apiErr.Body)
			assertNoSecret(t, "FieldErrors", fmt.Sprint(apiErr.FieldErrors))
			assertNoSecret(t, "%+v", fmt.Sprintf("%+v %#v", err, err))
			// A prefix of a key cut by the 512-byte sample leaks just as badly.
			for _, k := range []string{testkit.PartnerKey, testkit.ServerKey, testkit.OrgServerKey} {
				if strings.Contains(apiErr.Body, k[:12]) {
					t.Errorf("Body leaks a prefix of %q: %s", k, apiErr.Body)
				}
			}
		})
	}
}

// Errors of a client acting for an organization never show its key.
func TestRedactionDerivedClientErrors(t *testing.T) {
	t.Parallel()
	partner, _ := setup(t, withHandler(testkit.Reply(http.StatusUnauthorized, fmt.Sprintf(`{"detail":"invalid token %s"}`, testkit.OrgServerKey))), withKeys(testkit.PartnerKey, ""))
	org := &wrapper.PartnerOrganization{ServerKey: wrapper.NewSecret(testkit.OrgServerKey)}
	oc, err := partner.ForOrganization(org)
	if err != nil {
		t.Fatal(err)
	}
	_, err = oc.API().ListCustomersWithResponse(context.Background(), nil)
	if !errors.Is(err, wrapper.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	assertNoSecret(t, "Error()", err.Error())
	if !strings.Contains(err.Error(), "invalid token [REDACTED]") {
		t.Errorf("Error() = %q, want the message with the key redacted", err.Error())
	}
}

// Every kind of local error is also free of keys.
func TestRedactionInLocalErrors(t *testing.T) {
	t.Parallel()
	_, srv := setup(t, withHandler(testkit.Reply(http.StatusOK, `{"serverKey":"`+testkit.OrgServerKey+`","userId":"not a number"}`)), withKeys("", ""))
	c := srv.client(t, wrapper.WithPartnerKey(testkit.PartnerKey), wrapper.WithServerKey(testkit.ServerKey), wrapper.WithMaxBodyBytes(4096))
	noPartner := srv.client(t, wrapper.WithServerKey(testkit.ServerKey))
	noServer := srv.client(t, wrapper.WithPartnerKey(testkit.PartnerKey))
	ctx := context.Background()
	var errs []error
	_, err := c.Partner.Get(ctx, "not-a-uuid")
	errs = append(errs, err)
	_, err = c.Partner.Provision(ctx, wrapper.ProvisionParams{ExternalID: "x", Email: testkit.PartnerKey})
	errs = append(errs, err)
	_, err = noPartner.Partner.List(ctx, nil)
	errs = append(errs, err)
	_, err = noServer.API().ListCustomersWithResponse(ctx, nil)
	errs = append(errs, err)
	_, err = c.API().UpdateCustomerWithResponse(ctx, "..", api.CustomerUpdateRequest{})
	errs = append(errs, err)
	_, err = c.Partner.GetByExternalID(ctx, "x") // decode error
	errs = append(errs, err)
	for i, err := range errs {
		if err == nil {
			t.Errorf("error %d is nil", i)
			continue
		}
		assertNoSecret(t, fmt.Sprintf("error %d", i), fmt.Sprintf("%v|%+v|%#v|%s", err, err, err, err.Error()))
	}
	var de *wrapper.DecodeError
	if !errors.As(errs[len(errs)-1], &de) {
		t.Fatalf("last error %v is not a DecodeError", errs[len(errs)-1])
	}
	if de.Body == "" {
		t.Error("DecodeError.Body is empty")
	}
}

func TestRedactionInFormatting(t *testing.T) {
	t.Parallel()
	c, _ := setup(t, withHandler(testkit.Reply(http.StatusOK, testkit.OrgBody("northwind-0042", testkit.OrgServerKey))))
	org, err := c.Partner.GetByExternalID(context.Background(), "northwind-0042")
	if err != nil {
		t.Fatal(err)
	}
	if org.ServerKey.Reveal() != testkit.OrgServerKey {
		t.Fatalf("Reveal() = %q, want %q", org.ServerKey.Reveal(), testkit.OrgServerKey)
	}
	oc, err := c.ForOrganization(org)
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]any{
		"org":        *org,
		"*org":       org,
		"client":     c,
		"org client": oc,
		"secret":     org.ServerKey,
		"*secret":    &org.ServerKey,
		"slice":      []wrapper.PartnerOrganization{*org},
		"map":        map[string]any{"org": org},
	}
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			out := fmt.Sprintf(verb, v)
			assertNoSecret(t, name+" "+verb, out)
		}
	}
	if got := fmt.Sprintf("%v|%+v|%#v|%+v", org, org, org, *org); strings.Count(got, "[REDACTED]") != 4 {
		t.Errorf("org printed as %s; want [REDACTED] in each form", got)
	}
	if got := fmt.Sprint(c); !strings.Contains(got, "partnerKey: [REDACTED]") || !strings.Contains(got, "serverKey: [REDACTED]") {
		t.Errorf("client printed as %s", got)
	}

	// slog, both handlers, the organization and the clients.
	for _, h := range []struct {
		name string
		new  func(io.Writer) slog.Handler
	}{
		{"text", func(w io.Writer) slog.Handler { return slog.NewTextHandler(w, nil) }},
		{"json", func(w io.Writer) slog.Handler { return slog.NewJSONHandler(w, nil) }},
	} {
		var buf bytes.Buffer
		log := slog.New(h.new(&buf))
		log.Info("org", slog.Any("org", org), slog.Any("orgValue", *org), slog.Any("key", org.ServerKey))
		log.Info("client", slog.Any("client", c), slog.Any("orgClient", oc))
		log.Info("group", slog.Group("g", slog.Any("org", org)))
		out := buf.String()
		assertNoSecret(t, "slog "+h.name, out)
		if !strings.Contains(out, "[REDACTED]") || !strings.Contains(out, "northwind-outfitters") {
			t.Errorf("slog %s output lacks the redacted key or the slug:\n%s", h.name, out)
		}
	}

	// JSON.
	b, err := json.Marshal(org)
	if err != nil {
		t.Fatal(err)
	}
	assertNoSecret(t, "json.Marshal(org)", string(b))
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil || back["ServerKey"] != "[REDACTED]" || back["Slug"] != "northwind-outfitters" {
		t.Errorf("json.Marshal(org) = %s (%v)", b, err)
	}
	if b, err := json.Marshal(wrapper.Secret{}); err != nil || string(b) != `""` {
		t.Errorf("json.Marshal(zero Secret) = %s, %v", b, err)
	}
}

func TestSecret(t *testing.T) {
	t.Parallel()
	s := wrapper.NewSecret(testkit.OrgServerKey)
	if s.Reveal() != testkit.OrgServerKey || s.IsZero() {
		t.Errorf("Reveal() = %q, IsZero = %v", s.Reveal(), s.IsZero())
	}
	for _, verb := range []string{"%v", "%+v", "%s", "%q", "%x", "%d", "%10s"} {
		if got := fmt.Sprintf(verb, s); got != "[REDACTED]" {
			t.Errorf("Sprintf(%s) = %q, want [REDACTED]", verb, got)
		}
	}
	if got := fmt.Sprintf("%#v", s); got != `wrapper.Secret("[REDACTED]")` {
		t.Errorf("%%#v = %q", got)
	}
	var zero wrapper.Secret
	if !zero.IsZero() || zero.Reveal() != "" || zero.String() != "" || !wrapper.NewSecret("").IsZero() {
		t.Errorf("zero Secret: IsZero=%v Reveal=%q String=%q", zero.IsZero(), zero.Reveal(), zero.String())
	}
	if v := s.LogValue(); v.String() != "[REDACTED]" {
		t.Errorf("LogValue = %v", v)
	}
}
