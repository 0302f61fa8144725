package cli

import (
	"fmt"
	"os"
	"time"

	"github.com/mattn/go-isatty"
)

// migrationProgress is the progress line of a conversion of an older database file
// (store.Options.Progress): on a terminal only, on standard error, one line redrawn at
// most ten times a second, and a last line saying what it came to. Elsewhere nothing.
func (a *app) migrationProgress(path string) func(done, total int64) {
	f, ok := a.stderr.(*os.File)
	if !ok || !isatty.IsTerminal(f.Fd()) {
		return nil
	}
	start := time.Now() // the conversion starts as the store opens
	var last time.Time
	return func(done, total int64) {
		now := time.Now()
		if done < total && now.Sub(last) < 100*time.Millisecond {
			return
		}
		last = now
		el := now.Sub(start).Seconds()
		rate := 0.0
		if el > 0 {
			rate = float64(done) / el / 1e6
		}
		left := 0
		if rate > 0 {
			left = int(float64(total-done) / 1e6 / rate)
		}
		pct := 0
		if total > 0 {
			pct = int(100 * done / total)
		}
		fmt.Fprintf(f, "\r\x1b[K%s", a.t("cli.migrating", pct, done>>20, total>>20, rate, left))
		if done >= total {
			size := int64(0)
			if fi, err := os.Stat(path); err == nil {
				size = fi.Size()
			}
			fmt.Fprintf(f, "\r\x1b[K%s\n", a.t("cli.migrated", total>>20, size>>20, time.Since(start).Seconds()))
		}
	}
}
