package cli

import (
	"io"
	"os"
)

// chunkSize is the size of the JSON export's writes to a regular file: each write but
// the last covers exactly one or more whole chunks of the file, from a chunk boundary.
// The items themselves (about 23 KB each at 100,000 cases) fall anywhere; written one by
// one, each write began and ended inside a page, and the page cache found, zeroed and
// filled the shared pages twice. Aligned writes fill whole folios once. The size is
// measured, not assumed (BENCHMARKS.md, round thirteen): on the 2-core VM, writing the
// 2.27 GB export in aligned 16 KiB or 32 KiB chunks took less system time than the
// items one by one in every pair, while 64 KiB, 256 KiB and 1 MiB chunks took more —
// the kernel copies into folios of the write's size, and pages of the larger orders
// came cold (three times the copying time in the profile of 64 KiB writes).
const chunkSize = 16 << 10

// chunkMaxPieces bounds the pieces one write gathers (below the kernel's IOV_MAX, 1024).
const chunkMaxPieces = 512

// chunkWriter gathers the export's pieces (each item's buffer, and the array's brackets)
// and writes them with vectored writes of whole chunks, without copying them together:
// a piece's bytes stay in the buffer the encoder wrote them in until the write that takes
// them, and the buffer goes back to the encoders (give) once all of it is written. The
// file's bytes are the pieces' bytes in order, exactly.
type chunkWriter struct {
	writev func(pieces [][]byte) (int, error) // writes a prefix of the pieces' bytes
	give   func(buf []byte)                   // a buffer written whole (nil: none kept)

	pieces [][]byte // not yet written, in order (the first may be a buffer's tail)
	bufs   [][]byte // the buffer each piece is part of (nil: not to be given back)
	n      int      // the pieces' bytes
	err    error
}

// fileChunkWriter is a chunkWriter for w when w is a regular file on a system that has
// vectored writes; otherwise nil, and the items are written one by one as before.
func fileChunkWriter(w io.Writer) *chunkWriter {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	wv := fileWritev(f)
	if wv == nil {
		return nil
	}
	return &chunkWriter{writev: wv}
}

// add appends p, a part of buf (buf nil: p is not to be given back; each buffer is added
// once), and writes the whole chunks gathered so far.
func (cw *chunkWriter) add(p, buf []byte) error {
	if cw.err != nil {
		return cw.err
	}
	if len(p) == 0 {
		if buf != nil && cw.give != nil {
			cw.give(buf)
		}
		return nil
	}
	cw.pieces = append(cw.pieces, p)
	cw.bufs = append(cw.bufs, buf)
	cw.n += len(p)
	if cw.n >= chunkSize {
		return cw.write(cw.n - cw.n%chunkSize)
	}
	if len(cw.pieces) >= chunkMaxPieces {
		return cw.write(cw.n) // many small pieces: the alignment is given up, not the order
	}
	return nil
}

// flush writes everything gathered.
func (cw *chunkWriter) flush() error {
	if cw.err != nil {
		return cw.err
	}
	return cw.write(cw.n)
}

// write writes the first want bytes of the pieces, giving back each buffer whose
// pieces are all written.
func (cw *chunkWriter) write(want int) error {
	for want > 0 {
		// The pieces that hold the want bytes, the last one cut.
		k, sum := 0, 0
		for k < len(cw.pieces) && sum < want && k < chunkMaxPieces {
			sum += len(cw.pieces[k])
			k++
		}
		iov := cw.pieces[:k]
		var last []byte
		if sum > want {
			last = iov[k-1]
			iov[k-1] = last[:len(last)-(sum-want)]
			sum = want
		}
		n, err := cw.writev(iov)
		if last != nil {
			iov[k-1] = last
		}
		if n > sum || n < 0 {
			n = 0
			err = io.ErrShortWrite
		}
		cw.drop(n)
		want -= n
		if err == nil && n == 0 {
			err = io.ErrShortWrite
		}
		if err != nil {
			cw.err = err
			return err
		}
	}
	return nil
}

// drop removes the first n bytes of the pieces, written.
func (cw *chunkWriter) drop(n int) {
	cw.n -= n
	i := 0
	for i < len(cw.pieces) && n >= len(cw.pieces[i]) {
		n -= len(cw.pieces[i])
		if b := cw.bufs[i]; b != nil && cw.give != nil {
			cw.give(b)
		}
		i++
	}
	if i < len(cw.pieces) && n > 0 {
		cw.pieces[i] = cw.pieces[i][n:]
	}
	rest := copy(cw.pieces, cw.pieces[i:])
	clear(cw.pieces[rest:])
	cw.pieces = cw.pieces[:rest]
	copy(cw.bufs, cw.bufs[i:])
	clear(cw.bufs[rest:])
	cw.bufs = cw.bufs[:rest]
}
