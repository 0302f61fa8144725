package server

// Files in and out over the same SSH port (scp and sftp), with the same key login.
//
// Each staff member sees one small tree, built here, never a directory of the machine:
//
//	exports/             what their own console exported (e on a letter, marked cases):
//	                     files in <ExportRoot>/<login name>/ on the server, read-only here
//	cases/<number>/      a case's attached files; a file sent here is attached to the
//	                     case (store.AttachFile: an attach_file event, content sealed in the
//	                     database by its SHA-256). Nothing is replaced: a second file of a
//	                     name is its next version, listed as name.v2.ext.
//
// Every path is checked before it is looked at: a "..", a NUL, a backslash or a control
// character refuses the request; an absolute path is read from the root of this tree, so
// it cannot leave it; files of the exports folder are opened through os.Root and must be
// regular files, so a symbolic link planted there leads nowhere. Writes land only in
// cases/<number>/, for a case that exists and that the staff member may work.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/ssh"
	gossh "golang.org/x/crypto/ssh"

	"repairdesk/store"
	"repairdesk/workflow"
)

// fileArea is one staff member's tree, for one SSH session.
type fileArea struct {
	s    *Server
	me   workflow.Staff
	lang string
	fp   string
	// opened is when the file session began: the time the tree's own directories
	// (the root, cases, exports) are listed with, which hold no time of their own.
	opened time.Time
}

// fileErr is a refusal with its message in the session's language; kind says what it
// is to the protocol (not found, permission).
type fileErr struct {
	kind error // fs.ErrNotExist, fs.ErrPermission or fs.ErrInvalid
	msg  string
}

func (e *fileErr) Error() string { return e.msg }
func (e *fileErr) Unwrap() error { return e.kind }

func (a *fileArea) refuse(kind error, key string, args ...any) *fileErr {
	return &fileErr{kind: kind, msg: sT(a.lang, key, args...)}
}

// node kinds of the tree.
const (
	nRoot = iota
	nExports
	nExport
	nCases
	nCase
	nCaseFile
)

type node struct {
	kind   int
	name   string // base name shown
	caseNo string
	c      workflow.Case
	ref    workflow.FileRef
	disk   string // nExport: the file's name in the staff member's export folder
}

// segments splits p after refusing what could ever lead out of the tree.
func (a *fileArea) segments(p string) ([]string, error) {
	if strings.ContainsAny(p, "\x00\\") || workflow.CleanLine(p) != p || strings.ContainsAny(p, "\t\r\n") {
		return nil, a.refuse(fs.ErrInvalid, "files.bad_path", workflow.CleanLine(strings.ReplaceAll(p, "\x00", "\\0")))
	}
	var out []string
	for _, s := range strings.Split(p, "/") {
		switch s {
		case "", ".":
			continue
		case "..":
			return nil, a.refuse(fs.ErrPermission, "files.escape", p)
		}
		out = append(out, s)
	}
	return out, nil
}

// resolve finds what p names. A case file or export that does not exist yet is returned
// with its kind and name, and fs.ErrNotExist.
func (a *fileArea) resolve(p string) (node, error) {
	seg, err := a.segments(p)
	if err != nil {
		return node{}, err
	}
	notFound := a.refuse(fs.ErrNotExist, "files.not_found", p)
	switch {
	case len(seg) == 0:
		return node{kind: nRoot, name: "/"}, nil
	case seg[0] == "exports" && len(seg) == 1:
		return node{kind: nExports, name: "exports"}, nil
	case seg[0] == "exports" && len(seg) == 2:
		n := node{kind: nExport, name: seg[1], disk: seg[1]}
		if workflow.FileNameProblem(seg[1]) != nil {
			return n, notFound
		}
		if _, err := a.statExport(seg[1]); err != nil {
			return n, notFound
		}
		return n, nil
	case seg[0] == "cases" && len(seg) == 1:
		return node{kind: nCases, name: "cases"}, nil
	case seg[0] == "cases" && (len(seg) == 2 || len(seg) == 3):
		c, err := a.s.st.CaseByNo(seg[1])
		if err != nil {
			return node{}, a.refuse(fs.ErrNotExist, "files.no_case", seg[1])
		}
		if len(seg) == 2 {
			return node{kind: nCase, name: c.No, caseNo: c.No, c: c}, nil
		}
		n := node{kind: nCaseFile, name: seg[2], caseNo: c.No, c: c}
		for _, f := range c.Files {
			if shownName(f) == seg[2] {
				n.ref = f
				return n, nil
			}
		}
		return n, notFound
	}
	return node{}, notFound
}

// shownName is how an attached file is listed: its name, and from the second file of
// that name on, the version before the extension (scan.v2.pdf).
func shownName(f workflow.FileRef) string {
	if f.Version <= 1 {
		return f.Name
	}
	ext := path.Ext(f.Name)
	if ext == f.Name { // ".bashrc"
		ext = ""
	}
	return strings.TrimSuffix(f.Name, ext) + ".v" + strconv.Itoa(f.Version) + ext
}

// exportDir is the staff member's own export folder ("" when the server keeps none).
func (s *Server) exportDir(name string) string {
	if s.o.ExportRoot == "" || !store.ValidStaffName(name) {
		return ""
	}
	return filepath.Join(s.o.ExportRoot, name)
}

// exportRoot opens the staff member's export folder as an os.Root. The folder itself must
// be a directory, not a link to one.
func (a *fileArea) exportRoot() (*os.Root, error) {
	dir := a.s.exportDir(a.me.Name)
	if dir == "" {
		return nil, fs.ErrNotExist
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fs.ErrNotExist
	}
	return os.OpenRoot(dir)
}

func (a *fileArea) statExport(name string) (fs.FileInfo, error) {
	r, err := a.exportRoot()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	fi, err := r.Lstat(name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fs.ErrNotExist
	}
	return fi, nil
}

// openExport opens one of the staff member's exports for reading.
func (a *fileArea) openExport(name string) (*os.File, fs.FileInfo, error) {
	r, err := a.exportRoot()
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	if fi, err := r.Lstat(name); err != nil || !fi.Mode().IsRegular() {
		return nil, nil, fs.ErrNotExist
	}
	f, err := r.Open(name)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, fs.ErrNotExist
	}
	return f, fi, nil
}

// fileInfo is a node as an fs.FileInfo.
type fileInfo struct {
	name string
	size int64
	mode fs.FileMode
	mod  time.Time
}

func (f fileInfo) Name() string       { return f.name }
func (f fileInfo) Size() int64        { return f.size }
func (f fileInfo) Mode() fs.FileMode  { return f.mode }
func (f fileInfo) ModTime() time.Time { return f.mod }
func (f fileInfo) IsDir() bool        { return f.mode.IsDir() }
func (f fileInfo) Sys() any           { return nil }

func (a *fileArea) info(n node) fileInfo {
	switch n.kind {
	case nExport:
		if fi, err := a.statExport(n.disk); err == nil {
			return fileInfo{name: n.name, size: fi.Size(), mode: 0o400, mod: fi.ModTime()}
		}
		return fileInfo{name: n.name, mode: 0o400}
	case nCaseFile:
		at, _ := time.Parse(time.RFC3339, n.ref.At)
		return fileInfo{name: n.name, size: n.ref.Size, mode: 0o400, mod: at}
	case nCase:
		return fileInfo{name: n.name, mode: fs.ModeDir | 0o700, mod: n.c.UpdatedAt}
	}
	return fileInfo{name: n.name, mode: fs.ModeDir | 0o500, mod: a.opened}
}

// list is what a directory holds.
func (a *fileArea) list(n node) ([]fileInfo, error) {
	switch n.kind {
	case nRoot:
		return []fileInfo{a.info(node{kind: nCases, name: "cases"}), a.info(node{kind: nExports, name: "exports"})}, nil
	case nExports:
		r, err := a.exportRoot()
		if err != nil {
			return nil, nil // no exports yet
		}
		defer r.Close()
		d, err := r.Open(".")
		if err != nil {
			return nil, nil
		}
		defer d.Close()
		ents, _ := d.ReadDir(-1)
		var out []fileInfo
		for _, e := range ents {
			if !e.Type().IsRegular() || workflow.FileNameProblem(e.Name()) != nil {
				continue
			}
			if fi, err := e.Info(); err == nil {
				out = append(out, fileInfo{name: e.Name(), size: fi.Size(), mode: 0o400, mod: fi.ModTime()})
			}
		}
		return out, nil
	case nCases:
		var out []fileInfo
		for sm := range a.s.st.Snapshot().All() {
			if !sm.Stage.Terminal() {
				out = append(out, fileInfo{name: sm.No, mode: fs.ModeDir | 0o700, mod: sm.UpdatedAt})
			}
		}
		return out, nil
	case nCase:
		var out []fileInfo
		for _, f := range n.c.Files {
			out = append(out, a.info(node{kind: nCaseFile, name: shownName(f), ref: f}))
		}
		return out, nil
	}
	return nil, a.refuse(fs.ErrInvalid, "files.not_dir", n.name)
}

// read opens a file of the tree for reading.
func (a *fileArea) read(p string) (io.ReaderAt, int64, func() error, error) {
	n, err := a.resolve(p)
	if err != nil {
		return nil, 0, nil, err
	}
	switch n.kind {
	case nExport:
		f, fi, err := a.openExport(n.disk)
		if err != nil {
			return nil, 0, nil, a.refuse(fs.ErrNotExist, "files.not_found", p)
		}
		a.s.log.Info("file sent", "staff", a.me.Name, "key", a.fp, "path", "exports/"+n.disk, "size", fi.Size())
		return f, fi.Size(), f.Close, nil
	case nCaseFile:
		b, err := a.s.st.FileContent(n.ref.SHA256)
		if err != nil {
			return nil, 0, nil, a.refuse(fs.ErrNotExist, "files.unreadable", p, messageOf(err, a.lang))
		}
		a.s.log.Info("file sent", "staff", a.me.Name, "key", a.fp, "case", n.caseNo, "name", n.ref.Name, "sha256", n.ref.SHA256)
		return bytes.NewReader(b), int64(len(b)), func() error { return nil }, nil
	}
	return nil, 0, nil, a.refuse(fs.ErrInvalid, "files.is_dir", p)
}

// uploadPlace checks where a file is sent: cases/<number>/ of a case that exists, or a
// file name in it (len 3). It returns the segments.
func (a *fileArea) uploadPlace(p string) ([]string, error) {
	seg, err := a.segments(p)
	if err != nil {
		return nil, err
	}
	if len(seg) >= 2 && seg[0] == "cases" {
		if _, err := a.s.st.CaseByNo(seg[1]); err != nil {
			return nil, a.refuse(fs.ErrNotExist, "files.no_case", seg[1])
		}
	}
	if (len(seg) != 2 && len(seg) != 3) || seg[0] != "cases" {
		return nil, a.refuse(fs.ErrPermission, "files.write_where", p)
	}
	return seg, nil
}

// uploadTarget says where a file sent to p goes: the case, and the file's name.
func (a *fileArea) uploadTarget(p string) (caseNo, name string, err error) {
	seg, err := a.uploadPlace(p)
	if err != nil {
		return "", "", err
	}
	if len(seg) != 3 {
		return "", "", a.refuse(fs.ErrPermission, "files.write_where", p)
	}
	if r := workflow.FileNameProblem(seg[2]); r != nil {
		return "", "", &fileErr{kind: fs.ErrInvalid, msg: r.Message(a.lang)}
	}
	return seg[1], seg[2], nil
}

// attach stores one received file on its case.
func (a *fileArea) attach(caseNo, name string, content []byte) error {
	_, ref, err := a.s.st.AttachFile(a.me, caseNo, name, content, a.s.maxUpload())
	if err != nil {
		a.s.log.Warn("file refused", "staff", a.me.Name, "key", a.fp, "case", caseNo, "name", workflow.CleanLine(name), "size", len(content), "err", err)
		kind := fs.ErrPermission
		if errors.Is(err, store.ErrNotFound) {
			kind = fs.ErrNotExist
		}
		return &fileErr{kind: kind, msg: sT(a.lang, "files.refused", name, messageOf(err, a.lang))}
	}
	a.s.log.Info("file attached", "staff", a.me.Name, "key", a.fp, "case", caseNo, "name", ref.Name, "version", ref.Version,
		"size", ref.Size, "sha256", ref.SHA256)
	return nil
}

func (a *fileArea) tooLarge(size int64) error {
	max := a.s.maxUpload()
	if size <= max {
		return nil
	}
	return &fileErr{kind: fs.ErrPermission, msg: (&store.FileTooLargeError{Size: size, Max: max}).Message(a.lang)}
}

func (s *Server) maxUpload() int64 {
	if s.o.MaxUpload > 0 {
		return s.o.MaxUpload
	}
	return store.DefaultMaxFile
}

// messageOf is an error's text in lang, for the errors that know their languages.
func messageOf(err error, lang string) string {
	var m interface{ Message(string) string }
	if errors.As(err, &m) {
		return m.Message(lang)
	}
	if errors.Is(err, store.ErrNotFound) {
		return sT(lang, "files.gone")
	}
	return err.Error()
}

// areaFor is the file tree of the session's staff member, or a refusal already told to
// the client (an unregistered or disabled key: the session then ends with status 1).
func (s *Server) areaFor(sess ssh.Session) (*fileArea, bool) {
	pk := sess.PublicKey()
	if pk == nil {
		_ = sess.Exit(1)
		return nil, false
	}
	fp := gossh.FingerprintSHA256(pk)
	me, ok := s.st.StaffByKey(pk)
	if !ok || !me.Active {
		s.log.Warn("file session refused", "remote", sess.RemoteAddr().String(), "key", fp, "reason", "key no longer registered or account disabled")
		fmt.Fprintln(sess.Stderr(), sT("", "ssh.unknown_key", fp))
		_ = sess.Exit(1)
		return nil, false
	}
	return &fileArea{s: s, me: me, lang: sessionLang(me, sess.Environ()), fp: fp, opened: time.Now()}, true
}

// FetchCommand is the command a staff member types on their own computer to fetch file
// from their exports folder.
func (s *Server) FetchCommand(file string) string {
	host, port := s.o.PublicHost, ""
	if a := s.Addr(); a != nil {
		_, port, _ = net.SplitHostPort(a.String())
	} else {
		_, port, _ = net.SplitHostPort(s.o.Listen)
	}
	if h, p, err := net.SplitHostPort(host); err == nil { // --public-host desk.example:2222
		host, port = h, p
	}
	if host == "" {
		h, _, _ := net.SplitHostPort(s.o.Listen)
		if a := s.Addr(); a != nil && h == "" {
			h, _, _ = net.SplitHostPort(a.String())
		}
		if ip := net.ParseIP(h); h == "" || ip != nil && ip.IsUnspecified() {
			h, _ = os.Hostname()
		}
		host = h
	}
	if strings.Contains(host, ":") { // an IPv6 address
		host = "[" + host + "]"
	}
	target := host + ":exports/" + file
	if strings.ContainsAny(target, " '\"$`!&;|<>()*?[]#~") && !strings.HasPrefix(host, "[") {
		target = "'" + strings.ReplaceAll(target, "'", `'\''`) + "'"
	}
	if port != "" && port != "22" {
		return "scp -P " + port + " " + target + " ."
	}
	return "scp " + target + " ."
}
