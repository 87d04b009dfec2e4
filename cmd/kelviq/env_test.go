package main

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kelviq/kelviq-go/internal/check"
	"github.com/kelviq/kelviq-go/kelviqtest"
	"github.com/kelviq/kelviq-go/wrapper"
)

// Keys of the tests below: long and distinct, so that any part of one in
// an output can be found.
const (
	sandboxStored = "sk_sbx_stored_Qm7vX2pL9rT4wZ8k"
	prodStored    = "sk_prd_stored_Hc3nB6yJ1fD5sG0u"
	sandboxEnvKey = "sk_sbx_envvar_Ye4tR8qW2aS6dF1h"
	prodEnvKey    = "sk_prd_envvar_Nk9mL3pZ7xC5vB2j"
)

// configHome returns an environment whose config directory is a new
// temporary one, and the config file's path in it.
func configHome(t *testing.T) (map[string]string, string) {
	t.Helper()
	dir := t.TempDir()
	return map[string]string{envXDGConfigHome: dir}, filepath.Join(dir, "kelviq", "config.json")
}

// login stores key for the sandbox (or production, with "--prod" in args)
// through the CLI, from a pipe.
func login(t *testing.T, env map[string]string, key string, args ...string) result {
	t.Helper()
	r := cli(t, env, key+"\n", append([]string{"login"}, args...)...)
	want(t, r, 0)
	return r
}

// bothStored is configHome with a key stored for each environment
// (sandboxStored and prodStored), through login.
func bothStored(t *testing.T) (map[string]string, string) {
	t.Helper()
	env, path := configHome(t)
	login(t, env, sandboxStored)
	login(t, env, prodStored, "--prod")
	return env, path
}

func readStored(t *testing.T, path string) map[string]storedEnv {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]storedEnv
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("config file is not JSON: %v\n%s", err, data)
	}
	return m
}

// TestLoginFromPipe: login reads the first line of a pipe, stores it under
// the environment's name, says so without printing the key, and keeps the
// other environment's key.
func TestLoginFromPipe(t *testing.T) {
	t.Parallel()
	env, path := configHome(t)
	r := cli(t, env, "  "+sandboxStored+"  \nsecond line is not read\n", "login")
	want(t, r, 0)
	if !strings.Contains(r.stdout, "sandbox") || !strings.Contains(r.stdout, path) || strings.Contains(r.stdout+r.stderr, sandboxStored) {
		t.Fatalf("login output: %s", r)
	}
	login(t, env, prodStored, "--prod")
	m := readStored(t, path)
	if m["sandbox"].ServerAPIKey != sandboxStored || m["production"].ServerAPIKey != prodStored || len(m) != 2 {
		t.Fatalf("stored: %+v", m)
	}
	// A second login replaces that environment's key only.
	login(t, env, "sk_sbx_replaced_0123456789")
	if m := readStored(t, path); m["sandbox"].ServerAPIKey != "sk_sbx_replaced_0123456789" || m["production"].ServerAPIKey != prodStored {
		t.Fatalf("after a second login: %+v", m)
	}
	// A base URL does not move login to production: stored keys are for
	// kelviq's own hosts.
	login(t, with(env, envBaseURL, "http://127.0.0.1:9/api/v1"), "sk_sbx_by_url_0123456789")
	if m := readStored(t, path); m["sandbox"].ServerAPIKey != "sk_sbx_by_url_0123456789" || m["production"].ServerAPIKey != prodStored {
		t.Fatalf("login with KELVIQ_BASE_URL set: %+v", m)
	}
	// An environment variable that overrides the stored key is pointed out.
	r = login(t, with(env, envSandboxServerKey, sandboxEnvKey), sandboxStored)
	if !strings.Contains(r.stderr, envSandboxServerKey) || strings.Contains(r.stderr, sandboxEnvKey) {
		t.Fatalf("login with %s set: %s", envSandboxServerKey, r)
	}

	for _, tc := range []struct {
		name, stdin string
		args        []string
		want        string
	}{
		{"empty", "", nil, "no key on standard input"},
		{"blank line", "  \n" + sandboxStored + "\n", nil, "no key on standard input"},
		{"space inside", "sk_a b_0123456789\n", nil, "printable ASCII without spaces"},
		{"partner key", "kvqp_test_0123456789\n", nil, "partner key"},
		{"too long", strings.Repeat("k", maxKeyBytes+10), nil, "longer than"},
		{"argument", sandboxStored + "\n", []string{sandboxStored}, "unexpected argument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := os.ReadFile(path)
			r := cli(t, env, tc.stdin, append([]string{"login"}, tc.args...)...)
			want(t, r, 2)
			if !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
				t.Fatalf("want %q: %s", tc.want, r)
			}
			if strings.Contains(r.stderr, "0123456789") {
				t.Fatalf("the refused key is printed: %s", r)
			}
			if after, _ := os.ReadFile(path); string(after) != string(before) {
				t.Fatalf("a refused login changed the file:\n%s", after)
			}
		})
	}
}

// TestConfigFilePermissions: the file is 0600 in a 0700 directory, also when
// the directory existed with wider permissions, and no temporary file is
// left beside it. Without XDG_CONFIG_HOME (or with a relative one) it is
// under $HOME/.config.
func TestConfigFilePermissions(t *testing.T) {
	t.Parallel()
	check := func(t *testing.T, path string) {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", path, fi.Mode().Perm())
		}
		di, err := os.Stat(filepath.Dir(path))
		if err != nil {
			t.Fatal(err)
		}
		if di.Mode().Perm() != 0o700 {
			t.Errorf("%s has mode %v, want 0700", filepath.Dir(path), di.Mode().Perm())
		}
		entries, err := os.ReadDir(filepath.Dir(path))
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Name() != "config.json" {
			t.Errorf("the config directory holds %v, want config.json alone", entries)
		}
	}

	t.Run("XDG_CONFIG_HOME", func(t *testing.T) {
		t.Parallel()
		env, path := configHome(t)
		login(t, env, sandboxStored)
		check(t, path)
	})
	t.Run("existing directory, wider mode", func(t *testing.T) {
		t.Parallel()
		env, path := configHome(t)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(`{"other": {"kept": true}}`), 0o644); err != nil {
			t.Fatal(err)
		}
		login(t, env, sandboxStored)
		check(t, path)
		data, _ := os.ReadFile(path)
		if !strings.Contains(string(data), `"kept": true`) {
			t.Errorf("an entry login does not know was dropped:\n%s", data)
		}
	})
	t.Run("HOME", func(t *testing.T) {
		t.Parallel()
		home := t.TempDir()
		for _, env := range []map[string]string{
			{envHome: home},
			{envHome: home, envXDGConfigHome: "relative/dir"},
		} {
			login(t, env, sandboxStored)
			check(t, filepath.Join(home, ".config", "kelviq", "config.json"))
		}
	})
	t.Run("no directory", func(t *testing.T) {
		t.Parallel()
		r := cli(t, nil, sandboxStored+"\n", "login")
		want(t, r, 2)
		if !strings.Contains(r.stderr, envXDGConfigHome) || !strings.Contains(r.stderr, envHome) {
			t.Fatalf("login without a config directory: %s", r)
		}
	})
}

// TestLogoutVariants: logout removes the sandbox key, --prod production's,
// --all both (and then the file); a key that is not stored is said so.
func TestLogoutVariants(t *testing.T) {
	t.Parallel()
	t.Run("sandbox", func(t *testing.T) {
		t.Parallel()
		env, path := bothStored(t)
		r := cli(t, env, "", "logout")
		want(t, r, 0)
		if m := readStored(t, path); len(m) != 1 || m["production"].ServerAPIKey != prodStored {
			t.Fatalf("after logout: %+v", m)
		}
		if !strings.Contains(r.stdout, "Removed the stored sandbox key") {
			t.Fatalf("logout: %s", r)
		}
		r = cli(t, env, "", "logout")
		want(t, r, 0)
		if !strings.Contains(r.stdout, "No sandbox key was stored") {
			t.Fatalf("second logout: %s", r)
		}
	})
	t.Run("prod", func(t *testing.T) {
		t.Parallel()
		env, path := bothStored(t)
		want(t, cli(t, env, "", "logout", "--prod"), 0)
		if m := readStored(t, path); len(m) != 1 || m["sandbox"].ServerAPIKey != sandboxStored {
			t.Fatalf("after logout --prod: %+v", m)
		}
	})
	t.Run("all", func(t *testing.T) {
		t.Parallel()
		env, path := bothStored(t)
		r := cli(t, with(env, envServerKey, prodEnvKey), "", "logout", "--all")
		want(t, r, 0)
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Fatalf("logout --all left the file: %v", err)
		}
		if strings.Count(r.stdout, "Removed") != 2 || !strings.Contains(r.stderr, envServerKey) || strings.Contains(r.stderr, prodEnvKey) {
			t.Fatalf("logout --all: %s", r)
		}
		r = cli(t, env, "", "logout", "--all")
		want(t, r, 0)
		if strings.Count(r.stdout, "was stored") != 2 {
			t.Fatalf("logout --all with nothing stored: %s", r)
		}
	})
	t.Run("refused", func(t *testing.T) {
		t.Parallel()
		env, path := bothStored(t)
		for _, args := range [][]string{{"logout", "--all", "--prod"}, {"logout", "--bogus"}, {"logout", "sandbox"}} {
			r := cli(t, env, "", args...)
			want(t, r, 2)
			if !strings.HasPrefix(r.stderr, "error: ") {
				t.Fatalf("%v: %s", args, r)
			}
		}
		if m := readStored(t, path); len(m) != 2 {
			t.Fatalf("a refused logout removed a key: %+v", m)
		}
	})
}

// TestResolveOrder: which environment, base URL and key each kind of
// command gets from the flags, the variables and the stored keys, in the
// order keysHelp documents.
func TestResolveOrder(t *testing.T) {
	t.Parallel()
	stored, _ := bothStored(t)
	const custom = "http://127.0.0.1:9/api/v1"
	for _, tc := range []struct {
		name    string
		env     map[string]string
		g       globals
		def     envDefault
		wantEnv string
		wantURL string
		wantKey string // "" for none
		wantSrc string
	}{
		{"sandbox-first, stored", stored, globals{}, defaultSandbox, "sandbox", wrapper.Sandbox.BaseURL, sandboxStored, "stored"},
		{"API command, stored", stored, globals{}, defaultProduction, "production", wrapper.Production.BaseURL, prodStored, "stored"},
		{"--prod", stored, globals{prod: true}, defaultSandbox, "production", wrapper.Production.BaseURL, prodStored, "stored"},
		{"--sandbox", stored, globals{sandbox: true}, defaultProduction, "sandbox", wrapper.Sandbox.BaseURL, sandboxStored, "stored"},
		{"variable beats stored (sandbox)", with(stored, envSandboxServerKey, sandboxEnvKey), globals{}, defaultSandbox, "sandbox", wrapper.Sandbox.BaseURL, sandboxEnvKey, envSandboxServerKey},
		{"variable beats stored (production)", with(stored, envServerKey, prodEnvKey), globals{}, defaultProduction, "production", wrapper.Production.BaseURL, prodEnvKey, envServerKey},
		{"never the other environment's key", with(nil, envServerKey, prodEnvKey), globals{}, defaultSandbox, "sandbox", wrapper.Sandbox.BaseURL, "", ""},
		{"never the other environment's key (--sandbox)", with(nil, envServerKey, prodEnvKey), globals{sandbox: true}, defaultProduction, "sandbox", wrapper.Sandbox.BaseURL, "", ""},
		{"a base URL is production's", with(stored, envBaseURL, custom, envServerKey, prodEnvKey), globals{}, defaultSandbox, "production", custom, prodEnvKey, envServerKey},
		{"--base-url is production's", with(stored, envServerKey, prodEnvKey), globals{baseURL: custom}, defaultSandbox, "production", custom, prodEnvKey, envServerKey},
		{"no stored key to a base URL", with(stored, envBaseURL, custom), globals{}, defaultProduction, "production", custom, "", ""},
		{"no stored key to a sandbox base URL", with(stored, envSandboxBaseURL, custom), globals{}, defaultSandbox, "sandbox", custom, "", ""},
		{"sandbox base URL and its key", with(stored, envSandboxBaseURL, custom, envSandboxServerKey, sandboxEnvKey), globals{sandbox: true}, defaultProduction, "sandbox", custom, sandboxEnvKey, envSandboxServerKey},
		{"--sandbox ignores KELVIQ_BASE_URL", with(stored, envBaseURL, custom), globals{sandbox: true}, defaultSandbox, "sandbox", wrapper.Sandbox.BaseURL, sandboxStored, "stored"},
		{"--base-url beats KELVIQ_BASE_URL", with(stored, envBaseURL, "https://unused.invalid/api/v1"), globals{baseURL: custom}, defaultProduction, "production", custom, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := &app{getenv: func(k string) string { return tc.env[k] }, g: tc.g}
			tg, err := a.resolve(tc.def)
			if err != nil {
				t.Fatal(err)
			}
			if tg.env.Name != tc.wantEnv || tg.baseURL != tc.wantURL || tg.key.Reveal() != tc.wantKey || tg.keySrc != tc.wantSrc {
				t.Fatalf("got %s %s key %q from %q; want %s %s key %q from %q",
					tg.env.Name, tg.baseURL, tg.key.Reveal(), tg.keySrc, tc.wantEnv, tc.wantURL, tc.wantKey, tc.wantSrc)
			}
			c, err := a.clientFor(tg)
			if err != nil {
				t.Fatal(err)
			}
			if c.BaseURL() != tc.wantURL {
				t.Fatalf("client base URL %s, want %s", c.BaseURL(), tc.wantURL)
			}
		})
	}
	// --prod with --sandbox is a usage error.
	r := cli(t, stored, "", "env", "--prod", "--sandbox")
	want(t, r, 2)
}

// keyHeaderServer responds to every request with an empty page and records
// the Authorization headers it saw.
func keyHeaderServer(t *testing.T) (*httptest.Server, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"count": 0, "next": null, "previous": null, "results": []}`))
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

// TestStoredKeysAndBaseURLs: call, an API command, sends the variable's key
// to a base URL you give and never a stored key; with none set it fails
// before sending, naming the variable; and 'kelviq fake's exports work
// with stored keys present.
func TestStoredKeysAndBaseURLs(t *testing.T) {
	t.Parallel()
	stored, _ := bothStored(t)
	srv, seen := keyHeaderServer(t)
	base := srv.URL + "/api/v1"

	r := cli(t, with(stored, envBaseURL, base, envServerKey, prodEnvKey), "", "call", "listCustomers")
	want(t, r, 0)
	r = cli(t, with(stored, envSandboxBaseURL, base, envSandboxServerKey, sandboxEnvKey), "", "call", "listCustomers", "--sandbox")
	want(t, r, 0)
	if got := seen(); len(got) != 2 || got[0] != "Bearer "+prodEnvKey || got[1] != "Bearer "+sandboxEnvKey {
		t.Fatalf("keys sent: %q", got)
	}

	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{with(stored, envBaseURL, base), []string{"call", "listCustomers"}, "needs KELVIQ_SERVER_API_KEY to be set (the stored production key is sent only to " + wrapper.Production.BaseURL},
		{stored, []string{"call", "listCustomers", "--base-url", base}, "needs KELVIQ_SERVER_API_KEY to be set (the stored production key"},
		{with(stored, envSandboxBaseURL, base), []string{"call", "listCustomers", "--sandbox"}, "needs KELVIQ_SANDBOX_SERVER_API_KEY to be set (the stored sandbox key"},
		{with(nil, envServerKey, prodEnvKey), []string{"call", "listCustomers", "--sandbox"}, "needs KELVIQ_SANDBOX_SERVER_API_KEY to be set, or run 'kelviq login'; KELVIQ_SERVER_API_KEY is set, but it is production's key"},
		{nil, []string{"call", "listCustomers"}, "needs KELVIQ_SERVER_API_KEY to be set, or run 'kelviq login --prod'"},
	} {
		r := cli(t, tc.env, "", tc.args...)
		want(t, r, 2)
		if !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: want %q: %s", tc.args, tc.want, r)
		}
		for _, k := range []string{sandboxStored, prodStored, prodEnvKey} {
			if strings.Contains(r.stderr, k) {
				t.Errorf("%v: a key is printed: %s", tc.args, r)
			}
		}
	}
	if n := len(seen()); n != 2 {
		t.Fatalf("refused calls sent %d requests", n-2)
	}

	// The fake's exports (KELVIQ_BASE_URL, KELVIQ_SERVER_API_KEY) work with
	// stored keys present, for the API commands and for env.
	fake, org, _ := setup(t, "stored-keys")
	fakeEnv := with(stored, envBaseURL, fake.URL(), envServerKey, org.ServerKey.Reveal())
	r = cli(t, fakeEnv, "", "call", "listCustomers")
	want(t, r, 0)
	r = cli(t, fakeEnv, "", "env", "--json")
	want(t, r, 0)
	rep := decodeOut[envReport](t, r)
	if rep.Environment != "production" || rep.Reason != envBaseURL || rep.Production.BaseURL != fake.URL() || rep.Production.KeySource != envServerKey {
		t.Fatalf("env with the fake's exports: %s", r)
	}
}

// TestEnvNeverPrintsAKey: env and env --json (with --show-secrets too)
// report set or missing and where a key comes from, and no part of any key.
func TestEnvNeverPrintsAKey(t *testing.T) {
	t.Parallel()
	stored, path := bothStored(t)
	keys := []string{sandboxStored, prodStored, sandboxEnvKey, prodEnvKey, "kvqp_partner_Tg5hJ8kL2mN4bV7c"}
	for _, tc := range []struct {
		name string
		env  map[string]string
	}{
		{"stored", stored},
		{"variables", with(stored, envSandboxServerKey, sandboxEnvKey, envServerKey, prodEnvKey, envPartnerKey, keys[4])},
	} {
		for _, args := range [][]string{{"env"}, {"env", "--json"}, {"env", "--output", "json", "--show-secrets"}, {"env", "--prod", "--output", "table"}} {
			r := cli(t, tc.env, "", args...)
			want(t, r, 0)
			out := r.stdout + r.stderr
			for _, k := range keys {
				// No run of 6 characters of a key after its prefix.
				secret := k[strings.LastIndex(k, "_")+1:]
				for i := 0; i+6 <= len(secret); i++ {
					if strings.Contains(out, secret[i:i+6]) {
						t.Fatalf("%s %v prints part of a key (%q): %s", tc.name, args, secret[i:i+6], r)
					}
				}
			}
			if !strings.Contains(out, path) {
				t.Fatalf("%s %v does not name the config file: %s", tc.name, args, r)
			}
		}
	}
	r := cli(t, with(stored, envSandboxServerKey, sandboxEnvKey), "", "env", "--json")
	rep := decodeOut[envReport](t, r)
	if rep.Environment != "sandbox" || rep.Reason != "default" || rep.Sandbox.Key != "set" || rep.Sandbox.KeySource != envSandboxServerKey ||
		rep.Production.Key != "set" || rep.Production.KeySource != "stored" || rep.PartnerKey != "missing" ||
		rep.Sandbox.BaseURL != wrapper.Sandbox.BaseURL || rep.Production.EdgeURL != wrapper.Production.EdgeURL {
		t.Fatalf("env --json: %s", r)
	}
	r = cli(t, nil, "", "env", "--json", "--prod")
	rep = decodeOut[envReport](t, r)
	if rep.Environment != "production" || rep.Sandbox.Key != "missing" || rep.Production.Key != "missing" || rep.ConfigFile != "" {
		t.Fatalf("env --json --prod with nothing set: %s", r)
	}
	// A config file that is not JSON is reported, not quoted.
	if err := os.WriteFile(path, []byte(`{"sandbox": {"serverApiKey": "`+sandboxStored), 0o600); err != nil {
		t.Fatal(err)
	}
	r = cli(t, stored, "", "env")
	want(t, r, 0)
	if !strings.Contains(r.stdout, "not a JSON object") || strings.Contains(r.stdout, sandboxStored[14:20]) {
		t.Fatalf("env with a broken config file: %s", r)
	}
}

// TestCompletion: the completion scripts, and cobra's __complete, which
// they call: commands, flags and operation IDs for call.
func TestCompletion(t *testing.T) {
	t.Parallel()
	for _, shell := range []string{"bash", "zsh", "fish"} {
		r := cli(t, nil, "", "completion", shell)
		want(t, r, 0)
		if !strings.Contains(r.stdout, "kelviq") || !strings.Contains(r.stdout, "__complete") {
			t.Fatalf("completion %s: %.300s", shell, r.stdout)
		}
	}
	for _, args := range [][]string{{"completion"}, {"completion", "powershell"}, {"completion", "bash", "zsh"}} {
		want(t, cli(t, nil, "", args...), 2)
	}

	complete := func(args ...string) []string {
		t.Helper()
		r := cli(t, nil, "", append([]string{"__complete"}, args...)...)
		want(t, r, 0)
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if len(lines) == 0 || !strings.HasPrefix(lines[len(lines)-1], ":") {
			t.Fatalf("__complete %v: no directive line: %s", args, r)
		}
		var names []string
		for _, l := range lines[:len(lines)-1] {
			name, _, _ := strings.Cut(l, "\t")
			names = append(names, name)
		}
		return names
	}
	has := func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	}
	if got := complete("call", "listCust"); len(got) != 1 || got[0] != "listCustomers" {
		t.Fatalf("call listCust completes to %v, want [listCustomers]", got)
	}
	if got := complete("call", "retrievePartner"); len(got) != 2 {
		t.Fatalf("call retrievePartner completes to %v, want the two retrievePartnerOrganization operations", got)
	}
	if got := complete("call", ""); len(got) != len(wrapper.Operations()) {
		t.Fatalf("call completes %d operation IDs, want %d", len(got), len(wrapper.Operations()))
	}
	if got := complete("call", "listCustomers", ""); has(got, "listCustomers") {
		t.Fatalf("a second argument completes operation IDs: %v", got)
	}
	if got := complete(""); !has(got, "call") || !has(got, "partner") || !has(got, "login") || !has(got, "env") {
		t.Fatalf("commands: %v", got)
	}
	if got := complete("partner", "orgs", ""); !has(got, "provision") || !has(got, "list") || !has(got, "get") {
		t.Fatalf("partner orgs: %v", got)
	}
	if got := complete("call", "listCustomers", "--d"); !has(got, "--data") || !has(got, "--deadline") {
		t.Fatalf("flags: %v", got)
	}
	r := cli(t, nil, "", "__complete", "call", "listC")
	if !strings.Contains(r.stdout, "listCustomers\tGET /customers/") {
		t.Fatalf("operation IDs come with their method and path: %s", r)
	}
}

// TestUnknownCommandsAndFlagsExit2: unknown words and flags of the new
// commands exit 2, with one error line and a pointer to --help.
func TestUnknownCommandsAndFlagsExit2(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"logni"}, `unknown command "logni"; did you mean "login"?`},
		{[]string{"env", "--bogus"}, "unknown flag --bogus"},
		{[]string{"env", "extra"}, `unexpected argument "extra"`},
		{[]string{"login", "-x"}, "unknown flag -x"},
		{[]string{"completion", "bash", "--bogus"}, "unknown flag --bogus"},
		{[]string{"help", "partner", "nothing"}, `unknown command "partner nothing"`},
		{[]string{"ops", "--retries", "many"}, `invalid value "many" for flag --retries: not a whole number`},
		{[]string{"ops", "--timeout", "soon"}, `invalid value "soon" for flag --timeout: not a duration`},
		{[]string{"call", "-p"}, "flag needs an argument: -p"},
	} {
		r := cli(t, nil, "", tc.args...)
		want(t, r, 2)
		if first, _, _ := strings.Cut(r.stderr, "\n"); first != "error: "+tc.want && !strings.HasPrefix(first, "error: "+tc.want) {
			t.Errorf("%v: want %q: %s", tc.args, tc.want, r)
		}
		if !strings.Contains(r.stderr, "--help' for usage.") || r.stdout != "" {
			t.Errorf("%v: want a pointer to --help and nothing on stdout: %s", tc.args, r)
		}
	}
}

// TestLongFlagsWithOneDash: -name is --name, but values and what follows
// "--" are left alone.
func TestLongFlagsWithOneDash(t *testing.T) {
	t.Parallel()
	a := &app{getenv: func(string) string { return "" }}
	root := a.newRoot()
	got := longFlagsWithOneDash(root, []string{"-output", "json", "call", "x", "-p", "-a=b", "--data", "-all", "-timeout=5s", "--retries", "-1", "--", "-verbose"})
	wantArgs := []string{"--output", "json", "call", "x", "-p", "-a=b", "--data", "-all", "--timeout=5s", "--retries", "-1", "--", "-verbose"}
	if strings.Join(got, " ") != strings.Join(wantArgs, " ") {
		t.Fatalf("got  %q\nwant %q", got, wantArgs)
	}
}

// countingRun runs one command line like cli, with every base URL parse of
// the CLI counted by where the URL came from (its flag or variable).
func countingRun(t *testing.T, env map[string]string, args ...string) (result, map[string]int) {
	t.Helper()
	var out, errOut bytes.Buffer
	var mu sync.Mutex
	parsed := map[string]int{}
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, getenv: func(k string) string { return env[k] }}
	a.parseURL = func(where, raw string) (*url.URL, error) {
		mu.Lock()
		parsed[where]++
		mu.Unlock()
		return check.ParseBaseURL(where, raw)
	}
	code := a.run(context.Background(), args)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}, parsed
}

// TestBaseURLParsedOnce: on its way in, the CLI parses and checks each
// base URL it is given once, with the client's rule, whatever the command
// (an API command, catalog pull, promote's two sides, env, trigger); and a
// URL that breaks the rule is one error naming its flag or variable and
// the rule, with nothing sent.
func TestBaseURLParsedOnce(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	_, keyA := provision(t, srv, "once-a")
	_, keyB := provision(t, srv, "once-b")
	pull := filepath.Join(t.TempDir(), "kelviq.yaml")
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want map[string]int
	}{
		{"API command, variable", partnerEnv(srv), []string{"partner", "orgs", "list", "--output", "json"}, map[string]int{envBaseURL: 1}},
		{"API command, flags", map[string]string{envPartnerKey: srv.PartnerKey()}, []string{"--base-url", srv.URL(), "--edge-url", srv.URL() + "/", "partner", "orgs", "list", "--output", "json"},
			map[string]int{"--base-url": 1, "--edge-url": 1}},
		{"call", with(partnerEnv(srv), envServerKey, keyA), []string{"call", "listCustomers", "--output", "json"}, map[string]int{envBaseURL: 1}},
		{"catalog pull", map[string]string{envSandboxBaseURL: srv.URL(), envSandboxServerKey: keyA}, []string{"catalog", "pull", "-o", pull}, map[string]int{envSandboxBaseURL: 1}},
		{"promote, both sides", map[string]string{envSandboxBaseURL: srv.URL(), envSandboxServerKey: keyA, envBaseURL: srv.URL(), envServerKey: keyB},
			[]string{"promote", "--dry-run", "--json"}, map[string]int{envSandboxBaseURL: 1, envBaseURL: 1}},
		{"env", map[string]string{envBaseURL: srv.URL(), envEdgeURL: srv.URL(), envSandboxBaseURL: srv.URL()}, []string{"env", "--json"},
			map[string]int{envBaseURL: 1, envEdgeURL: 1, envSandboxBaseURL: 1}},
		{"trigger", partnerEnv(srv), []string{"trigger", "customer.created"},
			map[string]int{envBaseURL: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, parsed := countingRun(t, tc.env, tc.args...)
			want(t, r, 0)
			if !maps.Equal(parsed, tc.want) {
				t.Fatalf("base URLs parsed %v, want %v (once each)", parsed, tc.want)
			}
		})
	}

	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		src  string
	}{
		{"flag", partnerEnv(srv), []string{"--base-url", "http://api.example/api/v1", "partner", "orgs", "list"}, "--base-url"},
		{"variable", map[string]string{envBaseURL: "http://api.example/api/v1", envPartnerKey: srv.PartnerKey()}, []string{"partner", "orgs", "list"}, envBaseURL},
		{"sandbox variable", map[string]string{envSandboxBaseURL: "http://api.example/api/v1", envSandboxServerKey: keyA}, []string{"catalog", "pull", "-o", pull + ".refused"}, envSandboxBaseURL},
	} {
		t.Run("refused, "+tc.name, func(t *testing.T) {
			before := len(srv.Requests())
			r, parsed := countingRun(t, tc.env, tc.args...)
			want(t, r, 2)
			line := "error: " + tc.src + ": URL must use https (plain http only for loopback hosts), got \"http://api.example/api/v1\""
			if first, _, _ := strings.Cut(r.stderr, "\n"); first != line || strings.Count(r.stderr, "error:") != 1 {
				t.Fatalf("want one error %q: %s", line, r)
			}
			if parsed[tc.src] != 1 || len(parsed) != 1 {
				t.Fatalf("base URLs parsed %v, want %s once", parsed, tc.src)
			}
			if n := len(srv.Requests()); n != before {
				t.Fatalf("a refused URL sent %d requests", n-before)
			}
		})
	}
}
