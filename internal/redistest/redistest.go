// Package redistest starts real Redis deployments for tests, from Debian's
// redis-server: a single server (Start), a Cluster of three primaries with
// a replica each (StartCluster) and a Sentinel set of one primary, two
// replicas and three sentinels (StartSentinel). Every process binds
// 127.0.0.1 on free ports, works in the test's temp dir and is killed when
// the test ends. A test is skipped, saying why, when the binaries are
// missing (.ci/run installs them).
package redistest

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is one running redis-server (a data node or a sentinel).
type Server struct {
	// Addr is host:port on 127.0.0.1.
	Addr string
	// Dir is the server's working directory.
	Dir string

	cfg  config
	conf string // a config file given before the arguments (sentinels)
	port int
	bus  int // the cluster bus port, for a cluster node

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// config is what Options set.
type config struct {
	args     []string
	password string
	tls      *tlsFiles
	cluster  bool // a cluster node: gets a bus port
}

// Option configures a server: extra arguments, a password, TLS.
type Option func(*config)

// Args passes extra command-line arguments to redis-server.
func Args(a ...string) Option {
	return func(c *config) { c.args = append(c.args, a...) }
}

// Password makes the server require p (requirepass); Client and the
// readiness check use it.
func Password(p string) Option {
	return func(c *config) {
		c.password = p
		c.args = append(c.args, "--requirepass", p)
	}
}

// need skips the test when one of the binaries is not installed.
func need(t testing.TB, bins ...string) {
	t.Helper()
	for _, b := range bins {
		if _, err := exec.LookPath(b); err != nil {
			t.Skipf("%s not installed: .ci/run installs it (Debian packages redis-server, redis-tools, redis-sentinel)", b)
		}
	}
}

// Start runs redis-server on a free loopback port with no persistence (unless
// opts say otherwise) and waits until it replies. It skips the test when
// redis-server is not installed. The server is killed in t.Cleanup.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	need(t, "redis-server")
	return startServer(t, t.TempDir(), configOf(config{}, opts), "")
}

// configOf is base with opts applied.
func configOf(base config, opts []Option) config {
	for _, o := range opts {
		o(&base)
	}
	return base
}

// addrs are the servers' addresses.
func addrs(servers []*Server) []string {
	out := make([]string, len(servers))
	for i, s := range servers {
		out[i] = s.Addr
	}
	return out
}

// startServer starts one process in dir, retrying on a port taken between
// finding it free and binding it.
func startServer(t testing.TB, dir string, cfg config, conf string) *Server {
	t.Helper()
	s := &Server{Dir: dir, cfg: cfg, conf: conf}
	var lastErr error
	for range 5 {
		ports, err := freePorts(2)
		if err != nil {
			t.Fatalf("redistest: %v", err)
		}
		s.port, s.bus = ports[0], ports[1]
		if lastErr = s.start(); lastErr == nil {
			t.Cleanup(s.Kill)
			return s
		}
	}
	t.Fatalf("redistest: %v", lastErr)
	return nil
}

func (s *Server) argv() []string {
	var args []string
	if s.conf != "" {
		args = append(args, s.conf, "--sentinel")
	}
	portFlag := "--port"
	if s.cfg.tls != nil {
		portFlag = "--tls-port"
		args = append(args, "--port", "0")
	}
	args = append(args, portFlag, strconv.Itoa(s.port), "--bind", "127.0.0.1", "--dir", s.Dir,
		"--protected-mode", "no", "--daemonize", "no", "--logfile", filepath.Join(s.Dir, "redis.log"))
	if s.conf == "" {
		args = append(args, "--save", "", "--appendonly", "no")
	}
	if s.cfg.cluster {
		args = append(args, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "1000", "--cluster-port", strconv.Itoa(s.bus))
	}
	return append(args, s.cfg.args...)
}

func (s *Server) start() error {
	cmd := exec.Command("redis-server", s.argv()...)
	cmd.Dir = s.Dir
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			log, _ := os.ReadFile(filepath.Join(s.Dir, "redis.log"))
			return fmt.Errorf("redis-server exited at start: %s", lastLines(string(log), 5))
		default:
		}
		if s.ping() == nil {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.Kill()
	return fmt.Errorf("redis-server on %s did not reply to PING within 10s", s.Addr)
}

// Kill stops the server at once (SIGKILL) and waits for it to exit. It is
// safe to call more than once.
func (s *Server) Kill() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// Alive reports whether the process is running.
func (s *Server) Alive() bool {
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	select {
	case <-done:
		return false
	default:
		return done != nil
	}
}

// Restart starts the server again on the same port and directory after Kill.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	if err := s.start(); err != nil {
		t.Fatalf("redistest: restart: %v", err)
	}
}

// Stop pauses the server (SIGSTOP) so that it accepts connections but
// replies to nothing; Cont resumes it.
func (s *Server) Stop() { _ = s.cmd.Process.Signal(syscall.SIGSTOP) }

// Cont resumes a server paused by Stop.
func (s *Server) Cont() { _ = s.cmd.Process.Signal(syscall.SIGCONT) }

// freePorts returns n distinct ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	out := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

// ping sends PING (after AUTH when a password is set) and waits for a
// reply that says the server is serving: +PONG.
func (s *Server) ping() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return err
	}
	if s.cfg.tls != nil {
		tc := tls.Client(c, s.TLSConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			return err
		}
		c = tc
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	cmd := "PING\r\n"
	if s.cfg.password != "" {
		cmd = "AUTH " + s.cfg.password + "\r\n" + cmd
	}
	if _, err := c.Write([]byte(cmd)); err != nil {
		return err
	}
	rd := bufio.NewReader(c)
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			return err
		}
		switch line = strings.TrimSpace(line); line {
		case "+OK":
			continue // AUTH
		case "+PONG":
			return nil
		default:
			return fmt.Errorf("PING got %q", line)
		}
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Timeouts every test client uses: short, and honouring context deadlines.
const (
	dialTimeout = time.Second
	ioTimeout   = 2 * time.Second
)

// Client returns a go-redis client for the server that respects context
// deadlines and does not retry by itself, closed in t.Cleanup.
func (s *Server) Client(t testing.TB) *redis.Client {
	t.Helper()
	return closedAtEnd(t, redis.NewClient(s.Options()))
}

// closedAtEnd closes c when the test ends, and returns it.
func closedAtEnd[C interface{ Close() error }](t testing.TB, c C) C {
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Options are the options Client uses: the address, the password and TLS
// settings the server needs, short timeouts, no retries.
func (s *Server) Options() *redis.Options {
	return &redis.Options{Addr: s.Addr, Password: s.cfg.password,
		TLSConfig: s.TLSConfig(), ContextTimeoutEnabled: true,
		DialTimeout: dialTimeout, ReadTimeout: ioTimeout, WriteTimeout: ioTimeout, MaxRetries: -1}
}

// Do runs one command on the server on a connection of its own (for
// setting a deployment up: CLUSTER, SENTINEL, ACL ...).
func (s *Server) Do(ctx context.Context, args ...any) *redis.Cmd {
	o := s.Options()
	o.Protocol = 2
	c := redis.NewClient(o)
	defer c.Close()
	return c.Do(ctx, args...)
}

// waitFor polls cond every 20 ms until it returns nil or d passes, then
// fails the test with cond's last error.
func waitFor(t testing.TB, d time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redistest: %s not within %v: %v", what, d, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
