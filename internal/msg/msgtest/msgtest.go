// Package msgtest checks text shown to a user for leaks between the languages and for raw
// catalogue keys. Tests of the console and the command line use it on every screen and
// every output they produce.
package msgtest

import (
	"regexp"
	"strings"

	"repairdesk/internal/msg"
	"repairdesk/internal/office"
	"repairdesk/workflow"
)

var (
	bracketKey = regexp.MustCompile(`\[[a-z][a-z0-9_]*(\.[a-z0-9_]+)+\]`)
	bareKey    = regexp.MustCompile(`[a-z][a-z0-9_]*(\.[a-z0-9_]+)+`)
	hanRun     = regexp.MustCompile(`\p{Han}+`)
	// What may stand in Chinese text in Latin letters: a command line (repairdesk … up to
	// Chinese punctuation or text), ssh -p PORT HOST, flags, file names and paths, codes in
	// capitals (XF-2026-000012, PIN, CSV, UTF-8, YYYY-MM-DD, NAME), key names.
	allowedZH = []*regexp.Regexp{
		regexp.MustCompile(`repairdesk(?:[ \t]+[^\s\p{Han}，。；：（）“”、]+)*`),
		regexp.MustCompile(`ssh -p \S+ \S+`),
		regexp.MustCompile(`-{1,2}[a-zA-Z][\w-]*`),
		regexp.MustCompile(`[^\s\p{Han}，。；：（）“”、]*[./\\:@][^\s\p{Han}，。；：（）“”、]*`),
		regexp.MustCompile(`\b[A-Z][A-Z0-9_]+(?:-[A-Z0-9]+)*\b`),
		regexp.MustCompile(`\b(?:ctrl|alt|shift)\+\w+\b`),
	}
	codeWord   = regexp.MustCompile(`\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b`)
	englishRun = regexp.MustCompile(`[A-Za-z][A-Za-z'’]*(?:[ \t,]+[A-Za-z][A-Za-z'’]*){2,}`)
)

// Problems lists what is wrong with text shown to a reader of lang ("zh" or "en"): a raw
// catalogue key ("[cli.foo]", or "cli.foo" where cli.foo is a key), an English sentence
// (three or more Latin words in a row, after command lines, flags, file names and codes are
// set aside) in Chinese, or Chinese in English. data are the strings the test put into the
// database (names, addresses, notes): they show as typed in either language; a data item
// that is one lower-case word is a word the user types (a command name), set aside only
// where it stands as a whole word.
func Problems(lang, text string, data ...string) []string {
	var out []string
	for _, k := range bracketKey.FindAllString(text, -1) {
		out = append(out, "raw key "+k)
	}
	for _, k := range bareKey.FindAllString(text, -1) {
		if msg.Has(k) {
			out = append(out, "raw key "+k)
		}
	}
	if lang == msg.EN {
		for _, run := range hanRun.FindAllString(text, -1) {
			if !inData(run, data) {
				out = append(out, "Chinese in English: "+line(text, run))
			}
		}
		return out
	}
	rest := text
	typed := map[string]bool{}
	for _, d := range data {
		switch {
		case d == "":
		case plainWord.MatchString(d):
			typed[d] = true // a word the user types (a command name): only whole
		default:
			rest = strings.ReplaceAll(rest, d, " ")
		}
	}
	for _, re := range allowedZH {
		rest = re.ReplaceAllString(rest, " ")
	}
	// Codes a user types — enumeration values, stages, CSV columns — are not English.
	rest = codeWord.ReplaceAllString(rest, " ")
	rest = wordRe.ReplaceAllStringFunc(rest, func(w string) string {
		if codes[w] || typed[w] {
			return " "
		}
		return w
	})
	for _, run := range englishRun.FindAllString(rest, -1) {
		out = append(out, "English in Chinese: "+strings.TrimSpace(run)+" | "+line(text, firstWord(run)))
	}
	return out
}

func inData(run string, data []string) bool {
	for _, d := range data {
		if strings.Contains(d, run) {
			return true
		}
	}
	return false
}

func firstWord(run string) string {
	if f := strings.Fields(run); len(f) > 0 {
		return f[0]
	}
	return run
}

// line is the line of text holding s, for the report.
func line(text, s string) string {
	i := strings.Index(text, s)
	if i < 0 {
		return s
	}
	a := strings.LastIndexByte(text[:i], '\n') + 1
	b := strings.IndexByte(text[i:], '\n')
	if b < 0 {
		b = len(text) - i
	}
	return strings.TrimSpace(text[a : i+b])
}

var plainWord = regexp.MustCompile(`^[a-z]+$`)

var wordRe = regexp.MustCompile(`[A-Za-z]+`)

// codes are the values a user types on the command line or in a CSV file.
var codes = func() map[string]bool {
	m := map[string]bool{}
	for _, kind := range []string{"source", "record_type", "problem", "tier", "reason", "avenue", "channel", "outcome", "notify", "method", "result", "contact"} {
		for _, k := range workflow.Keys(kind) {
			m[k] = true
		}
	}
	for _, s := range workflow.Stages {
		m[string(s)] = true
	}
	for _, c := range office.ImportColumns {
		m[c] = true
	}
	for _, l := range workflow.LetterKinds {
		m[l] = true
	}
	return m
}()
