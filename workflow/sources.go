package workflow

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"repairdesk/internal/msg"
	"slices"
	"strings"
	"sync"
	"time"
)

// The record sources and the law each follows are data (sources/sources.json): the channel
// for a dispute or repair, its legal basis, the external body's time limit (whose clock,
// from when, natural or working days) and the avenues open when the answer is no. Every
// figure carries how sure it is; an unverified one is shown to supervisors as 待核实 and is
// never stated as fact in a letter.

//go:embed sources/sources.json
var sourcesJSON []byte

// Confidence of a legal figure.
const (
	StatusPrimary    = "primary"    // the regulation's own text was read
	StatusSecondary  = "secondary"  // a faithful copy on a third-party site
	StatusUnverified = "unverified" // not confirmed: 待核实
)

// Text is one sentence in both languages.
type Text struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

// In is the text in lang (Chinese unless "en").
func (t Text) In(lang string) string {
	if lang == "en" {
		return t.EN
	}
	return t.ZH
}

// SourceLimit is the external body's time limit for answering.
type SourceLimit struct {
	Days    int    `json:"days"` // 0 when unknown
	Natural bool   `json:"natural"`
	Clock   string `json:"clock"`  // whose clock: institution, creditchina, gsxt, court, tax
	Starts  string `json:"starts"` // the action that starts it: submit_correction
	Basis   string `json:"basis"`
	Status  string `json:"status"`
	// Missing says, for an unverified limit, what would confirm it: what the sources at
	// hand lack. Required for every unverified figure (ParseSources).
	Missing string `json:"missing,omitempty"`
}

// Known: the limit is given and confirmed by at least a secondary source.
func (l SourceLimit) Known() bool { return l.Days > 0 && l.Status != StatusUnverified }

// Limit is the limit as the deadline arithmetic takes it.
func (l SourceLimit) Limit() Limit { return Limit{Days: l.Days, Natural: l.Natural} }

type Basis struct {
	Status  string `json:"status"`
	Basis   string `json:"basis"`
	Missing string `json:"missing,omitempty"` // when unverified: what would confirm it
}

// Source is one record source.
type Source struct {
	Key     string `json:"key"`
	Kind    string `json:"kind"`    // credit_agency, public, court, other
	Channel string `json:"channel"` // Keys("channel"): where a correction is submitted
	Process Text   `json:"process"`
	// Body is who a correction report is addressed to; Check where the enterprise sees the
	// record for itself (the source's own public channel).
	Body  Text        `json:"body"`
	Check Text        `json:"check"`
	Basis string      `json:"basis"`
	Limit SourceLimit `json:"limit"`
	Note  Text        `json:"note"`
	// NoteMissing: when the note marks something unverified, what would confirm it.
	NoteMissing string   `json:"note_missing,omitempty"`
	Avenues     []string `json:"avenues"` // open when the answer is no, in letter order
	Free        Basis    `json:"free"`
}

// AvenueInfo is one avenue's letter text and its basis. In the text, {institutions} is the
// reporting institutions and {expiry} the expiry date, when known.
type AvenueInfo struct {
	Key    string `json:"key"`
	Basis  string `json:"basis"`
	Status string `json:"status"`
	ZH     string `json:"zh"`
	EN     string `json:"en"`
	// Missing: when unverified, what would confirm it.
	Missing string `json:"missing,omitempty"`
}

// PublicityRule is the minimum publicity of administrative penalties decided from From
// (YYYY-MM-DD; "" for every earlier penalty), in months by tier.
type PublicityRule struct {
	From   string         `json:"from"`
	Basis  string         `json:"basis"`
	Status string         `json:"status"`
	Months map[string]int `json:"months"`
	// Missing: when unverified, what would confirm it.
	Missing string `json:"missing,omitempty"`
}

// SourceBook is the parsed data file.
type SourceBook struct {
	Version   string          `json:"version"`
	Sources   []Source        `json:"sources"`
	Avenues   []AvenueInfo    `json:"avenues"`
	Free      Text            `json:"free"`
	Publicity []PublicityRule `json:"publicity"`
}

// ParseSources reads a source book and checks it covers every source, that every avenue
// it names has its text, and that every figure says how sure it is.
func ParseSources(data []byte) (SourceBook, error) {
	var b SourceBook
	if err := json.Unmarshal(data, &b); err != nil {
		return b, fmt.Errorf("record sources: %w", err)
	}
	status := func(s string) bool {
		return s == StatusPrimary || s == StatusSecondary || s == StatusUnverified
	}
	av := map[string]bool{}
	for _, a := range b.Avenues {
		if !isKey("avenue", a.Key) {
			return b, fmt.Errorf("record sources: avenue %q is not a known avenue", a.Key)
		}
		if !status(a.Status) || a.ZH == "" || a.EN == "" {
			return b, fmt.Errorf("record sources: avenue %q needs a status and both texts", a.Key)
		}
		if a.Status == StatusUnverified && a.Missing == "" {
			return b, fmt.Errorf("record sources: avenue %q is unverified and does not say what is missing", a.Key)
		}
		av[a.Key] = true
	}
	for _, k := range Keys("avenue") {
		if !av[k] {
			return b, fmt.Errorf("record sources: avenue %q has no text", k)
		}
	}
	seen := map[string]bool{}
	for _, s := range b.Sources {
		seen[s.Key] = true
		if !status(s.Limit.Status) || !status(s.Free.Status) {
			return b, fmt.Errorf("record sources: source %q: every figure needs a status", s.Key)
		}
		if s.Limit.Status != StatusUnverified && (s.Limit.Days <= 0 || s.Limit.Basis == "") {
			return b, fmt.Errorf("record sources: source %q: a confirmed limit needs days and a basis", s.Key)
		}
		// Where a figure cannot be confirmed the data says why: what is missing.
		if s.Limit.Status == StatusUnverified && s.Limit.Missing == "" ||
			s.Free.Status == StatusUnverified && s.Free.Missing == "" ||
			s.Note.ZH != "" && s.NoteMissing == "" {
			return b, fmt.Errorf("record sources: source %q: an unverified figure does not say what is missing", s.Key)
		}
		if s.Body.ZH == "" || s.Body.EN == "" || s.Check.ZH == "" || s.Check.EN == "" {
			return b, fmt.Errorf("record sources: source %q needs who to address and where to check, in both languages", s.Key)
		}
		if !isKey("channel", s.Channel) {
			return b, fmt.Errorf("record sources: source %q: unknown channel %q", s.Key, s.Channel)
		}
		for _, a := range s.Avenues {
			if !av[a] {
				return b, fmt.Errorf("record sources: source %q: unknown avenue %q", s.Key, a)
			}
		}
	}
	for _, k := range Keys("source") {
		if !seen[k] {
			return b, fmt.Errorf("record sources: source %q has no entry", k)
		}
	}
	if len(b.Publicity) == 0 || b.Publicity[len(b.Publicity)-1].From != "" {
		return b, fmt.Errorf("record sources: publicity rules must end with one for every earlier penalty (from \"\")")
	}
	for _, p := range b.Publicity {
		if !status(p.Status) {
			return b, fmt.Errorf("record sources: publicity rule from %q needs a status", p.From)
		}
		if p.Status == StatusUnverified && p.Missing == "" {
			return b, fmt.Errorf("record sources: publicity rule from %q is unverified and does not say what is missing", p.From)
		}
		if p.From != "" {
			if _, err := ParseDate(p.From); err != nil {
				return b, fmt.Errorf("record sources: publicity rule: bad date %q", p.From)
			}
		}
	}
	return b, nil
}

var defaultSources = sync.OnceValue(func() SourceBook {
	b, err := ParseSources(sourcesJSON)
	if err != nil {
		panic(err) // the embedded file is tested
	}
	return b
})

// Sources is the source book shipped with the program (read-only: do not modify).
func Sources() SourceBook { return defaultSources() }

// Source is the entry for key; "other" for an unknown key.
func (b SourceBook) Source(key string) Source {
	for _, s := range b.Sources {
		if s.Key == key {
			return s
		}
	}
	for _, s := range b.Sources {
		if s.Key == "other" {
			return s
		}
	}
	return Source{Key: key, Limit: SourceLimit{Status: StatusUnverified}}
}

// SourceOfChannel is the source whose body answers a correction submitted through ch.
// institution (the reporting institution) answers under 条例 art. 25, as the PBOC does.
func (b SourceBook) SourceOfChannel(ch string) Source {
	switch ch {
	case "pbc_dispute", "institution":
		return b.Source("pbc")
	}
	for _, s := range b.Sources {
		if s.Channel == ch {
			return s
		}
	}
	return b.Source("other")
}

// Avenue is the avenue's entry.
func (b SourceBook) Avenue(key string) (AvenueInfo, bool) {
	for _, a := range b.Avenues {
		if a.Key == key {
			return a, true
		}
	}
	return AvenueInfo{}, false
}

// AvenuesFor are the avenues open for a case's records: the union of each source's, in
// the order of Keys("avenue"). A case with an "other" record may use any avenue.
func (b SourceBook) AvenuesFor(c *Case) (open []string, any bool) {
	set := map[string]bool{}
	for _, r := range c.Records {
		s := b.Source(r.Source)
		if s.Key == "other" {
			any = true
		}
		for _, a := range s.Avenues {
			set[a] = true
		}
	}
	for _, k := range Keys("avenue") {
		if set[k] {
			open = append(open, k)
		}
	}
	return open, any || len(c.Records) == 0
}

// DefaultAvenues are the avenues a decline form offers ticked for c: its sources' own.
func DefaultAvenues(c *Case) []string {
	open, _ := Sources().AvenuesFor(c)
	return open
}

// AvenueAllowed says whether avenue key may be offered for c. Waiting for the record's
// period to end is open for every source (its letter text states no period as law), but
// never ticked by default.
func AvenueAllowed(c *Case, key string) bool {
	if key == "await_expiry" {
		return true
	}
	open, any := Sources().AvenuesFor(c)
	return any || slices.Contains(open, key)
}

// Unverified is the mark shown beside a figure not confirmed.
func Unverified(lang string) string {
	return msg.T(lang, "sources.unverified")
}

// AvenueLabel is the avenue's label with the 待核实 mark when its basis is unverified: what
// a supervisor sees in the decline form.
func AvenueLabel(key, lang string) string {
	l := Label("avenue", key, lang)
	if a, ok := Sources().Avenue(key); ok && a.Status == StatusUnverified {
		l += Unverified(lang)
	}
	return l
}

// FreeOfCharge says whether the letters may state that c's official channels are free: only
// when every record's source has it confirmed.
func FreeOfCharge(c *Case) bool {
	if len(c.Records) == 0 {
		return false
	}
	for _, r := range c.Records {
		if Sources().Source(r.Source).Free.Status == StatusUnverified {
			return false
		}
	}
	return true
}

// avenueText is the letter text of avenue key, filled in.
func avenueText(key string, c *Case, expiry, lang string) string {
	a, ok := Sources().Avenue(key)
	if !ok {
		return ""
	}
	t := a.ZH
	if lang == "en" {
		t = a.EN
	}
	var inst []string
	for _, r := range c.Records {
		if n := MaskText(strings.TrimSpace(CleanLine(r.Institution))); n != "" && !slices.Contains(inst, n) {
			inst = append(inst, n)
		}
	}
	ins := ""
	if len(inst) > 0 {
		ins = msg.T(lang, "sources.institutions", strings.Join(inst, msg.T(lang, "cli.list_sep")))
	}
	exp := ""
	if expiry != "" {
		exp = msg.T(lang, "sources.expected", expiry)
	}
	t = strings.ReplaceAll(t, "{institutions}", ins)
	return strings.ReplaceAll(t, "{expiry}", exp)
}

// PublicityRuleFor is the minimum-publicity rule for a penalty decided on day d: the rule
// in force then (NDRC Order 36 from 2026-04-01; earlier penalties follow the rules of their
// time).
func (b SourceBook) PublicityRuleFor(d time.Time) PublicityRule {
	day := Day(d)
	for _, p := range b.Publicity {
		if p.From == "" || day >= p.From {
			return p
		}
	}
	return PublicityRule{Status: StatusUnverified}
}

// AddMonths adds n months to t's day, clamped to the end of the month when the day does
// not exist (民法典 art. 202: a period counted in months with no corresponding day ends on
// the month's last day). 2025-11-30 + 3 months = 2026-02-28.
func AddMonths(t time.Time, n int) time.Time {
	t = t.In(ChinaTZ)
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, ChinaTZ)
	last := first.AddDate(0, 1, -1).Day()
	if d > last {
		d = last
	}
	return time.Date(first.Year(), first.Month(), d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), ChinaTZ)
}
