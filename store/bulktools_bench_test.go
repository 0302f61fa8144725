package store

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"repairdesk/internal/pagecache"
)

// RunCLI runs the repairdesk command line (filled in by demo_link_test.go: package cli
// imports store).
var RunCLI func(args []string, stdout, stderr io.Writer) int

// oldFixturePath is the 100,000-case fixture as the schema-2 program generated it (JSON
// values), when an earlier benchmark run left it in os.TempDir().
func oldFixturePath() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("repairdesk-bench-v2-%d.db", benchCases))
}

// copyWithKeys copies a database with the key, anchor log and anchor keys beside it into
// dir, synced, and returns the copy's path.
func copyWithKeys(b *testing.B, from, dir string) string {
	to := filepath.Join(dir, filepath.Base(from))
	for _, ext := range []string{"", ".key", ".anchors", ".anchor-key", ".anchor-key.pub"} {
		src, err := os.Open(from + ext)
		if err != nil {
			if ext == "" {
				b.Fatal(err)
			}
			continue
		}
		dst, err := os.OpenFile(to+ext, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(dst, src); err != nil {
			b.Fatal(err)
		}
		src.Close()
		if err := dst.Sync(); err != nil {
			b.Fatal(err)
		}
		dst.Close()
	}
	return to
}

func finalLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func sizeMB(path string) float64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return float64(fi.Size()) / 1e6
}

// BenchmarkDiskRead is the disk's sequential read rate, the physical limit of the bulk
// tools: the old fixture (or the new one) read in 1 MiB reads after its pages were
// dropped from the page cache.
func BenchmarkDiskRead(b *testing.B) {
	path := oldFixturePath()
	if _, err := os.Stat(path); err != nil {
		path = benchFixture(b, benchCases)
	}
	for b.Loop() {
		if err := pagecache.Evict(path); err != nil {
			b.Skip("cannot drop the page cache here:", err)
		}
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		buf := make([]byte, 1<<20)
		start := time.Now()
		var n int64
		for {
			k, err := f.Read(buf)
			n += int64(k)
			if err != nil {
				break
			}
		}
		el := time.Since(start)
		f.Close()
		b.ReportMetric(float64(n)/1e6/el.Seconds(), "MB/s")
		b.ReportMetric(float64(n)/1e6, "read-MB")
	}
}

// BenchmarkConvert converts a copy of the schema-2 fixture (skipped without it), from a
// cold page cache, as the first open of an upgraded repairdesk does.
func BenchmarkConvert(b *testing.B) {
	old := oldFixturePath()
	if _, err := os.Stat(old); err != nil {
		b.Skip("no schema-2 fixture at", old)
	}
	for b.Loop() {
		b.StopTimer()
		path := copyWithKeys(b, old, b.TempDir())
		_ = pagecache.Evict(path)
		b.StartTimer()
		start := time.Now()
		s, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		el := time.Since(start)
		f, err := s.Figures()
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
		b.ReportMetric(el.Seconds(), "open+convert-s")
		b.ReportMetric(sizeMB(old), "old-MB")
		b.ReportMetric(float64(f.FileSize)/1e6, "new-MB")
		for _, bf := range f.Buckets {
			if bf.Keys > 1000 {
				b.Logf("%-11s %8d keys, values %6.1f MB (p50 %4d B, p90 %4d B), %6.1f MB of leaf pages at %3.0f%% fill",
					bf.Name, bf.Keys, float64(bf.ValBytes)/1e6, bf.P50, bf.P90, float64(bf.LeafSize)/1e6, 100*bf.Fill())
			}
		}
	}
}

// BenchmarkBulkTools runs `repairdesk export --format json`, `check` and `backup` on the
// 100,000-case database, each from a cold page cache, on the schema-2 fixture ("old-",
// when there is one) and the new one ("new-") in the same run. MB/s is the database
// file's size over the time: compare it with BenchmarkDiskRead.
//
// REPAIRDESK_BENCH_BASELINE names a repairdesk binary built from an earlier version: each
// tool then runs first through it ("base-") and then through this code ("new-"), on the
// same new fixture, one after the other, so the two versions meet the same machine.
func BenchmarkBulkTools(b *testing.B) {
	type run struct{ label, path, bin string }
	files := []run{}
	if _, err := os.Stat(oldFixturePath()); err == nil {
		files = append(files, run{"old", oldFixturePath(), ""})
	}
	fixture := benchFixture(b, benchCases)
	if bin := os.Getenv("REPAIRDESK_BENCH_BASELINE"); bin != "" {
		files = append(files, run{"base", fixture, bin})
	}
	files = append(files, run{"new", fixture, ""})
	for _, tool := range []string{"export", "check", "backup"} {
		for _, f := range files {
			b.Run(f.label+"-"+tool, func(b *testing.B) {
				for b.Loop() {
					dir := b.TempDir()
					var args []string
					switch tool {
					case "export":
						args = []string{"export", "--format", "json", "--out", filepath.Join(dir, "all.json")}
					case "check":
						args = []string{"check"}
					case "backup":
						args = []string{"backup", filepath.Join(dir, "backup.db")}
					}
					args = append(args, "--db", f.path, "--lang", "en")
					if err := pagecache.Evict(f.path); err != nil {
						b.Log("the page cache cannot be dropped here: warm figures:", err)
					}
					var out, errb bytes.Buffer
					start := time.Now()
					cpu := cpuSeconds()
					if f.bin != "" {
						cpu = childCPU()
					}
					code := 0
					if f.bin != "" {
						cmd := exec.Command(f.bin, args...)
						cmd.Stdout, cmd.Stderr = &out, &errb
						if err := cmd.Run(); err != nil {
							code = -1
							if ee, ok := err.(*exec.ExitError); ok {
								code = ee.ExitCode()
							}
						}
					} else {
						code = RunCLI(args, &out, &errb)
					}
					if code != 0 {
						// check and backup say what they found and exit 1: the work was
						// done all the same (a fixture whose anchor log was replaced).
						if tool == "export" || errb.Len() > 0 {
							b.Fatalf("%v: exit %d\n%s%s", args, code, out.String(), errb.String())
						}
						b.Logf("%v: exit %d: %s", args, code, finalLine(out.String()))
					}
					el := time.Since(start)
					b.ReportMetric(el.Seconds(), "s")
					if f.bin != "" {
						b.ReportMetric(childCPU()-cpu, "CPU-s")
					} else {
						b.ReportMetric(cpuSeconds()-cpu, "CPU-s")
					}
					b.ReportMetric(sizeMB(f.path)/el.Seconds(), "MB/s")
					b.ReportMetric(sizeMB(f.path), "file-MB")
					if tool == "export" {
						b.ReportMetric(sizeMB(filepath.Join(dir, "all.json")), "out-MB")
					}
				}
			})
		}
	}
}

// BenchmarkFileFigures opens the 100,000-case fixture read-only and says what its file
// holds: its size and, bucket by bucket, the keys, the values' bytes and sizes and the
// leaf pages' fill (run it on a converted copy to see the stored format's figures).
func BenchmarkFileFigures(b *testing.B) {
	path := benchFixture(b, benchCases)
	for b.Loop() {
		s, err := Open(path, Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		f, err := s.Figures()
		s.Close()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(f.FileSize)/1e6, "file-MB")
		for _, bf := range f.Buckets {
			if bf.Keys > 1000 {
				b.Logf("%-11s %8d keys, values %6.1f MB (p50 %5d B, p90 %5d B), %6.1f MB of leaf pages at %3.0f%% fill, %d overflow pages",
					bf.Name, bf.Keys, float64(bf.ValBytes)/1e6, bf.P50, bf.P90, float64(bf.LeafSize)/1e6, 100*bf.Fill(), bf.Overflow)
			}
		}
	}
}
