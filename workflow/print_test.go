package workflow

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
)

// The printed letter, checked in a real browser: every kind of letter, in zh and en, for
// an enterprise with the longest name the intake takes, a long address and many materials,
// is printed to PDF by Debian's Chromium, headless, and the PDF is read back with
// poppler-utils (pdfinfo, pdftotext -bbox-layout, pdftoppm):
//
//   - A4, and every page carries "n / N", N the page count;
//   - no word lies outside the page box less its margins (the page number alone sits in
//     the bottom margin): nothing overflows the page;
//   - the text layer holds the letter, the Chinese included (without a CJK font it would
//     print as empty boxes and be missing from the text: the test then fails);
//   - no line starts with a closing mark (。，、 …) or ends with an opening one (（「『),
//     and no case number, date, phone, ID or amount is split across lines.
//
// Each PDF and its first page as a PNG are kept for review: under $REPAIRDESK_ARTEFACTS/print
// when that is set, else in the test's temporary directory (logged). Without chromium
// (or poppler-utils) the test skips, saying so; .ci/run installs them.

// A4 in PostScript points, and the letter's @page margins (25mm 22mm 22mm 22mm).
const (
	a4W, a4H                 = 595.28, 841.89
	mmPt                     = 72 / 25.4
	marginTop, marginSide    = 25 * mmPt, 22 * mmPt
	marginBottom             = 22 * mmPt
	pdfTol                   = 2.0 // points of slack for glyph boxes
	printParallel            = 3
	printTimeout             = 3 * time.Minute
	maxPagesPerPrintedLetter = 8
)

func printTools(t *testing.T) (chromium string) {
	t.Helper()
	if testing.Short() {
		t.Skip("printing to PDF with chromium: not in -short")
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			chromium = p
			break
		}
	}
	if chromium == "" {
		t.Skip("chromium is not installed (apt-get install chromium fonts-noto-cjk poppler-utils): the letters are not print-checked")
	}
	for _, tool := range []string{"pdfinfo", "pdftotext", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (apt-get install poppler-utils): the printed letters cannot be read back", tool)
		}
	}
	return chromium
}

// printToPDF prints file in to out with headless Chromium, its own profile in dir.
func printToPDF(t *testing.T, chromium, in, out, dir string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), printTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--no-pdf-header-footer",
		"--print-to-pdf="+out, "file://"+in)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	if fi, err := os.Stat(out); err != nil || fi.Size() == 0 {
		t.Fatalf("chromium wrote no PDF (%v)\n%s", err, stderr.String())
	}
}

func runTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr)
	}
	return string(out)
}

// pdfWord and pdfLine are what pdftotext -bbox-layout gives.
type pdfWord struct {
	XMin float64 `xml:"xMin,attr"`
	YMin float64 `xml:"yMin,attr"`
	XMax float64 `xml:"xMax,attr"`
	YMax float64 `xml:"yMax,attr"`
	Text string  `xml:",chardata"`
}

type pdfLine struct {
	Words []pdfWord `xml:"word"`
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// bodyPt is the size of the letter's body type (letterPage).
const bodyPt = 12.0

// cjkEm is the char-weighted median width per character of the words made only of CJK
// characters and full-width marks.
func cjkEm(words []pdfWord) (float64, bool) {
	type run struct {
		em float64
		n  int
	}
	var runs []run
	total := 0
	for _, w := range words {
		rs := []rune(w.Text)
		if len(rs) < 2 || !slices.ContainsFunc(rs, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			continue
		}
		if slices.ContainsFunc(rs, func(r rune) bool {
			return !unicode.Is(unicode.Han, r) && !(r >= 0x3000 && r <= 0x303f) && !(r >= 0xff01 && r <= 0xff5e)
		}) {
			continue
		}
		runs = append(runs, run{(w.XMax - w.XMin) / float64(len(rs)), len(rs)})
		total += len(rs)
	}
	if total == 0 {
		return 0, false
	}
	slices.SortFunc(runs, func(a, b run) int { return cmpFloat(a.em, b.em) })
	seen := 0
	for _, r := range runs {
		if seen += r.n; 2*seen >= total {
			return r.em, true
		}
	}
	return runs[len(runs)-1].em, true
}

// textLines puts a page's words back into printed lines: pdftotext splits a line where
// the font changes (Latin and CJK faces) and orders the pieces by its own guess, so words
// are grouped by their vertical middle (a line of 9 pt type is 17 pt high here) and read
// left to right.
func textLines(words []pdfWord) []string {
	mid := func(w pdfWord) float64 { return (w.YMin + w.YMax) / 2 }
	slices.SortStableFunc(words, func(a, b pdfWord) int { return cmpFloat(mid(a), mid(b)) })
	var out []string
	for i := 0; i < len(words); {
		j := i + 1
		for j < len(words) && mid(words[j])-mid(words[i]) < 6 {
			j++
		}
		line := slices.Clone(words[i:j])
		slices.SortFunc(line, func(a, b pdfWord) int { return cmpFloat(a.XMin, b.XMin) })
		var parts []string
		for _, w := range line {
			parts = append(parts, w.Text)
		}
		out = append(out, strings.Join(parts, " "))
		i = j
	}
	return out
}

type pdfPage struct {
	Width  float64   `xml:"width,attr"`
	Height float64   `xml:"height,attr"`
	Lines  []pdfLine `xml:"flow>block>line"`
}

type pdfDoc struct {
	Pages []pdfPage `xml:"body>doc>page"`
}

func readPDFLayout(t *testing.T, pdf string) pdfDoc {
	t.Helper()
	var d pdfDoc
	dec := xml.NewDecoder(strings.NewReader(runTool(t, "pdftotext", "-enc", "UTF-8", "-bbox-layout", pdf, "-")))
	dec.Strict = false
	dec.AutoClose = xml.HTMLAutoClose
	dec.Entity = xml.HTMLEntity
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("reading pdftotext -bbox-layout: %v", err)
	}
	return d
}

var (
	pageNumberRE = regexp.MustCompile(`^(\d+)/(\d+)$`)
	pagesRE      = regexp.MustCompile(`(?m)^Pages:\s+(\d+)$`)
	pageSizeRE   = regexp.MustCompile(`(?m)^Page size:\s+([\d.]+) x ([\d.]+) pts`)
)

func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// printReport is what checkPrintedLetter found; problems empty when the print is right.
type printReport struct {
	pages    int
	problems []string
}

func (r *printReport) addf(format string, a ...any) {
	if len(r.problems) < 20 {
		r.problems = append(r.problems, fmt.Sprintf(format, a...))
	}
}

// checkPrintedLetter reads the PDF back and checks it against the lines the letter was
// made of (letterhead, title, body, code line) and the name that must be in its text.
func checkPrintedLetter(t *testing.T, pdf string, want []string, name string) printReport {
	t.Helper()
	var r printReport
	info := runTool(t, "pdfinfo", pdf)
	m := pagesRE.FindStringSubmatch(info)
	if m == nil {
		t.Fatalf("pdfinfo gives no page count:\n%s", info)
	}
	r.pages, _ = strconv.Atoi(m[1])
	if sz := pageSizeRE.FindStringSubmatch(info); sz == nil {
		r.addf("pdfinfo gives no page size")
	} else if w, _ := strconv.ParseFloat(sz[1], 64); w < a4W-1 || w > a4W+1 {
		r.addf("page is %s x %s pt, not A4", sz[1], sz[2])
	} else if h, _ := strconv.ParseFloat(sz[2], 64); h < a4H-1 || h > a4H+1 {
		r.addf("page is %s x %s pt, not A4", sz[1], sz[2])
	}
	if r.pages < 1 || r.pages > maxPagesPerPrintedLetter {
		r.addf("%d pages", r.pages)
	}

	doc := readPDFLayout(t, pdf)
	if len(doc.Pages) != r.pages {
		r.addf("pdftotext read %d pages, pdfinfo says %d", len(doc.Pages), r.pages)
	}
	var body []string // the text lines, without the page numbers
	var allWords []pdfWord
	for i, p := range doc.Pages {
		left, right := marginSide-pdfTol, p.Width-marginSide+pdfTol
		top, bottom := marginTop-pdfTol, p.Height-marginBottom+pdfTol
		var footer []pdfWord
		var words []pdfWord
		for _, l := range p.Lines {
			for _, w := range l.Words {
				// A glyph's box is the font's (Noto CJK's is tall), so where a word sits is
				// its middle; across, its box.
				mid := (w.YMin + w.YMax) / 2
				switch {
				case mid > p.Height-marginBottom:
					footer = append(footer, w)
					if w.XMin < 0 || w.XMax > p.Width || w.YMax > p.Height+pdfTol {
						r.addf("page %d: %q in the bottom margin lies off the page", i+1, w.Text)
					}
				case w.XMin < left || w.XMax > right || mid < top || mid > bottom:
					r.addf("page %d: %q at x %.1f–%.1f, y %.1f–%.1f lies outside the printable area (x %.1f–%.1f, y %.1f–%.1f)",
						i+1, w.Text, w.XMin, w.XMax, w.YMin, w.YMax, left, right, top, bottom)
					words = append(words, w)
				default:
					words = append(words, w)
				}
			}
		}
		// The page number, "n / N", alone in the bottom margin.
		slices.SortFunc(footer, func(a, b pdfWord) int { return cmpFloat(a.XMin, b.XMin) })
		var ft []string
		for _, w := range footer {
			ft = append(ft, w.Text)
		}
		if pm := pageNumberRE.FindStringSubmatch(squeeze(strings.Join(ft, ""))); pm == nil {
			r.addf("page %d: the bottom margin holds %q, not its page number", i+1, strings.Join(ft, " "))
		} else if pm[1] != strconv.Itoa(i+1) || pm[2] != strconv.Itoa(r.pages) {
			r.addf("page %d is numbered %s/%s", i+1, pm[1], pm[2])
		}
		body = append(body, textLines(words)...)
		allWords = append(allWords, words...)
	}
	// Chromium shrinks a page whose content is too wide to fit it, rather than let it run
	// off: then nothing lies outside the margins but the type is smaller. A CJK character
	// is one em wide, so the body's size is the width per character of the CJK words, most
	// of them the body's (12 pt); the heading, letterhead and code line are the few.
	if em, ok := cjkEm(allWords); !ok {
		r.addf("no CJK word in the PDF's text layer: Chinese printed without a CJK font? (fc-list :lang=zh)")
	} else if em < bodyPt-0.25 || em > bodyPt+0.25 {
		r.addf("CJK characters print %.2f pt wide, not %g pt: without a CJK font they print as narrow empty boxes (fc-list :lang=zh), or the page was shrunk to fit something too wide for it", em, bodyPt)
	}

	all := squeeze(strings.Join(body, ""))
	if n := squeeze(name); !strings.Contains(all, n) {
		r.addf("the PDF's text layer lacks %q: Chinese printed without a CJK font? (fc-list :lang=zh)", name)
	}
	// Everything the letter says is in the text, in order: nothing was cut off.
	at := 0
	for _, w := range want {
		w = squeeze(w)
		if w == "" {
			continue
		}
		i := strings.Index(all[at:], w)
		if i < 0 {
			r.addf("the PDF's text lacks (or garbles) the line %q", w)
			continue
		}
		at += i + len(w)
	}
	// Chinese line breaking, line by line.
	for i, l := range body {
		rs := []rune(l)
		if len(rs) == 0 {
			continue
		}
		if i > 0 && strings.ContainsRune("。，、；：？！）」』", rs[0]) {
			r.addf("a line starts with %q: %q (after %q)", string(rs[0]), l, body[i-1])
		}
		if i < len(body)-1 && strings.ContainsRune("（「『", rs[len(rs)-1]) {
			r.addf("a line ends with %q: %q", string(rs[len(rs)-1]), l)
		}
	}
	// Every token to keep whole (case numbers, dates, IDs, phones, amounts) is whole on a line.
	var sq []string
	for _, l := range body {
		sq = append(sq, squeeze(l))
	}
	lines := strings.Join(sq, "\n")
	need := map[string]int{}
	for _, w := range want {
		for _, sg := range NoBreakSegments(w) {
			if sg.NoBreak {
				need[squeeze(sg.Text)]++
			}
		}
	}
	for tok, n := range need {
		{
			if got := strings.Count(lines, tok); got < n {
				r.addf("%q is split across lines (%d of %d whole)", tok, got, n)
			}
		}
	}
	return r
}

// printArtefacts is where the first pages are kept for review.
func printArtefacts(t *testing.T) string {
	if d := os.Getenv("REPAIRDESK_ARTEFACTS"); d != "" {
		dir := filepath.Join(d, "print")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

// printLetterSettings: a letterhead as long as an agency's may be.
var printLetterSettings = LetterSettings{
	Agency:  "北京信安企业信用服务有限公司上海自由贸易试验区临港新片区分公司",
	Address: "上海市浦东新区中国（上海）自由贸易试验区临港新片区环湖西二路888号滴水湖金融湾商务中心B座1208-1212室",
	Phone:   "021-6888 1234", Seal: "业务专用章",
}

// printCases takes an enterprise with a 100-character name (the intake's limit), a
// 200-character address, three records and 22 materials through the flowchart, and returns
// for each kind of letter the case that produces it.
func printCases(t *testing.T) map[string]*Case {
	t.Helper()
	name := []rune("中国（上海）自由贸易试验区临港新片区国际供应链管理与跨境电子商务综合服务集团股份有限公司浦东新区滴水湖金融湾第一分公司暨长三角一体化示范区数字贸易创新服务中心有限责任公司第二营业部暨跨境数据合规服务联合体")
	if len(name) < 100 {
		t.Fatalf("the long name has %d runes", len(name))
	}
	addr := []rune(strings.Repeat("上海市浦东新区中国（上海）自由贸易试验区临港新片区环湖西二路888号滴水湖金融湾商务中心B座12层1201-1208室（Room 1201-1208, Tower B, Dishui Lake Financial Bay）", 3))
	recs := []Record{
		{Source: "pbc", Type: "overdue_loan", Institution: "中国工商银行股份有限公司上海市浦东新区临港新片区滴水湖金融湾支行营业部公司金融业务二部",
			Date: "2025-06-18", AmountFen: 125000000, Problem: "non_malicious_overdue",
			Detail: "因银行核心系统升级，自动扣款延迟3天（2025年6月18日至2025年6月21日），企业账户余额充足，见银行流水ZX-YY-20250621-0042。"},
		{Source: "creditchina", Type: "admin_penalty", Institution: "上海市浦东新区市场监督管理局临港新片区分局综合行政执法大队",
			Date: "2025-01-10", Problem: "corrected_dishonest", Tier: "general", Detail: "已于2025年2月1日缴清罚款人民币50,000.00元。"},
		{Source: "pbc", Type: "guarantee", Institution: "上海浦东发展银行股份有限公司临港新片区分行",
			Date: "2024-11-30", AmountFen: 98765432100, Problem: "wrong_data", Detail: "担保责任已于2024年12月31日解除。"},
	}
	mats := DefaultCatalogue().Checklist(recs)
	for i := 1; i <= 22-len(mats); i++ {
		mats = append(mats, Material{Key: fmt.Sprintf("extra_%d", i), Required: true,
			Label: fmt.Sprintf("补充材料第%d项：与异议记录有关的原始凭证、合同、还款流水及银行盖章确认的说明（原件及加盖企业公章的复印件各一份，含全部附页与骑缝章）", i)})
	}
	for i := range mats {
		switch {
		case i%3 == 0: // missing
		case i%3 == 1:
			mats[i].Received, mats[i].Note = true, "所交复印件未加盖企业公章，且缺少第2页至第5页的骑缝章，请补交完整的加盖公章的复印件。"
		default:
			mats[i].Received, mats[i].Valid = true, true
		}
	}
	in := &Intake{ID: 12, No: CaseNo(2026, 12),
		Enterprise: Enterprise{Name: string(name[:100]), CreditCode: "91110000600037341L", LegalRep: "欧阳建国", Address: string(addr[:200])},
		Agent:      Agent{Name: "司马晓燕", Phone: "13812345678", IDNumber: "11010519491231002X", AuthLetter: "SQ-2026-031"},
		Records:    recs, Materials: mats, Owner: "wangmin", ReceivedAt: ltAt(3, 2, 9, 30)}
	c := ltApply(t, Case{}, ltSpecialist, Action{Kind: ActCreate, At: ltAt(3, 2, 9, 30), Intake: in})
	out := map[string]*Case{}
	keep := func(c Case) {
		for _, k := range LettersOf(&c) {
			x := c.clone()
			out[k] = &x
		}
	}
	keep(c)
	deadline := DefaultSLA().ResubmitDeadline(DefaultCalendar(), ltAt(3, 4, 10, 0))
	c = ltApply(t, c, ltSpecialist, Action{Kind: ActRequestMaterials, At: ltAt(3, 4, 10, 0), Deadline: deadline})
	keep(c)
	keep(ltApply(t, c.clone(), ltSpecialist, Action{Kind: ActLapse, At: deadline.AddDate(0, 0, 1)}))
	for _, m := range c.Materials {
		if !m.OK() {
			c = ltApply(t, c, ltSpecialist, Action{Kind: ActUpdateMaterial, At: ltAt(3, 10, 9, 0),
				Material: &MaterialUpdate{Key: m.Key, Label: m.Label, Required: m.Required, Received: true, Valid: true}})
		}
	}
	c = ltApply(t, c, ltSpecialist, Action{Kind: ActMaterialsReceived, At: ltAt(3, 10, 9, 5)})
	c = ltApply(t, c, ltSpecialist, Action{Kind: ActAccept, At: ltAt(3, 11, 14, 0)})
	c = ltApply(t, c, ltSpecialist, Action{Kind: ActAddFinding, At: ltAt(3, 13, 15, 0), Finding: &Finding{
		Checked: "2025年6月还款流水、银行核心系统升级公告（沪工银公告〔2025〕第18号）与客户经理的书面说明", Contact: "bank", Method: "document", Result: "confirmed_wrong"}})
	accepted := c.clone()

	d := ltApply(t, accepted.clone(), ltSpecialist, Action{Kind: ActDecline, At: ltAt(3, 16, 16, 0), Decline: &Decline{
		Reason:      "insufficient_evidence",
		Explanation: "贵单位提供的还款凭证（编号ZX-YY-20250621-0042）显示该笔贷款于2025年6月21日归还，晚于约定的6月18日；银行未能出具系统故障的书面证明，现有材料不足以认定逾期系非恶意。",
		Avenues:     []string{"await_expiry", "pbc_complaint", "institution_dispute", "civil_suit"},
		ExpiryDate:  "2030-06-21"}})
	keep(d)

	c = ltApply(t, accepted, ltSpecialist, Action{Kind: ActProposeRepair, At: ltAt(3, 16, 10, 0), Proposal: &Proposal{
		Conclusion: "逾期系银行系统原因所致，非企业恶意", Plan: "将2025年6月的逾期记录更正为正常还款"}})
	c = ltApply(t, c, ltSupervisor, Action{Kind: ActApprove, At: ltAt(3, 17, 11, 0)})
	c = ltApply(t, c, ltSpecialist, Action{Kind: ActSubmitCorrection, At: ltAt(3, 18, 9, 30), Submission: &Submission{Channel: "pbc_dispute", Reference: "ZX-YY-20260318-0042"}})
	c = ltApply(t, c, ltSpecialist, Action{Kind: ActRecordOutcome, At: ltAt(4, 3, 16, 0), Outcome: &Outcome{Result: "corrected", Note: "征信中心已将该笔贷款2025年6月的还款状态更正为正常，更正日期2026年4月3日。"}})
	c = ltApply(t, c, ltSpecialist, Action{Kind: ActNotifyApplicant, At: ltAt(4, 7, 10, 0), Notification: &Notification{Channel: "letter", Date: "2026-04-07"}})
	keep(c)
	return out
}

// The lines a printed letter is made of, in the order they print.
func printedLines(l Letter, s LetterSettings) []string {
	out := []string{s.Agency, s.Address, s.Phone, l.Title}
	for _, line := range strings.Split(l.Body, "\n") {
		out = append(out, line)
	}
	return append(out, l.CodeLine())
}

func TestLetterPrint(t *testing.T) {
	chromium := printTools(t)
	fonts := strings.TrimSpace(runTool(t, "fc-list", ":lang=zh", "family"))
	t.Logf("%s; CJK fonts: %s", strings.TrimSpace(runTool(t, chromium, "--version")), strings.ReplaceAll(fonts, "\n", "; "))
	if fonts == "" {
		t.Error("no font for Chinese (fc-list :lang=zh is empty): the letters print Chinese as empty boxes; apt-get install fonts-noto-cjk")
	}
	cases := printCases(t)
	shots := printArtefacts(t)
	var (
		mu    sync.Mutex
		pages = map[string]int{}
	)
	sem := make(chan struct{}, printParallel)
	t.Run("kinds", func(t *testing.T) {
		for _, kind := range LetterKinds {
			for _, lang := range letterLangs {
				t.Run(kind+"."+lang, func(t *testing.T) {
					t.Parallel()
					c := cases[kind]
					if c == nil {
						t.Fatalf("no case of this test produces the %s letter: give printCases one", kind)
					}
					l, err := DefaultLetters().Render(kind, c, printLetterSettings, lang, ltAt(4, 8, 9, 0))
					if err != nil {
						t.Fatal(err)
					}
					l.Code = LetterCode(c.No, 9, "0000")
					dir := t.TempDir()
					in, out := filepath.Join(dir, "letter.html"), filepath.Join(shots, kind+"."+lang+".pdf")
					if err := os.WriteFile(in, []byte(LetterHTML(l, printLetterSettings)), 0o600); err != nil {
						t.Fatal(err)
					}
					func() {
						sem <- struct{}{}
						defer func() { <-sem }()
						printToPDF(t, chromium, in, out, dir)
					}()
					r := checkPrintedLetter(t, out, printedLines(l, printLetterSettings), c.Enterprise.Name)
					for _, p := range r.problems {
						t.Error(p)
					}
					shot := filepath.Join(shots, kind+"."+lang)
					runTool(t, "pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", out, shot)
					t.Logf("%s.%s: %d page(s); the PDF and its first page: %s.pdf, %s.png", kind, lang, r.pages, shot, shot)
					mu.Lock()
					pages[kind+"."+lang] = r.pages
					mu.Unlock()
				})
			}
		}
	})
	var summary []string
	for k, n := range pages {
		summary = append(summary, fmt.Sprintf("%s %d", k, n))
	}
	slices.Sort(summary)
	t.Logf("pages: %s", strings.Join(summary, ", "))
}

// The checks can fail: a page whose line is pushed past the margin by a run that may not
// break, and a page whose text is not the letter's, are both caught.
func TestLetterPrintCheckCatchesOverflow(t *testing.T) {
	chromium := printTools(t)
	dir := t.TempDir()
	l := Letter{Kind: "receipt", Lang: "zh", Title: "征信修复申请受理回执",
		Body: "某某有限公司：\n\n受理编号 XF-2026-000012。\n\n北京信安（业务专用章）\n2026年3月2日\n"}
	page := LetterHTML(l, LetterSettings{Agency: "北京信安"})
	wide := strings.Repeat("W", 150)
	page = strings.Replace(page, "受理编号", `<span style="white-space: nowrap">`+wide+`</span>受理编号`, 1)
	in, out := filepath.Join(dir, "bad.html"), filepath.Join(dir, "bad.pdf")
	if err := os.WriteFile(in, []byte(page), 0o600); err != nil {
		t.Fatal(err)
	}
	printToPDF(t, chromium, in, out, dir)
	r := checkPrintedLetter(t, out, append(printedLines(l, LetterSettings{Agency: "北京信安"}), "不在函中的一句话"), "某某有限公司")
	joined := strings.Join(r.problems, "\n")
	for _, want := range []string{"CJK characters print ", "lacks (or garbles) the line \"不在函中的一句话\""} {
		if !strings.Contains(joined, want) {
			t.Errorf("the check missed %q; it found:\n%s", want, joined)
		}
	}
}
