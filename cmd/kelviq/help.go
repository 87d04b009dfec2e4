package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// printHelp writes cmd's help to stdout: what it is, its usage lines (one
// per line of its Use), its long text, its subcommands, its own flags, the
// global flags; for the root also the fine print, the environment and the
// exit status.
func (a *app) printHelp(cmd *cobra.Command) {
	var b bytes.Buffer
	root := !cmd.HasParent()
	if root {
		fmt.Fprintf(&b, "kelviq is a %s.\n\n", cmd.Short)
	} else if cmd.Short != "" {
		fmt.Fprintf(&b, "%s: %s.\n\n", cmd.CommandPath(), cmd.Short)
	}
	b.WriteString("Usage:\n")
	prefix := ""
	if !root {
		prefix = cmd.Parent().CommandPath() + " "
	}
	for _, u := range strings.Split(cmd.Use, "\n") {
		fmt.Fprintf(&b, "  %s%s\n", prefix, strings.TrimSpace(u))
	}
	if cmd.Long != "" && !root {
		fmt.Fprintf(&b, "\n%s\n", strings.TrimSpace(cmd.Long))
	}
	var children []*cobra.Command
	for _, ch := range cmd.Commands() {
		if ch.IsAvailableCommand() {
			children = append(children, ch)
		}
	}
	if len(children) > 0 {
		b.WriteString("\nCommands:\n")
		tw := tabwriter.NewWriter(&b, 0, 4, 3, ' ', 0)
		for _, ch := range children {
			fmt.Fprintf(tw, "  %s\t%s\n", ch.Name(), ch.Short)
		}
		tw.Flush()
	}
	if !root {
		if local := visibleFlags(cmd.LocalNonPersistentFlags()); len(local) > 0 {
			b.WriteString("\nFlags:\n")
			printFlags(&b, local)
		}
	}
	b.WriteString("\nGlobal flags (before or after the command words):\n")
	printFlags(&b, visibleFlags(cmd.Root().PersistentFlags()))
	if root {
		// The commands first; the fine print after the flags.
		fmt.Fprintf(&b, "\n%s\n", strings.TrimSpace(cmd.Long))
		fmt.Fprintf(&b, "\nEnvironments and keys:\n%s\n", indent(keysHelp, "  "))
		b.WriteString("\nEnvironment:\n")
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "  %s\tpartner key (kvqp_...), for the partner operations\n", envPartnerKey)
		fmt.Fprintf(tw, "  %s\tserver key for production, and for a base URL you give\n", envServerKey)
		fmt.Fprintf(tw, "  %s\tserver key for the sandbox\n", envSandboxServerKey)
		fmt.Fprintf(tw, "  %s\tdefault for --base-url (production)\n", envBaseURL)
		fmt.Fprintf(tw, "  %s\tdefault for --base-url with --sandbox\n", envSandboxBaseURL)
		fmt.Fprintf(tw, "  %s\tdefault for --edge-url\n", envEdgeURL)
		fmt.Fprintf(tw, "  %s\twebhook signing secret, for 'webhooks verify'\n", envWebhookSecret)
		fmt.Fprintf(tw, "  %s\twhere 'kelviq login' keeps keys (default ~/.config)\n", envXDGConfigHome)
		tw.Flush()
		b.WriteString("\nExit status: 0 success; 1 API or network error, or a webhook that fails verification;\n" +
			"2 usage or validation error (nothing sent).\n")
	}
	if len(children) > 0 {
		fmt.Fprintf(&b, "\nRun '%s <command> --help' for a command's flags.\n", cmd.CommandPath())
	}
	_, _ = a.stdout.Write(b.Bytes())
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}

// visibleFlags are the flags of fs that the help shows (not hidden, not
// --help itself), sorted by name.
func visibleFlags(fs *pflag.FlagSet) []*pflag.Flag {
	var flags []*pflag.Flag
	fs.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden && f.Name != "help" {
			flags = append(flags, f)
		}
	})
	return flags
}

// printFlags writes one line per flag: its spelling, its value's name in
// capitals, what it does and its default.
func printFlags(w io.Writer, flags []*pflag.Flag) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, f := range flags {
		argName, usage := pflag.UnquoteUsage(f)
		spec := dashed(f.Name)
		if f.Shorthand != "" && f.Shorthand != f.Name {
			spec = "-" + f.Shorthand + ", " + spec
		}
		if f.NoOptDefVal == "" {
			if argName == "" {
				argName = "VALUE"
			}
			spec += " " + strings.ToUpper(argName)
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "[]" && f.DefValue != "0s" {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(tw, "  %s\t%s\n", spec, usage)
	}
	tw.Flush()
}

// helpCommand is 'kelviq help [COMMAND]...': the help of that command, or
// a usage error for a command that does not exist.
func (a *app) helpCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "help [COMMAND]...",
		Short: "print the help of a command",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			target, rest, err := cmd.Root().Find(args)
			if err != nil || len(rest) > 0 {
				return usagef("unknown command %q", strings.Join(args, " "))
			}
			a.printHelp(target)
			return nil
		},
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			target, _, err := cmd.Root().Find(args)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var names []cobra.Completion
			for _, ch := range target.Commands() {
				if ch.IsAvailableCommand() {
					names = append(names, cobra.CompletionWithDesc(ch.Name(), ch.Short))
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
	}
}
