package store

// Long work (check, backup, restore, building the results table) reports how far it has
// gone and stops when asked (Ctrl+C on the command line).

import (
	"context"
	"io"
)

// Work is how a long operation reports progress and is stopped. The zero Work reports
// nothing and never stops.
type Work struct {
	// Context stops the work early; what it had not finished is removed.
	Context context.Context
	// Progress hears done of total for the part named by what ("check", "backup",
	// "restore", "results"; bytes for backup and restore, cases otherwise).
	Progress func(what string, done, total int64)
}

// err is the reason to stop, if any.
func (w Work) err() error {
	if w.Context == nil {
		return nil
	}
	return w.Context.Err()
}

func (w Work) report(what string, done, total int64) {
	if w.Progress != nil {
		w.Progress(what, done, total)
	}
}

// workWriter passes writes on, counting them for the progress, and fails once the work
// is stopped.
type workWriter struct {
	w           io.Writer
	work        Work
	what        string
	done, total int64
}

func (ww *workWriter) Write(p []byte) (int, error) {
	if err := ww.work.err(); err != nil {
		return 0, err
	}
	n, err := ww.w.Write(p)
	ww.done += int64(n)
	ww.work.report(ww.what, ww.done, ww.total)
	return n, err
}

// ReadFrom copies r to the writer in reads of 1 MiB, each written and reported as Write
// does. A backup's copy comes through io.Copy, whose own buffer of 32 KiB made some
// 30,000 reads and writes of a 500 MB file.
func (ww *workWriter) ReadFrom(r io.Reader) (int64, error) {
	buf := make([]byte, 1<<20)
	var n int64
	for {
		k, rerr := r.Read(buf)
		if k > 0 {
			w, werr := ww.Write(buf[:k])
			n += int64(w)
			if werr != nil {
				return n, werr
			}
			if w != k {
				return n, io.ErrShortWrite
			}
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, rerr
		}
	}
}
