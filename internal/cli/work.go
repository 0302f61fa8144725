package cli

// Long work on the command line (export, check, backup, import, restore, demo): its
// progress on standard error when that is a terminal, and Ctrl+C, which stops it cleanly.

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"repairdesk/internal/progress"
	"repairdesk/store"
)

// exitInterrupted is the exit code after Ctrl+C (128 + SIGINT, as shells report it).
const exitInterrupted = 130

// work is one long piece of work: its progress line and, in tests, a hook that hears
// every update.
type work struct {
	line *progress.Line
	hook func(what string, done, total int64)
	what string
}

// work starts the progress of the work named by the catalogue key what. Through the
// control socket nothing is shown: the command runs in the process holding the
// database, whose standard error is not the user's terminal.
func (a *app) work(what string, unit progress.Unit) *work {
	w := &work{hook: a.progressHook, what: what}
	if a.held == nil {
		w.line = progress.New(a.stderr, a.lang, what, unit)
	}
	return w
}

func (w *work) update(done, total int64) {
	w.line.Update(done, total)
	if w.hook != nil {
		w.hook(w.what, done, total)
	}
}

func (w *work) done() { w.line.Done() }

// interruptible is the context long work stops on: Ctrl+C (SIGINT) or SIGTERM, caught
// only while the work runs, so the command can remove what it had not finished.
func (a *app) interruptible() (context.Context, func()) {
	if a.ctx != nil {
		return a.ctx, func() {}
	}
	if a.held != nil { // inside the process holding the database: the client going away ends it
		return context.Background(), func() {}
	}
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// storeWork is the store's Work for a command: ctx stops it, and its progress goes to
// one line, named by the store's part ("check" after "backup" …); a call with what ""
// clears the line.
func (a *app) storeWork(ctx context.Context, what string, unit progress.Unit) store.Work {
	w := a.work(what, unit)
	cur := what
	return store.Work{Context: ctx, Progress: func(part string, done, total int64) {
		if part == "" {
			w.done()
			return
		}
		if k := "progress." + part; k != cur {
			cur = k
			u := progress.Cases
			if part == "backup" || part == "restore" {
				u = progress.Bytes
			}
			w.line.Rename(k, u)
			w.what = k
		}
		w.update(done, total)
		if total > 0 && done >= total {
			w.done()
		}
	}}
}
