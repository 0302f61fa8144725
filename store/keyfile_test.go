//go:build unix

package store_test

import (
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"repairdesk/store"
)

// openKeyRefused opens path with keyFile and wants a *store.KeyFileError with code,
// within 5 s (a key file must never hang Open), whose messages in both languages carry
// every hint.
func openKeyRefused(t *testing.T, path, keyFile, code string, hints ...string) {
	t.Helper()
	type result struct {
		s   *store.Store
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := store.Open(path, store.Options{KeyFile: keyFile, Now: func() time.Time { return crT0 }})
		done <- result{s, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("Open with key file %s hangs", keyFile)
	}
	if r.err == nil {
		r.s.Close()
		t.Fatalf("key file %s (%s) was accepted", keyFile, code)
	}
	var kfe *store.KeyFileError
	if !errors.As(r.err, &kfe) || kfe.Code != code {
		t.Fatalf("Open: %v, want a key file error %q", r.err, code)
	}
	for _, lang := range []string{"zh", "en"} {
		m := kfe.Message(lang)
		for _, h := range append([]string{keyFile}, hints...) {
			if !strings.Contains(m, h) {
				t.Errorf("%s message lacks %q: %s", lang, h, m)
			}
		}
	}
	if !strings.Contains(kfe.Message("zh"), "密钥文件") {
		t.Errorf("the Chinese message is not in Chinese: %s", kfe.Message("zh"))
	}
}

func writeKey(t *testing.T, path string, key []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, key, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// A key planted before the first run — world-writable, all zeros — is not adopted.
func TestKeyFilePlantedIsRefused(t *testing.T) {
	t.Setenv(store.KeyEnv, "")
	dir := t.TempDir()
	db := filepath.Join(dir, "new.db")
	kf := db + ".key"
	writeKey(t, kf, make([]byte, 32), 0o666)
	openKeyRefused(t, db, kf, "mode", "chmod 600 "+kf)
	// Mode fixed, the zeros remain: still no key.
	os.Chmod(kf, 0o600)
	openKeyRefused(t, db, kf, "zero", "repairdesk")
	// The refused key was never recorded: with it gone, a fresh key is made and used.
	os.Remove(kf)
	s := crOpen(t, db, store.Options{})
	if s.KeyProblem() != nil {
		t.Fatal(s.KeyProblem())
	}
	if b, err := os.ReadFile(kf); err != nil || len(b) != 32 || string(b) == string(make([]byte, 32)) {
		t.Fatalf("new key: %d bytes, %v", len(b), err)
	}
}

// A real key that others may read is refused until its mode is put right; the database
// keeps working after chmod 600.
func TestKeyFileReadableByOthersIsRefused(t *testing.T) {
	path, ids := crFixture(t)
	kf := path + ".key"
	for _, mode := range []os.FileMode{0o644, 0o640, 0o602, 0o660} {
		os.Chmod(kf, mode)
		openKeyRefused(t, path, kf, "mode", "chmod 600 "+kf)
	}
	os.Chmod(kf, 0o600)
	s := crOpen(t, path, store.Options{})
	if c, err := s.Case(ids[0]); err != nil || c.Agent.IDNumber != crID {
		t.Fatalf("after chmod 600: %+v %v", c.Agent, err)
	}
}

// --key-file /dev/zero, a FIFO, a directory: refused at once, never read.
func TestKeyFileNotRegularIsRefused(t *testing.T) {
	t.Setenv(store.KeyEnv, "")
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	openKeyRefused(t, db, "/dev/zero", "not_regular", "32")
	fifo := filepath.Join(dir, "fifo.key")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	openKeyRefused(t, db, fifo, "not_regular")
	sub := filepath.Join(dir, "keys")
	os.Mkdir(sub, 0o700)
	openKeyRefused(t, db, sub, "not_regular")
}

// A key file of the wrong length is refused for a new database (and the length read is
// bounded: a big file reads as "33+ bytes").
func TestKeyFileWrongLengthIsRefused(t *testing.T) {
	t.Setenv(store.KeyEnv, "")
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	kf := filepath.Join(dir, "short.key")
	k := make([]byte, 16)
	rand.Read(k)
	writeKey(t, kf, k, 0o600)
	openKeyRefused(t, db, kf, "length", "16", "32")
	big := filepath.Join(dir, "big.key")
	b := make([]byte, 1<<20)
	rand.Read(b)
	writeKey(t, big, b, 0o600)
	openKeyRefused(t, db, big, "length", "33+")
}
