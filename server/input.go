package server

import (
	"io"
	"sync"
)

// A session's keyboard reaches Bubble Tea through sessionInput, which bounds what one
// client can make the console hold. Bubble Tea keeps input it has not finished parsing:
// a bracketed paste until its end marker, and a run of characters for as long as each
// read fills its buffer. A client that starts a paste and never ends it, or sends
// characters without pause, made that buffer grow without limit (and re-parsed it on
// every read). So a paste is cut at maxPaste bytes (its end marker sent early, the rest
// dropped until the client's own end marker), and after maxRun bytes of full reads one
// read is made short, which lets Bubble Tea hand over what it holds.
const (
	maxPaste = 64 << 10
	maxRun   = 4 << 10
)

// maxOSC bounds an answer to the background question; a longer one is dropped.
const maxOSC = 64

var (
	oscReply   = []byte("\x1b]11;")
	pasteStart = []byte("\x1b[200~")
	pasteEnd   = []byte("\x1b[201~")
)

type sessionInput struct {
	r     io.Reader
	once  sync.Once
	onEOF func() // the client closed its side: the console quits
	// onBackground, when set, receives the payload of the terminal's answer to the
	// background question (renderer.go), which is taken out of the input.
	onBackground func(payload string)
	oscAt        int    // progress through oscReply
	inOSC        bool   // within an answer, after its prefix
	osc          []byte // the answer's payload so far

	raw      [1024]byte
	out      []byte // filtered, not yet delivered
	run      int    // bytes delivered in full reads since the last short one
	inPaste  bool
	dropping bool // past maxPaste: bytes dropped until the end marker
	pasteLen int
	startAt  int // progress through pasteStart
	endAt    int // progress through pasteEnd
}

func newSessionInput(r io.Reader) *sessionInput { return &sessionInput{r: r} }

func (in *sessionInput) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for len(in.out)-in.held() == 0 {
		n, err := in.r.Read(in.raw[:])
		in.filter(in.raw[:n])
		if err != nil {
			if len(in.out) > 0 {
				in.oscAt = 0 // nothing more comes: what was held back is keys after all
				break        // deliver what came with the error; the error comes back next time
			}
			if in.onEOF != nil {
				in.once.Do(in.onEOF)
			}
			return 0, err
		}
	}
	n := min(len(p), len(in.out)-in.held())
	if n == len(p) && len(p) > 1 && in.run+n >= maxRun {
		n-- // a short read: Bubble Tea parses what it has
	}
	if n < len(p) {
		in.run = 0
	} else {
		in.run += n
	}
	copy(p, in.out[:n])
	in.out = in.out[n:]
	if len(in.out) == 0 {
		in.out = nil
	}
	return n, nil
}

// held is how many bytes at the end of out are kept back as the start of an answer to
// the background question: from "ESC ]" on (alt+] alone waits for the next key). A lone
// ESC is never held, being the escape key; an answer split right after it (terminals
// write it whole) reaches the console as that key, and the rest is still taken.
func (in *sessionInput) held() int {
	if in.oscAt >= 2 {
		return min(in.oscAt, len(in.out))
	}
	return 0
}

func step(b byte, at int, marker []byte) int {
	if b == marker[at] {
		return at + 1
	}
	if b == marker[0] {
		return 1
	}
	return 0
}

func (in *sessionInput) filter(b []byte) {
	for _, c := range b {
		switch {
		case in.dropping:
			if in.endAt = step(c, in.endAt, pasteEnd); in.endAt == len(pasteEnd) {
				in.dropping, in.inPaste, in.endAt = false, false, 0 // its end marker was already sent
			}
		case in.inPaste:
			in.out = append(in.out, c)
			in.pasteLen++
			if in.endAt = step(c, in.endAt, pasteEnd); in.endAt == len(pasteEnd) {
				in.inPaste, in.endAt = false, 0
			} else if in.pasteLen >= maxPaste && in.endAt == 0 {
				in.out = append(in.out, pasteEnd...)
				in.dropping = true
			}
		case in.inOSC:
			in.osc = append(in.osc, c)
			end := 0
			switch {
			case c == 0x07:
				end = 1
			case c == '\\' && len(in.osc) > 1 && in.osc[len(in.osc)-2] == 0x1b:
				end = 2
			}
			if end > 0 {
				in.onBackground(string(in.osc[:len(in.osc)-end]))
				in.inOSC, in.osc = false, nil
				in.onBackground = nil // asked once, answered once
			} else if len(in.osc) > maxOSC {
				in.inOSC, in.osc = false, nil // not an answer: dropped
			}
		default:
			in.out = append(in.out, c)
			if in.onBackground != nil {
				if in.oscAt = step(c, in.oscAt, oscReply); in.oscAt == len(oscReply) {
					// The prefix is taken back (it came in this read, as answers do).
					in.out = in.out[:len(in.out)-in.held()]
					in.oscAt, in.inOSC, in.osc = 0, true, in.osc[:0]
					in.startAt = 0
					continue
				}
			}
			if in.startAt = step(c, in.startAt, pasteStart); in.startAt == len(pasteStart) {
				in.inPaste, in.pasteLen, in.startAt, in.endAt = true, 0, 0, 0
			}
		}
	}
}
