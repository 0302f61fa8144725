package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
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
	s     string // the value being decoded, as a string
	i     int
	err   bool
	strs  []string
	pause []workflow.Pause
}

func (d *sumDecoder) decode(v []byte, sm *Summary) error {
	if len(v) == 0 || v[0] != sumLayout {
		return errSummary
	}
	d.s, d.i, d.err = string(v), 1, false
	sm.ID = uint32(d.uvarint())
	sm.No = d.str()
	sm.Version = int(d.varint())
	sm.Stage = workflow.Stage(d.str())
	sm.Enterprise = d.str()
	sm.CreditCode = d.str()
	sm.Agent = d.str()
	sm.RecordType = d.str()
	sm.Sources = d.strList()
	sm.Owner = d.str()
	sm.UpdatedAt = d.time()
	sm.UpdatedBy = d.str()
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
	sm.IDH = ""
	if d.i < len(d.s) {
		sm.IDH = d.str()
	}
	sm.FollowedUp = time.Time{}
	if d.i < len(d.s) {
		sm.FollowedUp = d.time()
	}
	if d.err || d.i != len(d.s) {
		return errSummary
	}
	return nil
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

func (d *sumDecoder) str() string {
	n := d.count()
	if d.err {
		return ""
	}
	s := d.s[d.i : d.i+n]
	d.i += n
	return s
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
		out[k] = d.str()
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
