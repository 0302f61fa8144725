//go:build !linux

// Package pagecache drops a file's pages from the page cache, so that benchmarks can
// measure what a reader pays when the file is not cached.
package pagecache

import "errors"

// Evict is not available here: benchmarks that need it skip.
func Evict(path string) error { return errors.ErrUnsupported }
