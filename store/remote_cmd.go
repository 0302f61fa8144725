package store

// Commands through the control socket. While a console or the server holds the database,
// `repairdesk letter`, `export`, `report`, `import`, `staff …`, `sla set`, `calendar import`
// and `letters use` run inside that process: the command line sends "cmd\n", the process
// answers with a ready frame, the command line sends its request (arguments, language), and
// the command runs against the open store. Its output comes back as frames; the files it
// reads and writes stay on the command line's side: the process asks for them frame by
// frame, and the command line reads and creates them itself (never over an existing file).
//
// Who runs the command is the socket peer's uid (SO_PEERCRED), never anything the peer says.
//
// A frame is one type byte, a 4-byte big-endian length and the payload.

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/user"
	"strconv"
	"sync"
	"time"
)

// Frame types.
const (
	frReady   = 'y' // process → cli: send the request
	frRefuse  = 'n' // either way: refused, payload is the reason
	frOK      = 'k' // cli → process: done, payload is the answer
	frRequest = 'q' // cli → process: the request (JSON)
	frStdout  = 'o'
	frStderr  = 'e'
	frExit    = 'x' // process → cli: the exit code; the last frame
	frCreate  = 'c' // process → cli: create this new file; answered k <handle> or n
	frWrite   = 'w' // process → cli: 4-byte handle + bytes
	frClose   = 'z' // process → cli: close the handle; answered k or n
	frRemove  = 'd' // process → cli: remove the file of this handle (only files it created)
	frRead    = 'r' // process → cli: the contents of this file; answered k <bytes> or n
	frExists  = 's' // process → cli: does this path exist; answered k 1|0
)

// maxFrame bounds a frame (a file read whole, such as an import CSV, is one frame).
const maxFrame = 256 << 20

// CommandRequest is what the command line sends.
type CommandRequest struct {
	Args []string `json:"args"`
	Lang string   `json:"lang"`
	Cwd  string   `json:"cwd"` // the command line's working directory (paths it names are relative to it)
}

// Peer is the OS user at the other end of the control socket, from the kernel.
type Peer struct {
	UID      int
	Username string // "" when the uid has no name on this machine
}

// CommandIO is the command's side of the connection: its output, and the command line's
// files.
type CommandIO struct {
	Stdout, Stderr io.Writer
	c              *frameConn
}

// ReadFile reads a file on the command line's side.
func (io *CommandIO) ReadFile(path string) ([]byte, error) {
	t, p, err := io.c.ask(frRead, []byte(path))
	if err != nil {
		return nil, err
	}
	if t != frOK {
		return nil, errors.New(string(p))
	}
	return p, nil
}

// Exists says whether path exists on the command line's side.
func (io *CommandIO) Exists(path string) bool {
	t, p, err := io.c.ask(frExists, []byte(path))
	return err == nil && t == frOK && string(p) == "1"
}

// CreateNew creates a new file on the command line's side; an existing file is refused
// with an error that is fs.ErrExist.
func (io *CommandIO) CreateNew(path string) (io.WriteCloser, error) {
	t, p, err := io.c.ask(frCreate, []byte(path))
	if err != nil {
		return nil, err
	}
	if t != frOK {
		if string(p) == "exist" {
			return nil, fmt.Errorf("%s: %w", path, fs.ErrExist)
		}
		return nil, errors.New(string(p))
	}
	h, err := strconv.Atoi(string(p))
	if err != nil {
		return nil, errors.New("control socket: bad file handle")
	}
	return &remoteFile{c: io.c, h: uint32(h)}, nil
}

// Remove removes a file this command created (the command line removes only those).
func (io *CommandIO) Remove(w io.WriteCloser) {
	if f, ok := w.(*remoteFile); ok {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], f.h)
		_ = io.c.send(frRemove, b[:])
	}
}

type remoteFile struct {
	c *frameConn
	h uint32
}

func (f *remoteFile) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		part := p
		if len(part) > 1<<20 {
			part = part[:1<<20]
		}
		buf := make([]byte, 4+len(part))
		binary.BigEndian.PutUint32(buf, f.h)
		copy(buf[4:], part)
		if err := f.c.send(frWrite, buf); err != nil {
			return n, err
		}
		n += len(part)
		p = p[len(part):]
	}
	return n, nil
}

func (f *remoteFile) Close() error {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], f.h)
	t, p, err := f.c.ask(frClose, b[:])
	if err != nil {
		return err
	}
	if t != frOK {
		return errors.New(string(p))
	}
	return nil
}

// CommandHandler runs one command for peer and returns its exit code.
type CommandHandler func(peer Peer, req CommandRequest, cio *CommandIO) int

var (
	handlersMu sync.Mutex
	handlers   = map[*Store]CommandHandler{}
)

// HandleCommands makes this store's control socket run commands with h (the command line
// package provides it: store cannot import it). remove undoes it.
func (s *Store) HandleCommands(h CommandHandler) (remove func()) {
	handlersMu.Lock()
	handlers[s] = h
	handlersMu.Unlock()
	return func() {
		handlersMu.Lock()
		delete(handlers, s)
		handlersMu.Unlock()
	}
}

type frameConn struct {
	conn net.Conn
	r    *bufio.Reader
	mu   sync.Mutex
}

func (c *frameConn) send(t byte, p []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(ControlIdleTimeout))
	// One write per frame, never an empty one: a write of nothing is still a write(2), and
	// after the peer has read a whole frame (an answer with no payload, such as k to a
	// close) it may end the command and close, so a second, empty write of the same frame
	// failed with "broken pipe" now and then although everything had arrived.
	buf := make([]byte, 5, 5+len(p))
	buf[0] = t
	binary.BigEndian.PutUint32(buf[1:], uint32(len(p)))
	buf = append(buf, p...)
	_, err := c.conn.Write(buf)
	return err
}

func (c *frameConn) recv(idle time.Duration) (byte, []byte, error) {
	if idle > 0 {
		_ = c.conn.SetReadDeadline(time.Now().Add(idle))
	} else {
		_ = c.conn.SetReadDeadline(time.Time{})
	}
	var h [5]byte
	if _, err := io.ReadFull(c.r, h[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(h[1:])
	if n > maxFrame {
		return 0, nil, errors.New("control socket: frame too large")
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(c.r, p); err != nil {
		return 0, nil, err
	}
	return h[0], p, nil
}

// ask sends a frame and waits for the command line's answer.
func (c *frameConn) ask(t byte, p []byte) (byte, []byte, error) {
	if err := c.send(t, p); err != nil {
		return 0, nil, err
	}
	return c.recv(ControlIdleTimeout)
}

type frameWriter struct {
	c *frameConn
	t byte
}

func (w frameWriter) Write(p []byte) (int, error) {
	if err := w.c.send(w.t, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// command serves one "cmd" request (called from handle).
func (c *controlServer) command(conn net.Conn) {
	fc := &frameConn{conn: conn, r: bufio.NewReader(conn)}
	handlersMu.Lock()
	h := handlers[c.s]
	handlersMu.Unlock()
	if h == nil {
		_ = fc.send(frRefuse, []byte("this process does not run commands"))
		return
	}
	peer, err := peerOf(conn)
	if err != nil {
		_ = fc.send(frRefuse, []byte("cannot tell who is calling: "+err.Error()))
		return
	}
	if err := fc.send(frReady, nil); err != nil {
		return
	}
	t, p, err := fc.recv(5 * time.Second)
	if err != nil || t != frRequest {
		return
	}
	var req CommandRequest
	if err := json.Unmarshal(p, &req); err != nil || len(req.Args) > 256 {
		_ = fc.send(frRefuse, []byte("bad request"))
		return
	}
	cio := &CommandIO{Stdout: frameWriter{fc, frStdout}, Stderr: frameWriter{fc, frStderr}, c: fc}
	code := h(peer, req, cio)
	_ = fc.send(frExit, []byte(strconv.Itoa(code)))
}

func peerOf(conn net.Conn) (Peer, error) {
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return Peer{}, errors.New("not a unix socket")
	}
	uid, err := peerUID(uc)
	if err != nil {
		return Peer{}, err
	}
	p := Peer{UID: uid}
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		p.Username = u.Username
	}
	return p, nil
}

// ErrNoCommands: the process holding the database answers, but does not run commands.
var ErrNoCommands = errors.New("the running repairdesk does not run commands")

// RemoteCommand runs req in the process holding dbPath, writing its output to stdout and
// stderr and serving its file requests from this side: files are read here and created
// here, new or not at all. It returns the command's exit code.
func RemoteCommand(dbPath string, req CommandRequest, stdout, stderr io.Writer) (code int, err error) {
	return RemoteCommandContext(context.Background(), dbPath, req, stdout, stderr)
}

// RemoteCommandContext is RemoteCommand that ctx cuts off (Ctrl+C): the connection is
// closed, the files the command was writing on this side are removed, and the process
// holding the database sees the command's output fail and stops it.
func RemoteCommandContext(ctx context.Context, dbPath string, req CommandRequest, stdout, stderr io.Writer) (code int, err error) {
	// A connection dropped before the request was taken ran nothing: try again.
	for try := 0; ; try++ {
		code, err = remoteCommand(ctx, dbPath, req, stdout, stderr)
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		if !errors.Is(err, errNotStarted) || try == 4 {
			return code, err
		}
		time.Sleep(time.Duration(50*(try+1)) * time.Millisecond)
	}
}

// errNotStarted: the connection failed before the process took the request.
var errNotStarted = errors.New("the request was not taken")

func remoteCommand(ctx context.Context, dbPath string, req CommandRequest, stdout, stderr io.Writer) (int, error) {
	conn, err := dialControl(dbPath, "cmd")
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	fc := &frameConn{conn: conn, r: bufio.NewReader(conn)}
	t, p, err := fc.recv(ControlDialTimeout + 5*time.Second)
	if err != nil {
		return 0, fmt.Errorf("control socket: no answer (%v): %w", err, errNotStarted)
	}
	if t == frRefuse {
		return 0, fmt.Errorf("%w: %s", ErrNoCommands, p)
	}
	if t != frReady {
		return 0, errors.New("control socket: unexpected answer")
	}
	b, _ := json.Marshal(req)
	if err := fc.send(frRequest, b); err != nil {
		return 0, fmt.Errorf("control socket (%v): %w", err, errNotStarted)
	}
	type file struct {
		f    *os.File
		err  error
		name string
	}
	var files []*file
	var open []*file
	defer func() { // a command cut off leaves no half file
		for _, f := range open {
			if f.f != nil {
				f.f.Close()
				os.Remove(f.name)
			}
		}
	}()
	handle := func(p []byte) *file {
		if len(p) < 4 {
			return nil
		}
		h := binary.BigEndian.Uint32(p)
		if int(h) >= len(files) {
			return nil
		}
		return files[h]
	}
	for {
		// The command may take long (a big import): no idle limit on this side.
		t, p, err := fc.recv(0)
		if err != nil {
			return 0, fmt.Errorf("control socket: the command was cut off: %w", err)
		}
		switch t {
		case frStdout:
			stdout.Write(p)
		case frStderr:
			stderr.Write(p)
		case frExit:
			code, err := strconv.Atoi(string(p))
			if err != nil {
				return 0, errors.New("control socket: bad exit code")
			}
			return code, nil
		case frRefuse:
			return 0, fmt.Errorf("the running repairdesk refused: %s", p)
		case frRead:
			b, err := os.ReadFile(string(p))
			if err != nil {
				err = fc.send(frRefuse, []byte(err.Error()))
			} else {
				err = fc.send(frOK, b)
			}
			if err != nil {
				return 0, err
			}
		case frExists:
			ans := "0"
			if _, err := os.Lstat(string(p)); err == nil {
				ans = "1"
			}
			if err := fc.send(frOK, []byte(ans)); err != nil {
				return 0, err
			}
		case frCreate:
			name := string(p)
			f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
			switch {
			case errors.Is(err, fs.ErrExist):
				err = fc.send(frRefuse, []byte("exist"))
			case err != nil:
				err = fc.send(frRefuse, []byte(err.Error()))
			default:
				nf := &file{f: f, name: name}
				files = append(files, nf)
				open = append(open, nf)
				err = fc.send(frOK, []byte(strconv.Itoa(len(files)-1)))
			}
			if err != nil {
				return 0, err
			}
		case frWrite:
			if f := handle(p); f != nil && f.f != nil && f.err == nil {
				_, f.err = f.f.Write(p[4:])
			}
		case frClose:
			f := handle(p)
			var cerr error
			if f == nil || f.f == nil {
				cerr = errors.New("no such file")
			} else {
				cerr = f.err
				if err := f.f.Close(); cerr == nil {
					cerr = err
				}
				f.f = nil
				for i, o := range open {
					if o == f {
						open = append(open[:i], open[i+1:]...)
						break
					}
				}
			}
			if cerr != nil {
				err = fc.send(frRefuse, []byte(cerr.Error()))
			} else {
				err = fc.send(frOK, nil)
			}
			if err != nil {
				return 0, err
			}
		case frRemove:
			if f := handle(p); f != nil {
				if f.f != nil {
					f.f.Close()
					f.f = nil
				}
				os.Remove(f.name)
			}
		default:
			return 0, errors.New("control socket: unexpected frame")
		}
	}
}

// HeldElsewhere reports whether another process holds the database at path (a console or
// the server): then commands go through its control socket.
func HeldElsewhere(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		// Another OS user's database, served with a control group: held when its
		// control socket is there (the command then goes through it, or says why not).
		if errors.Is(err, fs.ErrPermission) {
			fi, serr := os.Lstat(SocketPath(path))
			return serr == nil && fi.Mode()&os.ModeSocket != 0
		}
		return false
	}
	defer f.Close()
	return lockHeld(f)
}
