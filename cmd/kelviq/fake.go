package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"

	"github.com/oapi-codegen/nullable"
	"github.com/spf13/cobra"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/check"
	"github.com/kelviq/kelviq-go/kelviqtest"
	"github.com/kelviq/kelviq-go/wrapper"
)

func (a *app) fakeCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "fake [--addr HOST:PORT] [--partner-key KEY] [--no-organization] [--webhook-url URL]",
		Short: "serve the in-memory fake kelviq API until interrupted",
		Long: `Serves kelviqtest, an in-memory fake of the kelviq API, until interrupted
(Ctrl-C or SIGTERM). At start it provisions an organization (external ID
"` + fakeOrgExternalID + `"; --no-organization to skip) and prints the export lines
that point this CLI (or any program using kelviq-go) at it, e.g.:

  export KELVIQ_BASE_URL=http://127.0.0.1:8080/api/v1
  export KELVIQ_PARTNER_KEY=kvqp_...
  export KELVIQ_SERVER_API_KEY=sk_test_...

Paste those lines into another shell and 'kelviq call listCustomers' works
at once. The keys are printed in full: they open only this in-memory fake,
and are lost when it stops.

With --webhook-url the fake delivers signed webhooks (customer, checkout,
order, invoice, subscription, refund, payment method and usage alert events)
to URL as state changes; a delivery without a 2xx response is retried up
to 3 times, 60 seconds apart, as kelviq does, one webhook-log row per attempt. The
signing secret comes from --webhook-secret or KELVIQ_WEBHOOK_SECRET and must
start with kq_whsec_; it is never printed. 'kelviq trigger EVENT_TYPE' sends
one event on demand. --timeout, --retries and --deadline do not apply.`,
		Annotations: map[string]string{annotationNoDeadline: "true"},
	}
	fs := c.Flags()
	addr := fs.String("addr", "127.0.0.1:8080", "listen address `HOST:PORT` (port 0 picks a free one)")
	key := fs.String("partner-key", "", "partner `KEY` the fake accepts (must start with kvqp_; default: generated)")
	noOrg := fs.Bool("no-organization", false, "do not provision an organization at start (no "+envServerKey+" line)")
	hookURL := fs.String("webhook-url", "", "deliver signed webhooks to `URL` (http or https)")
	hookSecret := fs.String("webhook-secret", "", "webhook signing `SECRET`, kq_whsec_... (default: "+envWebhookSecret+")")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		if err := noArgs(args); err != nil {
			return err
		}
		if err := checkLoopbackAddr(*addr); err != nil {
			return usagef("--addr: %v", err)
		}
		opts := []kelviqtest.Option{kelviqtest.WithAddr(*addr)}
		if fs.Changed("partner-key") {
			k := *key
			if err := check.KeyRule("the partner key", k, wrapper.PartnerKeyPrefix); err != nil {
				return usagef("--partner-key: %v", err)
			}
			opts = append(opts, kelviqtest.WithPartnerKey(k))
		}
		secret := *hookSecret
		if !fs.Changed("webhook-secret") {
			secret = a.getenv(envWebhookSecret)
		}
		a.secrets = append(a.secrets, secret) // scrubbed from anything printed
		switch {
		case *hookURL == "" && fs.Changed("webhook-secret"):
			return usagef("--webhook-secret: needs --webhook-url")
		case *hookURL != "":
			if u, err := url.Parse(*hookURL); err != nil || !check.IsAbsoluteHTTP(u) {
				return usagef("--webhook-url: %q is not an absolute http(s) URL", *hookURL)
			}
			if err := check.KeyRule("the signing secret", secret, kelviqtest.WebhookSecretPrefix); err != nil {
				return usagef("--webhook-url: needs a signing secret starting with %q (--webhook-secret or %s): %v", kelviqtest.WebhookSecretPrefix, envWebhookSecret, err)
			}
			opts = append(opts, kelviqtest.WithWebhook(*hookURL, secret))
		}
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		srv, err := kelviqtest.New(opts...)
		if err != nil {
			return fmt.Errorf("starting the fake: %w", portInUse(err, *addr))
		}
		defer srv.Close()
		// All lines in one write: whoever reads the first has them all.
		var b strings.Builder
		fmt.Fprintf(&b, "# kelviq fake API (in memory; stop with Ctrl-C)\nexport %s=%s\nexport %s=%s\n",
			envBaseURL, shellQuote(srv.URL()), envPartnerKey, shellQuote(srv.PartnerKey()))
		if !*noOrg {
			org, err := srv.ProvisionOrganization(fakeOrgExternalID, fakeOrgEmail)
			if err != nil {
				return fmt.Errorf("provisioning the organization: %w", err)
			}
			fmt.Fprintf(&b, "# organization %q (%s), provisioned at start\nexport %s=%s\n",
				org.ExternalID, org.Identifier, envServerKey, shellQuote(org.ServerKey.Reveal()))
		}
		if *hookURL != "" {
			fmt.Fprintf(&b, "# webhooks go to %s ('kelviq trigger EVENT_TYPE' sends one)\n", *hookURL)
		}
		if _, err := io.WriteString(a.stdout, b.String()); err != nil {
			return err
		}
		<-ctx.Done()
		srv.Close()
		fmt.Fprintln(a.stderr, "kelviq fake: stopped")
		return nil
	}
	return c
}

// The organization `kelviq fake` provisions at start.
const (
	fakeOrgExternalID = "local-dev"
	fakeOrgEmail      = "owner@local-dev.example.com"
)

// checkLoopbackAddr accepts HOST:PORT on a loopback host (the wrapper takes
// plain http only there).
func checkLoopbackAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not HOST:PORT", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q is not a port number", port)
	}
	if !check.IsLoopback(host) {
		return fmt.Errorf("%q is not a loopback host such as 127.0.0.1", host)
	}
	return nil
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-./:@%+=,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func (a *app) demoCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "demo",
		Short: "walk through provisioning and a first catalog against an in-process fake",
		Long: `Starts the in-memory fake API in this process (no account, no network) and
runs the main flow of kelviq-go against it: provision an organization with the
partner key, get it by external ID, list the partner's organizations, then act
for the organization with its server key to create a customer, a product and a
plan. Keys are printed as [REDACTED] unless --show-secrets is given.`,
	}
	c.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		if err := noArgs(args); err != nil {
			return err
		}
		return a.demo(ctx)
	}
	return c
}

func (a *app) demo(ctx context.Context) error {
	srv, err := kelviqtest.New(kelviqtest.WithAddr("127.0.0.1:0"))
	if err != nil {
		return fmt.Errorf("starting the fake: %w", err)
	}
	defer srv.Close()
	w := a.stdout
	step := 0
	next := func(format string, args ...any) {
		step++
		fmt.Fprintf(w, "%d. %s\n", step, fmt.Sprintf(format, args...))
	}
	detail := func(label, value string) { fmt.Fprintf(w, "   %-12s %s\n", label, value) }

	fmt.Fprintf(w, "kelviq demo: in-memory fake API at %s (no account, no network)\n", srv.URL())
	partner, err := wrapper.New(append(a.g.retryOptions(), wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(srv.URL()),
		wrapper.WithPartnerKey(srv.PartnerKey()), wrapper.WithUserAgent("kelviq-cli/"+wrapper.Version))...)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "   partner key  %s\n\n", a.secret(wrapper.NewSecret(srv.PartnerKey())))

	const extID = "demo-northwind"
	org, err := partner.Partner.Provision(ctx, wrapper.ProvisionParams{
		ExternalID: extID, Email: "owner@northwind.example", BusinessName: "Northwind Traders",
	})
	if err != nil {
		return fmt.Errorf("provision: %w", err)
	}
	next("Provisioned an organization with the partner key (Partner.Provision)")
	detail("external ID", org.ExternalID)
	detail("identifier", org.Identifier.String())
	detail("slug", org.Slug)
	detail("client key", org.ClientKey)
	detail("server key", a.secret(org.ServerKey))

	found, err := partner.Partner.GetByExternalID(ctx, extID)
	if err != nil {
		return fmt.Errorf("get by external ID: %w", err)
	}
	next("Found it again by external ID %q (Partner.GetByExternalID)", extID)
	detail("identifier", found.Identifier.String())
	if found.Identifier != org.Identifier {
		return fmt.Errorf("get by external ID: got organization %s, want %s", found.Identifier, org.Identifier)
	}

	orgs, err := partner.Partner.List(ctx, nil)
	if err != nil {
		return fmt.Errorf("list: %w", err)
	}
	noun := "organizations"
	if len(orgs) == 1 {
		noun = "organization"
	}
	next("Listed the partner's organizations (Partner.List): %d %s", len(orgs), noun)
	for _, o := range orgs {
		fmt.Fprintf(w, "   - %s  %s\n", o.ExternalID, o.Identifier)
	}

	shop, err := partner.ForOrganization(org)
	if err != nil {
		return err
	}

	customer, err := shop.Customers.Create(ctx, api.CustomerCreateRequest{
		CustomerId: "cus-demo-0001",
		Email:      nullable.NewNullableWithValue("ada@northwind.example"),
		Name:       nullable.NewNullableWithValue("Ada Lovelace"),
	})
	if err != nil {
		return fmt.Errorf("create customer: %w", err)
	}
	next("Created a customer with the organization's server key (ForOrganization → Customers.Create)")
	detail("customer ID", deref(customer.CustomerId))
	if customer.Id != nil {
		detail("id", customer.Id.String())
	}

	productID, planID := "demo-product", "demo-starter"
	product, err := shop.Catalog.Products.Create(ctx, api.ProductCreateRequest{
		Name: "Northwind Analytics", Identifier: &productID, TaxCode: api.ProductCreateRequestTaxCodeSaas,
	})
	if err != nil {
		return fmt.Errorf("create product: %w", err)
	}
	if product.Id == nil {
		return fmt.Errorf("create product: the response has no id")
	}
	next("Created a product (Catalog.Products.Create)")
	detail("name", deref(product.Name))
	detail("id", product.Id.String())

	desc := "Everything a small team needs"
	plan, err := shop.Catalog.Plans.Create(ctx, api.PlanCreateRequest{
		Name: "Starter", Identifier: &planID, Product: *product.Id, Description: &desc,
	})
	if err != nil {
		return fmt.Errorf("create plan: %w", err)
	}
	next("Created a plan for the product (Catalog.Plans.Create)")
	detail("name", deref(plan.Name))
	detail("identifier", deref(plan.Identifier))
	if plan.Version != nil {
		detail("version", fmt.Sprint(*plan.Version))
	}
	// The API publishes no plan without a price.
	if _, err := shop.Catalog.Plans.BulkSetPrices(ctx, planID, api.PlanPriceBulkRequest{Prices: []api.PlanPriceCreateRequest{{PriceType: "FREE"}}}); err != nil {
		return fmt.Errorf("set the plan's price: %w", err)
	}
	if _, err := shop.Catalog.Plans.Publish(ctx, planID, api.PlanPublishRequest{}); err != nil {
		return fmt.Errorf("publish plan: %w", err)
	}
	next("Published the plan (Catalog.Plans.Publish)")

	fmt.Fprintf(w, "\nDone. Run 'kelviq fake' to keep a fake running and try 'kelviq call' against it.\n")
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (a *app) versionCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "version",
		Short: "print the version",
	}
	c.RunE = func(_ *cobra.Command, args []string) error { return a.printVersion(args) }
	return c
}

// printVersion prints the version on one line, or as JSON with --output
// json (kelviq version and kelviq --version).
func (a *app) printVersion(args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	build := buildVersion()
	if a.g.output == "json" {
		return a.writeJSON(struct {
			Version  string `json:"version"`
			Build    string `json:"build,omitempty"`
			Go       string `json:"go"`
			Platform string `json:"platform"`
		}{wrapper.Version, build, runtime.Version(), runtime.GOOS + "/" + runtime.GOARCH})
	}
	extra := ""
	if build != "" {
		extra = "build " + build + ", "
	}
	_, err := fmt.Fprintf(a.stdout, "kelviq %s (%s%s %s/%s)\n", wrapper.Version, extra, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return err
}

// buildVersion is the main module's version stamped at build time (a tag or
// a pseudo-version), or "" for a development build. The CLI's own version is
// the library's, wrapper.Version.
func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			return v
		}
	}
	return ""
}
