package redistest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelMaster is the name the sentinels of StartSentinel monitor.
const SentinelMaster = "kelviq"

// Sentinel is a running Sentinel set: one primary, two replicas and three
// sentinels with a quorum of two, that consider a primary down after 1 s.
type Sentinel struct {
	// Data are the primary (first, at start) and its two replicas.
	Data []*Server
	// Sentinels are the three sentinels.
	Sentinels []*Server
}

// StartSentinel starts the primary, its replicas (in sync before it
// returns) and the sentinels (once each knows both replicas and both other
// sentinels). opts apply to the data servers. Everything is killed in
// t.Cleanup.
func StartSentinel(t testing.TB, opts ...Option) *Sentinel {
	t.Helper()
	need(t, "redis-server")
	cfg := configOf(config{}, opts)
	dir := t.TempDir()
	st := &Sentinel{}
	primary := startServer(t, mkdir(t, filepath.Join(dir, "data0")), cfg, "")
	st.Data = append(st.Data, primary)
	for i := 1; i <= 2; i++ {
		rc := cfg
		rc.args = append(append([]string(nil), cfg.args...), "--replicaof", "127.0.0.1", strconv.Itoa(primary.port))
		st.Data = append(st.Data, startServer(t, mkdir(t, filepath.Join(dir, "data"+strconv.Itoa(i))), rc, ""))
	}
	ctx := context.Background()
	waitFor(t, 20*time.Second, "replicas in sync", func() error {
		for _, s := range st.Data[1:] {
			repl, err := s.Do(ctx, "INFO", "replication").Text()
			if err != nil {
				return err
			}
			if !strings.Contains(repl, "master_link_status:up") {
				return fmt.Errorf("replica %s not in sync", s.Addr)
			}
		}
		return nil
	})
	for i := range 3 {
		sdir := mkdir(t, filepath.Join(dir, "sentinel"+strconv.Itoa(i)))
		conf := filepath.Join(sdir, "sentinel.conf")
		text := fmt.Sprintf("sentinel monitor %[1]s 127.0.0.1 %[2]d 2\n"+
			"sentinel down-after-milliseconds %[1]s 1000\n"+
			"sentinel failover-timeout %[1]s 10000\n"+
			"sentinel parallel-syncs %[1]s 2\n", SentinelMaster, primary.port)
		if cfg.password != "" {
			text += fmt.Sprintf("sentinel auth-pass %s %s\n", SentinelMaster, cfg.password)
		}
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			t.Fatalf("redistest: %v", err)
		}
		st.Sentinels = append(st.Sentinels, startServer(t, sdir, config{}, conf))
	}
	waitFor(t, 30*time.Second, "sentinels ready", func() error {
		for _, s := range st.Sentinels {
			for what, want := range map[string]int{"replicas": 2, "sentinels": 2} {
				v, err := s.Do(ctx, "SENTINEL", what, SentinelMaster).Slice()
				if err != nil {
					return err
				}
				if len(v) != want {
					return fmt.Errorf("sentinel %s knows %d %s", s.Addr, len(v), what)
				}
			}
		}
		return nil
	})
	return st
}

// SentinelAddrs are the sentinels' addresses.
func (st *Sentinel) SentinelAddrs() []string { return addrs(st.Sentinels) }

// Options are the options Client uses: the sentinels, short timeouts
// honouring context deadlines, no retries.
func (st *Sentinel) Options() *redis.FailoverOptions {
	o := st.Data[0].Options()
	return &redis.FailoverOptions{MasterName: SentinelMaster, SentinelAddrs: st.SentinelAddrs(),
		Password: o.Password, TLSConfig: o.TLSConfig, ContextTimeoutEnabled: true,
		DialTimeout: dialTimeout, ReadTimeout: ioTimeout, WriteTimeout: ioTimeout, MaxRetries: -1}
}

// Client returns a client that finds the primary through the sentinels and
// follows a failover, closed in t.Cleanup.
func (st *Sentinel) Client(t testing.TB) *redis.Client {
	t.Helper()
	return closedAtEnd(t, redis.NewFailoverClient(st.Options()))
}

// primaryAddr is the primary's address as the first live sentinel says.
func (st *Sentinel) primaryAddr(ctx context.Context) (string, error) {
	var lastErr error
	for _, s := range st.Sentinels {
		if !s.Alive() {
			continue
		}
		v, err := s.Do(ctx, "SENTINEL", "get-master-addr-by-name", SentinelMaster).StringSlice()
		if err == nil && len(v) == 2 {
			return v[0] + ":" + v[1], nil
		}
		lastErr = err
	}
	return "", fmt.Errorf("no sentinel names the primary: %v", lastErr)
}

// Primary returns the data server the sentinels name as the primary.
func (st *Sentinel) Primary(t testing.TB) *Server {
	t.Helper()
	addr, err := st.primaryAddr(context.Background())
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	for _, s := range st.Data {
		if s.Addr == addr {
			return s
		}
	}
	t.Fatalf("redistest: the sentinels name %s, not one of the data servers", addr)
	return nil
}

// WaitFailover waits until the sentinels name a primary other than old and
// it says it is one, and returns it.
func (st *Sentinel) WaitFailover(t testing.TB, old *Server, within time.Duration) *Server {
	t.Helper()
	ctx := context.Background()
	var now *Server
	waitFor(t, within, "sentinel failover", func() error {
		addr, err := st.primaryAddr(ctx)
		if err != nil {
			return err
		}
		if addr == old.Addr {
			return fmt.Errorf("the sentinels still name %s", addr)
		}
		for _, s := range st.Data {
			if s.Addr == addr {
				role, err := s.Do(ctx, "ROLE").Slice()
				if err != nil {
					return err
				}
				if len(role) == 0 || role[0] != "master" {
					return fmt.Errorf("%s is %v", addr, role)
				}
				now = s
				return nil
			}
		}
		return fmt.Errorf("the sentinels name %s, not one of the data servers", addr)
	})
	return now
}
