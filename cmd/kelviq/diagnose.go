package main

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	"github.com/kelviq/kelviq-go/wrapper"
)

// apiPathSuffix ends the path of every kelviq base URL.
const apiPathSuffix = "/api/v1"

// describeCall says what an error from the API was a response to: the
// method and the full URL (redacted: no password, no query), and for a 404
// from a base URL whose path does not end in /api/v1, a hint that this is
// the likelier cause than a missing resource. It returns "" for errors that
// are not responses.
func (a *app) describeCall(err error) string {
	var (
		method, path, opID string
		status             int
		apiErr             *wrapper.APIError
		decErr             *wrapper.DecodeError
	)
	switch {
	case errors.As(err, &apiErr):
		method, path, opID, status = apiErr.Method, apiErr.Path, apiErr.OperationID, apiErr.StatusCode
	case errors.As(err, &decErr):
		method, path, status = decErr.Method, decErr.Path, decErr.StatusCode
	default:
		return ""
	}
	if method == "" && path == "" {
		return ""
	}
	base, src, parsed := a.bases.api, a.bases.apiSrc, a.bases.apiURL
	if op, ok := wrapper.LookupOperation(opID); ok && op.OwnServers() {
		base, src, parsed = a.bases.edge, a.bases.edgeSrc, a.bases.edgeURL
	}
	desc := strings.TrimSpace(method + " " + callURL(base, path))
	if status == http.StatusNotFound && parsed != nil && !hasAPIPath(parsed) {
		where := "the base URL"
		if src != "" {
			where += " (" + src + ")"
		}
		desc += fmt.Sprintf("; is %s missing %s?", where, apiPathSuffix)
	}
	return desc
}

// callURL joins a base URL and a path relative to it, with any user
// information redacted. A path that is already absolute (or a base that
// is unknown) is returned as it is.
func callURL(base, path string) string {
	if base == "" || strings.Contains(path, "://") {
		return path
	}
	u, err := url.Parse(strings.TrimSuffix(base, "/") + path)
	if err != nil {
		return path
	}
	u.RawQuery, u.Fragment = "", ""
	return u.Redacted()
}

// hasAPIPath reports whether a base URL's path ends in /api/v1 (a trailing
// slash aside). The environments' own hosts have it; a URL given is taken
// apart once, by resolveEnv.
func hasAPIPath(base *url.URL) bool {
	return strings.HasSuffix(strings.TrimSuffix(base.Path, "/"), apiPathSuffix)
}

// missingKey turns the wrapper's *CredentialError for a command into the
// CLI's message naming the environment variable to set; other errors are
// returned as they are. The wrapper checks the input first, so a command
// with bad input and no key reports the input.
func missingKey(err error, what string) error {
	var ce *wrapper.CredentialError
	if !errors.As(err, &ce) {
		return err
	}
	return configf("%s", missingKeyMessage(ce.Auth, what, envServerKey, ""))
}

// missingKeyMessage says which key what needs and the variable that sets
// it (serverVar for a server key, with more advice in extra): the one
// wording for a missing key, from any command.
func missingKeyMessage(auth wrapper.Auth, what, serverVar, extra string) string {
	env := serverVar
	if auth == wrapper.AuthPartnerKey {
		env, extra = envPartnerKey, ""
	}
	return fmt.Sprintf("missing %s: %s needs %s to be set%s", auth, what, env, extra)
}

// portInUse adds a hint to an error from listening on addr when the address
// is taken; other errors are returned as they are.
func portInUse(err error, addr string) error {
	if !errors.Is(err, syscall.EADDRINUSE) && !strings.Contains(err.Error(), "address already in use") {
		return err
	}
	return &hintError{
		msg: fmt.Sprintf("%s is already in use (another 'kelviq fake'?): stop that program, or choose another address with --addr, e.g. --addr 127.0.0.1:0 for a free port", addr),
		err: err,
	}
}

// hintError replaces an error's message with a more helpful one, keeping
// the error for errors.Is and errors.As.
type hintError struct {
	msg string
	err error
}

func (e *hintError) Error() string { return e.msg }
func (e *hintError) Unwrap() error { return e.err }
