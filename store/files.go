package store

// Attached files: what staff send to a case over scp or sftp. Each file's content is
// stored once, keyed by the SHA-256 of its plaintext, sealed with AES-GCM under a key
// derived from the key file (as personal fields are), in the "files" bucket of the same
// database. Keeping it in the database, not beside it, means a backup, a check and the
// key file cover it like the rest of the case; a limit on size (Options of the server,
// DefaultMaxFile here) keeps each value within what bbolt handles well.
//
// Attaching is an event through Apply (workflow.ActAttachFile): the event carries the
// name, the version among files of that name, the size and the hash. Nothing is ever
// replaced: a second file of the same name is a new version.

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"repairdesk/store/kv"
	"repairdesk/workflow"
)

var bFiles = []byte("files")

// DefaultMaxFile is the largest file a staff member may attach unless the server says
// otherwise (serve --max-upload).
const DefaultMaxFile = 20 << 20

// HardMaxFile is the most any configuration may allow: one bbolt value, one transaction.
const HardMaxFile = 256 << 20

// fileMagic starts every sealed file value (the format can change under a new magic).
const fileMagic = "rdf1"

func fileAAD(hash string) []byte { return []byte("file:" + hash) }

// sealFile encrypts content under a fresh random nonce, bound to its hash.
func (k *keyring) sealFile(hash string, content []byte) ([]byte, error) {
	switch {
	case k.locked != nil:
		return nil, k.locked
	case k.aead == nil:
		return nil, &KeyError{KeyFile: k.file, DB: k.db}
	}
	out := make([]byte, len(fileMagic)+nonceSize, len(fileMagic)+nonceSize+len(content)+k.aead.Overhead())
	copy(out, fileMagic)
	nonce := out[len(fileMagic):]
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return k.aead.Seal(out, nonce, content, fileAAD(hash)), nil
}

func (k *keyring) openFile(hash string, v []byte) ([]byte, error) {
	switch {
	case k.locked != nil:
		return nil, k.locked
	case k.aead == nil:
		return nil, &KeyError{KeyFile: k.file, DB: k.db}
	case len(v) < len(fileMagic)+nonceSize+k.aead.Overhead() || string(v[:len(fileMagic)]) != fileMagic:
		return nil, fmt.Errorf("file %s: the stored value is damaged", hash)
	}
	nonce := v[len(fileMagic) : len(fileMagic)+nonceSize]
	pt, err := k.aead.Open(nil, nonce, v[len(fileMagic)+nonceSize:], fileAAD(hash))
	if err != nil {
		return nil, &KeyError{KeyFile: k.file, DB: k.db, Mismatch: true, Detail: "file " + hash + " does not decrypt with it"}
	}
	return pt, nil
}

// FileTooLargeError refuses a file over the limit.
type FileTooLargeError struct {
	Size, Max int64
}

func (e *FileTooLargeError) Error() string { return e.Message("en") }

// Message says it in lang ("zh" default).
func (e *FileTooLargeError) Message(lang string) string {
	if lang == "en" {
		return fmt.Sprintf("The file is too large: %s; at most %s may be attached", ByteSize(e.Size), ByteSize(e.Max))
	}
	return fmt.Sprintf("文件过大：%s；单个附件最大 %s", ByteSize(e.Size), ByteSize(e.Max))
}

// ByteSize writes n as people read it (KB, MB: powers of 1024).
func ByteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// AttachFile attaches content to the case numbered caseNo under name, as actor: the
// content is stored (once per hash, sealed) and an attach_file event is applied. The
// case must exist and actor must be allowed to work it at its stage; max bounds the size
// (0: DefaultMaxFile).
func (s *Store) AttachFile(actor workflow.Staff, caseNo, name string, content []byte, max int64) (workflow.Case, workflow.FileRef, error) {
	if max <= 0 {
		max = DefaultMaxFile
	}
	if int64(len(content)) > max {
		return workflow.Case{}, workflow.FileRef{}, &FileTooLargeError{Size: int64(len(content)), Max: max}
	}
	if r := workflow.FileNameProblem(name); r != nil {
		return workflow.Case{}, workflow.FileRef{}, r
	}
	if s.closed.Load() {
		return workflow.Case{}, workflow.FileRef{}, ErrClosed
	}
	if err := s.writable(); err != nil {
		return workflow.Case{}, workflow.FileRef{}, err
	}
	c, err := s.CaseByNo(caseNo)
	if err != nil {
		return workflow.Case{}, workflow.FileRef{}, err
	}
	// Refused before anything is stored, so a refused upload leaves nothing behind.
	if r := s.rules.Check(&c, actor, workflow.ActAttachFile, s.opts.Now()); r != nil {
		return workflow.Case{}, workflow.FileRef{}, r
	}
	sum := sha256.Sum256(content)
	hash := hex.EncodeToString(sum[:])
	if err := s.putFile(hash, content); err != nil {
		return workflow.Case{}, workflow.FileRef{}, err
	}
	ref := workflow.FileRef{Name: name, SHA256: hash, Size: int64(len(content))}
	for {
		out, err := s.Apply(c.ID, c.Version, actor, workflow.Action{Kind: workflow.ActAttachFile, File: &ref})
		var ce *ConflictError
		if errors.As(err, &ce) { // someone else acted on the case meanwhile: attach to what it is now
			if c, err = s.Case(c.ID); err != nil {
				return workflow.Case{}, workflow.FileRef{}, err
			}
			continue
		}
		if err != nil {
			return workflow.Case{}, workflow.FileRef{}, err
		}
		return out, out.Files[len(out.Files)-1], nil
	}
}

// putFile stores content under its hash unless it is there already.
func (s *Store) putFile(hash string, content []byte) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.closed.Load() {
		return ErrClosed
	}
	return s.update(func(tx kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bFiles)
		if err != nil {
			return err
		}
		if b.Get([]byte(hash)) != nil {
			return nil // the same bytes, attached before (content-addressed)
		}
		v, err := s.keys.sealFile(hash, content)
		if err != nil {
			return err
		}
		return b.Put([]byte(hash), v)
	})
}

// FileContent returns the content of an attached file by its hash, decrypted and checked
// against the hash.
func (s *Store) FileContent(hash string) ([]byte, error) {
	var v []byte
	err := s.view(func(tx kv.Tx) error {
		b := tx.Bucket(bFiles)
		if b == nil {
			return ErrNotFound
		}
		raw := b.Get([]byte(hash))
		if raw == nil {
			return ErrNotFound
		}
		v = append([]byte(nil), raw...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	pt, err := s.keys.openFile(hash, v)
	if err != nil {
		return nil, err
	}
	if sum := sha256.Sum256(pt); hex.EncodeToString(sum[:]) != hash {
		return nil, fmt.Errorf("file %s: the content does not match its hash", hash)
	}
	return pt, nil
}
