package redisstore

import (
	"context"
	"errors"
	"net"
	"strings"
	"syscall"

	"github.com/redis/go-redis/v9"
)

// hasHashTag reports whether key has a Redis Cluster hash tag: a "{" with
// a non-empty run up to the next "}". Only that run is hashed, so keys
// that share it share a slot.
func hasHashTag(key string) bool {
	_, rest, ok := strings.Cut(key, "{")
	if !ok {
		return false
	}
	end := strings.IndexByte(rest, '}')
	return end > 0
}

// sharded reports whether rdb spreads keys over several servers by slot,
// so that the keys of one script must share a hash tag.
func sharded(rdb redis.UniversalClient) bool {
	switch rdb.(type) {
	case *redis.ClusterClient, *redis.Ring:
		return true
	}
	return false
}

// noteErr makes a ClusterClient re-read its slot map after an error that a
// failover or resharding causes: a node that cannot be reached, or a
// reply saying the slot moved or is not served. go-redis does so itself
// only for MOVED, ASK and READONLY replies and otherwise every
// ClusterStateReloadInterval (60 s by default), so without this a dead
// primary's slots stay unusable for up to a minute after its replica took
// over. The reload runs in the background, at most about every 200 ms.
func noteErr(rdb redis.UniversalClient, err error) {
	cc, ok := rdb.(*redis.ClusterClient)
	if !ok || err == nil || !topologyError(err) {
		return
	}
	cc.ReloadState(context.Background())
}

// topologyError reports whether err may mean that the server asked is no
// longer the one to ask: it cannot be reached, or it says so.
func topologyError(err error) bool {
	if errors.Is(err, redis.Nil) || errors.Is(err, context.Canceled) {
		return false
	}
	var rerr redis.Error
	if errors.As(err, &rerr) {
		return replyFromWrongServer(rerr.Error())
	}
	return true // the network, a timeout, a closed pool
}

// replyFromWrongServer reports whether an error reply is one a server
// gives when it is not (or not yet, or no longer) the one serving the key.
func replyFromWrongServer(msg string) bool {
	for _, p := range []string{"MOVED ", "ASK ", "CLUSTERDOWN", "READONLY", "LOADING", "TRYAGAIN", "MASTERDOWN"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// notSent reports whether err shows that a command never reached Redis: no
// connection could be had (refused, or the context ended while go-redis
// was still dialling or waiting for a pooled connection). An error after
// the command was written comes from the connection (a *net.OpError on
// read or write, io.EOF), never bare from the context.
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) {
		return op.Op == "dial"
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, redis.ErrPoolTimeout) || errors.Is(err, redis.ErrClosed) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// replied reports whether err is a reply from Redis (the command ran, or
// was refused as a whole, and Redis said which), not a failure to hear one.
func replied(err error) bool {
	var rerr redis.Error
	return errors.As(err, &rerr)
}
