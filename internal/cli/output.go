package cli

// Writing what the commands produce: files are new or nothing (never overwritten); CSV
// cells are safe for a spreadsheet.

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"repairdesk/internal/msg"
)

// refuseExisting: an output file is never overwritten.
func refuseExisting(path, lang string) error {
	if _, err := os.Lstat(path); err == nil {
		return errors.New(msg.T(lang, "cli.file_exists", path))
	}
	return nil
}

// createNew opens a new file for writing, refusing one that exists.
func createNew(lang, path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil && os.IsExist(err) {
		return nil, refuseExisting(path, lang)
	}
	return f, err
}

// writeOut writes data to path ("" or "-": standard output), never over an existing file.
func writeOut(path string, data []byte, stdout io.Writer, lang string) error {
	if path == "" || path == "-" {
		_, err := stdout.Write(data)
		return err
	}
	f, err := createNew(lang, path)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// partialName is where a file is written before it is complete: beside its place, hidden,
// named so that nobody takes it for the finished file.
func partialName(path string) string {
	dir, base := filepath.Split(path)
	return filepath.Join(dir, "."+base+".partial-"+strconv.Itoa(os.Getpid()))
}

// placeNew moves a complete file from tmp to path, never over a file that exists (a
// hard link then the name removed; where links are not supported, a rename after a
// check).
func placeNew(tmp, path, lang string) error {
	err := os.Link(tmp, path)
	if err == nil {
		return os.Remove(tmp)
	}
	if os.IsExist(err) {
		return refuseExisting(path, lang)
	}
	if rerr := refuseExisting(path, lang); rerr != nil {
		return rerr
	}
	return os.Rename(tmp, path)
}
