package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"repairdesk/internal/msg"
	"repairdesk/internal/office"
	"repairdesk/store"
)

// corruptChildEnv carries the arguments of a command the corruption corpus runs in a
// child process (this test binary), separated by \x1f.
const corruptChildEnv = "REPAIRDESK_CORRUPT_CHILD"

func TestMain(m *testing.M) {
	asOtherUserChild() // controlgroup_test.go: a command run as another OS user
	if args := os.Getenv(corruptChildEnv); args != "" {
		os.Exit(corruptChild(strings.Split(args, "\x1f")))
	}
	code := m.Run()
	if demoDir != "" { // progressDemo's database, shared by the tests of one run
		os.RemoveAll(demoDir)
	}
	os.Exit(code)
}

// corruptChild runs one command as main does. "open console|serve DB" opens the store the
// way those commands do (openStore, same options) and then reads every case and its
// events, as sessions do when cases are opened; it prints a digest of what it read.
func corruptChild(args []string) int {
	if len(args) == 3 && args[0] == "open" {
		a := &app{stdout: os.Stdout, stderr: os.Stderr, lang: msg.LangFromEnv("")}
		st, ok := a.openStore(args[2], store.Options{Mode: args[1]})
		if !ok {
			return 1
		}
		defer st.Close()
		h := sha256.New()
		for _, sm := range st.Snapshot().List() {
			c, err := st.Case(sm.ID)
			if err != nil {
				fmt.Fprintln(os.Stderr, "repairdesk:", messageIn(err, ""))
				return 1
			}
			evs, err := st.Events(sm.ID)
			if err != nil {
				fmt.Fprintln(os.Stderr, "repairdesk:", messageIn(err, ""))
				return 1
			}
			b, err := json.Marshal(struct {
				C   any
				Evs any
			}{c, evs})
			if err != nil {
				fmt.Fprintln(os.Stderr, "repairdesk:", err)
				return 1
			}
			h.Write(b)
		}
		fmt.Println(hex.EncodeToString(h.Sum(nil)))
		return 0
	}
	return Run("test", args, os.Stdout, os.Stderr)
}

// damageNamed: what a command must say about a damaged file.
var damageNamed = regexp.MustCompile(`damaged|已损坏|page \d+|第 \d+ 页|case \d+|案件 \d+|unreadable|truncated|截断|meta page|元数据页`)

// crashed: what a panic or a fatal signal leaves on standard error.
var crashed = regexp.MustCompile(`panic:|fatal error:|goroutine \d+ \[|SIGBUS|SIGSEGV|unexpected fault address`)

// verified: backup's line for a copy that passed its check.
var verified = regexp.MustCompile(`(?m)^(verified: |已校验：)`)

type corruptFile struct {
	name       string
	apply      func(b []byte) []byte
	structural bool // every check must find it: truncation, a meta page, a page header zeroed
}

// TestCorruptionCorpus damages a small database in many ways and runs every command on
// each damaged copy, in a child process: none may panic or die by a signal; a failure
// exits 1 with a message naming the damage; check, backup and restore find every
// structural damage, and backup never calls a damaged file verified; export and the
// console's open either fail so, or give exactly what they give on the sound file.
//
// More seeds (random pages zeroed and bytes flipped, 8 of each per seed):
//
//	REPAIRDESK_CORRUPT_SEEDS=50 go test -run TestCorruptionCorpus -count=1 -timeout 2h ./internal/cli/
func TestCorruptionCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes; skipped with -short")
	}
	seeds := 1
	if v := os.Getenv("REPAIRDESK_CORRUPT_SEEDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("REPAIRDESK_CORRUPT_SEEDS=%q: want a positive number", v)
		}
		seeds = n
	}
	t.Setenv(store.KeyEnv, "")
	dir := t.TempDir()
	base := filepath.Join(dir, "base.db")
	st, err := store.Open(base, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := office.GenerateDemo(st, 40, 7); err != nil {
		t.Fatal(err)
	}
	caseNo := st.Snapshot().List()[0].No
	st.Close()
	clean, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(base + ".key")
	if err != nil {
		t.Fatal(err)
	}
	anchorFiles := map[string][]byte{}
	for _, ext := range []string{".anchors", ".anchor-key", ".anchor-key.pub"} {
		if anchorFiles[ext], err = os.ReadFile(base + ext); err != nil {
			t.Fatal(err)
		}
	}
	owners, ps, err := store.PageOwners(base)
	if err != nil {
		t.Fatal(err)
	}
	heads := make([]uint64, 0, len(owners))
	for id := range owners {
		heads = append(heads, id)
	}
	slices.Sort(heads)
	need := int(heads[len(heads)-1]+1) * ps // the file past the last page in use may be slack

	var files []corruptFile
	for k := 1; k <= 10; k++ { // truncations, the first ones inside the meta pages
		off := need * k * k / 100
		if k == 1 {
			off = 700
		}
		files = append(files, corruptFile{fmt.Sprintf("truncated-%d", off), func(b []byte) []byte { return b[:off] }, true})
	}
	for m := range 2 {
		files = append(files, corruptFile{fmt.Sprintf("meta-%d-zeroed", m), func(b []byte) []byte {
			clear(b[m*ps : (m+1)*ps])
			return b
		}, true})
	}
	for seed := range seeds {
		rng := rand.New(rand.NewPCG(uint64(seed), 11))
		per := 4
		if seeds > 1 {
			per = 8
		}
		for range per {
			id := heads[rng.IntN(len(heads))]
			files = append(files, corruptFile{fmt.Sprintf("seed%d-page-%d-%s-zeroed", seed, id, owners[id]), func(b []byte) []byte {
				clear(b[int(id)*ps : int(id+1)*ps])
				return b
			}, true})
		}
		for range per {
			id := heads[rng.IntN(len(heads))]
			off, bit := int(id)*ps+rng.IntN(256), byte(1)<<rng.IntN(8)
			files = append(files, corruptFile{fmt.Sprintf("seed%d-page-%d-%s-byte-%d-flipped", seed, id, owners[id], off), func(b []byte) []byte {
				b[off] ^= bit
				return b
			}, false})
		}
	}

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		code int
		out  string
	}
	runChild := func(t *testing.T, lang string, args ...string) result {
		t.Helper()
		cmd := exec.Command(exe)
		cmd.Env = append(os.Environ(), corruptChildEnv+"="+strings.Join(args, "\x1f"), "LC_ALL="+lang, store.KeyEnv+"=")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		done := make(chan error, 1)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { done <- cmd.Wait() }()
		var err error // this subtest's: they run in parallel
		select {
		case err = <-done:
		case <-time.After(2 * time.Minute):
			cmd.Process.Kill()
			<-done
			t.Fatalf("%v hangs", args)
		}
		ps := cmd.ProcessState
		if !ps.Exited() {
			t.Fatalf("%v died by a signal (%v):\n%s", args, ps, out.String())
		}
		if crashed.MatchString(out.String()) {
			t.Fatalf("%v crashed:\n%s", args, out.String())
		}
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return result{ps.ExitCode(), out.String()}
	}

	// What the commands give on the sound file, in each language, to compare a success
	// on a damaged one.
	sound := map[string]string{}
	for _, lang := range []string{"en_US.UTF-8", "zh_CN.UTF-8"} {
		for _, c := range []string{"export", "open"} {
			args := []string{"export", "--db", base}
			if c == "open" {
				args = []string{"open", "console", base}
			}
			r := runChild(t, lang, args...)
			if r.code != 0 {
				t.Fatalf("%s on the sound file: exit %d\n%s", c, r.code, r.out)
			}
			sound[lang+c] = r.out
		}
	}

	sem := make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	t.Run("files", func(t *testing.T) {
		for i, cf := range files {
			t.Run(cf.name, func(t *testing.T) {
				wg.Add(1)
				defer wg.Done()
				t.Parallel()
				sem <- struct{}{}
				defer func() { <-sem }()
				lang := "en_US.UTF-8"
				if i%2 == 1 {
					lang = "zh_CN.UTF-8"
				}
				d := t.TempDir()
				db := filepath.Join(d, "office.db")
				if err := os.WriteFile(db, cf.apply(slices.Clone(clean)), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(db+".key", key, 0o600); err != nil {
					t.Fatal(err)
				}
				// The anchor log and its keys too: without them every check exits 1
				// ("the anchor log is missing"), and a flip no check can see (a byte of
				// a value that decodes the same) would count as found but unnamed.
				for _, ext := range []string{".anchors", ".anchor-key", ".anchor-key.pub"} {
					if err := os.WriteFile(db+ext, anchorFiles[ext], 0o600); err != nil {
						t.Fatal(err)
					}
				}
				damagedBytes, _ := os.ReadFile(db)
				fails := func(what string, r result) {
					t.Helper()
					if r.code != 1 {
						t.Errorf("%s: exit %d, want 1\n%s", what, r.code, r.out)
					} else if !damageNamed.MatchString(r.out) {
						t.Errorf("%s: the message does not name the damage:\n%s", what, r.out)
					}
				}
				failsOrSame := func(what string, r result, want string) {
					t.Helper()
					if r.code == 0 && r.out != want {
						t.Errorf("%s succeeded on a damaged file with other output than on the sound one", what)
					}
					if r.code != 0 {
						fails(what, r)
					}
				}

				check := runChild(t, lang, "check", "--db", db)
				bak := filepath.Join(d, "copy.bak")
				backup := runChild(t, lang, "backup", bak, "--db", db)
				target := filepath.Join(d, "restored", "office.db") // with the key it was sealed with
				if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(target+".key", key, 0o600); err != nil {
					t.Fatal(err)
				}
				restore := runChild(t, lang, "restore", db, "--db", target)
				export := runChild(t, lang, "export", "--db", db)
				report := runChild(t, lang, "report", "--db", db)
				letter := runChild(t, lang, "letter", caseNo, "receipt", "--db", db)
				if now, _ := os.ReadFile(db); !bytes.Equal(now, damagedBytes) {
					t.Errorf("a read-only command changed the damaged file")
				}
				console := runChild(t, lang, "open", "console", db)
				serve := runChild(t, lang, "open", "serve", db)

				if cf.structural || check.code != 0 {
					fails("check", check)
					fails("backup", backup)
					fails("restore", restore)
					if _, err := os.Stat(target); err == nil {
						t.Errorf("restore put a damaged backup in place")
					}
				} else { // a flip the checks cannot see (a value's byte): the copies agree
					if backup.code != 0 || restore.code != 0 {
						t.Errorf("check finds nothing, yet backup exits %d and restore %d:\n%s\n%s", backup.code, restore.code, backup.out, restore.out)
					}
				}
				if verified.MatchString(backup.out) {
					if cf.structural || check.code != 0 {
						t.Errorf("backup called a damaged file verified:\n%s", backup.out)
					}
				}
				for _, r := range []struct {
					what string
					r    result
				}{{"report", report}, {"letter", letter}} {
					if r.r.code != 0 {
						fails(r.what, r.r)
					}
				}
				if cf.structural {
					// The export shows the days each case has taken so far: the sound file's
					// is taken again now, so the clock does not make the two differ.
					want := sound[lang+"export"]
					if export.code == 0 {
						want = runChild(t, lang, "export", "--db", base).out
					}
					failsOrSame("export", export, want)
					failsOrSame("console open", console, sound[lang+"open"])
					failsOrSame("serve open", serve, sound[lang+"open"])
				} else {
					for _, r := range []struct {
						what string
						r    result
					}{{"export", export}, {"console open", console}, {"serve open", serve}} {
						if r.r.code != 0 {
							fails(r.what, r.r)
						}
					}
				}
			})
		}
	})
	wg.Wait()
	t.Logf("%d damaged files × 8 commands", len(files))
}
