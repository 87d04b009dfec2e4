package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/kelviq/kelviq-go/wrapper"
)

// completionCommand is 'kelviq completion bash|zsh|fish': a script that
// completes commands, flags and the operation IDs of 'kelviq call'.
func (a *app) completionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "print a shell completion script",
		Long: `Prints a script that makes the shell complete kelviq's commands, flags and,
for 'kelviq call', operation IDs. Load it for the current shell, or install it:

  source <(kelviq completion bash)                 # bash; or save it in /etc/bash_completion.d/kelviq
  kelviq completion zsh > "${fpath[1]}/_kelviq"    # zsh (with compinit enabled)
  kelviq completion fish > ~/.config/fish/completions/kelviq.fish`,
		Annotations:       map[string]string{annotationNoDeadline: "true"},
		ValidArgs:         []cobra.Completion{"bash", "zsh", "fish"},
		ValidArgsFunction: cobra.FixedCompletions([]cobra.Completion{"bash", "zsh", "fish"}, cobra.ShellCompDirectiveNoFileComp),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("completion takes one shell: bash, zsh or fish")
			}
			root := cmd.Root()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(a.stdout, true)
			case "zsh":
				return root.GenZshCompletion(a.stdout)
			case "fish":
				return root.GenFishCompletion(a.stdout, true)
			}
			return usagef("completion: unknown shell %q; use bash, zsh or fish", args[0])
		},
	}
}

// completeOperationID completes the OPERATION_ID of 'kelviq call' from the
// operation table, each with its method and path.
func completeOperationID(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, op := range wrapper.Operations() {
		if strings.HasPrefix(op.ID(), toComplete) {
			out = append(out, cobra.CompletionWithDesc(op.ID(), op.Method()+" "+op.Path()))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
