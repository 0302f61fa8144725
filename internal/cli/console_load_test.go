package cli

import (
	"path/filepath"
	"testing"
	"time"

	"repairdesk/internal/office"
	"repairdesk/store"
)

// TestDemoConsoleDoesNotWaitForTheLoad: `repairdesk --demo` on a big demo database asked
// whether it was empty through Store.Snapshot, which waits for every case to load, so the
// console's first frame came only after the whole load (5 s at a million cases). The
// question is answered from the cases loaded so far.
func TestDemoConsoleDoesNotWaitForTheLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.db")
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := office.GenerateDemo(st, 150, 7); err != nil {
		t.Fatal(err)
	}
	st.Close()
	paused, release := make(chan struct{}), make(chan struct{})
	first := true
	st, err = store.Open(path, store.Options{LoadFirst: 20, LoadPause: func(int) {
		if first { // the loader stops after its first later batch until the test ends
			first = false
			close(paused)
			<-release
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	defer close(release)
	<-paused
	answer := make(chan bool, 1)
	go func() { answer <- demoEmpty(st) }()
	select {
	case empty := <-answer:
		if empty {
			t.Fatal("a demo database of 150 cases was taken for empty while it loads")
		}
	case <-time.After(10 * time.Second): // the loader is held: only a wait for it gets here
		t.Fatal("asking whether the demo database is empty waited for every case to load")
	}
}
