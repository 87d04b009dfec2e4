package transport

import (
	"net/url"
	"strings"
)

// Server is a base URL taken apart once: its scheme, host, and escaped
// path without a trailing slash.
type Server struct{ Scheme, Host, Path string }

// ParseServer takes a checked base URL apart.
func ParseServer(raw string) Server {
	u, err := url.Parse(raw)
	if err != nil {
		return Server{}
	}
	return Server{Scheme: u.Scheme, Host: u.Host, Path: strings.TrimSuffix(u.EscapedPath(), "/")}
}

// Serves reports whether u is on the server's scheme and host.
func (sv Server) Serves(u *url.URL) bool {
	return (u.Scheme == sv.Scheme || strings.EqualFold(u.Scheme, sv.Scheme)) && (u.Host == sv.Host || strings.EqualFold(u.Host, sv.Host))
}

// Relative returns u's escaped path relative to the first of servers that
// serves it and holds it, or the whole path when none does.
func Relative(u *url.URL, servers ...Server) string {
	p := u.EscapedPath()
	for _, sv := range servers {
		if sv.Serves(u) {
			if rest, ok := strings.CutPrefix(p, sv.Path); ok && strings.HasPrefix(rest, "/") {
				return rest
			}
		}
	}
	return p
}
