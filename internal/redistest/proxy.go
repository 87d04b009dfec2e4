package redistest

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// Proxy forwards TCP connections to a server and can lose its replies: the
// way to show what a client does when Redis ran a command but the reply
// never arrived (a restart, a failover, a cut network).
type Proxy struct {
	// Addr is the proxy's host:port on 127.0.0.1.
	Addr string

	target string
	cut    atomic.Int64
	l      net.Listener
	wg     sync.WaitGroup
}

// NewProxy listens on a free loopback port and forwards to target, until
// the test ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("redistest: proxy: %v", err)
	}
	p := &Proxy{Addr: l.Addr().String(), target: target, l: l}
	p.wg.Go(p.serve)
	t.Cleanup(func() { l.Close(); p.wg.Wait() })
	return p
}

// CutReplies makes the proxy drop the next n replies from the server: each
// time, the bytes are thrown away and the client's connection is closed.
func (p *Proxy) CutReplies(n int) { p.cut.Store(int64(n)) }

// Cut is how many replies are still to be dropped.
func (p *Proxy) Cut() int { return int(p.cut.Load()) }

func (p *Proxy) serve() {
	var conns sync.WaitGroup
	defer conns.Wait()
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		conns.Go(func() { p.forward(c) })
	}
}

func (p *Proxy) forward(c net.Conn) {
	defer c.Close()
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer s.Close()
	go func() { _, _ = io.Copy(s, c); s.Close() }()
	buf := make([]byte, 64<<10)
	for {
		n, err := s.Read(buf)
		if n > 0 {
			if p.cut.Add(-1) >= 0 {
				return // the server replied; the client never hears it
			}
			p.cut.Store(0)
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
