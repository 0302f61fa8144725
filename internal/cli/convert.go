package cli

import (
	"fmt"
	"io"
	"os"
	"time"

	"repairdesk/internal/progress"
	"repairdesk/store"
)

// conversionDone is the last word of the one-time conversion of an older database file
// (store/convert.go) at open: after its progress line, one line saying what it came to,
// on a terminal only.
func (a *app) conversionDone(w io.Writer, path string, total int64, took time.Duration) {
	size := int64(0)
	if fi, err := os.Stat(path); err == nil {
		size = fi.Size()
	}
	fmt.Fprintln(w, a.t("cli.migrated", float64(total)/(1<<20), float64(size)/(1<<20), took.Seconds()))
}

// openProgress is the store option that shows the one-time work of opening an older
// file, each on its own progress line: its conversion to the current format ("convert",
// in MB of the old file, then a line saying what it came to) and the build of the
// results table's aggregates ("results", in cases). Nothing off a terminal, nothing
// through the control socket.
func (a *app) openProgress(path string, opts *store.Options) func() {
	if opts.ReadOnly || opts.Progress != nil || a.held != nil {
		return func() {}
	}
	l := progress.New(a.stderr, a.lang, "progress.results", progress.Cases)
	if !l.On() {
		return func() {}
	}
	var start time.Time
	cur := ""
	opts.Progress = func(what string, done, total int64) {
		if k := "progress." + what; k != cur { // a new line: the clock starts again
			cur = k
			unit := progress.Cases
			if what == "convert" {
				unit, start = progress.Bytes, time.Now()
			}
			l.Rename(k, unit)
		}
		l.Update(done, total)
		if what == "convert" && total > 0 && done >= total {
			l.Done()
			a.conversionDone(a.stderr, path, total, time.Since(start))
		}
	}
	return l.Done
}
