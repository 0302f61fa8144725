package cli

// Writing what the commands produce: files are new or nothing (never overwritten); CSV
// cells are safe for a spreadsheet.

import (
	"errors"
	"io"
	"os"

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
