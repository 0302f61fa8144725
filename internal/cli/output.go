package cli

// Writing what the commands produce: files are new or nothing (never overwritten), CSV
// cells are safe for a spreadsheet.

import (
	"errors"
	"io"
	"os"
	"strconv"
	"strings"

	"repairdesk/internal/msg"
	"repairdesk/workflow"
)

// utf8BOM starts every CSV file: without it Excel reads UTF-8 as the local code page and
// the Chinese comes out garbled.
const utf8BOM = "\ufeff"

// csvCell keeps stored text from being taken for a formula by a spreadsheet (= + - @ and
// control characters at the start) and on one line.
func csvCell(s string) string {
	s = workflow.CleanLine(s)
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return "'" + s
		}
	}
	return s
}

// refuseExisting: an output file is never overwritten.
func refuseExisting(path, lang string) error {
	if _, err := os.Lstat(path); err == nil {
		return errors.New(msg.T(lang, "cli.file_exists", path))
	}
	return nil
}

// createNew opens a new file for writing, refusing one that exists.
func createNew(path, lang string) (*os.File, error) {
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
	f, err := createNew(path, lang)
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
