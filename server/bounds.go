package server

import (
	"context"
	"time"

	"github.com/charmbracelet/ssh"
)

// What one session may ask of the server is bounded here. The terminal size is the
// client's to say, in its pty-req and every window-change; the console draws a frame of
// that size, so a client that says 100000×100000 made the server build frames of ten
// billion cells (it grew by hundreds of MB a second and died). Sizes are clamped to
// MaxWidth × MaxHeight before anything sees them: the console draws what fits. And a
// client may send thousands of window changes a second: they are coalesced, the console
// hears of at most one every resizeEvery, always the latest.
const (
	MaxWidth    = 500
	MaxHeight   = 200
	resizeEvery = 50 * time.Millisecond
	// After the session ends, window changes already on their way are still drained
	// (the SSH library would otherwise block on them) for this long.
	drainAfterEnd = 2 * time.Second
)

// boundedSession is a session whose terminal size is clamped and whose window changes
// are coalesced. Every middleware inside bound (and wish's bubbletea middleware) sees it.
type boundedSession struct {
	ssh.Session
	pty   ssh.Pty
	winch <-chan ssh.Window
}

func (b *boundedSession) Pty() (ssh.Pty, <-chan ssh.Window, bool) { return b.pty, b.winch, true }

func clampWindow(w ssh.Window) ssh.Window {
	w.Width = min(max(w.Width, 0), MaxWidth)
	w.Height = min(max(w.Height, 0), MaxHeight)
	w.WidthPixels = min(max(w.WidthPixels, 0), MaxWidth*32)
	w.HeightPixels = min(max(w.HeightPixels, 0), MaxHeight*64)
	return w
}

// bound hands the rest of the chain a session with a clamped terminal size.
func (s *Server) bound(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		pty, winch, ok := sess.Pty()
		if !ok {
			next(sess)
			return
		}
		pty.Window = clampWindow(pty.Window)
		out := make(chan ssh.Window, 1)
		ended := make(chan struct{})
		defer close(ended)
		go coalesce(sess.Context(), winch, out, s.o.resizeEvery, ended)
		next(&boundedSession{Session: sess, pty: pty, winch: out})
	}
}

// coalesce passes window changes from in to out, clamped, at most one per every (the
// latest wins); out holds only the newest one not yet taken.
func coalesce(ctx context.Context, in <-chan ssh.Window, out chan ssh.Window, every time.Duration, ended <-chan struct{}) {
	var (
		last    time.Time
		pending ssh.Window
		has     bool
		tick    <-chan time.Time
		grace   <-chan time.Time
	)
	deliver := func(w ssh.Window) {
		select {
		case <-out: // not taken yet: replaced by the newer size
		default:
		}
		out <- w
		last = time.Now()
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-ended:
			ended = nil
			grace = time.After(drainAfterEnd)
		case <-grace:
			return
		case w, ok := <-in:
			if !ok {
				return
			}
			w = clampWindow(w)
			if since := time.Since(last); tick == nil && since >= every {
				deliver(w)
			} else {
				pending, has = w, true
				if tick == nil {
					tick = time.After(every - since)
				}
			}
		case <-tick:
			tick = nil
			if has {
				deliver(pending)
				has = false
			}
		}
	}
}
