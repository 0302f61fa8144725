package cli

import (
	"bytes"
	"context"
	"net"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"repairdesk/internal/msg"
	"repairdesk/store"
	"repairdesk/store/kv/pgtest"
)

// lockedBuf is a buffer the server's logger writes to while the test reads it.
type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// servedRun is a `repairdesk serve` running in this process (startServe).
type servedRun struct {
	stderr *lockedBuf
	opts   store.Options // what serve opened its store with
	stop   func() int    // Ctrl+C; returns serve's exit code
}

// startServe runs `serve` with args (--listen and --host-key added) on a, in this
// process, and returns once it accepts connections; a.ctx is what stop cancels.
func startServe(t *testing.T, a *app, args ...string) *servedRun {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	args = append([]string{"serve", "--listen", addr, "--host-key", filepath.Join(t.TempDir(), "host")}, args...)
	r := &servedRun{stderr: &lockedBuf{}}
	ctx, cancel := context.WithCancel(context.Background())
	var optsMu sync.Mutex
	a.stdout, a.stderr, a.version, a.ctx = &lockedBuf{}, r.stderr, "test", ctx
	a.storeOpts = func(o store.Options) { optsMu.Lock(); r.opts = o; optsMu.Unlock() }
	a.langFlag = scanLang(args)
	a.lang = msg.LangFromEnv(a.langFlag)
	code := make(chan int, 1)
	go func() { code <- a.execute(args) }()
	r.stop = func() int { cancel(); return <-code }
	for deadline := time.Now().Add(30 * time.Second); ; {
		select {
		case c := <-code:
			cancel()
			t.Fatalf("serve ended before it listened: exit %d\n%s", c, r.stderr)
		default:
		}
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			r.stop()
			t.Fatalf("serve did not listen on %s in 30 s\n%s", addr, r.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	optsMu.Lock()
	defer optsMu.Unlock()
	return r
}

// gcNow is the collector's percent and soft memory limit in force, read without
// changing them.
func gcNow() (pct, limit int64) {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64()), int64(s[1].Value.Uint64())
}

// TestServeSetsItsCollector: a `serve` run sets GOGC 400 and the 1.5 GiB soft memory
// limit while it runs and hands its store a Settled hint that raises the limit to twice
// the live heap after a big load (the store calls it after 20,000 cases; here the test
// calls it, with 1 GiB live); GOGC or GOMEMLIMIT in the environment leave the collector
// as it was, the hint included (README, "serve's garbage collector"). What it found
// comes back when serve ends.
func TestServeSetsItsCollector(t *testing.T) {
	before := debug.SetGCPercent(137)
	defer debug.SetGCPercent(before)
	limit := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(limit)
	db := filepath.Join(t.TempDir(), "office.db")

	for _, env := range []struct{ gogc, memlimit string }{{"", ""}, {"150", ""}, {"", "3GiB"}} {
		t.Setenv("GOGC", env.gogc)
		t.Setenv("GOMEMLIMIT", env.memlimit)
		own := env.gogc == "" && env.memlimit == ""
		r := startServe(t, &app{}, "--db", db)
		wantPct, wantLimit := int64(137), limit
		if own {
			wantPct, wantLimit = serveGCPercent, serveGCMemLimit
		}
		if p, l := gcNow(); p != wantPct || l != wantLimit {
			t.Errorf("GOGC=%q GOMEMLIMIT=%q: serve runs with GC percent %d, limit %d; want %d, %d", env.gogc, env.memlimit, p, l, wantPct, wantLimit)
		}
		if r.opts.Memory.Settled == nil {
			t.Fatalf("GOGC=%q GOMEMLIMIT=%q: serve gives its store no Settled hint", env.gogc, env.memlimit)
		}
		// A big base's live heap: pointer-free and never touched, so it costs address
		// space, not memory.
		big := make([]byte, 1<<30)
		r.opts.Memory.Settled()
		_, l := gcNow()
		runtime.KeepAlive(big)
		if own && l < 2<<30 {
			t.Errorf("after a load with 1 GiB live, serve's memory limit is %d, want at least %d (twice the live heap)", l, int64(2<<30))
		}
		if !own && l != limit {
			t.Errorf("GOGC=%q GOMEMLIMIT=%q: memory limit %d after the load, want %d (the operator's)", env.gogc, env.memlimit, l, limit)
		}
		big = nil
		if code := r.stop(); code != exitOK {
			t.Errorf("serve ended with exit %d\n%s", code, r.stderr)
		}
		if p, l := gcNow(); p != 137 || l != limit {
			t.Errorf("after serve: GC percent %d, limit %d; want 137, %d (what it found)", p, l, limit)
		}
	}
}

// TestServeWarnsOfSmallPGCache: serve on PostgreSQL says, in the user's language, that
// the server's shared_buffers is smaller than the case base when it is, and says nothing
// when the base fits. A test's base is a few hundred KB, far below any server's cache,
// so to see the warning the test makes serve compare the server's real shared_buffers
// (what the store read from it) with a base 1 MB larger than it; the figures serve
// compares still come from the store's query of the server (checked against the
// server's own answer).
func TestServeWarnsOfSmallPGCache(t *testing.T) {
	pg := pgtest.Addr(t)
	key := filepath.Join(t.TempDir(), "pg.key")
	var wantBuffers int64
	if s, err := store.Open(pg, store.Options{KeyFile: key}); err != nil {
		t.Fatal(err)
	} else {
		var ok bool
		wantBuffers, _, ok = s.ServerCache()
		s.Close()
		if !ok || wantBuffers <= 0 {
			t.Fatalf("the server's shared_buffers: %d, %v", wantBuffers, ok)
		}
	}
	// Both languages' warning names the setting.
	anyWarning := func(out string) bool { return strings.Contains(out, "shared_buffers") }
	for _, lang := range []string{"zh", "en"} {
		// The base as it is: it fits, nothing is said.
		heard := false
		a := &app{cacheFit: func(buffers, base int64) (int64, int64) {
			heard = true
			if buffers != wantBuffers || base <= 0 || base >= buffers {
				t.Errorf("serve compares shared_buffers %d with a base of %d; the server has %d", buffers, base, wantBuffers)
			}
			return buffers, base
		}}
		r := startServe(t, a, "--db", pg, "--key-file", key, "--lang", lang)
		if code := r.stop(); code != exitOK {
			t.Errorf("%s: serve ended with exit %d\n%s", lang, code, r.stderr)
		}
		if !heard {
			t.Errorf("%s: serve did not ask the server for its cache", lang)
		}
		if out := r.stderr.String(); anyWarning(out) {
			t.Errorf("%s: a base that fits the cache, warned:\n%s", lang, out)
		}

		// A base 1 MB larger than the cache: the warning, with both figures.
		a = &app{cacheFit: func(buffers, base int64) (int64, int64) { return buffers, buffers + 1<<20 }}
		r = startServe(t, a, "--db", pg, "--key-file", key, "--lang", lang)
		if code := r.stop(); code != exitOK {
			t.Errorf("%s: serve ended with exit %d\n%s", lang, code, r.stderr)
		}
		want := msg.T(lang, "cli.serve_pg_cache_small", wantBuffers>>20, wantBuffers>>20+1)
		if out := r.stderr.String(); !strings.Contains(out, want) {
			t.Errorf("%s: a base larger than the cache, serve said\n%s\nwant the warning %q", lang, out, want)
		}
	}
}
