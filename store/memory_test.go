package store_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"repairdesk/store"
)

// TestLibraryLeavesGCAlone: no file of the store library (tests aside) changes the
// garbage collector's process-wide settings; that is the program's decision, told
// through Options.Memory.
func TestLibraryLeavesGCAlone(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files found: %v", err)
	}
	forbidden := map[string]bool{"SetGCPercent": true, "FreeOSMemory": true, "SetMemoryLimit": true}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok && forbidden[sel.Sel.Name] {
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "debug" {
					t.Errorf("%s: the store calls debug.%s, a process-wide setting: leave it to the program (Options.Memory)", fset.Position(sel.Pos()), sel.Sel.Name)
				}
			}
			return true
		})
	}
}

// TestMemoryHints: opening a store with cases calls Hold once for the load of the
// summaries and releases it before Open returns; without hints the store opens as well.
func TestMemoryHints(t *testing.T) {
	s, path, clk := newStore(t)
	create(t, s, ent{"河南信修商贸有限公司", "91410100MA40000001"})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var held, released atomic.Int32
	st, err := store.Open(path, store.Options{Now: clk.Now, Memory: store.MemoryHints{
		Hold: func() func() {
			held.Add(1)
			return func() { released.Add(1) }
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if held.Load() != 1 || released.Load() != 1 {
		t.Errorf("Hold called %d times, released %d times; want 1 and 1", held.Load(), released.Load())
	}
	if st.Snapshot().Len() != 1 {
		t.Errorf("%d summaries after open, want 1", st.Snapshot().Len())
	}
}
