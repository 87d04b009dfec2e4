package mcpserver

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	kelviq "github.com/kelviq/kelviq-go"
	"github.com/kelviq/kelviq-go/wrapper"
)

// Resource URIs.
const (
	specURI    = "kelviq://openapi.json"
	guidesURI  = "kelviq://guides/"
	guidesList = "kelviq://guides"
)

// guideNotes are a few sentences per tag (by tagSlug) on what the spec's
// facts alone do not say: what to call first, what to watch for.
var guideNotes = map[string]string{
	"customers": "A customer is keyed by your own customerId, not a kelviq UUID: choose it once and use it everywhere " +
		"(entitlements, usage, subscriptions, checkout). Creating one that exists gets 400 with a field error on customerId; " +
		"updating sends only the fields given, and a null clears one.",
	"checkout": "A checkout session is the usual way to take a first payment: create it with the plan's identifier and a " +
		"success URL, then send the buyer to checkoutUrl. Paying creates the customer if new, the subscription and the order.",
	"checkout-sessions":       "Read-only views of the sessions checkout made, with what each produced (order, subscription, payment method).",
	"checkout-session-events": "The steps of one checkout session, newest first: useful to see where a buyer stopped.",
	"entitlements": "What a customer may use right now, per feature: hasAccess, and for metered features usageLimit, " +
		"currentUsage and remaining. Served by the edge host. Entitlements follow the plans the customer subscribes to, so " +
		"a missing one usually means no active subscription, or a plan without that feature.",
	"license": "License keys bind to instances: activate to take one of the activation slots, validate to check an instance, " +
		"deactivate to free its slot. Activating past the limit fails with 400.",
	"reporting": "reportUsage moves a metered feature's usage: SET replaces the figure and is safe to repeat; DELTA adds to it " +
		"and must not be sent again after an uncertain failure, or the usage is counted twice.",
	"transactions":  "Money movements (payments, refunds) with fees, tax and net payout; read-only.",
	"orders":        "Orders placed with the organization, with amounts and their subscription; read-only.",
	"order-events":  "The timeline of one order, newest first.",
	"webhooks":      "Logs of webhook deliveries (status, attempts, payload): where to look when your endpoint missed an event.",
	"refunds":       "A refund returns all or part of a paid order; it can never exceed what is left of the order. Refunds cannot be undone.",
	"charges":       "A one-off charge bills a customer's saved payment method at once. It moves money: confirm before calling.",
	"subscriptions": "Subscriptions tie customers to plans. Creating one directly skips checkout and needs off-session charging; updating moves it to another plan or period; cancelling is IMMEDIATE, at CURRENT_PERIOD_ENDS or on a SPECIFIC_DATE.",
	"monetization":  "The pricing to show for one product (its product UUID), as a pricing page would: plans, prices and the customer's state.",
	"promotions":    "The promotion for a visitor's location, from the edge host.",
	"portal":        "A billing portal session for one customer: hand the customer the signed URL in the response.",
	"products": "Products hold plans. Create one with a name and a tax code; its identifier (or UUID) names it in the other " +
		"tools. Deleting archives it.",
	"product-settings": "Per product: default currency, product URL and whether VPN, Tor and proxy traffic may buy.",
	"product-files":    "Edit or remove the images attached to a product (upload them first with the media tools).",
	"features": "Features are what plans grant: BOOLEAN (on or off), CUSTOMIZABLE (a quantity) or METER (usage counted with " +
		"reportUsage). Plans refer to a feature by its UUID. Deleting archives it; plans that grant it keep working.",
	"plans": "Plans are versioned. A new plan, and any change to a published one, is a draft that nobody sees until " +
		"publishCatalogPlan; discardCatalogPlanDraft throws the draft away. Prices are set all at once with bulkSetCatalogPlanPrices.",
	"plan-entitlements": "Which features a plan grants and their limits (value, unlimited, reset period, hard limit). Grant them " +
		"on the plan's draft, then publish the plan for customers to get them.",
	"plan-files":      "Documents linked to plans; downloadCatalogPlanFile responds with a redirect to the file, returned as its location.",
	"media":           "Get a presigned upload slot; the file key it returns goes into a product's imageKeys or a plan's fileKeys.",
	"partner":         "Partner accounts provision organizations, one per customer of their own, under an external ID of their choosing, with the partner key. To act for one, pass its external ID or UUID as the organization argument of the other tools.",
	"payment-methods": "Payment methods customers have saved, read-only.",
}

// overviewGuide is the index guide.
const overviewGuide = `# kelviq tools

Every operation of the kelviq API is one tool, named by its operationId (the names kelviq call takes).
Arguments: path and query parameters by their spec names; the request body as "body"; for the tools
that act for an organization, "organization" (a partner organization's UUID or external ID) to act for
it instead of the organization of the configured server key.

Responses are the API's JSON as it came, with every key removed. Errors are results too: a status, the
API's message and its field errors, e.g. {"error":{"status":400,"fieldErrors":{"customerId":[...]}}}.

To try things with no account, start ` + "`kelviq fake`" + ` and give this server the environment it prints.

Guides, one per tag:
`

func (s *Server) addResources() {
	spec := kelviq.OpenAPISpec()
	s.mcp.AddResource(&mcp.Resource{
		URI: specURI, Name: "openapi.json", Title: "kelviq API contract (OpenAPI 3.0)", MIMEType: "application/json",
		Description: "The OpenAPI document every tool is generated from: each operation, parameter and schema.",
		Size:        int64(len(spec)),
	}, func(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
		return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: specURI, MIMEType: "application/json", Text: string(spec)}}}, nil
	})
	s.addText(guidesList, "guides", "How the kelviq tools work, and the list of guides", s.overview())
	for _, tag := range s.tagsServed() {
		slug := tagSlug(tag)
		s.addText(guidesURI+slug, "guide-"+slug, "Guide: "+tag, s.guide(tag))
	}
}

func (s *Server) addText(uri, name, title, text string) {
	s.mcp.AddResource(&mcp.Resource{URI: uri, Name: name, Title: title, MIMEType: "text/markdown", Size: int64(len(text))},
		func(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, MIMEType: "text/markdown", Text: text}}}, nil
		})
}

// tagsServed are the tags of the tools served, in table order.
func (s *Server) tagsServed() []string {
	var tags []string
	for _, t := range s.tools {
		for _, tg := range t.Tags {
			if !slices.Contains(tags, tg) {
				tags = append(tags, tg)
			}
		}
	}
	return tags
}

func (s *Server) overview() string {
	var b strings.Builder
	b.WriteString(overviewGuide)
	for _, tag := range s.tagsServed() {
		fmt.Fprintf(&b, "- %s%s: %s\n", guidesURI, tagSlug(tag), tag)
	}
	return b.String()
}

// guide is the text of one tag's guide: the spec's description of the
// tag, our notes, and its tools.
func (s *Server) guide(tag string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", tag)
	if d := tagDescriptions[tag]; d != "" {
		fmt.Fprintf(&b, "%s\n\n", d)
	}
	if n := guideNotes[tagSlug(tag)]; n != "" {
		fmt.Fprintf(&b, "%s\n\n", n)
	}
	b.WriteString("Tools:\n")
	for _, t := range s.tools {
		if !slices.Contains(t.Tags, tag) {
			continue
		}
		op, _ := wrapper.LookupOperation(t.Name)
		kind := "writes"
		if t.ReadOnly {
			kind = "read-only"
		} else if t.Destructive {
			kind = "destructive"
		}
		fmt.Fprintf(&b, "- %s (%s %s, %s): %s\n", t.Name, op.Method(), op.Path(), kind, t.Title)
	}
	return b.String()
}
