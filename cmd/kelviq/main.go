// Command kelviq is a command-line client for the kelviq API, built on the
// kelviq-go wrapper (standard library only).
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
//	fake [--addr HOST:PORT] [--partner-key KEY]
//	                              serve the in-memory fake API until interrupted,
//	                              printing export lines for its URL and partner key
//	mcp [--read-only] [--tools TAG|TOOL,...]
//	                              serve every operation as an MCP tool over stdio,
//	                              for AI assistants (see 'kelviq mcp --help')
//	demo                          run a provision → customer → product → plan
//	                              walkthrough against an in-process fake
//	version, --version            print the version and the Go version
//	help [COMMAND...]             print help for a command (as does kelviq alone)
//
// Global flags may come before or after the command words:
//
//	--base-url URL       API base URL (env KELVIQ_BASE_URL; default production)
//	--edge-url URL       edge base URL (env KELVIQ_EDGE_URL)
//	--sandbox            use the sandbox environment
//	--output FORMAT      json or table (default: table on a terminal, else json;
//	                     call prints json unless --output table is given)
//	--show-secrets       print server keys and other credentials in full
//	--timeout DURATION   time limit for each attempt of a request (default 30s)
//	--retries N          re-send a failed request at most N times (default 2;
//	                     0 disables; POST and PATCH only if never sent)
//	--deadline DURATION  time limit for the whole command (default auto:
//	                     (retries+1) × timeout + retry waits + 1s = 1m32.5s)
//
// Credentials come from the environment: KELVIQ_PARTNER_KEY for the
// partner operations and KELVIQ_SERVER_API_KEY for the others (and
// KELVIQ_WEBHOOK_SECRET, or --secret, for webhooks verify). Every
// serverKey, and any other credential, is printed as "[REDACTED]" unless
// --show-secrets is given (the fake's own partner key, which opens nothing
// but the in-memory fake, is printed by 'kelviq fake' so that it can be used).
//
// Try it with no account and no network:
//
//	go run ./cmd/kelviq demo
//
// Tables are never wider than the terminal (COLUMNS, else the terminal's
// width, else 80 columns): long cells are cut with "…".
//
// Exit status: 0 on success; 1 when the API answered with an error (one line
// on stderr naming the call, e.g. "error: 404 not found: Organization not
// found (GET https://api.kelviq.com/api/v1/partner/organizations/…/)"), the
// network failed or timed out, or a webhook failed verification ("error:
// invalid signature"); 2 on a usage or validation error, in which case
// nothing was sent. Every command accepts --help.
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
