package server

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"os"
)

// spool holds a file being sent over SFTP until the client closes it, on disk rather
// than in memory: many slow uploads of up to --max-upload each must not pile up in the
// server's memory. Its blocks may come in any order (SFTP writes at offsets).
//
// What is spooled is personal data (a licence, an ID card's scan): the temporary file is
// sealed — encrypted with AES-CTR under a random key that exists only in this process's
// memory, so it reads as noise to anyone who finds it — and has no name in its folder: on
// Linux it is opened without one (O_TMPFILE); elsewhere, or on a file system without
// that, it is removed as soon as it is created (on Linux and the BSDs the open file keeps
// its space until it is closed; nothing of it is left by a crash).
type spool struct {
	f    *os.File
	name string // removed at once where the system allows; again at close
	blk  cipher.Block
	iv   [aes.BlockSize]byte
	size int64 // the largest end offset written
}

// newSpool makes a sealed spool file in dir ("": the system's temporary folder).
func newSpool(dir string) (*spool, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	sp := &spool{blk: blk}
	if _, err := rand.Read(sp.iv[:8]); err != nil { // the upper half; the lower counts blocks
		return nil, err
	}
	if f, err := openNameless(dir); err == nil {
		sp.f = f
		return sp, nil
	}
	f, err := os.CreateTemp(dir, ".repairdesk-upload-*")
	if err != nil {
		return nil, err
	}
	sp.f, sp.name = f, f.Name()
	if os.Remove(sp.name) == nil {
		sp.name = ""
	}
	return sp, nil
}

// xorAt seals (or opens) p in place as the bytes at offset off.
func (sp *spool) xorAt(p []byte, off int64) {
	iv := sp.iv
	binary.BigEndian.PutUint64(iv[8:], uint64(off/aes.BlockSize))
	s := cipher.NewCTR(sp.blk, iv[:])
	if skip := int(off % aes.BlockSize); skip > 0 {
		var pad [aes.BlockSize]byte
		s.XORKeyStream(pad[:skip], pad[:skip])
	}
	s.XORKeyStream(p, p)
}

// WriteAt seals p and writes it at off. A gap before off (blocks may come out of order)
// is first filled with sealed zeros, so that every byte up to the end has been written
// sealed and the file is opened whole, with no hole reading as noise.
func (sp *spool) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	for sp.size < off {
		gap := make([]byte, min(off-sp.size, 64<<10))
		if _, err := sp.writeSealed(gap, sp.size); err != nil {
			return 0, err
		}
	}
	return sp.writeSealed(append([]byte(nil), p...), off)
}

func (sp *spool) writeSealed(buf []byte, off int64) (int, error) {
	sp.xorAt(buf, off)
	n, err := sp.f.WriteAt(buf, off)
	if end := off + int64(n); end > sp.size {
		sp.size = end
	}
	return n, err
}

// content reads the whole file back, opened.
func (sp *spool) content() ([]byte, error) {
	out := make([]byte, sp.size)
	if _, err := sp.f.ReadAt(out, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	const chunk = 64 << 10
	for off := int64(0); off < sp.size; off += chunk {
		end := min(off+chunk, sp.size)
		sp.xorAt(out[off:end], off)
	}
	return out, nil
}

// close removes the spool file (if it still has a name) and closes it.
func (sp *spool) close() {
	sp.f.Close()
	if sp.name != "" {
		os.Remove(sp.name)
	}
}
