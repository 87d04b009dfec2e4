package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kelviq/kelviq-go/catalog"
	"github.com/kelviq/kelviq-go/wrapper"
)

// defaultCatalogFile is the file the catalog commands read and write.
const defaultCatalogFile = "kelviq.yaml"

// catalogCommands are 'kelviq catalog init | pull | push | promote' and the
// same four commands at the top level (kelviq init, pull, push, promote),
// as kelviq's own CLI has them.
func (a *app) catalogCommands() []*cobra.Command {
	return []*cobra.Command{
		group("catalog <command>", "pricing as code: a kelviq.yaml catalog file, pulled, pushed and promoted",
			a.catalogInitCommand(), a.catalogPullCommand(), a.catalogPushCommand(), a.catalogPromoteCommand()),
		a.catalogInitCommand(), a.catalogPullCommand(), a.catalogPushCommand(), a.catalogPromoteCommand(),
	}
}

// catalogInitCommand is catalog init: a starting catalog file, written locally.
func (a *app) catalogInitCommand() *cobra.Command {
	var (
		out   string
		force bool
	)
	c := &cobra.Command{
		Use:   "init [-o FILE] [--force]",
		Short: "write a starter catalog file (" + defaultCatalogFile + ")",
		Long: `Writes a small catalog to start from: one product, three features (one of
each type) and two plans with entitlements and prices. An existing file is
left alone unless --force is given. Nothing is sent.`,
		RunE: func(_ *cobra.Command, args []string) error {
			if err := noArgs(args); err != nil {
				return err
			}
			if err := writeCatalogFile(out, catalog.Starter(), force); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Wrote %s. Preview what a push would change: kelviq catalog push%s --dry-run\n", out, fileArg(out))
			return nil
		},
	}
	registerFileFlags(c.Flags(), &out, &force)
	return c
}

// catalogPullCommand is catalog pull: an environment's catalog into a file.
func (a *app) catalogPullCommand() *cobra.Command {
	var (
		out   string
		force bool
	)
	c := &cobra.Command{
		Use:   "pull [-o FILE] [--force] [--prod]",
		Short: "write an environment's catalog (the sandbox unless --prod) to a file",
		Long: `Reads every product, every feature and the latest version of each plan
(with its entitlements and prices) from the sandbox, or from production with
--prod, and writes them as a catalog file; references are identifiers, never
UUIDs. What the file format cannot hold is left out, with one warning each
on standard error. The file is written only when everything was read, and an
existing file only with --force. Pull sends no write.

` + catalogEnvHelp,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := noArgs(args); err != nil {
				return err
			}
			if !force {
				if _, err := os.Lstat(out); err == nil {
					return existsError(out)
				}
			}
			client, t, err := a.connect(defaultSandbox)
			if err != nil {
				return err
			}
			ctx, cancel := a.catalogPhase(cmd.Context())
			defer cancel()
			got, err := catalog.Pull(ctx, client)
			if err != nil {
				fmt.Fprintf(a.stderr, "pull failed: %s was not written\n", out)
				return err
			}
			data, err := got.YAML()
			if err != nil {
				return fmt.Errorf("pull failed: %w", err)
			}
			if err := writeCatalogFile(out, data, force); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Wrote %s from %s: %d products, %d features, %d plans.\n",
				out, describeTarget(t), len(got.Products), len(got.Features), len(got.Plans))
			for _, w := range got.Warnings {
				fmt.Fprintf(a.stderr, "warning: %s\n", a.scrub(w))
			}
			return nil
		},
	}
	registerFileFlags(c.Flags(), &out, &force)
	return c
}

// registerFileFlags adds -o, --output FILE and --force. The local --output
// shadows the global --output FORMAT, which init and pull do not use.
func registerFileFlags(fs *pflag.FlagSet, out *string, force *bool) {
	fs.StringVarP(out, "output", "o", defaultCatalogFile, "the catalog `FILE` to write")
	fs.BoolVar(force, "force", false, "overwrite the file if it exists")
}

// catalogEnvHelp is what the catalog commands add to keysHelp.
const catalogEnvHelp = `The catalog commands target the sandbox unless --prod is given; a base URL
you give (--base-url or KELVIQ_BASE_URL, as 'kelviq fake' prints it) is
production's, with KELVIQ_SERVER_API_KEY. --deadline bounds the reading and,
separately, the writing: time spent at a prompt does not count.
See 'kelviq env --help' for the whole order.`

// pushFlags are the flags push and promote share.
type pushFlags struct {
	dryRun, asJSON, yes                      bool
	publish, migrateFeatures, migratePricing bool
	prune, allowProdPrune                    bool
}

func (f *pushFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&f.dryRun, "dry-run", false, "show the changes and stop: nothing is written")
	fs.BoolVar(&f.asJSON, "json", false, "with --dry-run: print the plan of record as one JSON document")
	fs.BoolVar(&f.yes, "yes", false, "apply (and publish) without asking; needed when standard input is not a terminal")
	fs.BoolVar(&f.publish, "publish", false, "also publish the plans the changes touch, after a confirmation listing them")
	fs.BoolVar(&f.migrateFeatures, "migrate-features", false, "with --publish: move existing customers onto the published entitlements")
	fs.BoolVar(&f.migratePricing, "migrate-pricing", false, "with --publish: move existing customers onto the published prices")
	fs.BoolVar(&f.prune, "prune", false, "archive remote plans and features absent from the source that carry the managed-by: kelviq-cli marker (never products)")
	fs.BoolVar(&f.allowProdPrune, "allow-prod-prune", false, "with --prune: archive in production without the typed confirmation (--yes alone never does)")
}

// check refuses combinations that make no sense, before anything is read.
func (f *pushFlags) check() error {
	switch {
	case f.asJSON && !f.dryRun:
		return usagef("--json needs --dry-run: JSON output never prompts and never writes")
	case f.migrateFeatures && !f.publish:
		return usagef("--migrate-features needs --publish: customers move only onto a published plan")
	case f.migratePricing && !f.publish:
		return usagef("--migrate-pricing needs --publish: customers move only onto a published plan")
	case f.allowProdPrune && !f.prune:
		return usagef("--allow-prod-prune needs --prune")
	}
	return nil
}

func (f *pushFlags) applyOptions() catalog.ApplyOptions {
	return catalog.ApplyOptions{Publish: f.publish, MigrateFeatures: f.migrateFeatures, MigratePricing: f.migratePricing}
}

const pushLong = `Reads the catalog file (` + defaultCatalogFile + ` unless FILE is given), reads the
environment's catalog, and shows what would change, value to value. Then,
after a confirmation (--yes skips it; without a terminal --yes is needed),
it writes the changes in dependency order: products, features, plans,
entitlements, prices, then publishing (--publish) and archives (--prune).

Everything written stays a draft until published; --publish has its own
confirmation listing the plans, and customers move onto new entitlements or
prices only with --migrate-features or --migrate-pricing. A plan with a
prices key gets its whole remote price set replaced; a plan without keeps
its prices. Features cannot be updated: a feature that differs from the
remote one stops the push before anything is written. --prune archives only
plans and features that carry the managed-by: kelviq-cli marker (push stamps
it on what it creates) and never products; in production it asks you to type
the environment's name, or needs --allow-prod-prune (--yes is not enough).

If a write fails (an API error, Ctrl-C), push stops, lists what was applied
and what was not, and exits 1; nothing is rolled back (drafts are invisible
to customers). --dry-run --json prints one JSON document, {environment,
direction, changes, summary, operations, prune, publish, featureDrift,
errors, warnings}, and exits 0; on failure it prints {"error": "..."}.

` + catalogEnvHelp

// catalogPushCommand is catalog push: a file's catalog into an environment.
func (a *app) catalogPushCommand() *cobra.Command {
	var f pushFlags
	c := &cobra.Command{
		Use: "push [FILE] [--prod] [--dry-run [--json]] [--yes] [--prune [--allow-prod-prune]]\n" +
			"push [FILE] --publish [--migrate-features] [--migrate-pricing] ...",
		Short:       "make an environment's catalog (the sandbox unless --prod) match a file",
		Long:        pushLong,
		Annotations: map[string]string{annotationNoDeadline: "true"}, // prompts wait for a person; see catalogPhase
		RunE:        a.reportingJSON(&f, a.push),
	}
	f.register(c.Flags())
	return c
}

// catalogPromoteCommand is promote: the sandbox's catalog into production.
func (a *app) catalogPromoteCommand() *cobra.Command {
	var f pushFlags
	c := &cobra.Command{
		Use:   "promote [--dry-run [--json]] [--yes] [--publish [--migrate-features] [--migrate-pricing]] [--prune [--allow-prod-prune]]",
		Short: "make production's catalog match the sandbox's",
		Long: `Reads the sandbox's catalog and production's, shows what production would
change, and after a confirmation writes it to production, exactly as push
does with a file (drafts, --publish, --prune, feature drift, the report of
a failed write). No file is read or written. A prune always needs the typed
confirmation or --allow-prod-prune.

It needs both server keys: the sandbox's to read (KELVIQ_SANDBOX_SERVER_API_KEY
or 'kelviq login'), production's to write (KELVIQ_SERVER_API_KEY or 'kelviq
login --prod'). Each side's URL comes from its own variable,
KELVIQ_SANDBOX_BASE_URL and KELVIQ_BASE_URL, so two organizations of one
server can stand in for the two environments, e.g. two of 'kelviq fake':

  KELVIQ_SANDBOX_BASE_URL=$URL KELVIQ_SANDBOX_SERVER_API_KEY=$KEY_A \
  KELVIQ_BASE_URL=$URL KELVIQ_SERVER_API_KEY=$KEY_B kelviq promote --dry-run

--base-url, --edge-url and --sandbox are refused: they name one side only.`,
		Annotations: map[string]string{annotationNoDeadline: "true"},
		RunE:        a.reportingJSON(&f, a.promote),
	}
	f.register(c.Flags())
	return c
}

func (a *app) push(ctx context.Context, args []string, f *pushFlags) error {
	if len(args) > 1 {
		return usagef("unexpected argument %q: push takes one catalog file", args[1])
	}
	if err := f.check(); err != nil {
		return err
	}
	file := defaultCatalogFile
	if len(args) == 1 {
		file = args[0]
	}
	want, err := loadCatalog(file)
	if err != nil {
		return err
	}
	client, t, err := a.connect(defaultSandbox)
	if err != nil {
		return err
	}
	rctx, cancel := a.catalogPhase(ctx)
	defer cancel()
	have, err := catalog.Pull(rctx, client)
	if err != nil {
		return fmt.Errorf("reading the %s catalog: %w", t.env.Name, err)
	}
	cs, err := catalog.Diff(have, want, catalog.DiffOptions{Prune: f.prune})
	if err != nil {
		return err
	}
	return a.converge(ctx, client, cs, t, file+" → "+t.env.Name, f)
}

func (a *app) promote(ctx context.Context, args []string, f *pushFlags) error {
	if err := noArgs(args); err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	switch {
	case a.g.sandbox:
		return usagef("promote: --sandbox: promote always reads the sandbox and writes production")
	case a.g.baseURL != "" || a.g.edgeURL != "":
		return usagef("promote: --base-url and --edge-url name one side only; set %s (the sandbox's) and %s (production's)", envSandboxBaseURL, envBaseURL)
	}
	src, err := a.resolveEnv(wrapper.Sandbox, "", "")
	if err != nil {
		return err
	}
	dst, err := a.resolveEnv(wrapper.Production, "", "")
	if err != nil {
		return err
	}
	for _, s := range []struct {
		t    *target
		role string
	}{{src, "the sandbox's, to read from"}, {dst, "production's, to write to"}} {
		if s.t.key.IsZero() {
			a.target = s.t
			hint, extra := a.serverKeyHint()
			return configf("missing server key: promote needs both environments' keys, and %s (%s) is not set%s", hint, s.role, extra)
		}
	}
	if src.baseURL == dst.baseURL && src.key.Reveal() == dst.key.Reveal() {
		return configf("promote: the sandbox and production settings name one organization (the same base URL and server key); nothing to promote")
	}
	rctx, cancel := a.catalogPhase(ctx)
	defer cancel()
	from, err := a.clientFor(src)
	if err != nil {
		return err
	}
	source, err := catalog.Pull(rctx, from)
	if err != nil {
		return fmt.Errorf("reading the sandbox catalog: %w", err)
	}
	to, err := a.clientFor(dst) // from here on, errors name production's URLs
	if err != nil {
		return err
	}
	have, err := catalog.Pull(rctx, to)
	if err != nil {
		return fmt.Errorf("reading the production catalog: %w", err)
	}
	cs, err := catalog.Diff(have, source, catalog.DiffOptions{Prune: f.prune})
	if err != nil {
		return fmt.Errorf("the sandbox catalog cannot be promoted: %w", err)
	}
	return a.converge(ctx, to, cs, dst, "sandbox → production", f)
}

// converge shows cs, asks what must be asked, and applies it to client's
// organization, t. The JSON document, the dry run and every refusal come
// before the first write.
func (a *app) converge(ctx context.Context, client *wrapper.Client, cs *catalog.Changeset, t *target, direction string, f *pushFlags) error {
	env := t.env.Name
	opts := f.applyOptions()
	doc := cs.Document(env, direction, opts)
	if f.asJSON { // check made sure of --dry-run
		return a.printJSON(doc)
	}
	w := a.stdout
	fmt.Fprintf(w, "%s (%s)\n", direction, targetURL(t))
	fmt.Fprint(w, a.scrub(cs.String()))
	if f.publish && len(doc.Publish.Plans) > 0 {
		fmt.Fprintf(w, "^ publish %s\n", quoteList(doc.Publish.Plans))
	}
	fmt.Fprintln(w, summaryLine(doc))
	if f.dryRun {
		fmt.Fprintln(w, "Dry run: nothing was written.")
		return nil
	}
	if len(cs.FeatureDrift) > 0 {
		names := make([]string, len(cs.FeatureDrift))
		for i, d := range cs.FeatureDrift {
			names[i] = fmt.Sprintf("%q", d.Feature)
		}
		return fmt.Errorf("feature drift, nothing was written: features cannot be updated through the API; change %s in the dashboard (or put the remote values in the file), pull, and push again", strings.Join(names, ", "))
	}
	if len(doc.Errors) > 0 {
		return fmt.Errorf("nothing was written: %s", strings.Join(doc.Errors, "; "))
	}
	if len(doc.Operations) == 0 {
		fmt.Fprintln(w, "Nothing to apply.")
		return nil
	}
	p := &prompter{a: a}
	if !f.yes {
		if n := len(doc.Operations) - doc.Summary.Publish; n > 0 { // publishing alone has its own question
			q := fmt.Sprintf("Apply these %d operations to %s? Everything written stays a draft until published.", n, env)
			if err := p.confirm(ctx, q, "--yes"); err != nil {
				return err
			}
		}
		if f.publish && len(doc.Publish.Plans) > 0 {
			q := fmt.Sprintf("Publish %d plans in %s: %s?", len(doc.Publish.Plans), env, quoteList(doc.Publish.Plans))
			if f.migrateFeatures {
				q += " --migrate-features moves their existing customers onto the new entitlements."
			}
			if f.migratePricing {
				q += " --migrate-pricing moves their existing customers onto the new prices."
			}
			if !f.migrateFeatures && !f.migratePricing {
				q += " Existing customers keep their entitlements and prices."
			}
			if err := p.confirm(ctx, q, "--yes"); err != nil {
				return err
			}
		}
	}
	if n := len(doc.Prune.Archive); n > 0 && env == wrapper.Production.Name && !f.allowProdPrune {
		if err := p.typed(ctx, fmt.Sprintf("--prune archives %d plans and features in production. Type %q to go on: ", n, env), env); err != nil {
			return err
		}
	}
	actx, cancel := a.catalogPhase(ctx)
	defer cancel()
	res, err := catalog.Apply(actx, client, cs, opts)
	if res != nil && (err == nil || res.Failed != nil) {
		fmt.Fprint(w, a.scrub(res.String()))
	}
	if err != nil {
		if res != nil && res.Failed != nil && !errors.Is(err, wrapper.ErrNotSent) {
			fmt.Fprintln(a.stderr, "note: the failed write may still have been carried out by the API; a dry run tells")
		}
		return err
	}
	return nil
}

// catalogPhase bounds one phase of a catalog command (reading, or writing)
// by --deadline; the catalog commands have no deadline of their own, so
// that a prompt does not eat into it.
func (a *app) catalogPhase(ctx context.Context) (context.Context, context.CancelFunc) {
	a.deadline = a.g.overallDeadline()
	ctx, cancel := context.WithTimeout(ctx, a.deadline)
	a.deadlineCtx = ctx
	return ctx, cancel
}

// printJSON writes v as indented JSON, whatever --output says.
func (a *app) printJSON(v any) error {
	b, err := indentedJSON(v)
	if err != nil {
		return err
	}
	_, err = a.stdout.Write([]byte(a.scrub(string(b))))
	return err
}

// reportingJSON is the RunE of push and promote: run, and with --json a
// failure is also the {"error": "..."} document on stdout.
func (a *app) reportingJSON(f *pushFlags, run func(context.Context, []string, *pushFlags) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		err := run(cmd.Context(), args, f)
		if err != nil && f.asJSON {
			a.printJSONError(err)
		}
		return err
	}
}

// printJSONError is the {"error": "..."} document of a failed --json run,
// worded as the error line on stderr is.
func (a *app) printJSONError(err error) {
	_, msg, _ := a.explain(err)
	_ = a.printJSON(map[string]string{"error": msg})
}

// loadCatalog loads a catalog file; a missing or bad file is a
// configuration error (exit 2, nothing sent) listing every problem.
func loadCatalog(path string) (*catalog.Catalog, error) {
	c, err := catalog.Load(path)
	if err == nil {
		return c, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, configf("%s: no such file; write one with 'kelviq catalog init', or from an environment with 'kelviq catalog pull'", path)
	}
	var ce *catalog.Error
	if !errors.As(err, &ce) {
		return nil, configf("%s", trimPrefix(strings.TrimPrefix(err.Error(), "catalog: ")))
	}
	var lines []string
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			lines = append(lines, e.Error())
		}
	} else {
		lines = []string{err.Error()}
	}
	if len(lines) == 1 {
		return nil, configf("%s", lines[0])
	}
	return nil, configf("%s has %d problems: %s", path, len(lines), strings.Join(lines, "; "))
}

// writeCatalogFile writes a catalog file, refusing to replace one unless
// overwrite.
func writeCatalogFile(path string, data []byte, overwrite bool) error {
	err := catalog.WriteFile(path, data, overwrite)
	if errors.Is(err, fs.ErrExist) {
		return existsError(path)
	}
	return err
}

func existsError(path string) error {
	return configf("%s exists: left as it is; pass --force to overwrite it", path)
}

// fileArg is " FILE" for a catalog file other than the default.
func fileArg(path string) string {
	if path == defaultCatalogFile {
		return ""
	}
	return " " + shellQuote(path)
}

// describeTarget names t's environment and, when it is not the
// environment's own host, the base URL and where it came from.
func describeTarget(t *target) string { return t.env.Name + " (" + targetURL(t) + ")" }

// targetURL is t's base URL and, when it is not the environment's own
// host, where it came from.
func targetURL(t *target) string {
	if t.baseSrc == "" {
		return t.baseURL
	}
	return t.baseURL + ", from " + t.baseSrc
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// summaryLine counts the operations of doc by action.
func summaryLine(doc catalog.Document) string {
	s := doc.Summary
	var parts []string
	for _, c := range []struct {
		n    int
		what string
	}{{s.Create, "create"}, {s.Update, "update"}, {s.Delete, "delete"}, {s.Replace, "replace"}, {s.Publish, "publish"}, {s.Archive, "archive"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	if len(parts) == 0 {
		return "0 operations."
	}
	return fmt.Sprintf("%d operations: %s.", len(doc.Operations), strings.Join(parts, ", "))
}

// prompter asks questions on stderr and reads the answers from stdin, when
// stdin is a terminal; otherwise it refuses (exit 2) naming the flag that
// answers instead.
type prompter struct {
	a *app
	r *bufio.Reader
}

// errNotConfirmed is an answer other than yes: nothing was written.
var errNotConfirmed = errors.New("not confirmed: nothing was written")

func (p *prompter) interactive() bool {
	_, ok := terminalFd(p.a.stdin)
	return ok
}

func (p *prompter) confirm(ctx context.Context, question, flag string) error {
	if !p.interactive() {
		return configf("standard input is not a terminal, so nothing can be confirmed: pass %s to apply (or --dry-run to preview); nothing was written", flag)
	}
	fmt.Fprintf(p.a.stderr, "%s [y/N] ", question)
	ans, err := p.line(ctx)
	if err != nil {
		return err
	}
	if a := strings.ToLower(ans); a != "y" && a != "yes" {
		return errNotConfirmed
	}
	return nil
}

// typed asks for want to be typed exactly.
func (p *prompter) typed(ctx context.Context, question, want string) error {
	if !p.interactive() {
		return configf("pruning %s needs its name typed at a prompt (standard input is not a terminal) or --allow-prod-prune; --yes is not enough; nothing was written", want)
	}
	fmt.Fprint(p.a.stderr, question)
	ans, err := p.line(ctx)
	if err != nil {
		return err
	}
	if ans != want {
		return fmt.Errorf("%q is not %q: %w", ans, want, errNotConfirmed)
	}
	return nil
}

// line reads one line, or stops when ctx is done (Ctrl-C).
func (p *prompter) line(ctx context.Context) (string, error) {
	if p.r == nil {
		p.r = bufio.NewReader(p.a.stdin)
	}
	type answer struct {
		s   string
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		s, err := p.r.ReadString('\n')
		ch <- answer{s, err}
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(p.a.stderr)
		return "", ctx.Err()
	case ans := <-ch:
		if ans.err != nil && !(errors.Is(ans.err, io.EOF) && ans.s != "") {
			if errors.Is(ans.err, io.EOF) {
				return "", errNotConfirmed
			}
			return "", fmt.Errorf("reading the answer: %w", ans.err)
		}
		return strings.TrimSpace(ans.s), nil
	}
}
