// Package benchkit is what the store and console benchmarks share: the cached 100,000-case
// demo database they all run on, copies of it to write to, and latency percentiles.
// Only tests import it.
package benchkit

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

// FixtureVersion names the cached fixture files; bump it when the demo data or the file
// layout changes.
const FixtureVersion = "v4"

// Cases is the size of the scale fixture: 100,000, or $REPAIRDESK_BENCH_CASES (the
// 1,000,000-case figures of BENCHMARKS.md run every benchmark with it set to 1000000).
var Cases = casesFromEnv()

func casesFromEnv() int {
	if v := os.Getenv("REPAIRDESK_BENCH_CASES"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			return n
		}
		panic("REPAIRDESK_BENCH_CASES=" + v + ": want a positive number of cases")
	}
	return 100_000
}

// FixturePath is where the fixture of n cases is kept between runs.
func FixturePath(n int) string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("repairdesk-bench-%s-%d.db", FixtureVersion, n))
}

// Fixture returns the demo database of n cases, made by Generate the first time and kept
// for later runs.
func Fixture(tb testing.TB, n int, generate func(path string) error) string {
	tb.Helper()
	if path := FixturePath(n); fileExists(path) {
		return path
	}
	return Generate(tb, n, generate)
}

// Generate makes the fixture of n cases afresh with generate (which writes a new
// database at the path it is given), under a temporary name first, so a half-written
// file is never found.
func Generate(tb testing.TB, n int, generate func(path string) error) string {
	tb.Helper()
	path := FixturePath(n)
	start := time.Now()
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	os.Remove(tmp)
	if err := generate(tmp); err != nil {
		os.Remove(tmp)
		tb.Fatal(err)
	}
	if err := renameDB(tmp, path); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("generated the %d-case fixture in %v → %s", n, time.Since(start).Round(time.Millisecond), path)
	return path
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// companions are the files beside a database that belong to it: its key, and its anchor
// log with the log's signing key (without them a writable open starts the log again).
var companions = []string{".key", ".anchors", ".anchor-key", ".anchor-key.pub"}

// renameDB moves a database with the files beside it that belong to it.
func renameDB(from, to string) error {
	for _, ext := range companions {
		if fileExists(from + ext) {
			if err := os.Rename(from+ext, to+ext); err != nil {
				return err
			}
		}
	}
	return os.Rename(from, to)
}

// CopyDB copies a database and the files that belong to it into the test's temporary directory, so a
// benchmark may write to it.
func CopyDB(tb testing.TB, from string) string {
	tb.Helper()
	to := filepath.Join(tb.TempDir(), "copy.db")
	copyFile(tb, from, to)
	for _, ext := range companions {
		if fileExists(from + ext) {
			copyFile(tb, from+ext, to+ext)
		}
	}
	return to
}

func copyFile(tb testing.TB, from, to string) {
	tb.Helper()
	src, err := os.Open(from)
	if err != nil {
		tb.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		tb.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		tb.Fatal(err)
	}
}

// Percentile of the durations, in milliseconds (p = 1 is the maximum).
func Percentile(lat []time.Duration, p float64) float64 {
	if len(lat) == 0 {
		return 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	i := min(max(int(math.Ceil(p*float64(len(s))))-1, 0), len(s)-1)
	return float64(s[i]) / 1e6
}

// Report reports p50, p99 and max of the durations as prefix+"p50-ms" and so on.
func Report(b *testing.B, prefix string, lat []time.Duration) {
	b.ReportMetric(Percentile(lat, 0.50), prefix+"p50-ms")
	b.ReportMetric(Percentile(lat, 0.99), prefix+"p99-ms")
	b.ReportMetric(Percentile(lat, 1), prefix+"max-ms")
}
