package pgtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Server is a PostgreSQL of a test's own, for what must not happen to the shared test
// database: a restart under load. It runs from a temporary directory on a private port
// and a unix socket there, as the postgres user when the test runs as root (initdb
// refuses root), and is stopped when the test ends.
type Server struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	as   []string // the command prefix that runs as the server's owner
	Addr string   // postgres:// address of its database "repairdesk_test"
}

// Private starts a PostgreSQL of t's own. It skips t without REPAIRDESK_TEST_PG (no
// PostgreSQL tests wanted) or without the server's programs.
func Private(t testing.TB) *Server {
	t.Helper()
	if os.Getenv(Env) == "" {
		t.Skip(Reason)
	}
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			bins = []string{p}
		}
	}
	if len(bins) == 0 {
		t.Skip("no initdb: a private PostgreSQL cannot be started (.ci/run installs the Debian package)")
	}
	slices.Sort(bins)
	s := &Server{t: t, bin: filepath.Dir(bins[len(bins)-1])}
	dir, err := os.MkdirTemp("", "repairdesk-pg-")
	if err != nil {
		t.Fatal(err)
	}
	s.dir = dir
	t.Cleanup(func() { s.stop(); os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root without a postgres user: initdb refuses root")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		s.as = []string{"runuser", "-u", "postgres", "--"}
	}
	s.port = 40000 + rand.IntN(20000)
	s.run("initdb", "-D", filepath.Join(dir, "data"), "-U", "postgres", "-A", "trust")
	s.Start()
	s.Addr = fmt.Sprintf("postgres://postgres@/repairdesk_test?host=%s&port=%d", dir, s.port)
	s.run("createdb", "-h", dir, "-p", strconv.Itoa(s.port), "-U", "postgres", "repairdesk_test")
	return s
}

func (s *Server) run(prog string, args ...string) {
	s.t.Helper()
	if out, err := s.cmd(prog, args...).CombinedOutput(); err != nil {
		s.t.Fatalf("%s %v: %v\n%s", prog, args, err, out)
	}
}

// cmd runs one of the server's programs as the server's owner.
func (s *Server) cmd(prog string, args ...string) *exec.Cmd {
	argv := append([]string{}, s.as...)
	argv = append(append(argv, filepath.Join(s.bin, prog)), args...)
	return exec.Command(argv[0], argv[1:]...)
}

// Start starts the server (again) and waits until it takes connections.
func (s *Server) Start() {
	s.t.Helper()
	s.run("pg_ctl", "-D", filepath.Join(s.dir, "data"), "-l", filepath.Join(s.dir, "server.log"), "-w",
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=''", s.port, s.dir), "start")
}

// Stop stops the server at once (pg_ctl -m immediate: connections are cut, nothing is
// shut down gracefully — as when the database's machine fails).
func (s *Server) Stop() {
	s.t.Helper()
	s.run("pg_ctl", "-D", filepath.Join(s.dir, "data"), "-m", "immediate", "-w", "stop")
}

func (s *Server) stop() {
	_ = s.cmd("pg_ctl", "-D", filepath.Join(s.dir, "data"), "-m", "immediate", "-w", "stop").Run()
}

// Ping says whether the server answers.
func (s *Server) Ping() bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, s.Addr)
	if err != nil {
		return false
	}
	c.Close(ctx)
	return true
}
