package store

// Personal data at rest. The agent's ID number and phone are sealed with AES-256-GCM at
// the store boundary — just before a case or event is marshalled, just after it is read —
// so the workflow engine and the screens only ever see plaintext, or Locked.
//
// The nonce is derived, not random: HMAC-SHA256(nonce key, additional data || plaintext)
// cut to 12 bytes (the SIV construction). The same value in the same field of the same
// case therefore always seals to the same text, in the case and in its create event, so
// the event hash chain and `repairdesk check`'s fold comparison work on the stored form
// without the key. The price: equal values of one field of one case are linkable; values
// of different cases or fields are not (the case id and field are in the additional data,
// and so in the nonce). See SECURITY.md.

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"repairdesk/internal/msg"
	"repairdesk/store/kv"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"repairdesk/workflow"
)

// Locked stands in for a personal field that cannot be decrypted: the key file is missing
// or does not match. It is never written back.
const Locked = "🔒"

// KeyEnv names the environment variable that holds the key file's path.
const KeyEnv = "REPAIRDESK_KEY"

const (
	sealMark   = "enc:"    // any sealed value, of any version
	sealPrefix = "enc:v1:" // AES-256-GCM, derived nonce, base64(nonce || ciphertext || tag)
	keySize    = 32
	nonceSize  = 12
)

// keyCheck is where the meta bucket keeps the key check value: an HMAC of a constant
// under the key, which tells at Open whether the key file is the one this file was sealed
// with, without decrypting anything.
var keyCheck = []byte("key.check")

// KeyError: the key file is missing or is not this database's. The store is then open
// read-only, personal fields read as Locked, and writes are refused with this error.
type KeyError struct {
	KeyFile  string
	DB       string
	Mismatch bool   // the file exists but is not this database's key
	Detail   string // why it does not match, when known
}

func (e *KeyError) Error() string { return e.Message("en") }

// Message says what is wrong and what to do, in lang.
func (e *KeyError) Message(lang string) string {
	detail := ""
	if e.Detail != "" {
		detail = msg.T(lang, "store.key_detail", e.Detail)
	}
	if e.Mismatch {
		return msg.T(lang, "store.key_mismatch", e.KeyFile, e.DB, detail, Locked, KeyEnv)
	}
	return msg.T(lang, "store.key_missing", e.KeyFile, e.DB, Locked, KeyEnv)
}

// keyring holds the keys derived from the key file. It does not change after Open.
type keyring struct {
	file, db string
	aead     cipher.AEAD // nil: no key loaded
	nonceKey []byte
	// searchKey makes the keyed hash that lets staff find a case by the agent's whole ID
	// number without the number being stored anywhere in the clear.
	searchKey []byte
	check     []byte    // key check value of the loaded key
	locked    *KeyError // non-nil: sealed fields read as Locked, writes refused
	fresh     bool      // the database holds no key check value yet

	// The last value of each personal field, sealed and open: a case is read, then
	// written back, often many times (Apply, the demo), and sealing costs a microsecond.
	memoMu sync.Mutex
	memo   [2]struct{ aad, plain, sealed string }
}

// keyFilePath: Options.KeyFile, else $REPAIRDESK_KEY, else "<db path>.key" beside the
// database — never inside it, so copying the database file (a backup) leaves the key out.
func keyFilePath(dbPath string, opts Options) string {
	if opts.KeyFile != "" {
		return opts.KeyFile
	}
	if p := os.Getenv(KeyEnv); p != "" {
		return p
	}
	return dbPath + ".key"
}

func derive(master []byte, purpose string) []byte {
	k, err := hkdf.Key(sha256.New, master, nil, "repairdesk "+purpose, keySize)
	if err != nil {
		panic(err) // only for impossible lengths
	}
	return k
}

func (k *keyring) use(master []byte) {
	block, err := aes.NewCipher(derive(master, "seal v1"))
	if err != nil {
		panic(err) // the derived key is always 32 bytes
	}
	k.aead, err = cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	k.nonceKey = derive(master, "nonce v1")
	k.searchKey = derive(master, "id search v1")
	m := hmac.New(sha256.New, master)
	m.Write([]byte("repairdesk key check v1"))
	k.check = []byte(fmt.Sprintf("%x", m.Sum(nil)))
}

// loadKeys reads the key check value and the key file. It writes nothing: a missing or
// wrong key leaves the keyring locked (Open then reopens the file read-only); a key is
// created only later, by initKeys, for a file that has no sealed data yet.
func loadKeys(db kv.DB, dbPath string, opts Options) (*keyring, error) {
	k := &keyring{file: keyFilePath(dbPath, opts), db: dbPath}
	if same(k.file, dbPath) {
		return nil, fmt.Errorf("the key file %s is the database itself; keep the key beside the database, never inside it", k.file)
	}
	var stored []byte
	if err := db.View(func(tx kv.Tx) error {
		if m := tx.Bucket(bMeta); m != nil {
			stored = bytes.Clone(m.Get(keyCheck))
		}
		return nil
	}); err != nil {
		return nil, err
	}
	k.fresh = stored == nil
	key, err := readKeyFile(k.file)
	var kfe *KeyFileError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if stored != nil {
			k.locked = &KeyError{KeyFile: k.file, DB: dbPath}
		}
	case errors.As(err, &kfe) && kfe.Length >= 0 && stored != nil:
		// Not a key at all: this database's key it cannot be. Read-only, fields locked,
		// as with any other key that does not match.
		k.locked = &KeyError{KeyFile: k.file, DB: dbPath, Mismatch: true,
			Detail: fmt.Sprintf("it holds %d bytes, a repairdesk key %d; restore the key file from your key backup", kfe.Length, keySize)}
	case err != nil:
		return nil, err
	default:
		k.use(key)
		if stored != nil && !hmac.Equal(stored, k.check) {
			k.aead, k.nonceKey = nil, nil
			k.locked = &KeyError{KeyFile: k.file, DB: dbPath, Mismatch: true, Detail: "its check value differs from the one recorded in the database"}
		}
	}
	return k, nil
}

// KeyFileError: the key file is one repairdesk will not use. Open refuses it (a key
// that may have been planted or read by others protects nothing), except that a file of
// the wrong length next to a database sealed with another key leaves it read-only with
// the fields locked, as any key that does not match.
type KeyFileError struct {
	File   string
	Code   string // "not_regular", "mode", "length", "zero", "read"
	Mode   fs.FileMode
	Length int // with "length": the bytes read (at most keySize+1); else -1
	Err    error
}

func (e *KeyFileError) Error() string { return e.Message("en") }

func (e *KeyFileError) Unwrap() error { return e.Err }

// Message says what is wrong with the key file and how to put it right, in lang.
func (e *KeyFileError) Message(lang string) string {
	switch e.Code {
	case "not_regular":
		return msg.T(lang, "store.keyfile_not_regular", e.File, e.Mode.Type())
	case "mode":
		return msg.T(lang, "store.keyfile_mode", e.File, uint32(e.Mode.Perm()))
	case "length":
		more := ""
		if e.Length > keySize {
			more = "+"
		}
		return msg.T(lang, "store.keyfile_length", e.File, e.Length, more)
	case "zero":
		return msg.T(lang, "store.keyfile_zero", e.File)
	}
	return msg.T(lang, "store.keyfile_read", e.File, e.Err)
}

// readKeyFile reads a key file, refusing one that is not a regular file (a device such as
// /dev/zero, a FIFO, a directory), that others may read or write, that is not 32 bytes or
// that is all zeros. It never reads more than 33 bytes, and opens without blocking, so a
// FIFO swapped in after the first look cannot hang it. A missing file returns an error
// satisfying errors.Is(err, fs.ErrNotExist).
func readKeyFile(path string) ([]byte, error) {
	bad := func(code string, mode fs.FileMode) error {
		return &KeyFileError{File: path, Code: code, Mode: mode, Length: -1}
	}
	check := func(fi fs.FileInfo) error {
		if !fi.Mode().IsRegular() {
			return bad("not_regular", fi.Mode())
		}
		if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
			return bad("mode", fi.Mode())
		}
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, &KeyFileError{File: path, Code: "read", Length: -1, Err: err}
	}
	if err := check(fi); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, &KeyFileError{File: path, Code: "read", Length: -1, Err: err}
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, &KeyFileError{File: path, Code: "read", Length: -1, Err: err}
	}
	if err := check(fi); err != nil {
		return nil, err
	}
	key, err := io.ReadAll(io.LimitReader(f, keySize+1))
	if err != nil {
		return nil, &KeyFileError{File: path, Code: "read", Length: -1, Err: err}
	}
	if len(key) != keySize {
		return nil, &KeyFileError{File: path, Code: "length", Length: len(key)}
	}
	if !slices.ContainsFunc(key, func(b byte) bool { return b != 0 }) {
		return nil, bad("zero", fi.Mode())
	}
	return key, nil
}

func same(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}

// initKeys runs after the schema is ready on a writable store: a file without a key check
// value gets one, from the existing key file or from a new one.
func (s *Store) initKeys() error {
	k := s.keys
	if s.opts.ReadOnly || !k.fresh {
		return nil
	}
	if k.aead == nil {
		key, err := createKeyFile(k.file)
		if err != nil {
			return err
		}
		k.use(key)
	}
	if err := s.update(func(tx kv.Tx) error { return tx.Bucket(bMeta).Put(keyCheck, k.check) }); err != nil {
		return err
	}
	k.fresh = false
	return nil
}

// createKeyFile writes 32 random bytes with mode 0600. The key appears whole or not at
// all (a synced temporary file linked into place), and an existing key is never replaced.
func createKeyFile(path string) ([]byte, error) {
	key := make([]byte, keySize)
	rand.Read(key) // never fails
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create the key file's directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*") // mode 0600
	if err != nil {
		return nil, fmt.Errorf("create the key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(key)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp.Name(), path)
		if errors.Is(err, fs.ErrExist) {
			// Someone made one meanwhile: that one is the key.
			return readKeyFile(path)
		} else if err != nil {
			err = os.Rename(tmp.Name(), path) // a file system without hard links
		}
	}
	if err != nil {
		return nil, fmt.Errorf("create the key file %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return key, nil
}

func isSealed(v string) bool { return strings.HasPrefix(v, sealMark) }

func additional(caseID uint32, field string) string {
	return "case:" + strconv.FormatUint(uint64(caseID), 10) + "|" + field
}

// seal encrypts v for field of case. Empty stays empty.
func (k *keyring) seal(aad, v string) (string, error) {
	switch {
	case v == "":
		return "", nil
	case k.locked != nil:
		return "", k.locked
	case v == Locked:
		return "", errors.New("a locked personal field cannot be written")
	case isSealed(v):
		return "", fmt.Errorf("%s: the value is already sealed", aad)
	}
	return k.sealRaw(aad, v)
}

// sealRaw is seal without the checks on the value (free text may start like a sealed one).
func (k *keyring) sealRaw(aad, v string) (string, error) {
	switch {
	case k.locked != nil:
		return "", k.locked
	case k.aead == nil:
		return "", &KeyError{KeyFile: k.file, DB: k.db}
	}
	m := hmac.New(sha256.New, k.nonceKey)
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(aad)))
	m.Write(n[:]) // the length keeps (aad, value) pairs apart
	m.Write([]byte(aad))
	m.Write([]byte(v))
	nonce := m.Sum(nil)[:nonceSize]
	out := k.aead.Seal(slices.Clip(nonce), nonce, []byte(v), []byte(aad))
	return sealPrefix + base64.StdEncoding.EncodeToString(out), nil
}

// open decrypts a sealed value; anything else (plaintext from an older file) is returned
// as it is. A value that cannot be decrypted reads as Locked, with the reason.
func (k *keyring) open(aad, v string) (string, error) {
	if !isSealed(v) {
		return v, nil
	}
	if k.locked != nil {
		return Locked, k.locked
	}
	if k.aead == nil {
		return Locked, &KeyError{KeyFile: k.file, DB: k.db}
	}
	b64, ok := strings.CutPrefix(v, sealPrefix)
	if !ok {
		return Locked, fmt.Errorf("%s: sealed in an unknown way; a newer repairdesk may read it", aad)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) < nonceSize+k.aead.Overhead() {
		return Locked, fmt.Errorf("%s: the sealed value is damaged", aad)
	}
	pt, err := k.aead.Open(nil, raw[:nonceSize], raw[nonceSize:], []byte(aad))
	if err != nil {
		return Locked, &KeyError{KeyFile: k.file, DB: k.db, Mismatch: true, Detail: aad + " does not decrypt with it"}
	}
	return string(pt), nil
}

// personal lists the sealed fields of an agent by the name bound into their sealing.
var personal = []struct {
	name string
	of   func(*workflow.Agent) *string
}{
	{"agent.id_number", func(a *workflow.Agent) *string { return &a.IDNumber }},
	{"agent.phone", func(a *workflow.Agent) *string { return &a.Phone }},
}

func (k *keyring) sealAgent(caseID uint32, a *workflow.Agent) error {
	for i, f := range personal {
		p := f.of(a)
		aad := additional(caseID, f.name)
		k.memoMu.Lock()
		m := k.memo[i]
		k.memoMu.Unlock()
		if m.aad == aad && m.plain == *p && *p != "" {
			*p = m.sealed
			continue
		}
		v, err := k.seal(aad, *p)
		if err != nil {
			return err
		}
		k.remember(i, aad, *p, v)
		*p = v
	}
	return nil
}

func (k *keyring) remember(i int, aad, plain, sealed string) {
	if plain == sealed {
		return
	}
	k.memoMu.Lock()
	k.memo[i].aad, k.memo[i].plain, k.memo[i].sealed = aad, plain, sealed
	k.memoMu.Unlock()
}

// openAgent decrypts in place; a field that cannot be read becomes Locked and the first
// reason is returned.
func (k *keyring) openAgent(caseID uint32, a *workflow.Agent) error {
	var first error
	for i, f := range personal {
		p := f.of(a)
		aad := additional(caseID, f.name)
		k.memoMu.Lock()
		m := k.memo[i]
		k.memoMu.Unlock()
		if m.aad == aad && m.sealed == *p && isSealed(*p) {
			*p = m.plain
			continue
		}
		v, err := k.open(aad, *p)
		if err != nil {
			if first == nil {
				first = err
			}
		} else {
			k.remember(i, aad, v, *p)
		}
		*p = v
	}
	return first
}

// Numbers inside free text. A free-text field (a detail, note, comment, finding, reason,
// letter — workflow.TextFree) that holds an ID or mobile number is sealed whole, like the
// agent's fields, under one name for all free text of a case ("case:<id>|text"): the same
// text then seals the same wherever it stands — in the case and in the event whose action
// put it there — so the hash chain and check's fold comparison work on the stored form as
// they do for the agent's fields. Text without such a number stays as typed (it is what
// the search and the summaries read); text typed to start like a sealed value is sealed
// too, so it reads back as typed.
const textField = "text"

// needsSeal: free text that must not be stored as typed.
func needsSeal(k workflow.TextKind, v string) bool {
	return k == workflow.TextFree && (isSealed(v) || workflow.HasPII(v))
}

// sealTexts seals in place the free text that needsSeal, through walk.
func (k *keyring) sealTexts(caseID uint32, walk func(func(workflow.TextKind, *string))) error {
	aad := additional(caseID, textField)
	var err error
	walk(func(kind workflow.TextKind, p *string) {
		if err != nil || !needsSeal(kind, *p) {
			return
		}
		var v string
		if v, err = k.sealRaw(aad, *p); err == nil {
			*p = v
		}
	})
	return err
}

// openTexts decrypts in place the sealed free text; what cannot be read becomes Locked and
// the first reason is returned.
func (k *keyring) openTexts(caseID uint32, walk func(func(workflow.TextKind, *string))) error {
	aad := additional(caseID, textField)
	var first error
	walk(func(kind workflow.TextKind, p *string) {
		if kind != workflow.TextFree || !isSealed(*p) {
			return
		}
		v, err := k.open(aad, *p)
		if err != nil && first == nil {
			first = err
		}
		*p = v
	})
	return first
}

func caseWalk(c *workflow.Case) func(func(workflow.TextKind, *string)) {
	return func(fn func(workflow.TextKind, *string)) { workflow.WalkCase(c, fn) }
}

func eventWalk(ev *workflow.Event) func(func(workflow.TextKind, *string)) {
	return func(fn func(workflow.TextKind, *string)) { workflow.WalkEvent(ev, fn) }
}

// anyText reports whether walk meets free text that must be sealed (a read-only walk, so
// a shared case or event is copied only when it has to be).
func anyText(walk func(func(workflow.TextKind, *string))) bool {
	found := false
	walk(func(k workflow.TextKind, p *string) { found = found || needsSeal(k, *p) })
	return found
}

// sealEvent seals the personal fields of ev, copying what it changes (ev's slices and
// pointers may be the caller's).
func (s *Store) sealEvent(ev *workflow.Event) error {
	if anyText(eventWalk(ev)) {
		*ev = workflow.CloneEvent(*ev)
		if err := s.keys.sealTexts(ev.CaseID, eventWalk(ev)); err != nil {
			return err
		}
	}
	if ev.Action.Intake != nil {
		in := *ev.Action.Intake
		if err := s.keys.sealAgent(ev.CaseID, &in.Agent); err != nil {
			return err
		}
		ev.Action.Intake = &in
	}
	return nil
}

// unsealCase decrypts a case just read. On error the fields that could not be read hold
// Locked: fine to show, never to save.
func (s *Store) unsealCase(c *workflow.Case) error {
	err := s.keys.openAgent(c.ID, &c.Agent)
	if terr := s.keys.openTexts(c.ID, caseWalk(c)); err == nil {
		err = terr
	}
	return err
}

// unsealEvent decrypts an event just read: the agent's fields of a create event, and any
// sealed free text.
func (s *Store) unsealEvent(ev *workflow.Event) error {
	err := s.keys.openTexts(ev.CaseID, eventWalk(ev))
	if ev.Action.Intake == nil {
		return err
	}
	in := *ev.Action.Intake
	if aerr := s.keys.openAgent(ev.CaseID, &in.Agent); err == nil {
		err = aerr
	}
	ev.Action.Intake = &in
	return err
}

// writable refuses changes to cases while the key is missing or wrong.
func (s *Store) writable() error {
	if s.keys.locked != nil {
		return s.keys.locked
	}
	return nil
}

// KeyProblem is the *KeyError when the key file is missing or does not match this
// database (the store is then read-only and personal fields read as Locked), else nil.
func (s *Store) KeyProblem() error { return s.writable() }

// KeyFile is the path of the key file that seals personal data.
func (s *Store) KeyFile() string { return s.keys.file }

// EventHash is the hash of ev in its stored form, so for an event read with Events() it
// equals ev.Hash: the personal fields are sealed again first (sealing is deterministic).
// Without a usable key it is "". (An event written before encryption was hashed over its
// plaintext: the package-level EventHash fits it.)
func (s *Store) EventHash(ev workflow.Event) string {
	if s.sealEvent(&ev) != nil {
		return ""
	}
	return EventHash(ev)
}

// Valid stand-ins for sealed values while the engine replays a stored history: it
// validates an intake's ID number and phone, which it cannot do on ciphertext.
const (
	standInID    = "11010519491231002X"
	standInPhone = "13800000000"
)

// replayStored folds a case's events as stored, for Check, with or without the key. The
// create event's sealed fields are swapped for stand-ins during the replay and put back
// into the result, so — sealing being deterministic — the stored case's fields must equal
// its create event's byte for byte. A file from before encryption may hold plaintext in
// its events and ciphertext in the case (sealed on a later write): such a pair is compared
// after decryption when the key is here, and cannot be compared without it.
func (s *Store) replayStored(evs []workflow.Event, c *workflow.Case) (workflow.Case, error) {
	folded, _, err := s.replayStoredT(evs, c)
	return folded, err
}

// replayStoredT is replayStored, and also says whether it changed c (a pair of fields
// compared decrypted): when it did not, c is still the stored case as decoded. evs is
// the caller's again when it returns, but is changed during the call: it must not be
// shared with another goroutine meanwhile.
func (s *Store) replayStoredT(evs []workflow.Event, c *workflow.Case) (workflow.Case, bool, error) {
	touched := false
	var stored workflow.Agent
	if len(evs) > 0 && evs[0].Action.Intake != nil {
		in := *evs[0].Action.Intake
		stored = in.Agent
		if isSealed(in.Agent.IDNumber) {
			in.Agent.IDNumber = standInID
		}
		if isSealed(in.Agent.Phone) {
			in.Agent.Phone = standInPhone
		}
		// The first event replays with the stand-ins, and is given back as it was (a
		// copy of every event, only for this, was a tenth of check's allocation).
		orig := evs[0].Action.Intake
		evs[0].Action.Intake = &in
		defer func() { evs[0].Action.Intake = orig }()
	}
	folded, err := s.rules.Replay(evs)
	if err != nil {
		return folded, false, err
	}
	// Free text: a case written before its text was sealed and rewritten since may hold it
	// sealed while its older events hold it as typed; such pairs compare decrypted.
	// The fold's texts are listed, and the case's walked beside them, in buffers on the
	// stack (two lists grown per case were a fifth of the replay's allocation); only the
	// pairs that differ in being sealed are kept, and opened once both walks have found
	// as many texts.
	var fbuf [64]*string
	fps := fbuf[:0]
	workflow.WalkCase(&folded, func(k workflow.TextKind, p *string) {
		if k == workflow.TextFree {
			fps = append(fps, p)
		}
	})
	type pair struct{ f, c *string }
	var dbuf [4]pair
	diff, n := dbuf[:0], 0
	workflow.WalkCase(c, func(k workflow.TextKind, p *string) {
		if k != workflow.TextFree {
			return
		}
		if n < len(fps) && isSealed(*fps[n]) != isSealed(*p) {
			diff = append(diff, pair{fps[n], p})
		}
		n++
	})
	if n == len(fps) {
		aad := additional(c.ID, textField)
		for _, d := range diff {
			a, errA := s.keys.open(aad, *d.f)
			b, errB := s.keys.open(aad, *d.c)
			if errA != nil || errB != nil {
				a, b = Locked, Locked
			}
			*d.f, *d.c = a, b
			touched = true
		}
	}
	for _, f := range personal {
		fv, cv := f.of(&folded.Agent), f.of(&c.Agent)
		if sv := *f.of(&stored); isSealed(sv) {
			*fv = sv
		}
		if isSealed(*fv) != isSealed(*cv) {
			aad := additional(c.ID, f.name)
			a, errA := s.keys.open(aad, *fv)
			b, errB := s.keys.open(aad, *cv)
			if errA != nil || errB != nil {
				a, b = Locked, Locked
			}
			*fv, *cv = a, b
			touched = true
		}
	}
	return folded, touched, nil
}

// idToken is the keyed hash of an agent's ID number, stored in the case's summary so a
// search for the whole number finds it. The value may be sealed (read back from the file)
// or plain; "" when there is no key or no number.
func (k *keyring) idToken(caseID uint32, v string) string {
	if k.searchKey == nil || v == "" {
		return ""
	}
	if isSealed(v) {
		pt, err := k.open(additional(caseID, "agent.id_number"), v)
		if err != nil {
			return ""
		}
		v = pt
	}
	return idTokenWith(k.searchKey, v)
}

func idTokenWith(key []byte, id string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(strings.ToUpper(strings.TrimSpace(id))))
	return fmt.Sprintf("%x", m.Sum(nil)[:16])
}
