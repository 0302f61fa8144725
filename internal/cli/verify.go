package cli

// repairdesk verify LETTER-FILE: is a letter consistent with the history today?

import (
	"errors"
	"fmt"
	"html"
	"io"
	"os"
	"regexp"
	"strings"
	"unicode"

	"github.com/spf13/cobra"

	"repairdesk/store"
	"repairdesk/workflow"
)

var (
	verifyCodeRe = regexp.MustCompile(`(?:核验码|Verification code)\s*[：:]\s*([A-Z2-7]{5}-[A-Z2-7]{5})`)
	verifyCaseRe = regexp.MustCompile(`XF-\d{4}-\d{6}`)
	verifyTagRe  = regexp.MustCompile(`(?s)<style.*?</style>|<[^>]*>`)
)

// verifyCmd reads the case number and the verification code (核验码) from a letter (text or
// HTML, as repairdesk letter writes it) and says whether the letter is consistent with the
// history today: the event that issued it is still in the chain with the same hash, the
// anchor log agrees, and the words of the file are those issued.
func (a *app) verifyCmd() *cobra.Command {
	c := a.command("verify", "verify")
	c.Args = a.exactArgs(1)
	pub := c.Flags().String("anchor-pub", "", a.t("flag.anchor_pub"))
	c.RunE = a.run(func(args []string) int { return a.verify(args[0], *pub) })
	return c
}

func (a *app) verify(file, pub string) int {
	f, err := os.Open(file)
	if err != nil {
		return a.errf("verify", exitFail, a.t("cli.verify_unreadable", err))
	}
	raw, err := io.ReadAll(io.LimitReader(f, 4<<20))
	f.Close()
	if err != nil {
		return a.errf("verify", exitFail, a.t("cli.verify_unreadable", err))
	}
	text := letterPlain(string(raw))
	m := verifyCodeRe.FindStringSubmatch(text)
	no := verifyCaseRe.FindString(text)
	if m == nil || no == "" {
		return a.errf("verify", exitFail, a.t("cli.verify_no_code", workflow.CleanLine(file)))
	}
	code := m[1]
	st, err := store.Open(a.dbPath(), store.Options{ReadOnly: true, Timeout: localTimeout, KeyFile: a.keyFile, Memory: memoryHints, AnchorPub: pub})
	if err != nil {
		var le *store.LockedError
		if errors.As(err, &le) {
			return a.errf("verify", exitFail, le.Message(a.lang)+a.t("cli.verify_in_use"))
		}
		return a.errf("verify", exitFail, messageIn(err, a.lang))
	}
	defer st.Close()
	v, err := st.VerifyLetter(no, code)
	if err != nil {
		return a.errf("verify", exitFail, messageIn(err, a.lang))
	}
	if !v.OK {
		why := v.Why.Localize(a.lang)
		fmt.Fprintln(a.stdout, a.t("cli.verify_bad", no, code, workflow.CleanLine(why)))
		return exitFail
	}
	// The code proves the history; the words of the letter are compared with those issued,
	// as stored and as printed (numbers typed into free text are masked on the way out).
	body := squeeze(text)
	issued := squeeze(workflow.Clean(v.Letter.Body))
	masked := squeeze(workflow.Clean(workflow.MaskLetter(v.Letter, st.Settings().Letterhead).Body))
	if !strings.Contains(body, issued) && !strings.Contains(body, masked) {
		fmt.Fprintln(a.stdout, a.t("cli.verify_text_changed", no, v.Seq, workflow.CleanLine(v.Letter.Title)))
		return exitFail
	}
	anch := a.t("cli.verify_unanchored")
	if v.Anchored {
		anch = a.t("cli.verify_anchored")
	}
	fmt.Fprintln(a.stdout, a.t("cli.verify_ok", workflow.CleanLine(v.Letter.Title), no, v.Seq, workflow.Day(v.At), anch))
	return exitOK
}

// letterPlain turns an HTML letter into its text; a text letter is returned as it is.
func letterPlain(s string) string {
	if !strings.Contains(s, "<html") {
		return s
	}
	s = strings.ReplaceAll(s, "<br>", "\n")
	return html.UnescapeString(verifyTagRe.ReplaceAllString(s, "\n"))
}

// squeeze drops all white space, so line breaks and paragraphs do not matter.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
