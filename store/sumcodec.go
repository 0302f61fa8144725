package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"

	"repairdesk/store/kv"
	"repairdesk/workflow"
)

// Stored layout
//
// Schema 1 stored summaries as JSON. They are now stored in a compact binary layout that
// decodes without reflection (start-up with 100,000 cases reads them all). Both load: a
// value starting with '{' is a JSON summary, one starting with sumLayout the binary one.
// A summary in neither form, or one that is missing, is rebuilt from its case — summaries
// are only a cache of the cases — and a writable open stores every JSON or rebuilt
// summary again in the binary layout.
//
// Binary layout (varints as in encoding/binary):
//
//	sumLayout byte
//	uvarint id, string no, varint version, string stage, string enterprise,
//	string credit code, string agent, string record type, strings sources,
//	string owner, time updated, string updated by, time received, time stage since,
//	time closed, uvarint #pauses × (time from, time to), time notice due, strings blocked,
//	then, optional on read (added later): string id-number hash, time followed up
//
// string = uvarint length + bytes; strings = uvarint count + that many strings;
// time = 0 for the zero time, else 1, varint unix seconds, uvarint nanoseconds and
// varint zone offset in seconds.

const sumLayout byte = 0xb1

var errSummary = errors.New("unreadable summary")

func encodeSummary(b []byte, sm *Summary) []byte {
	b = append(b, sumLayout)
	b = binary.AppendUvarint(b, uint64(sm.ID))
	b = appendStr(b, sm.No)
	b = binary.AppendVarint(b, int64(sm.Version))
	b = appendStr(b, string(sm.Stage))
	b = appendStr(b, sm.Enterprise)
	b = appendStr(b, sm.CreditCode)
	b = appendStr(b, sm.Agent)
	b = appendStr(b, sm.RecordType)
	b = appendStrs(b, sm.Sources)
	b = appendStr(b, sm.Owner)
	b = appendTime(b, sm.UpdatedAt)
	b = appendStr(b, sm.UpdatedBy)
	b = appendTime(b, sm.ReceivedAt)
	b = appendTime(b, sm.StageSince)
	b = appendTime(b, sm.ClosedAt)
	b = binary.AppendUvarint(b, uint64(len(sm.Pauses)))
	for _, p := range sm.Pauses {
		b = appendTime(b, p.From)
		b = appendTime(b, p.To)
	}
	b = appendTime(b, sm.NoticeDue)
	b = appendStrs(b, sm.Blocked)
	b = appendStr(b, sm.IDH)            // added after the first binary layout: optional on read
	return appendTime(b, sm.FollowedUp) // added with the follow-up call: optional on read
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendStrs(b []byte, ss []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(ss)))
	for _, s := range ss {
		b = appendStr(b, s)
	}
	return b
}

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0)
	}
	_, off := t.Zone()
	b = append(b, 1)
	b = binary.AppendVarint(b, t.Unix())
	b = binary.AppendUvarint(b, uint64(t.Nanosecond()))
	return binary.AppendVarint(b, int64(off))
}

// sumDecoder reads binary summaries. Its strings point into one copy of the value, and
// its small slices are cut from shared blocks, so a summary costs a handful of
// allocations at most.
type sumDecoder struct {
	s     []byte // the value being decoded (may point into the database: copied from)
	i     int
	err   bool
	strs  []string
	pause []workflow.Pause
	// known holds the values of the fields with few distinct values (stage, record type,
	// sources, staff names): a million summaries share a few dozen strings.
	known map[string]string
	// spans of the fields whose text is the case's own, copied into one string at the end
	spans [5][2]int
}

// maxKnown bounds known: a file with many distinct values in those fields is only kept
// less compactly.
const maxKnown = 4096

// decode reads v into sm. A million summaries stay in memory for the life of the process:
// the case's own text (number, enterprise, credit code, agent, ID hash) is copied into one
// string per summary, and the fields with few distinct values are shared. Keeping the
// whole encoded value instead (its fields as substrings of it) kept its times and numbers
// too, and a copy of each staff name, stage and source per case.
func (d *sumDecoder) decode(v []byte, sm *Summary) error {
	if len(v) == 0 || v[0] != sumLayout {
		return errSummary
	}
	d.s, d.i, d.err = v, 1, false
	d.spans = [5][2]int{}
	sm.ID = uint32(d.uvarint())
	d.span(0)
	sm.Version = int(d.varint())
	sm.Stage = workflow.Stage(d.shared())
	d.span(1)
	d.span(2)
	d.span(3)
	sm.RecordType = d.shared()
	sm.Sources = d.strList()
	sm.Owner = d.shared()
	sm.UpdatedAt = d.time()
	sm.UpdatedBy = d.shared()
	sm.ReceivedAt = d.time()
	sm.StageSince = d.time()
	sm.ClosedAt = d.time()
	sm.Pauses = nil
	if n := d.count(); n > 0 {
		if len(d.pause) < n {
			d.pause = make([]workflow.Pause, max(n, 256))
		}
		sm.Pauses, d.pause = d.pause[:n:n], d.pause[n:]
		for k := range sm.Pauses {
			sm.Pauses[k] = workflow.Pause{From: d.time(), To: d.time()}
		}
	}
	sm.NoticeDue = d.time()
	sm.Blocked = d.strList()
	if d.i < len(d.s) {
		d.span(4)
	}
	sm.FollowedUp = time.Time{}
	if d.i < len(d.s) {
		sm.FollowedUp = d.time()
	}
	if d.err || d.i != len(d.s) {
		d.s = nil
		return errSummary
	}
	n := 0
	for _, sp := range d.spans {
		n += sp[1] - sp[0]
	}
	var b strings.Builder
	b.Grow(n)
	for _, sp := range d.spans {
		b.Write(d.s[sp[0]:sp[1]])
	}
	own := b.String()
	var f [5]string
	at := 0
	for k, sp := range d.spans {
		f[k] = own[at : at+sp[1]-sp[0]]
		at += sp[1] - sp[0]
	}
	sm.No, sm.Enterprise, sm.CreditCode, sm.Agent, sm.IDH = f[0], f[1], f[2], f[3], f[4]
	d.s = nil // may point into the database
	return nil
}

// span reads a string field of the case's own text and notes where it is, for decode to
// copy.
func (d *sumDecoder) span(k int) {
	n := d.count()
	if d.err {
		return
	}
	d.spans[k] = [2]int{d.i, d.i + n}
	d.i += n
}

// shared reads a string field whose values repeat across cases, and returns the one copy.
func (d *sumDecoder) shared() string {
	n := d.count()
	if d.err {
		return ""
	}
	b := d.s[d.i : d.i+n]
	d.i += n
	if s, ok := d.known[string(b)]; ok {
		return s
	}
	s := string(b)
	if d.known == nil {
		d.known = map[string]string{}
	}
	if len(d.known) < maxKnown {
		d.known[s] = s
	}
	return s
}

func (d *sumDecoder) uvarint() uint64 {
	if d.err {
		return 0
	}
	var x uint64
	for shift := 0; shift < 64; shift += 7 {
		if d.i >= len(d.s) {
			break
		}
		c := d.s[d.i]
		d.i++
		x |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return x
		}
	}
	d.err = true
	return 0
}

func (d *sumDecoder) varint() int64 {
	u := d.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (d *sumDecoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.s)-d.i) { // every element takes at least one byte
		d.err = true
		return 0
	}
	return int(n)
}

func (d *sumDecoder) strList() []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	if len(d.strs) < n {
		d.strs = make([]string, max(n, 1024))
	}
	out := d.strs[:n:n]
	d.strs = d.strs[n:]
	for k := range out {
		out[k] = d.shared()
	}
	return out
}

func (d *sumDecoder) time() time.Time {
	if d.err || d.i >= len(d.s) {
		d.err = true
		return time.Time{}
	}
	tag := d.s[d.i]
	d.i++
	switch tag {
	case 0:
		return time.Time{}
	case 1:
		sec := d.varint()
		nsec := d.uvarint()
		off := d.varint()
		if nsec >= 1e9 || off <= -24*3600 || off >= 24*3600 {
			d.err = true
			return time.Time{}
		}
		return time.Unix(sec, int64(nsec)).In(zoneAt(int(off)))
	}
	d.err = true
	return time.Time{}
}

// zoneAt is a location with this offset. Only the offset matters to a time's meaning and
// to its JSON form; the usual ones are shared.
func zoneAt(off int) *time.Location {
	switch off {
	case 0:
		return time.UTC
	case 8 * 3600:
		return workflow.ChinaTZ
	}
	if loc, ok := zones.Load(off); ok {
		return loc.(*time.Location)
	}
	loc, _ := zones.LoadOrStore(off, time.FixedZone("", off))
	return loc.(*time.Location)
}

var zones sync.Map // offset → *time.Location

// putSummary stores the summary of c (in the current layout) with the keyed hash of its
// agent's ID number.
func putSummary(tx kv.Tx, c *workflow.Case, idh string) error {
	return tx.Bucket(bSums).Put(u32(c.ID), summaryRecord(c, idh))
}

// summaryRecord is the stored summary of a case.
func summaryRecord(c *workflow.Case, idh string) []byte {
	sm := summarise(c)
	sm.IDH = idh
	return encodeSummary(nil, &sm)
}

// DemoSummaryJSON is a summary in the schema-1 JSON layout (summaries are now stored in a
// compact binary layout, see summary.go), for tests and size comparisons.
func DemoSummaryJSON(sm *Summary) []byte {
	b, _ := json.Marshal(sm)
	return b
}
