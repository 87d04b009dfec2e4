package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/kelviq/kelviq-go/internal/check"
	"github.com/kelviq/kelviq-go/wrapper"
)

// keysHelp is the one description of how a command finds its environment,
// its base URLs and its server key; the top-level help and 'kelviq env
// --help' print it, and resolve, resolveEnv and connect follow it.
const keysHelp = `Environment: --prod targets production and --sandbox the sandbox. Without
either, a base URL you give (--base-url or KELVIQ_BASE_URL, e.g. what
'kelviq fake' prints) is production's; else the sandbox-first commands
(env, and catalog with its aliases init, pull, push, promote) target the
sandbox, and the API commands (call, partner, ops, ...) production, as they
always have. login and logout act on the stored sandbox key, or
production's with --prod. promote reads the sandbox and writes production,
each resolved on its own (KELVIQ_SANDBOX_BASE_URL and
KELVIQ_SANDBOX_SERVER_API_KEY; KELVIQ_BASE_URL and KELVIQ_SERVER_API_KEY).

Base URL: --base-url; else KELVIQ_SANDBOX_BASE_URL (sandbox) or
KELVIQ_BASE_URL (production); else the environment's own host. Entitlements
and promotions go to --edge-url, else KELVIQ_EDGE_URL (production), else
the base URL when one is given, else the environment's edge host.

Server key: KELVIQ_SANDBOX_SERVER_API_KEY (sandbox) or KELVIQ_SERVER_API_KEY
(production, and any base URL you give); else the key 'kelviq login' (or
'kelviq login --prod') stored in $XDG_CONFIG_HOME/kelviq/config.json
(~/.config/kelviq/config.json), which is sent only to the environment's own
host, never to a base URL you give. A key of one environment is never used
for the other. The partner key is KELVIQ_PARTNER_KEY, in every environment.`

// envDefault is the environment a command targets when the command line
// names none and no base URL is given (see keysHelp).
type envDefault int

const (
	// defaultProduction is for the API commands (call, partner, ops,
	// trigger, ...): production, as before environments were added.
	defaultProduction envDefault = iota
	// defaultSandbox is for the sandbox-first commands, as kelviq's own
	// CLI has them: login, logout, env, and the catalog commands.
	defaultSandbox
)

// target is where a command sends and with which server key.
type target struct {
	env    wrapper.Environment // wrapper.Sandbox or wrapper.Production
	reason string              // why this environment: "--prod", "--sandbox", a base URL's source, or "default"

	// The URLs, checked and without a trailing slash, and where each came
	// from (src "" is the environment's own host); base and edge are the
	// same URLs taken apart when given (src != ""), else nil.
	baseURL, baseSrc string
	edgeURL, edgeSrc string
	base, edge       *url.URL

	key           wrapper.Secret // prints [REDACTED]
	keySrc        string         // a variable's name, "stored", or "" when the key is missing
	storedUnused  bool           // a stored key exists, but the base URL is not the environment's own
	keyVar        string         // the variable that sets this environment's server key
	loginCommand  string         // how to store one
	configFile    string         // "" when there is no config directory
	configProblem error          // a config file that could not be read
}

// resolve decides the environment, URLs and server key of a command whose
// default is def, by the order of keysHelp.
func (a *app) resolve(def envDefault) (*target, error) {
	env, reason := wrapper.Production, "default"
	switch {
	case a.g.prod:
		reason = "--prod"
	case a.g.sandbox:
		env, reason = wrapper.Sandbox, "--sandbox"
	case a.g.baseURL != "":
		reason = "--base-url"
	case a.getenv(envBaseURL) != "":
		reason = envBaseURL
	case def == defaultSandbox:
		env = wrapper.Sandbox
	}
	t, err := a.resolveEnv(env, a.g.baseURL, a.g.edgeURL)
	if err != nil {
		return nil, err
	}
	t.reason = reason
	return t, nil
}

// resolveEnv resolves env's URLs and server key from baseFlag and edgeFlag
// (the --base-url and --edge-url values; "" when not given), the
// environment variables and the config file, by the order of keysHelp. A
// command that talks to both environments (promote) calls it once for
// each, with no flags.
func (a *app) resolveEnv(env wrapper.Environment, baseFlag, edgeFlag string) (*target, error) {
	t := &target{env: env, baseURL: env.BaseURL, edgeURL: env.EdgeURL, keyVar: envServerKey, loginCommand: "kelviq login --prod"}
	baseVar := envBaseURL
	edgeVar := envEdgeURL
	if env.Name == wrapper.Sandbox.Name {
		t.keyVar, t.loginCommand = envSandboxServerKey, "kelviq login"
		baseVar, edgeVar = envSandboxBaseURL, "" // the sandbox ignores KELVIQ_BASE_URL and KELVIQ_EDGE_URL
	}
	for _, u := range []struct {
		url, src   *string
		parsed     **url.URL
		flag, name string
		val        string
	}{
		{&t.baseURL, &t.baseSrc, &t.base, "--base-url", baseVar, baseFlag},
		{&t.edgeURL, &t.edgeSrc, &t.edge, "--edge-url", edgeVar, edgeFlag},
	} {
		val, src := u.val, u.flag
		if val == "" && u.name != "" {
			val, src = a.getenv(u.name), u.name
		}
		if val == "" {
			continue
		}
		parsed, err := a.checkURL(src, val)
		if err != nil {
			if src == u.flag {
				return nil, usagef("%s", trimPrefix(err.Error()))
			}
			return nil, configf("%s", trimPrefix(err.Error()))
		}
		*u.url, *u.src, *u.parsed = parsed.String(), src, parsed
	}
	if t.edgeSrc == "" && t.baseSrc != "" { // edge operations follow a base URL you give
		t.edgeURL, t.edgeSrc, t.edge = t.baseURL, t.baseSrc, t.base
	}

	if k := a.getenv(t.keyVar); strings.TrimSpace(k) != "" {
		t.key, t.keySrc = wrapper.NewSecret(k), t.keyVar
	}
	t.configFile, _ = a.configPath()
	if t.key.IsZero() && t.configFile != "" {
		stored, err := storedKey(t.configFile, env.Name)
		switch {
		case err != nil:
			t.configProblem = err
		case stored != "" && t.baseSrc == "":
			t.key, t.keySrc = wrapper.NewSecret(stored), "stored"
			a.secrets = append(a.secrets, stored) // scrubbed from anything printed
		case stored != "":
			t.storedUnused = true
		}
	}
	return t, nil
}

// checkURL applies the client's base URL rule (check.ParseBaseURL, the
// one WithBaseURL and WithEdgeURL apply) to a URL given by src, a flag or
// a variable, whose name the error carries. resolveEnv calls it once per
// URL given; everything after uses the result.
func (a *app) checkURL(src, val string) (*url.URL, error) {
	if a.parseURL != nil {
		return a.parseURL(src, val)
	}
	return check.ParseBaseURL(src, val)
}

// connect is how a command reaches the API: it resolves the command's
// target (def is its default environment; see keysHelp) and returns a
// client for it, with the global flags' time limits, retries and logging.
// A missing server key is not an error here: the call that needs it fails
// before sending, and the CLI names the variable to set.
func (a *app) connect(def envDefault) (*wrapper.Client, *target, error) {
	t, err := a.resolve(def)
	if err != nil {
		return nil, nil, err
	}
	c, err := a.clientFor(t)
	if err != nil {
		return nil, nil, err
	}
	return c, t, nil
}

// client is connect for the API commands (production by default).
func (a *app) client() (*wrapper.Client, error) {
	c, _, err := a.connect(defaultProduction)
	return c, err
}

// clientFor returns a client that sends to t with t's server key and the
// partner key from the environment. The error messages of later calls
// name t's URLs and key variable.
func (a *app) clientFor(t *target) (*wrapper.Client, error) {
	opts := []wrapper.Option{wrapper.WithoutEnvKeys(), wrapper.WithUserAgent("kelviq-cli/" + wrapper.Version), wrapper.WithEnvironment(t.env)}
	opts = append(opts, a.g.retryOptions()...)
	if a.g.verbose || a.getenv(envDebug) == "1" {
		opts = append(opts, wrapper.WithLogger(a.debugLogger()))
	}
	if k := a.getenv(envPartnerKey); strings.TrimSpace(k) != "" {
		if err := check.KeyRule("a partner key", k, wrapper.PartnerKeyPrefix); err != nil {
			return nil, configf("%s: %v", envPartnerKey, err)
		}
		opts = append(opts, wrapper.WithPartnerKey(k))
	}
	if !t.key.IsZero() {
		opts = append(opts, wrapper.WithServerKey(t.key.Reveal()))
	}
	if t.baseSrc != "" {
		opts = append(opts, wrapper.WithBaseURL(t.baseURL))
	}
	if t.edgeSrc != "" {
		opts = append(opts, wrapper.WithEdgeURL(t.edgeURL))
	}
	c, err := wrapper.New(opts...)
	if err != nil {
		msg := trimPrefix(err.Error())
		if t.keySrc == "stored" {
			msg = strings.Replace(msg, "WithServerKey", "the stored "+t.env.Name+" key ("+t.configFile+")", 1)
		} else if t.keySrc != "" {
			msg = strings.Replace(msg, "WithServerKey", t.keySrc, 1)
		}
		return nil, configf("%s", msg)
	}
	a.target = t
	a.bases = bases{api: c.BaseURL(), edge: t.edgeURL, apiSrc: t.baseSrc, edgeSrc: t.edgeSrc, apiURL: t.base, edgeURL: t.edge}
	return c, nil
}

// serverKeyHint says how to set the missing server key of the target the
// last client was made for: the variable, and more advice (login when a
// stored key would be used).
func (a *app) serverKeyHint() (variable, extra string) {
	t := a.target
	if t == nil {
		return envServerKey, ""
	}
	switch {
	case t.configProblem != nil:
		extra = fmt.Sprintf(" (the config file could not be read: %v)", t.configProblem)
	case t.storedUnused:
		extra = fmt.Sprintf(" (the stored %s key is sent only to %s, not to %s from %s)", t.env.Name, t.env.BaseURL, t.baseURL, t.baseSrc)
	case t.baseSrc == "":
		extra = ", or run '" + t.loginCommand + "'"
	}
	if t.env.Name == wrapper.Sandbox.Name && strings.TrimSpace(a.getenv(envServerKey)) != "" {
		extra += "; " + envServerKey + " is set, but it is production's key, never sent to the sandbox"
	}
	return t.keyVar, extra
}

// ---- the config file ----

// configPath is $XDG_CONFIG_HOME/kelviq/config.json, or
// $HOME/.config/kelviq/config.json when XDG_CONFIG_HOME is not an absolute
// path.
func (a *app) configPath() (string, error) {
	dir := a.getenv(envXDGConfigHome)
	if !filepath.IsAbs(dir) {
		home := a.getenv(envHome)
		if !filepath.IsAbs(home) {
			return "", configf("no config directory: set %s or %s", envXDGConfigHome, envHome)
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "kelviq", "config.json"), nil
}

// storedEnv is one environment's entry in the config file.
type storedEnv struct {
	ServerAPIKey string `json:"serverApiKey"`
}

// readConfig returns the config file's entries by name; a missing file
// has none. Entries the CLI does not know are kept as they are.
func readConfig(path string) (map[string]json.RawMessage, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]json.RawMessage{}, nil
	}
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		// Not the decoder's message: it can quote a character of the file.
		return nil, fmt.Errorf("%s is not a JSON object (fix it, or remove it and run 'kelviq login' again)", path)
	}
	if m == nil { // the file says null
		m = map[string]json.RawMessage{}
	}
	return m, nil
}

// storedKey returns the server key stored for env ("sandbox" or
// "production"), or "" for none.
func storedKey(path, env string) (string, error) {
	m, err := readConfig(path)
	if err != nil {
		return "", err
	}
	raw, ok := m[env]
	if !ok {
		return "", nil
	}
	var e storedEnv
	if err := json.Unmarshal(raw, &e); err != nil {
		return "", fmt.Errorf("%s: %q is not an object with serverApiKey", path, env)
	}
	return strings.TrimSpace(e.ServerAPIKey), nil
}

// writeConfig replaces the config file with m, atomically: a file of mode
// 0600 written beside it, then renamed over it, in a directory of mode
// 0700. With no entries left, the file is removed.
func writeConfig(path string, m map[string]json.RawMessage) error {
	dir := filepath.Dir(path)
	if len(m) == 0 {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o700); err != nil { // the directory is ours; keep it private
		return err
	}
	f, err := os.CreateTemp(dir, ".config-*.json")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename there is nothing to remove
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
