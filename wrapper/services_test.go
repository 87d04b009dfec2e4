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
		path, ok := serviceMethods[op.ID()]
		if !ok {
			t.Errorf("operation %s has no method", op.ID())
			continue
		}
		if prev, dup := seen[path]; dup {
			t.Errorf("%s calls both %s and %s", path, prev, op.ID())
		}
		seen[path] = op.ID()
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

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func cannedResponse(status int, header http.Header, body string) (*http.Response, *closeRecorder) {
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
			resp, rc := cannedResponse(tc.status, h, "moved")
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
	resp, rc := cannedResponse(200, nil, ` {"a":1} `)
	raw, err := decodeRaw(resp, nil)
	if err != nil || string(raw) != ` {"a":1} ` || !rc.closed {
		t.Fatalf("raw %q err %v closed %t", raw, err, rc.closed)
	}
	resp, _ = cannedResponse(200, nil, "")
	if raw, err := decodeRaw(resp, nil); raw != nil || err != nil {
		t.Fatalf("empty body: %q, %v", raw, err)
	}
	resp, _ = cannedResponse(200, nil, "<html>")
	if _, err := decodeRaw(resp, nil); !errors.Is(err, ErrDecode) {
		t.Fatalf("err = %v, want ErrDecode", err)
	}
	resp, rc = cannedResponse(204, nil, "")
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
