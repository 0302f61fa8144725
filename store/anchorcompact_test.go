package store

import (
	"bytes"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
)

// compactEqualsWhole fails unless the compact replay of the log at path is the whole
// replay kept compactly: the same problems, entries and last entry, the same cases, and
// for each its number of anchored events, the entry of the last and the chain of their
// hashes. wantCompact: the log is one the compact replay keeps compact (no event
// anchored twice).
func compactEqualsWhole(t *testing.T, path string, pub []byte, wantCompact bool) *anchored {
	t.Helper()
	whole, err := replayAnchors(path, 0, pub, false, anchorsWhole)
	if err != nil {
		t.Fatal(err)
	}
	got, err := replayAnchors(path, 0, pub, false, anchorsCompact)
	if err != nil {
		t.Fatal(err)
	}
	if got.compact != wantCompact {
		t.Fatalf("compact replay kept compact: %v, want %v", got.compact, wantCompact)
	}
	if !reflect.DeepEqual(got.probs, whole.probs) {
		t.Fatalf("problems differ:\ncompact %v\nwhole   %v", got.probs, whole.probs)
	}
	if got.lines != whole.lines || !reflect.DeepEqual(got.last, whole.last) || got.prevHash != whole.prevHash || got.lastHeads.N != whole.lastHeads.N {
		t.Fatalf("the log's end differs: %d %+v / %d %+v", got.lines, got.last, whole.lines, whole.last)
	}
	n := 0
	got.eachCase(func(id uint32, cn int, last uint64) {
		n++
		wn, wlast, ok := whole.anchoredCount(id)
		if !ok || wn != cn || wlast != last {
			t.Fatalf("case %d: compact %d events (last #%d), whole %d (#%d, known %v)", id, cn, last, wn, wlast, ok)
		}
		ac := whole.cases[id]
		ch, ok := chainOf(len(ac.hashes), func(i int) string { return ac.hashes[i] })
		if got.compact && (!ok || ch != got.chains.of(got.at[id]).chain) {
			t.Fatalf("case %d: the chain of its hashes is not the whole replay's", id)
		}
	})
	if n != len(whole.cases) {
		t.Fatalf("compact replay has %d cases, whole %d", n, len(whole.cases))
	}
	return got
}

// The compact replay Check uses (per case the count, the last entry and a chain of the
// hashes) says what the whole replay says, on the log as written, with a head altered
// (not signed again: the line is decoded the old way), and written another way.
func TestCompactReplayIsTheWholeReplay(t *testing.T) {
	s := demoStore(t, 60, 5)
	log := AnchorLogPath(s.anchorFiles(), s.opts)
	pub, _ := s.anchorPub()
	compactEqualsWhole(t, log, pub, true)
	compactEqualsWhole(t, log, nil, true) // no key: every line decoded whole

	raw, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(raw, []byte("\n")), []byte("\n"))
	at := firstHeadsLine(t, lines)
	altered, hash := alterFirstHead(lines[at])
	an := compactEqualsWhole(t, writeLog(t, lines, at, altered), pub, true)
	if len(an.probs) != 1 || !strings.Contains(an.probs[0].What, "bad signature") {
		t.Fatalf("altered head: %v", an.probs)
	}
	spaced := append([]byte("{ "), lines[at][1:]...)
	compactEqualsWhole(t, writeLog(t, lines, at, spaced), pub, true)
	// A head in upper case: the same hash to a hex decoder, not to the whole replay,
	// which compares strings; the compact replay hands it to the whole one.
	upper := bytes.Clone(lines[at])
	copy(upper[hash:hash+64], bytes.ToUpper(upper[hash:hash+64]))
	compactEqualsWhole(t, writeLog(t, lines, at, upper), pub, false)
}

// An event anchored a second time — with the same hash (no problem) or another one
// (rolled back and written on) — can only be judged against the hash anchored first:
// the compact replay hands such a log to the whole replay, with the same findings.
func TestCompactReplayOfAnEventAnchoredTwice(t *testing.T) {
	s := demoStore(t, 40, 6)
	log := AnchorLogPath(s.anchorFiles(), s.opts)
	pub, _ := s.anchorPub()
	raw, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(raw, []byte("\n")), []byte("\n"))
	at := -1
	for i, line := range lines {
		if bytes.Contains(line, []byte(`"heads":["`)) {
			at = i
		}
	}
	again := append(slices2(lines), lines[at]) // the same line once more, at the end
	an := compactEqualsWhole(t, writeLog(t, again, -1, nil), pub, false)
	if len(an.probs) == 0 {
		t.Fatal("a line written twice is no problem at all")
	}
	h := bytes.Index(lines[at], []byte(`"heads":["`)) + len(`"heads":["`)
	other := bytes.Clone(lines[at])
	other[h+bytes.IndexByte(other[h:], '"')-1] ^= 1 // the last hex digit of its first head
	again[len(again)-1] = other
	an = compactEqualsWhole(t, writeLog(t, again, -1, nil), pub, false)
	found := false
	for _, p := range an.probs {
		found = found || strings.Contains(p.What, "anchored again with another hash")
	}
	if !found {
		t.Fatalf("an event anchored again with another hash is not found: %v", an.probs)
	}
}

func slices2(l [][]byte) [][]byte { return append([][]byte(nil), l...) }

// writeLog writes lines as a log (line at replaced by repl when at ≥ 0).
func writeLog(t *testing.T, lines [][]byte, at int, repl []byte) string {
	t.Helper()
	var b bytes.Buffer
	for i, l := range lines {
		if i == at {
			l = repl
		}
		b.Write(l)
		b.WriteByte('\n')
	}
	path := t.TempDir() + "/log"
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// parseAnchorHeadBytes accepts exactly the heads parseAnchorHead accepts, with the same
// id, sequence and hash.
func TestParseAnchorHeadBytesIsParseAnchorHead(t *testing.T) {
	hash := strings.Repeat("0123456789abcdef", 4)
	heads := []string{
		"1/1/" + hash, "007/02/" + hash, "4294967295/1/" + hash, "4294967296/1/" + hash,
		"1/0/" + hash, "1/-1/" + hash, "1/+3/" + hash, "1/++3/" + hash, "1/+/" + hash, "/1/" + hash,
		"1//" + hash, "1/1/" + hash[1:], "1/1/" + hash + "0", "1/1/" + hash[:63] + "/", "1/1/" + strings.ToUpper(hash),
		"a/1/" + hash, "1/a/" + hash, "1/1", "", "1/99999999999999999/" + hash, "1/999999999999999999/" + hash,
		"1/9999999999999999999/" + hash, "1/99999999999999999999/" + hash, "1/+999999999999999999/" + hash,
		"-1/1/" + hash, "+1/1/" + hash, "1 /1/" + hash, "1/1 /" + hash, "1/1/1/" + hash[2:],
	}
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "0123456789/+-af "
	for range 2000 {
		b := []byte("12/34/" + hash)
		for range 1 + r.IntN(3) {
			b[r.IntN(len(b))] = alphabet[r.IntN(len(alphabet))]
		}
		heads = append(heads, string(b))
	}
	for _, h := range heads {
		want, wok := parseAnchorHead(h)
		id, seq, hb, ok := parseAnchorHeadBytes([]byte(h))
		if ok != wok || ok && (id != want.id || seq != want.seq || string(hb) != want.hash) {
			t.Fatalf("%q: bytes %v %d %d %q, string %v %+v", h, ok, id, seq, hb, wok, want)
		}
	}
}

// A store opened for check (Options.NoSummaries) loads no summaries; Check walks and
// counts every case all the same, and finds what it found with them.
func TestCheckWithoutSummaries(t *testing.T) {
	s := demoStore(t, 30, 7)
	path := s.path
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, none := range []bool{false, true} {
		st, err := Open(path, Options{ReadOnly: true, IndexOnDemand: true, NoSummaries: none})
		if err != nil {
			t.Fatal(err)
		}
		if n := st.Snapshot().Len(); none && n != 0 || !none && n != 30 {
			t.Fatalf("NoSummaries %v: %d summaries loaded", none, n)
		}
		if p := st.Check(); len(p) != 0 {
			t.Fatalf("NoSummaries %v: %v", none, p)
		}
		if n := st.CheckedCases(); n != 30 {
			t.Fatalf("NoSummaries %v: the check counted %d cases, want 30", none, n)
		}
		st.Close()
	}
}

// strictHeadSpans, where it takes a line, cuts it as withoutHeads cuts it and finds the
// heads canonicalHeadSpans finds: on the log's own lines and on lines with a byte of
// their heads changed.
func TestStrictHeadSpansAreTheTwoPasses(t *testing.T) {
	s := demoStore(t, 30, 8)
	pub, _ := s.anchorPub()
	raw, err := os.ReadFile(AnchorLogPath(s.anchorFiles(), s.opts))
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	const alphabet = `0123456789abcdefz/",[]`
	taken, refused := 0, 0
	for _, line := range bytes.Split(bytes.TrimSuffix(raw, []byte("\n")), []byte("\n")) {
		variants := [][]byte{line}
		if h := bytes.Index(line, []byte(`"heads":["`)); h >= 0 {
			end := bytes.LastIndex(line, []byte(`"],"prev"`))
			for range 300 {
				v := bytes.Clone(line)
				v[h+10+r.IntN(end-h-10+2)] = alphabet[r.IntN(len(alphabet))]
				variants = append(variants, v)
			}
		}
		for _, v := range variants {
			spans, hi, hj, ok := strictHeadSpans(nil, v)
			if !ok {
				refused++
				continue
			}
			taken++
			cut := append(append([]byte(nil), v[:hi]...), v[hj:]...)
			if want := withoutHeads(nil, v); !bytes.Equal(cut, want) {
				t.Fatalf("cut differs:\n%s\n%s", cut, want)
			}
			var l anchorEntryLite
			if decodeJSON(cut, &l) != nil {
				continue
			}
			want, wok := canonicalHeadSpans(nil, pub, v, l.entry())
			if signedInPlace(pub, v, l.entry()) != wok || wok && !reflect.DeepEqual(spans, want) {
				t.Fatalf("heads differ (signed %v):\n%q\n%q", wok, spans, want)
			}
		}
	}
	if taken < 100 || refused < 50 {
		t.Fatalf("%d lines taken, %d refused: not both ways tried", taken, refused)
	}
}

// After a check, Anchors reads only the lines appended since (anchorsAfter): it says
// what reading the whole log says, as the log grows, and reads it whole again when the
// log was replaced.
func TestAnchorsAfterCheckAreTheWholeLog(t *testing.T) {
	s := demoStore(t, 20, 10)
	log := AnchorLogPath(s.anchorFiles(), s.opts)
	lite := func() (int, AnchorEntry) {
		an, err := readAnchors(log, 0, nil, false, true)
		if err != nil {
			t.Fatal(err)
		}
		return an.lines, an.last
	}
	same := func(when string) {
		t.Helper()
		info := s.Anchors()
		lines, last := lite()
		if info.Entries != lines || !reflect.DeepEqual(info.Last, last) {
			t.Fatalf("%s: Anchors says %d entries, last #%d; the log has %d, last #%d", when, info.Entries, info.Last.N, lines, last.N)
		}
	}
	if p := s.Check(); len(p) != 0 {
		t.Fatal(p)
	}
	if s.anchorsSeen.Load() == nil {
		t.Fatal("the check did not say how far it read the log")
	}
	same("after the check")
	if err := Demo.Generate(s, 5, 11); err != nil {
		t.Fatal(err)
	}
	if n, _ := lite(); n <= s.anchorsSeen.Load().lines {
		t.Fatal("nothing appended to the log")
	}
	same("after more was written")
	// The log replaced by a shorter file (its first line): not the file the check read.
	raw, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(log+".new", raw[:bytes.IndexByte(raw, '\n')+1], 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(log+".new", log); err != nil {
		t.Fatal(err)
	}
	same("after the log was replaced")
}
