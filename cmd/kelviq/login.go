package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/kelviq/kelviq-go/internal/check"
	"github.com/kelviq/kelviq-go/wrapper"
)

// maxKeyBytes bounds a key read by login.
const maxKeyBytes = 4096

// storedEnvName is the environment login and logout act on: the sandbox,
// or production with --prod. A base URL does not move it: stored keys are
// for kelviq's own hosts.
func (a *app) storedEnvName() wrapper.Environment {
	if a.g.prod {
		return wrapper.Production
	}
	return wrapper.Sandbox
}

func (a *app) loginCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "login [--prod]",
		Short: "store a server key for the sandbox (or, with --prod, production)",
		Long: `Reads a server API key and stores it in $XDG_CONFIG_HOME/kelviq/config.json
(~/.config/kelviq/config.json when XDG_CONFIG_HOME is not set): the file is
readable by you alone (0600), in a directory only you can open (0700), and
is replaced in one step. The sandbox key is stored unless --prod is given.

On a terminal the key is read without echo; otherwise the first line of
standard input is the key (e.g. from a secret manager:
'vault read -field=key secret/kelviq | kelviq login'). Nothing checks the key
with kelviq (there is no endpoint for that): a wrong key shows on the first
call.

Environment variables (KELVIQ_SANDBOX_SERVER_API_KEY, KELVIQ_SERVER_API_KEY)
win over stored keys, and a stored key is sent only to its environment's own
kelviq host; see 'kelviq env --help'.`,
		Annotations: map[string]string{annotationNoDeadline: "true"}, // a person may take a while to paste
		RunE: func(_ *cobra.Command, args []string) error {
			if err := noArgs(args); err != nil {
				return err
			}
			env := a.storedEnvName()
			path, err := a.configPath()
			if err != nil {
				return err
			}
			key, err := a.readKey(env)
			if err != nil {
				return err
			}
			a.secrets = append(a.secrets, key) // never printed, even in an error
			if err := check.Key("login", "the key", key, ""); err != nil {
				return usagef("%s", trimPrefix(err.Error()))
			}
			if strings.HasPrefix(key, wrapper.PartnerKeyPrefix) {
				return usagef("login: that is a partner key (%s...); login stores an organization's server API key, and the partner key is read from %s", wrapper.PartnerKeyPrefix, envPartnerKey)
			}
			m, err := readConfig(path)
			if err != nil {
				return configf("%v", err)
			}
			entry, _ := json.Marshal(storedEnv{ServerAPIKey: key}) // a struct of one string always encodes
			m[env.Name] = entry
			if err := writeConfig(path, m); err != nil {
				return fmt.Errorf("storing the key: %w", err)
			}
			fmt.Fprintf(a.stdout, "Stored the %s server key (%d characters) in %s.\n", env.Name, len(key), path)
			a.noteEnvKey(env)
			return nil
		},
	}
}

// readKey reads a key from the terminal without echo, or the first line of
// standard input when it is not a terminal.
func (a *app) readKey(env wrapper.Environment) (string, error) {
	if fd, ok := terminalFd(a.stdin); ok {
		fmt.Fprintf(a.stderr, "Paste the %s server API key (it is not shown): ", env.Name)
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(a.stderr)
		if err != nil {
			return "", fmt.Errorf("reading the key: %w", err)
		}
		key := strings.TrimSpace(string(b))
		if key == "" {
			return "", usagef("login: no key was entered")
		}
		return key, nil
	}
	line, err := bufio.NewReader(io.LimitReader(a.stdin, maxKeyBytes+1)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the key from standard input: %w", err)
	}
	if len(line) > maxKeyBytes {
		return "", usagef("login: the first line of standard input is longer than %d bytes, not a key", maxKeyBytes)
	}
	key := strings.TrimSpace(line)
	if key == "" {
		return "", usagef("login: no key on standard input (pipe the key in, or run login on a terminal)")
	}
	return key, nil
}

// noteEnvKey says so when an environment variable overrides the stored
// key of env.
func (a *app) noteEnvKey(env wrapper.Environment) {
	v := envServerKey
	if env.Name == wrapper.Sandbox.Name {
		v = envSandboxServerKey
	}
	if strings.TrimSpace(a.getenv(v)) != "" {
		fmt.Fprintf(a.stderr, "note: %s is set in the environment and is used instead of a stored %s key.\n", v, env.Name)
	}
}

func (a *app) logoutCommand() *cobra.Command {
	var all bool
	c := &cobra.Command{
		Use:   "logout [--prod | --all]",
		Short: "remove the stored sandbox key (--prod: production's; --all: both)",
		Long: `Removes stored server keys from the config file that 'kelviq login' writes:
the sandbox key, production's with --prod, or both with --all. It does not
touch environment variables, and it does not revoke the key at kelviq (do
that in the dashboard).`,
		RunE: func(_ *cobra.Command, args []string) error {
			if err := noArgs(args); err != nil {
				return err
			}
			if all && (a.g.prod || a.g.sandbox) {
				return usagef("--all removes both keys: give --all, or --prod, or neither")
			}
			envs := []wrapper.Environment{a.storedEnvName()}
			if all {
				envs = []wrapper.Environment{wrapper.Sandbox, wrapper.Production}
			}
			path, err := a.configPath()
			if err != nil {
				return err
			}
			m, err := readConfig(path)
			if err != nil {
				return configf("%v", err)
			}
			var removed, absent []string
			for _, env := range envs {
				if _, ok := m[env.Name]; ok {
					delete(m, env.Name)
					removed = append(removed, env.Name)
				} else {
					absent = append(absent, env.Name)
				}
			}
			if len(removed) > 0 {
				if err := writeConfig(path, m); err != nil {
					return fmt.Errorf("removing the key: %w", err)
				}
			}
			for _, name := range removed {
				fmt.Fprintf(a.stdout, "Removed the stored %s key from %s.\n", name, path)
			}
			for _, name := range absent {
				fmt.Fprintf(a.stdout, "No %s key was stored.\n", name)
			}
			for _, env := range envs {
				a.noteEnvKey(env)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&all, "all", false, "remove the sandbox and the production key")
	return c
}

// envReport is what 'kelviq env' prints: never a key, only whether one is
// set and where it comes from.
type envReport struct {
	Environment string        `json:"environment"`
	Reason      string        `json:"reason"`
	Sandbox     envReportHost `json:"sandbox"`
	Production  envReportHost `json:"production"`
	PartnerKey  string        `json:"partnerKey"`
	ConfigFile  string        `json:"configFile"`
}

type envReportHost struct {
	BaseURL   string `json:"baseUrl"`
	EdgeURL   string `json:"edgeUrl"`
	Key       string `json:"key"`                 // "set" or "missing"
	KeySource string `json:"keySource,omitempty"` // a variable, or "stored"
	Note      string `json:"note,omitempty"`
}

func (a *app) envCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "env [--json]",
		Short: "show the environment, URLs and keys commands will use (no key is printed)",
		Long: `Shows which environment a sandbox-first command targets with these flags and
variables, the base URLs of both environments, and whether a server key is
set for each (from a variable, or stored by 'kelviq login'). It prints no
part of any key, and calls nothing: "set" does not mean the key is valid.

` + keysHelp,
		RunE: func(_ *cobra.Command, args []string) error {
			if err := noArgs(args); err != nil {
				return err
			}
			chosen, err := a.resolve(defaultSandbox)
			if err != nil {
				return err
			}
			sandbox, production := chosen, chosen
			if chosen.env.Name == wrapper.Sandbox.Name {
				production, err = a.resolveEnv(wrapper.Production, "", "")
			} else {
				sandbox, err = a.resolveEnv(wrapper.Sandbox, "", "")
			}
			if err != nil {
				return err
			}
			r := envReport{
				Environment: chosen.env.Name,
				Reason:      chosen.reason,
				Sandbox:     reportHost(sandbox),
				Production:  reportHost(production),
				PartnerKey:  "missing",
				ConfigFile:  chosen.configFile,
			}
			if strings.TrimSpace(a.getenv(envPartnerKey)) != "" {
				r.PartnerKey = "set"
			}
			if asJSON || a.g.output == "json" {
				return a.writeJSON(r)
			}
			why := map[string]string{
				"default":   "the default; --prod targets production",
				"--prod":    "--prod",
				"--sandbox": "--sandbox",
			}[r.Reason]
			if why == "" {
				why = "a base URL is given (" + r.Reason + "), which takes " + envServerKey
			}
			config := r.ConfigFile
			if config == "" {
				config = "none (set " + envXDGConfigHome + " or " + envHome + ")"
			}
			rows := [][]string{
				{"Environment", r.Environment + " (" + why + ")"},
				{"Sandbox URL", r.Sandbox.BaseURL},
				{"Production URL", r.Production.BaseURL},
				{"Sandbox key", keyCell(r.Sandbox)},
				{"Production key", keyCell(r.Production)},
				{"Partner key", r.PartnerKey},
				{"Config file", config},
			}
			return formatTable(a.stdout, nil, rows, 1<<20) // never cut: a line per fact
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return c
}

func reportHost(t *target) envReportHost {
	h := envReportHost{BaseURL: t.baseURL, EdgeURL: t.edgeURL, Key: "missing", KeySource: t.keySrc}
	if !t.key.IsZero() {
		h.Key = "set"
	}
	switch {
	case t.configProblem != nil:
		h.Note = "the config file could not be read: " + t.configProblem.Error()
	case t.storedUnused:
		h.Note = "a stored key is not sent to a base URL you give (" + t.baseSrc + ")"
	}
	return h
}

func keyCell(h envReportHost) string {
	s := h.Key
	if h.KeySource != "" {
		s += " (" + h.KeySource + ")"
	}
	if h.Note != "" {
		s += "; " + h.Note
	}
	return s
}
