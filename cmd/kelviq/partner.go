package main

import (
	"errors"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/kelviq/kelviq-go/wrapper"
)

// orgJSON is a partner organization as the CLI prints it, with the API's
// field names.
type orgJSON struct {
	OrganizationIdentifier string `json:"organizationIdentifier"`
	OrganizationSlug       string `json:"organizationSlug"`
	PartnerExternalID      string `json:"partnerExternalId"`
	ClientKey              string `json:"clientKey"`
	ServerKey              string `json:"serverKey"`
	UserID                 int    `json:"userId,omitempty"`
}

func (a *app) orgJSON(o *wrapper.PartnerOrganization) orgJSON {
	return orgJSON{
		OrganizationIdentifier: o.Identifier.String(),
		OrganizationSlug:       o.Slug,
		PartnerExternalID:      o.ExternalID,
		ClientKey:              o.ClientKey,
		ServerKey:              a.secret(o.ServerKey),
		UserID:                 o.UserID,
	}
}

// secret returns s revealed with --show-secrets, else redacted.
func (a *app) secret(s wrapper.Secret) string {
	if s.IsZero() {
		return ""
	}
	if a.g.showSecrets {
		return s.Reveal()
	}
	return s.String() // the Secret's own marker
}

func (a *app) printOrg(o *wrapper.PartnerOrganization) error {
	j := a.orgJSON(o)
	if a.jsonOutput() {
		return a.writeJSON(j)
	}
	rows := [][]string{
		{"IDENTIFIER", j.OrganizationIdentifier},
		{"EXTERNAL ID", j.PartnerExternalID},
		{"SLUG", j.OrganizationSlug},
		{"CLIENT KEY", j.ClientKey},
		{"SERVER KEY", j.ServerKey},
	}
	if j.UserID != 0 {
		rows = append(rows, []string{"USER ID", strconv.Itoa(j.UserID)})
	}
	return a.writeTable(nil, rows)
}

func (a *app) printOrgs(orgs []wrapper.PartnerOrganization) error {
	out := make([]orgJSON, len(orgs))
	for i := range orgs {
		out[i] = a.orgJSON(&orgs[i])
	}
	if a.jsonOutput() {
		return a.writeJSON(out)
	}
	rows := make([][]string, len(out))
	for i, j := range out {
		rows[i] = []string{j.OrganizationIdentifier, j.PartnerExternalID, j.OrganizationSlug, j.ClientKey, j.ServerKey}
	}
	return a.writeTable([]string{"IDENTIFIER", "EXTERNAL ID", "SLUG", "CLIENT KEY", "SERVER KEY"}, rows)
}

// asFlagError renames the field of a *wrapper.ValidationError to the flag
// (or argument) the user typed.
func asFlagError(err error, names map[string]string) error {
	var ve *wrapper.ValidationError
	if errors.As(err, &ve) {
		if name, ok := names[ve.Field]; ok {
			return usagef("%s: %s", name, ve.Rule)
		}
	}
	return err
}

// orgsCall ends a partner orgs command whose input is checked: it gets a
// client (so a missing key is reported only after the input, by
// missingKey, naming the command what), calls the API and prints the
// result. An input error of the API's field names is renamed to the flags
// in flags.
func orgsCall[T any](a *app, what string, flags map[string]string, call func(*wrapper.PartnerService) (T, error), print func(T) error) error {
	c, err := a.client()
	if err != nil {
		return err
	}
	v, err := call(c.Partner)
	if err != nil {
		return asFlagError(missingKey(err, what), flags)
	}
	return print(v)
}

func noArgs(args []string) error {
	if len(args) > 0 {
		return usagef("unexpected argument %q", args[0])
	}
	return nil
}

func (a *app) partnerCommand() *cobra.Command {
	return group("partner <command>", "partner operations (KELVIQ_PARTNER_KEY)",
		group("orgs <command>", "provision and find the partner's organizations",
			a.provisionCommand(),
			a.listOrgsCommand(),
			a.getOrgCommand(),
		))
}

// provisionCommand is partner orgs provision.
func (a *app) provisionCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "provision --external-id ID --email EMAIL [--business-name NAME]",
		Short: "provision an organization (and its owner) for the partner",
		Long: `Creates an organization owned by the partner and prints it with its keys.
The server key is printed as [REDACTED] unless --show-secrets is given.`,
	}
	ext := c.Flags().String("external-id", "", "the partner's own `ID` for the organization (required, at most 128 characters)")
	email := c.Flags().String("email", "", "the owner's `EMAIL` address (required)")
	name := c.Flags().String("business-name", "", "the business `NAME` (optional, at most 200 characters)")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if err := noArgs(args); err != nil {
			return err
		}
		if *ext == "" {
			return usagef("--external-id is required")
		}
		if *email == "" {
			return usagef("--email is required")
		}
		return orgsCall(a, "partner orgs provision", map[string]string{"externalId": "--external-id", "email": "--email", "businessName": "--business-name"},
			func(p *wrapper.PartnerService) (*wrapper.PartnerOrganization, error) {
				return p.Provision(cmd.Context(), wrapper.ProvisionParams{ExternalID: *ext, Email: *email, BusinessName: *name})
			}, a.printOrg)
	}
	return c
}

// listOrgsCommand is partner orgs list, optionally by external ID.
func (a *app) listOrgsCommand() *cobra.Command {
	c := &cobra.Command{Use: "list [--external-id ID]", Short: "list the partner's organizations"}
	ext := c.Flags().String("external-id", "", "only the organization with this external `ID`")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if err := noArgs(args); err != nil {
			return err
		}
		var opts *wrapper.ListPartnerOrganizationsOptions
		if cmd.Flags().Changed("external-id") {
			if *ext == "" {
				return usagef("--external-id: must not be empty")
			}
			opts = &wrapper.ListPartnerOrganizationsOptions{ExternalID: *ext}
		}
		return orgsCall(a, "partner orgs list", map[string]string{"external_id": "--external-id", "externalId": "--external-id"},
			func(p *wrapper.PartnerService) ([]wrapper.PartnerOrganization, error) {
				return p.List(cmd.Context(), opts)
			}, a.printOrgs)
	}
	return c
}

// getOrgCommand is partner orgs get, by identifier or external ID.
func (a *app) getOrgCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "get IDENTIFIER\nget --external-id ID",
		Short: "get one organization by its identifier or external ID",
		Long: `IDENTIFIER is the organization's UUID. With --external-id, the organization is
found by the ID the partner gave it at provisioning.`,
	}
	ext := c.Flags().String("external-id", "", "find the organization by the partner's external `ID`")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		byExt := cmd.Flags().Changed("external-id")
		switch {
		case byExt && len(args) > 0:
			return usagef("give either IDENTIFIER or --external-id, not both")
		case !byExt && len(args) == 0:
			return usagef("missing IDENTIFIER (or --external-id ID)")
		case len(args) > 1:
			return usagef("unexpected argument %q", args[1])
		}
		return orgsCall(a, "partner orgs get", map[string]string{"externalId": "--external-id", "identifier": "IDENTIFIER"},
			func(p *wrapper.PartnerService) (*wrapper.PartnerOrganization, error) {
				if byExt {
					return p.GetByExternalID(cmd.Context(), *ext)
				}
				return p.Get(cmd.Context(), args[0])
			}, a.printOrg)
	}
	return c
}
