package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kelviq/kelviq-go/internal/backoff"
	"github.com/kelviq/kelviq-go/wrapper"
)

// Environment variables the CLI reads (the keys are read here, not by the
// wrapper, so that run is driven only by its getenv argument).
const (
	envPartnerKey        = wrapper.EnvPartnerKey // KELVIQ_PARTNER_KEY
	envServerKey         = wrapper.EnvServerKey  // KELVIQ_SERVER_API_KEY: production, or a base URL you give
	envSandboxServerKey  = "KELVIQ_SANDBOX_SERVER_API_KEY"
	envBaseURL           = "KELVIQ_BASE_URL"
	envSandboxBaseURL    = "KELVIQ_SANDBOX_BASE_URL"
	envEdgeURL           = "KELVIQ_EDGE_URL"
	envWebhookSecret     = "KELVIQ_WEBHOOK_SECRET"
	envDebug             = "KELVIQ_DEBUG"
	envXDGConfigHome     = "XDG_CONFIG_HOME"
	envHome              = "HOME"
	annotationNoDeadline = "kelviq/no-deadline" // a cobra annotation: the command runs until interrupted
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
	sandbox, prod    bool
	output           string
	showSecrets      bool
	timeout          time.Duration // per attempt
	retries          int
	deadline         deadlineFlag // whole command; 0 is auto
	verbose          bool
}

func (g *globals) register(fs *pflag.FlagSet) {
	fs.StringVar(&g.baseURL, "base-url", "", "API base `URL` (env "+envBaseURL+", or "+envSandboxBaseURL+" with --sandbox; see Environments and keys)")
	fs.StringVar(&g.edgeURL, "edge-url", "", "edge base `URL` for entitlements and promotions (env "+envEdgeURL+")")
	fs.BoolVar(&g.sandbox, "sandbox", false, "target the sandbox environment (ignores "+envBaseURL+" and "+envEdgeURL+")")
	fs.BoolVar(&g.prod, "prod", false, "target the production environment (the API commands' default; the sandbox-first commands need it for production)")
	fs.StringVar(&g.output, "output", "", "`FORMAT` of the output: json or table (default: table on a terminal, json otherwise)")
	fs.BoolVar(&g.showSecrets, "show-secrets", false, "print server keys and other credentials in full instead of [REDACTED]")
	fs.DurationVar(&g.timeout, "timeout", defaultTimeout, "time limit for each attempt of a request (sending it, waiting for the response, reading it), e.g. 10s or 2m")
	fs.IntVar(&g.retries, "retries", defaultRetries, fmt.Sprintf("re-send a failed request at most `N` times, 0 to disable (at most %d), by the rule under Time limits", maxRetries))
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

func (d *deadlineFlag) Type() string { return "duration" }

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
	return add(d, backoff.Longest(wrapper.DefaultRetryBase, wrapper.DefaultRetryCap, g.retries))
}

// retryOptions configures a wrapper client with --timeout and --retries.
// A Retry-After longer than the whole command may last ends the retries at
// once (with the API's response) instead of waiting into the deadline.
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

// app is one invocation of the CLI: run builds a fresh one, and a fresh
// command tree bound to it, every time.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	g              globals
	secrets        []string // more values for scrub, e.g. --secret
	bases          bases    // where requests went, set by connect
	target         *target  // what the last client was made for, set by connect

	// parseURL, when set, replaces check.ParseBaseURL in checkURL: a test
	// seam that counts how often a base URL is parsed.
	parseURL func(where, raw string) (*url.URL, error)

	deadline     time.Duration   // of the running command; 0 when it has none
	deadlineCtx  context.Context // the running command's context, under deadline
	cancelLimits context.CancelFunc
}

// bases are the base URLs a client sends to, and where each came from (a
// flag, an environment variable, or "" for the environment's default), so
// that an API error can name the URL it called.
type bases struct {
	api, edge       string
	apiSrc, edgeSrc string
	apiURL, edgeURL *url.URL // taken apart by resolveEnv when given (src != ""), else nil
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

// rootLong is the fine print of the top-level help, after the flags: the
// time limits, with the retry rule as the library states it.
func rootLong() string {
	auto := (&globals{timeout: defaultTimeout, retries: defaultRetries}).overallDeadline()
	return "Time limits: --timeout bounds each attempt of a request, and --retries how\n" +
		"many times a failed one is sent again (0: never), by the client's rule:\n\n" +
		wrapper.RetryRules() + "\n" +
		"--deadline bounds the whole command; auto is (retries+1) × timeout + the\n" +
		"longest waits + 1s, i.e. " + auto.String() + " with the defaults (" + defaultTimeout.String() + ", " + strconv.Itoa(defaultRetries) + " retries)."
}

// newRoot builds the command tree for one run.
func (a *app) newRoot() *cobra.Command {
	var version bool
	root := &cobra.Command{
		Use:                        "kelviq [global flags] <command> [flags] [arguments]",
		Short:                      "command-line client for the kelviq API",
		Long:                       rootLong(),
		Args:                       cobra.ArbitraryArgs,
		SilenceErrors:              true,
		SuggestionsMinimumDistance: 2,
		SilenceUsage:               true,
		CompletionOptions: cobra.CompletionOptions{
			DisableDefaultCmd: true, // ours is 'kelviq completion bash|zsh|fish'
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if version { // kelviq --version is kelviq version, one line unless --output json
				if a.g.output == "" {
					a.g.output = "table"
				}
				return a.printVersion(args)
			}
			if len(args) == 0 { // kelviq alone: the help, as asked for
				a.printHelp(cmd)
				return nil
			}
			return unknownCommand(cmd, args[0])
		},
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.HasSubCommands() && !version {
				return nil // a group: it prints help or an error, and sends nothing
			}
			if err := a.checkGlobals(); err != nil {
				return err
			}
			if cmd.Annotations[annotationNoDeadline] == "" {
				a.deadline = a.g.overallDeadline()
				ctx, cancel := context.WithTimeout(cmd.Context(), a.deadline)
				a.deadlineCtx, a.cancelLimits = ctx, cancel
				cmd.SetContext(ctx)
			}
			return nil
		},
	}
	a.g.register(root.PersistentFlags())
	root.Flags().BoolVar(&version, "version", false, "print the version")
	_ = root.Flags().MarkHidden("version") // documented as the version command
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return flagError(err) })
	root.SetHelpFunc(func(cmd *cobra.Command, _ []string) { a.printHelp(cmd) })
	root.SetHelpCommand(a.helpCommand())
	a.mount(root)
	return root
}

// mount adds the top-level commands. A file of new commands (catalog.go,
// mcp.go, ...) defines methods of app that return *cobra.Command and adds
// one line here, e.g.
//
//	root.AddCommand(a.catalogCommands()...) // catalog, and its aliases init, pull, push, promote
//
// Its commands then get, from the root: the global flags (read them in
// a.g), the time limit of --deadline in cmd.Context() (unless annotated
// with annotationNoDeadline), the help layout (the lines of Use are the
// usage lines; group() makes a command of subcommands), and the exit
// codes: return usagef(...) or configf(...) for exit 2 (nothing sent),
// any other error for exit 1, printed as one scrubbed line. They reach the
// API through a.connect(defaultSandbox) (sandbox-first) or
// a.connect(defaultProduction) (env.go; keysHelp is the order it follows);
// a command that needs both environments (promote) calls a.resolveEnv
// for each, then a.clientFor. They must not set PersistentPreRunE, which
// would replace the root's.
func (a *app) mount(root *cobra.Command) {
	root.AddCommand(a.partnerCommand())
	root.AddCommand(a.webhooksCommand())
	root.AddCommand(a.opsCommand())
	root.AddCommand(a.callCommand())
	root.AddCommand(a.fakeCommand())
	root.AddCommand(a.mcpCommand())
	root.AddCommand(a.triggerCommand())
	root.AddCommand(a.loginCommand(), a.logoutCommand(), a.envCommand())
	root.AddCommand(a.catalogCommands()...) // catalog, and its aliases init, pull, push, promote
	root.AddCommand(a.completionCommand())
	root.AddCommand(a.demoCommand())
	root.AddCommand(a.versionCommand())
}

// group returns a command that only holds subcommands: alone it is a usage
// error naming what it needs, and an unknown word after it is an unknown
// command.
func group(use, short string, children ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{
		Use:                        use,
		Short:                      short,
		Args:                       cobra.ArbitraryArgs,
		SuggestionsMinimumDistance: 2,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("%s needs a subcommand", cmd.CommandPath())
			}
			return unknownCommand(cmd, args[0])
		},
	}
	c.AddCommand(children...)
	return c
}

// unknownCommand is the one wording for a command word no command has,
// with cobra's suggestions when there are any.
func unknownCommand(parent *cobra.Command, word string) error {
	words := strings.TrimPrefix(parent.CommandPath()+" "+word, parent.Root().Name()+" ")
	msg := fmt.Sprintf("unknown command %q", words)
	if s := parent.SuggestionsFor(word); len(s) > 0 {
		msg += fmt.Sprintf("; did you mean %q?", s[0])
	}
	return &usageError{msg: msg}
}

// run is the whole CLI; main is os.Exit(run(...)).
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	return (&app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}).run(ctx, args)
}

// run runs one command line on a fresh app.
func (a *app) run(ctx context.Context, args []string) int {
	root := a.newRoot()
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	if len(args) == 0 || !strings.HasPrefix(args[0], "__complete") {
		args = longFlagsWithOneDash(root, args)
	}
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if a.cancelLimits != nil {
		defer a.cancelLimits()
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && a.deadlineCtx != nil && errors.Is(a.deadlineCtx.Err(), context.DeadlineExceeded) {
			err = &deadlineError{d: a.deadline, err: err}
		}
		return a.fail(cmd, err)
	}
	return 0
}

// longFlagsWithOneDash rewrites -name and -name=value as --name (the
// standard library's flag syntax, which the CLI has always taken) for flag
// names longer than one letter, leaving flag values and everything after
// "--" alone. A one-letter flag (-p) stays a shorthand.
func longFlagsWithOneDash(root *cobra.Command, args []string) []string {
	takesValue := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, fs := range []*pflag.FlagSet{c.PersistentFlags(), c.Flags()} {
			fs.VisitAll(func(f *pflag.Flag) {
				v := f.NoOptDefVal == ""
				takesValue[f.Name] = takesValue[f.Name] || v
				if f.Shorthand != "" {
					takesValue[f.Shorthand] = takesValue[f.Shorthand] || v
				}
			})
		}
		for _, ch := range c.Commands() {
			walk(ch)
		}
	}
	walk(root)
	out := append([]string(nil), args...)
	for i := 0; i < len(out); i++ {
		arg := out[i]
		if arg == "--" {
			break
		}
		if len(arg) < 2 || arg[0] != '-' {
			continue
		}
		body := strings.TrimPrefix(arg[1:], "-")
		name, _, hasValue := strings.Cut(body, "=")
		if arg[1] != '-' && len(name) > 1 {
			out[i] = "-" + arg
		}
		if takesValue[name] && !hasValue {
			i++ // the next argument is this flag's value
		}
	}
	return out
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
	if a.g.sandbox && a.g.prod {
		return usagef("--sandbox and --prod: give one environment, not both")
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

// fail prints err as one line on stderr and returns its exit code.
func (a *app) fail(cmd *cobra.Command, err error) int {
	code, msg, err := a.explain(err)
	fmt.Fprintf(a.stderr, "error: %s\n", msg)
	if code == 2 {
		var ue *usageError
		if errors.As(err, &ue) && !ue.noHint || isFlagError(err) {
			path := "kelviq"
			if cmd != nil && !(cmd.Name() == "help" && cmd.Parent() == cmd.Root()) { // 'kelviq help bogus': the root's help
				path = cmd.CommandPath()
			}
			fmt.Fprintf(a.stderr, "Run '%s --help' for usage.\n", path)
		}
	}
	return code
}

// explain is err's exit code and its one scrubbed line, naming the call
// that failed and, for a missing server key, the variable to set; it
// returns err as classified.
func (a *app) explain(err error) (int, string, error) {
	var ce *wrapper.CredentialError
	if errors.As(err, &ce) && ce.Auth == wrapper.AuthServerKey {
		v, extra := a.serverKeyHint()
		err = configf("%s", missingKeyMessage(ce.Auth, ce.OperationID, v, extra))
	}
	code, msg := classify(err, a.g.timeout)
	if where := a.describeCall(err); where != "" {
		msg += " (" + where + ")"
	}
	return code, oneLine(a.scrub(msg)), err
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
		return 2, trimPrefix(valErr.Error())
	case errors.As(err, &credErr):
		return 2, missingKeyMessage(credErr.Auth, credErr.OperationID, envServerKey, "")
	case errors.Is(err, wrapper.ErrInvalidInput):
		return 2, trimPrefix(err.Error())
	case errors.Is(err, wrapper.ErrMissingCredential):
		return 2, trimPrefix(err.Error())
	case errors.Is(err, wrapper.ErrUnknownOperation):
		return 2, trimPrefix(err.Error())
	case errors.As(err, &de):
		return 1, fmt.Sprintf("timed out after %s, the time limit for the whole command (see --deadline): %s", de.d, trimPrefix(err.Error()))
	case errors.Is(err, context.DeadlineExceeded):
		return 1, fmt.Sprintf("timed out: no response within %s (see --timeout and --retries): %s", timeout, trimPrefix(err.Error()))
	case errors.Is(err, context.Canceled):
		return 1, "interrupted"
	}
	return 1, trimPrefix(err.Error())
}

// cmdLineError is a bad flag or flag value, as pflag found it, worded as
// users type flags ("--email", "-p").
type cmdLineError struct {
	msg string
	err error
}

func (e *cmdLineError) Error() string { return e.msg }
func (e *cmdLineError) Unwrap() error { return e.err }

// flagError words an error of flag parsing: the one wording for a flag no
// command defines is "unknown flag --bogus".
func flagError(err error) error {
	var (
		notExist *pflag.NotExistError
		noValue  *pflag.ValueRequiredError
		invalid  *pflag.InvalidValueError
	)
	msg := err.Error()
	switch {
	case errors.As(err, &notExist):
		msg = "unknown flag " + dashed(notExist.GetSpecifiedName()) // a shorthand's name is its letter
	case errors.As(err, &noValue):
		msg = fmt.Sprintf("flag needs an argument: %s", dashed(noValue.GetFlag().Name))
	case errors.As(err, &invalid):
		why := errors.Unwrap(invalid).Error()
		var num *strconv.NumError
		switch {
		case errors.As(invalid, &num):
			why = "not a whole number"
		case strings.HasPrefix(why, "time: "):
			why = "not a duration such as 10s or 2m"
		}
		msg = fmt.Sprintf("invalid value %q for flag %s: %s", invalid.GetValue(), dashed(invalid.GetFlag().Name), why)
	}
	return &cmdLineError{msg: msg, err: err}
}

func isFlagError(err error) bool {
	var fe *cmdLineError
	return errors.As(err, &fe)
}

// dashed writes a flag name with the dashes users type: -p, --email.
func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

func trimPrefix(s string) string { return strings.TrimPrefix(s, "kelviq: ") }

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

// scrub removes credentials from text printed to the user, with the
// client's own redaction (wrapper.Redact): the configured keys (from the
// environment and the config file), and the value of every credential
// member of JSON (serverKey and the like), unless --show-secrets.
func (a *app) scrub(s string) string {
	if a.g.showSecrets {
		return s
	}
	var secrets []string
	for _, env := range []string{envPartnerKey, envServerKey, envSandboxServerKey, envWebhookSecret} {
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

// debugLogger writes the client's attempt records to stderr as text,
// scrubbed of the configured keys like everything else the CLI prints.
func (a *app) debugLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(a.scrubbedStderr(), &slog.HandlerOptions{Level: slog.LevelDebug}))
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

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
