package sorted

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestAgainstSort: any sequence of inserts, deletes and replaces keeps the list equal to
// the same elements sorted afresh, and Replace never touches the list it was given.
func TestAgainstSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	desc := func(a, b *int) int { return cmp.Compare(*b, *a) }
	var list []*int
	have := map[int]*int{}
	for step := range 3000 {
		v := r.IntN(400)
		p, ok := have[v]
		switch step % 3 {
		case 0:
			if !ok {
				p = new(int)
				*p = v
				have[v] = p
				var i int
				list, i = Insert(list, p, desc)
				if list[i] != p {
					t.Fatalf("Insert reported index %d for %d, which holds %d", i, v, *list[i])
				}
			}
		case 1:
			if !ok { // an element equal to none in the list
				p = new(int)
				*p = v
			}
			var gone bool
			list, _, gone = Delete(list, p, desc)
			if gone != ok {
				t.Fatalf("Delete(%d) = %v, want %v", v, gone, ok)
			}
			delete(have, v)
		case 2:
			before := slices.Clone(list)
			q := new(int)
			*q = r.IntN(400)
			if _, dup := have[*q]; dup {
				continue
			}
			next := Replace(list, p, q, desc)
			if !slices.Equal(before, list) {
				t.Fatal("Replace changed the list it was given")
			}
			list = next
			delete(have, v)
			have[*q] = q
		}
		want := make([]int, 0, len(have))
		for k := range have {
			want = append(want, k)
		}
		slices.SortFunc(want, func(a, b int) int { return cmp.Compare(b, a) })
		got := make([]int, len(list))
		for i, p := range list {
			got[i] = *p
		}
		if !slices.Equal(got, want) {
			t.Fatalf("step %d: list %v, want %v", step, got, want)
		}
	}
}
