package workflow

import (
	"slices"
	"strconv"
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

// ActTieFile ties a file attached to the case to one checklist item (the scan of the
// licence under 营业执照) or to one finding (the evidence behind it). The tie is an
// event: the history says who tied which bytes (the file's SHA-256) to what, and when.
const ActTieFile ActionKind = "tie_file"

// FileLink names one attached file exactly: its name, its version and its digest.
type FileLink struct {
	Name    string `json:"name"`
	Version int    `json:"version"`
	SHA256  string `json:"sha256"`
}

// Short is the file as people read it: scan.pdf v2 · sha256:1a2b3c4d5e6f….
func (l FileLink) Short() string {
	h := l.SHA256
	if len(h) > 12 {
		h = h[:12] + "…"
	}
	return CleanLine(l.Name) + " v" + strconv.Itoa(l.Version) + " · sha256:" + h
}

// FileTie is the payload of tie_file: the file, and either a checklist item (its key) or
// a finding (its number, from 1).
type FileTie struct {
	File     FileLink `json:"file"`
	Material string   `json:"material,omitempty"`
	Finding  int      `json:"finding,omitempty"`
}

// LinkOf is the link to an attached file.
func LinkOf(f FileRef) FileLink { return FileLink{Name: f.Name, Version: f.Version, SHA256: f.SHA256} }

// tie checks a tie_file action's payload and ties the file in n. It returns the field
// of the change and what it now says.
func tie(n *Case, a Action) (string, string, *Refusal) {
	t := a.Tie
	if t == nil || (t.Material == "") == (t.Finding == 0) {
		return "", "", refuse("tie", "refuse.tie_target")
	}
	if !slices.ContainsFunc(n.Files, func(f FileRef) bool { return LinkOf(f) == t.File }) {
		return "", "", refuse("tie", "refuse.tie_no_file", CleanLine(t.File.Name))
	}
	var links *[]FileLink
	var field string
	if t.Material != "" {
		i := slices.IndexFunc(n.Materials, func(m Material) bool { return m.Key == t.Material })
		if i < 0 {
			return "", "", refuse("material", "refuse.material_4", t.Material)
		}
		n.Materials[i].Files = slices.Clone(n.Materials[i].Files)
		links, field = &n.Materials[i].Files, "tie.material."+t.Material
	} else {
		if t.Finding < 1 || t.Finding > len(n.Findings) {
			return "", "", refuse("tie", "refuse.tie_no_finding", t.Finding)
		}
		i := t.Finding - 1
		n.Findings[i].Files = slices.Clone(n.Findings[i].Files)
		links, field = &n.Findings[i].Files, "tie.finding."+strconv.Itoa(t.Finding)
	}
	if slices.Contains(*links, t.File) {
		return "", "", refuse("tie", "refuse.tie_twice", CleanLine(t.File.Name))
	}
	*links = append(*links, t.File)
	return field, t.File.Name + " v" + strconv.Itoa(t.File.Version) + " sha256:" + t.File.SHA256, nil
}
