package wrapper

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// ForOrganization and With copy the settings New checked: options are not
// run again, and each copy sends its own server key and nothing else of
// the other copies'.
func TestCopiesDoNotReplayOptions(t *testing.T) {
	t.Parallel()
	var seen sync.Map // Authorization header → count
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := seen.LoadOrStore(r.Header.Get("Authorization"), new(atomic.Int64))
		n.(*atomic.Int64).Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"count":0,"next":null,"previous":null,"results":[]}`))
	}))
	t.Cleanup(srv.Close)

	var runs atomic.Int64
	counted := func(s *settings) error { runs.Add(1); return nil }
	c, err := New(counted, WithBaseURL(srv.URL+"/api/v1"), WithoutEnvKeys(), WithServerKey("sk_parent"), WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := "sk_org_" + string(rune('a'+i))
			org, err := c.ForOrganization(&PartnerOrganization{ServerKey: NewSecret(key)})
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := org.Customers.List(t.Context(), nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	w, err := c.With(WithUserAgent("acme/1"))
	if err != nil {
		t.Fatal(err)
	}
	if got := runs.Load(); got != 1 {
		t.Errorf("the first option ran %d times; New runs it once and copies never again", got)
	}
	for _, cl := range []*Client{c, w} {
		if _, err := cl.Customers.List(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 16 {
		h := "Bearer sk_org_" + string(rune('a'+i))
		if n, ok := seen.Load(h); !ok || n.(*atomic.Int64).Load() != 1 {
			t.Errorf("organization %d's key was not sent exactly once", i)
		}
	}
	if n, ok := seen.Load("Bearer sk_parent"); !ok || n.(*atomic.Int64).Load() != 2 {
		t.Errorf("the parent's key should be sent by the parent and by its With copy, twice")
	}
	if c.send.serverKey.Reveal() != "sk_parent" {
		t.Error("ForOrganization changed the parent's key")
	}
	if w.send.userAgent == c.send.userAgent {
		t.Error("With's option did not apply")
	}
}
