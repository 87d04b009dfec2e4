// Command kelviq is a command-line client for the kelviq API, built on the
// kelviq-go wrapper and on spf13/cobra.
//
// Usage:
//
//	kelviq [global flags] <command> [command flags] [arguments]
//
// Commands:
//
//	partner orgs provision --external-id ID --email EMAIL [--business-name NAME]
//	                              provision an organization for the partner
//	partner orgs list [--external-id ID]
//	                              list the partner's organizations
//	partner orgs get IDENTIFIER   get an organization by its UUID
//	partner orgs get --external-id ID
//	                              get an organization by the partner's own ID
//	webhooks verify --id ID --timestamp TS --signature SIG [--secret SECRET]
//	                [--tolerance DURATION] < BODY
//	                              verify a webhook delivery read from stdin
//	ops [--tag TAG]               list every API operation (id, method, path, auth)
//	call OPERATION_ID [-p NAME=VALUE]... [--data JSON|@FILE|-] [--all]
//	                              call any operation by its operationId
//	login [--prod]                store a server key (sandbox unless --prod),
//	                              read without echo or from a pipe
//	logout [--prod | --all]       remove stored keys
//	env [--json]                  show the environment, URLs and which keys are
//	                              set (never a key)
//	catalog init [-o FILE] [--force]
//	                              write a starter catalog file (kelviq.yaml)
//	catalog pull [-o FILE] [--force] [--prod]
//	                              write the sandbox's (or production's) catalog
//	catalog push [FILE] [--prod] [--dry-run [--json]] [--yes] [--publish]
//	             [--migrate-features] [--migrate-pricing] [--prune]
//	             [--allow-prod-prune]
//	                              make the sandbox's (or production's) catalog
//	                              match the file, after a confirmation
//	catalog promote [--dry-run [--json]] [--yes] [--publish] [--prune] ...
//	                              make production's catalog match the sandbox's
//	init, pull, push, promote     the same four catalog commands
//	fake [--addr HOST:PORT] [--partner-key KEY]
//	                              serve the in-memory fake API until interrupted,
//	                              printing export lines for its URL and keys
//	mcp [--read-only] [--tools TAG|TOOL,...]
//	                              serve every operation as an MCP tool over stdio,
//	                              for AI assistants (see 'kelviq mcp --help')
//	trigger EVENT_TYPE            make a running fake send a webhook event
//	demo                          run a provision → customer → product → plan
//	                              walkthrough against an in-process fake
//	completion bash|zsh|fish      print a shell completion script (commands,
//	                              flags, and operation IDs for call)
//	version, --version            print the version and the Go version
//	help [COMMAND...]             print help for a command (as does kelviq alone)
//
// Global flags may come before or after the command words (and, as always,
// with one dash or two: -output json is --output json):
//
//	--prod, --sandbox    the environment to target (see below)
//	--base-url URL       API base URL (env KELVIQ_BASE_URL; KELVIQ_SANDBOX_BASE_URL
//	                     with --sandbox)
//	--edge-url URL       edge base URL (env KELVIQ_EDGE_URL)
//	--output FORMAT      json or table (default: table on a terminal, else json;
//	                     call prints json unless --output table is given)
//	--show-secrets       print server keys and other credentials in full
//	--timeout DURATION   time limit for each attempt of a request (default 30s)
//	--retries N          re-send a failed request at most N times (default 2;
//	                     0 disables), by the rule 'kelviq --help' prints
//	--deadline DURATION  time limit for the whole command (default auto,
//	                     which 'kelviq --help' explains)
//	--verbose            one line per attempt of every request on stderr
//
// Environments and keys. --prod targets production and --sandbox the
// sandbox. Without either, a base URL you give (--base-url or
// KELVIQ_BASE_URL, as 'kelviq fake' prints it) is production's; otherwise
// login, logout, env and the catalog commands target the sandbox
// (sandbox-first, as kelviq's own CLI), and the API commands (call,
// partner, ops, ...) production, as they did before environments were
// added. The server key is
// KELVIQ_SANDBOX_SERVER_API_KEY for the sandbox and KELVIQ_SERVER_API_KEY for
// production (and for any base URL you give); when the variable is not set,
// the key stored by 'kelviq login' (or 'kelviq login --prod') in
// $XDG_CONFIG_HOME/kelviq/config.json (~/.config/kelviq/config.json; mode
// 0600 in a 0700 directory) is used, but only with that environment's own
// kelviq host. The partner key is KELVIQ_PARTNER_KEY, and the webhook secret
// KELVIQ_WEBHOOK_SECRET (or --secret, for webhooks verify). 'kelviq --help'
// prints the full order. Every serverKey, and any other credential, is
// printed as "[REDACTED]" unless --show-secrets is given (the fake's own
// keys, which open nothing but the in-memory fake, are printed by
// 'kelviq fake' so that they can be used).
//
// Try it with no account and no network:
//
//	go run ./cmd/kelviq demo
//
// Tables are never wider than the terminal (COLUMNS, else the terminal's
// width, else 80 columns): long cells are cut with "…".
//
// Exit status: 0 on success; 1 when the API responded with an error (one line
// on stderr naming the call, e.g. "error: 404 not found: Organization not
// found (GET https://api.kelviq.com/api/v1/partner/organizations/…/)"), the
// network failed or timed out, or a webhook failed verification ("error:
// invalid signature"); 2 on a usage or validation error (an unknown command
// or flag, a missing key, bad input), in which case nothing was sent. Every
// command accepts --help.
//
// For whoever adds commands: newRoot (cli.go) builds a fresh command tree
// for each run, and mount lists the top-level commands, one line per file
// of commands. A command reaches the API through app.connect (env.go),
// which resolves its environment, base URLs and key in the order keysHelp
// states; run turns its error into the one-line message and the exit code.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
