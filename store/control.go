package store

// The control socket. bbolt holds an exclusive lock on the database file for as long as
// the console or the server has it open, so a second process can neither back it up nor
// check it. The owning process therefore answers a few requests on a unix socket beside
// the database ("<db>.sock", mode 0600, so only the same OS user can connect):
//
//	"backup\n" → "ok <size>\n" and exactly <size> bytes: a consistent copy taken inside one
//	             read transaction (writers carry on meanwhile); or "error <message>\n"
//	"check\n"  → one line per problem Check() finds, then "ok" or "problems N"
//	"ping\n"   → "pong"
//
// One request per connection; the server closes the connection after answering.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"repairdesk/internal/msg"
	"repairdesk/workflow"

	bolt "go.etcd.io/bbolt"
)

// SocketPath is where the process holding dbPath answers control requests.
func SocketPath(dbPath string) string { return dbPath + ".sock" }

// maxSocketPath: sun_path is 108 bytes on Linux and 104 on the BSDs and macOS.
const maxSocketPath = 103

// Timeouts of the control protocol; variables so tests can shorten them.
var (
	ControlDialTimeout = 2 * time.Second
	// ControlIdleTimeout: a stalled peer (no byte moved for this long) is dropped, so a
	// client that stops reading cannot hold a read transaction open for ever.
	ControlIdleTimeout = 30 * time.Second
	// ControlCheckTimeout bounds the wait for Check() on the server (a full replay).
	ControlCheckTimeout = 30 * time.Minute
	// maxControlConns bounds concurrent requests (each holds a read transaction).
	maxControlConns = 4
)

// ErrNoControl: nobody answers on the control socket.
var ErrNoControl = errors.New("no repairdesk process answers on the control socket")

var (
	controlMu      sync.Mutex
	controlServing = map[*Store]bool{}
)

// ServeControl answers control requests for this store until ctx ends or stop is called.
// It may run once per store at a time; stop is idempotent, closes open requests, waits for
// them and removes the socket file. A stale socket left by a crashed process (nobody
// answers) is replaced; an answering one, or a non-socket file in the way, is an error.
func (s *Store) ServeControl(ctx context.Context) (stop func(), err error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	if s.Shared() {
		// Commands open a shared database themselves: nothing to hand over.
		return func() {}, nil
	}
	if s.opts.ReadOnly {
		return nil, errors.New("the control socket is served only by the process that opened the database for writing")
	}
	controlMu.Lock()
	if controlServing[s] {
		controlMu.Unlock()
		return nil, errors.New("the control socket is already being served for this database")
	}
	controlServing[s] = true
	controlMu.Unlock()
	release := func() {
		controlMu.Lock()
		delete(controlServing, s)
		controlMu.Unlock()
	}

	path := SocketPath(s.path)
	gid := -1
	if s.opts.ControlGroup != "" {
		if gid, err = LookupGroup(s.opts.ControlGroup); err != nil {
			release()
			return nil, err
		}
	}
	ln, err := listenControl(path, gid)
	if err != nil {
		release()
		return nil, err
	}
	mine, _ := os.Lstat(path)

	c := &controlServer{s: s, ln: ln, conns: map[net.Conn]bool{}, done: make(chan struct{})}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			close(c.done)
			ln.Close()
			c.mu.Lock()
			for conn := range c.conns {
				conn.Close()
			}
			c.mu.Unlock()
			c.wg.Wait()
			// Remove the socket only if it is still ours (not a later process's).
			if fi, err := os.Lstat(path); err == nil && mine != nil && os.SameFile(fi, mine) {
				_ = os.Remove(path)
			}
			release()
		})
	}
	c.wg.Add(1)
	go c.accept()
	// The store closes every subscription when it closes: then the socket goes too.
	changes, unsubscribe := s.Subscribe()
	if s.closed.Load() { // closed meanwhile: its subscriptions are no longer closed for us
		unsubscribe()
		stop()
		return nil, ErrClosed
	}
	go func() {
		defer unsubscribe()
		for {
			select {
			case <-ctx.Done():
				stop()
				return
			case <-c.done:
				return
			case _, ok := <-changes:
				if !ok {
					stop()
					return
				}
			}
		}
	}()
	return stop, nil
}

// LookupGroup is the id of the OS group named name (or given by number).
func LookupGroup(name string) (int, error) {
	g, err := user.LookupGroup(name)
	if err != nil {
		if g, err = user.LookupGroupId(name); err != nil {
			return 0, &NoGroupError{Group: name}
		}
	}
	return strconv.Atoi(g.Gid)
}

// NoGroupError: serve --control-group names a group this machine does not have.
type NoGroupError struct{ Group string }

func (e *NoGroupError) Error() string { return e.Message("en") }

func (e *NoGroupError) Message(lang string) string { return msg.T(lang, "store.no_group", e.Group) }

// listenControl binds the socket with mode 0600 from the first moment: it is bound in a
// private directory, restricted, then renamed into place (which also replaces a stale one).
// With gid >= 0 it is given to that group with mode 0660 before it gets its name.
func listenControl(path string, gid int) (*net.UnixListener, error) {
	if len(path) > maxSocketPath {
		return nil, fmt.Errorf("the control socket path %s is too long for a unix socket (%d bytes, at most %d); hot backup needs a shorter database path", path, len(path), maxSocketPath)
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("%s exists and is not a socket; remove it so the control socket can be created", path)
		}
		if controlAlive(path) {
			return nil, fmt.Errorf("another process already answers on %s", path)
		}
		// Stale: left by a process that ended without cleaning up. Replaced below.
	}
	dir, err := os.MkdirTemp(filepath.Dir(path), ".repairdesk-sock-")
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "s")
	if len(tmp) > maxSocketPath {
		// The private directory makes the path too long: bind in place instead. The
		// database's directory is private (0700) when repairdesk created it.
		_ = os.Remove(path)
		tmp = path
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	ln.SetUnlinkOnClose(false)
	mode := os.FileMode(0o600)
	if gid >= 0 {
		mode = 0o660
		if err := os.Chown(tmp, -1, gid); err != nil {
			ln.Close()
			os.Remove(tmp)
			return nil, fmt.Errorf("control socket %s: group %d: %w", path, gid, err)
		}
	}
	if err := os.Chmod(tmp, mode); err != nil {
		ln.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	if tmp != path {
		if err := os.Rename(tmp, path); err != nil {
			ln.Close()
			return nil, fmt.Errorf("control socket %s: %w", path, err)
		}
	}
	return ln, nil
}

// controlAlive reports whether a live server answers "pong" on path (one whose store has
// closed answers an error and counts as gone).
func controlAlive(path string) bool {
	conn, err := net.DialTimeout("unix", path, 500*time.Millisecond)
	if err != nil {
		return false
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(conn, "ping\n"); err != nil {
		return false
	}
	l, err := readLine(bufio.NewReader(conn))
	return err == nil && l == "pong"
}

type controlServer struct {
	s     *Store
	ln    *net.UnixListener
	mu    sync.Mutex
	conns map[net.Conn]bool
	wg    sync.WaitGroup
	done  chan struct{}
}

func (c *controlServer) accept() {
	defer c.wg.Done()
	sem := make(chan struct{}, maxControlConns)
	for {
		conn, err := c.ln.Accept()
		if err != nil {
			select {
			case <-c.done:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(50 * time.Millisecond) // e.g. too many open files: retry, do not spin
			continue
		}
		select {
		case sem <- struct{}{}:
		default:
			_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
			fmt.Fprintln(conn, "error busy: too many control requests at once, try again")
			conn.Close()
			continue
		}
		c.mu.Lock()
		select {
		case <-c.done:
			c.mu.Unlock()
			conn.Close()
			<-sem
			return
		default:
		}
		c.conns[conn] = true
		c.wg.Add(1)
		c.mu.Unlock()
		go func() {
			defer c.wg.Done()
			defer func() { <-sem }()
			defer func() {
				c.mu.Lock()
				delete(c.conns, conn)
				c.mu.Unlock()
				conn.Close()
			}()
			c.handle(conn)
		}()
	}
}

// idleWriter pushes the write deadline forward before every write.
type idleWriter struct{ conn net.Conn }

func (w idleWriter) Write(p []byte) (int, error) {
	_ = w.conn.SetWriteDeadline(time.Now().Add(ControlIdleTimeout))
	return w.conn.Write(p)
}

func (c *controlServer) handle(conn net.Conn) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(idleWriter{conn}, "error internal: %v\n", r)
		}
	}()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	req, err := bufio.NewReaderSize(io.LimitReader(conn, 64), 64).ReadString('\n')
	if err != nil {
		return
	}
	w := bufio.NewWriterSize(idleWriter{conn}, 64<<10)
	defer w.Flush()
	s := c.s
	if s.closed.Load() {
		fmt.Fprintln(w, "error", ErrClosed)
		return
	}
	req = strings.TrimSpace(req)
	if req == "backup" || req == "check" {
		// The whole database: for the process's own OS user, or (through a control group)
		// an active admin's.
		if why := c.mayCopy(conn); why != "" {
			fmt.Fprintln(w, "error", why)
			return
		}
	}
	switch req {
	case "ping":
		fmt.Fprintln(w, "pong")
	case "backup":
		sent := false
		err := s.viewBolt(func(tx *bolt.Tx) error {
			if _, err := fmt.Fprintf(w, "ok %d\n", tx.Size()); err != nil {
				return err
			}
			sent = true
			_, err := tx.WriteTo(w)
			return err
		})
		if err != nil && !sent {
			fmt.Fprintln(w, "error", workflow.CleanLine(err.Error()))
		}
		// After the header a failure just ends the stream: the client sees a short copy.
	case "cmd":
		c.command(conn)
	case "check":
		probs := s.Check()
		if s.closed.Load() { // Check on a closed database finds nothing: say so instead
			fmt.Fprintln(w, "error", ErrClosed)
			return
		}
		for _, p := range probs {
			fmt.Fprintln(w, workflow.CleanLine(p.String()))
		}
		if len(probs) == 0 {
			fmt.Fprintln(w, "ok")
		} else {
			fmt.Fprintf(w, "problems %d\n", len(probs))
		}
	default:
		fmt.Fprintln(w, "error unknown request (backup, check or ping)")
	}
}

// mayCopy says why the peer may not have a backup or a check ("" when it may): only the
// OS user running this process, or one mapped to an active admin (the login name in
// lower case), when a control group lets others connect.
func (c *controlServer) mayCopy(conn net.Conn) string {
	peer, err := peerOf(conn)
	if err != nil {
		return "cannot tell who is calling: " + err.Error()
	}
	if peer.UID == os.Getuid() {
		return ""
	}
	name := strings.ToLower(peer.Username)
	if st, ok := c.s.Staff(name); ok && st.Active && st.Role.CanAdminister() {
		return ""
	}
	return fmt.Sprintf("only an admin may back up or check the database: the OS user %q is not an active admin of it", workflow.CleanLine(peer.Username))
}

// idleConn pushes the read deadline forward before every read.
type idleConn struct {
	net.Conn
	idle time.Duration
}

func (c idleConn) Read(p []byte) (int, error) {
	_ = c.Conn.SetReadDeadline(time.Now().Add(c.idle))
	return c.Conn.Read(p)
}

func dialControl(dbPath, req string) (net.Conn, error) {
	path := SocketPath(dbPath)
	conn, err := net.DialTimeout("unix", path, ControlDialTimeout)
	if err != nil {
		return nil, fmt.Errorf("%w (%s): %w", ErrNoControl, path, err)
	}
	_ = conn.SetWriteDeadline(time.Now().Add(ControlDialTimeout))
	if _, err := io.WriteString(conn, req+"\n"); err != nil {
		conn.Close()
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	return conn, nil
}

// RemoteBackup asks the process holding dbPath for a consistent copy and writes it to w.
// It fails, never returning a short copy as success, if the answer is cut off.
func RemoteBackup(dbPath string, w io.Writer) (int64, error) {
	conn, err := dialControl(dbPath, "backup")
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	r := bufio.NewReader(idleConn{conn, ControlIdleTimeout})
	head, err := readLine(r)
	if err != nil {
		return 0, fmt.Errorf("control socket: no answer to backup: %w", err)
	}
	size, err := parseHead(head)
	if err != nil {
		return 0, err
	}
	n, err := io.CopyN(w, r, size)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return n, fmt.Errorf("control socket: the copy was cut off after %d of %d bytes", n, size)
		}
		return n, fmt.Errorf("control socket: backup after %d of %d bytes: %w", n, size, err)
	}
	return n, nil
}

func parseHead(head string) (int64, error) {
	if msg, ok := strings.CutPrefix(head, "error "); ok {
		return 0, fmt.Errorf("the running repairdesk refused: %s", workflow.CleanLine(msg))
	}
	v, ok := strings.CutPrefix(head, "ok ")
	if !ok {
		return 0, fmt.Errorf("control socket: unexpected answer %q", workflow.CleanLine(truncRunes(head, 60)))
	}
	size, err := strconv.ParseInt(v, 10, 64)
	if err != nil || size <= 0 {
		return 0, fmt.Errorf("control socket: unexpected size %q", workflow.CleanLine(truncRunes(v, 30)))
	}
	return size, nil
}

func readLine(r *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		part, isPrefix, err := r.ReadLine()
		if err != nil {
			return "", err
		}
		if b.Len()+len(part) > 4096 {
			return "", errors.New("control socket: answer line too long")
		}
		b.Write(part)
		if !isPrefix {
			return b.String(), nil
		}
	}
}

// RemoteCheck asks the process holding dbPath to run Check(); it returns the problems
// (none: the database is sound).
func RemoteCheck(dbPath string) ([]string, error) {
	conn, err := dialControl(dbPath, "check")
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(ControlCheckTimeout))
	r := bufio.NewReader(conn)
	var lines []string
	for {
		l, err := readLine(r)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("control socket: %w", err)
		}
		lines = append(lines, workflow.CleanLine(l))
		if len(lines) > 1_000_000 {
			return nil, errors.New("control socket: answer too long")
		}
	}
	if len(lines) == 0 {
		return nil, errors.New("control socket: no answer to check")
	}
	last := lines[len(lines)-1]
	probs := lines[:len(lines)-1]
	switch {
	case last == "ok" && len(probs) == 0:
		return nil, nil
	case strings.HasPrefix(last, "problems "):
		if n, err := strconv.Atoi(strings.TrimPrefix(last, "problems ")); err == nil && n == len(probs) {
			return probs, nil
		}
	case strings.HasPrefix(last, "error "):
		return nil, fmt.Errorf("the running repairdesk refused: %s", strings.TrimPrefix(last, "error "))
	}
	return nil, errors.New("control socket: the check answer was cut off or malformed")
}

// truncRunes cuts s to n runes, marking the cut.
func truncRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
