package wrapper

import (
	"context"
	"iter"
)

// fetchPage gets one page of a list: its items, and whether the answer says
// there is a next page.
type fetchPage[T any] func(ctx context.Context, page, size int) (items []T, more bool, err error)

// paginate walks a paginated list for the generated All methods. It asks
// for page 1, 2, 3, ... by number, each through fetch (so through the
// generated method, on the client's base URL); the API's next link is used
// only as a sign that one more page exists and is never requested. It stops
// after a page without a next link or without items (an empty page that
// claims a successor would otherwise loop forever), when the consumer stops
// ranging, or at the first error, which it yields once. It checks ctx
// before every request and holds one page at a time.
func paginate[T any](ctx context.Context, size int, fetch fetchPage[T]) iter.Seq2[T, error] {
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

// pageSize is the page size to ask for: the caller's, clamped to 1..max,
// or max when the caller set none (nil or not positive).
func pageSize(p *int, max int) int {
	if p == nil || *p < 1 || *p > max {
		return max
	}
	return *p
}

// failed is an iterator that yields err once: an All method's answer to
// input it refused before sending anything.
func failed[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}

// hasNext reports whether a list answer's next link is present: set, not
// null and not empty.
func hasNext(next *string) bool { return next != nil && *next != "" }
