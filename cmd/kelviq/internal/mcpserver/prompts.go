package mcpserver

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// prompt is one guided flow: the tools it needs (it is offered only when
// all are served) and the text it asks the assistant to follow.
type prompt struct {
	def   *mcp.Prompt
	needs []string
	text  func(args map[string]string) (string, error)
}

var prompts = []prompt{
	{
		def: &mcp.Prompt{
			Name:        "provision_organization",
			Title:       "Provision an organization and give it a catalog",
			Description: "Create (or find) a partner organization under your external ID, then set up its first product, feature and published plan.",
			Arguments: []*mcp.PromptArgument{
				{Name: "externalId", Description: "Your own ID for the organization", Required: true},
				{Name: "email", Description: "The organization owner's email", Required: true},
				{Name: "businessName", Description: "The organization's business name"},
				{Name: "catalog", Description: "What it sells, in a sentence (default: one product with a free and a paid plan)"},
			},
		},
		needs: []string{
			"retrievePartnerOrganizationByExternalId", "provisionPartnerOrganization", "createCatalogProduct",
			"createCatalogFeature", "createCatalogPlan", "addCatalogPlanFeatures", "publishCatalogPlan", "listCatalogPlans",
		},
		text: func(a map[string]string) (string, error) {
			ext, email := strings.TrimSpace(a["externalId"]), strings.TrimSpace(a["email"])
			if ext == "" || email == "" {
				return "", fmt.Errorf("provision_organization needs externalId and email")
			}
			catalog := strings.TrimSpace(a["catalog"])
			if catalog == "" {
				catalog = "one product with a free plan and a paid monthly plan, and one feature the paid plan grants"
			}
			business := ""
			if b := strings.TrimSpace(a["businessName"]); b != "" {
				business = fmt.Sprintf(", businessName %q", b)
			}
			return fmt.Sprintf(`Set up the kelviq organization with external ID %[1]q and give it a catalog: %[2]s.

1. Call retrievePartnerOrganizationByExternalId with externalId %[1]q. If it is found, use it; do not provision again.
2. Otherwise call provisionPartnerOrganization with body {"externalId": %[1]q, "email": %[3]q%[4]s}.
   A 400 with a field error on externalId means it exists after all: go back to step 1.
3. From now on pass "organization": %[1]q to every catalog tool, so that it acts for this organization.
4. Create the features first (createCatalogFeature: name, featureType BOOLEAN, CUSTOMIZABLE or METER); keep each feature's UUID.
5. Create the product (createCatalogProduct: name, taxCode) and keep its identifier.
6. Create each plan (createCatalogPlan: name, product). Plans start as drafts nobody sees.
7. Grant the features (addCatalogPlanFeatures: the plan's identifier, body.planEntitlements with each feature's UUID and details).
8. Publish each plan (publishCatalogPlan), then list them (listCatalogPlans) and report what now exists.

If a call fails, read its status and field errors, fix the input and try once more; ask me before deleting anything.`,
				ext, catalog, email, business), nil
		},
	},
	{
		def: &mcp.Prompt{
			Name:        "diagnose_access",
			Title:       "Find why a customer lacks access",
			Description: "Check a customer's entitlements against their subscriptions and the plans' features, and say what to change.",
			Arguments: []*mcp.PromptArgument{
				{Name: "customerId", Description: "Your customerId for the customer", Required: true},
				{Name: "feature", Description: "The feature they should have (its identifier or UUID)"},
				{Name: "organization", Description: "The partner organization to look in (UUID or external ID), if not the configured one"},
			},
		},
		needs: []string{"getCustomerEntitlements", "listSubscriptions", "retrieveCatalogPlan", "listCatalogPlanFeatures", "listCheckoutSessions", "listOrders"},
		text: func(a map[string]string) (string, error) {
			cust := strings.TrimSpace(a["customerId"])
			if cust == "" {
				return "", fmt.Errorf("diagnose_access needs customerId")
			}
			feature := "the feature they expect"
			if f := strings.TrimSpace(a["feature"]); f != "" {
				feature = fmt.Sprintf("feature %q", f)
			}
			org := ""
			if o := strings.TrimSpace(a["organization"]); o != "" {
				org = fmt.Sprintf("\nPass \"organization\": %q to every tool below.", o)
			}
			return fmt.Sprintf(`Find out why customer %[1]q cannot use %[2]s. Only read: change nothing without asking me.%[3]s

1. getCustomerEntitlements with customer_id %[1]q: does the feature appear, with hasAccess, and for a meter its usageLimit, currentUsage and remaining?
2. listSubscriptions with customer_id %[1]q: is there an active subscription (not cancelled, not ended, trial not over)?
3. For each subscription's plan: retrieveCatalogPlan and listCatalogPlanFeatures. Is the plan's latest version published? Does it grant the feature, with what limit and reset?
4. If there is no subscription, look for an unfinished checkout (listCheckoutSessions with search %[1]q) or a failed order (listOrders).

End with the cause in one sentence and the concrete next step (e.g. publish the plan's draft, grant the feature, raise the limit, or finish checkout).`,
				cust, feature, org), nil
		},
	},
}

func (s *Server) addPrompts() {
	served := s.ToolNames()
	for _, p := range prompts {
		if !containsAll(served, p.needs) {
			continue // e.g. under --read-only
		}
		p := p
		s.mcp.AddPrompt(p.def, func(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			text, err := p.text(req.Params.Arguments)
			if err != nil {
				return nil, err
			}
			return &mcp.GetPromptResult{
				Description: p.def.Description,
				Messages:    []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: text}}},
			}, nil
		})
	}
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
