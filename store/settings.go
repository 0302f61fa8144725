package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"

	"repairdesk/store/kv"
	"repairdesk/workflow"
)

// Settings are the office's configuration, changed by admins and shared by all sessions.
type Settings struct {
	SLA        workflow.SLA            `json:"sla"`
	Letterhead workflow.LetterSettings `json:"letterhead"`
	// CalendarYears are years imported by an admin; they replace the shipped ones.
	CalendarYears []workflow.CalendarYear `json:"calendar_years,omitempty"`
	// LetterDir holds an admin's adapted letter templates ("" = the shipped ones). Kinds
	// or languages it lacks fall back to the shipped templates.
	LetterDir string `json:"letter_dir,omitempty"`

	cal     *workflow.Calendar
	letters *workflow.LetterSet
	// raw is the stored form these settings were read from or written as (nil: none
	// stored, the defaults): a transaction compares it with the row it reads.
	raw []byte
	// LetterErr says why the admin's templates could not be used (the shipped ones are).
	LetterErr error `json:"-"`
}

// clone deep-copies what a change may edit, so a failed or racing change never touches
// the settings in force.
func (st *Settings) clone() Settings {
	n := *st
	n.SLA.Stage = maps.Clone(st.SLA.Stage)
	n.SLA.Case = maps.Clone(st.SLA.Case)
	if st.SLA.TypeStage != nil {
		n.SLA.TypeStage = make(map[string]map[workflow.Stage]workflow.Limit, len(st.SLA.TypeStage))
		for k, v := range st.SLA.TypeStage {
			n.SLA.TypeStage[k] = maps.Clone(v)
		}
	}
	n.CalendarYears = make([]workflow.CalendarYear, len(st.CalendarYears))
	for i, y := range st.CalendarYears {
		y.Holidays = slices.Clone(y.Holidays)
		y.Workdays = slices.Clone(y.Workdays)
		n.CalendarYears[i] = y
	}
	return n
}

// Calendar is the working-day calendar in force.
func (st *Settings) Calendar() *workflow.Calendar { return st.cal }

// Letters are the letter templates in force.
func (st *Settings) Letters() *workflow.LetterSet { return st.letters }

func defaultSettings() Settings {
	// No letterhead: a new office sets its own (repairdesk agency set, :agency); until then
	// letters say the name is not set and the staff are warned when issuing one.
	return Settings{SLA: workflow.DefaultSLA()}
}

func (st *Settings) build() {
	st.cal = workflow.DefaultCalendar()
	if len(st.CalendarYears) > 0 {
		st.cal = st.cal.With(st.CalendarYears...)
	}
	if st.letters == nil {
		st.letters = workflow.DefaultLetters()
		st.LetterErr = nil
		if st.LetterDir != "" {
			// Loaded, never rendered: opening a store runs no template (they were rendered
			// on sample cases by repairdesk letters use, and each letter is rendered within
			// limits when it is made).
			ls, err := workflow.LoadLetterTemplates(os.DirFS(st.LetterDir))
			if err != nil {
				// Letters must still be produced: keep the shipped templates, say why.
				st.LetterErr = fmt.Errorf("letter templates in %s: %w", st.LetterDir, err)
			} else {
				st.letters = ls
			}
		}
	}
}

// Settings returns the settings in force (do not modify).
func (s *Store) Settings() *Settings { return s.settings.Load() }

func (s *Store) loadSettings() error {
	var raw []byte
	err := s.view(func(tx kv.Tx) error {
		raw = bytes.Clone(tx.Bucket(bSettings).Get(settingsKey))
		return nil
	})
	if err != nil {
		return err
	}
	st, err := parseSettings(raw, nil)
	if err != nil {
		return err
	}
	s.settings.Store(st)
	return nil
}

var settingsKey = []byte("settings")

// parseSettings reads the stored settings raw (nil: the defaults). letters, when not
// nil, are the letter templates to keep instead of loading them again.
func parseSettings(raw []byte, letters *workflow.LetterSet) (*Settings, error) {
	st := defaultSettings()
	if raw != nil {
		if err := json.Unmarshal(raw, &st); err != nil {
			return nil, err
		}
	}
	if st.SLA.Stage == nil {
		st.SLA = workflow.DefaultSLA()
	}
	st.letters = letters
	st.build()
	st.raw = raw
	return &st, nil
}

// judgeFor is the late judge of the settings stored as raw.
type judgeFor struct {
	raw []byte
	j   *workflow.LateJudge
}

// lateJudgeIn judges stages left late by the settings stored in tx's snapshot, not by
// those this node last heard of: on a shared case base another node's admin may have
// changed the stage limits or the calendar, and the change feed tells this node later.
// Reading the row makes a concurrent change of it a serialization conflict (the commit
// runs again and sees it). The judge is kept while the row stays the same.
func (s *Store) lateJudgeIn(tx kv.Tx) (*workflow.LateJudge, error) {
	raw := tx.Bucket(bSettings).Get(settingsKey)
	if c := s.judge.Load(); c != nil && bytes.Equal(c.raw, raw) {
		return c.j, nil
	}
	st := s.Settings()
	if !bytes.Equal(st.raw, raw) {
		var err error
		// Only the stage limits and the calendar are used: the templates in force are
		// kept rather than loaded.
		if st, err = parseSettings(bytes.Clone(raw), st.Letters()); err != nil {
			return nil, fmt.Errorf("the settings are unreadable: %w", err)
		}
	}
	j := lateJudge(st)
	s.judge.Store(&judgeFor{raw: st.raw, j: j})
	return j, nil
}

// UpdateSettings changes the settings (admins only; the caller checks the role) and
// recomputes every deadline.
func (s *Store) UpdateSettings(actor workflow.Staff, change func(*Settings) error) error {
	if !actor.Role.CanAdminister() || !actor.Active {
		return workflow.Refuse("role", "store.settings_denied")
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var st Settings
	if err := s.update(func(tx kv.Tx) error {
		// The change applies to the settings stored now, not to those this node last
		// heard of: on a shared case base another node's admin may have changed them,
		// and a change made to an older copy would undo that one (and judge the late
		// flags against the wrong limits).
		prev := s.Settings()
		if raw := tx.Bucket(bSettings).Get(settingsKey); !bytes.Equal(raw, prev.raw) {
			p, err := parseSettings(bytes.Clone(raw), nil)
			if err != nil {
				return fmt.Errorf("the settings are unreadable: %w", err)
			}
			prev = p
		}
		st = prev.clone()
		if err := change(&st); err != nil {
			return err
		}
		st.letters = nil
		st.build()
		// Stages left late are judged by the stage limits and the calendar: a change of
		// either rewrites the results table's late flags in the same transaction.
		relate := !reflect.DeepEqual(prev.SLA.Stage, st.SLA.Stage) ||
			(len(prev.CalendarYears) > 0 || len(st.CalendarYears) > 0) && !reflect.DeepEqual(prev.CalendarYears, st.CalendarYears)
		b, err := json.Marshal(&st)
		if err != nil {
			return err
		}
		st.raw = b
		if err := tx.Bucket(bSettings).Put(settingsKey, b); err != nil {
			return err
		}
		if relate && s.resultsReady(tx) {
			if err := rewriteLate(tx, lateJudge(&st)); err != nil {
				return err
			}
		}
		// The open cases' entries hold their deadlines: a change of what a deadline is
		// worked out from writes them again, in the same transaction.
		if s.resultsReady(tx) {
			if err := s.rewriteOpen(tx, lateJudge(prev), lateJudge(&st)); err != nil {
				return err
			}
		}
		kv.Feed(tx, "settings", 0)
		return s.audit(tx, actor.Name, "settings", "")
	}); err != nil {
		return err
	}
	s.settings.Store(&st)
	s.recomputeDue()
	s.publish(Change{Topic: "settings", Actor: actor.Name, At: s.opts.Now()})
	return nil
}
