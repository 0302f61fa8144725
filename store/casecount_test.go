package store

import "testing"

// CaseCount, without the summaries (an export of every case), is the number of cases.
func TestCaseCountWithoutSummaries(t *testing.T) {
	s := demoStore(t, 30, 7)
	path := s.path
	if n, err := s.CaseCount(); err != nil || n != 30 {
		t.Fatalf("open for writing: %d cases, %v; want 30", n, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := Open(path, Options{ReadOnly: true, IndexOnDemand: true, NoSummaries: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n := st.Snapshot().Len(); n != 0 {
		t.Fatalf("%d summaries loaded", n)
	}
	if n, err := st.CaseCount(); err != nil || n != 30 {
		t.Fatalf("%d cases, %v; want 30", n, err)
	}
}
