package server

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime/debug"
	"sync"

	"github.com/charmbracelet/ssh"
	"github.com/pkg/sftp"

	"repairdesk/workflow"
)

// sftpSubsystem serves the staff member's file tree (files.go) over SFTP: plain sftp, and
// scp on OpenSSH 9 and later, which speaks SFTP. It is pkg/sftp's request server with
// handlers of our own, so every path goes through the tree and nothing reaches the disk
// but the staff member's own exports, read-only.
//
// Subsystems do not pass through the middleware: identity is checked here.
func (s *Server) sftpSubsystem(sess ssh.Session) {
	a, ok := s.areaFor(sess)
	if !ok {
		return
	}
	release, ok := s.openFiles(sess, a, "sftp") // counts against the session limits
	if !ok {
		return
	}
	defer release()
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("sftp panicked", "staff", a.me.Name, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	s.log.Info("sftp", "staff", a.me.Name, "key", a.fp, "remote", sess.RemoteAddr().String())
	h := &sftpHandler{a: a, sess: sess}
	rs := sftp.NewRequestServer(sess, sftp.Handlers{FileGet: h, FilePut: h, FileCmd: h, FileList: h})
	if err := rs.Serve(); err != nil && !errors.Is(err, io.EOF) {
		s.log.Debug("sftp ended", "staff", a.me.Name, "err", err)
	}
	// Not rs.Close(): that closes the channel before the exit status is sent, and scp
	// (SFTP) then fails a copy that succeeded. The ssh package sends 0 and closes.
}

type sftpHandler struct {
	a    *fileArea
	sess ssh.Session
}

// tell writes a refusal on the client's error output too: OpenSSH's sftp and scp print
// only a generic status ("Permission denied") for the protocol's answer.
func (h *sftpHandler) tell(err error) error {
	if err == nil {
		return nil
	}
	fmt.Fprintln(h.sess.Stderr(), err.Error())
	var fe *fileErr
	if errors.As(err, &fe) {
		switch {
		case errors.Is(fe.kind, fs.ErrNotExist):
			return &wrapped{fe, os.ErrNotExist}
		case errors.Is(fe.kind, fs.ErrPermission):
			return &wrapped{fe, os.ErrPermission}
		}
		return &wrapped{fe, sftp.ErrSSHFxFailure}
	}
	return err
}

// wrapped keeps the message and lets pkg/sftp pick the status code from kind.
type wrapped struct {
	err  error
	kind error
}

func (w *wrapped) Error() string { return w.err.Error() }
func (w *wrapped) Unwrap() error { return w.kind }

func (h *sftpHandler) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	rd, _, closer, err := h.a.read(r.Filepath)
	if err != nil {
		return nil, h.tell(err)
	}
	return readCloser{rd, closer}, nil
}

type readCloser struct {
	io.ReaderAt
	close func() error
}

func (r readCloser) Close() error { return r.close() }

func (h *sftpHandler) Filewrite(r *sftp.Request) (io.WriterAt, error) {
	caseNo, name, err := h.a.uploadTarget(r.Filepath)
	if err != nil {
		return nil, h.tell(err)
	}
	sp, err := newSpool(h.a.s.o.SpoolDir)
	if err != nil {
		h.a.s.log.Error("upload spool", "staff", h.a.me.Name, "err", err)
		return nil, h.tell(h.a.refuse(fs.ErrPermission, "files.spool"))
	}
	return &upload{h: h, caseNo: caseNo, name: name, max: h.a.s.maxUpload(), sp: sp}, nil
}

// upload gathers a file sent over SFTP (its blocks may come in any order) in a sealed
// spool file (spool.go) and attaches it when the client closes it. More than max bytes
// refuses it; a transfer that breaks off (the connection dropped) attaches nothing.
type upload struct {
	h            *sftpHandler
	caseNo, name string
	max          int64
	sp           *spool

	mu     sync.Mutex
	over   int64 // the largest end offset asked for, when over max
	failed error // the transfer broke off
	closed bool
}

func (u *upload) WriteAt(p []byte, off int64) (int, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		return 0, os.ErrClosed
	}
	end := off + int64(len(p))
	if off < 0 || end > u.max {
		if u.over == 0 {
			u.h.tell(u.h.a.tooLarge(max(end, u.max+1)))
		}
		u.over = max(u.over, end)
		return 0, &wrapped{u.h.a.tooLarge(max(end, u.max+1)), os.ErrPermission}
	}
	return u.sp.WriteAt(p, off)
}

// TransferError: pkg/sftp says the transfer broke off before the client closed the file
// (it then closes it for the client): nothing is attached.
func (u *upload) TransferError(err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.failed == nil {
		u.failed = err
	}
}

func (u *upload) Close() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		return nil
	}
	u.closed = true
	defer u.sp.close()
	switch {
	case u.over > 0:
		return &wrapped{u.h.a.tooLarge(u.over), os.ErrPermission}
	case u.failed != nil:
		u.h.a.s.log.Warn("upload broke off; nothing attached", "staff", u.h.a.me.Name, "case", u.caseNo,
			"name", workflow.CleanLine(u.name), "received", u.sp.size, "err", u.failed)
		return u.failed
	}
	content, err := u.sp.content()
	if err != nil {
		return u.h.tell(err)
	}
	return u.h.tell(u.h.a.attach(u.caseNo, u.name, content))
}

// Filecmd: setting times or modes is accepted and ignored (clients send them after a
// copy); nothing can be renamed, removed, linked or made a folder.
func (h *sftpHandler) Filecmd(r *sftp.Request) error {
	if r.Method == "Setstat" {
		if _, err := h.a.resolve(r.Filepath); err != nil {
			// OpenSSH's scp sets the times of a file it is still sending, before it closes
			// it (and so before it is attached): accept that where an upload may go.
			if _, perr := h.a.uploadPlace(r.Filepath); errors.Is(err, fs.ErrNotExist) && perr == nil {
				return nil
			}
			return h.tell(err)
		}
		return nil
	}
	h.a.s.log.Info("sftp refused", "staff", h.a.me.Name, "method", r.Method, "path", workflow.CleanLine(r.Filepath))
	return h.tell(h.a.refuse(fs.ErrPermission, "files.read_only"))
}

func (h *sftpHandler) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	n, err := h.a.resolve(r.Filepath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &wrapped{err, os.ErrNotExist} // a client asking whether a file exists: no message
		}
		return nil, h.tell(err)
	}
	switch r.Method {
	case "List":
		items, err := h.a.list(n)
		if err != nil {
			return nil, h.tell(err)
		}
		out := make(listerAt, len(items))
		for i := range items {
			out[i] = items[i]
		}
		return out, nil
	case "Stat", "Lstat":
		return listerAt{h.a.info(n)}, nil
	}
	return nil, h.tell(h.a.refuse(fs.ErrPermission, "files.read_only"))
}

type listerAt []os.FileInfo

func (l listerAt) ListAt(out []os.FileInfo, off int64) (int, error) {
	if off >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(out, l[off:])
	if n < len(out) {
		return n, io.EOF
	}
	return n, nil
}
