package main

import (
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kelviq/kelviq-go/wrapper"
)

type paramJSON struct {
	Name     string `json:"name"`
	In       string `json:"in"`
	Required bool   `json:"required"`
	Type     string `json:"type,omitempty"`
	Format   string `json:"format,omitempty"`
}

type opJSON struct {
	OperationID string      `json:"operationId"`
	Method      string      `json:"method"`
	Path        string      `json:"path"`
	Auth        string      `json:"auth"`
	Tags        []string    `json:"tags"`
	Summary     string      `json:"summary,omitempty"`
	Paginated   bool        `json:"paginated"`
	HasBody     bool        `json:"hasBody"`
	Params      []paramJSON `json:"params"`
}

func (a *app) opsCommand() *cobra.Command {
	var tag string
	c := &cobra.Command{
		Use:   "ops [--tag TAG]",
		Short: "list every API operation with its method, path and credential",
		Long: `Lists the operations of the API spec this CLI was built from; each can be
called with 'kelviq call OPERATION_ID'. AUTH is the credential the operation
needs: "partner key" (KELVIQ_PARTNER_KEY), "server key" (KELVIQ_SERVER_API_KEY,
or KELVIQ_SANDBOX_SERVER_API_KEY with --sandbox) or "none".`,
		RunE: func(_ *cobra.Command, args []string) error {
			if err := noArgs(args); err != nil {
				return err
			}
			ops := wrapper.Operations()
			if tag != "" {
				var keep []wrapper.Operation
				for _, op := range ops {
					if slices.ContainsFunc(op.Tags(), func(t string) bool { return strings.EqualFold(t, tag) }) {
						keep = append(keep, op)
					}
				}
				if len(keep) == 0 {
					return usagef("--tag: no operation has tag %q (tags: %s)", tag, strings.Join(allTags(), ", "))
				}
				ops = keep
			}
			if a.jsonOutput() {
				out := make([]opJSON, len(ops))
				for i, op := range ops {
					out[i] = toOpJSON(op)
				}
				return a.writeJSON(out)
			}
			rows := make([][]string, len(ops))
			for i, op := range ops {
				rows[i] = []string{op.ID(), op.Method(), op.Path(), op.Auth().String()}
			}
			return a.writeTable([]string{"OPERATION", "METHOD", "PATH", "AUTH"}, rows)
		},
	}
	c.Flags().StringVar(&tag, "tag", "", "only operations with this `TAG` (case-insensitive), e.g. Customers")
	return c
}

func toOpJSON(op wrapper.Operation) opJSON {
	o := opJSON{
		OperationID: op.ID(),
		Method:      op.Method(),
		Path:        op.Path(),
		Auth:        op.Auth().String(),
		Tags:        append([]string{}, op.Tags()...),
		Summary:     op.Summary(),
		Paginated:   op.Paginated(),
		HasBody:     op.HasBody(),
		Params:      []paramJSON{},
	}
	for _, p := range op.Params() {
		o.Params = append(o.Params, paramJSON{Name: p.Name, In: p.In, Required: p.Required, Type: p.Type, Format: p.Format})
	}
	return o
}

func allTags() []string {
	seen := map[string]bool{}
	var tags []string
	for _, op := range wrapper.Operations() {
		for _, t := range op.Tags() {
			if !seen[t] {
				seen[t] = true
				tags = append(tags, t)
			}
		}
	}
	sort.Strings(tags)
	return tags
}
