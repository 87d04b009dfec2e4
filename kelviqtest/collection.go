package kelviqtest

import (
	"iter"
	"maps"
	"net/http"
	"slices"
)

// collection is an organization's (or the state's) objects of one kind:
// kept in the order they were added, which is creation order, and found by
// key. Its zero value is empty and ready to use. The caller holds the
// state's lock.
type collection[K comparable, V any] struct {
	items []*V
	byKey map[K]*V
}

// add appends v under key k.
func (c *collection[K, V]) add(k K, v *V) {
	if c.byKey == nil {
		c.byKey = map[K]*V{}
	}
	c.items = append(c.items, v)
	c.byKey[k] = v
}

// get returns the object under k, or nil.
func (c *collection[K, V]) get(k K) *V { return c.byKey[k] }

// lookup returns the object under k, or responds with 404 {"detail": detail} and
// returns nil (see the package's lookup).
func (c *collection[K, V]) lookup(w http.ResponseWriter, k K, detail string) *V {
	return lookup(w, c.byKey, k, detail)
}

// all is the objects in the order they were added, oldest first.
func (c *collection[K, V]) all() iter.Seq2[int, *V] { return slices.All(c.items) }

// newestFirst is the objects newest first.
func (c *collection[K, V]) newestFirst() iter.Seq2[int, *V] { return slices.Backward(c.items) }

// keys is the keys in use, in no particular order.
func (c *collection[K, V]) keys() iter.Seq[K] { return maps.Keys(c.byKey) }

// remove drops the object under k, if there is one, keeping the others'
// order.
func (c *collection[K, V]) remove(k K) {
	v, ok := c.byKey[k]
	if !ok {
		return
	}
	delete(c.byKey, k)
	c.items = slices.DeleteFunc(c.items, func(x *V) bool { return x == v })
}

// listed is view(v) for each object v of seq that keep keeps, in seq's
// order: a list response's items before paging. An empty list is [], never
// nil, so that it encodes as an empty JSON array.
func listed[V, T any](seq iter.Seq2[int, *V], keep func(*V) bool, view func(*V) T) []T {
	out := []T{}
	for _, v := range seq {
		if keep(v) {
			out = append(out, view(v))
		}
	}
	return out
}
