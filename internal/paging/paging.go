// Package paging walks the API's page-numbered lists for the generated All
// methods and Call's paging form.
package paging

import (
	"context"
	"iter"
)

// Fetch gets one page of a list: its items, and whether the response says
// there is a next page.
type Fetch[T any] func(ctx context.Context, page, size int) (items []T, more bool, err error)

// Walk asks for page 1, 2, 3, ... by number, each through fetch (so through
// the generated method, on the client's base URL); the API's next link is
// used only as a sign that one more page exists and is never requested. It
// stops after a page without a next link or without items (an empty page
// that claims a successor would otherwise loop forever), when the consumer
// stops ranging, or at the first error, which it yields once. It checks ctx
// before every request and holds one page at a time.
func Walk[T any](ctx context.Context, size int, fetch Fetch[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for page := 1; ; page++ {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			items, more, err := fetch(ctx, page, size)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if !more || len(items) == 0 {
				return
			}
		}
	}
}

// Size is the page size to ask for: the caller's, or max when the caller
// set none (nil or not positive). A size over max is asked for as it is,
// so that the request engine refuses it (check.Query) as it refuses it
// from List and Call, and nothing is changed behind the caller's back.
func Size(p *int, max int) int {
	if p == nil || *p < 1 {
		return max
	}
	return *p
}

// Failed is an iterator that yields err once: an All method's reply to
// input it refused before sending anything.
func Failed[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}

// HasNext reports whether a list response's next link is present: set, not
// null and not empty.
func HasNext(next *string) bool { return next != nil && *next != "" }
