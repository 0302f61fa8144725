package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"repairdesk/store"
	"repairdesk/tui"
	"repairdesk/workflow"
)

const letterUsage = "repairdesk letter CASE KIND [--out FILE] [--format txt|html] [--round N] [--db PATH]\n\n" +
	"  CASE  the case number, XF-2026-000012, or its sequence, 12 (the newest year's)\n" +
	"  KIND  receipt (受理回执) | notice (补正通知书) | decline (不予修复说明) | result (结果反馈函)\n\n" +
	"The letter is the one stored with the event that produced it, exactly as it was issued.\n" +
	"A result letter not yet sent (outcome recorded, applicant not yet told) is drafted from\n" +
	"the current templates and marked as a draft. A notice is the latest unless --round N."

// cmdLetter writes a case's letter to a file (or standard output) as plain text or as a
// print-ready A4 HTML page with the office's letterhead.
func cmdLetter(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("repairdesk letter", stderr, letterUsage)
	db := fs.String("db", DefaultDBPath(), "database file")
	out := fs.String("out", "", "write to FILE (never overwritten); default standard output")
	format := fs.String("format", "", "txt or html (default: html for a .html/.htm FILE, else txt)")
	round := fs.Int("round", 0, "with notice: the notice of this review round (default the latest)")
	pos, err := parse(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 2 {
		fs.Usage()
		return 2
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "repairdesk letter: "+format+"\n", a...)
		return code
	}
	kind := strings.ToLower(strings.TrimSpace(pos[1]))
	if !slices.Contains(workflow.LetterKinds, kind) {
		return fail(2, "unknown letter kind %q: use %s (未知文书类型)", pos[1], kindList())
	}
	f := strings.ToLower(*format)
	if f == "" {
		f = "txt"
		if ext := strings.ToLower(filepath.Ext(*out)); ext == ".html" || ext == ".htm" {
			f = "html"
		}
	}
	if f != "txt" && f != "html" && f != "text" {
		return fail(2, "--format %q: use txt or html (格式应为 txt 或 html)", *format)
	}
	if *round < 0 || (*round > 0 && kind != "notice") {
		return fail(2, "--round only applies to a notice, and counts from 1 (--round 仅用于补正通知书)")
	}
	if *out != "" && *out != "-" {
		if err := refuseExisting(*out); err != nil {
			return fail(1, "%s", messageIn(err, tui.LangFromEnv("")))
		}
	}
	st, ok := openStore(*db, store.Options{ReadOnly: true}, stderr, tui.LangFromEnv(""))
	if !ok {
		return 1
	}
	defer st.Close()
	c, exact, err := findCase(st, pos[0])
	if err != nil {
		return fail(1, "%s", messageIn(err, tui.LangFromEnv("")))
	}
	if !exact {
		fmt.Fprintf(stderr, "repairdesk letter: %s → %s\n", workflow.CleanLine(pos[0]), c.No)
	}
	evs, err := st.Events(c.ID)
	if err != nil {
		return fail(1, "%s", messageIn(err, tui.LangFromEnv("")))
	}
	l, draft, err := pickLetter(st, &c, evs, kind, *round)
	if err != nil {
		return fail(1, "%s", messageIn(err, tui.LangFromEnv("")))
	}
	if draft {
		fmt.Fprintf(stderr, "repairdesk letter: %s has not been sent yet: this is a draft from the current templates (结果反馈函尚未发出，此为草稿)\n", c.No)
	}
	var data string
	if f == "html" {
		data = workflow.LetterHTML(l, st.Settings().Letterhead)
	} else {
		data = l.Title + "\n\n" + l.Body
	}
	if err := writeOut(*out, []byte(data), stdout); err != nil {
		return fail(1, "%s", messageIn(err, tui.LangFromEnv("")))
	}
	if *out != "" && *out != "-" {
		fmt.Fprintf(stdout, "%s %s → %s\n", c.No, l.Title, *out)
	}
	return 0
}

func kindList() string {
	var out []string
	for _, k := range workflow.LetterKinds {
		out = append(out, k+" ("+letterName(k)+")")
	}
	return strings.Join(out, ", ")
}

func letterName(kind string) string {
	switch kind {
	case "receipt":
		return "受理回执"
	case "notice":
		return "补正通知书"
	case "decline":
		return "不予修复说明"
	case "result":
		return "结果反馈函"
	}
	return kind
}

// findCase reads XF-2026-000012 (any case), 2026-000012 or 12 (the newest case with that
// sequence, as the console's :open does). exact is false when a short form was expanded.
func findCase(st *store.Store, arg string) (workflow.Case, bool, error) {
	no := strings.ToUpper(strings.TrimSpace(arg))
	if no == "" {
		return workflow.Case{}, false, errors.New("no case given (未指定案件)")
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
	return workflow.Case{}, false, fmt.Errorf("no case %s in this database; give a number such as XF-2026-000012 (找不到案件 %[1]s)", workflow.CleanLine(arg))
}

// pickLetter finds the letter of kind that the case's events hold, verbatim; for a result
// not yet sent it drafts one from the current templates.
func pickLetter(st *store.Store, c *workflow.Case, evs []workflow.Event, kind string, round int) (workflow.Letter, bool, error) {
	var found []workflow.Letter
	for _, ev := range evs {
		if ev.Letter != nil && ev.Letter.Kind == kind {
			found = append(found, *ev.Letter)
		}
	}
	if len(found) == 0 {
		if kind == "result" && slices.Contains(workflow.LettersOf(c), "result") {
			set := st.Settings()
			l, err := set.Letters().Render("result", c, set.Letterhead, "zh", st.Now())
			if err != nil {
				return workflow.Letter{}, false, err
			}
			l.Title = "【草稿】" + l.Title
			return l, true, nil
		}
		return workflow.Letter{}, false, fmt.Errorf("%s has no %s (%s); it has: %s", c.No, kind, letterName(kind), hasLetters(c, evs))
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
	return workflow.Letter{}, false, fmt.Errorf("%s has no notice of round %d; its notices are of rounds %s (该轮次没有补正通知书)", c.No, round, strings.Join(rounds, ", "))
}

// hasLetters lists what a case has: "receipt (征信修复申请受理回执, 2026-03-02), notice ×2 (…)".
func hasLetters(c *workflow.Case, evs []workflow.Event) string {
	type seen struct {
		n           int
		title, date string
	}
	got := map[string]*seen{}
	for _, ev := range evs {
		if ev.Letter == nil {
			continue
		}
		s := got[ev.Letter.Kind]
		if s == nil {
			s = &seen{}
			got[ev.Letter.Kind] = s
		}
		s.n++
		s.title, s.date = workflow.CleanLine(ev.Letter.Title), workflow.Day(ev.At)
	}
	var out []string
	for _, k := range workflow.LetterKinds {
		if s := got[k]; s != nil {
			item := k
			if s.n > 1 {
				item += fmt.Sprintf(" ×%d", s.n)
			}
			out = append(out, fmt.Sprintf("%s (%s, %s)", item, s.title, s.date))
		} else if k == "result" && slices.Contains(workflow.LettersOf(c), "result") {
			out = append(out, "result (draft, not yet sent / 草稿，尚未发出)")
		}
	}
	if len(out) == 0 {
		return "no letters (该案件尚无文书)"
	}
	return strings.Join(out, ", ")
}
