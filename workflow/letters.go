package workflow

import (
	"crypto/sha256"
	"embed"
	"encoding/base32"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"path"
	"repairdesk/internal/msg"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"
)

// The letters a case produces are text/template files, one per kind and language, named
// <kind>.<lang>.tmpl (receipt.zh.tmpl …). Each defines a "title" template and its main body
// ends with the signature paragraph (agency, seal, date): LetterHTML right-aligns the last
// paragraph. The shipped copies are embedded; an admin may adapt copies in a directory of
// their own and load it with ParseLetterTemplates. A template sees a LetterData.
//
//go:embed templates/*.tmpl
var letterTemplateFiles embed.FS

// LetterKinds lists the kinds of letter in the order a case produces them.
// correction (修正报告 / 异议申请函, to the institution) and situation (非恶意逾期情况说明)
// are issued together by submit_correction (flowchart node I 提交修正报告).
var LetterKinds = []string{"receipt", "notice", "lapse", "decline", "correction", "situation", "result"}

var letterLangs = []string{"zh", "en"}

// LetterSettings is the letterhead, from the settings.
type LetterSettings struct {
	Agency  string // 机构名称, signs every letter
	Address string
	Phone   string
	Seal    string // what stands by the signature where the seal goes, e.g. 业务专用章; empty: 盖章处
	Contact string // the agency's contact person for the enterprise or the institution
	// Staff is the staff member responsible for the case (承办人), filled in for each
	// letter by whoever renders it (the store: the case owner's display name); not a setting.
	Staff string `json:"-"`
}

// Unset lists the letterhead settings that are empty (name, address, phone, contact), so
// that a letter issued without them can be flagged to the staff member.
func (s LetterSettings) Unset() []string {
	var out []string
	for _, f := range []struct{ key, v string }{{"name", s.Agency}, {"address", s.Address}, {"phone", s.Phone}, {"contact", s.Contact}} {
		if strings.TrimSpace(CleanLine(f.v)) == "" {
			out = append(out, f.key)
		}
	}
	return out
}

// LetterSet is a parsed, checked set of letter templates: every kind in zh and en.
type LetterSet struct {
	tmpl    map[string]*template.Template // "<kind>.<lang>"
	src     map[string]string             // where each came from, for messages
	builtin bool                          // the shipped set
	fill    letterFill                    // skeletons of the shipped set's letters (letters_fill.go)
	noFill  bool                          // run the templates every time (tests compare)
}

// DefaultLetterTemplates is the directory of the shipped templates, for an admin to copy.
func DefaultLetterTemplates() fs.FS {
	sub, err := fs.Sub(letterTemplateFiles, "templates")
	if err != nil {
		panic(err)
	}
	return sub
}

// defaultLetters parses the shipped templates; it renders nothing (they are checked by
// the tests, TestDefaultLettersCheck), so opening a store never runs a template.
var defaultLetters = sync.OnceValue(func() *LetterSet {
	ls, err := parseLetterDir(DefaultLetterTemplates(), "built-in")
	if err == nil {
		err = ls.complete()
	}
	if err != nil {
		panic(err) // the embedded templates are tested
	}
	ls.builtin = true
	return ls
})

// DefaultLetters is the set of templates shipped with the program.
func DefaultLetters() *LetterSet { return defaultLetters() }

// ParseLetterTemplates reads and validates an admin-supplied directory of
// <kind>.<lang>.tmpl files (repairdesk letters use). Files not ending in .tmpl are
// ignored; a kind or language it does not provide falls back to the built-in template.
// Every template is rendered on sample cases in zh and en, each within the render limits
// (LetterRenderTimeout, LetterMaxOutput), so a misspelt field or a runaway loop is
// reported now, with the file's name, rather than when a letter is due.
func ParseLetterTemplates(fsys fs.FS) (*LetterSet, error) {
	ls, err := LoadLetterTemplates(fsys)
	if err != nil {
		return nil, err
	}
	if err := ls.check(); err != nil {
		return nil, err
	}
	return ls, nil
}

// LoadLetterTemplates reads an admin's directory as ParseLetterTemplates does, with every
// static check (syntax, title, the template rules of vetTemplate), but renders nothing:
// it is what opening a store uses, so no command but one producing a letter ever runs a
// template.
func LoadLetterTemplates(fsys fs.FS) (*LetterSet, error) {
	if fsys == nil {
		return nil, msg.Errorf("letters.no_dir")
	}
	ls, err := parseLetterDir(fsys, "")
	if err != nil {
		return nil, err
	}
	if len(ls.tmpl) == 0 {
		return nil, msg.Errorf("letters.none")
	}
	def := DefaultLetters()
	for k, t := range def.tmpl {
		if _, ok := ls.tmpl[k]; !ok {
			ls.tmpl[k], ls.src[k] = t, def.src[k]
		}
	}
	return ls, nil
}

const letterTemplateMax = 256 << 10

func parseLetterDir(fsys fs.FS, origin string) (*LetterSet, error) {
	ls := &LetterSet{tmpl: map[string]*template.Template{}, src: map[string]string{}}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, msg.Errorf("letters.read_dir", err)
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || path.Ext(name) != ".tmpl" {
			continue
		}
		kind, lang, ok := strings.Cut(strings.TrimSuffix(name, ".tmpl"), ".")
		if !ok || !slices.Contains(LetterKinds, kind) || !slices.Contains(letterLangs, lang) {
			return nil, msg.Errorf("letters.bad_name", name, strings.Join(LetterKinds, ", "))
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, msg.Errorf("letters.read", name, err)
		}
		if len(data) > letterTemplateMax {
			return nil, msg.Errorf("letters.too_large", name, len(data), letterTemplateMax)
		}
		t, err := template.New(name).Funcs(letterFuncs(lang)).Parse(string(data))
		if err != nil {
			return nil, msg.Errorf("letters.syntax", name, err)
		}
		if t.Lookup("title") == nil {
			return nil, msg.Errorf("letters.no_title", name)
		}
		if err := vetTemplate(t); err != nil {
			return nil, msg.Errorf("letters.vet", name, err)
		}
		src := name
		if origin != "" {
			src = origin + " " + name
		}
		ls.tmpl[kind+"."+lang], ls.src[kind+"."+lang] = t, src
	}
	return ls, nil
}

// complete reports a kind or language missing from the set.
func (ls *LetterSet) complete() error {
	for _, k := range LetterKinds {
		for _, l := range letterLangs {
			if ls.tmpl[k+"."+l] == nil {
				return msg.Errorf("letters.missing", k, l)
			}
		}
	}
	return nil
}

// check renders every template against sample cases covering each branch a template may take.
func (ls *LetterSet) check() error {
	if err := ls.complete(); err != nil {
		return err
	}
	for _, c := range letterSamples() {
		for _, kind := range LettersOf(&c) {
			for _, lang := range letterLangs {
				if _, err := ls.renderStrict(kind, &c, LetterSettings{Agency: "A", Address: "B", Phone: "C"}, lang, c.UpdatedAt); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func letterFuncs(lang string) template.FuncMap {
	return template.FuncMap{
		// inc turns a 0-based range index into an item number.
		"inc": func(i int) int { return i + 1 },
		// label is Label in the template's language: {{label "outcome" "corrected"}}.
		"label": func(kind, key string) string { return Label(kind, key, lang) },
		"join":  func(a []string, sep string) (string, error) { return capped(strings.Join(a, sep)) },
		// The builtins that make text are bounded: no result over LetterMaxOutput, no
		// printf width or precision over 1000, so no template can build a huge string in a
		// variable without writing it.
		"printf":   boundedPrintf,
		"print":    func(a ...any) (string, error) { return capped(fmt.Sprint(a...)) },
		"println":  func(a ...any) (string, error) { return capped(fmt.Sprintln(a...)) },
		"html":     func(a ...any) (string, error) { return capped(template.HTMLEscaper(a...)) },
		"js":       func(a ...any) (string, error) { return capped(template.JSEscaper(a...)) },
		"urlquery": func(a ...any) (string, error) { return capped(template.URLQueryEscaper(a...)) },
	}
}

// LetterKindFor says which letter an action produces ("" if none); LettersFor gives every
// letter it produces for a case.
func LetterKindFor(k ActionKind) string {
	switch k {
	case ActSubmitCorrection:
		return "correction"
	case ActCreate:
		return "receipt"
	case ActRequestMaterials:
		return "notice"
	case ActLapse:
		return "lapse"
	case ActDecline:
		return "decline"
	case ActNotifyApplicant:
		return "result"
	}
	return ""
}

// LettersFor lists the letters the action k produces on the case c as it stands after the
// action: submit_correction issues the correction report and, for a non-malicious overdue,
// the 情况说明 with it.
func LettersFor(k ActionKind, c *Case) []string {
	lk := LetterKindFor(k)
	if lk == "" {
		return nil
	}
	if lk == "correction" && NonMalicious(c) {
		return []string{"correction", "situation"}
	}
	return []string{lk}
}

// NonMalicious: a contested record is a non-malicious overdue (非恶意逾期, seed 001).
func NonMalicious(c *Case) bool {
	return c != nil && slices.ContainsFunc(c.Records, func(r Record) bool { return r.Problem == "non_malicious_overdue" })
}

// LettersOf lists the kinds of letter a case can show now, in order: the receipt always,
// the notice once one was issued, the decline once declined, and the result once the
// outcome is recorded (a draft until the applicant is notified).
func LettersOf(c *Case) []string {
	if c == nil || (c.ID == 0 && c.No == "") {
		return nil
	}
	out := []string{"receipt"}
	if len(c.Notices) > 0 {
		out = append(out, "notice")
	}
	if c.Lapsed {
		out = append(out, "lapse")
	}
	if c.Decline != nil {
		out = append(out, "decline")
	}
	if c.Submission != nil {
		out = append(out, "correction")
		if NonMalicious(c) {
			out = append(out, "situation")
		}
	}
	if c.Outcome != nil && c.Submission != nil {
		out = append(out, "result")
	}
	return out
}

// LetterData is what a letter template sees. Every text from the case or the settings has
// passed through Clean and is formatted for the letter's language (dates 2026年3月5日 or
// 5 March 2026, labels translated); the agent's ID number and phone are masked.
type LetterData struct {
	Kind, Lang string
	Date       string // the letter's date: that of the action producing it
	Agency     string // never empty: a placeholder says it is not set
	Address    string
	Phone      string
	Contact    string // the agency's contact person ("" when not set)
	Staff      string // the staff member responsible (承办人; "" when unknown)
	Seal       string // never empty: 盖章处 / (seal) by default
	CaseNo     string
	Received   string // the day the application was received
	Round      int    // the formal-review round now

	Enterprise LetterEnterprise
	Agent      LetterAgent
	Records    []LetterRecord
	// ReceivedMaterials and MissingMaterials split the checklist: what is in hand, and the
	// required items not yet received.
	ReceivedMaterials []LetterMaterial
	MissingMaterials  []LetterMaterial
	// Findings are the current findings (superseded ones never); in a decline only those
	// that do not contradict it (no 确属错误 in a letter that declines).
	Findings []LetterFinding
	// Files are the files attached to the case, with their SHA-256, for the evidence list.
	Files []LetterFile
	// To is who a correction report or statement is addressed to (the source's body, or
	// the reporting institutions for the institution channel).
	To string
	// Basis is the legal basis of the correction channel; Unverified says it could not be
	// confirmed (待核实): the letter then says so instead of stating it.
	Basis *LetterBasis

	Notice     *LetterNotice     // the last notice (nil if none)
	Decline    *LetterDecline    // nil unless declined
	Proposal   *LetterProposal   // nil until proposed
	Submission *LetterSubmission // nil until submitted
	Outcome    *LetterOutcome    // nil until recorded
	Check      *LetterCheck      // with Submission: what the applicant should check, and from when
	// Avenues are the other ways open to the applicant: those chosen when declining, or in a
	// result letter the usual ones when the record was not (fully) corrected.
	Avenues []LetterAvenue
	// Free says the official channels cost nothing (国办发〔2025〕22号), when every record's
	// source has that confirmed; "" otherwise.
	Free         string
	Notification *LetterNotification
}

type LetterEnterprise struct{ Name, CreditCode, LegalRep, Address string }

// LetterAgent: ID and Phone are masked (1101**********002X, 138****5678).
type LetterAgent struct{ Name, ID, Phone, AuthLetter string }

type LetterRecord struct {
	ProblemKey                                             string // Keys("problem")
	Source, Type, Institution, Date, Problem, Tier, Detail string
	Amount                                                 string // "" when not given
}

type LetterMaterial struct {
	Name     string
	Date     string // the day it was received ("" when not received)
	Required bool
	Valid    bool // received and valid
	Note     string
}

type LetterFinding struct{ Checked, Contact, Method, Result, Date, Evidence string }

// LetterFile is an attached file: its name (name.v2.pdf for a later version) and SHA-256.
type LetterFile struct{ Name, SHA256 string }

// LetterBasis is the law a correction channel follows: Law the provision, Rule what it
// says of the answer; Unverified when sources.json marks it 待核实.
type LetterBasis struct {
	Law, Rule  string
	Unverified bool
}

type LetterNotice struct {
	Round    int
	Date     string
	Deadline string
	Items    []LetterNoticeItem
}

// LetterNoticeItem is one line of a notice: Problem says what is wrong (the note, or
// "not submitted"), Bring what to provide.
type LetterNoticeItem struct {
	Name    string
	Missing bool   // false: received but not acceptable
	State   string // 未提交 / 不符合要求
	Problem string
	Bring   string
}

type LetterDecline struct {
	ReasonKey   string
	Reason      string // the reason's client-facing wording (never the staff's label)
	Explanation string
	AtReview    bool   // declined at formal review, before any investigation
	Whitewash   bool   // reason whitewash: the letter adds a risk warning
	ExpiryDate  string // when await_expiry applies and the date is known
	// EarliestRepair is, for a penalty declined as too early, the first day repair may be asked.
	EarliestRepair string
	Date           string
}

type LetterProposal struct{ Conclusion, Plan string }

type LetterSubmission struct{ ChannelKey, Channel, Reference, Date string }

type LetterOutcome struct {
	Key      string // Keys("outcome")
	Result   string
	Note     string
	Date     string
	Repaired bool // corrected or partly corrected
}

// LetterCheck: Where is the source's own channel where the enterprise sees the record for
// itself (sources.json "check"). While the result is unconfirmed, From is when to look
// (never before the letter's date); Period is the time the rule gives and Basis the rule,
// a whole sentence ("" when none is cited).
type LetterCheck struct {
	Where, From, Period, Basis string
	Workdays                   bool
}

type LetterAvenue struct{ Key, Name, Detail string }

type LetterNotification struct{ Channel, Date string }

func letterLang(lang string) string {
	if lang == "en" {
		return "en"
	}
	return "zh"
}

// Render builds the letter of the given kind for case c (the case after the action that
// produces it) in lang ("zh" default, "en"). The letter is dated by that action (receipt:
// the day received; notice: the last notice; decline: the decline; result: the
// notification, or now while it is still a draft), so a reprint is identical.
func (ls *LetterSet) Render(kind string, c *Case, s LetterSettings, lang string, now time.Time) (Letter, error) {
	if ls == nil {
		ls = DefaultLetters()
	}
	return ls.render(kind, c, s, lang, now)
}

// render uses the set's template; should an admin's template fail (an error, the time or
// size limit) the letter is made with the built-in template, so a case can always move on.
func (ls *LetterSet) render(kind string, c *Case, s LetterSettings, lang string, now time.Time) (Letter, error) {
	l, err := ls.renderStrict(kind, c, s, lang, now)
	if err != nil && !ls.builtin && slices.Contains(LetterKinds, kind) && c != nil {
		if _, derr := buildLetterData(kind, c, s, letterLang(lang), now); derr == nil {
			return DefaultLetters().renderStrict(kind, c, s, lang, now)
		}
	}
	return l, err
}

func (ls *LetterSet) renderStrict(kind string, c *Case, s LetterSettings, lang string, now time.Time) (Letter, error) {
	lang = letterLang(lang)
	if !slices.Contains(LetterKinds, kind) {
		return Letter{}, msg.Errorf("letters.unknown_kind", kind, strings.Join(LetterKinds, ", "))
	}
	if c == nil {
		return Letter{}, msg.Errorf("letters.no_case")
	}
	d, err := buildLetterData(kind, c, s, lang, now)
	if err != nil {
		return Letter{}, err
	}
	t := ls.tmpl[kind+"."+lang]
	if t == nil {
		return Letter{}, msg.Errorf("letters.no_template", kind, lang)
	}
	if ls.builtin && !ls.noFill {
		if title, body, ok := ls.fill.letter(kind+"."+lang, t, d); ok {
			return Letter{Kind: kind, Lang: lang, Title: strings.TrimSpace(CleanLine(title)), Body: tidyLetter(Clean(body))}, nil
		}
	}
	title, err := execLimited(t, "title", d, LetterMaxOutput, LetterRenderTimeout)
	if err != nil {
		return Letter{}, templateErr(ls.src[kind+"."+lang], err)
	}
	body, err := execLimited(t, "", d, LetterMaxOutput, LetterRenderTimeout)
	if err != nil {
		return Letter{}, templateErr(ls.src[kind+"."+lang], err)
	}
	return Letter{Kind: kind, Lang: lang, Title: strings.TrimSpace(CleanLine(title)), Body: tidyLetter(Clean(body))}, nil
}

// MaskLetter masks the ID and mobile numbers in a stored letter for showing, printing or
// export (letters written before numbers in free text were masked may hold them whole).
// The agency's own phone, from the letterhead, is left as it is.
func MaskLetter(l Letter, s LetterSettings) Letter {
	l.Title = MaskTextExcept(l.Title, s.Phone)
	l.Body = MaskTextExcept(l.Body, s.Phone)
	return l
}

// tidyLetter trims trailing spaces, keeps at most one blank line in a row and ends the text
// with exactly one newline, so templates may be laid out for readability.
func tidyLetter(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 1)
	gap := false // a blank line since the last line written (none before the first)
	for rest, more := s, true; more; {
		var l string
		l, rest, more = strings.Cut(rest, "\n")
		l = strings.TrimRight(l, " \u3000")
		if l == "" {
			gap = b.Len() > 0
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
			if gap {
				b.WriteByte('\n')
			}
		}
		gap = false
		b.WriteString(l)
	}
	b.WriteByte('\n')
	return b.String()
}

// templateErr says which template failed and why: the reason in the reader's language when
// it is one of ours (a runaway loop, a printf width), with Go's position of the failure in
// the English.
func templateErr(src string, err error) error {
	var me *msg.Error
	if errors.As(err, &me) {
		return msg.Errorf("letters.exec", src, me, err)
	}
	return msg.Errorf("letters.vet", src, err)
}

func letterError(kind string, c *Case, why string) error {
	return msg.Errorf("letters.not_yet", c.No, kind, msg.Key(why))
}

func buildLetterData(kind string, c *Case, s LetterSettings, lang string, now time.Time) (*LetterData, error) {
	en := lang == "en"
	pick := func(zh, e string) string {
		if en {
			return e
		}
		return zh
	}
	// The letterhead is the agency's own (its phone is meant to be read); everything from
	// the case is masked: an ID or mobile number typed into free text is shown as the
	// agent's fields are (1101**********002X, 138****5678).
	plain := func(v string) string { return strings.TrimSpace(CleanLine(v)) }
	line := func(v string) string { return MaskText(strings.TrimSpace(CleanLine(v))) }
	text := func(v string) string { return MaskText(strings.TrimSpace(Clean(v))) }
	// sentence is free text that stands as a sentence in a letter: it gets its closing stop.
	sentence := func(v string) string { return Sentence(text(v), lang) }
	date := func(t time.Time) string { return letterDate(t, lang) }

	d := &LetterData{
		Kind: kind, Lang: lang,
		Agency: plain(s.Agency), Address: plain(s.Address), Phone: plain(s.Phone), Seal: plain(s.Seal),
		Contact: plain(s.Contact), Staff: line(s.Staff),
		CaseNo: line(c.No), Received: date(c.ReceivedAt), Round: c.Round,
		Enterprise: LetterEnterprise{Name: line(c.Enterprise.Name), CreditCode: plain(c.Enterprise.CreditCode),
			LegalRep: line(c.Enterprise.LegalRep), Address: line(c.Enterprise.Address)},
		Agent: LetterAgent{Name: line(c.Agent.Name), ID: MaskID(plain(c.Agent.IDNumber)), Phone: MaskPhone(plain(c.Agent.Phone)),
			AuthLetter: line(c.Agent.AuthLetter)},
	}
	if d.Agency == "" {
		d.Agency = pick("（机构名称未设置）", "(agency name not set)")
	}
	if d.Seal == "" {
		d.Seal = pick("盖章处", "seal")
	}
	for _, r := range c.Records {
		lr := LetterRecord{ProblemKey: r.Problem, Source: Label("source", r.Source, lang), Type: Label("record_type", r.Type, lang),
			Institution: line(r.Institution), Date: letterDay(r.Date, lang), Problem: Label("problem", r.Problem, lang),
			Detail: sentence(r.Detail), Amount: letterAmount(r.AmountFen, lang)}
		if r.Tier != "" {
			lr.Tier = Label("tier", r.Tier, lang)
		}
		d.Records = append(d.Records, lr)
	}
	for _, m := range c.Materials {
		lm := LetterMaterial{Name: line(m.Name(lang)), Required: m.Required, Valid: m.OK(), Note: sentence(m.Note)}
		switch {
		case m.Received:
			lm.Date = date(m.UpdatedAt)
			if m.UpdatedAt.IsZero() || m.UpdatedAt.Before(c.ReceivedAt) {
				lm.Date = date(c.ReceivedAt) // handed over with the application
			}
			d.ReceivedMaterials = append(d.ReceivedMaterials, lm)
		case m.Required:
			d.MissingMaterials = append(d.MissingMaterials, lm)
		}
	}
	for _, f := range c.CurrentFindings() { // a superseded finding stays in the history, not in letters
		if kind == "decline" && FindingSupportsRepair(f) {
			continue // a decline never quotes a conclusion that contradicts it
		}
		d.Findings = append(d.Findings, LetterFinding{Checked: text(f.Checked), Contact: letterLabel("contact", f.Contact, lang),
			Method: letterLabel("method", f.Method, lang), Result: Label("result", f.Result, lang), Date: date(f.At),
			Evidence: line(f.Evidence)})
	}
	for _, fr := range c.Files {
		d.Files = append(d.Files, LetterFile{Name: line(FileShownName(fr)), SHA256: plain(fr.SHA256)})
	}
	if k := len(c.Notices); k > 0 {
		n := c.Notices[k-1]
		ln := &LetterNotice{Round: n.Round, Date: date(n.At), Deadline: date(n.Deadline)}
		for _, it := range n.Items {
			m := Material{Key: it.Key, Label: it.Label}
			li := LetterNoticeItem{Name: line(m.Name(lang)), Missing: it.Missing, Problem: sentence(it.Note), Bring: materialBring(m, lang)}
			if it.Missing {
				li.State = pick("未提交", "not submitted")
				if li.Problem == "" {
					li.Problem = pick("未提交该材料", "This item was not submitted")
				}
			} else {
				li.State = pick("不符合要求", "not acceptable")
				if li.Problem == "" {
					li.Problem = pick("所交材料不符合要求", "The item submitted is not acceptable")
				}
			}
			li.Problem = Sentence(li.Problem, lang)
			ln.Items = append(ln.Items, li)
		}
		d.Notice = ln
	}
	if p := c.Proposal; p != nil {
		d.Proposal = &LetterProposal{Conclusion: sentence(p.Conclusion), Plan: sentence(p.Plan)}
	}
	if dc := c.Decline; dc != nil {
		ld := &LetterDecline{ReasonKey: dc.Reason, Reason: Label("reason_client", dc.Reason, lang), Explanation: sentence(dc.Explanation),
			AtReview: dc.From == StageFormalReview, Whitewash: dc.Reason == "whitewash", Date: date(dc.At)}
		if slices.Contains(dc.Avenues, "await_expiry") && dc.ExpiryDate != "" {
			ld.ExpiryDate = letterDay(dc.ExpiryDate, lang)
		}
		if dc.Reason == "publicity_period" {
			var earliest time.Time
			for _, r := range c.Records {
				if e := DefaultRules().EarliestRepair(r); e.After(earliest) {
					earliest = e
				}
			}
			if earliest.After(dc.At) {
				ld.EarliestRepair = date(earliest)
			}
		}
		d.Decline = ld
		for _, k := range Keys("avenue") { // in the defined order, whatever order they were ticked in
			if slices.Contains(dc.Avenues, k) {
				d.Avenues = append(d.Avenues, letterAvenue(k, c, ld.ExpiryDate, lang))
			}
		}
	}
	if sb := c.Submission; sb != nil {
		d.Submission = &LetterSubmission{ChannelKey: sb.Channel, Channel: Label("channel", sb.Channel, lang),
			Reference: line(sb.Reference), Date: date(sb.At)}
	}
	if o := c.Outcome; o != nil {
		d.Outcome = &LetterOutcome{Key: o.Result, Result: Label("outcome", o.Result, lang), Note: sentence(o.Note), Date: date(o.At), Repaired: c.Repaired()}
	}
	if nt := c.Notification; nt != nil {
		d.Notification = &LetterNotification{Channel: Label("notify", nt.Channel, lang), Date: letterDay(nt.Date, lang)}
	}

	// The letter's date, and what each kind needs.
	var at time.Time
	switch kind {
	case "receipt":
		at = c.ReceivedAt
	case "notice":
		if len(c.Notices) == 0 {
			return nil, letterError("notice", c, "letters.why_notice")
		}
		at = c.Notices[len(c.Notices)-1].At
	case "lapse":
		if !c.Lapsed || len(c.Notices) == 0 {
			return nil, letterError("lapse", c, "letters.why_lapse")
		}
		at = c.ClosedAt
	case "decline":
		if c.Decline == nil {
			return nil, letterError("decline", c, "letters.why_decline")
		}
		at = c.Decline.At
	case "correction", "situation":
		if c.Submission == nil {
			return nil, letterError(kind, c, "letters.why_correction")
		}
		if kind == "situation" && !NonMalicious(c) {
			return nil, letterError(kind, c, "letters.why_situation")
		}
		at = c.Submission.At
		d.To, d.Basis = correctionAddressee(c, lang)
	case "result":
		if c.Submission == nil || c.Outcome == nil {
			return nil, letterError("result", c, "letters.why_result")
		}
		d.To, _ = correctionAddressee(c, lang)
		at = now
		if c.Notification != nil {
			at = c.Notification.At
		}
	}
	if at.IsZero() {
		at = now
	}
	d.Date = date(at)

	if c.Submission != nil {
		d.Check = letterCheck(c, at, lang)
	}
	if kind == "result" && c.Outcome != nil && c.Outcome.Result != "corrected" {
		// The avenues of the body the correction went to, not the same list for every source.
		src := Sources().SourceOfChannel(c.Submission.Channel)
		keys := src.Avenues
		if src.Key == "other" {
			keys = DefaultAvenues(c)
		}
		d.Avenues = d.Avenues[:0]
		for _, k := range keys {
			if k == "await_expiry" {
				continue
			}
			d.Avenues = append(d.Avenues, letterAvenue(k, c, "", lang))
		}
	}
	if kind == "lapse" && d.Notice != nil { // only what is still not supplied
		last := c.Notices[len(c.Notices)-1]
		items := d.Notice.Items[:0:0]
		for i, it := range last.Items {
			if j := slices.IndexFunc(c.Materials, func(m Material) bool { return m.Key == it.Key }); j < 0 || !c.Materials[j].OK() {
				items = append(items, d.Notice.Items[i])
			}
		}
		d.Notice.Items = items
	}
	if kind == "lapse" && FreeOfCharge(c) {
		d.Free = Sources().Free.In(lang)
	}
	if (kind == "decline" || kind == "result") && len(d.Avenues) > 0 && FreeOfCharge(c) {
		d.Free = Sources().Free.In(lang)
	}
	return d, nil
}

func letterLabel(kind, key, lang string) string {
	if key == "" {
		return ""
	}
	return Label(kind, key, lang)
}

// letterDate: 2026年3月5日 or 5 March 2026, the day in China time.
func letterDate(t time.Time, lang string) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(ChinaTZ)
	if lang == "en" {
		return fmt.Sprintf("%d %s %d", t.Day(), t.Month(), t.Year())
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// letterDay formats a stored YYYY-MM-DD; anything else is shown as it is, cleaned.
func letterDay(s, lang string) string {
	t, err := ParseDate(strings.TrimSpace(s))
	if err != nil {
		return strings.TrimSpace(CleanLine(s))
	}
	return letterDate(t, lang)
}

// letterAmount: 人民币1,250,000.00元 or CNY 1,250,000.00; "" for no amount.
func letterAmount(fen int64, lang string) string {
	if fen <= 0 {
		return ""
	}
	digits := strconv.FormatInt(fen/100, 10)
	var b strings.Builder
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	n := fmt.Sprintf("%s.%02d", b.String(), fen%100)
	if lang == "en" {
		return "CNY " + n
	}
	return "人民币" + n + "元"
}

// materialBring says what to provide for a checklist item.
func materialBring(m Material, lang string) string {
	if h, ok := materialHints[m.Key]; ok && m.Label == "" {
		if lang == "en" {
			return h[1]
		}
		return h[0]
	}
	name := MaskText(strings.TrimSpace(CleanLine(m.Name(lang))))
	if lang == "en" {
		return name + " (the original, or a copy stamped with the company seal)"
	}
	return name + "（原件或加盖企业公章的复印件）"
}

var materialHints = map[string][2]string{
	"application_form":       {"填写完整并加盖企业公章的《征信修复申请书》原件", "The repair application form, filled in completely and stamped with the company seal (original)"},
	"business_license":       {"营业执照副本复印件，加盖企业公章", "A copy of the business licence (duplicate original), stamped with the company seal"},
	"legal_rep_id":           {"法定代表人身份证正反面复印件，加盖企业公章", "A copy of both sides of the legal representative's ID card, stamped with the company seal"},
	"authorization":          {"法定代表人签字并加盖企业公章的授权委托书原件，写明经办人姓名、身份证号及委托事项", "The original letter of authorisation, signed by the legal representative and stamped with the company seal, naming the agent, their ID number and the matter"},
	"agent_id":               {"经办人身份证原件（现场核验后退还）及复印件", "The agent's ID card (the original is checked and returned) and a copy"},
	"credit_report":          {"近一个月内查询的、载有该记录的信用报告", "A credit report obtained within the last month that shows the record"},
	"nonmalicious_statement": {"报送银行出具并加盖公章的非恶意逾期情况说明", "The bank's statement, stamped by the bank, that the overdue was not malicious"},
	"settlement_certificate": {"贷款银行出具并加盖公章的结清证明", "The settlement certificate issued and stamped by the lending bank"},
	"penalty_decision":       {"行政处罚决定书复印件", "A copy of the penalty decision"},
	"penalty_fulfilled":      {"已履行行政处罚义务的证明，如罚没款缴纳凭证", "Proof the penalty was fulfilled, e.g. the receipt for the fine"},
	"credit_commitment":      {"法定代表人签字并加盖企业公章的《信用承诺书》", "The credit commitment letter, signed by the legal representative and stamped with the company seal"},
	"guarantee_release":      {"债权人出具的担保责任解除证明", "The creditor's certificate that the guarantee has been released"},
	"tax_clearance":          {"税务机关出具的完税证明", "The tax clearance certificate issued by the tax authority"},
	"court_fulfilment":       {"法院出具的履行完毕证明或结案证明", "The court's certificate that the judgment was fulfilled or the case closed"},
	"identity_proof":         {"公安机关出具的身份冒用报案回执或相关证明", "The police's receipt for the report of identity misuse, or other proof of it"},
	"correction_evidence":    {"能够证明信息错误的原始凭证，如合同、还款凭证、银行流水", "Original evidence that the data is wrong, such as contracts, repayment receipts or bank statements"},
}

func letterAvenue(key string, c *Case, expiry, lang string) LetterAvenue {
	return LetterAvenue{Key: key, Name: Label("avenue", key, lang), Detail: avenueText(key, c, expiry, lang)}
}

func pickLang(en bool, zh, e string) string {
	if en {
		return e
	}
	return zh
}

// letterCheck says where and from when the applicant can see the correction: after the
// external body's own limit from the submission (sources/sources.json: a new credit report
// 20 days after a dispute, 条例 art. 25; Credit China 10 working days, 国办发〔2025〕22号;
// the enforcing court 15 days, 最高法 若干规定 art. 12); never before the letter's date. When
// the limit is unverified no period and no basis is stated: From is the letter's date.
func letterCheck(c *Case, letterAt time.Time, lang string) *LetterCheck {
	sb := c.Submission
	basis := map[string][2]string{
		"pbc":         {"按照《征信业管理条例》第二十五条，征信机构应当自收到异议之日起20日内核查处理并答复。", "Under article 25 of the Regulation on the Administration of the Credit Reporting Industry, a credit bureau must check and answer a dispute within 20 days of receiving it."},
		"creditchina": {"按照国办发〔2025〕22号文件，“信用中国”网站自收到修复申请之日起10个工作日内反馈。", "Under State Council General Office Document No. 22 of 2025, Credit China gives feedback within 10 working days of a repair application."},
		"court":       {"按照《最高人民法院关于公布失信被执行人名单信息的若干规定》第十二条，执行法院应当自收到书面纠正申请之日起15日内审查。", "Under article 12 of the Supreme People's Court's provisions on the dishonest-debtor list, the enforcing court reviews a written request for correction within 15 days of receiving it."},
	}
	i := 0
	if lang == "en" {
		i = 1
	}
	src := channelSource(c)
	chk := &LetterCheck{Where: src.Check.In(lang), From: letterDate(letterAt, lang)}
	if src.Kind == "credit_agency" {
		src = Sources().Source("pbc") // the same art. 25 for every licensed agency
	}
	lim := src.Limit
	b, hasBasis := basis[src.Key]
	if !lim.Known() || !hasBasis {
		return chk
	}
	at, _ := lim.Limit().Add(DefaultCalendar(), sb.At)
	if lim.Natural {
		chk.Period = pickLang(i == 1, fmt.Sprintf("%d日", lim.Days), fmt.Sprintf("%d days", lim.Days))
	} else {
		chk.Period = pickLang(i == 1, fmt.Sprintf("%d个工作日", lim.Days), fmt.Sprintf("%d working days", lim.Days))
	}
	chk.Basis, chk.Workdays = b[i], !lim.Natural
	if !letterAt.IsZero() && dayOf(at).Before(dayOf(letterAt)) {
		at = letterAt
	}
	chk.From = letterDate(at, lang)
	return chk
}

// ---- HTML ----

// letterPage is the printed letter. For A4 and the seal:
//   - @page A4 with the margins of an official letter, and the page number, "1 / 2", in
//     the bottom margin of every printed page (CSS page-margin boxes; Chromium since 131);
//   - the CJK fonts first (Noto Serif/Sans CJK SC, then the usual Song faces), so Chinese
//     prints with its glyphs and lands in the PDF's text layer;
//   - the signature (the last paragraph) kept whole on one page, with the paragraph before
//     it, and with room above it for a round seal of 42 mm, stamped over the agency's name
//     and the date;
//   - lines break by the Chinese rules (line-break: strict, GB/T 15834 / kinsoku: no
//     。，、 at a line start, no （「 at a line end), never inside a case number, date,
//     phone, ID or amount (the nobr spans, from NoBreakSegments), and anything too long
//     for a line (a long enterprise name, address, material, reference) wraps instead of
//     running past the page: overflow-wrap: anywhere breaks only a run with no other break.
var letterPage = htmltemplate.Must(htmltemplate.New("page").Funcs(htmltemplate.FuncMap{"nobr": NoBreakSegments}).Parse(`<!DOCTYPE html>
<html lang="{{.HTMLLang}}">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
@page {
  size: A4;
  margin: 25mm 22mm 22mm 22mm;
  @bottom-center { content: counter(page) " / " counter(pages); font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", serif; font-size: 9pt; color: #333; }
}
html, body { margin: 0; padding: 0; }
body { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", "Source Han Serif SC", "Songti SC", "SimSun", serif; font-size: 12pt; line-height: 1.9; color: #000; background: #fff; }
body:lang(en) { font-family: "Noto Serif", "Liberation Serif", "Times New Roman", "Noto Serif CJK SC", "Noto Sans CJK SC", serif; }
.page { box-sizing: border-box; }
@media screen {
  body { background: #e8e8e8; }
  .page { width: 210mm; min-height: 297mm; margin: 10mm auto; padding: 25mm 22mm 22mm; background: #fff; box-shadow: 0 0 3mm rgba(0,0,0,.25); }
}
header, h1, p { line-break: strict; word-break: normal; overflow-wrap: anywhere; }
header { text-align: center; border-bottom: 1.5pt solid #a00; padding-bottom: 2mm; margin-bottom: 8mm; }
header .agency { font-size: 18pt; font-weight: bold; letter-spacing: .12em; color: #a00; }
header .contact { font-size: 9.5pt; color: #333; }
h1 { font-size: 16pt; text-align: center; letter-spacing: .08em; margin: 0 0 6mm; break-after: avoid; page-break-after: avoid; }
p { margin: 0 0 3mm; white-space: pre-wrap; orphans: 3; widows: 3; }
p.sign { text-align: right; margin-top: 6mm; padding-top: 22mm; padding-right: 4mm; page-break-inside: avoid; break-inside: avoid; break-before: avoid; page-break-before: avoid; }
p.code { font-size: 9pt; color: #333; margin-top: 8mm; }
.nobr { white-space: nowrap; }
</style>
</head>
<body>
<div class="page">
{{- if .Agency}}
<header>
<div class="agency">{{.Agency}}</div>
{{- if or .Address .Phone}}
<div class="contact">{{if .Address}}{{.AddressLabel}}{{template "nobr" .Address}}{{end}}{{if and .Address .Phone}}　{{end}}{{if .Phone}}{{.PhoneLabel}}{{template "nobr" .Phone}}{{end}}</div>
{{- end}}
</header>
{{- end}}
<h1>{{.Title}}</h1>
{{- range .Paras}}
<p{{if .Sign}} class="sign"{{end}}>{{range $i, $l := .Lines}}{{if $i}}<br>{{end}}{{template "nobr" $l}}{{end}}</p>
{{- end}}
{{- if .Code}}
<p class="code">{{template "nobr" .Code}}</p>
{{- end}}
</div>
</body>
</html>
{{- define "nobr"}}{{range nobr .}}{{if .NoBreak}}<span class="nobr">{{.Text}}</span>{{else}}{{.Text}}{{end}}{{end}}{{end}}
`))

type htmlPara struct {
	Lines []string
	Sign  bool
}

// LetterCode is a letter's verification code (核验码): the first 10 base32 characters of
// SHA-256 over the case number, the sequence of the event that issues the letter and the
// hash of the case's history before it (the chain head at issue), as XXXXX-XXXXX. Anyone
// holding the database can recompute it with repairdesk verify; a letter whose history
// was rewritten afterwards no longer matches.
func LetterCode(caseNo string, seq int, head string) string {
	return LetterCodeAt(caseNo, seq, head, 0)
}

// LetterCodeAt is the code of the i-th letter one event issues (0: the first, whose code
// is LetterCode's; a later one also covers its place, so each letter has its own code).
func LetterCodeAt(caseNo string, seq int, head string, i int) string {
	in := "repairdesk letter v1\n" + caseNo + "\n" + strconv.Itoa(seq) + "\n" + head
	if i > 0 {
		in += "\n#" + strconv.Itoa(i)
	}
	sum := sha256.Sum256([]byte(in))
	c := base32.StdEncoding.EncodeToString(sum[:])[:10]
	return c[:5] + "-" + c[5:]
}

// CodeLine is the line that prints a letter's code, in its language; "" without one.
func (l Letter) CodeLine() string {
	if l.Code == "" {
		return ""
	}
	if l.Lang == "en" {
		return "Verification code: " + l.Code + " (check with: repairdesk verify LETTER-FILE)"
	}
	return "核验码：" + l.Code + "（可用 repairdesk verify 核对本函）"
}

// LetterText is a letter as plain text: title, body and its verification code.
func LetterText(l Letter) string {
	out := Clean(l.Title) + "\n\n" + Clean(l.Body)
	if cl := l.CodeLine(); cl != "" {
		out += "\n" + cl + "\n"
	}
	return out
}

// LetterHTML wraps a letter as a print-ready A4 HTML page: the letterhead from the settings,
// the title, the body paragraph by paragraph (the last, the signature, right-aligned).
// Every text is escaped by html/template.
func LetterHTML(l Letter, s LetterSettings) string {
	en := l.Lang == "en"
	data := struct {
		HTMLLang, Title, Agency, Address, Phone, AddressLabel, PhoneLabel string
		Paras                                                             []htmlPara
		Code                                                              string
	}{
		Code:     CleanLine(l.CodeLine()),
		HTMLLang: pickLang(en, "zh-CN", "en"), Title: strings.TrimSpace(CleanLine(l.Title)),
		Agency: strings.TrimSpace(CleanLine(s.Agency)), Address: strings.TrimSpace(CleanLine(s.Address)), Phone: strings.TrimSpace(CleanLine(s.Phone)),
		AddressLabel: pickLang(en, "地址：", "Address: "), PhoneLabel: pickLang(en, "电话：", "Tel: "),
	}
	for _, block := range strings.Split(strings.TrimSpace(Clean(l.Body)), "\n\n") {
		if strings.TrimSpace(block) == "" {
			continue
		}
		data.Paras = append(data.Paras, htmlPara{Lines: strings.Split(block, "\n")})
	}
	if k := len(data.Paras); k > 1 {
		data.Paras[k-1].Sign = true
	}
	var b strings.Builder
	if err := letterPage.Execute(&b, data); err != nil {
		// Only a write error could get here, and a strings.Builder never fails.
		return ""
	}
	return b.String()
}

// ---- samples for checking templates ----

// letterSamples are cases that between them take every branch of the shipped templates: a
// receipt with missing items, a notice with a missing and an invalid item, declines at
// review (whitewash, too early) and after investigation (with expiry), a result for each
// outcome and both kinds of channel, and correction reports with and without evidence,
// files and a 情况说明.
func letterSamples() []Case {
	at := func(day int) time.Time { return time.Date(2026, 3, day, 10, 0, 0, 0, ChinaTZ) }
	base := Case{
		ID: 1, No: "XF-2026-000001", Version: 1, Stage: StageFormalReview, Round: 1,
		Enterprise: Enterprise{Name: "示例企业有限公司", CreditCode: "91110000600037341L", LegalRep: "张三", Address: "北京市"},
		Agent:      Agent{Name: "李四", Phone: "13800000000", IDNumber: "11010519491231002X", AuthLetter: "SQ-1"},
		Records: []Record{
			{Source: "pbc", Type: "overdue_loan", Institution: "某银行", Date: "2025-06-01", AmountFen: 123456, Problem: "wrong_data", Detail: "说明"},
			{Source: "creditchina", Type: "admin_penalty", Institution: "某局", Date: "2026-01-10", Problem: "corrected_dishonest", Tier: "general"},
		},
		Materials: []Material{
			{Key: "application_form", Required: true, Received: true, Valid: true},
			{Key: "authorization", Required: true, Received: true, Note: "未盖章"},
			{Key: "settlement_certificate", Required: true},
			{Key: "extra", Label: "其他材料", Required: false},
		},
		ReceivedAt: at(2), StageSince: at(2), UpdatedAt: at(2),
	}
	var out []Case
	out = append(out, base)

	n := base.clone()
	n.Stage = StageAwaitingMaterials
	n.Notices = []Notice{{Round: 1, At: at(3), Deadline: at(20), Items: []NoticeItem{
		{Key: "authorization", Missing: false, Note: "未盖章"}, {Key: "settlement_certificate", Missing: true},
		{Key: "extra", Label: "其他材料", Missing: true}}}}
	n.UpdatedAt = at(3)
	out = append(out, n)

	lp := n.clone() // deemed withdrawn after the supplement deadline
	lp.Stage, lp.Lapsed, lp.ClosedAt, lp.UpdatedAt = StageWithdrawn, true, at(23), at(23)
	out = append(out, lp)

	for _, d := range []Decline{
		{Reason: "whitewash", From: StageFormalReview, Avenues: []string{"institution_dispute"}},
		{Reason: "publicity_period", From: StageFormalReview, Avenues: []string{"creditchina_appeal", "await_expiry"}},
		{Reason: "record_accurate", From: StageInvestigating, Avenues: append(DefaultAvenues(&n), "await_expiry"), ExpiryDate: "2030-06-01"},
	} {
		x := n.clone()
		x.Stage = StageDeclined
		if d.From == StageInvestigating {
			x.Findings = []Finding{{Checked: "核对还款记录", Contact: "bank", Method: "phone", Result: "confirmed_accurate", By: "a", At: at(5)}}
		}
		d.Explanation, d.By, d.At = "说明", "a", at(6)
		x.Decline = &d
		x.ClosedAt, x.UpdatedAt = at(6), at(6)
		out = append(out, x)
	}
	for i, o := range Keys("outcome") {
		x := n.clone()
		x.Stage = StageFeedback
		x.Findings = []Finding{{Checked: "核对", Contact: "bank", Method: "phone", Result: "confirmed_wrong", By: "a", At: at(5)}}
		x.Proposal = &Proposal{Conclusion: "确属错误", Plan: "更正", By: "a", At: at(6)}
		ch := "pbc_dispute"
		if i%2 == 1 {
			ch = "creditchina"
		}
		x.Submission = &Submission{Channel: ch, Reference: "R-1", By: "a", At: at(8)}
		x.Outcome = &Outcome{Result: o, Note: "说明", By: "a", At: at(20)}
		x.UpdatedAt = at(21)
		out = append(out, x)
		if i == 1 { // a non-malicious overdue with an attached scan and evidence: the 情况说明 too
			z := x.clone()
			z.Records[0].Problem = "non_malicious_overdue"
			z.Findings[0].Evidence = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
			z.Files = []FileRef{{Name: "scan.pdf", Version: 2, SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Size: 1}}
			out = append(out, z)
		}
		if i == 0 {
			y := x.clone()
			y.Stage = StageClosed
			y.Notification = &Notification{Channel: "letter", Date: "2026-03-21", By: "a", At: at(21)}
			y.ClosedAt = at(21)
			y.Proposal = &Proposal{Conclusion: "确属错误", By: "a", At: at(6)}
			out = append(out, y)
		}
	}
	return out
}
