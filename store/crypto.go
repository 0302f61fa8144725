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
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"

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
		detail = " (" + e.Detail + ")"
	}
	switch {
	case e.Mismatch && lang == "en":
		return fmt.Sprintf("the key file %s does not match the database %s%s: agents' ID numbers and phones cannot be read, so the database is open read-only with them shown as %s; use the key file created with this database (or point %s at it)",
			e.KeyFile, e.DB, detail, Locked, KeyEnv)
	case e.Mismatch:
		return fmt.Sprintf("密钥文件 %s 与数据库 %s 不匹配%s：经办人身份证号和电话无法解密，数据库以只读方式打开，这些字段显示为 %s；请使用与该数据库一同创建的密钥文件（或用 %s 指向它）",
			e.KeyFile, e.DB, detail, Locked, KeyEnv)
	case lang == "en":
		return fmt.Sprintf("the key file %s is missing: agents' ID numbers and phones in %s cannot be read, so the database is open read-only with them shown as %s; put the key file back (or point %s at it) and open again",
			e.KeyFile, e.DB, Locked, KeyEnv)
	default:
		return fmt.Sprintf("缺少密钥文件 %s：数据库 %s 中的经办人身份证号和电话无法解密，数据库以只读方式打开，这些字段显示为 %s；请恢复密钥文件（或用 %s 指向它）后重新打开",
			e.KeyFile, e.DB, Locked, KeyEnv)
	}
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
func loadKeys(db *bolt.DB, dbPath string, opts Options) (*keyring, error) {
	k := &keyring{file: keyFilePath(dbPath, opts), db: dbPath}
	if same(k.file, dbPath) {
		return nil, fmt.Errorf("the key file %s is the database itself; keep the key beside the database, never inside it", k.file)
	}
	var stored []byte
	if err := db.View(func(tx *bolt.Tx) error {
		if m := tx.Bucket(bMeta); m != nil {
			stored = bytes.Clone(m.Get(keyCheck))
		}
		return nil
	}); err != nil {
		return nil, err
	}
	k.fresh = stored == nil
	key, err := os.ReadFile(k.file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if stored != nil {
			k.locked = &KeyError{KeyFile: k.file, DB: dbPath}
		}
	case err != nil:
		return nil, fmt.Errorf("read the key file: %w", err)
	case len(key) != keySize:
		detail := fmt.Sprintf("it holds %d bytes, a repairdesk key %d", len(key), keySize)
		if stored == nil {
			return nil, fmt.Errorf("the key file %s is not a repairdesk key: %s; if this database has never been used with it, delete it and a new key is made", k.file, detail)
		}
		k.locked = &KeyError{KeyFile: k.file, DB: dbPath, Mismatch: true, Detail: detail}
	default:
		k.use(key)
		if stored != nil && !hmac.Equal(stored, k.check) {
			k.aead, k.nonceKey = nil, nil
			k.locked = &KeyError{KeyFile: k.file, DB: dbPath, Mismatch: true, Detail: "its check value differs from the one recorded in the database"}
		}
	}
	return k, nil
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
	if err := s.update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put(keyCheck, k.check) }); err != nil {
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
			key, err = os.ReadFile(path)
			if err == nil && len(key) != keySize {
				err = fmt.Errorf("%s holds %d bytes, a repairdesk key %d", path, len(key), keySize)
			}
			return key, err
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

// sealed returns the stored forms of a case and its event: copies with the personal
// fields sealed (c and ev themselves stay plaintext for the caller).
func (s *Store) sealed(c workflow.Case, ev workflow.Event) (workflow.Case, workflow.Event, error) {
	if err := s.keys.sealAgent(c.ID, &c.Agent); err != nil {
		return c, ev, err
	}
	if ev.Action.Intake != nil {
		in := *ev.Action.Intake
		if err := s.keys.sealAgent(ev.CaseID, &in.Agent); err != nil {
			return c, ev, err
		}
		ev.Action.Intake = &in
	}
	return c, ev, nil
}

// unsealCase decrypts a case just read. On error the fields that could not be read hold
// Locked: fine to show, never to save.
func (s *Store) unsealCase(c *workflow.Case) error { return s.keys.openAgent(c.ID, &c.Agent) }

// unsealEvent decrypts an event just read (only a create event carries personal data).
func (s *Store) unsealEvent(ev *workflow.Event) error {
	if ev.Action.Intake == nil {
		return nil
	}
	in := *ev.Action.Intake
	err := s.keys.openAgent(ev.CaseID, &in.Agent)
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
	if ev.Action.Intake != nil {
		in := *ev.Action.Intake
		if s.keys.sealAgent(ev.CaseID, &in.Agent) != nil {
			return ""
		}
		ev.Action.Intake = &in
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
		evs = slices.Clone(evs)
		evs[0].Action.Intake = &in
	}
	folded, err := s.rules.Replay(evs)
	if err != nil {
		return folded, err
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
		}
	}
	return folded, nil
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
