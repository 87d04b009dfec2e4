package redisstore

import "strings"

// ACLRules returns the Redis ACL rules, one per argument of ACL SETUSER
// (after "on" and a password), that let a user do what a Cache with the given key prefix and
// a Queue with the given name do, and nothing else: those keys, the
// invalidation channel, and the commands below (scripts run their
// commands with the user's rights, so those are listed too). Pass "" for
// the one you do not use. On a Cluster, add +cluster|slots +cluster|shards
// +readonly so that go-redis can learn the slot map.
//
// For a prefix "kelviq:" and a queue "{acme:usage}" they are:
//
//	resetkeys resetchannels -@all +ping +hello +auth +eval +evalsha
//	~kelviq:* &kelviq:ent:invalidated +hmget +hget +hset +del +pttl
//	+pexpire +publish +subscribe +unsubscribe +set +get ~{acme:usage}*
//	+xgroup|create +xgroup|delconsumer +xinfo|consumers +xadd +xlen
//	+xautoclaim +xreadgroup +xpending +xclaim +xack +xdel +xrange +hdel
//	+wait +hincrby +time +zadd +zrem +zscore +zrange +zrangebyscore +rpush
//	+lrange +lindex +llen +ltrim
func ACLRules(cachePrefix, queueName string) []string {
	rules := []string{"resetkeys", "resetchannels", "-@all",
		"+ping", "+hello", "+auth", "+eval", "+evalsha"}
	if cachePrefix != "" {
		rules = append(rules, "~"+globEscape(cachePrefix)+"*", "&"+globEscape(cachePrefix+"ent:invalidated"),
			"+hmget", "+hget", "+hset", "+del", "+pttl", "+pexpire", "+publish", "+subscribe", "+unsubscribe",
			"+set", "+get")
	}
	if queueName != "" {
		rules = append(rules, "~"+globEscape(queueName)+"*",
			"+xgroup|create", "+xgroup|delconsumer", "+xinfo|consumers", "+xadd", "+xlen", "+xautoclaim",
			"+xreadgroup", "+xpending", "+xclaim", "+xack", "+xdel", "+xrange", "+hmget", "+hset", "+hdel",
			"+get", "+set", "+pexpire", "+wait", "+hget", "+hincrby", "+time", "+zadd", "+zrem", "+zscore",
			"+zrange", "+zrangebyscore", "+rpush", "+lrange", "+lindex", "+llen", "+ltrim")
	}
	seen := map[string]bool{}
	out := rules[:0]
	for _, r := range rules {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}

// globEscape quotes the characters Redis's glob patterns give a meaning.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
