package kelviqtest

import (
	"net/http"
	"strconv"
	"time"

	"github.com/oapi-codegen/nullable"
	openapi_types "github.com/oapi-codegen/runtime/types"
)

// page is one page of a list, in the shape of the API's paginated responses.
type page[T any] struct {
	Count    int                       `json:"count"`
	Next     nullable.Nullable[string] `json:"next"`
	Previous nullable.Nullable[string] `json:"previous"`
	Results  []T                       `json:"results"`
}

// paginate cuts items into the requested page as DRF's PageNumberPagination
// does: page starts at 1 (default 1), page_size defaults to the spec's
// default, next and previous are absolute URLs (previous of page 2 drops the
// page parameter) or null. A page past the end, other than an empty first
// page, is 404 {"detail": "Invalid page."}; ok is false once it has responded.
func paginate[T any](w http.ResponseWriter, r *http.Request, s *specIndex, items []T, pageNum, pageSize *int) (out page[T], ok bool) {
	size := 10
	if info := opFrom(r); info != nil {
		size = s.defaultPageSize(info)
		if pageSize != nil && *pageSize >= 1 {
			size = min(*pageSize, info.table.MaxPageSize())
		}
	}
	n := 1
	if pageNum != nil {
		n = *pageNum
	}
	pages := max(1, (len(items)+size-1)/size)
	if n < 1 || n > pages {
		writeDetail(w, http.StatusNotFound, "Invalid page.")
		return out, false
	}
	start := (n - 1) * size
	end := min(start+size, len(items))
	out.Count = len(items)
	out.Results = append(make([]T, 0, end-start), items[start:end]...)
	out.Next.SetNull()
	out.Previous.SetNull()
	if n < pages {
		out.Next.Set(pageURL(r, n+1))
	}
	if n > 1 {
		out.Previous.Set(pageURL(r, n-1))
	}
	return out, true
}

// writePage responds with 200 with the page of items the request asks for (see
// paginate).
func writePage[T any](w http.ResponseWriter, r *http.Request, s *specIndex, items []T, pageNum, pageSize *int) {
	if pg, ok := paginate(w, r, s, items, pageNum, pageSize); ok {
		writeJSON(w, http.StatusOK, pg)
	}
}

// writeLargestPage responds with the first page of items at the largest page
// size the operation allows, for lists that take no page parameters.
func writeLargestPage[T any](w http.ResponseWriter, r *http.Request, s *specIndex, items []T) {
	writePage(w, r, s, items, nil, ptr(opFrom(r).table.MaxPageSize()))
}

// pageURL is the request's absolute URL with its page parameter set to n
// (removed for page 1).
func pageURL(r *http.Request, n int) string {
	u := requestOrigin(r)
	u.Path, u.RawPath = r.URL.Path, r.URL.RawPath
	q := r.URL.Query()
	if n <= 1 {
		q.Del("page")
	} else {
		q.Set("page", strconv.Itoa(n))
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// inDates reports whether t falls between the start and end dates
// (inclusive) when given.
func inDates(t time.Time, start, end *openapi_types.Date) bool {
	if start != nil && t.Before(start.Time) {
		return false
	}
	if end != nil && !t.Before(end.Time.AddDate(0, 0, 1)) {
		return false
	}
	return true
}
