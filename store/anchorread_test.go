package store

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

// The anchor log's heads are read from the line's own bytes when its signature
// verifies over them (canonicalHeads): they must be exactly the heads JSON decoding
// gives, and any line that is not the log's own JSON must go the old way, with the same
// findings.
func TestCanonicalHeadsAreTheDecodedHeads(t *testing.T) {
	s := demoStore(t, 60, 3)
	log := AnchorLogPath(s.anchorFiles(), s.opts)
	pub, _ := s.anchorPub()
	if pub == nil {
		t.Fatal("the demo store has no anchor key")
	}
	raw, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(raw, []byte("\n")), []byte("\n"))
	withHeads := 0
	for i, line := range lines {
		var full AnchorEntry
		if err := json.Unmarshal(line, &full); err != nil {
			t.Fatal(err)
		}
		var lite anchorEntryLite
		if err := decodeJSON(line, &lite); err != nil {
			t.Fatal(err)
		}
		heads, ok := canonicalHeads(pub, line, lite.entry())
		if !ok {
			t.Fatalf("line %d: the log's own line is not read by the fast path", i+1)
		}
		if !reflect.DeepEqual(heads, full.Heads) {
			t.Fatalf("line %d: heads %d, decoded %d (first %q / %q)", i+1, len(heads), len(full.Heads), first(heads), first(full.Heads))
		}
		if len(heads) > 0 {
			withHeads++
		}
	}
	if withHeads == 0 {
		t.Fatal("no line with heads: nothing compared")
	}
	want, err := readAnchors(log, 0, pub, false, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(want.probs) != 0 {
		t.Fatalf("the demo's own log has problems: %v", want.probs)
	}

	// A line with one head altered (not signed again): the fast path refuses it, and
	// the log reads as before: a bad signature, and the heads as written.
	at := firstHeadsLine(t, lines)
	altered, _ := alterFirstHead(lines[at])
	var e AnchorEntry
	if err := json.Unmarshal(altered, &e); err != nil {
		t.Fatal(err)
	}
	var lite anchorEntryLite
	_ = decodeJSON(altered, &lite)
	if _, ok := canonicalHeads(pub, altered, lite.entry()); ok {
		t.Fatal("an altered line was read by the fast path")
	}
	got := readLog(t, pub, lines, at, altered)
	if len(got.probs) != 1 || !strings.Contains(got.probs[0].What, "bad signature") {
		t.Fatalf("altered head: %v, want one bad signature", got.probs)
	}
	ah, _ := parseAnchorHead(e.Heads[0])
	if c := got.cases[ah.id]; c == nil || c.hashes[ah.seq-1] != ah.hash {
		t.Fatalf("the altered head was not replayed as written")
	}

	// The same entry written another way (a space after the brace), signed as the log
	// signs (its JSON without the signature): not the fast path's, and no problem.
	spaced := append([]byte("{ "), lines[at][1:]...)
	_ = decodeJSON(spaced, &lite)
	if _, ok := canonicalHeads(pub, spaced, lite.entry()); ok {
		t.Fatal("a line written another way was read by the fast path")
	}
	got = readLog(t, pub, lines, at, spaced)
	if len(got.probs) != 0 {
		t.Fatalf("a validly signed line written another way: %v", got.probs)
	}
	if !reflect.DeepEqual(got.cases, want.cases) {
		t.Fatal("a validly signed line written another way replays differently")
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// readLog reads lines as a log, line at replaced by repl.
func readLog(t *testing.T, pub []byte, lines [][]byte, at int, repl []byte) *anchored {
	t.Helper()
	an, err := readAnchors(writeLog(t, lines, at, repl), 0, pub, false, false)
	if err != nil {
		t.Fatal(err)
	}
	return an
}

// TestWithoutHeadsDecodesAsTheLine: a log line decoded without its heads (withoutHeads,
// which spares the decoder megabytes) is the entry the whole line decodes to; a line
// whose heads are not written as the log writes them is passed whole; and canonicalHeads
// leaves the line as it found it (it verifies the signature in place).
func TestWithoutHeadsDecodesAsTheLine(t *testing.T) {
	s := demoStore(t, 60, 4)
	pub, _ := s.anchorPub()
	raw, err := os.ReadFile(AnchorLogPath(s.anchorFiles(), s.opts))
	if err != nil {
		t.Fatal(err)
	}
	cut, short := []byte(nil), 0
	for i, line := range bytes.Split(bytes.TrimSuffix(raw, []byte("\n")), []byte("\n")) {
		var whole, fromCut anchorEntryLite
		if err := decodeJSON(line, &whole); err != nil {
			t.Fatal(err)
		}
		cut = withoutHeads(cut[:0], line)
		if err := decodeJSON(cut, &fromCut); err != nil {
			t.Fatalf("line %d without its heads does not decode: %v\n%s", i+1, err, cut)
		}
		if !reflect.DeepEqual(whole, fromCut) {
			t.Fatalf("line %d: %+v whole, %+v without its heads", i+1, whole, fromCut)
		}
		if len(cut) < len(line) {
			short++
			if bytes.Contains(cut, []byte(`"heads"`)) {
				t.Fatalf("line %d: heads left in %s", i+1, cut)
			}
		}
		before := bytes.Clone(line)
		if _, ok := canonicalHeads(pub, line, whole.entry()); !ok {
			t.Fatalf("line %d: the log's own line is not read by the fast path", i+1)
		}
		if !bytes.Equal(before, line) {
			t.Fatalf("line %d was changed by canonicalHeads", i+1)
		}
	}
	if short == 0 {
		t.Fatal("no line had heads to leave out")
	}
	for _, odd := range []string{
		`{"n":2,"heads":["1/1/ab","1/2/cd"],"prev":"x"}`,      // the log's own form
		`{"n":2,"heads":["1/1/ab",""],"prev":"x"}`,            // an empty head
		`{"n":2,"heads":["1/1/ab","kind"],"prev":"x"}`,        // not hex
		`{"n":2,"heads":["1/1/ab", "1/2/cd"],"prev":"x"}`,     // written another way
		`{"n":2,"heads":["1/1/ab"""],"prev":"x"}`,             // not JSON
		`{"n":2,"heads":["1/1/ab","],"prev":"y"],"prev":"x"}`, // a second closing
	} {
		got := string(withoutHeads(nil, []byte(odd)))
		want := odd
		if strings.HasPrefix(odd, `{"n":2,"heads":["1/1/ab","1/2/cd"]`) {
			want = `{"n":2,"prev":"x"}`
		}
		if got != want {
			t.Errorf("withoutHeads(%s) = %s, want %s", odd, got, want)
		}
	}
}

// firstHeadsLine is the index of the first line of lines that anchors heads.
func firstHeadsLine(t *testing.T, lines [][]byte) int {
	t.Helper()
	for i, line := range lines {
		if bytes.Contains(line, []byte(`"heads":["`)) {
			return i
		}
	}
	t.Fatal("no line of the log anchors heads")
	return -1
}

// alterFirstHead is line with one hex digit of its first head's hash changed (a↔b, or
// any other digit to a), and the index of that hash's first digit.
func alterFirstHead(line []byte) (altered []byte, hash int) {
	h := bytes.Index(line, []byte(`"heads":["`)) + len(`"heads":["`)
	hash = bytes.LastIndexByte(line[:bytes.IndexByte(line[h:], '"')+h], '/') + 1
	altered = bytes.Clone(line)
	if altered[hash] == 'a' {
		altered[hash] = 'b'
	} else {
		altered[hash] = 'a'
	}
	return altered, hash
}
