// Package sorted keeps slices sorted by a comparison as elements come and go: a binary
// search and a memmove per change. The store's shared queue views and every session's
// tab lists are edited with it, with the store's comparisons (store.ByNewest, ...).
package sorted

import "slices"

// Insert puts x into the sorted list (in place when there is room) and returns the list
// and x's index.
func Insert[S ~[]E, E any](list S, x E, cmp func(a, b E) int) (S, int) {
	i, _ := slices.BinarySearchFunc(list, x, cmp)
	return slices.Insert(list, i, x), i
}

// Delete removes x from the sorted list in place; ok is false (and the list unchanged)
// when x is not in it. i is where x was.
func Delete[S ~[]E, E any](list S, x E, cmp func(a, b E) int) (_ S, i int, ok bool) {
	if i, ok = slices.BinarySearchFunc(list, x, cmp); ok {
		return slices.Delete(list, i, i+1), i, true
	}
	return list, i, false
}

// Replace returns a new sorted list: list without out and with in (either may be the
// zero value: nothing to remove, nothing to add). list itself is not changed, so it may
// be shared with readers.
func Replace[S ~[]E, E comparable](list S, out, in E, cmp func(a, b E) int) S {
	var zero E
	res := make(S, 0, len(list)+1)
	if out != zero {
		if i, ok := slices.BinarySearchFunc(list, out, cmp); ok {
			res = append(append(res, list[:i]...), list[i+1:]...)
		} else {
			res = append(res, list...)
		}
	} else {
		res = append(res, list...)
	}
	if in != zero {
		res, _ = Insert(res, in, cmp)
	}
	return res
}
