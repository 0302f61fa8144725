package main

import (
	"errors"
	"fmt"
	"html"
	"io"
	"os"
	"regexp"
	"strings"
	"unicode"

	"repairdesk/store"
	"repairdesk/tui"
	"repairdesk/workflow"
)

var (
	verifyCodeRe = regexp.MustCompile(`(?:核验码|Verification code)\s*[：:]\s*([A-Z2-7]{5}-[A-Z2-7]{5})`)
	verifyCaseRe = regexp.MustCompile(`XF-\d{4}-\d{6}`)
	verifyTagRe  = regexp.MustCompile(`(?s)<style.*?</style>|<[^>]*>`)
)

// cmdVerify: repairdesk verify LETTER-FILE [--db PATH] [--lang zh|en]. Reads the case
// number and the verification code (核验码) from a letter (text or HTML, as repairdesk
// letter writes it) and says whether the letter is consistent with the history today.
func cmdVerify(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("repairdesk verify", stderr, "repairdesk verify LETTER-FILE [--db PATH] [--anchor-pub FILE] [--lang zh|en]")
	db := fs.String("db", DefaultDBPath(), "database file")
	pub := fs.String("anchor-pub", "", "public key of the anchor log (default DB.anchor-key.pub beside the database)")
	lang := fs.String("lang", "", "language of the answer: zh (default) or en; else LC_ALL/LANG")
	pos, err := parse(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fs.Usage()
		return 2
	}
	l := tui.LangFromEnv(*lang)
	say := func(zh, en string, a ...any) string {
		if l == "en" {
			return fmt.Sprintf(en, a...)
		}
		return fmt.Sprintf(zh, a...)
	}
	f, err := os.Open(pos[0])
	if err != nil {
		fmt.Fprintln(stderr, "repairdesk verify:", say("无法读取函件文件：%v", "cannot read the letter file: %v", err))
		return 1
	}
	raw, err := io.ReadAll(io.LimitReader(f, 4<<20))
	f.Close()
	if err != nil {
		fmt.Fprintln(stderr, "repairdesk verify:", say("无法读取函件文件：%v", "cannot read the letter file: %v", err))
		return 1
	}
	text := letterPlain(string(raw))
	m := verifyCodeRe.FindStringSubmatch(text)
	no := verifyCaseRe.FindString(text)
	if m == nil || no == "" {
		fmt.Fprintln(stderr, "repairdesk verify:", say("%s 中找不到案件编号和核验码（形如 XF-2026-000012 与 核验码：ABCDE-FGHIJ）；早于核验码功能出具的函件没有核验码",
			"%s has no case number and verification code (like XF-2026-000012 and Verification code: ABCDE-FGHIJ); letters issued before codes have none", workflow.CleanLine(pos[0])))
		return 1
	}
	code := m[1]
	st, err := store.Open(*db, store.Options{ReadOnly: true, Timeout: localTimeout, AnchorPub: *pub})
	if err != nil {
		var le *store.LockedError
		if errors.As(err, &le) {
			fmt.Fprintln(stderr, "repairdesk verify:", le.Message(l), say("——可先 repairdesk backup 备份.db，再 repairdesk verify --db 备份.db 核对",
				" — take a backup (repairdesk backup COPY.db) and verify against it with --db COPY.db"))
		} else {
			fmt.Fprintln(stderr, "repairdesk verify:", err)
		}
		return 1
	}
	defer st.Close()
	v, err := st.VerifyLetter(no, code)
	if err != nil {
		fmt.Fprintln(stderr, "repairdesk verify:", err)
		return 1
	}
	if !v.OK {
		fmt.Fprintln(stdout, say("不一致：%s（核验码 %s）——%s", "NOT consistent: %s (code %s) — %s", no, code, workflow.CleanLine(pick(l, v.ZH, v.EN))))
		return 1
	}
	// The code proves the history; the words of the letter are compared with those issued.
	if !strings.Contains(squeeze(text), squeeze(workflow.Clean(v.Letter.Body))) {
		fmt.Fprintln(stdout, say("不一致：%s 第 %d 号记录出具的《%s》与此文件的文字不同——文件在出具后被改动",
			"NOT consistent: the text of this file differs from %[3]q issued as event %[2]d of %[1]s — the file was changed after it was issued",
			no, v.Seq, workflow.CleanLine(v.Letter.Title)))
		return 1
	}
	anch := say("（未与锚定日志比对：无锚定日志）", " (not compared with an anchor log: there is none)")
	if v.Anchored {
		anch = say("，与防篡改锚定日志一致", ", and matches the anchor log")
	}
	fmt.Fprintln(stdout, say("一致：《%s》由 %s 第 %d 号记录于 %s 出具，该记录仍在历史链中且哈希未变%s",
		"consistent: %[1]q was issued by event %[3]d of %[2]s on %[4]s; that event is still in the history with the same hash%[5]s",
		workflow.CleanLine(v.Letter.Title), no, v.Seq, workflow.Day(v.At), anch))
	return 0
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

func pick(lang, zh, en string) string {
	if lang == "en" {
		return en
	}
	return zh
}
