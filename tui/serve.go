package tui

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/log"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	"github.com/muesli/termenv"
	gossh "golang.org/x/crypto/ssh"

	"repairdesk/store"
	"repairdesk/workflow"
)

// ServeOptions configure the office server: one process, one database, a console for
// every staff member who connects with a registered key.
type ServeOptions struct {
	Store       *store.Store
	Listen      string        // host:port
	HostKeyPath string        // ed25519 key, created on first start and then always reused
	IdleLock    time.Duration // lock a console after this long without a key (0 = never)
	Grace       time.Duration // on stop, sessions get this long, with a countdown (grace.go)
	Logger      *log.Logger   // nil: standard error
	Now         func() time.Time

	// For tests only.
	wrap             func(me workflow.Staff, m tea.Model) tea.Model // wraps each session's model
	handshakeTimeout time.Duration                                  // until the SSH key exchange is done
	maxFailures      int                                            // failed logins per address per minute
}

const (
	handshakeTimeout = 10 * time.Second // a connection that does not speak SSH is dropped
	loginTimeout     = 2 * time.Minute  // then this long to authenticate (a passphrase may be typed)
	maxFailures      = 10               // failed logins per address per failureWindow …
	failureWindow    = time.Minute      // … after which its connections are refused at once
	shutdownGrace    = 7 * time.Second  // sessions get this long to end when the server stops
	recheckEvery     = 30 * time.Second // staff are re-read even if a change notice was missed
)

// Serve runs the server on o.Listen until ctx is cancelled, then tells every session the
// server is stopping, lets them end and returns (within 10 s). The caller closes the store.
func Serve(ctx context.Context, o ServeOptions) error {
	s, err := NewServer(o)
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
	o     ServeOptions
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
	redraws   RedrawLimit // shared by every session
}

// session is one open console.
type session struct {
	staff  workflow.Staff
	key    string // the stored form of the key that authenticated
	fp     string
	remote string
	lang   string
	since  time.Time

	mu       sync.Mutex
	sess     ssh.Session
	prog     *tea.Program
	pending  tea.Msg // sent as soon as the program exists
	reason   string  // why the server ended the session; "" if the user quit
	code     int     // exit status that goes with reason
	panicked bool
}

// NewServer prepares a server; start it with Serve.
func NewServer(o ServeOptions) (*Server, error) {
	if o.Store == nil {
		return nil, errors.New("tui.NewServer: no store")
	}
	if o.HostKeyPath == "" {
		return nil, errors.New("tui.NewServer: no host key path")
	}
	if o.handshakeTimeout == 0 {
		o.handshakeTimeout = handshakeTimeout
	}
	if o.maxFailures == 0 {
		o.maxFailures = maxFailures
	}
	lg := o.Logger
	if lg == nil {
		lg = log.NewWithOptions(os.Stderr, log.Options{ReportTimestamp: true, Prefix: "repairdesk"})
	}
	s := &Server{o: o, st: o.Store, log: lg, sessions: map[ssh.Session]*session{}, stopped: make(chan struct{}), redraws: NewRedrawLimit(),
		fails: &failures{max: o.maxFailures, window: failureWindow, at: map[string][]time.Time{}}}
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
		// The last middleware runs first.
		wish.WithMiddleware(s.console, s.identify, s.requireTerminal, s.recoverPanics),
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
	s.log.Info("serving", "listen", ln.Addr().String(), "host_key", hostKey, "db", s.st.Path())
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
		ss.end(T(ss.lang, "server.stopping"), 0, ServerStoppingMsg{})
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

func (s *Server) listLocked() []*session {
	out := make([]*session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		out = append(out, ss)
	}
	return out
}

func (s *Server) list() []*session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listLocked()
}

func (s *Server) lookup(sess ssh.Session) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[sess]
}

// register adds a session unless the server is stopping.
func (s *Server) register(sess ssh.Session, ss *session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return false
	}
	s.sessions[sess] = ss
	s.active.Add(1)
	return true
}

func (s *Server) unregister(sess ssh.Session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sessions[sess]; ok {
		delete(s.sessions, sess)
		s.active.Done()
	}
}

// ---- authentication ----

type connStateKey struct{}

// connState follows one connection until it has authenticated.
type connState struct {
	remote, ip string
	authed     atomic.Bool
	pre        gossh.ServerPreAuthConn // only used on the connection's own goroutine

	mu        sync.Mutex
	timer     *time.Timer // closes the connection unless it authenticates in time
	attempted bool
	reason    string
	refused   []string // fingerprints of keys refused, for the log
}

func (cs *connState) setTimer(d time.Duration, f func()) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	switch {
	case cs.timer == nil && f != nil:
		cs.timer = time.AfterFunc(d, f)
	case cs.timer != nil && d > 0:
		cs.timer.Reset(d)
	case cs.timer != nil:
		cs.timer.Stop()
	}
}

func (cs *connState) note(reason string) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.attempted = true
	cs.reason = reason
}

// trackedConn reports how a connection that never authenticated ended.
type trackedConn struct {
	net.Conn
	once  sync.Once
	onEnd func()
}

func (c *trackedConn) Close() error {
	c.once.Do(c.onEnd)
	return c.Conn.Close()
}

func (s *Server) onConnect(ctx ssh.Context, conn net.Conn) net.Conn {
	remote := conn.RemoteAddr().String()
	ip := remote
	if h, _, err := net.SplitHostPort(remote); err == nil {
		ip = h
	}
	if s.fails.blocked(ip, time.Now()) {
		s.log.Warn("connection refused", "remote", remote, "reason", "too many failed logins")
		return nil // closes it before a byte is exchanged
	}
	cs := &connState{remote: remote, ip: ip}
	tc := &trackedConn{Conn: conn}
	tc.onEnd = func() { s.connEnded(cs) }
	cs.setTimer(s.o.handshakeTimeout, func() {
		if !cs.authed.Load() {
			cs.note("handshake or login timed out")
			tc.Close()
		}
	})
	ctx.SetValue(connStateKey{}, cs)
	return tc
}

func (s *Server) connEnded(cs *connState) {
	cs.setTimer(0, nil)
	if cs.authed.Load() {
		return // a session logs its own logout
	}
	cs.mu.Lock()
	attempted, reason, keys := cs.attempted, cs.reason, slices.Clone(cs.refused)
	cs.mu.Unlock()
	if !attempted {
		s.log.Debug("connection closed before logging in", "remote", cs.remote)
		return
	}
	s.fails.add(cs.ip, time.Now())
	s.log.Warn("login refused", "remote", cs.remote, "keys", strings.Join(keys, ","), "reason", reason)
}

// serverConfig is called once per connection, before its handshake.
func (s *Server) serverConfig(ctx ssh.Context) *gossh.ServerConfig {
	cs, _ := ctx.Value(connStateKey{}).(*connState)
	cfg := &gossh.ServerConfig{}
	if cs == nil {
		return cfg
	}
	cfg.PreAuthConnCallback = func(c gossh.ServerPreAuthConn) {
		// The key exchange is done: it speaks SSH. Give a person time to log in.
		cs.pre = c
		cs.setTimer(max(loginTimeout, s.o.handshakeTimeout), nil)
	}
	cfg.AuthLogCallback = func(_ gossh.ConnMetadata, method string, err error) {
		switch {
		case err == nil:
			cs.authed.Store(true)
			cs.setTimer(0, nil)
		case method != "none":
			cs.mu.Lock()
			cs.attempted = true
			if cs.reason == "" {
				cs.reason = "no acceptable key (" + method + ")"
			}
			cs.mu.Unlock()
		}
	}
	return cfg
}

// acceptKey is asked about every key a client offers, including keys it only asks about
// without proving it holds them. So it decides yes or no and remembers nothing: who is
// logged in is read from the key that authenticated (sess.PublicKey) in identify.
func (s *Server) acceptKey(ctx ssh.Context, key ssh.PublicKey) bool {
	if _, ok := s.st.StaffByKey(key); ok {
		return true
	}
	cs, _ := ctx.Value(connStateKey{}).(*connState)
	if cs == nil {
		return false
	}
	fp := gossh.FingerprintSHA256(key)
	reason, text := "unregistered key", sT("", "ssh.unknown_key", fp)
	if s.disabledKey(key) {
		reason, text = "account disabled", sT("", "ssh.disabled_key", fp)
	}
	cs.mu.Lock()
	seen := slices.Contains(cs.refused, fp)
	if !seen {
		cs.refused = append(cs.refused, fp)
	}
	cs.attempted = true
	cs.reason = reason
	cs.mu.Unlock()
	// Authentication failure alone says only "permission denied": tell the person why,
	// in a banner (OpenSSH prints it). Another key of theirs may still get them in.
	if !seen && cs.pre != nil {
		_ = cs.pre.SendAuthBanner(text + "\n")
	}
	return false
}

// disabledKey: the key belongs to a staff member who is disabled (for the message only).
func (s *Server) disabledKey(key ssh.PublicKey) bool {
	want := store.NormalKey(key)
	for _, st := range s.st.ListStaff() {
		if !st.Active && slices.Contains(st.Keys, want) {
			return true
		}
	}
	return false
}

// ---- middleware (outermost first: recoverPanics, requireTerminal, identify, console) ----

// recoverPanics keeps a panic in one session from reaching the server.
func (s *Server) recoverPanics(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("session panicked", "remote", sess.RemoteAddr().String(), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				fmt.Fprintln(sess.Stderr(), T("zh", "err.panic")+" / "+T("en", "err.panic"))
				_ = sess.Exit(1)
			}
		}()
		next(sess)
	}
}

// requireTerminal refuses commands, subsystems and sessions without a terminal, at once.
func (s *Server) requireTerminal(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		_, _, tty := sess.Pty()
		if tty && sess.RawCommand() == "" && sess.Subsystem() == "" {
			next(sess)
			return
		}
		fp := ""
		if pk := sess.PublicKey(); pk != nil {
			fp = gossh.FingerprintSHA256(pk)
		}
		s.log.Info("session refused", "remote", sess.RemoteAddr().String(), "key", fp, "reason", "no terminal or a command",
			"command", workflow.CleanLine(sess.RawCommand()))
		fmt.Fprintln(sess.Stderr(), sT("", "ssh.no_pty"))
		_ = sess.Exit(1)
	}
}

// identify finds the staff member by the key the session authenticated with.
func (s *Server) identify(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		remote := sess.RemoteAddr().String()
		pk := sess.PublicKey()
		if pk == nil {
			s.log.Warn("session refused", "remote", remote, "reason", "no public key")
			_ = sess.Exit(1)
			return
		}
		fp := gossh.FingerprintSHA256(pk)
		me, ok := s.st.StaffByKey(pk)
		if !ok { // disabled or removed since the handshake
			s.log.Warn("session refused", "remote", remote, "key", fp, "reason", "key no longer registered or account disabled")
			fmt.Fprintln(sess.Stderr(), sT("", "ssh.unknown_key", fp))
			_ = sess.Exit(1)
			return
		}
		ss := &session{sess: sess, staff: me, key: store.NormalKey(pk), fp: fp, remote: remote, lang: sessionLang(me, sess.Environ()), since: time.Now()}
		if !s.register(sess, ss) {
			fmt.Fprintln(sess.Stderr(), sT("", "ssh.stopping"))
			_ = sess.Exit(1)
			return
		}
		s.log.Info("login", "staff", me.Name, "role", me.Role, "key", fp, "remote", remote, "lang", ss.lang)
		defer func() {
			r := recover()
			if r != nil {
				s.sessionPanicked(ss, r, debug.Stack())
				fmt.Fprintln(sess, T(ss.lang, "err.panic"))
				_ = sess.Exit(1)
			}
			s.unregister(sess)
			reason, _, panicked := ss.outcome()
			s.log.Info("logout", "staff", me.Name, "key", fp, "remote", remote,
				"duration", time.Since(ss.since).Round(time.Second), "ended_by_server", reason != "", "panicked", panicked)
		}()
		next(sess)
	}
}

// sessionLang: the staff record's language, else the client's locale, else Chinese.
func sessionLang(me workflow.Staff, env []string) string {
	if me.Lang != "" {
		return NormLang(me.Lang)
	}
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, name+"="); ok && v != "" {
				return NormLang(v)
			}
		}
	}
	return "zh"
}

// console runs the session's Bubble Tea program: the wish bubbletea middleware, written
// out here so the program's outcome reaches our log and the person.
func (s *Server) console(_ ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		ss := s.lookup(sess)
		if ss == nil {
			return
		}
		pty, winch, _ := sess.Pty()
		m := New(Options{Store: s.st, Me: ss.staff, Lang: ss.lang, Renderer: sessionRenderer(sess, pty.Term),
			IdleLock: s.o.IdleLock, Now: s.o.Now, Redraws: s.redraws})
		defer m.Close()
		var tm tea.Model = m
		if s.o.wrap != nil {
			tm = s.o.wrap(ss.staff, tm)
		}
		g := &guard{inner: tm, lang: ss.lang, onPanic: func(v any, stack []byte) { s.sessionPanicked(ss, v, stack) }}
		in := &sessionInput{r: sess}
		p := tea.NewProgram(g, tea.WithInput(in), tea.WithOutput(m.Output(sess)), tea.WithAltScreen(),
			// The server, not each program, decides what a signal to the process means.
			tea.WithoutSignalHandler())
		g.prog = p
		in.onEOF = func() { go p.Quit() }
		ss.setProgram(p)

		ctx, cancel := context.WithCancel(sess.Context())
		go func() {
			for {
				select {
				case <-ctx.Done():
					p.Quit() // the connection is gone
					return
				case w := <-winch:
					p.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
				}
			}
		}()
		_, err := p.Run()
		p.Kill() // releases any Send still waiting
		cancel()

		if errors.Is(err, tea.ErrProgramPanic) {
			s.sessionPanicked(ss, "caught by Bubble Tea", nil)
		} else if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
			s.log.Error("console ended with an error", "staff", ss.staff.Name, "remote", ss.remote, "err", err)
		}
		reason, code, panicked := ss.outcome()
		if m.LockedOut() && reason == "" && !panicked {
			s.log.Warn("session ended: wrong PINs at the lock", "staff", ss.staff.Name, "key", ss.fp, "remote", ss.remote)
			reason, code = m.EndReason(), 1
		}
		switch {
		case panicked:
			fmt.Fprintln(sess, T(ss.lang, "err.panic"))
			_ = sess.Exit(1)
		case reason != "":
			fmt.Fprintln(sess, reason)
			_ = sess.Exit(code)
		}
	}
}

// sessionRenderer gives the session its own colours, from the client's TERM and
// environment. Unlike wish's MakeRenderer it does not ask the terminal for its
// background colour (that read can hang and eat a key); dark is assumed.
func sessionRenderer(sess ssh.Session, term string) *lipgloss.Renderer {
	if term == "" || term == "dumb" {
		return lipgloss.NewRenderer(sess, termenv.WithProfile(termenv.Ascii))
	}
	r := lipgloss.NewRenderer(sess, termenv.WithEnvironment(sshEnviron(sess.Environ())), termenv.WithUnsafe(), termenv.WithColorCache(true))
	r.SetHasDarkBackground(true)
	return r
}

type sshEnviron []string

func (e sshEnviron) Environ() []string { return e }

func (e sshEnviron) Getenv(k string) string {
	for _, v := range e {
		if rest, ok := strings.CutPrefix(v, k+"="); ok {
			return rest
		}
	}
	return ""
}

func (s *Server) sessionPanicked(ss *session, v any, stack []byte) {
	ss.mu.Lock()
	first := !ss.panicked
	ss.panicked = true
	ss.mu.Unlock()
	if first {
		s.log.Error("session panicked; ended it", "staff", ss.staff.Name, "remote", ss.remote, "panic", fmt.Sprint(v), "stack", string(stack))
	}
}

func (ss *session) setProgram(p *tea.Program) {
	ss.mu.Lock()
	ss.prog = p
	msg := ss.pending
	ss.mu.Unlock()
	if msg != nil {
		go p.Send(msg)
	}
}

// end asks the session to end with reason (shown after the console closes) by sending
// msg to its program. Only the first reason counts.
func (ss *session) end(reason string, code int, msg tea.Msg) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.reason != "" {
		return false
	}
	ss.reason, ss.code = reason, code
	if ss.prog == nil {
		ss.pending = msg
		return true
	}
	// Send waits for the event loop; never hold a lock or block the caller on it.
	go ss.prog.Send(msg)
	return true
}

// kill ends the session at once (shutdown ran out of time).
func (ss *session) kill() bool {
	ss.mu.Lock()
	p, sess := ss.prog, ss.sess
	ss.mu.Unlock()
	if p != nil {
		p.Kill()
	}
	if sess != nil {
		_ = sess.Close()
	}
	return true
}

func (ss *session) outcome() (reason string, code int, panicked bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.reason, ss.code, ss.panicked
}

// ---- staff changes ----

// watch ends the sessions of staff who were disabled or lost the key they logged in with.
func (s *Server) watch(ch <-chan store.Change) {
	defer close(s.watchDone)
	t := time.NewTicker(recheckEvery)
	defer t.Stop()
	for {
		select {
		case c, ok := <-ch:
			if !ok {
				return
			}
			if c.Topic == "staff" {
				s.revoke()
			}
		case <-t.C:
			s.revoke()
		}
	}
}

func (s *Server) revoke() {
	s.mu.Lock()
	stopping := s.stopping
	list := s.listLocked()
	s.mu.Unlock()
	if stopping {
		return
	}
	for _, ss := range list {
		cur, ok := s.st.Staff(ss.staff.Name)
		var key string
		switch {
		case !ok || !cur.Active:
			key = "ssh.ended_disabled"
		case !slices.Contains(cur.Keys, ss.key):
			key = "ssh.ended_key"
		default:
			continue
		}
		reason := sT(ss.lang, key)
		if ss.end(reason, 1, EndSessionMsg{Reason: reason}) {
			s.log.Info("session ended: access revoked", "staff", ss.staff.Name, "key", ss.fp, "remote", ss.remote, "why", key)
		}
	}
}

// ---- failed logins ----

// failures counts failed logins per address in a sliding window.
type failures struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	at     map[string][]time.Time
}

func (f *failures) recent(ip string, now time.Time) []time.Time {
	ts := f.at[ip]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= f.window {
		i++
	}
	return ts[i:]
}

func (f *failures) blocked(ip string, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.recent(ip, now)) >= f.max
}

func (f *failures) add(ip string, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.at) > 4096 { // many addresses: forget the quiet ones
		for k := range f.at {
			if len(f.recent(k, now)) == 0 {
				delete(f.at, k)
			}
		}
	}
	f.at[ip] = append(f.recent(ip, now), now)
}
