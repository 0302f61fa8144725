package store

// The stored form of events and cases: their canonical JSON (json.Marshal of the sealed
// value, the bytes the hash chain covers), compressed with zstd and a dictionary trained
// on demo events (zdict/). Decoding gives back exactly those bytes, so the hash chain,
// `check` and `export` see what they saw before.
//
// A value is either
//
//	'{' …                 JSON as stored by schema 2 and earlier (still read)
//	0x01 dictID frame…    zstd: dictID names the dictionary (zdicts), the frame is a zstd
//	                      frame without its 4-byte magic number
//	0x02 dictID first frame…
//	                      a case's events (schema 4, events.go): first is the sequence of
//	                      the first event (uvarint); the zstd frame (without its magic, as
//	                      for 0x01) holds the events' JSON one after the other, each as
//	                      uvarint(length) JSON. One frame per case instead of one per
//	                      event: the frame's set-up (and the dictionary's) is paid once
//	                      per case, and an event compresses against the case's earlier
//	                      events (the letters and materials they repeat). Schema 4
//	                      rewrote the whole frame at each commit; since schema 5 one of
//	                      fewer than chunkEvents events is still read, and its case's
//	                      next commit makes it a chunk (0x03).
//	0x03 dictID first count frame…
//	                      a chunk of a case's events (schema 5, events.go): as 0x02, with
//	                      the number of its events (uvarint) after the first's, so that a
//	                      reader knows whether a next chunk may follow without decoding
//	                      it. A chunk holds at most chunkEvents events, aligned on their
//	                      sequence numbers: a commit rewrites one bounded chunk, however
//	                      long its case's history. The compressed part may be several zstd
//	                      frames one after the other, the first without its magic number
//	                      and the later ones with it, each naming its own dictionary (or
//	                      none): a commit adds its event as a frame of its own after the
//	                      bytes already stored (appendFrame; stored as it is when short,
//	                      rawFrame), and every chunkRepack-th event writes the chunk anew
//	                      as one frame. The content is the frames' records in order: every
//	                      reader since schema 5 decodes it so (DecodeAll decodes
//	                      concatenated frames), so this needed no conversion
//	                      (TestChunkFramesReadAsOne).
//
// A dictionary, once values are written with it, never changes: a later one gets a new
// id and both are kept, so old values keep decoding (TestDictionariesNeverChange).

import (
	"crypto/sha256"
	_ "embed"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sync"

	gojson "github.com/goccy/go-json"
	"github.com/klauspost/compress/zstd"
)

const (
	codecZstd  = 0x01
	codecFrame = 0x02 // a case's events (schema 4)
	codecChunk = 0x03 // a chunk of a case's events (schema 5)
	// writeDict is the dictionary new values are written with: 2, trained on the demo's
	// events as they are since the letters grew (values 15% smaller than with 1 at the
	// same level); values written with 1 still read.
	writeDict = 2
)

var zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}

//go:embed zdict/events-1.zdict
var dict1 []byte

//go:embed zdict/events-2.zdict
var dict2 []byte

// zdicts: every dictionary values may name, by id, with the SHA-256 it must have.
var zdicts = map[byte]struct {
	data []byte
	sum  string
}{
	1: {dict1, "4fd293a2273c74b3d19d1ec6cde8515d977c2a5fa43a9d21a004841e68e6e976"},
	2: {dict2, "e8cdfea5e81389188235c79cded11d8190ed8a66572e050f3cbfa859f808f064"},
}

var (
	codecOnce sync.Once
	zenc      *zstd.Encoder
	zdec      *zstd.Decoder
	codecErr  error
)

func codecs() (*zstd.Encoder, *zstd.Decoder, error) {
	codecOnce.Do(func() {
		var dicts [][]byte
		for id, d := range zdicts {
			sum := sha256.Sum256(d.data)
			if hex.EncodeToString(sum[:]) != d.sum {
				codecErr = fmt.Errorf("dictionary %d differs from the one values were written with", id)
				return
			}
			dicts = append(dicts, d.data)
		}
		n := runtime.GOMAXPROCS(0)
		// SpeedFastest: with a dictionary, each small value's encoding is mostly the
		// reset of the encoder's tables from the dictionary's, and the faster levels
		// have smaller tables. Measured on 9,938 demo events with dictionary 2 (one run):
		// fastest 270 B and 28 µs an event, default 260 B and 104 µs, better 249 B and
		// 142 µs. Every commit, conversion and demo case pays this.
		zenc, codecErr = zstd.NewWriter(nil, zstd.WithEncoderDict(zdicts[writeDict].data), zstd.WithEncoderCRC(false),
			zstd.WithEncoderConcurrency(n), zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithZeroFrames(true))
		if codecErr != nil {
			return
		}
		zdec, codecErr = zstd.NewReader(nil, zstd.WithDecoderDicts(dicts...), zstd.WithDecoderConcurrency(n),
			zstd.IgnoreChecksum(true))
	})
	return zenc, zdec, codecErr
}

// packValue is the stored form of the JSON js (appended to dst).
func packValue(dst, js []byte) []byte {
	enc, _, err := codecs()
	if err != nil {
		panic(err) // the embedded dictionaries are checked by a test
	}
	start := len(dst)
	dst = append(dst, codecZstd, writeDict)
	dst = enc.EncodeAll(js, dst)
	// Drop the frame's magic number: the first byte already says what follows.
	return append(dst[:start+2], dst[start+2+len(zstdMagic):]...)
}

// isPacked reports whether v is a compressed value (not JSON): one value or a frame of
// a case's events.
func isPacked(v []byte) bool {
	return len(v) > 0 && (v[0] == codecZstd || v[0] == codecFrame || v[0] == codecChunk)
}

// isFrame reports whether v is a frame of a case's events: a whole one (schema 4) or a
// chunk (schema 5).
func isFrame(v []byte) bool { return len(v) > 0 && (v[0] == codecFrame || v[0] == codecChunk) }

// isChunk reports whether v is a chunk of a case's events (schema 5).
func isChunk(v []byte) bool { return len(v) > 0 && v[0] == codecChunk }

// packFrame is the stored form of the events evs (JSON each), the first of them event
// first of its case (appended to dst).
func packFrame(dst []byte, first int, evs [][]byte) []byte {
	return packFrameContent(dst, first, recordsOf(evs))
}

// packFrameContent is packFrame given the frame's content (the records already laid out).
func packFrameContent(dst []byte, first int, content []byte) []byte {
	enc, _, err := codecs()
	if err != nil {
		panic(err) // the embedded dictionaries are checked by a test
	}
	dst = append(dst, codecFrame, writeDict)
	dst = binary.AppendUvarint(dst, uint64(first))
	start := len(dst)
	dst = enc.EncodeAll(content, dst)
	return append(dst[:start], dst[start+len(zstdMagic):]...)
}

// packChunk is the stored form of a chunk of events given its content (count records,
// laid out as packFrame's), the first of them event first of its case (appended to dst).
func packChunk(dst []byte, first, count int, content []byte) []byte {
	enc, _, err := codecs()
	if err != nil {
		panic(err) // the embedded dictionaries are checked by a test
	}
	dst = append(dst, codecChunk, writeDict)
	dst = binary.AppendUvarint(dst, uint64(first))
	dst = binary.AppendUvarint(dst, uint64(count))
	start := len(dst)
	dst = enc.EncodeAll(content, dst)
	return append(dst[:start], dst[start+len(zstdMagic):]...)
}

// appendFrame is the stored form of a chunk of count events from first whose earlier
// events are the compressed part rest of a chunk's stored value (frames, the first
// without its magic number) and whose last event is the record rec (uvarint(length)
// JSON): rest as it is, then rec in a zstd frame of its own, with its magic number
// (appended to dst): stored as it is when short (rawFrame), else compressed. dict is the dictionary the head names (the first frame's: each
// frame's header names its own). The readers decode the frames one after the other
// (zstd.Decoder.DecodeAll), so the content is rest's records and then rec.
func appendFrame(dst []byte, dict byte, first, count int, rest, rec []byte) []byte {
	dst = append(dst, codecChunk, dict)
	dst = binary.AppendUvarint(dst, uint64(first))
	dst = binary.AppendUvarint(dst, uint64(count))
	dst = append(dst, rest...)
	return eventFrame(dst, rec)
}

// eventFrame appends to dst the frame appendFrame adds for the record rec: stored as it
// is when short (rawFrame), else compressed with the dictionary.
func eventFrame(dst, rec []byte) []byte {
	if len(rec) <= rawFrameMax {
		return rawFrame(dst, rec)
	}
	enc, _, err := codecs()
	if err != nil {
		panic(err) // the embedded dictionaries are checked by a test
	}
	return enc.EncodeAll(rec, dst)
}

// rawFrameMax: appendFrame stores a record of up to this many bytes uncompressed, in a
// zstd frame of one raw block (rawFrame), and compresses a longer one. Compressing even
// a short record with the dictionary costs about 20 µs (the encoder's reset copies its
// 256 KB table and the 64 KB dictionary, whatever the input's size: a tenth of a node's
// CPU an action); a stored frame costs a copy, and its bytes stay only until the chunk's
// next repack (chunkRepack), which compresses them with the rest. 512: a comment's event
// (about 450 B) is stored so, a letter's is compressed; a chunk carries at most 7 × 512 B
// uncompressed.
const rawFrameMax = 512

// rawFrame appends to dst a zstd frame holding p as it is: the magic number, a frame
// header of one segment with the content's size (RFC 8878, 3.1.1.1) and p in raw blocks
// of at most 128 KB (3.1.1.2). klauspost/compress writes raw blocks only for input it
// failed to compress, after trying; every zstd decoder reads this frame.
func rawFrame(dst, p []byte) []byte {
	dst = append(dst, zstdMagic...)
	// Frame_Header_Descriptor: Single_Segment set, no checksum, no dictionary; the
	// Frame_Content_Size field's width in its top two bits (one byte only with a single
	// segment; two bytes hold size-256).
	switch n := uint64(len(p)); {
	case n < 256:
		dst = append(dst, 0x20, byte(n))
	case n < 65536+256:
		dst = append(dst, 0x60)
		dst = binary.LittleEndian.AppendUint16(dst, uint16(n-256))
	case n < 1<<32:
		dst = append(dst, 0xa0)
		dst = binary.LittleEndian.AppendUint32(dst, uint32(n))
	default:
		dst = append(dst, 0xe0)
		dst = binary.LittleEndian.AppendUint64(dst, n)
	}
	const maxBlock = 128 << 10
	for {
		b := min(len(p), maxBlock)
		h := uint32(b) << 3 // Block_Type 0: raw
		if b == len(p) {
			h |= 1 // Last_Block
		}
		dst = append(dst, byte(h), byte(h>>8), byte(h>>16))
		dst = append(dst, p[:b]...)
		if p = p[b:]; len(p) == 0 {
			return dst
		}
	}
}

// frameHead reads the sequence of a frame's (or chunk's) first event without decoding it.
func frameHead(v []byte) (first int, rest []byte, err error) {
	first, _, rest, err = chunkHead(v)
	return first, rest, err
}

// chunkHead reads a frame's or chunk's head without decoding it: the sequence of its
// first event, the number of its events (-1 for a frame of schema 4, which does not say)
// and the compressed rest.
func chunkHead(v []byte) (first, count int, rest []byte, err error) {
	if !isFrame(v) || len(v) < 3 {
		return 1, -1, nil, errPacked
	}
	f, n := binary.Uvarint(v[2:])
	if n <= 0 || f == 0 || f > 1<<31 {
		return 1, -1, nil, fmt.Errorf("%w: the first event's number is malformed", errPacked)
	}
	rest = v[2+n:]
	if v[0] != codecChunk {
		return int(f), -1, rest, nil
	}
	c, m := binary.Uvarint(rest)
	if m <= 0 || c == 0 || c > 1<<31 {
		return int(f), -1, nil, fmt.Errorf("%w: the chunk's number of events is malformed", errPacked)
	}
	return int(f), int(c), rest[m:], nil
}

// frame decodes a frame of events: the sequence of its first event and its content (the
// records), valid until u's next use.
func (u *unpacker) frame(v []byte) (int, []byte, error) {
	first, rest, err := frameHead(v)
	if err != nil {
		return first, nil, err
	}
	if _, ok := zdicts[v[1]]; !ok {
		return first, nil, fmt.Errorf("a value names dictionary %d, which this repairdesk does not have (a newer version wrote it)", v[1])
	}
	_, dec, err := codecs()
	if err != nil {
		return first, nil, err
	}
	u.frameBuf = append(append(u.frameBuf[:0], zstdMagic...), rest...)
	out, err := dec.DecodeAll(u.frameBuf, u.out[:0])
	if err != nil {
		return first, nil, fmt.Errorf("%w: %v", errPacked, err)
	}
	u.out = out
	return first, out, nil
}

// frameError: a frame's content is not a run of records.
type frameError struct{ at int }

func (e *frameError) Error() string {
	return fmt.Sprintf("a compressed value is damaged: the frame's record at byte %d is cut short", e.at)
}

// frameRecords calls fn with the JSON of each record of a frame's content, in order.
func frameRecords(content []byte, fn func(js []byte) error) error {
	for i := 0; i < len(content); {
		n, w := binary.Uvarint(content[i:])
		if w <= 0 || n == 0 || uint64(len(content)-i-w) < n {
			return &frameError{at: i}
		}
		if err := fn(content[i+w : i+w+int(n)]); err != nil {
			return err
		}
		i += w + int(n)
	}
	return nil
}

// frameCount is the number of records in a frame's content.
func frameCount(content []byte) (int, error) {
	n := 0
	err := frameRecords(content, func([]byte) error { n++; return nil })
	return n, err
}

var errPacked = errors.New("a compressed value is damaged")

// unpackValue gives the JSON of the stored value v: v itself when it is JSON (it then
// points into the mapped file, valid while the transaction is), else a new slice.
func unpackValue(v []byte) ([]byte, error) {
	var u unpacker
	return u.json(v)
}

// unpacker decodes stored values, reusing its buffers: what json returns is valid until
// its next call. One per goroutine.
type unpacker struct{ frameBuf, out []byte }

func (u *unpacker) json(v []byte) ([]byte, error) {
	if !isPacked(v) {
		return v, nil
	}
	if isFrame(v) {
		return nil, fmt.Errorf("%w: a frame of events where one value was expected", errPacked)
	}
	if len(v) < 3 {
		return nil, errPacked
	}
	if _, ok := zdicts[v[1]]; !ok {
		return nil, fmt.Errorf("a value names dictionary %d, which this repairdesk does not have (a newer version wrote it)", v[1])
	}
	_, dec, err := codecs()
	if err != nil {
		return nil, err
	}
	// The frame needs its magic number back.
	u.frameBuf = append(append(u.frameBuf[:0], zstdMagic...), v[2:]...)
	out, err := dec.DecodeAll(u.frameBuf, u.out[:0])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errPacked, err)
	}
	u.out = out
	return out, nil
}

// unmarshalValue decodes a stored case or event value (JSON or compressed) into dst.
func unmarshalValue(v []byte, dst any) error {
	js, err := unpackValue(v)
	if err != nil {
		return err
	}
	return decodeJSON(js, dst)
}

// unmarshal is unmarshalValue with u's buffers.
func (u *unpacker) unmarshal(v []byte, dst any) error {
	js, err := u.json(v)
	if err != nil {
		return err
	}
	return decodeJSON(js, dst)
}

// decodeJSON decodes the JSON of a stored case or event into dst (a *workflow.Case,
// *workflow.Event or a lean view of them, zero) as encoding/json does. The decoder
// generated from the types (jsondec.go) reads the canonical JSON the store writes; what
// it declines goes to github.com/goccy/go-json (about twice as fast as encoding/json, and
// the same values: TestDecoderAgreesWithEncodingJSON over every case and event of a demo
// file), and JSON that refuses is decoded again by encoding/json, so what is readable,
// and the error said of what is not, stay as they were. js is not kept: the decoders
// copy what they keep.
func decodeJSON(js []byte, dst any) error {
	if fastJSON(js, dst) {
		return nil
	}
	if gojson.Unmarshal(js, dst) == nil {
		return nil
	}
	if v := reflect.ValueOf(dst); v.Kind() == reflect.Pointer && !v.IsNil() {
		v.Elem().SetZero() // what the first decoder left
	}
	return json.Unmarshal(js, dst)
}

// ValueJSON gives the JSON of a stored case or event value as written (the bytes the
// hash chain covers), whichever encoding it is stored in: for tools and tests that read
// the file directly.
func ValueJSON(v []byte) ([]byte, error) {
	js, err := unpackValue(v)
	if err != nil {
		return nil, err
	}
	if len(js) > 0 && &js[0] == &v[0] {
		js = append([]byte(nil), js...)
	}
	return js, nil
}

var warmOnce sync.Once

// warmCodec prepares the codec and each of its encoders (the dictionary's tables are
// built at an encoder's first use: tens of milliseconds), so that the first commit of a
// process does not pay for it. Open calls it in the background for a writable store.
func warmCodec() {
	warmOnce.Do(func() {
		enc, dec, err := codecs()
		if err != nil {
			return
		}
		sample := []byte(`{"case_id":1,"seq":1,"kind":"create"}`)
		var wg sync.WaitGroup
		for range runtime.GOMAXPROCS(0) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := enc.EncodeAll(sample, nil)
				_, _ = dec.DecodeAll(p, nil)
			}()
		}
		wg.Wait()
	})
}
