package cli

// repairdesk letter CASE KIND: a case's letter, as issued, in plain text or A4 HTML.

import (
	"errors"
	"fmt"
	"path/filepath"
	"repairdesk/internal/msg"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"repairdesk/store"
	"repairdesk/workflow"
)

// letterCmd writes a case's letter to a file (or standard output) as plain text or as a
// print-ready A4 HTML page with the office's letterhead.
func (a *app) letterCmd() *cobra.Command {
	c := a.command("letter", "letter")
	c.Args = a.exactArgs(2)
	f := c.Flags()
	out := f.String("out", "", a.t("flag.out"))
	format := f.String("format", "", a.t("flag.letter_format"))
	round := f.Int("round", 0, a.t("flag.round"))
	c.RunE = a.run(func(args []string) int { return a.letter(args[0], args[1], *out, *format, *round) })
	return c
}

func (a *app) letter(caseArg, kindArg, out, format string, round int) int {
	fail := func(code int, text string) int { return a.errf("letter", code, text) }
	kind := strings.ToLower(strings.TrimSpace(kindArg))
	if !slices.Contains(workflow.LetterKinds, kind) {
		return fail(exitUsage, a.t("cli.letter_kind", workflow.CleanLine(kindArg), a.kindList()))
	}
	f := strings.ToLower(format)
	if f == "" {
		f = "txt"
		if ext := strings.ToLower(filepath.Ext(out)); ext == ".html" || ext == ".htm" {
			f = "html"
		}
	}
	if f != "txt" && f != "html" && f != "text" {
		return fail(exitUsage, a.t("cli.letter_format", format))
	}
	if round < 0 || (round > 0 && kind != "notice") {
		return fail(exitUsage, a.t("cli.letter_round_flag"))
	}
	if out != "" && out != "-" {
		if err := a.refuseExisting(out); err != nil {
			return fail(exitFail, err.Error())
		}
	}
	st, done, ok := a.useStore(a.dbPath(), store.Options{ReadOnly: true})
	if !ok {
		return exitFail
	}
	defer done()
	c, exact, err := a.findCase(st, caseArg)
	if err != nil {
		return fail(exitFail, messageIn(err, a.lang))
	}
	if !exact {
		fmt.Fprintf(a.stderr, "repairdesk letter: %s → %s\n", workflow.CleanLine(caseArg), c.No)
	}
	evs, err := st.Events(c.ID)
	if err != nil {
		return fail(exitFail, messageIn(err, a.lang))
	}
	l, draft, err := a.pickLetter(st, &c, evs, kind, round)
	if err != nil {
		return fail(exitFail, messageIn(err, a.lang))
	}
	if draft {
		fmt.Fprintln(a.stderr, "repairdesk letter:", a.t("cli.letter_draft", c.No))
	}
	if un := st.Settings().Letterhead.Unset(); len(un) > 0 {
		var names []string
		for _, k := range un {
			names = append(names, a.t("agency.field_"+k))
		}
		fmt.Fprintln(a.stderr, "repairdesk letter:", a.t("cli.letter_agency_unset", strings.Join(names, a.t("cli.list_sep"))))
	}
	l = workflow.MaskLetter(l, st.Settings().Letterhead) // numbers typed into free text, in older letters too
	var data string
	if f == "html" {
		data = workflow.LetterHTML(l, st.Settings().Letterhead)
	} else {
		data = workflow.LetterText(l)
	}
	if err := a.writeOut(out, []byte(data)); err != nil {
		return fail(exitFail, messageIn(err, a.lang))
	}
	if out != "" && out != "-" {
		fmt.Fprintf(a.stdout, "%s %s → %s\n", c.No, workflow.CleanLine(l.Title), out)
	}
	return exitOK
}

// kindList: receipt（收件回执）, notice（补正通知书）, …
func (a *app) kindList() string {
	var out []string
	for _, k := range workflow.LetterKinds {
		out = append(out, a.t("cli.item_label", k, a.t("letter."+k)))
	}
	return strings.Join(out, a.t("cli.list_sep"))
}

// findCase reads XF-2026-000012 (any case), 2026-000012 or 12 (the newest case with that
// sequence, as the console's :open does). exact is false when a short form was expanded.
func (a *app) findCase(st *store.Store, arg string) (workflow.Case, bool, error) {
	no := strings.ToUpper(strings.TrimSpace(arg))
	if no == "" {
		return workflow.Case{}, false, errors.New(a.t("cli.letter_no_case"))
	}
	short := no
	if n, err := strconv.Atoi(no); err == nil && n > 0 && n <= 999999 {
		short = fmt.Sprintf("%06d", n)
	}
	for sm := range st.Snapshot().All() { // newest first
		if sm.No == no {
			c, err := st.Case(sm.ID)
			return c, true, err
		}
	}
	for sm := range st.Snapshot().All() {
		if strings.HasSuffix(sm.No, "-"+short) {
			c, err := st.Case(sm.ID)
			return c, false, err
		}
	}
	return workflow.Case{}, false, errors.New(a.t("cli.letter_case_missing", workflow.CleanLine(arg)))
}

// pickLetter finds the letter of kind that the case's events hold, verbatim; for a result
// not yet sent it drafts one from the current templates.
func (a *app) pickLetter(st *store.Store, c *workflow.Case, evs []workflow.Event, kind string, round int) (workflow.Letter, bool, error) {
	var found []workflow.Letter
	for _, ev := range evs {
		for _, l := range ev.Letters() {
			if l.Kind == kind {
				found = append(found, l)
			}
		}
	}
	if len(found) == 0 {
		if kind == "result" && slices.Contains(workflow.LettersOf(c), "result") {
			set := st.Settings()
			l, err := set.Letters().Render("result", c, set.Letterhead, "zh", st.Now())
			if err != nil {
				return workflow.Letter{}, false, err
			}
			l.Title = msg.T(msg.ZH, "cli.letter_draft_title", l.Title) // the letter is in Chinese
			return l, true, nil
		}
		return workflow.Letter{}, false, errors.New(a.t("cli.letter_none", c.No, kind, a.t("letter."+kind), a.hasLetters(c, evs)))
	}
	if round == 0 {
		return found[len(found)-1], false, nil
	}
	// Notices are issued one per review round, in order: the i-th notice letter belongs
	// to the i-th notice on the case.
	var rounds []string
	for i, n := range c.Notices {
		if n.Round == round && i < len(found) {
			return found[i], false, nil
		}
		rounds = append(rounds, strconv.Itoa(n.Round))
	}
	return workflow.Letter{}, false, errors.New(a.t("cli.letter_no_round", c.No, round, strings.Join(rounds, ", ")))
}

// hasLetters lists what a case has: "receipt (征信修复申请材料收件回执, 2026-03-02), notice ×2 (…)".
func (a *app) hasLetters(c *workflow.Case, evs []workflow.Event) string {
	type seen struct {
		n           int
		title, date string
	}
	got := map[string]*seen{}
	for _, ev := range evs {
		for _, l := range ev.Letters() {
			s := got[l.Kind]
			if s == nil {
				s = &seen{}
				got[l.Kind] = s
			}
			s.n++
			s.title, s.date = workflow.CleanLine(l.Title), workflow.Day(ev.At)
		}
	}
	var out []string
	for _, k := range workflow.LetterKinds {
		if s := got[k]; s != nil {
			item := k
			if s.n > 1 {
				item += fmt.Sprintf(" ×%d", s.n)
			}
			out = append(out, a.t("cli.letter_has", item, s.title, s.date))
		} else if k == "result" && slices.Contains(workflow.LettersOf(c), "result") {
			out = append(out, a.t("cli.letter_has_draft"))
		}
	}
	if len(out) == 0 {
		return a.t("cli.letter_has_none")
	}
	return strings.Join(out, a.t("cli.list_sep"))
}
