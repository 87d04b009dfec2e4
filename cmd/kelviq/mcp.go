package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kelviq/kelviq-go/cmd/kelviq/internal/mcpserver"
	"github.com/kelviq/kelviq-go/wrapper"
)

func mcpCommand() *command {
	return &command{
		name:    "mcp",
		summary: "serve the API to AI assistants as MCP tools over stdio",
		usage:   []string{"mcp [--read-only] [--tools TAG|TOOL,...]"},
		long: `Speaks the Model Context Protocol on standard input and output, for an MCP
client (an AI assistant) that starts this command. Every API operation is a
tool named by its operationId, with an input schema from the spec: path and
query parameters by name, the request body as "body", and, for the tools
that take a server key, "organization" to act for a partner organization
(looked up with the partner key). Read-only tools are marked so; DELETEs are
marked destructive. Resources: kelviq://openapi.json and a guide per tag
(kelviq://guides/TAG). Prompts: provision_organization, diagnose_access.

Calls go through the same client as 'kelviq call': the keys come from the
environment (KELVIQ_PARTNER_KEY, KELVIQ_SERVER_API_KEY; the export lines of
'kelviq fake' work as they are), with the same checks, retries and limits.
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
		noTimeout: true,
		setup: func(fs *flag.FlagSet) func(context.Context, *app, []string) error {
			readOnly := fs.Bool("read-only", false, "serve only the tools that read (GET operations)")
			var tools listFlag
			fs.Var(&tools, "tools", "serve only the tools in the `TAG|TOOL,...` list: tags as 'kelviq ops' shows them, or tool names (repeatable)")
			return func(ctx context.Context, a *app, args []string) error {
				if err := noArgs(args); err != nil {
					return err
				}
				a.g.showSecrets = false // results never carry a key
				client, err := a.client()
				if err != nil {
					return err
				}
				level := slog.LevelWarn // the SDK's session records only with --verbose
				if a.g.verbose || a.getenv(envDebug) == "1" {
					level = slog.LevelInfo
				}
				var secrets []string
				for _, env := range []string{envPartnerKey, envServerKey} {
					secrets = append(secrets, a.getenv(env))
				}
				srv, err := mcpserver.New(client, mcpserver.Options{
					Version:  wrapper.Version,
					ReadOnly: *readOnly,
					Tools:    tools,
					Secrets:  secrets,
					Logger:   slog.New(slog.NewTextHandler(a.scrubbedStderr(), &slog.HandlerOptions{Level: level})),
				})
				if err != nil {
					return usagef("%s", strings.TrimPrefix(err.Error(), "mcpserver: "))
				}
				err = srv.Run(ctx, &mcp.IOTransport{Reader: io.NopCloser(a.stdin), Writer: nopWriteCloser{a.stdout}})
				if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, io.EOF) {
					return nil // the client went away, or Ctrl-C
				}
				return err
			}
		},
	}
}

// scrubbedStderr writes to standard error with every key removed.
func (a *app) scrubbedStderr() io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		if _, err := io.WriteString(a.stderr, a.scrub(string(p))); err != nil {
			return 0, err
		}
		return len(p), nil
	})
}

// listFlag collects a repeatable flag's values.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	*l = append(*l, s)
	return nil
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
