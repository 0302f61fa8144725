package workflow

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// calTestDay is 10:00 China time on a YYYY-MM-DD day.
func calTestDay(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.ParseInLocation(time.DateOnly, s, ChinaTZ)
	if err != nil {
		t.Fatal(err)
	}
	return d.Add(10 * time.Hour)
}

// calTestEnd is how a due date on that day must look: 23:59:59 in ChinaTZ.
func calTestEnd(s string) string { return s + " 23:59:59 +0800" }

func calTestFmt(t time.Time) string { return t.Format("2006-01-02 15:04:05 -0700") }

// The official arrangements restated as spans, independently of the JSON files, so that a
// slip in a file (a missing day in a span, a wrong make-up day) shows up here.
type calTestSpan struct {
	name, from, to string
}

var calTestOfficial = map[int]struct {
	notice   string
	holidays []calTestSpan
	workdays []calTestSpan // single days: from == to
}{
	2024: {"国办发明电〔2023〕7号", []calTestSpan{
		{"元旦", "2024-01-01", "2024-01-01"}, {"春节", "2024-02-10", "2024-02-17"},
		{"清明节", "2024-04-04", "2024-04-06"}, {"劳动节", "2024-05-01", "2024-05-05"},
		{"端午节", "2024-06-10", "2024-06-10"}, {"中秋节", "2024-09-15", "2024-09-17"},
		{"国庆节", "2024-10-01", "2024-10-07"},
	}, []calTestSpan{
		{"春节", "2024-02-04", "2024-02-04"}, {"春节", "2024-02-18", "2024-02-18"},
		{"清明节", "2024-04-07", "2024-04-07"}, {"劳动节", "2024-04-28", "2024-04-28"},
		{"劳动节", "2024-05-11", "2024-05-11"}, {"中秋节", "2024-09-14", "2024-09-14"},
		{"国庆节", "2024-09-29", "2024-09-29"}, {"国庆节", "2024-10-12", "2024-10-12"},
	}},
	2025: {"国办发明电〔2024〕12号", []calTestSpan{
		{"元旦", "2025-01-01", "2025-01-01"}, {"春节", "2025-01-28", "2025-02-04"},
		{"清明节", "2025-04-04", "2025-04-06"}, {"劳动节", "2025-05-01", "2025-05-05"},
		{"端午节", "2025-05-31", "2025-06-02"}, {"国庆节、中秋节", "2025-10-01", "2025-10-08"},
	}, []calTestSpan{
		{"春节", "2025-01-26", "2025-01-26"}, {"春节", "2025-02-08", "2025-02-08"},
		{"劳动节", "2025-04-27", "2025-04-27"},
		{"国庆节、中秋节", "2025-09-28", "2025-09-28"}, {"国庆节、中秋节", "2025-10-11", "2025-10-11"},
	}},
	2026: {"国办发明电〔2025〕7号", []calTestSpan{
		{"元旦", "2026-01-01", "2026-01-03"}, {"春节", "2026-02-15", "2026-02-23"},
		{"清明节", "2026-04-04", "2026-04-06"}, {"劳动节", "2026-05-01", "2026-05-05"},
		{"端午节", "2026-06-19", "2026-06-21"}, {"中秋节", "2026-09-25", "2026-09-27"},
		{"国庆节", "2026-10-01", "2026-10-07"},
	}, []calTestSpan{
		{"元旦", "2026-01-04", "2026-01-04"}, {"春节", "2026-02-14", "2026-02-14"},
		{"春节", "2026-02-28", "2026-02-28"}, {"劳动节", "2026-05-09", "2026-05-09"},
		{"国庆节", "2026-09-20", "2026-09-20"}, {"国庆节", "2026-10-10", "2026-10-10"},
	}},
}

// Every day of every shipped year is checked against the spans above.
func TestCalendarEmbeddedDataMatchesNotices(t *testing.T) {
	if _, err := calEmbeddedYears(); err != nil {
		t.Fatal(err) // report a broken file here rather than as DefaultCalendar's panic
	}
	cal := DefaultCalendar()
	if cal != DefaultCalendar() {
		t.Error("DefaultCalendar should return the same value every time")
	}
	if got, want := cal.Years(), []int{2024, 2025, 2026}; !slices.Equal(got, want) {
		t.Fatalf("Years() = %v, want %v", got, want)
	}
	for year, off := range calTestOfficial {
		data, ok := cal.Year(year)
		if !ok || !cal.Known(year) {
			t.Fatalf("year %d missing", year)
		}
		if !strings.Contains(data.Source, off.notice) || !strings.Contains(data.Source, fmt.Sprintf("国务院办公厅关于%d年部分节假日安排的通知", year)) {
			t.Errorf("%d source %q does not cite %s", year, data.Source, off.notice)
		}
		want := map[string]struct {
			work bool
			name string
		}{}
		for _, s := range off.holidays {
			for d := calTestDay(t, s.from); !d.After(calTestDay(t, s.to)); d = d.AddDate(0, 0, 1) {
				want[d.Format(time.DateOnly)] = struct {
					work bool
					name string
				}{false, s.name}
			}
		}
		for _, s := range off.workdays {
			d := calTestDay(t, s.from)
			if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
				t.Fatalf("test table: make-up day %s is a %s", s.from, wd)
			}
			want[s.from] = struct {
				work bool
				name string
			}{true, s.name}
		}
		if n := len(data.Holidays) + len(data.Workdays); n != len(want) {
			t.Errorf("%d: file lists %d days, notice has %d", year, n, len(want))
		}
		for d := calTestDay(t, fmt.Sprintf("%d-01-01", year)); d.Year() == year; d = d.AddDate(0, 0, 1) {
			key := d.Format(time.DateOnly)
			w, special := want[key]
			if !special {
				w.work = d.Weekday() != time.Saturday && d.Weekday() != time.Sunday
			}
			work, known := cal.IsWorkday(d)
			if work != w.work || !known || cal.HolidayName(d) != w.name {
				t.Errorf("%s (%s): IsWorkday = %v,%v name %q; want %v,true name %q",
					key, d.Weekday(), work, known, cal.HolidayName(d), w.work, w.name)
			}
		}
	}
}

func TestCalendarEmbeddedFilesRoundTrip(t *testing.T) {
	years, err := calEmbeddedYears()
	if err != nil {
		t.Fatal(err)
	}
	for _, y := range years {
		b, err := json.Marshal(y)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseCalendarYear(b)
		if err != nil {
			t.Fatalf("%d: re-parse: %v", y.Year, err)
		}
		if !reflect.DeepEqual(back, y) {
			t.Errorf("%d: round trip changed the data", y.Year)
		}
	}
}

func TestCalendarIsWorkday(t *testing.T) {
	cal := DefaultCalendar()
	tests := []struct {
		date        string
		work, known bool
		name        string
	}{
		{"2025-01-24", true, true, ""},        // Friday
		{"2025-01-25", false, true, ""},       // ordinary Saturday
		{"2025-01-26", true, true, "春节"},      // Sunday, make-up workday
		{"2025-01-28", false, true, "春节"},     // Tuesday, 除夕
		{"2025-02-04", false, true, "春节"},     // Tuesday, last day off
		{"2025-02-08", true, true, "春节"},      // Saturday, make-up workday
		{"2025-02-09", false, true, ""},       // ordinary Sunday
		{"2025-09-28", true, true, "国庆节、中秋节"}, // Sunday, make-up
		{"2025-10-08", false, true, "国庆节、中秋节"},
		{"2025-10-11", true, true, "国庆节、中秋节"}, // Saturday, make-up
		{"2026-01-04", true, true, "元旦"},      // Sunday, make-up
		{"2026-02-14", true, true, "春节"},      // Saturday, make-up
		{"2026-02-23", false, true, "春节"},     // Monday, last day off
		{"2026-02-28", true, true, "春节"},      // Saturday, make-up
		{"2026-09-20", true, true, "国庆节"},     // Sunday, make-up
		{"2026-09-25", false, true, "中秋节"},    // Friday
		{"2026-10-10", true, true, "国庆节"},     // Saturday, make-up
		{"2027-01-01", true, false, ""},       // Friday, no data: Mon–Fri rule
		{"2027-02-06", false, false, ""},      // Saturday, no data
		{"2023-12-29", true, false, ""},       // before the data
	}
	for _, tt := range tests {
		d := calTestDay(t, tt.date)
		work, known := cal.IsWorkday(d)
		if work != tt.work || known != tt.known {
			t.Errorf("IsWorkday(%s) = %v,%v; want %v,%v", tt.date, work, known, tt.work, tt.known)
		}
		if got := cal.HolidayName(d); got != tt.name {
			t.Errorf("HolidayName(%s) = %q, want %q", tt.date, got, tt.name)
		}
	}
}

func TestCalendarAddWorkdays(t *testing.T) {
	cal := DefaultCalendar()
	tests := []struct {
		from        string
		n           int
		want        string
		provisional bool
		why         string
	}{
		{"2025-01-24", 5, "2025-02-07", false,
			"Fri 1/24 → Sat 25 off, Sun 26 make-up (1), Mon 27 (2), Tue 1/28–Tue 2/4 春节 off, Wed 2/5 (3), Thu 6 (4), Fri 7 (5)"},
		{"2025-01-24", 6, "2025-02-08", false, "the 6th is make-up Saturday 2/8"},
		{"2025-01-24", 7, "2025-02-10", false, "Sun 2/9 off, Mon 2/10"},
		{"2025-01-24", 1, "2025-01-26", false, "a make-up Sunday is the next working day"},
		{"2025-01-27", 1, "2025-02-05", false, "Mon before 除夕 → first day back Wed 2/5"},
		{"2025-02-07", 1, "2025-02-08", false, "Fri → make-up Sat 2/8"},
		{"2025-02-08", 0, "2025-02-08", false, "n=0 is the day itself"},
		{"2025-01-30", 0, "2025-01-30", false, "n=0 even on a holiday"},
		{"2025-01-30", 1, "2025-02-05", false, "from inside the holiday"},

		{"2026-02-12", 3, "2026-02-24", false,
			"Thu 2/12 → Fri 13 (1), Sat 14 make-up (2), Sun 2/15–Mon 2/23 春节 off, Tue 24 (3)"},
		{"2026-02-13", 5, "2026-02-27", false, "Sat 14 (1), Tue 24 (2), Wed 25 (3), Thu 26 (4), Fri 27 (5)"},
		{"2026-02-13", 6, "2026-02-28", false, "the 6th is make-up Saturday 2/28"},
		{"2026-02-13", 7, "2026-03-02", false, "Sun 3/1 off, Mon 3/2"},

		{"2025-09-26", 1, "2025-09-28", false, "Fri → make-up Sun 9/28"},
		{"2025-09-26", 4, "2025-10-09", false, "Sun 28 (1), Mon 29 (2), Tue 30 (3), 10/1–10/8 off, Thu 10/9 (4)"},
		{"2025-09-26", 6, "2025-10-11", false, "Fri 10/10 (5), make-up Sat 10/11 (6)"},
		{"2025-09-26", 7, "2025-10-13", false, "Sun 10/12 off, Mon 10/13 (7)"},
		{"2025-09-30", 1, "2025-10-09", false, "across the whole 8-day National Day break"},

		{"2026-09-18", 1, "2026-09-20", false, "Fri → make-up Sun 9/20"},
		{"2026-09-18", 6, "2026-09-28", false,
			"Sun 20 (1), Mon–Thu 21–24 (2–5), Fri 25–Sun 27 中秋 off, Mon 28 (6)"},
		{"2026-09-18", 9, "2026-10-08", false, "Tue 29 (7), Wed 30 (8), 10/1–10/7 off, Thu 10/8 (9)"},
		{"2026-09-18", 11, "2026-10-10", false, "Fri 10/9 (10), make-up Sat 10/10 (11)"},
		{"2026-09-18", 12, "2026-10-12", false, "Sun 10/11 off, Mon 10/12 (12)"},
		{"2026-09-30", 3, "2026-10-10", false, "Thu 10/8, Fri 10/9, Sat 10/10"},

		{"2025-12-31", 1, "2026-01-04", false, "Wed → 元旦 1/1–1/3 off → make-up Sun 1/4"},
		{"2026-12-28", 3, "2026-12-31", false, "stays inside 2026"},
		{"2026-12-28", 4, "2027-01-01", true, "Fri 2027-01-01 counted by Mon–Fri: no 2027 data yet"},
		{"2027-01-04", 5, "2027-01-11", true, "2027: Mon–Fri only, provisional"},
		{"2027-01-08", 0, "2027-01-08", false, "n=0 walks over nothing, so nothing is provisional"},
		{"2023-12-29", 1, "2024-01-02", true, "walks over the weekend of 2023 (no data), then 元旦 2024"},
	}
	for _, tt := range tests {
		due, prov := cal.AddWorkdays(calTestDay(t, tt.from), tt.n)
		if got := calTestFmt(due); got != calTestEnd(tt.want) || prov != tt.provisional {
			t.Errorf("AddWorkdays(%s, %d) = %s, provisional %v; want %s, %v (%s)",
				tt.from, tt.n, got, prov, calTestEnd(tt.want), tt.provisional, tt.why)
		}
		if due.Location() != ChinaTZ {
			t.Errorf("AddWorkdays(%s, %d) location %v, want ChinaTZ", tt.from, tt.n, due.Location())
		}
		if n, p := cal.WorkdaysBetween(calTestDay(t, tt.from), due); n != tt.n || p != tt.provisional {
			t.Errorf("WorkdaysBetween(%s, %s) = %d,%v; want %d,%v", tt.from, tt.want, n, p, tt.n, tt.provisional)
		}
	}
}

func TestCalendarAddWorkdaysBackwards(t *testing.T) {
	cal := DefaultCalendar()
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2025-02-10", -1, "2025-02-08"}, // Mon → the make-up Saturday before it
		{"2025-02-10", -2, "2025-02-07"},
		{"2025-02-05", -1, "2025-01-27"}, // back across 春节 to Mon 1/27
		{"2025-02-05", -2, "2025-01-26"}, // make-up Sunday
		{"2025-02-05", -3, "2025-01-24"},
		{"2026-10-08", -1, "2026-09-30"},
	}
	for _, tt := range tests {
		due, prov := cal.AddWorkdays(calTestDay(t, tt.from), tt.n)
		if got := calTestFmt(due); got != calTestEnd(tt.want) || prov {
			t.Errorf("AddWorkdays(%s, %d) = %s,%v; want %s,false", tt.from, tt.n, got, prov, calTestEnd(tt.want))
		}
	}
}

// Without data the calendar still answers, Monday to Friday, and says the answer is provisional.
func TestCalendarWithoutData(t *testing.T) {
	for name, cal := range map[string]*Calendar{"empty": NewCalendar(), "nil": nil} {
		due, prov := cal.AddWorkdays(calTestDay(t, "2025-01-24"), 5) // Fri + 5 plain weekdays
		if calTestFmt(due) != calTestEnd("2025-01-31") || !prov {
			t.Errorf("%s: AddWorkdays = %s,%v; want 2025-01-31,true", name, calTestFmt(due), prov)
		}
		if w, k := cal.IsWorkday(calTestDay(t, "2025-01-28")); !w || k {
			t.Errorf("%s: IsWorkday(2025-01-28) = %v,%v; want true,false", name, w, k)
		}
		if n, p := cal.WorkdaysBetween(calTestDay(t, "2025-01-24"), calTestDay(t, "2025-02-07")); n != 10 || !p {
			t.Errorf("%s: WorkdaysBetween = %d,%v; want 10,true", name, n, p)
		}
		if cal.Known(2025) || len(cal.Years()) != 0 || cal.HolidayName(calTestDay(t, "2025-01-28")) != "" {
			t.Errorf("%s: calendar should know nothing", name)
		}
		if _, ok := cal.Year(2025); ok {
			t.Errorf("%s: Year(2025) should be absent", name)
		}
	}
}

func TestCalendarWorkdaysBetween(t *testing.T) {
	cal := DefaultCalendar()
	tests := []struct {
		from, to string
		n        int
		prov     bool
	}{
		{"2025-01-24", "2025-02-07", 5, false},
		{"2025-02-07", "2025-01-24", -5, false},
		{"2025-01-24", "2025-01-24", 0, false},
		{"2027-03-01", "2027-03-01", 0, false},
		{"2025-01-27", "2025-02-04", 0, false}, // only 春节 days after Mon 1/27
		{"2025-09-30", "2025-10-11", 3, false}, // Thu 10/9, Fri 10/10, make-up Sat 10/11
		// Whole years. 2024: 262 Mon–Fri (leap year starting Monday), 19 holidays fall on
		// weekdays, 8 make-up days → 251. 2025: 261 Mon–Fri, 18 weekday holidays, 5 make-up
		// → 248. 2026: 261 Mon–Fri, 19 weekday holidays, 6 make-up → 248. (Each is also
		// 365/366 − weekend days − 11 or, from 2025, 13 statutory holidays.)
		{"2023-12-31", "2024-12-31", 251, false},
		{"2024-12-31", "2025-12-31", 248, false},
		{"2025-12-31", "2026-12-31", 248, false},
		{"2023-12-31", "2026-12-31", 251 + 248 + 248, false},
		{"2026-12-31", "2027-01-04", 2, true}, // Fri 1/1 and Mon 1/4 by Mon–Fri
		{"2027-01-04", "2026-12-31", -2, true},
	}
	for _, tt := range tests {
		n, p := cal.WorkdaysBetween(calTestDay(t, tt.from), calTestDay(t, tt.to))
		if n != tt.n || p != tt.prov {
			t.Errorf("WorkdaysBetween(%s, %s) = %d,%v; want %d,%v", tt.from, tt.to, n, p, tt.n, tt.prov)
		}
	}
}

// Property: for every start day from late 2023 to early 2028 (so data and no data, year
// boundaries, every holiday) and n in 0..40, AddWorkdays lands on the first day that makes
// WorkdaysBetween equal n, and both agree on provisional.
func TestCalendarWorkdaysBetweenMatchesAddWorkdays(t *testing.T) {
	cal := DefaultCalendar()
	start, end := calTestDay(t, "2023-11-01"), calTestDay(t, "2028-02-29")
	for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
		for n := 0; n <= 40; n++ {
			due, prov := cal.AddWorkdays(d, n)
			got, gotProv := cal.WorkdaysBetween(d, due)
			if got != n || gotProv != prov {
				t.Fatalf("from %s n=%d: due %s prov %v, but WorkdaysBetween = %d,%v",
					d.Format(time.DateOnly), n, calTestFmt(due), prov, got, gotProv)
			}
			if back, _ := cal.WorkdaysBetween(due, d); back != -n {
				t.Fatalf("from %s n=%d: reversed WorkdaysBetween = %d", d.Format(time.DateOnly), n, back)
			}
			if n > 0 {
				if w, _ := cal.IsWorkday(due); !w {
					t.Fatalf("from %s n=%d: due %s is not a workday", d.Format(time.DateOnly), n, calTestFmt(due))
				}
				if before, _ := cal.WorkdaysBetween(d, due.AddDate(0, 0, -1)); before != n-1 {
					t.Fatalf("from %s n=%d: the day before due already has %d", d.Format(time.DateOnly), n, before)
				}
				// Backwards from the due date lands on the last working day on or before d.
				prev, _ := cal.AddWorkdays(due, -n)
				if c, _ := cal.WorkdaysBetween(prev, d); c != 0 && !(c == 1 && calTestIsWork(cal, d)) {
					t.Fatalf("from %s n=%d: back to %s", d.Format(time.DateOnly), n, calTestFmt(prev))
				}
			}
		}
	}
}

func calTestIsWork(cal *Calendar, d time.Time) bool { w, _ := cal.IsWorkday(d); return w }

// WorkdaysBetween counts arithmetically; check it against a plain day-by-day count over
// random ranges, long ones across known and unknown years included.
func TestCalendarWorkdaysBetweenBruteForce(t *testing.T) {
	cal := DefaultCalendar()
	r := rand.New(rand.NewPCG(1, 2))
	base := calTestDay(t, "2022-06-01")
	for i := 0; i < 400; i++ {
		from := base.AddDate(0, 0, r.IntN(365*6))
		to := from.AddDate(0, 0, r.IntN(800)-400)
		a, b, sign := from, to, 1
		if b.Before(a) {
			a, b, sign = b, a, -1
		}
		want, wantProv := 0, false
		for d := a.AddDate(0, 0, 1); !d.After(b); d = d.AddDate(0, 0, 1) {
			w, k := cal.IsWorkday(d)
			if w {
				want++
			}
			wantProv = wantProv || !k
		}
		if got, p := cal.WorkdaysBetween(from, to); got != sign*want || p != wantProv {
			t.Fatalf("WorkdaysBetween(%s, %s) = %d,%v; want %d,%v",
				from.Format(time.DateOnly), to.Format(time.DateOnly), got, p, sign*want, wantProv)
		}
	}
	// Far from the origin of the day numbering, both ways.
	if n, p := cal.WorkdaysBetween(time.Date(1900, 1, 1, 0, 0, 0, 0, ChinaTZ), time.Date(1900, 1, 8, 0, 0, 0, 0, ChinaTZ)); n != 5 || !p {
		t.Errorf("1900 week: %d,%v; want 5,true", n, p)
	}
}

// Calendar days are China calendar days whatever zone the instant is given in.
func TestCalendarTimeZones(t *testing.T) {
	cal := DefaultCalendar()
	// 2025-01-24 20:00 UTC is already Saturday 2025-01-25 04:00 in China.
	late := time.Date(2025, 1, 24, 20, 0, 0, 0, time.UTC)
	if w, _ := cal.IsWorkday(late); w {
		t.Error("2025-01-24 20:00 UTC is a Saturday in China, not a workday")
	}
	if due, _ := cal.AddWorkdays(late, 1); calTestFmt(due) != calTestEnd("2025-01-26") {
		t.Errorf("AddWorkdays(late, 1) = %s, want 2025-01-26 (make-up Sunday)", calTestFmt(due))
	}
	// 2025-01-27 15:59:59 UTC is still Monday in China; one second later it is Tuesday 除夕.
	mon := time.Date(2025, 1, 27, 15, 59, 59, 0, time.UTC)
	if w, _ := cal.IsWorkday(mon); !w {
		t.Error("2025-01-27 23:59:59 CST should be a workday")
	}
	if w, _ := cal.IsWorkday(mon.Add(time.Second)); w || cal.HolidayName(mon.Add(time.Second)) != "春节" {
		t.Error("2025-01-28 00:00:00 CST should be 春节 off")
	}
	// The end of a due day counts as that day.
	due, _ := cal.AddWorkdays(calTestDay(t, "2025-01-24"), 5)
	if n, _ := cal.WorkdaysBetween(due, calTestDay(t, "2025-02-07")); n != 0 {
		t.Errorf("due day vs same day = %d, want 0", n)
	}
	// 2025-01-23 12:00 in New York is Friday 1/24 01:00 in China: (Fri 1/24, Mon 1/27] holds
	// the make-up Sunday and the Monday, so 2 (it would be 3 if read as Thursday).
	ny := time.FixedZone("EST", -5*3600)
	if n, _ := cal.WorkdaysBetween(time.Date(2025, 1, 23, 12, 0, 0, 0, ny), calTestDay(t, "2025-01-27")); n != 2 {
		t.Errorf("WorkdaysBetween from EST = %d, want 2", n)
	}
}

func TestCalendarAddCalendarDays(t *testing.T) {
	tests := []struct {
		from time.Time
		n    int
		want string
	}{
		// 征信业管理条例 art. 25: 20 days, natural days, holidays not skipped.
		{calTestDay(t, "2025-01-24"), 20, "2025-02-13"},
		{calTestDay(t, "2025-01-24"), 0, "2025-01-24"},
		{calTestDay(t, "2025-01-24"), -24, "2024-12-31"},
		{calTestDay(t, "2024-02-20"), 10, "2024-03-01"},                    // leap year
		{time.Date(2025, 1, 24, 16, 30, 0, 0, time.UTC), 20, "2025-02-14"}, // already 1/25 in China
		{calTestDay(t, "2027-12-25"), 30, "2028-01-24"},
	}
	for _, tt := range tests {
		if got := calTestFmt(AddCalendarDays(tt.from, tt.n)); got != calTestEnd(tt.want) {
			t.Errorf("AddCalendarDays(%s, %d) = %s, want %s", tt.from, tt.n, got, calTestEnd(tt.want))
		}
	}
}

const calTestGood = `{"year": 2030, "source": "test notice",
 "holidays": [{"date": "2030-10-02", "name": "国庆节"}, {"date": "2030-10-01", "name": "国庆节"}],
 "workdays": [{"date": "2030-09-29", "name": "国庆节"}]}`

func TestCalendarParseAccepts(t *testing.T) {
	y, err := ParseCalendarYear([]byte(calTestGood))
	if err != nil {
		t.Fatal(err)
	}
	if y.Year != 2030 || y.Source != "test notice" || len(y.Holidays) != 2 || len(y.Workdays) != 1 {
		t.Fatalf("parsed %+v", y)
	}
	if y.Holidays[0].Date != "2030-10-01" {
		t.Errorf("holidays not sorted: %v", y.Holidays)
	}
}

func TestCalendarParseRejects(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"not json", `{"year": 2025,`, "not valid JSON"},
		{"trailing data", calTestGood + `{}`, "extra content"},
		{"unknown field", `{"year": 2030, "source": "x", "holiday": []}`, "unknown field"},
		{"year as text", `{"year": "2030"}`, "not valid JSON"},
		{"missing year", `{"source": "x", "holidays": [{"date": "2030-01-01", "name": "元旦"}]}`, "four-digit year"},
		{"missing source", `{"year": 2030, "holidays": [{"date": "2030-01-01", "name": "元旦"}]}`, "source"},
		{"no holidays", `{"year": 2030, "source": "x", "holidays": []}`, "holidays\" is empty"},
		{"impossible date", `{"year": 2025, "source": "x", "holidays": [{"date": "2025-02-30", "name": "春节"}]}`,
			`holidays[0] "2025-02-30": not a valid date`},
		{"slashes", `{"year": 2025, "source": "x", "holidays": [{"date": "2025/01/01", "name": "元旦"}]}`, "not a valid date"},
		{"no padding", `{"year": 2025, "source": "x", "holidays": [{"date": "2025-1-1", "name": "元旦"}]}`, "not a valid date"},
		{"wrong year", `{"year": 2025, "source": "x", "holidays": [{"date": "2024-12-31", "name": "元旦"}]}`,
			"not in year 2025"},
		{"weekday make-up", `{"year": 2025, "source": "x", "holidays": [{"date": "2025-01-01", "name": "元旦"}],
			"workdays": [{"date": "2025-01-27", "name": "春节"}]}`, "must be a Saturday or Sunday, this is a Monday"},
		{"holiday and workday", `{"year": 2025, "source": "x", "holidays": [{"date": "2025-01-26", "name": "春节"}],
			"workdays": [{"date": "2025-01-26", "name": "春节"}]}`, "both a holiday and a make-up workday"},
		{"duplicate holiday", `{"year": 2025, "source": "x", "holidays": [{"date": "2025-01-01", "name": "元旦"},
			{"date": "2025-01-01", "name": "春节"}]}`, "listed twice"},
		{"empty name", `{"year": 2025, "source": "x", "holidays": [{"date": "2025-01-01", "name": " "}]}`, "name\" is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCalendarYear([]byte(tt.data))
			if err == nil {
				t.Fatalf("accepted; want error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not contain %q", err, tt.want)
			}
		})
	}
	// Every problem is reported, each with its Chinese explanation.
	_, err := ParseCalendarYear([]byte(`{"year": 2025, "source": "x", "holidays": [{"date": "2025-13-01", "name": "a"},
		{"date": "2026-01-01", "name": "b"}], "workdays": [{"date": "2025-01-27", "name": "c"}]}`))
	for _, want := range []string{"日期无效", "日期不在 2025 年内", "调休上班日必须是周六或周日"} {
		if err == nil || !strings.Contains(err.(interface{ Message(string) string }).Message("zh"), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

func TestCalendarWith(t *testing.T) {
	base := DefaultCalendar()
	y2027 := CalendarYear{Year: 2027, Source: "test", Holidays: []CalendarDay{{"2027-01-01", "元旦"}},
		Workdays: []CalendarDay{{"2027-01-02", "元旦"}}}
	cal := base.With(y2027)
	if got := cal.Years(); !slices.Equal(got, []int{2024, 2025, 2026, 2027}) {
		t.Fatalf("Years() = %v", got)
	}
	if base.Known(2027) {
		t.Fatal("With changed the receiver")
	}
	// The caller keeps its slices; changing them must not change the calendar.
	y2027.Holidays[0].Date = "2027-01-05"
	if w, k := cal.IsWorkday(calTestDay(t, "2027-01-01")); w || !k {
		t.Errorf("2027-01-01 = %v,%v; want off, known", w, k)
	}
	if w, _ := cal.IsWorkday(calTestDay(t, "2027-01-02")); !w {
		t.Error("2027-01-02 should be a make-up workday")
	}
	// Fri 2026-12-31 + 1 now skips 1/1 to the (test) make-up Saturday, no longer provisional.
	if due, p := cal.AddWorkdays(calTestDay(t, "2026-12-31"), 1); calTestFmt(due) != calTestEnd("2027-01-02") || p {
		t.Errorf("AddWorkdays = %s,%v", calTestFmt(due), p)
	}
	// Replacing a year.
	repl := cal.With(CalendarYear{Year: 2025, Source: "revised", Holidays: []CalendarDay{{"2025-01-01", "元旦"}}})
	if w, _ := repl.IsWorkday(calTestDay(t, "2025-01-28")); !w {
		t.Error("replaced 2025 should no longer have 春节")
	}
	if w, _ := cal.IsWorkday(calTestDay(t, "2025-01-28")); w {
		t.Error("replacing in a copy changed the original")
	}
	// Year hands out a copy.
	got, _ := base.Year(2025)
	got.Holidays[0].Name = "changed"
	if again, _ := base.Year(2025); again.Holidays[0].Name != "元旦" {
		t.Error("Year() exposed internal data")
	}
	// NewCalendar: a later duplicate year wins.
	c2 := NewCalendar(CalendarYear{Year: 2030, Source: "a", Holidays: []CalendarDay{{"2030-01-01", "元旦"}}},
		CalendarYear{Year: 2030, Source: "b", Holidays: []CalendarDay{{"2030-01-02", "元旦"}}})
	if y, _ := c2.Year(2030); y.Source != "b" {
		t.Errorf("later year should win, got %q", y.Source)
	}
}

func TestCalendarNewPanicsOnInvalidYear(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "must be a Saturday or Sunday") {
			t.Errorf("panic = %v", r)
		}
	}()
	NewCalendar(CalendarYear{Year: 2025, Source: "x", Holidays: []CalendarDay{{"2025-01-01", "元旦"}},
		Workdays: []CalendarDay{{"2025-01-27", "春节"}}})
}

func TestCalendarConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			cal := DefaultCalendar()
			d := time.Date(2025, 1, 20+i, 9, 0, 0, 0, ChinaTZ)
			for n := range 50 {
				due, _ := cal.AddWorkdays(d, n)
				cal.WorkdaysBetween(d, due)
				cal.IsWorkday(due)
				cal.HolidayName(due)
				cal.With(CalendarYear{Year: 2030, Source: "x", Holidays: []CalendarDay{{"2030-01-01", "元旦"}}}).Years()
			}
		})
	}
	wg.Wait()
}
