package redisstore

import (
	"slices"
	"strings"
	"testing"
)

func TestACLRules(t *testing.T) {
	got := ACLRules("t[1]*:", "{q?}")
	for _, want := range []string{`~t\[1\]\*:*`, `&t\[1\]\*:ent:invalidated`, `~{q\?}*`, "+xadd", "+hmget", "-@all"} {
		if !slices.Contains(got, want) {
			t.Errorf("ACLRules lacks %q: %v", want, got)
		}
	}
	if n := strings.Count(strings.Join(got, " "), "+hmget"); n != 1 {
		t.Errorf("+hmget %d times", n)
	}
	if cache := ACLRules("kelviq:", ""); slices.Contains(cache, "+xadd") || slices.ContainsFunc(cache, func(r string) bool { return strings.HasPrefix(r, "~{") }) {
		t.Errorf("cache-only rules allow the queue: %v", cache)
	}
}
