package server

import (
	"fmt"
	"io"
	"io/fs"
	"path"
	"runtime/debug"
	"time"

	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish/scp"

	"repairdesk/workflow"
)

type fileAreaKey struct{}

// scpFiles runs the legacy SCP protocol (scp -O, or an older OpenSSH) on the staff
// member's file tree (files.go) with wish's scp middleware; anything that is not scp goes
// on to requireTerminal, which refuses commands. The paths are checked here, as the
// client sent them, before wish joins and cleans them.
func (s *Server) scpFiles(next ssh.Handler) ssh.Handler {
	h := &scpHandler{}
	run := scp.Middleware(h, h)(func(ssh.Session) {})
	return func(sess ssh.Session) {
		info := scp.GetInfo(sess.Command())
		if sess.Subsystem() != "" || !info.Ok {
			next(sess)
			return
		}
		a, ok := s.areaFor(sess)
		if !ok {
			return
		}
		release, ok := s.openFiles(sess, a, "scp") // counts against the session limits
		if !ok {
			return
		}
		defer release()
		fail := func(err error) {
			s.log.Info("scp refused", "staff", a.me.Name, "key", a.fp, "command", workflow.CleanLine(sess.RawCommand()), "reason", err)
			fmt.Fprintln(sess.Stderr(), err.Error())
			_ = sess.Exit(1)
		}
		switch {
		case info.Op != scp.OpCopyToClient && info.Op != scp.OpCopyFromClient:
			fail(a.refuse(fs.ErrInvalid, "files.bad_path", workflow.CleanLine(sess.RawCommand())))
			return
		case info.Op == scp.OpCopyFromClient && info.Recursive:
			fail(a.refuse(fs.ErrPermission, "files.recursive"))
			return
		}
		if _, err := a.segments(info.Path); err != nil {
			fail(err)
			return
		}
		if info.Op == scp.OpCopyFromClient {
			// The target is a case's folder, or a file name in it.
			if _, err := a.uploadPlace(info.Path); err != nil {
				fail(err)
				return
			}
		}
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("scp panicked", "staff", a.me.Name, "panic", r, "stack", string(debug.Stack()))
				_ = sess.Exit(1)
			}
		}()
		sess.Context().SetValue(fileAreaKey{}, a)
		run(sess)
		if info.Op == scp.OpCopyToClient {
			// wish writes the file without reading the client's acknowledgements. Closing
			// the channel while the client is still sending them made it report "lost
			// connection" now and then: wait (a little) for it to finish and close its side.
			done := make(chan struct{})
			go func() {
				_, _ = io.Copy(io.Discard, sess)
				close(done)
			}()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
			}
		}
	}
}

// scpHandler answers wish's scp middleware from the session's file tree.
type scpHandler struct{}

func area(sess ssh.Session) *fileArea {
	a, _ := sess.Context().Value(fileAreaKey{}).(*fileArea)
	return a
}

// Glob: no patterns, the path as it is.
func (scpHandler) Glob(_ ssh.Session, p string) ([]string, error) { return []string{p}, nil }

// WalkDir serves scp -r from a folder: the folder, then its files.
func (scpHandler) WalkDir(sess ssh.Session, p string, fn fs.WalkDirFunc) error {
	a := area(sess)
	n, err := a.resolve(p)
	if err != nil {
		return err
	}
	if n.kind == nExport || n.kind == nCaseFile {
		return fn(p, fs.FileInfoToDirEntry(a.info(n)), nil)
	}
	if err := fn(p, fs.FileInfoToDirEntry(a.info(n)), nil); err != nil {
		return err
	}
	items, err := a.list(n)
	if err != nil {
		return err
	}
	for _, it := range items {
		if it.IsDir() {
			continue // one level: the cases folder is not copied whole
		}
		if err := fn(path.Join(p, it.name), fs.FileInfoToDirEntry(it), nil); err != nil {
			return err
		}
	}
	return nil
}

func (scpHandler) NewDirEntry(sess ssh.Session, p string) (*scp.DirEntry, error) {
	a := area(sess)
	if _, err := a.resolve(p); err != nil {
		return nil, err
	}
	return &scp.DirEntry{Name: path.Base(p), Filepath: p, Mode: 0o700, Children: nil}, nil
}

func (scpHandler) NewFileEntry(sess ssh.Session, p string) (*scp.FileEntry, func() error, error) {
	a := area(sess)
	r, size, closer, err := a.read(p)
	if err != nil {
		return nil, nil, err
	}
	return &scp.FileEntry{Name: path.Base(p), Filepath: p, Mode: 0o600, Size: size, Reader: io.NewSectionReader(r, 0, size)}, closer, nil
}

// Mkdir: no folders are made (scp -r is refused before this).
func (scpHandler) Mkdir(sess ssh.Session, _ *scp.DirEntry) error {
	return area(sess).refuse(fs.ErrPermission, "files.recursive")
}

// Write attaches one received file to its case. entry.Filepath is the target joined
// with the name the client sent; the name was checked before the join is trusted.
func (scpHandler) Write(sess ssh.Session, entry *scp.FileEntry) (int64, error) {
	a := area(sess)
	if r := workflow.FileNameProblem(entry.Name); r != nil {
		return 0, &fileErr{kind: fs.ErrInvalid, msg: r.Message(a.lang)}
	}
	if err := a.tooLarge(entry.Size); err != nil {
		return 0, err
	}
	target := entry.Filepath
	if seg, _ := a.segments(entry.Filepath); len(seg) == 4 { // scp a.pdf desk:cases/XF-…/b.pdf
		target = path.Dir(entry.Filepath)
	}
	caseNo, name, err := a.uploadTarget(target)
	if err != nil {
		return 0, err
	}
	// As over SFTP, the bytes wait on disk (a sealed spool) while they arrive: many slow
	// uploads must not pile up in the server's memory.
	sp, err := newSpool(a.s.o.SpoolDir)
	if err != nil {
		return 0, err
	}
	defer sp.close()
	n, err := io.Copy(io.NewOffsetWriter(sp, 0), io.LimitReader(entry.Reader, entry.Size))
	if err != nil {
		return n, err
	}
	content, err := sp.content()
	if err != nil {
		return 0, err
	}
	if err := a.attach(caseNo, name, content); err != nil {
		return 0, err
	}
	return int64(len(content)), nil
}
