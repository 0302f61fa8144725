package store

import (
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
	st := defaultSettings()
	err := s.view(func(tx kv.Tx) error {
		if raw := tx.Bucket(bSettings).Get([]byte("settings")); raw != nil {
			return json.Unmarshal(raw, &st)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if st.SLA.Stage == nil {
		st.SLA = workflow.DefaultSLA()
	}
	st.build()
	s.settings.Store(&st)
	return nil
}

// UpdateSettings changes the settings (admins only; the caller checks the role) and
// recomputes every deadline.
func (s *Store) UpdateSettings(actor workflow.Staff, change func(*Settings) error) error {
	if !actor.Role.CanAdminister() || !actor.Active {
		return workflow.Refuse("role", "store.settings_denied")
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	prev := s.Settings()
	st := prev.clone()
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
	if err := s.update(func(tx kv.Tx) error {
		if err := tx.Bucket(bSettings).Put([]byte("settings"), b); err != nil {
			return err
		}
		if relate && resultsReady(tx) {
			if err := rewriteLate(tx, lateJudge(&st)); err != nil {
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
