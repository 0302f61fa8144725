package workflow

import (
	"strings"
	"unicode/utf8"
)

// ActAttachFile attaches a file a staff member sent to the case (scp or sftp to
// cases/<number>/ on the office server). The content lives in the store, keyed by its
// SHA-256; the event carries the hash, so the history says exactly which bytes came in.
const ActAttachFile ActionKind = "attach_file"

// MaxFileName bounds an attached file's name, in bytes (as most file systems do).
const MaxFileName = 255

// FileRef is one attached file: its name as sent, its version among files of that name
// on the case (a second file of the same name never replaces the first), the SHA-256 of
// its content in hex, its size in bytes, and who attached it when.
type FileRef struct {
	Name    string `json:"name"`
	Version int    `json:"version"`
	SHA256  string `json:"sha256"`
	Size    int64  `json:"size"`
	By      string `json:"by,omitempty"`
	At      string `json:"at,omitempty"` // RFC 3339, from the action's time
}

// FileNameProblem says why name cannot be an attached file's name ("" when it can): it
// must be one plain name, with no directory, no "." or "..", no control characters,
// no NUL and no backslash.
func FileNameProblem(name string) *Refusal {
	switch {
	case name == "" || strings.TrimSpace(name) == "":
		return refuse("file_name", "refuse.file_name_empty")
	case len(name) > MaxFileName:
		return refuse("file_name", "refuse.file_name_long", MaxFileName)
	case !utf8.ValidString(name):
		return refuse("file_name", "refuse.file_name_utf8")
	case name == "." || name == "..":
		return refuse("file_name", "refuse.file_name_dots")
	case strings.ContainsAny(name, "/\\\x00"):
		return refuse("file_name", "refuse.file_name_sep")
	case CleanLine(name) != name || strings.ContainsAny(name, "\t\r\n"):
		return refuse("file_name", "refuse.file_name_control")
	}
	return nil
}

func validSHA256(h string) bool {
	if len(h) != 64 {
		return false
	}
	for _, r := range h {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') {
			return false
		}
	}
	return true
}

// attach checks an attach_file action's payload and adds the file to n.
func attach(n *Case, a Action) (*FileRef, *Refusal) {
	f := a.File
	if f == nil {
		return nil, refuse("file", "refuse.file_missing")
	}
	if r := FileNameProblem(f.Name); r != nil {
		return nil, r
	}
	if !validSHA256(f.SHA256) {
		return nil, refuse("file", "refuse.file_digest")
	}
	if f.Size <= 0 {
		return nil, refuse("file", "refuse.file_empty")
	}
	ref := *f
	ref.Version = 1
	for _, x := range n.Files {
		if x.Name == ref.Name && x.Version >= ref.Version {
			ref.Version = x.Version + 1
		}
	}
	ref.By = a.Actor
	ref.At = a.At.UTC().Format("2006-01-02T15:04:05Z07:00")
	n.Files = append(n.Files, ref)
	return &ref, nil
}
