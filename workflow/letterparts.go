package workflow

import (
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// FindingSupportsRepair: the finding concludes the record is wrong or may be repaired, so
// a letter that declines must not quote it.
func FindingSupportsRepair(f Finding) bool { return slices.Contains(supporting, f.Result) }

// FileShownName is how an attached file is named in lists and letters: its name, and from
// the second file of that name on, the version before the extension (scan.v2.pdf).
func FileShownName(f FileRef) string {
	if f.Version <= 1 {
		return f.Name
	}
	ext := path.Ext(f.Name)
	if ext == f.Name { // ".bashrc"
		ext = ""
	}
	return strings.TrimSuffix(f.Name, ext) + ".v" + strconv.Itoa(f.Version) + ext
}

// Sentence gives free text pasted into a letter its closing stop where it lacks one: 。
// after Chinese (and in a Chinese letter), "." after anything else in an English letter.
// Text that already ends a sentence (。！？；….!?, also before a closing quote or bracket)
// is left as it is, so a stop is never doubled; "" stays "".
func Sentence(s, lang string) string {
	s = strings.TrimRight(s, " \t\n\u3000")
	if s == "" {
		return ""
	}
	t := strings.TrimRight(s, "”’\"')）】」』")
	if t == "" {
		return s
	}
	last, _ := utf8.DecodeLastRuneInString(t)
	if strings.ContainsRune("。！？；….!?;", last) {
		return s
	}
	if lang == "en" && !unicode.Is(unicode.Han, last) {
		return s + "."
	}
	return s + "。"
}

// correctionAddressee says who the correction report goes to and the law it relies on:
// the body of the source the submission channel belongs to (sources.json "body"), or the
// reporting institutions themselves for the institution channel. The basis is stated
// only when sources.json confirms it; otherwise it is marked unverified (待核实).
func correctionAddressee(c *Case, lang string) (string, *LetterBasis) {
	src := channelSource(c)
	to := src.Body.In(lang)
	if c.Submission.Channel == "institution" {
		var names []string
		for _, r := range c.Records {
			if n := strings.TrimSpace(CleanLine(r.Institution)); n != "" && !slices.Contains(names, n) {
				names = append(names, MaskText(n))
			}
		}
		if len(names) > 0 {
			to = strings.Join(names, pickLang(lang == "en", "、", ", "))
		}
	}
	b := &LetterBasis{}
	if src.Basis == "" || src.Limit.Status == StatusUnverified {
		b.Unverified = true
		return to, b
	}
	b.Law = src.Basis
	if _, rule, ok := strings.Cut(src.Limit.Basis, "："); ok {
		b.Rule = Sentence(unverifiedAside.ReplaceAllString(rule, ""), "zh")
	}
	return to, b
}

// unverifiedAside is a bracketed remark that something is 待核实: a letter states only
// what is confirmed, so the remark is left out (the supervisors see it in the data).
var unverifiedAside = regexp.MustCompile(`（[^（）]*待核实[^（）]*）`)

// channelSource is the source whose body answers the case's submission: that of the
// channel, except that the institution channel follows the record's own source unless it
// is a credit agency (条例 art. 25 binds information providers to the credit agencies,
// not the bodies of other sources, sources.json comment).
func channelSource(c *Case) Source {
	src := Sources().SourceOfChannel(c.Submission.Channel)
	if c.Submission.Channel == "institution" && len(c.Records) > 0 {
		if rs := Sources().Source(c.Records[0].Source); rs.Kind != "credit_agency" {
			src = rs
		}
	}
	return src
}
