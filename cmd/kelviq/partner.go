package main

import (
	"context"
	"errors"
	"flag"
	"strconv"

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
	return redacted
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

func noArgs(args []string) error {
	if len(args) > 0 {
		return usagef("unexpected argument %q", args[0])
	}
	return nil
}

func provisionCommand() *command {
	return &command{
		name:    "provision",
		summary: "provision an organization (and its owner) for the partner",
		usage:   []string{"partner orgs provision --external-id ID --email EMAIL [--business-name NAME]"},
		long: `Creates an organization owned by the partner and prints it with its keys.
The server key is printed as [REDACTED] unless --show-secrets is given.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *app, []string) error {
			ext := fs.String("external-id", "", "the partner's own `ID` for the organization (required, at most 128 characters)")
			email := fs.String("email", "", "the owner's `EMAIL` address (required)")
			name := fs.String("business-name", "", "the business `NAME` (optional, at most 200 characters)")
			return func(ctx context.Context, a *app, args []string) error {
				if err := noArgs(args); err != nil {
					return err
				}
				if *ext == "" {
					return usagef("--external-id is required")
				}
				if *email == "" {
					return usagef("--email is required")
				}
				c, err := a.client() // a missing key is reported after the input is checked (missingKey)
				if err != nil {
					return err
				}
				org, err := c.Partner.Provision(ctx, wrapper.ProvisionParams{ExternalID: *ext, Email: *email, BusinessName: *name})
				if err != nil {
					return asFlagError(missingKey(err, "partner orgs provision"), map[string]string{"externalId": "--external-id", "email": "--email", "businessName": "--business-name"})
				}
				return a.printOrg(org)
			}
		},
	}
}

func listOrgsCommand() *command {
	return &command{
		name:    "list",
		summary: "list the partner's organizations",
		usage:   []string{"partner orgs list [--external-id ID]"},
		setup: func(fs *flag.FlagSet) func(context.Context, *app, []string) error {
			ext := fs.String("external-id", "", "only the organization with this external `ID`")
			return func(ctx context.Context, a *app, args []string) error {
				if err := noArgs(args); err != nil {
					return err
				}
				var opts *wrapper.ListPartnerOrganizationsOptions
				if isSet(fs, "external-id") {
					if *ext == "" {
						return usagef("--external-id: must not be empty")
					}
					opts = &wrapper.ListPartnerOrganizationsOptions{ExternalID: *ext}
				}
				c, err := a.client() // a missing key is reported after the input is checked (missingKey)
				if err != nil {
					return err
				}
				orgs, err := c.Partner.List(ctx, opts)
				if err != nil {
					return asFlagError(missingKey(err, "partner orgs list"), map[string]string{"external_id": "--external-id", "externalId": "--external-id"})
				}
				return a.printOrgs(orgs)
			}
		},
	}
}

func getOrgCommand() *command {
	return &command{
		name:    "get",
		summary: "get one organization by its identifier or external ID",
		usage: []string{
			"partner orgs get IDENTIFIER",
			"partner orgs get --external-id ID",
		},
		long: `IDENTIFIER is the organization's UUID. With --external-id, the organization is
found by the ID the partner gave it at provisioning.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *app, []string) error {
			ext := fs.String("external-id", "", "find the organization by the partner's external `ID`")
			return func(ctx context.Context, a *app, args []string) error {
				byExt := isSet(fs, "external-id")
				switch {
				case byExt && len(args) > 0:
					return usagef("give either IDENTIFIER or --external-id, not both")
				case !byExt && len(args) == 0:
					return usagef("missing IDENTIFIER (or --external-id ID)")
				case len(args) > 1:
					return usagef("unexpected argument %q", args[1])
				}
				c, err := a.client() // a missing key is reported after the input is checked (missingKey)
				if err != nil {
					return err
				}
				var org *wrapper.PartnerOrganization
				if byExt {
					org, err = c.Partner.GetByExternalID(ctx, *ext)
				} else {
					org, err = c.Partner.Get(ctx, args[0])
				}
				if err != nil {
					return asFlagError(missingKey(err, "partner orgs get"), map[string]string{"externalId": "--external-id", "identifier": "IDENTIFIER"})
				}
				return a.printOrg(org)
			}
		},
	}
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
