package workflow

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"repairdesk/internal/msg"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ChinaTZ is UTC+8 as a fixed zone (no tzdata dependency). All dates are interpreted as
// calendar days in this zone. China has had no daylight saving since 1991.
var ChinaTZ = time.FixedZone("CST", 8*3600)

// The official holiday arrangement is published by the State Council General Office once a
// year (usually in the autumn before), so it is kept as data, one file per year.
//
//go:embed calendardata/*.json
var calendarDataFS embed.FS

// CalendarYear is one year's official arrangement: the days off (every day of each holiday
// span, weekends included) and the 调休 make-up weekend days that are worked instead.
type CalendarYear struct {
	Year     int           `json:"year"`
	Source   string        `json:"source"` // the notice, e.g. 国办发明电〔2024〕12号
	Holidays []CalendarDay `json:"holidays"`
	Workdays []CalendarDay `json:"workdays"`
}

// CalendarDay is one date (YYYY-MM-DD) and the holiday it belongs to, e.g. 春节.
type CalendarDay struct {
	Date string `json:"date"`
	Name string `json:"name"`
}

// ParseCalendarYear reads one year's JSON file and validates it (see CalendarYear.Validate).
// Unknown fields are refused so that a misspelt key cannot silently drop a list. The
// returned lists are sorted by date.
func ParseCalendarYear(data []byte) (CalendarYear, error) {
	var y CalendarYear
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&y); err != nil {
		// encoding/json speaks English: say where in the reader's language, and keep
		// its words for the English.
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return CalendarYear{}, msg.Errorf("cal.bad_json_at", se.Offset, err)
		case errors.As(err, &te):
			return CalendarYear{}, msg.Errorf("cal.bad_field", te.Field, err)
		}
		return CalendarYear{}, msg.Errorf("cal.bad_json", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return CalendarYear{}, msg.Errorf("cal.extra")
	}
	if err := y.Validate(); err != nil {
		return CalendarYear{}, err
	}
	return y.normalized(), nil
}

// calMaxErrors caps the problems listed for one file; beyond it the file is clearly wrong.
const calMaxErrors = 20

// Validate checks a year as ParseCalendarYear does: a plausible year, a cited source, at
// least one holiday, every date well formed and inside the year, names present, make-up
// workdays on a Saturday or Sunday, and no date listed twice (in particular not as both a
// holiday and a workday). All problems are reported, one per line.
func (y CalendarYear) Validate() error {
	var errs []any
	add := func(key string, args ...any) {
		errs = append(errs, msg.M(key, args...))
	}
	yearOK := y.Year >= 1000 && y.Year <= 9999
	if !yearOK {
		add("cal.year", y.Year)
	}
	if strings.TrimSpace(y.Source) == "" {
		add("cal.source")
	}
	if len(y.Holidays) == 0 {
		add("cal.holidays")
	}
	seen := map[string]string{} // date → where it was first listed
	check := func(list string, days []CalendarDay, makeUp bool) {
		for i, d := range days {
			where := fmt.Sprintf("%s[%d] %q", list, i, d.Date)
			t, err := time.Parse(time.DateOnly, d.Date)
			if err != nil || t.Format(time.DateOnly) != d.Date {
				add("cal.date", where)
				continue
			}
			if yearOK && t.Year() != y.Year {
				add("cal.date_year", where, y.Year)
				continue
			}
			if strings.TrimSpace(d.Name) == "" {
				add("cal.name", where)
			}
			if wd := t.Weekday(); makeUp && wd != time.Saturday && wd != time.Sunday {
				add("cal.workday", where, msg.M("cal.weekday_"+strings.ToLower(wd.String())))
			}
			if first, dup := seen[d.Date]; dup {
				if strings.HasPrefix(first, list+"[") {
					add("cal.twice", where, first)
				} else {
					add("cal.both", where, first)
				}
				continue
			}
			seen[d.Date] = where
		}
	}
	check("holidays", y.Holidays, false)
	check("workdays", y.Workdays, true)
	if len(errs) == 0 {
		return nil
	}
	if len(errs) > calMaxErrors {
		n := len(errs) - calMaxErrors
		errs = append(errs[:calMaxErrors], msg.M("cal.more", n))
	}
	name := "?"
	if y.Year != 0 {
		name = strconv.Itoa(y.Year)
	}
	return msg.Errorf("cal.invalid", name, msg.M("cal.problems", calLines(errs)))
}

// normalized returns a deep copy with trimmed text and both lists sorted by date.
func (y CalendarYear) normalized() CalendarYear {
	out := CalendarYear{Year: y.Year, Source: strings.TrimSpace(y.Source)}
	norm := func(days []CalendarDay) []CalendarDay {
		c := make([]CalendarDay, len(days))
		for i, d := range days {
			c[i] = CalendarDay{Date: d.Date, Name: strings.TrimSpace(d.Name)}
		}
		slices.SortStableFunc(c, func(a, b CalendarDay) int { return strings.Compare(a.Date, b.Date) })
		return c
	}
	out.Holidays = norm(y.Holidays)
	out.Workdays = norm(y.Workdays)
	return out
}

// Calendar is immutable and safe for concurrent use. A nil *Calendar behaves as a calendar
// with no data: Monday to Friday, everything provisional.
type Calendar struct {
	years map[int]*calYearData
}

type calKind uint8

const (
	calOrdinary calKind = iota // Monday–Friday work, weekend off
	calHoliday                 // official day off
	calMakeUp                  // 调休: a weekend day worked
)

// calYearData is one year indexed by day of year, built once and never changed.
type calYearData struct {
	src    CalendarYear // normalized copy, handed out by Year
	kind   [366]calKind
	name   [366]string
	deltas []calDelta // how the year differs from Monday–Friday, for counting ranges
}

// calDelta is +1 for a make-up weekend day, −1 for a holiday on a weekday.
type calDelta struct {
	day   calDay
	delta int
}

func newCalYearData(y CalendarYear) *calYearData {
	if err := y.Validate(); err != nil {
		// Years reach a Calendar through ParseCalendarYear or the tested embedded files;
		// anything else is a programming error.
		panic("workflow: NewCalendar: " + err.Error())
	}
	y = y.normalized()
	d := &calYearData{src: y}
	mark := func(days []CalendarDay, kind calKind) {
		for _, cd := range days {
			t, _ := time.Parse(time.DateOnly, cd.Date) // validated above
			i := t.YearDay() - 1
			d.kind[i], d.name[i] = kind, cd.Name
			day := calDayOfCivil(t)
			switch {
			case kind == calMakeUp:
				d.deltas = append(d.deltas, calDelta{day, +1})
			case calWeekday(t):
				d.deltas = append(d.deltas, calDelta{day, -1})
			}
		}
	}
	mark(y.Holidays, calHoliday)
	mark(y.Workdays, calMakeUp)
	return d
}

var calDefaultOnce = sync.OnceValue(func() *Calendar {
	years, err := calEmbeddedYears()
	if err != nil {
		panic(err) // the embedded files are tested
	}
	return NewCalendar(years...)
})

// DefaultCalendar is the calendar built from the years shipped with the program. It is parsed
// once; every call returns the same immutable value.
func DefaultCalendar() *Calendar { return calDefaultOnce() }

// calEmbeddedYears parses every embedded file and checks it is named after its year.
func calEmbeddedYears() ([]CalendarYear, error) {
	files, err := fs.Glob(calendarDataFS, "calendardata/*.json")
	if err != nil {
		return nil, err
	}
	var years []CalendarYear
	for _, f := range files {
		data, err := calendarDataFS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		y, err := ParseCalendarYear(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if want := fmt.Sprintf("calendardata/%d.json", y.Year); f != want {
			return nil, fmt.Errorf("%s: holds year %d, expected file %s", f, y.Year, want)
		}
		years = append(years, y)
	}
	return years, nil
}

// NewCalendar builds a calendar from these years; a later year with the same number wins.
// Each year must be valid (as returned by ParseCalendarYear): NewCalendar panics otherwise.
func NewCalendar(years ...CalendarYear) *Calendar {
	return (*Calendar)(nil).With(years...)
}

// With returns a copy of c with these years added, replacing any year already present.
// c itself is not changed. It panics on an invalid year, as NewCalendar does.
func (c *Calendar) With(years ...CalendarYear) *Calendar {
	n := &Calendar{years: map[int]*calYearData{}}
	if c != nil {
		maps.Copy(n.years, c.years) // the per-year data is immutable, so sharing it is safe
	}
	for _, y := range years {
		n.years[y.Year] = newCalYearData(y)
	}
	return n
}

// Years lists the years with official data, ascending.
func (c *Calendar) Years() []int {
	if c == nil {
		return []int{}
	}
	return slices.Sorted(maps.Keys(c.years))
}

// Known reports whether the calendar has official data for the year.
func (c *Calendar) Known(year int) bool {
	return c.year(year) != nil
}

// Year returns a copy of the data for one year (for showing or exporting it).
func (c *Calendar) Year(year int) (CalendarYear, bool) {
	d := c.year(year)
	if d == nil {
		return CalendarYear{}, false
	}
	return d.src.normalized(), true
}

func (c *Calendar) year(year int) *calYearData {
	if c == nil {
		return nil
	}
	return c.years[year]
}

// IsWorkday reports whether t's calendar day (in ChinaTZ) is a working day. With data for
// that year the official arrangement applies (holidays off, make-up days worked, otherwise
// Monday–Friday); without data it is Monday–Friday and known is false.
func (c *Calendar) IsWorkday(t time.Time) (work, known bool) {
	return c.isWorkday(calDayOf(t))
}

// HolidayName is the holiday t's calendar day belongs to, for a day off or a make-up
// workday alike ("" for an ordinary day or a year without data); use IsWorkday to tell
// which of the two it is.
func (c *Calendar) HolidayName(t time.Time) string {
	u := calDayOf(t).civil()
	if d := c.year(u.Year()); d != nil {
		return d.name[u.YearDay()-1]
	}
	return ""
}

// AddWorkdays returns the end (23:59:59 in ChinaTZ) of the day n working days after t's
// calendar day; t's own day is not counted and n=0 gives t's day. Negative n counts back:
// the |n|-th working day before t's day. provisional is true if any day walked over lies in
// a year without data, so the answer may move once that year is published.
func (c *Calendar) AddWorkdays(t time.Time, n int) (due time.Time, provisional bool) {
	day, step := calDayOf(t), calDay(1)
	if n < 0 {
		n, step = -n, -1
	}
	for n > 0 {
		day += step
		work, known := c.isWorkday(day)
		if !known {
			provisional = true
		}
		if work {
			n--
		}
	}
	return day.endOfDay(), provisional
}

// AddCalendarDays returns the end (23:59:59 in ChinaTZ) of the day n calendar days after t's
// day, for rules counted in natural days (e.g. 征信业管理条例 art. 25's 20 days). It needs no
// holiday data, so it is never provisional.
func AddCalendarDays(t time.Time, n int) time.Time {
	return (calDayOf(t) + calDay(n)).endOfDay()
}

// WorkdaysBetween counts the working days in (from, to], by calendar day in ChinaTZ; it is
// negative if to's day is before from's (then minus the count in (to, from]).
// provisional is true if any day counted over lies in a year without data.
// For n ≥ 0, WorkdaysBetween(t, AddWorkdays(t, n)) is n.
func (c *Calendar) WorkdaysBetween(from, to time.Time) (n int, provisional bool) {
	a, b := calDayOf(from), calDayOf(to)
	sign := 1
	if b < a {
		a, b, sign = b, a, -1
	}
	if a == b {
		return 0, false
	}
	// Monday–Friday arithmetically, then each known year's differences inside the range,
	// so that long spans cost one step per year rather than per day.
	n = int(calWeekdaysUpTo(b) - calWeekdaysUpTo(a))
	for y := (a + 1).civil().Year(); y <= b.civil().Year(); y++ {
		d := c.year(y)
		if d == nil {
			provisional = true
			continue
		}
		for _, x := range d.deltas {
			if x.day > a && x.day <= b {
				n += x.delta
			}
		}
	}
	return sign * n, provisional
}

func (c *Calendar) isWorkday(day calDay) (work, known bool) {
	u := day.civil()
	d := c.year(u.Year())
	if d == nil {
		return calWeekday(u), false
	}
	switch d.kind[u.YearDay()-1] {
	case calHoliday:
		return false, true
	case calMakeUp:
		return true, true
	}
	return calWeekday(u), true
}

// calDay numbers calendar days: 0 is 1970-01-01, whatever the time of day or zone.
type calDay int64

const calSecondsPerDay = 24 * 60 * 60

// calDayOf is t's calendar day in ChinaTZ.
func calDayOf(t time.Time) calDay {
	return calDayOfCivil(t.In(ChinaTZ))
}

// calDayOfCivil numbers the date as shown in t's own location.
func calDayOfCivil(t time.Time) calDay {
	y, m, d := t.Date()
	return calDay(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / calSecondsPerDay) // exact: midnight UTC
}

// civil is the day as midnight UTC, for reading its year, day of year and weekday.
func (d calDay) civil() time.Time {
	return time.Unix(int64(d)*calSecondsPerDay, 0).UTC()
}

// endOfDay is 23:59:59 of the day in ChinaTZ: a due date means "by the end of that day".
func (d calDay) endOfDay() time.Time {
	y, m, dd := d.civil().Date()
	return time.Date(y, m, dd, 23, 59, 59, 0, ChinaTZ)
}

func calWeekday(t time.Time) bool {
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// calWeekdaysUpTo counts Monday–Friday days up to and including d, from a fixed origin;
// only differences are meaningful. Day −3 (1969-12-29) was a Monday.
func calWeekdaysUpTo(d calDay) int64 {
	k := int64(d) + 3 + 1 // days from that Monday through d
	q, r := k/7, k%7
	if r < 0 { // floor division for days before the origin
		q, r = q-1, r+7
	}
	return 5*q + min(r, 5)
}

// calLines renders a calendar's problems one per line, each in the reader's language.
type calLines []any

func (l calLines) Localize(lang string) string {
	parts := make([]string, len(l))
	for i, p := range l {
		parts[i] = p.(msg.Message).Localize(lang)
	}
	return strings.Join(parts, "\n  - ")
}
