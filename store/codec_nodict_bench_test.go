package store

import (
	"os"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"

	"repairdesk/internal/benchkit"
)

// BenchmarkFrameWithoutDictionary weighs a stored-format change it does not make: the
// events' frames written without a dictionary. klauspost/compress decodes a frame that
// uses a dictionary on its Go sequence decoder (decodeSyncSimple declines when the frame
// has one) and every stored frame names dictionary 2, so zstd was about a quarter of
// check's CPU. On a sample of the 100,000-case fixture's event frames (every 10th,
// read-only; the fixture as benchkit finds it, REPAIRDESK_BENCH_FRAMES the sample's
// size), it reports the bytes and the decoding time of each frame's content as stored
// (dictionary 2, SpeedFastest) and re-encoded without a dictionary at SpeedFastest and
// SpeedDefault (CPU nanoseconds a frame from the process's CPU time, the machine being
// shared).
func BenchmarkFrameWithoutDictionary(b *testing.B) {
	path := benchkit.FixturePath(benchCases)
	if _, err := os.Stat(path); err != nil {
		b.Skip("no 100,000-case fixture:", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var stored, contents [][]byte
	var u unpacker
	n := 0
	if err := db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bEvents).ForEach(func(k, v []byte) error {
			if !isFrame(v) || len(stored) >= 20000 {
				return nil
			}
			if n++; n%10 != 0 {
				return nil
			}
			_, rest, err := frameHead(v)
			if err != nil {
				return err
			}
			_, content, err := u.frame(v)
			if err != nil {
				return err
			}
			stored = append(stored, append(append([]byte(nil), zstdMagic...), rest...))
			contents = append(contents, append([]byte(nil), content...))
			return nil
		})
	}); err != nil {
		b.Fatal(err)
	}
	_, dictDec, err := codecs()
	if err != nil {
		b.Fatal(err)
	}
	plainDec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.IgnoreChecksum(true))
	if err != nil {
		b.Fatal(err)
	}
	defer plainDec.Close()
	type variant struct {
		name   string
		frames [][]byte
		dec    *zstd.Decoder
	}
	variants := []variant{{"dict2-fastest-as-stored", stored, dictDec}}
	for _, lvl := range []zstd.EncoderLevel{zstd.SpeedFastest, zstd.SpeedDefault} {
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderCRC(false), zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(lvl), zstd.WithZeroFrames(true))
		if err != nil {
			b.Fatal(err)
		}
		var frames [][]byte
		for _, c := range contents {
			frames = append(frames, enc.EncodeAll(c, nil))
		}
		enc.Close()
		variants = append(variants, variant{"nodict-" + lvl.String(), frames, plainDec})
	}
	var raw int
	for _, c := range contents {
		raw += len(c)
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			size := 0
			for _, f := range v.frames {
				size += len(f) - len(zstdMagic) // stored without the magic
			}
			var out []byte
			cpu := cpuSeconds()
			for b.Loop() {
				for _, f := range v.frames {
					if out, err = v.dec.DecodeAll(f, out[:0]); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(len(v.frames)), "frames")
			b.ReportMetric(float64(raw)/1e6, "content-MB")
			b.ReportMetric(float64(size)/1e6, "frames-MB")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(v.frames)), "ns/frame")
			b.ReportMetric((cpuSeconds()-cpu)*1e9/float64(b.N)/float64(len(v.frames)), "cpu-ns/frame")
		})
	}
}
