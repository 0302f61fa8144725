package search

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

func TestTmpPar(t *testing.T) {
	ix := New()
	ix.Upsert(genDocs(100000)...)
	qs := append([]string{}, benchQueries...)
	for _, p := range []int{1, 2} {
		runtime.GOMAXPROCS(p)
		line := ""
		var sum time.Duration
		for _, q := range qs {
			best := time.Hour
			for range 7 {
				t0 := time.Now()
				ix.Search(q, nil, 50)
				best = min(best, time.Since(t0))
			}
			sum += best
			line += fmt.Sprintf("%s=%.1f ", q, float64(best)/1e6)
		}
		t.Logf("P=%d sum=%v %s", p, sum, line)
	}
}
