package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cluster is a running Redis Cluster: three primaries with one replica each,
// made by redis-cli --cluster create, with a 1 s node timeout so that a
// replica takes over a dead primary within a few seconds.
type Cluster struct {
	// Nodes are the six servers, in the order given to redis-cli.
	Nodes []*Server
}

// StartCluster starts six cluster-enabled servers, joins them into a
// Cluster with redis-cli, and waits until every slot is served and every
// replica is in sync. opts apply to every node (a password or TLS is not
// supported here). Everything is killed in t.Cleanup.
func StartCluster(t testing.TB, opts ...Option) *Cluster {
	t.Helper()
	need(t, "redis-server", "redis-cli")
	cfg := configOf(config{cluster: true}, opts)
	dir := t.TempDir()
	c := &Cluster{}
	for i := range 6 {
		c.Nodes = append(c.Nodes, startServer(t, mkdir(t, filepath.Join(dir, "node"+strconv.Itoa(i))), cfg, ""))
	}
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", "1", "--cluster-yes")
	if out, err := exec.Command("redis-cli", args...).CombinedOutput(); err != nil {
		t.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, lastLines(string(out), 10))
	}
	ctx := context.Background()
	waitFor(t, 30*time.Second, "cluster ready", func() error {
		for _, s := range c.Nodes {
			info, err := s.Do(ctx, "CLUSTER", "INFO").Text()
			if err != nil {
				return err
			}
			if !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_known_nodes:6") {
				return fmt.Errorf("%s: %s", s.Addr, firstLine(info))
			}
			repl, err := s.Do(ctx, "INFO", "replication").Text()
			if err != nil {
				return err
			}
			if strings.Contains(repl, "role:slave") && !strings.Contains(repl, "master_link_status:up") {
				return fmt.Errorf("replica %s not in sync", s.Addr)
			}
		}
		if n := len(c.primaries(ctx)); n != 3 {
			return fmt.Errorf("%d primaries", n)
		}
		return nil
	})
	return c
}

func mkdir(t testing.TB, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("redistest: %v", err)
	}
	return dir
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// Addrs are the nodes' addresses.
func (c *Cluster) Addrs() []string { return addrs(c.Nodes) }

// Options are the options Client uses: every node's address, short
// timeouts honouring context deadlines, no retries on a node, and
// go-redis's other defaults (among them a slot map re-read only every
// 60 s: recovering sooner after a failover is the library's job).
func (c *Cluster) Options() *redis.ClusterOptions {
	return &redis.ClusterOptions{Addrs: c.Addrs(), ContextTimeoutEnabled: true,
		DialTimeout: dialTimeout, ReadTimeout: ioTimeout, WriteTimeout: ioTimeout, MaxRetries: -1}
}

// Client returns a ClusterClient on every node, closed in t.Cleanup.
func (c *Cluster) Client(t testing.TB) *redis.ClusterClient {
	t.Helper()
	return closedAtEnd(t, redis.NewClusterClient(c.Options()))
}

// primaries maps the address of each primary some live node knows of to
// the slot ranges it serves.
func (c *Cluster) primaries(ctx context.Context) map[string][]redis.SlotRange {
	for _, s := range c.Nodes {
		if !s.Alive() {
			continue
		}
		rdb := redis.NewClient(s.Options())
		shards, err := rdb.ClusterShards(ctx).Result()
		_ = rdb.Close()
		if err != nil {
			continue
		}
		out := map[string][]redis.SlotRange{}
		for _, sh := range shards {
			for _, n := range sh.Nodes {
				if n.Role == "master" && n.Health == "online" && len(sh.Slots) > 0 {
					addr := net.JoinHostPort(n.IP, strconv.FormatInt(n.Port, 10))
					out[addr] = append(out[addr], sh.Slots...)
				}
			}
		}
		return out
	}
	return nil
}

// Primary returns the node that serves key's slot, as a live node sees it.
func (c *Cluster) Primary(t testing.TB, key string) *Server {
	t.Helper()
	s, err := c.primary(context.Background(), key)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	return s
}

func (c *Cluster) primary(ctx context.Context, key string) (*Server, error) {
	var slot int64 = -1
	for _, s := range c.Nodes {
		if s.Alive() {
			if n, err := s.Do(ctx, "CLUSTER", "KEYSLOT", key).Int64(); err == nil {
				slot = n
				break
			}
		}
	}
	if slot < 0 {
		return nil, errors.New("no live node replies to CLUSTER KEYSLOT")
	}
	for addr, ranges := range c.primaries(ctx) {
		for _, r := range ranges {
			if r.Start <= slot && slot <= r.End {
				for _, s := range c.Nodes {
					if s.Addr == addr {
						return s, nil
					}
				}
			}
		}
	}
	return nil, fmt.Errorf("no primary serves slot %d of %q", slot, key)
}

// WaitFailover waits until a live node other than old serves key's slot as
// its primary and the cluster says it is whole again, and returns it.
func (c *Cluster) WaitFailover(t testing.TB, key string, old *Server, within time.Duration) *Server {
	t.Helper()
	ctx := context.Background()
	var now *Server
	waitFor(t, within, "cluster failover", func() error {
		s, err := c.primary(ctx, key)
		if err != nil {
			return err
		}
		if s == old || !s.Alive() {
			return fmt.Errorf("slot still on %s", s.Addr)
		}
		info, err := s.Do(ctx, "CLUSTER", "INFO").Text()
		if err != nil {
			return err
		}
		if !strings.Contains(info, "cluster_state:ok") {
			return errors.New(firstLine(info))
		}
		now = s
		return nil
	})
	return now
}
