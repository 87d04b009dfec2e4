package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kelviq/kelviq-go/wrapper"
)

// Environment variables the CLI reads (the keys are read here, not by the
// wrapper, so that run is driven only by its getenv argument).
const (
	envPartnerKey    = wrapper.EnvPartnerKey // KELVIQ_PARTNER_KEY
	envServerKey     = wrapper.EnvServerKey  // KELVIQ_SERVER_API_KEY
	envBaseURL       = "KELVIQ_BASE_URL"
	envEdgeURL       = "KELVIQ_EDGE_URL"
	envWebhookSecret = "KELVIQ_WEBHOOK_SECRET"
	envDebug         = "KELVIQ_DEBUG"
)

// Time limits and retries. --timeout bounds each attempt of a request;
// --retries is how many times a failed one may be re-sent; --deadline bounds
// the whole command, by default (retries+1) × timeout plus the longest
// waits between attempts plus deadlineMargin.
const (
	defaultTimeout = 30 * time.Second
	defaultRetries = wrapper.DefaultMaxRetries
	maxRetries     = 10
	deadlineMargin = time.Second
)

// globals holds the flags every command accepts.
type globals struct {
	baseURL, edgeURL string
	sandbox          bool
	output           string
	showSecrets      bool
	timeout          time.Duration // per attempt
	retries          int
	deadline         deadlineFlag // whole command; 0 is auto
	verbose          bool
}

func (g *globals) register(fs *flag.FlagSet) {
	fs.StringVar(&g.baseURL, "base-url", "", "API base `URL` (env "+envBaseURL+"; default production)")
	fs.StringVar(&g.edgeURL, "edge-url", "", "edge base `URL` for entitlements and promotions (env "+envEdgeURL+")")
	fs.BoolVar(&g.sandbox, "sandbox", false, "use the sandbox environment (ignores "+envBaseURL+" and "+envEdgeURL+")")
	fs.StringVar(&g.output, "output", "", "`FORMAT` of the output: json or table (default: table on a terminal, json otherwise)")
	fs.BoolVar(&g.showSecrets, "show-secrets", false, "print server keys and other credentials in full instead of [REDACTED]")
	fs.DurationVar(&g.timeout, "timeout", defaultTimeout, "time limit for each attempt of a request (sending it, waiting for the answer, reading it), e.g. 10s or 2m")
	fs.IntVar(&g.retries, "retries", defaultRetries, fmt.Sprintf("re-send a failed request at most `N` times, 0 to disable (at most %d); POST and PATCH only if they never reached the server", maxRetries))
	fs.BoolVar(&g.verbose, "verbose", false, "print one line per attempt of every request to standard error (also "+envDebug+"=1); keys are never printed")
	g.deadline = 0 // auto; also makes the help show "(default auto)"
	fs.Var(&g.deadline, "deadline", "time limit for the whole command, retries included, as a `DURATION` or auto: (retries+1) × timeout + the waits between attempts + 1s")
}

// deadlineFlag is the --deadline value: a positive duration, or 0 for auto.
type deadlineFlag time.Duration

func (d *deadlineFlag) String() string {
	if *d == 0 {
		return "auto"
	}
	return time.Duration(*d).String()
}

func (d *deadlineFlag) Set(s string) error {
	if s == "auto" {
		*d = 0
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v <= 0 {
		return errors.New("must be a positive duration such as 90s or 5m, or auto")
	}
	*d = deadlineFlag(v)
	return nil
}

// overallDeadline is the time limit for the whole command: --deadline, or
// (retries+1) × timeout + the longest backoff waits + deadlineMargin. It
// saturates rather than overflow.
func (g *globals) overallDeadline() time.Duration {
	if g.deadline > 0 {
		return time.Duration(g.deadline)
	}
	const maxDuration = time.Duration(1<<63 - 1)
	add := func(a, b time.Duration) time.Duration {
		if a > maxDuration-b {
			return maxDuration
		}
		return a + b
	}
	d := deadlineMargin
	for i := 0; i <= g.retries; i++ {
		d = add(d, g.timeout)
	}
	wait := wrapper.DefaultRetryBase
	for i := 0; i < g.retries; i++ {
		d = add(d, min(wait, wrapper.DefaultRetryCap))
		wait = min(wait*2, wrapper.DefaultRetryCap)
	}
	return d
}

// retryOptions configures a wrapper client with --timeout and --retries.
// A Retry-After longer than the whole command may last ends the retries at
// once (with the API's answer) instead of waiting into the deadline.
func (g *globals) retryOptions() []wrapper.Option {
	return []wrapper.Option{
		wrapper.WithAttemptTimeout(g.timeout),
		wrapper.WithMaxRetries(g.retries),
		wrapper.WithMaxRetryAfter(min(wrapper.DefaultMaxRetryAfter, g.overallDeadline())),
	}
}

// deadlineError is a command stopped by --deadline.
type deadlineError struct {
	d   time.Duration
	err error
}

func (e *deadlineError) Error() string { return e.err.Error() }
func (e *deadlineError) Unwrap() error { return e.err }

// app is one invocation of the CLI.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	g              globals
	path           []string // command words, for messages
	secrets        []string // more values for scrub, e.g. --secret
	bases          bases    // where requests went, set by client
}

// bases are the base URLs a client sends to, and where each came from (a
// flag, an environment variable, or "" for the environment's default), so
// that an API error can name the URL it called.
type bases struct {
	api, edge       string
	apiSrc, edgeSrc string
}

// usageError is a bad command line or input refused locally: exit 2,
// nothing sent.
type usageError struct {
	msg    string
	noHint bool // a configuration problem: do not point at --help
}

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// configf is a usage error about the environment rather than the command line.
func configf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), noHint: true}
}

// command is a node of the command tree: a group (children) or a leaf (setup).
type command struct {
	name     string
	summary  string
	usage    []string // usage lines without the leading "kelviq"
	long     string
	children []*command
	// setup defines the leaf's own flags on fs and returns the function that
	// runs it with the positional arguments.
	setup func(fs *flag.FlagSet) func(ctx context.Context, a *app, args []string) error
	// noTimeout exempts the command from --deadline (it runs until
	// interrupted).
	noTimeout bool
}

func (c *command) child(name string) *command {
	for _, ch := range c.children {
		if ch.name == name {
			return ch
		}
	}
	return nil
}

func rootCommand() *command {
	return &command{
		name:    "kelviq",
		summary: "command-line client for the kelviq API",
		usage:   []string{"[global flags] <command> [flags] [arguments]"},
		long: `Time limits: --timeout bounds each attempt of a request. A failed GET, PUT or
DELETE (network error, --timeout, or a 408, 429, 500, 502, 503 or 504 answer)
is re-sent up to --retries times, after a random wait of at most 0.5s, 1s,
2s, ... 8s (or the answer's Retry-After, when it is at most 30s); POST and
PATCH are re-sent only when the connection could not be opened, so nothing is
done twice. --deadline bounds the whole command; auto is (retries+1) ×
timeout + those waits + 1s, i.e. 1m32.5s with the defaults (30s, 2 retries).`,
		children: []*command{
			{
				name:    "partner",
				summary: "partner operations (KELVIQ_PARTNER_KEY)",
				usage:   []string{"partner <command>"},
				children: []*command{{
					name:    "orgs",
					summary: "provision and find the partner's organizations",
					usage:   []string{"partner orgs <command>"},
					children: []*command{
						provisionCommand(),
						listOrgsCommand(),
						getOrgCommand(),
					},
				}},
			},
			{
				name:     "webhooks",
				summary:  "check webhook deliveries (KELVIQ_WEBHOOK_SECRET)",
				usage:    []string{"webhooks <command>"},
				children: []*command{verifyWebhookCommand()},
			},
			opsCommand(),
			callCommand(),
			fakeCommand(),
			mcpCommand(),
			triggerCommand(),
			demoCommand(),
			versionCommand(),
		},
	}
}

// run is the whole CLI; main is os.Exit(run(...)).
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	root := rootCommand()
	gfs := newFlagSet("kelviq")
	a.g.register(gfs)

	// Walk the command words; global flags may sit among them.
	node, help, versionFlag := root, false, false
	i := 0
walk:
	for i < len(args) {
		arg := args[i]
		switch {
		case arg == "--":
			break walk
		case isFlag(arg):
			name, _, _ := flagName(arg)
			if name == "h" || name == "help" {
				help = true
				i++
				continue
			}
			if node == root && name == "version" {
				// kelviq --version is kelviq version, printed as one line
				// unless --output json asks otherwise.
				node, versionFlag = root.child("version"), true
				a.path = append(a.path, "version")
				i++
				continue
			}
			if gfs.Lookup(name) == nil {
				break walk // a command flag: the leaf parses it
			}
			n, err := parseOne(gfs, args[i:], nil)
			if err != nil {
				return a.fail(node, err)
			}
			i += n
		default:
			if node.setup != nil {
				break walk
			}
			if node == root && arg == "help" {
				return a.helpCommand(root, args[i+1:])
			}
			ch := node.child(arg)
			if ch == nil {
				return a.fail(node, usagef("unknown command %q", strings.TrimSpace(strings.Join(append(a.path, arg), " "))))
			}
			node = ch
			a.path = append(a.path, arg)
			i++
		}
	}
	rest := args[i:]

	if node.setup == nil { // a group
		if help {
			a.printHelp(a.stdout, node, nil)
			return 0
		}
		if len(rest) > 0 && rest[0] != "--" {
			return a.fail(node, unknownFlag(rest[0]))
		}
		if node == root { // kelviq alone: the help, as asked for
			a.printHelp(a.stdout, node, nil)
			return 0
		}
		return a.fail(node, usagef("%s needs a subcommand", a.cmdline()))
	}

	fs := newFlagSet(a.cmdline())
	runFn := node.setup(fs)
	if help {
		a.printHelp(a.stdout, node, fs)
		return 0
	}
	pos, err := parseInterspersed(fs, gfs, rest)
	if errors.Is(err, flag.ErrHelp) {
		a.printHelp(a.stdout, node, fs)
		return 0
	}
	if err != nil {
		return a.fail(node, err)
	}
	if err := a.checkGlobals(); err != nil {
		return a.fail(node, err)
	}
	if versionFlag && a.g.output == "" {
		a.g.output = "table"
	}
	if !node.noTimeout {
		d := a.g.overallDeadline()
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
		if err := runFn(ctx, a, pos); err != nil {
			if errors.Is(err, context.DeadlineExceeded) && errors.Is(ctx.Err(), context.DeadlineExceeded) {
				err = &deadlineError{d: d, err: err}
			}
			return a.fail(node, err)
		}
		return 0
	}
	if err := runFn(ctx, a, pos); err != nil {
		return a.fail(node, err)
	}
	return 0
}

func (a *app) cmdline() string {
	return strings.Join(append([]string{"kelviq"}, a.path...), " ")
}

func (a *app) checkGlobals() error {
	switch a.g.output {
	case "", "json", "table":
	default:
		return usagef("--output: %q is not a format; use json or table", a.g.output)
	}
	if a.g.timeout <= 0 {
		return usagef("--timeout: %s is not a positive duration", a.g.timeout)
	}
	if a.g.retries < 0 {
		return usagef("--retries: %d is negative; 0 disables retries", a.g.retries)
	}
	if a.g.retries > maxRetries {
		return usagef("--retries: %d is more than %d", a.g.retries, maxRetries)
	}
	return nil
}

// jsonOutput reports whether to print JSON: --output, else JSON unless
// stdout is a terminal.
func (a *app) jsonOutput() bool {
	switch a.g.output {
	case "json":
		return true
	case "table":
		return false
	}
	return !isTerminal(a.stdout)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// fail prints err as one line on stderr and returns its exit code.
func (a *app) fail(node *command, err error) int {
	code, msg := classify(err, a.g.timeout)
	if where := a.describeCall(err); where != "" {
		msg += " (" + where + ")"
	}
	fmt.Fprintf(a.stderr, "error: %s\n", oneLine(a.scrub(msg)))
	if code == 2 {
		var ue *usageError
		if errors.As(err, &ue) && !ue.noHint || isFlagError(err) {
			fmt.Fprintf(a.stderr, "Run '%s --help' for usage.\n", a.cmdline())
		}
	}
	return code
}

// classify maps an error to its exit code and message.
func classify(err error, timeout time.Duration) (int, string) {
	var (
		apiErr  *wrapper.APIError
		valErr  *wrapper.ValidationError
		credErr *wrapper.CredentialError
		ue      *usageError
		de      *deadlineError
	)
	switch {
	case errors.As(err, &ue):
		return 2, ue.msg
	case isFlagError(err):
		return 2, err.Error()
	case errors.As(err, &apiErr):
		msg := fmt.Sprintf("%d %s", apiErr.StatusCode, strings.ToLower(http.StatusText(apiErr.StatusCode)))
		if m := strings.TrimSpace(apiErr.Message); m != "" && m != http.StatusText(apiErr.StatusCode) {
			msg += ": " + m
		}
		return 1, msg
	case errors.As(err, &valErr):
		return 2, fmt.Sprintf("invalid %s: %s", valErr.Field, valErr.Rule)
	case errors.As(err, &credErr):
		return 2, missingKeyMessage(credErr.Auth, credErr.OperationID)
	case errors.Is(err, wrapper.ErrInvalidInput):
		return 2, trimPrefix(err.Error())
	case errors.Is(err, wrapper.ErrMissingCredential):
		return 2, trimPrefix(err.Error())
	case errors.Is(err, wrapper.ErrUnknownOperation):
		return 2, trimPrefix(err.Error())
	case errors.As(err, &de):
		return 1, fmt.Sprintf("timed out after %s, the time limit for the whole command (see --deadline): %s", de.d, trimPrefix(err.Error()))
	case errors.Is(err, context.DeadlineExceeded):
		return 1, fmt.Sprintf("timed out: no answer within %s (see --timeout and --retries): %s", timeout, trimPrefix(err.Error()))
	case errors.Is(err, context.Canceled):
		return 1, "interrupted"
	}
	return 1, trimPrefix(err.Error())
}

// flagError marks errors from the flag package (bad flag, bad value).
type flagError struct{ err error }

func (e *flagError) Error() string { return e.err.Error() }
func (e *flagError) Unwrap() error { return e.err }

func isFlagError(err error) bool {
	var fe *flagError
	return errors.As(err, &fe)
}

func trimPrefix(s string) string { return strings.TrimPrefix(s, "kelviq: ") }

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

// scrub removes credentials from text printed to the user, with the
// client's own redaction (wrapper.Redact): the configured keys, and the
// value of every credential member of JSON (serverKey and the like),
// unless --show-secrets.
func (a *app) scrub(s string) string {
	if a.g.showSecrets {
		return s
	}
	var secrets []string
	for _, env := range []string{envPartnerKey, envServerKey, envWebhookSecret} {
		if k := strings.TrimSpace(a.getenv(env)); len(k) >= 8 {
			secrets = append(secrets, k)
		}
	}
	for _, k := range a.secrets {
		if k = strings.TrimSpace(k); len(k) >= 8 {
			secrets = append(secrets, k)
		}
	}
	return wrapper.Redact(s, secrets...)
}

const redacted = "[REDACTED]"

// debugLogger writes the client's attempt records to stderr as text,
// scrubbed of the configured keys like everything else the CLI prints.
func (a *app) debugLogger() *slog.Logger {
	w := writerFunc(func(p []byte) (int, error) {
		if _, err := io.WriteString(a.stderr, a.scrub(string(p))); err != nil {
			return 0, err
		}
		return len(p), nil
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// client builds a wrapper client from the globals and the environment.
func (a *app) client() (*wrapper.Client, error) {
	opts := []wrapper.Option{wrapper.WithoutEnvKeys(), wrapper.WithUserAgent("kelviq-cli/" + wrapper.Version)}
	opts = append(opts, a.g.retryOptions()...)
	if a.g.verbose || a.getenv(envDebug) == "1" {
		opts = append(opts, wrapper.WithLogger(a.debugLogger()))
	}
	if a.g.sandbox {
		opts = append(opts, wrapper.WithEnvironment(wrapper.Sandbox))
	}
	if k := a.getenv(envPartnerKey); strings.TrimSpace(k) != "" {
		if !strings.HasPrefix(k, wrapper.PartnerKeyPrefix) {
			return nil, configf("%s: a partner key must start with %q", envPartnerKey, wrapper.PartnerKeyPrefix)
		}
		opts = append(opts, wrapper.WithPartnerKey(k))
	}
	if k := a.getenv(envServerKey); strings.TrimSpace(k) != "" {
		opts = append(opts, wrapper.WithServerKey(k))
	}
	env := wrapper.Production
	if a.g.sandbox {
		env = wrapper.Sandbox
	}
	a.bases = bases{api: env.BaseURL, edge: env.EdgeURL}
	for _, u := range []struct{ flag, env, val string }{
		{"--base-url", envBaseURL, a.g.baseURL},
		{"--edge-url", envEdgeURL, a.g.edgeURL},
	} {
		val, src := u.val, u.flag
		if val == "" && !a.g.sandbox { // an explicit --sandbox beats the environment
			val, src = a.getenv(u.env), u.env
		}
		if val == "" {
			continue
		}
		opt := wrapper.WithBaseURL(val)
		if u.flag == "--edge-url" {
			opt = wrapper.WithEdgeURL(val)
			a.bases.edge, a.bases.edgeSrc = val, src
		} else {
			a.bases.api, a.bases.apiSrc = val, src
			if a.bases.edgeSrc == "" { // edge operations follow the base URL
				a.bases.edge, a.bases.edgeSrc = val, src
			}
		}
		if _, err := wrapper.New(wrapper.WithoutEnvKeys(), opt); err != nil {
			msg := trimPrefix(err.Error())
			if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "With") {
				msg = msg[i+2:]
			}
			if src == u.env {
				return nil, configf("%s: %s", src, msg)
			}
			return nil, usagef("%s: %s", src, msg)
		}
		opts = append(opts, opt)
	}
	c, err := wrapper.New(opts...)
	if err != nil {
		return nil, configf("%s", trimPrefix(err.Error()))
	}
	a.bases.api, a.bases.edge = c.BaseURL(), strings.TrimSuffix(a.bases.edge, "/")
	return c, nil
}

// ---- flag parsing ----

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

func isFlag(arg string) bool { return len(arg) > 1 && arg[0] == '-' }

// flagName returns the name of a flag argument such as "--name=value".
func flagName(arg string) (name, value string, hasValue bool) {
	name = strings.TrimPrefix(strings.TrimPrefix(arg, "-"), "-")
	name, value, hasValue = strings.Cut(name, "=")
	return name, value, hasValue
}

type boolFlag interface{ IsBoolFlag() bool }

// parseOne parses the flag at args[0] (and its value, when it takes one as
// the next argument) into whichever of sets defines it, primary first. It
// returns how many arguments it used.
func parseOne(primary *flag.FlagSet, args []string, secondary *flag.FlagSet) (int, error) {
	name, _, hasValue := flagName(args[0])
	fs := primary
	f := primary.Lookup(name)
	if f == nil && secondary != nil {
		if f = secondary.Lookup(name); f != nil {
			fs = secondary
		}
	}
	if f == nil && name != "h" && name != "help" {
		return 1, unknownFlag(args[0])
	}
	n := 1
	if f != nil && !hasValue {
		if bf, ok := f.Value.(boolFlag); !ok || !bf.IsBoolFlag() {
			if len(args) > 1 {
				n = 2
			}
		}
	}
	if err := fs.Parse(args[:n]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return n, err
		}
		return n, &flagError{err: fixFlagDashes(err)}
	}
	if fs.NArg() != 0 { // cannot happen: args[:n] is one flag
		return n, usagef("unexpected argument %q", fs.Arg(0))
	}
	return n, nil
}

// unknownFlag is the one wording for a flag no command defines, naming it
// as users type it: "unknown flag --bogus".
func unknownFlag(arg string) error {
	name, _, _ := flagName(arg)
	return usagef("unknown flag %s", dashed(name))
}

// dashed writes a flag name with the dashes users type: -p, --email.
func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// fixFlagDashes makes the flag package's messages name flags as users type
// them ("--email", not "-email").
func fixFlagDashes(err error) error {
	msg := err.Error()
	for _, marker := range []string{"defined: -", "flag -", "argument: -", "for -"} {
		if i := strings.Index(msg, marker); i >= 0 {
			j := i + len(marker)
			k := j
			for k < len(msg) && msg[k] != ' ' && msg[k] != ':' {
				k++
			}
			if k-j > 1 {
				msg = msg[:j] + "-" + msg[j:]
			}
			break
		}
	}
	return errors.New(msg)
}

// parseInterspersed parses flags wherever they appear among the positional
// arguments (until "--") and returns the positional ones.
func parseInterspersed(fs, globalFS *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for i := 0; i < len(args); {
		arg := args[i]
		switch {
		case arg == "--":
			return append(pos, args[i+1:]...), nil
		case isFlag(arg):
			n, err := parseOne(fs, args[i:], globalFS)
			if err != nil {
				return nil, err
			}
			i += n
		default:
			pos = append(pos, arg)
			i++
		}
	}
	return pos, nil
}

// ---- help ----

func (a *app) helpCommand(root *command, words []string) int {
	node := root
	for _, w := range words {
		ch := node.child(w)
		if ch == nil {
			return a.fail(node, usagef("unknown command %q", strings.Join(words, " ")))
		}
		node = ch
		a.path = append(a.path, w)
	}
	var fs *flag.FlagSet
	if node.setup != nil {
		fs = newFlagSet(a.cmdline())
		node.setup(fs)
	}
	a.printHelp(a.stdout, node, fs)
	return 0
}

func (a *app) printHelp(w io.Writer, node *command, fs *flag.FlagSet) {
	var b bytes.Buffer
	if node.name == "kelviq" {
		fmt.Fprintf(&b, "kelviq is a %s.\n\n", node.summary)
	} else if node.summary != "" {
		fmt.Fprintf(&b, "%s: %s.\n\n", a.cmdline(), node.summary)
	}
	b.WriteString("Usage:\n")
	for _, u := range node.usage {
		fmt.Fprintf(&b, "  kelviq %s\n", u)
	}
	root := node.name == "kelviq"
	if node.long != "" && !root {
		fmt.Fprintf(&b, "\n%s\n", strings.TrimSpace(node.long))
	}
	if len(node.children) > 0 {
		b.WriteString("\nCommands:\n")
		tw := tabwriter.NewWriter(&b, 0, 4, 3, ' ', 0)
		for _, ch := range node.children {
			fmt.Fprintf(tw, "  %s\t%s\n", ch.name, ch.summary)
		}
		tw.Flush()
	}
	if fs != nil {
		var n int
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			b.WriteString("\nFlags:\n")
			printFlags(&b, fs)
		}
	}
	gfs := newFlagSet("globals")
	var g globals
	g.register(gfs)
	b.WriteString("\nGlobal flags (before or after the command words):\n")
	printFlags(&b, gfs)
	if root {
		// The commands first; the fine print on time limits after the flags.
		if node.long != "" {
			fmt.Fprintf(&b, "\n%s\n", strings.TrimSpace(node.long))
		}
		b.WriteString("\nEnvironment:\n")
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "  %s\tpartner key (kvqp_...), for the partner operations\n", envPartnerKey)
		fmt.Fprintf(tw, "  %s\tan organization's server key, for the other operations\n", envServerKey)
		fmt.Fprintf(tw, "  %s\tdefault for --base-url\n", envBaseURL)
		fmt.Fprintf(tw, "  %s\tdefault for --edge-url\n", envEdgeURL)
		fmt.Fprintf(tw, "  %s\twebhook signing secret, for 'webhooks verify'\n", envWebhookSecret)
		tw.Flush()
		b.WriteString("\nExit status: 0 success; 1 API or network error, or a webhook that fails verification;\n" +
			"2 usage or validation error (nothing sent).\n")
	}
	if len(node.children) > 0 {
		fmt.Fprintf(&b, "\nRun '%s <command> --help' for a command's flags.\n", a.cmdline())
	}
	_, _ = w.Write(b.Bytes())
}

func printFlags(w io.Writer, fs *flag.FlagSet) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	var flags []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) { flags = append(flags, f) })
	sort.Slice(flags, func(i, j int) bool { return flags[i].Name < flags[j].Name })
	for _, f := range flags {
		argName, usage := flag.UnquoteUsage(f)
		dash := "--"
		if len(f.Name) == 1 {
			dash = "-"
		}
		spec := dash + f.Name
		if bf, ok := f.Value.(boolFlag); !ok || !bf.IsBoolFlag() {
			if argName == "" {
				argName = "VALUE"
			}
			spec += " " + strings.ToUpper(argName)
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "[]" {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(tw, "  %s\t%s\n", spec, usage)
	}
	tw.Flush()
}
