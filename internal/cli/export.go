package cli

// repairdesk export: every case and its history, for use outside the console, with the
// agents' ID numbers and phones masked.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"repairdesk/internal/csvout"
	"repairdesk/internal/msg"
	"repairdesk/internal/progress"
	"repairdesk/store"
	"repairdesk/workflow"
)

func (a *app) exportCmd() *cobra.Command {
	c := a.command("export", "export")
	c.Args = a.noArgs
	f := c.Flags()
	format := f.String("format", "csv", a.t("flag.export_format"))
	since := f.String("since", "", a.t("flag.since"))
	out := f.String("out", "", a.t("flag.out"))
	c.RunE = a.run(func([]string) int {
		defer bulkGC()()
		return a.export(*format, *since, *out)
	})
	return c
}

// export writes the cases and their histories for use outside the console.
func (a *app) export(format, since, out string) int {
	l := a.lang
	fail := func(code int, text string) int { return a.errf("export", code, text) }
	f := strings.ToLower(format)
	if f != "csv" && f != "json" {
		return fail(exitUsage, a.t("cli.export_format", format))
	}
	var from time.Time
	if since != "" {
		var err error
		if from, err = workflow.ParseDate(strings.TrimSpace(since)); err != nil {
			return fail(exitUsage, a.t("cli.export_since", since))
		}
	}
	toFile := out != "" && out != "-"
	eventsPath := ""
	if toFile {
		if f == "csv" {
			eventsPath = eventsFile(out)
		}
		for _, p := range []string{out, eventsPath} {
			if p == "" {
				continue
			}
			if err := a.refuseExisting(p); err != nil {
				return fail(exitFail, err.Error())
			}
		}
	}
	opts := exportStoreOptions(from)
	st, done, ok := a.useStore(a.dbPath(), opts)
	if !ok {
		return exitFail
	}
	defer done()
	ctx, stop := a.interruptible()
	defer stop()
	now := time.Now()
	if a.now != nil {
		now = a.now()
	}
	x := &exporter{st: st, lang: l, names: staffNames(st), now: now, keep: []string{st.Settings().Letterhead.Phone}, ctx: ctx}
	x.work = a.work("progress.export", progress.Cases)
	defer x.work.done()
	// The total, for the progress line: every case, or with --since those the
	// summaries say were received since, counted once they are loaded (until then the
	// line shows "?"): the export does not wait for that load (about half a second at
	// 100,000 cases, on one core), it runs beside it.
	counted := make(chan struct{})
	defer func() { <-counted }()
	go func() {
		defer close(counted)
		var n int64
		if opts.NoSummaries {
			n, _ = st.CaseCount() // on an error, "?" stays: the export meets it itself
		} else {
			for sm := range st.Snapshot().All() {
				if !sm.ReceivedAt.Before(from) {
					n++
				}
			}
		}
		if !toFile && f == "csv" {
			n *= 2 // one stream: the cases, then the events in a second pass
		}
		x.total.Store(n)
	}()

	// Files are written whole or not at all: under a partial name, put in place at the
	// end; on an error or Ctrl+C they are removed. (Through the control socket the
	// command line's side writes them, and removes them if the command is cut off.)
	type outFile struct {
		w         io.WriteCloser
		name, tmp string
	}
	var files []outFile
	open := func(p string) (io.Writer, error) {
		tmp := p
		if a.cio == nil {
			tmp = partialName(p)
		}
		fh, err := a.createNew(tmp)
		if err != nil {
			return nil, err
		}
		files = append(files, outFile{fh, p, tmp})
		return fh, nil
	}
	finish := func(err error) int {
		for _, fh := range files {
			if cerr := fh.w.Close(); err == nil {
				err = cerr
			}
		}
		if err == nil {
			for i, fh := range files {
				if fh.tmp == fh.name {
					continue
				}
				if err = placeNew(fh.tmp, fh.name, l); err != nil {
					for _, done := range files[:i] {
						os.Remove(done.name)
					}
					break
				}
			}
		}
		if err != nil {
			for _, fh := range files {
				a.removeNew(fh.w, fh.tmp)
			}
			x.work.done()
			if ctx.Err() != nil {
				return fail(exitInterrupted, a.t("cli.interrupted"))
			}
			return fail(exitFail, messageIn(err, l))
		}
		return exitOK
	}

	var main io.Writer = a.stdout
	var err error
	if toFile {
		if main, err = open(out); err != nil {
			return finish(err)
		}
	}
	bw := bufio.NewWriter(main)
	n := 0
	if f == "json" {
		n, err = x.json(bw, fileChunkWriter(main), from)
	} else if toFile {
		var ew io.Writer
		if ew, err = open(eventsPath); err != nil {
			return finish(err)
		}
		ebw := bufio.NewWriter(ew)
		n, err = x.csv(bw, ebw, from, true)
		if ferr := ebw.Flush(); err == nil {
			err = ferr
		}
	} else {
		// One stream: the cases, an empty row, the events (a second pass over the same
		// read-only file, so the two agree).
		if n, err = x.csv(bw, nil, from, false); err == nil {
			bw.WriteString("\r\n")
			_, err = x.csv(nil, bw, from, false)
		}
	}
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if code := finish(err); code != 0 {
		return code
	}
	x.work.done()
	if toFile {
		what := out
		if eventsPath != "" {
			what += ", " + eventsPath
		}
		fmt.Fprintln(a.stderr, a.t("cli.exported", n, what))
	}
	return exitOK
}

// exportStoreOptions: the export opens the store read-only and never searches. Without
// --since (from zero) it loads no summaries either (about 0.4 CPU-s and 100 MB of heap
// at 100,000 cases): the progress line's total is then the number of cases, counted as
// check counts them (Store.CaseCount).
func exportStoreOptions(from time.Time) store.Options {
	return store.Options{ReadOnly: true, IndexOnDemand: true, NoSummaries: from.IsZero()}
}

// eventsFile is where the events table of a CSV export goes: cases.csv → cases-events.csv.
func eventsFile(path string) string {
	ext := filepath.Ext(path)
	if ext == "" {
		ext = ".csv"
	}
	return strings.TrimSuffix(path, filepath.Ext(path)) + "-events" + ext
}

type exporter struct {
	st    *store.Store
	lang  string
	names func(string) string
	now   time.Time
	keep  []string // numbers not to mask: the agency's own phone
	// maskWith, when set, masks instead of mask (tests: the masking as it was, so that
	// the CSV writer's output is compared across the masking alone).
	maskWith func(workflow.Case, []workflow.Event) (workflow.Case, []workflow.Event, error)
	// fullPath, when set, sends every event of a JSON export the full way (tests: the
	// output without events written from storage); taken and seen count the events
	// written from storage and all events.
	fullPath    bool
	taken, seen atomic.Int64
	casesTaken  atomic.Int64
	directLeft  atomic.Int64 // items with events written in place that then went to raw (item)
	maskSkipped atomic.Int64 // items written whole from storage, masking not called (item)
	itemBufs    sync.Pool    // of *itemBufs: item's buffers, reused case after case

	ctx   context.Context // Ctrl+C
	work  *work           // progress: done of total
	done  int64
	total atomic.Int64 // 0 until counted
}

// next counts a case written, and stops the export after Ctrl+C.
func (x *exporter) next() error {
	if err := x.ctx.Err(); err != nil {
		return err
	}
	x.done++
	x.work.update(x.done, x.total.Load())
	return nil
}

// mask is the one way a case leaves in an export: workflow.MaskCase, which fails closed.
// The agency's own phone (in the letters' letterhead) is left as it is. The export owns
// the case and events it is given (decoded for it, dropped after), so they are masked in
// place (MaskCaseInPlace: MaskCase's result without its copies).
func (x *exporter) mask(c workflow.Case, evs []workflow.Event) (workflow.Case, []workflow.Event, error) {
	if x.maskWith != nil {
		return x.maskWith(c, evs)
	}
	mc, mevs, err := workflow.MaskCaseInPlace(c, evs, x.keep...)
	var me *workflow.MaskError
	if errors.As(err, &me) {
		return mc, mevs, errors.New(me.Message(x.lang))
	}
	return mc, mevs, err
}

type exportItem struct {
	Case   workflow.Case    `json:"case"`
	Events []workflow.Event `json:"events"`
}

// json streams an array of {case, events}, oldest case first. Each case is masked and
// encoded on the store's decoding goroutines (every core), by the generated encoder
// (exportenc.go: json.MarshalIndent's bytes without reflection or a second pass); an
// event that masking and encoding would give back as it is stored is written from its
// stored bytes (exportraw.go). This one writes the cases in order: to w, or, when cw is
// not nil (a regular file), through cw in whole chunks. The buffers go back to the
// encoders once written.
func (x *exporter) json(w io.Writer, cw *chunkWriter, since time.Time) (int, error) {
	// As many as can be in flight: the batches the store decodes ahead, 256 cases each.
	bufs := make(chan []byte, 8*256)
	give := func(b []byte) {
		if cap(b) <= 1<<20 {
			select {
			case bufs <- b:
			default:
			}
		}
	}
	put := func(p, buf []byte) error {
		if cw != nil {
			return cw.add(p, buf)
		}
		_, err := w.Write(p)
		if buf != nil { // w keeps none of it (a bufio.Writer copies or writes through)
			give(buf)
		}
		return err
	}
	if cw != nil {
		cw.give = give
	}
	n := 0
	if err := put([]byte("["), nil); err != nil {
		return 0, err
	}
	enc := func(sc *store.StoredCase) ([]byte, error) {
		var buf []byte
		select {
		case buf = <-bufs:
		default:
			buf = make([]byte, 0, 32<<10) // most cases fit: no growing from nothing
		}
		// The separator before the item goes in front of it, so each case is one write
		// (the first case's comma is left out as it is written).
		return x.item(append(buf[:0], ",\n  "...), sc)
	}
	err := x.st.EachCaseStored(since, enc, func(b []byte) error {
		if err := x.next(); err != nil {
			return err
		}
		item := b
		if n == 0 {
			item = b[1:]
		}
		n++
		return put(item, b)
	})
	if err != nil {
		return n, err
	}
	end := "\n]\n"
	if n == 0 {
		end = "]\n"
	}
	if err := put([]byte(end), nil); err != nil {
		return n, err
	}
	if cw != nil {
		err = cw.flush()
	}
	return n, err
}

// item appends a case and its events as encodeExportItem writes them: the case and the
// events that need no change written from their stored bytes (rawCase, rawEvent), the
// others decoded, masked together and encoded.
func (x *exporter) item(dst []byte, sc *store.StoredCase) ([]byte, error) {
	ib, _ := x.itemBufs.Get().(*itemBufs)
	if ib == nil {
		ib = &itemBufs{raw: make([]byte, 0, 32<<10)}
	}
	defer x.itemBufs.Put(ib)
	fast := x.maskWith == nil && !x.fullPath
	e := exportEnc{b: append(dst, '{')}
	n := 0
	e.key(&n, 0, "\"case\": ")
	var c workflow.Case
	caseTaken := false
	if fast {
		js, err := sc.JSON()
		if err != nil {
			return nil, err
		}
		var no string
		if e.b, no, caseTaken = rawCase(e.b, js, 1, sc.OpenAgent); caseTaken {
			// Masking is given the case's number alone (for its messages): the case
			// itself holds nothing masking changes but its agent, done above.
			c = workflow.Case{No: no}
			x.casesTaken.Add(1)
		}
	}
	if !caseTaken {
		var err error
		if c, err = sc.Case(); err != nil {
			return nil, err
		}
	}
	raw, ends, starts := ib.raw[:0], ib.ends[:0], ib.starts[:0]
	taken := 0
	// With the case written from storage, the events are written straight after it, in
	// place (direct), as long as each is taken: most items are written so whole, their
	// events copied nowhere else. At the first event not taken, those taken so far move
	// to raw, the item is cut back to the case, and the rest goes the way below.
	direct := caseTaken
	mark := len(e.b)
	if direct {
		n1 := 1
		e.key(&n1, 0, "\"events\": ")
		e.b = append(e.b, '[')
	}
	take := func(js []byte) bool {
		if direct {
			if len(ends) > 0 {
				e.b = append(e.b, ',')
			}
			e.newline(2)
			from := len(e.b)
			var ok bool
			if e.b, ok = rawEvent(e.b, js, 2, sc.OpenAgent); ok {
				starts = append(starts, from)
				ends = append(ends, len(e.b))
				taken++
				return true
			}
			for i, end := range ends {
				raw = append(raw, e.b[starts[i]:end]...)
				ends[i] = len(raw)
			}
			e.b = e.b[:mark]
			direct = false
			if len(ends) > 0 {
				x.directLeft.Add(1)
			}
		}
		ok := false
		if fast {
			raw, ok = rawEvent(raw, js, 2, sc.OpenAgent)
		}
		if ok {
			ends = append(ends, len(raw))
			taken++
		} else {
			ends = append(ends, -1)
		}
		return ok
	}
	evs, err := sc.Events(take)
	if cap(raw) <= 1<<20 {
		ib.raw = raw
	}
	ib.ends, ib.starts = ends, starts
	if err != nil {
		return nil, err
	}
	x.taken.Add(int64(taken))
	x.seen.Add(int64(len(evs)))
	if direct {
		// The case and every event were written from storage: each string of them was
		// proven to hold no number FindPII finds, the agent masked by the scan. Masking
		// would be given the case's number alone (which the scan searched) and zero
		// Events: it could change nothing and find nothing, so it is not called. The item
		// ends as itemWith ends it.
		x.maskSkipped.Add(1)
		if len(evs) > 0 {
			e.newline(1)
		}
		e.b = append(e.b, ']')
		e.newline(0)
		e.b = append(e.b, '}')
		return e.b, nil
	}
	// The taken events are zero Events here: masking passes them as they are (no intake,
	// no number), so its result, and its error (which names an event by its index), are
	// those of the whole history.
	c, evs, err = x.mask(c, evs)
	if err != nil {
		return nil, err
	}
	if err := x.itemWith(&e, &c, !caseTaken, evs, raw, ends); err != nil {
		// A value the generated encoder leaves to encoding/json (a time outside RFC
		// 3339): the whole item goes that way, the taken case and events decoded from
		// the bytes written for them.
		if caseTaken {
			if c, err = sc.Case(); err != nil {
				return nil, err
			}
			if c, _, err = x.mask(c, nil); err != nil {
				return nil, err
			}
		}
		all := slices.Clone(evs)
		start := 0
		for i, end := range ends {
			if end < 0 {
				continue
			}
			if err := json.Unmarshal(raw[start:end], &all[i]); err != nil {
				return nil, err
			}
			start = end
		}
		return encodeExportItem(dst, &exportItem{Case: c, Events: all})
	}
	return e.b, nil
}

// itemBufs: the events an item writes from storage, one after the other (raw), and where
// each ends in raw (-1: not taken).
type itemBufs struct {
	raw    []byte
	ends   []int
	starts []int // while the events are written in place: where each begins in the item
}

// itemWith ends enccli_exportItem at depth 0, after the case's key: the case (when
// writeCase: not written from storage already), then the events, those taken from
// storage (ends[i] ≥ 0) copied from raw.
func (x *exporter) itemWith(e *exportEnc, c *workflow.Case, writeCase bool, evs []workflow.Event, raw []byte, ends []int) error {
	if writeCase {
		if err := e.encworkflow_Case(c, 1); err != nil {
			return err
		}
	}
	n := 1
	e.key(&n, 0, "\"events\": ")
	e.b = append(e.b, '[') // never null: an item's events are at least an empty list
	start := 0
	for i := range evs {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.newline(2)
		if ends[i] >= 0 {
			e.b = append(e.b, raw[start:ends[i]]...)
			start = ends[i]
		} else if err := e.encworkflow_Event(&evs[i], 2); err != nil {
			return err
		}
	}
	if len(evs) > 0 {
		e.newline(1)
	}
	e.b = append(e.b, ']')
	e.newline(0)
	e.b = append(e.b, '}')
	return nil
}

func (x *exporter) t(key string) string { return msg.T(x.lang, key) }

func (x *exporter) when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(workflow.ChinaTZ).Format("2006-01-02 15:04")
}

// joinLabels lists the distinct labels of a field over the records: 人民银行征信中心、信用中国.
func joinLabels(recs []workflow.Record, kind string, lang string, field func(workflow.Record) string) string {
	var out []string
	for _, r := range recs {
		v := field(r)
		if kind != "" {
			v = workflow.Label(kind, v, lang)
		}
		v = workflow.CleanLine(v)
		if v != "" && !containsStr(out, v) {
			out = append(out, v)
		}
	}
	return strings.Join(out, msg.T(lang, "export.sep"))
}

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// csv writes the cases table to cw and the events table to ew (either may be nil), each
// with its heading row. The cases table starts with the BOM; the events table too when
// eventsBOM (it is a file of its own).
func (x *exporter) csv(cw, ew io.Writer, since time.Time, eventsBOM bool) (int, error) {
	var cc, ec *csvout.Writer
	put := func(w *csvout.Writer, rec ...string) { w.Row(rec...) }
	if cw != nil {
		cc = csvout.New(cw, true)
		put(cc, x.t("export.col_no"), x.t("export.col_stage"), x.t("export.col_enterprise"), x.t("export.col_credit_code"),
			x.t("export.col_legal_rep"), x.t("export.col_agent"), x.t("export.col_agent_phone"), x.t("export.col_agent_id"),
			x.t("export.col_sources"), x.t("export.col_types"), x.t("export.col_institutions"), x.t("export.col_problems"),
			x.t("export.col_owner"), x.t("export.col_received"), x.t("export.col_closed"), x.t("export.col_agency_days"),
			x.t("export.col_round"), x.t("export.col_notices"), x.t("export.col_outcome"), x.t("export.col_decline"),
			x.t("export.col_channel"), x.t("export.col_reference"), x.t("export.col_updated"), x.t("export.col_updated_by"),
			x.t("export.col_first_responsible"), x.t("export.col_satisfaction"), x.t("export.col_follow_up"), x.t("export.col_thanks"))
	}
	if ew != nil {
		ec = csvout.New(ew, eventsBOM)
		put(ec, x.t("export.col_no"), x.t("export.col_seq"), x.t("export.col_at"), x.t("export.col_action"), x.t("export.col_actor"),
			x.t("export.col_from"), x.t("export.col_to"), x.t("export.col_comment"), x.t("export.col_changes"),
			x.t("export.col_letter"), x.t("export.col_hash"))
	}
	l := x.lang
	n := 0
	err := x.st.EachCase(since, ew != nil, func(c workflow.Case, evs []workflow.Event) error {
		if err := x.next(); err != nil {
			return err
		}
		c, evs, err := x.mask(c, evs)
		if err != nil {
			return err
		}
		n++
		if cc != nil {
			outcome, decline, channel, ref := "", "", "", ""
			if c.Outcome != nil {
				outcome = workflow.Label("outcome", c.Outcome.Result, l)
			}
			if c.Decline != nil {
				decline = workflow.Label("reason", c.Decline.Reason, l)
			}
			if c.Submission != nil {
				channel, ref = workflow.Label("channel", c.Submission.Channel, l), c.Submission.Reference
			}
			days := strconv.FormatFloat(workflow.AgencyDays(&c, x.now), 'f', 1, 64)
			sat, called := "", ""
			if f := c.FollowUp; f != nil && f.Satisfaction != "" {
				sat, called = workflow.Label("satisfaction", f.Satisfaction, l), x.when(f.At)
			}
			put(cc, c.No, c.Stage.Label(l), c.Enterprise.Name, c.Enterprise.CreditCode, c.Enterprise.LegalRep,
				c.Agent.Name, c.Agent.Phone, c.Agent.IDNumber,
				joinLabels(c.Records, "source", l, func(r workflow.Record) string { return r.Source }),
				joinLabels(c.Records, "record_type", l, func(r workflow.Record) string { return r.Type }),
				joinLabels(c.Records, "", l, func(r workflow.Record) string { return r.Institution }),
				joinLabels(c.Records, "problem", l, func(r workflow.Record) string { return r.Problem }),
				x.names(c.Owner), x.when(c.ReceivedAt), x.when(c.ClosedAt), days,
				strconv.Itoa(c.Round), strconv.Itoa(len(c.Notices)), outcome, decline, channel, ref,
				x.when(c.UpdatedAt), x.names(c.UpdatedBy),
				x.names(c.FirstResponsible()), sat, called, strconv.Itoa(c.ThanksCount()))
			if err := cc.Error(); err != nil {
				return err
			}
		}
		if ec != nil {
			for _, ev := range evs {
				var ch []string
				for _, d := range ev.Changes {
					ch = append(ch, fmt.Sprintf("%s: %s → %s", d.Field, d.Old, d.New))
				}
				from := ""
				if ev.From != "" {
					from = ev.From.Label(l)
				}
				var titles []string
				for _, lt := range ev.Letters() {
					titles = append(titles, lt.Title)
				}
				letter := strings.Join(titles, "; ")
				put(ec, c.No, strconv.Itoa(ev.Seq), x.when(ev.At), ev.Kind.Label(l), x.names(ev.Actor), from, ev.To.Label(l),
					ev.Comment, strings.Join(ch, "; "), letter, ev.Hash)
			}
			if err := ec.Error(); err != nil {
				return err
			}
		}
		return nil
	})
	if cc != nil {
		if ferr := cc.Flush(); err == nil {
			err = ferr
		}
	}
	if ec != nil {
		if ferr := ec.Flush(); err == nil {
			err = ferr
		}
	}
	return n, err
}
