// Package office holds the agency's use cases that are not persistence: taking in a CSV
// file of applications, generating a demo office. They work through the store's API
// (package store), as the console and the commands do.
package office

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"repairdesk/internal/msg"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"repairdesk/internal/csvout"
	"repairdesk/store"
	"repairdesk/workflow"
)

// MaxImportBytes caps one import file; a bigger file is refused rather than read whole.
const MaxImportBytes = 64 << 20

// ImportColumns are the CSV columns in their documented order. Required columns must be
// in the header; the others may be left out (their values are then empty).
var ImportColumns = []string{
	"enterprise_name", "credit_code", "legal_rep", "address",
	"agent_name", "agent_phone", "agent_id_number", "auth_letter",
	"source", "record_type", "institution", "record_date", "amount_yuan", "problem", "tier", "detail",
	"external_ref",
}

var importRequired = []string{
	"enterprise_name", "credit_code", "legal_rep", "agent_name", "agent_phone", "agent_id_number",
	"source", "record_type", "institution", "record_date", "problem",
}

// importHeaderZH lets a file exported from a Chinese spreadsheet use Chinese headers.
var importHeaderZH = map[string]string{
	"企业名称": "enterprise_name", "统一社会信用代码": "credit_code", "信用代码": "credit_code",
	"法定代表人": "legal_rep", "地址": "address", "企业地址": "address", "住所": "address",
	"经办人": "agent_name", "经办人姓名": "agent_name", "经办人电话": "agent_phone", "联系电话": "agent_phone",
	"经办人身份证号": "agent_id_number", "经办人身份证号码": "agent_id_number", "身份证号": "agent_id_number",
	"授权委托书": "auth_letter", "授权委托书编号": "auth_letter",
	"记录来源": "source", "来源": "source", "记录类型": "record_type", "报送机构": "institution",
	"记录日期": "record_date", "日期": "record_date", "金额": "amount_yuan", "金额(元)": "amount_yuan",
	"异议问题": "problem", "问题": "problem", "严重程度": "tier", "处罚等级": "tier",
	"说明": "detail", "详情": "detail", "备注": "detail", "外部编号": "external_ref", "申请编号": "external_ref",
}

// maxLen bounds the columns ValidateIntake does not bound itself.
var importMaxLen = map[string]int{
	"auth_letter": 100, "institution": 100, "detail": 2000, "external_ref": 100,
	"source": 50, "record_type": 50, "problem": 50, "tier": 20, "amount_yuan": 30, "record_date": 30,
	"agent_phone": 40, "agent_id_number": 40, "credit_code": 40,
}

// ImportReport says what an import did, row by row where it matters.
type ImportReport struct {
	Rows       int           // data rows read (blank rows are not counted)
	Imported   int           // new cases created
	Skipped    int           // duplicates: already imported, by this run or an earlier one
	Cases      []ImportedRow // the new cases, in file order
	Duplicates []ImportedRow // the skipped rows and the case each one already is
	Bad        []RowProblem  // rows not imported, with every problem found
	Warnings   []RowProblem  // rows imported with an overridable warning (credit-code check)
}

// ImportedRow links a line of the file to a case.
type ImportedRow struct {
	Line   int
	Ref    string // external_ref, or the enterprise name
	CaseNo string
}

// RowProblem lists everything wrong with one row. Problems hold both languages
// (FieldError.ZH/EN, Message(lang)); Field is the CSV column concerned.
type RowProblem struct {
	Line     int    // line of the file where the row starts (the header is line 1)
	Ref      string // external_ref, or the enterprise name — cleaned, for the reader
	CaseNo   string // for warnings: the case that was created
	Problems []*workflow.FieldError
}

// Messages returns the row's problems as "column: text" lines in lang.
func (p RowProblem) Messages(lang string) []string {
	out := make([]string, 0, len(p.Problems))
	for _, fe := range p.Problems {
		msg := fe.Message(lang)
		if fe.Field != "" {
			msg = fe.Field + ": " + msg
		}
		out = append(out, msg)
	}
	return out
}

// Message is the whole row in one line of text.
func (p RowProblem) Message(lang string) string {
	return strings.Join(p.Messages(lang), msg.T(lang, "import.sep"))
}

// WriteErrors writes the rows not imported as a CSV file for a spreadsheet (through
// csvout: BOM, formula cells neutralised): one row per problem with the line of the
// file, the row's reference, the column and the problem, in lang ("en", else Chinese).
func (rep ImportReport) WriteErrors(w io.Writer, lang string) error {
	cw := csvout.New(w, true)
	cw.Row(msg.T(lang, "import.errors_line"), msg.T(lang, "import.errors_ref"), msg.T(lang, "import.errors_column"), msg.T(lang, "import.errors_problem"))
	for _, p := range rep.Bad {
		for _, fe := range p.Problems {
			cw.Row(strconv.Itoa(p.Line), p.Ref, fe.Field, fe.Message(lang))
		}
	}
	return cw.Flush()
}

func fileErr(key string, args ...any) error {
	return workflow.Refuse("import", key, args...)
}

// ImportCSV takes in applications from a CSV file (UTF-8, optional BOM, a header row;
// columns ImportColumns, Chinese headers accepted). Every row is validated with
// workflow.ValidateIntake and every problem of a bad row is reported; good rows become
// cases through Create, acting as actor. A row already imported (same external_ref, or
// when that is empty the same credit code, source, record type, institution and date)
// is skipped, so running the same file again creates nothing. Every text value passes
// workflow.Clean; a value carrying terminal control sequences makes its row bad.
//
// A file-level problem (no header, missing columns, not UTF-8, too big) returns an error
// (*workflow.Refusal, both languages) before anything is imported; a storage failure
// stops the import and returns the report so far with the error.
func ImportCSV(s *store.Store, r io.Reader, actor workflow.Staff) (ImportReport, error) {
	return ImportCSVWith(s, r, actor, 0, store.Work{})
}

// ImportCSVWith is ImportCSV reporting its progress ("import": bytes of the file read,
// of size) and stopping between rows when w's context ends. The rows taken in before
// stay (each is its own commit, and its dedupe key is recorded), so running the same
// file again continues where it stopped.
func ImportCSVWith(s *store.Store, r io.Reader, actor workflow.Staff, size int64, w store.Work) (ImportReport, error) {
	var rep ImportReport
	// One import at a time per store: two runs of the same file cannot both create a row.
	end, err := s.BeginImport()
	if err != nil {
		return rep, err
	}
	defer end()
	if s.ReadOnly() {
		return rep, fileErr("import.read_only_db")
	}
	if !actor.Active {
		return rep, fileErr("import.disabled", actor.Name)
	}
	if !actor.Role.CanWork() {
		return rep, fileErr("import.read_only_role", actor.Name)
	}
	lr := &limitedReader{r: r, left: MaxImportBytes}
	cr := csv.NewReader(lr)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, errTooBig) {
		return rep, tooBig()
	}
	if err == io.EOF {
		return rep, fileErr("import.empty")
	}
	if err != nil {
		return rep, fileErr("import.header", workflow.CleanLine(err.Error()))
	}
	cols, err := importHeader(header)
	if err != nil {
		return rep, err
	}

	for {
		before := cr.InputOffset()
		if w.Progress != nil {
			w.Progress("import", before, size)
		}
		if w.Context != nil && w.Context.Err() != nil {
			return rep, w.Context.Err()
		}
		rec, err := cr.Read()
		if err == io.EOF {
			if w.Progress != nil {
				w.Progress("import", size, size)
			}
			break
		}
		if errors.Is(err, errTooBig) {
			return rep, tooBig()
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) || cr.InputOffset() == before {
				return rep, fileErr("import.read", workflow.CleanLine(err.Error()))
			}
			rep.Rows++
			rep.Bad = append(rep.Bad, RowProblem{Line: pe.StartLine, Problems: []*workflow.FieldError{workflow.NewFieldError("", "csv", "import.csv_malformed", pe.Line, pe.Column)}})
			continue
		}
		line, _ := cr.FieldPos(0)
		if blankRow(rec) {
			continue
		}
		rep.Rows++
		if len(rec) != len(cols) {
			rep.Bad = append(rep.Bad, RowProblem{Line: line, Problems: []*workflow.FieldError{workflow.NewFieldError("", "columns", "import.columns", len(rec), len(cols))}})
			continue
		}
		row := parseImportRow(cols, rec, s.Catalogue(), s.Now())
		if len(row.problems) > 0 {
			rep.Bad = append(rep.Bad, RowProblem{Line: line, Ref: row.ref, Problems: row.problems})
			continue
		}
		if id, ok := s.ImportedCase(row.key); ok {
			rep.Skipped++
			rep.Duplicates = append(rep.Duplicates, ImportedRow{Line: line, Ref: row.ref, CaseNo: caseNo(s, id)})
			continue
		}
		// A crash between Create and markImported leaves the case without its mark: the
		// create event names the key, so the case is found and marked, not created twice.
		if id, ok := s.CreatedWith(row.in.Enterprise.CreditCode, importComment(row.key)); ok {
			if err := s.MarkImported(row.key, id); err != nil {
				return rep, err
			}
			rep.Skipped++
			rep.Duplicates = append(rep.Duplicates, ImportedRow{Line: line, Ref: row.ref, CaseNo: caseNo(s, id)})
			continue
		}
		c, err := s.Create(actor, row.in, importComment(row.key))
		if err != nil {
			var ref *workflow.Refusal
			if errors.As(err, &ref) {
				rep.Bad = append(rep.Bad, RowProblem{Line: line, Ref: row.ref, Problems: []*workflow.FieldError{workflow.NewFieldError("", ref.Code, "msg.as_is", ref)}})
				continue
			}
			return rep, err
		}
		if err := s.MarkImported(row.key, c.ID); err != nil {
			return rep, err
		}
		rep.Imported++
		rep.Cases = append(rep.Cases, ImportedRow{Line: line, Ref: row.ref, CaseNo: c.No})
		if len(row.warnings) > 0 {
			rep.Warnings = append(rep.Warnings, RowProblem{Line: line, Ref: row.ref, CaseNo: c.No, Problems: row.warnings})
		}
	}
	if rep.Imported > 0 {
		_ = s.Audit(actor.Name, "import", fmt.Sprintf("CSV: %d imported, %d duplicates, %d bad rows", rep.Imported, rep.Skipped, len(rep.Bad)))
	}
	return rep, nil
}

var errTooBig = errors.New("import file too big")

func tooBig() error {
	return fileErr("import.too_large", MaxImportBytes>>20)
}

type limitedReader struct {
	r    io.Reader
	left int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, errTooBig
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

func blankRow(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// importHeader maps each header cell to its column name.
func importHeader(header []string) ([]string, error) {
	cols := make([]string, len(header))
	var unknown []string
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		if !utf8.ValidString(h) {
			return nil, fileErr("import.not_utf8")
		}
		name := strings.ToLower(strings.TrimSpace(workflow.CleanLine(h)))
		name = strings.NewReplacer(" ", "_", "-", "_", "（", "(", "）", ")").Replace(name)
		if zh, ok := importHeaderZH[name]; ok {
			name = zh
		}
		if !slices.Contains(ImportColumns, name) {
			unknown = append(unknown, truncRunes(name, 30))
			continue
		}
		if slices.Contains(cols, name) {
			return nil, fileErr("import.column_twice", name)
		}
		cols[i] = name
	}
	if len(unknown) > 0 {
		u := strings.Join(unknown, ", ")
		k := strings.Join(ImportColumns, ", ")
		return nil, fileErr("import.unknown_columns", u, k)
	}
	var missing []string
	for _, c := range importRequired {
		if !slices.Contains(cols, c) {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		m := strings.Join(missing, ", ")
		return nil, fileErr("import.missing_columns", m)
	}
	return cols, nil
}

type importRow struct {
	in       workflow.Intake
	key      string
	ref      string
	problems []*workflow.FieldError
	warnings []*workflow.FieldError
}

// columnOf maps ValidateIntake's field names to the CSV columns.
var columnOf = map[string]string{
	"enterprise.name": "enterprise_name", "enterprise.credit_code": "credit_code",
	"enterprise.legal_rep": "legal_rep", "enterprise.address": "address",
	"agent.name": "agent_name", "agent.phone": "agent_phone", "agent.id_number": "agent_id_number",
	"records.0.source": "source", "records.0.type": "record_type", "records.0.problem": "problem",
	"records.0.tier": "tier", "records.0.institution": "institution", "records.0.date": "record_date",
	"records.0.amount": "amount_yuan",
}

// parseImportRow cleans, maps and validates one row. It never touches the store.
func parseImportRow(cols, rec []string, cat workflow.Catalogue, now time.Time) importRow {
	var row importRow
	v := map[string]string{}
	flagged := map[string]bool{} // columns already reported, so validation does not repeat them
	bad := func(col, code, key string, args ...any) {
		row.problems = append(row.problems, workflow.NewFieldError(col, code, key, args...))
		flagged[col] = true
	}
	for i, col := range cols {
		raw := rec[i]
		if !utf8.ValidString(raw) {
			bad(col, "encoding", "import.encoding")
		}
		norm := strings.ReplaceAll(raw, "\t", " ")
		if col != "detail" {
			norm = strings.ReplaceAll(norm, "\n", " ")
		}
		clean := workflow.Clean(norm)
		if clean != norm && utf8.ValidString(raw) {
			bad(col, "control", "import.control")
		}
		clean = strings.TrimSpace(clean)
		if max, ok := importMaxLen[col]; ok && utf8.RuneCountInString(clean) > max && !flagged[col] {
			bad(col, "length", "import.too_long", max)
		}
		v[col] = clean
	}
	row.ref = v["external_ref"]
	if row.ref == "" {
		row.ref = v["enterprise_name"]
	}
	row.ref = truncRunes(row.ref, 40)

	rec0 := workflow.Record{Institution: v["institution"], Detail: v["detail"]}
	for _, f := range []struct {
		col, kind string
		dst       *string
	}{
		{"source", "source", &rec0.Source},
		{"record_type", "record_type", &rec0.Type},
		{"problem", "problem", &rec0.Problem},
		{"tier", "tier", &rec0.Tier},
	} {
		val := v[f.col]
		if flagged[f.col] {
			continue
		}
		choices := labelChoices(f.kind)
		name := msg.Key("import.col_" + f.col)
		if val == "" {
			if f.col != "tier" || rec0.Type == "admin_penalty" {
				bad(f.col, "required", "import.choice_required", name, choices)
			}
			continue
		}
		key, ok := matchLabel(f.kind, val)
		if !ok {
			shown := truncRunes(val, 30)
			bad(f.col, "choice", "import.choice_unknown", name, shown, choices)
			continue
		}
		*f.dst = key
	}
	if rec0.Type != "admin_penalty" {
		rec0.Tier = "" // only penalties have a tier
	}
	if a := v["amount_yuan"]; a != "" && !flagged["amount_yuan"] {
		fen, ok := parseYuan(a)
		if !ok {
			bad("amount_yuan", "amount", "import.amount")
		} else {
			rec0.AmountFen = fen
		}
	}
	rec0.Date = normDate(v["record_date"])

	row.in = workflow.Intake{
		Enterprise: workflow.Enterprise{Name: v["enterprise_name"], CreditCode: v["credit_code"], LegalRep: v["legal_rep"], Address: v["address"]},
		Agent:      workflow.Agent{Name: v["agent_name"], Phone: v["agent_phone"], IDNumber: v["agent_id_number"], AuthLetter: v["auth_letter"]},
		Records:    []workflow.Record{rec0},
	}
	row.in.Materials = cat.Checklist(row.in.Records)
	for _, fe := range workflow.ValidateIntake(&row.in, now) {
		col := columnOf[fe.Field]
		if col == "" {
			col = fe.Field
		}
		if flagged[col] {
			continue
		}
		e := *fe
		e.Field = col
		if e.Warning {
			row.warnings = append(row.warnings, &e)
		} else {
			row.problems = append(row.problems, &e)
		}
	}
	if len(row.problems) > 0 {
		row.warnings = nil
		return row
	}
	row.key = importKey(v["external_ref"], row.in)
	return row
}

// importKey is the dedupe key: the external reference when given, else a hash of what
// identifies the contested record.
func importKey(ext string, in workflow.Intake) string {
	if ext != "" {
		return "ref:" + ext
	}
	r := in.Records[0]
	sum := sha256.Sum256([]byte(strings.Join([]string{in.Enterprise.CreditCode, r.Source, r.Type, r.Institution, r.Date}, "\x1f")))
	return "sum:" + hex.EncodeToString(sum[:16])
}

func importComment(key string) string { return "CSV 批量导入 / CSV import [" + key + "]" }

// matchLabel accepts a stable key or its Chinese or English label (case, width and spaces
// ignored; a label's bracketed remark may be left out).
func matchLabel(kind, val string) (string, bool) {
	want := labelNorm(val)
	for _, k := range workflow.Keys(kind) {
		for _, cand := range []string{k, workflow.Label(kind, k, "zh"), workflow.Label(kind, k, "en")} {
			n := labelNorm(cand)
			if n == want {
				return k, true
			}
			if i := strings.IndexByte(n, '('); i > 0 && n[:i] == want {
				return k, true
			}
		}
	}
	return "", false
}

func labelNorm(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		if r == ' ' || r == '\u3000' || r == '_' || r == '-' {
			continue
		}
		b.WriteRune(r)
	}
	return strings.ToLower(b.String())
}

// labelChoices lists an enumeration's values with their labels: key（标签）、… / key (label), ….
func labelChoices(kind string) msg.Localized {
	var items []any
	for _, k := range workflow.Keys(kind) {
		items = append(items, msg.M("import.choice", k, msg.Label(kind, k)))
	}
	return msg.List(items...)
}

var yuanRe = regexp.MustCompile(`^(-?)(\d{1,13})(?:\.(\d{1,2}))?$`)

// parseYuan reads "12,345.67", "¥12345", "12345.6元" as fen.
func parseYuan(s string) (int64, bool) {
	var b strings.Builder
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E { // full-width digits and signs
			r -= 0xFEE0
		}
		if r != ' ' && r != '\u3000' && r != ',' && r != '¥' && r != '￥' && r != '元' {
			b.WriteRune(r)
		}
	}
	s = strings.ToLower(b.String())
	s = strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(s, "rmb"), "rmb"), "cny")
	m := yuanRe.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	y, err := strconv.ParseInt(m[2], 10, 64)
	if err != nil {
		return 0, false
	}
	frac := m[3]
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	fen := y*100 + f
	if m[1] == "-" {
		fen = -fen
	}
	return fen, true
}

var dateRe = regexp.MustCompile(`^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\s+0{1,2}:00(?::00)?)?$`)

// normDate turns the usual spreadsheet spellings (2025/3/1, 2025年3月1日) into
// YYYY-MM-DD; anything else is left for ValidateIntake to refuse.
func normDate(s string) string {
	m := dateRe.FindStringSubmatch(s)
	if m == nil {
		return s
	}
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	return fmt.Sprintf("%s-%02d-%02d", m[1], mo, d)
}

func truncRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

func caseNo(s *store.Store, id uint32) string {
	if sm, ok := s.Snapshot().Get(id); ok {
		return sm.No
	}
	if c, err := s.Case(id); err == nil {
		return c.No
	}
	return fmt.Sprintf("#%d", id)
}
