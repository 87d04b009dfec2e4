package wrapper

import (
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/kelviq/kelviq-go/api"
)

// Every operation has exactly one method, and that method exists on the
// Client where serviceMethods says.
func TestServiceMethodsCoverOperations(t *testing.T) {
	c, err := New(WithoutEnvKeys())
	if err != nil {
		t.Fatal(err)
	}
	if len(serviceMethods) != len(Operations()) {
		t.Errorf("serviceMethods has %d entries, the API %d operations", len(serviceMethods), len(Operations()))
	}
	seen := map[string]string{}
	for _, op := range Operations() {
		path, ok := serviceMethods[op.ID]
		if !ok {
			t.Errorf("operation %s has no method", op.ID)
			continue
		}
		if prev, dup := seen[path]; dup {
			t.Errorf("%s calls both %s and %s", path, prev, op.ID)
		}
		seen[path] = op.ID
		v := reflect.ValueOf(c)
		parts := strings.Split(path, ".")
		for _, field := range parts[:len(parts)-1] {
			v = reflect.Indirect(v).FieldByName(field)
			if !v.IsValid() || v.IsNil() {
				t.Fatalf("%s: Client has no %s (or it is nil)", path, field)
			}
		}
		if !v.MethodByName(parts[len(parts)-1]).IsValid() {
			t.Errorf("%s: no method %s", path, parts[len(parts)-1])
		}
	}
}

func TestPageSize(t *testing.T) {
	for _, tc := range []struct {
		p    *int
		want int
	}{{nil, 100}, {new(0), 100}, {new(-1), 100}, {new(1), 1}, {new(37), 37}, {new(100), 100}, {new(101), 100}} {
		if got := pageSize(tc.p, 100); got != tc.want {
			t.Errorf("pageSize(%v) = %d, want %d", Deref(tc.p), got, tc.want)
		}
	}
}

func TestHasNext(t *testing.T) {
	empty, next := "", "https://x/?page=2"
	if hasNext(nil) || hasNext(&empty) {
		t.Error("hasNext true for an absent, null or empty next")
	}
	if !hasNext(&next) {
		t.Error("hasNext false for a next link")
	}
}

// fakePages returns a fetchPage over pages of strings; more is reported
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
		items, errs := collect(paginate(ctx, 2, f.fetch))
		if strings.Join(items, "") != "abc" || len(errs) != 0 || len(f.calls) != 2 {
			t.Fatalf("items %v errs %v calls %v", items, errs, f.calls)
		}
	})
	t.Run("empty page with next stops", func(t *testing.T) {
		f := &fakePages{pages: [][]string{{"a"}, {}, {"z"}}, more: []bool{true, true, false}}
		items, errs := collect(paginate(ctx, 1, f.fetch))
		if strings.Join(items, "") != "a" || len(errs) != 0 || len(f.calls) != 2 {
			t.Fatalf("items %v errs %v calls %v", items, errs, f.calls)
		}
	})
	t.Run("error yielded once", func(t *testing.T) {
		f := &fakePages{pages: [][]string{{"a"}, {"b"}, {"c"}}, more: []bool{true, true, false}, errAt: 2}
		items, errs := collect(paginate(ctx, 1, f.fetch))
		if strings.Join(items, "") != "a" || len(errs) != 1 || len(f.calls) != 2 {
			t.Fatalf("items %v errs %v calls %v", items, errs, f.calls)
		}
	})
	t.Run("break stops", func(t *testing.T) {
		f := &fakePages{pages: [][]string{{"a", "b"}, {"c"}}, more: []bool{true, false}}
		for it := range paginate(ctx, 2, f.fetch) {
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
		items, errs := collect(paginate(cctx, 1, f.fetch))
		if len(items) != 0 || len(errs) != 1 || !errors.Is(errs[0], context.Canceled) || len(f.calls) != 0 {
			t.Fatalf("items %v errs %v calls %v", items, errs, f.calls)
		}
	})
	t.Run("failed", func(t *testing.T) {
		items, errs := collect(failed[string](errors.New("bad")))
		if len(items) != 0 || len(errs) != 1 {
			t.Fatalf("items %v errs %v", items, errs)
		}
	})
}

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func answer(status int, header http.Header, body string) (*http.Response, *closeRecorder) {
	rc := &closeRecorder{Reader: strings.NewReader(body)}
	req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/api/v1/catalog/plans/p/file/x/download/", nil)
	if header == nil {
		header = http.Header{}
	}
	return &http.Response{StatusCode: status, Header: header, Body: rc, Request: req}, rc
}

func TestRedirectLocation(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		location string
		want     string // "" means an ErrDecode
	}{
		{"absolute", 302, "https://files.example.com/f?sig=1", "https://files.example.com/f?sig=1"},
		{"relative", 302, "/signed/f?sig=2", "https://api.example.com/signed/f?sig=2"},
		{"no location", 302, "", ""},
		{"not http", 302, "javascript:alert(1)", ""},
		{"followed", 200, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.location != "" {
				h.Set("Location", tc.location)
			}
			resp, rc := answer(tc.status, h, "moved")
			u, err := redirectLocation(resp, nil)
			if !rc.closed {
				t.Error("body not closed")
			}
			if tc.want == "" {
				if !errors.Is(err, ErrDecode) {
					t.Fatalf("err = %v, want ErrDecode", err)
				}
				return
			}
			if err != nil || u.String() != tc.want {
				t.Fatalf("got %v, %v; want %s", u, err, tc.want)
			}
		})
	}
	boom := errors.New("boom")
	if _, err := redirectLocation(nil, boom); err != boom {
		t.Errorf("err = %v, want the transport's", err)
	}
}

func TestDecodeRawAndNoContent(t *testing.T) {
	resp, rc := answer(200, nil, ` {"a":1} `)
	raw, err := decodeRaw(resp, nil)
	if err != nil || string(raw) != ` {"a":1} ` || !rc.closed {
		t.Fatalf("raw %q err %v closed %t", raw, err, rc.closed)
	}
	resp, _ = answer(200, nil, "")
	if raw, err := decodeRaw(resp, nil); raw != nil || err != nil {
		t.Fatalf("empty body: %q, %v", raw, err)
	}
	resp, _ = answer(200, nil, "<html>")
	if _, err := decodeRaw(resp, nil); !errors.Is(err, ErrDecode) {
		t.Fatalf("err = %v, want ErrDecode", err)
	}
	resp, rc = answer(204, nil, "")
	if err := noContent(resp, nil); err != nil || !rc.closed {
		t.Fatalf("noContent: %v, closed %t", err, rc.closed)
	}
	boom := errors.New("boom")
	if err := noContent(nil, boom); err != boom {
		t.Fatalf("noContent err = %v", err)
	}
}

func TestDeref(t *testing.T) {
	if Deref[string](nil) != "" || Deref(new(7)) != 7 {
		t.Error("Deref")
	}
	var list *[]int
	if Deref(list) != nil {
		t.Error("Deref of a nil slice pointer")
	}
}

// A UUID path parameter is validated, naming the spec's parameter, before
// any I/O: the client here has no server at all.
func TestServiceValidationNamesSpecParam(t *testing.T) {
	c, err := New(WithoutEnvKeys(), WithBaseURL("https://127.0.0.1:1/api/v1"), WithServerKey("sk"), WithDoer(doerFunc(func(*http.Request) (*http.Response, error) {
		t.Fatal("request sent")
		return nil, nil
	})))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Catalog.Plans.UpdateFile(context.Background(), "plan", "nope", api.PlanFileUpdateRequest{})
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != "pk" {
		t.Fatalf("err = %v, want a ValidationError on pk", err)
	}
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }
