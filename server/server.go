// Package server is repairdesk's SSH front: one process, one database, a console for
// every staff member who connects with a registered key.
//
// It is built the way soft-serve builds its SSH server: wish, and a short list of
// middleware. What is wish's is used as it is (the bubbletea middleware, recover,
// logging); what is this product's own lives in a file named for it: identity.go (who
// is logging in), limiter.go (failed logins), sessions.go (how many consoles), bounds.go
// (what one session may ask of the server), revoke.go (staff changes), banner.go (what
// the server says outside a console). terminal.go and renderer.go are the two small
// pieces kept in place of wish's activeterm and MakeRenderer; each says why.
package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/log"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	bm "github.com/charmbracelet/wish/bubbletea"
	"github.com/charmbracelet/wish/logging"
	rm "github.com/charmbracelet/wish/recover"
	"github.com/muesli/termenv"
	gossh "golang.org/x/crypto/ssh"

	"repairdesk/store"
	"repairdesk/tui"
	"repairdesk/workflow"
)

// Options configure the office server.
type Options struct {
	Store       *store.Store
	Listen      string        // host:port
	HostKeyPath string        // ed25519 key, created on first start and then always reused
	IdleLock    time.Duration // lock a console after this long without a key (0 = never)
	Grace       time.Duration // on stop, sessions get this long, with a countdown (grace.go)
	Logger      *log.Logger   // nil: standard error
	Now         func() time.Time

	// MaxSessions bounds the consoles open at once (0: DefaultMaxSessions).
	MaxSessions int
	// MaxSessionsPerStaff bounds one staff member's consoles (0: DefaultMaxSessionsPerStaff).
	MaxSessionsPerStaff int

	// ExportRoot holds each staff member's exports folder (<ExportRoot>/<login name>),
	// which their console writes to and scp/sftp read from ("" : exports are off).
	ExportRoot string
	// PublicHost is the host (or host:port) staff type to reach the server, for the
	// fetch command shown after an export ("": the listen address, or this machine's name).
	PublicHost string
	// MaxUpload bounds one file sent to a case (0: store.DefaultMaxFile).
	MaxUpload int64
	// SpoolDir holds files being sent over SFTP until they are complete, sealed under a
	// key only the process knows ("": the system's temporary folder; spool.go).
	SpoolDir string

	// For tests only.
	wrap             func(me workflow.Staff, m tea.Model) tea.Model // wraps each session's model
	handshakeTimeout time.Duration                                  // until the SSH key exchange is done
	maxFailures      int                                            // failed logins per address and key per minute
	maxAddrFailures  int                                            // failed logins per address per minute
	resizeEvery      time.Duration                                  // at most one window change per this long
}

const (
	handshakeTimeout = 10 * time.Second // a connection that does not speak SSH is dropped
	loginTimeout     = 2 * time.Minute  // then this long to authenticate (a passphrase may be typed)
	shutdownGrace    = 7 * time.Second  // sessions get this long to end when the server stops
	recheckEvery     = 30 * time.Second // staff are re-read even if a change notice was missed
)

// Serve runs the server on o.Listen until ctx is cancelled, then tells every session the
// server is stopping, lets them end and returns (within 10 s). The caller closes the store.
func Serve(ctx context.Context, o Options) error {
	s, err := New(o)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		s.Shutdown(context.Background())
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ln) }()
	var serveErr error
	select {
	case serveErr = <-errc: // the listener failed
	case <-ctx.Done():
		s.Grace(o.Grace)
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err = s.Shutdown(sctx)
	if serveErr == nil {
		serveErr = <-errc
	}
	if serveErr != nil {
		return serveErr
	}
	return err
}

// Server is the SSH front of repairdesk. Each session gets its own console model.
type Server struct {
	o     Options
	st    *store.Store
	log   *log.Logger
	ssh   *ssh.Server
	fails *failures

	mu       sync.Mutex
	sessions map[ssh.Session]*session
	ln       net.Listener
	stopping bool
	active   sync.WaitGroup // session handlers still running
	stopped  chan struct{}

	unsub     func()
	watchDone chan struct{}
	redraws   tui.RedrawLimit // shared by every session
}

// New prepares a server; start it with Serve.
func New(o Options) (*Server, error) {
	if o.Store == nil {
		return nil, errors.New("server.New: no store")
	}
	if o.HostKeyPath == "" {
		return nil, errors.New("server.New: no host key path")
	}
	if o.handshakeTimeout == 0 {
		o.handshakeTimeout = handshakeTimeout
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = DefaultMaxSessions
	}
	if o.MaxSessionsPerStaff <= 0 {
		o.MaxSessionsPerStaff = DefaultMaxSessionsPerStaff
	}
	if o.resizeEvery == 0 {
		o.resizeEvery = resizeEvery
	}
	lg := o.Logger
	if lg == nil {
		lg = log.NewWithOptions(os.Stderr, log.Options{ReportTimestamp: true, Prefix: "repairdesk"})
	}
	s := &Server{o: o, st: o.Store, log: lg, sessions: map[ssh.Session]*session{}, stopped: make(chan struct{}),
		redraws: tui.NewRedrawLimit(), fails: newFailures(o.maxFailures, o.maxAddrFailures)}
	srv, err := wish.NewServer(
		wish.WithHostKeyPath(o.HostKeyPath),
		wish.WithVersion("repairdesk"),
		// Public keys only: no password or keyboard-interactive handler is set.
		wish.WithPublicKeyAuth(s.acceptKey),
		func(srv *ssh.Server) error {
			srv.ConnCallback = s.onConnect
			srv.ServerConfigCallback = s.serverConfig
			return nil
		},
		wish.WithSubsystem("sftp", s.sftpSubsystem), // files.go, sftp.go: for staff only
		// As in soft-serve: recover around the whole list; the last middleware runs first.
		wish.WithMiddleware(rm.MiddlewareWithLogger(lg,
			s.finish, // after the console: why the server ended it
			bm.MiddlewareWithProgramHandler(s.program, termenv.Ascii),
			s.identify,        // identity.go, sessions.go: who, and whether there is room
			s.requireTerminal, // terminal.go
			s.scpFiles,        // scp.go: scp to and from the staff member's file tree, else on
			s.bound,           // bounds.go: the terminal size and its changes, clamped
			logging.StructuredMiddlewareWithLogger(lg, log.DebugLevel),
		)),
	)
	if err != nil {
		return nil, fmt.Errorf("ssh server (host key %s): %w", o.HostKeyPath, err)
	}
	s.ssh = srv
	ch, unsub := s.st.Subscribe()
	s.unsub, s.watchDone = unsub, make(chan struct{})
	go s.watch(ch)
	return s, nil
}

// Serve accepts connections on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		ln.Close()
		return nil
	}
	s.ln = ln
	s.mu.Unlock()
	hostKey := ""
	if len(s.ssh.HostSigners) > 0 {
		hostKey = gossh.FingerprintSHA256(s.ssh.HostSigners[0].PublicKey())
	}
	s.log.Info("serving", "listen", ln.Addr().String(), "host_key", hostKey, "db", s.st.Path(),
		"max_sessions", s.o.MaxSessions, "max_sessions_per_staff", s.o.MaxSessionsPerStaff)
	err := s.ssh.Serve(ln)
	s.mu.Lock()
	stopping := s.stopping
	s.mu.Unlock()
	if stopping || errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return err
}

// Addr is where the server listens (nil before Serve).
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Shutdown stops accepting connections, tells every session the server is stopping,
// waits for them to end (their last actions finish first) and closes what is left when
// ctx expires.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		<-s.stopped
		return nil
	}
	s.stopping = true
	ln := s.ln
	list := s.listLocked()
	s.mu.Unlock()
	defer close(s.stopped)
	s.log.Info("stopping", "sessions", len(list))
	if ln != nil {
		ln.Close() // Serve may not have handed it to the ssh server yet
	}
	closed := make(chan struct{})
	go func() {
		s.ssh.Shutdown(ctx) // closes the listener, then waits for connections
		close(closed)
	}()
	for _, ss := range list {
		ss.end(tui.T(ss.lang, "server.stopping"), 0, tui.ServerStoppingMsg{})
	}
	done := make(chan struct{})
	go func() {
		s.active.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		n := 0
		for _, ss := range list {
			if ss.kill() {
				n++
			}
		}
		select {
		case <-done:
		case <-time.After(time.Second):
		}
		err = fmt.Errorf("%d session(s) did not end in time and were closed", n)
		s.log.Warn("sessions closed", "count", n)
	}
	select { // clients close their connection when their last session ends: let them
	case <-closed:
	case <-time.After(time.Second):
	}
	s.ssh.Close() // connections left without a session (idle, or still logging in)
	select {
	case <-closed:
	case <-time.After(time.Second):
	}
	s.unsub()
	<-s.watchDone
	s.log.Info("stopped")
	return err
}
