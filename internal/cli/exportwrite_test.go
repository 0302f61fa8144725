package cli

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"repairdesk/workflow"
)

// TestChunkWriter: the bytes written are the pieces' bytes in order, whatever the
// pieces' sizes and however short the writes the system makes; every write begins at a
// chunk boundary and every write but the flush's ends at one; each buffer is given back
// once, and only when all of its bytes are written (a buffer given back is overwritten at
// once, as the encoders would reuse it: a byte of it still pending would show in the
// output).
func TestChunkWriter(t *testing.T) {
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 7))
		var file bytes.Buffer
		var want []byte
		flushing := false
		var writes, short int
		cw := &chunkWriter{}
		cw.writev = func(pieces [][]byte) (int, error) {
			total := 0
			for _, p := range pieces {
				total += len(p)
			}
			if len(pieces) > chunkMaxPieces {
				t.Fatalf("seed %d: one write of %d pieces", seed, len(pieces))
			}
			if total == 0 {
				t.Fatalf("seed %d: a write of nothing", seed)
			}
			n := total
			if seed%2 == 1 && r.IntN(3) == 0 { // the system writes less than asked
				n = r.IntN(total) + 1
				short++
			}
			if file.Len()%chunkSize != 0 && n == total && !flushing {
				// A write after a short one finishes the chunk it began.
				if (file.Len()+n)%chunkSize != 0 {
					t.Fatalf("seed %d: a write from %d to %d, not ending at a chunk boundary", seed, file.Len(), file.Len()+n)
				}
			}
			if seed%2 == 0 && !flushing {
				if file.Len()%chunkSize != 0 || n%chunkSize != 0 {
					t.Fatalf("seed %d: a write of %d bytes at %d: not whole chunks", seed, n, file.Len())
				}
			}
			left := n
			for _, p := range pieces {
				k := min(left, len(p))
				file.Write(p[:k])
				left -= k
			}
			writes++
			return n, nil
		}
		given := map[*byte]int{}
		cw.give = func(b []byte) {
			given[&b[:1][0]]++
			for i := range b[:cap(b)] { // reused at once
				b[:cap(b)][i] = 0xff
			}
		}
		var added []*byte
		if err := cw.add([]byte("["), nil); err != nil {
			t.Fatal(err)
		}
		want = append(want, '[')
		for range 300 {
			var size int
			switch r.IntN(5) {
			case 0:
				size = r.IntN(16) // tiny, even empty
			case 1:
				size = chunkSize + r.IntN(3*chunkSize) // larger than a chunk
			case 2:
				size = chunkSize - r.IntN(3)
			default:
				size = 15<<10 + r.IntN(20<<10) // an item's usual size
			}
			buf := make([]byte, 1+size+r.IntN(64))
			for i := range buf {
				buf[i] = byte(r.Uint32())
			}
			p := buf[1 : 1+size] // a part of its buffer, as the first item is
			want = append(want, p...)
			added = append(added, &buf[0])
			if err := cw.add(p, buf); err != nil {
				t.Fatal(err)
			}
		}
		if err := cw.add([]byte("\n]\n"), nil); err != nil {
			t.Fatal(err)
		}
		want = append(want, "\n]\n"...)
		flushing = true
		if err := cw.flush(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(file.Bytes(), want) {
			i := 0
			for i < file.Len() && file.Bytes()[i] == want[i] {
				i++
			}
			t.Fatalf("seed %d: %d bytes written, %d added; they differ at byte %d", seed, file.Len(), len(want), i)
		}
		for i, p := range added {
			if given[p] != 1 {
				t.Fatalf("seed %d: buffer %d given back %d times", seed, i, given[p])
			}
		}
		if len(given) != len(added) || cw.n != 0 || len(cw.pieces) != 0 {
			t.Fatalf("seed %d: %d buffers given back of %d; %d bytes in %d pieces left", seed, len(given), len(added), cw.n, len(cw.pieces))
		}
		if most := len(want)/chunkSize + 1; seed%2 == 0 && writes > most {
			t.Fatalf("seed %d: %d writes for %d bytes", seed, writes, len(want))
		}
		if seed%2 == 1 && short == 0 {
			t.Fatalf("seed %d: no short write tried", seed)
		}
	}
}

// TestChunkWriterError: a failed write is returned, then by every later add and flush,
// and nothing after it is written.
func TestChunkWriterError(t *testing.T) {
	bad := errors.New("disk full")
	calls := 0
	cw := &chunkWriter{writev: func([][]byte) (int, error) {
		calls++
		return 100, bad
	}}
	if err := cw.add(make([]byte, chunkSize+5), nil); !errors.Is(err, bad) {
		t.Fatalf("add: %v", err)
	}
	if err := cw.add(make([]byte, 2*chunkSize), nil); !errors.Is(err, bad) {
		t.Fatalf("add after the error: %v", err)
	}
	if err := cw.flush(); !errors.Is(err, bad) || calls != 1 {
		t.Fatalf("flush after the error: %v, %d writes", err, calls)
	}
	cw = &chunkWriter{writev: func([][]byte) (int, error) { return 0, nil }}
	if err := cw.add(make([]byte, chunkSize), nil); !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("a write of nothing: %v", err)
	}
}

// TestFileChunkWriter: the chunks are taken for a regular file (on Linux) and write
// what is given to it; not for a pipe or any other writer.
func TestFileChunkWriter(t *testing.T) {
	if fileChunkWriter(&bytes.Buffer{}) != nil {
		t.Fatal("chunks for a bytes.Buffer")
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	if fileChunkWriter(pw) != nil {
		t.Fatal("chunks for a pipe")
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "out.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cw := fileChunkWriter(f)
	if runtime.GOOS != "linux" {
		if cw != nil {
			t.Fatal("chunks without writev")
		}
		return
	}
	if cw == nil {
		t.Fatal("no chunks for a regular file")
	}
	var want []byte
	for i := range 40 {
		p := bytes.Repeat([]byte{byte('a' + i%26)}, 7000+i*331)
		want = append(want, p...)
		if err := cw.add(p, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := cw.flush(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("the file holds %d bytes, %d written", len(got), len(want))
	}
}

// TestExportStoreOptions: an export of every case opens the store without its summaries
// (the progress line's total is Store.CaseCount, TestProgressOnATerminal); with --since
// it loads them, to count the cases received since.
func TestExportStoreOptions(t *testing.T) {
	o := exportStoreOptions(time.Time{})
	if !o.ReadOnly || !o.IndexOnDemand || !o.NoSummaries {
		t.Fatalf("every case: %+v", o)
	}
	o = exportStoreOptions(time.Date(2025, 9, 1, 0, 0, 0, 0, workflow.ChinaTZ))
	if !o.ReadOnly || !o.IndexOnDemand || o.NoSummaries {
		t.Fatalf("--since: %+v", o)
	}
}
