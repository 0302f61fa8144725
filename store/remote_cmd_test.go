package store

import (
	"bytes"
	"net"
	"testing"
	"time"
)

// writeCounter records every Write a frame makes.
type writeCounter struct {
	net.Conn
	writes [][]byte
}

func (w *writeCounter) SetWriteDeadline(time.Time) error { return nil }

func (w *writeCounter) Write(p []byte) (int, error) {
	w.writes = append(w.writes, append([]byte(nil), p...))
	return len(p), nil
}

// A frame goes out in one write, and never as an empty one. The peer may act on a whole
// frame at once (an answer k with no payload to a close, then the command ends and the
// connection closes): a second write of the same frame, even an empty one, was a
// write(2) that failed with "broken pipe" now and then although the frame had arrived.
func TestFrameIsOneWrite(t *testing.T) {
	for _, payload := range [][]byte{nil, {}, []byte("7"), bytes.Repeat([]byte("x"), 70000)} {
		wc := &writeCounter{}
		fc := &frameConn{conn: wc}
		if err := fc.send(frOK, payload); err != nil {
			t.Fatal(err)
		}
		if len(wc.writes) != 1 {
			t.Fatalf("payload of %d bytes: %d writes, want 1", len(payload), len(wc.writes))
		}
		w := wc.writes[0]
		if len(w) != 5+len(payload) || w[0] != frOK || !bytes.Equal(w[5:], payload) {
			t.Fatalf("payload of %d bytes: frame %q", len(payload), w[:min(len(w), 16)])
		}
	}
}
