package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spf13/cobra"

	"github.com/kelviq/kelviq-go/cmd/kelviq/internal/mcpserver"
	"github.com/kelviq/kelviq-go/wrapper"
)

func (a *app) mcpCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "mcp [--read-only] [--tools TAG|TOOL,...]",
		Short: "serve the API to AI assistants as MCP tools over stdio",
		Long: `Speaks the Model Context Protocol on standard input and output, for an MCP
client (an AI assistant) that starts this command. Every API operation is a
tool named by its operationId, with an input schema from the spec: path and
query parameters by name, the request body as "body", and, for the tools
that take a server key, "organization" to act for a partner organization
(looked up with the partner key). Read-only tools are marked so; DELETEs are
marked destructive. Resources: kelviq://openapi.json and a guide per tag
(kelviq://guides/TAG). Prompts: provision_organization, diagnose_access.

Calls go through the same client as 'kelviq call', with the same checks,
retries and limits, and the same keys (see 'kelviq --help'): production by
default, --sandbox for the sandbox; the server key from the environment,
else the one 'kelviq login' stored; KELVIQ_PARTNER_KEY for the partner
tools. The export lines of 'kelviq fake' work as they are.
API errors come back to the assistant as tool results with the status and
field errors. No key is ever put in a result or a log line (--show-secrets
does not apply). Logs go to standard error (--verbose: one line per attempt).

--read-only serves only the tools that read. --tools keeps only the tools of
the given tags (e.g. customers,plans; 'kelviq ops' shows them) or names.
--timeout and --retries apply to each call; --deadline does not (the server
runs until its client disconnects).

An MCP client's configuration, e.g.:
  {"mcpServers": {"kelviq": {"command": "kelviq", "args": ["mcp"],
    "env": {"KELVIQ_SERVER_API_KEY": "..."}}}}`,
		Annotations: map[string]string{annotationNoDeadline: "true"},
	}
	fs := c.Flags()
	readOnly := fs.Bool("read-only", false, "serve only the tools that read (GET operations)")
	tools := fs.StringSlice("tools", nil, "serve only the tools in the `TAG|TOOL,...` list: tags as 'kelviq ops' shows them, or tool names (repeatable)")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if err := noArgs(args); err != nil {
			return err
		}
		a.g.showSecrets = false // results never carry a key
		client, t, err := a.connect(defaultProduction)
		if err != nil {
			return err
		}
		level := slog.LevelWarn // the SDK's session records only with --verbose
		if a.g.verbose || a.getenv(envDebug) == "1" {
			level = slog.LevelInfo
		}
		srv, err := mcpserver.New(client, mcpserver.Options{
			Version:  wrapper.Version,
			ReadOnly: *readOnly,
			Tools:    *tools,
			Secrets:  []string{a.getenv(envPartnerKey), t.key.Reveal()},
			Logger:   slog.New(slog.NewTextHandler(a.scrubbedStderr(), &slog.HandlerOptions{Level: level})),
			MissingKey: func(auth wrapper.Auth) string {
				if auth == wrapper.AuthPartnerKey {
					return "set " + envPartnerKey + " in the server's environment (the env of the MCP client's configuration)"
				}
				v, extra := a.serverKeyHint()
				return "set " + v + " in the server's environment (the env of the MCP client's configuration)" + extra
			},
		})
		if err != nil {
			return usagef("%s", strings.TrimPrefix(err.Error(), "mcpserver: "))
		}
		err = srv.Run(cmd.Context(), &mcp.IOTransport{Reader: io.NopCloser(a.stdin), Writer: nopWriteCloser{a.stdout}})
		if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, io.EOF) {
			return nil // the client went away, or Ctrl-C
		}
		return err
	}
	return c
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
