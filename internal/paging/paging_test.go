package paging

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestPageSize(t *testing.T) {
	for _, tc := range []struct {
		p    *int
		want int
	}{{nil, 100}, {new(0), 100}, {new(-1), 100}, {new(1), 1}, {new(37), 37}, {new(100), 100}, {new(101), 101}} {
		if got := Size(tc.p, 100); got != tc.want {
			t.Errorf("Size(%v) = %d, want %d", val(tc.p), got, tc.want)
		}
	}
}

func TestHasNext(t *testing.T) {
	empty, next := "", "https://x/?page=2"
	if HasNext(nil) || HasNext(&empty) {
		t.Error("hasNext true for an absent, null or empty next")
	}
	if !HasNext(&next) {
		t.Error("hasNext false for a next link")
	}
}

// fakePages returns a Fetch over pages of strings; more is reported
// per page.
type fakePages struct {
	pages [][]string
	more  []bool
	errAt int // 1-based page that fails; 0 for none
	calls []int
}

func (f *fakePages) fetch(_ context.Context, page, size int) ([]string, bool, error) {
	f.calls = append(f.calls, page)
	if page == f.errAt {
		return nil, false, errors.New("boom")
	}
	if page > len(f.pages) {
		return nil, false, nil
	}
	return f.pages[page-1], f.more[page-1], nil
}

func collect(seq func(func(string, error) bool)) (items []string, errs []error) {
	for it, err := range seq {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		items = append(items, it)
	}
	return items, errs
}

func TestPaginate(t *testing.T) {
	ctx := context.Background()
	t.Run("until no next", func(t *testing.T) {
		f := &fakePages{pages: [][]string{{"a", "b"}, {"c"}}, more: []bool{true, false}}
		items, errs := collect(Walk(ctx, 2, f.fetch))
		if strings.Join(items, "") != "abc" || len(errs) != 0 || len(f.calls) != 2 {
			t.Fatalf("items %v errs %v calls %v", items, errs, f.calls)
		}
	})
	t.Run("empty page with next stops", func(t *testing.T) {
		f := &fakePages{pages: [][]string{{"a"}, {}, {"z"}}, more: []bool{true, true, false}}
		items, errs := collect(Walk(ctx, 1, f.fetch))
		if strings.Join(items, "") != "a" || len(errs) != 0 || len(f.calls) != 2 {
			t.Fatalf("items %v errs %v calls %v", items, errs, f.calls)
		}
	})
	t.Run("error yielded once", func(t *testing.T) {
		f := &fakePages{pages: [][]string{{"a"}, {"b"}, {"c"}}, more: []bool{true, true, false}, errAt: 2}
		items, errs := collect(Walk(ctx, 1, f.fetch))
		if strings.Join(items, "") != "a" || len(errs) != 1 || len(f.calls) != 2 {
			t.Fatalf("items %v errs %v calls %v", items, errs, f.calls)
		}
	})
	t.Run("break stops", func(t *testing.T) {
		f := &fakePages{pages: [][]string{{"a", "b"}, {"c"}}, more: []bool{true, false}}
		for it := range Walk(ctx, 2, f.fetch) {
			if it == "a" {
				break
			}
		}
		if len(f.calls) != 1 {
			t.Fatalf("calls %v", f.calls)
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		f := &fakePages{pages: [][]string{{"a"}}, more: []bool{false}}
		items, errs := collect(Walk(cctx, 1, f.fetch))
		if len(items) != 0 || len(errs) != 1 || !errors.Is(errs[0], context.Canceled) || len(f.calls) != 0 {
			t.Fatalf("items %v errs %v calls %v", items, errs, f.calls)
		}
	})
	t.Run("failed", func(t *testing.T) {
		items, errs := collect(Failed[string](errors.New("bad")))
		if len(items) != 0 || len(errs) != 1 {
			t.Fatalf("items %v errs %v", items, errs)
		}
	})
}

func val(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}
