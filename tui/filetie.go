package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/workflow"
)

// Tying an attached file (sent with scp or sftp to cases/<number>/) to a checklist item
// or a finding: t on the materials tab ties one to the item selected; on the findings
// tab, to a finding (asked when there are several). A picker lists the case's files,
// newest first; the tie is an event (workflow.ActTieFile) with the file's digest, and the
// tab then shows the file under the item or the finding.

// pickScreen chooses one of a few lines.
type pickScreen struct {
	c     *Common
	title string
	items []string
	sel   int
	done  func(i int) tea.Cmd
}

func newPick(c *Common, title string, items []string, done func(int) tea.Cmd) *pickScreen {
	return &pickScreen{c: c, title: title, items: items, done: done}
}

func (p *pickScreen) Typing() bool           { return false }
func (p *pickScreen) Update(tea.Msg) tea.Cmd { return nil }

func (p *pickScreen) Bindings() []Binding {
	k := p.c.Keys
	return []Binding{
		on(k.Up, func(tea.KeyMsg) tea.Cmd { p.sel = max(0, p.sel-1); return nil }),
		on(k.Down, func(tea.KeyMsg) tea.Cmd { p.sel = min(len(p.items)-1, p.sel+1); return nil }),
		on(k.Enter, func(tea.KeyMsg) tea.Cmd {
			p.c.send(popMsg{p})
			return p.done(p.sel)
		}).main(),
		on(k.Close, func(tea.KeyMsg) tea.Cmd { p.c.send(popMsg{p}, statusMsg{p.c.T("queue.cancelled"), false}); return nil }).main(),
	}
}

func (p *pickScreen) View(w, h int) string {
	st := p.c.Styles
	lines := []string{st.Title.Render(cut(p.title, w)), ""}
	for i, it := range p.items {
		if i == p.sel {
			lines = append(lines, st.FieldFocus.Render("▸ ")+cut(it, w-2))
		} else {
			lines = append(lines, "  "+cut(it, w-2))
		}
	}
	return clampLines(lines, w, h)
}

// tieOff says why t does nothing now ("" when it works).
func (v *caseView) tieOff() string {
	c := v.c
	switch {
	case !v.loaded:
		return c.T("case.loading")
	case v.tab != ctMaterials && v.tab != ctFindings:
		return c.T("tie.only_tabs")
	case len(v.cs.Files) == 0:
		return c.T("tie.no_files", v.cs.No)
	case v.tab == ctMaterials && len(v.cs.Materials) == 0:
		return c.T("case.no_materials")
	case v.tab == ctFindings && len(v.cs.Findings) == 0:
		return c.T("case.no_findings")
	}
	if r := c.Store.Rules().Check(&v.cs, c.Me, workflow.ActTieFile, c.Now()); r != nil {
		return r.Message(c.Lang)
	}
	return ""
}

// tieFile opens the picker of the case's files, then ties the one chosen.
func (v *caseView) tieFile(tea.KeyMsg) tea.Cmd {
	c := v.c
	files := slices.Clone(v.cs.Files)
	slices.Reverse(files) // newest first
	items := make([]string, len(files))
	for i, f := range files {
		items[i] = workflow.LinkOf(f).Short() + "  " + c.staffName(f.By)
	}
	var title string
	var target func(link workflow.FileLink) tea.Cmd
	if v.tab == ctMaterials {
		m := v.cs.Materials[v.matSel]
		title = c.T("tie.pick_material", shown(m.Name(c.Lang)))
		target = func(link workflow.FileLink) tea.Cmd {
			return v.apply(workflow.Action{Kind: workflow.ActTieFile, Tie: &workflow.FileTie{File: link, Material: m.Key}})
		}
	} else {
		title = c.T("tie.pick_finding_file")
		target = func(link workflow.FileLink) tea.Cmd { return v.pickFinding(link) }
	}
	c.send(pushMsg{newPick(c, title, items, func(i int) tea.Cmd { return target(workflow.LinkOf(files[i])) })})
	return nil
}

// pickFinding ties link to the only current finding, or asks which.
func (v *caseView) pickFinding(link workflow.FileLink) tea.Cmd {
	c := v.c
	var nums []int
	var items []string
	for i, f := range v.cs.Findings {
		if !f.Current() {
			continue
		}
		nums = append(nums, i+1)
		items = append(items, fmt.Sprintf("%d. %s · %s", i+1, labelOf("result", f.Result, c.Lang), cut(shownText(f.Checked), 60)))
	}
	tie := func(n int) tea.Cmd {
		return v.apply(workflow.Action{Kind: workflow.ActTieFile, Tie: &workflow.FileTie{File: link, Finding: n}})
	}
	if len(nums) == 1 {
		return tie(nums[0])
	}
	if len(nums) == 0 { // every finding superseded: any of them, by number
		for i, f := range v.cs.Findings {
			nums = append(nums, i+1)
			items = append(items, fmt.Sprintf("%d. %s", i+1, labelOf("result", f.Result, c.Lang)))
		}
	}
	c.send(pushMsg{newPick(c, c.T("tie.pick_finding", link.Short()), items, func(i int) tea.Cmd { return tie(nums[i]) })})
	return nil
}

// tiedLines are the files tied to an item or a finding, for its tab.
func (v *caseView) tiedLines(links []workflow.FileLink, indent string, w int) []string {
	var out []string
	for _, l := range links {
		out = append(out, indent+v.c.Styles.Muted.Render(cut(v.c.T("tie.file", l.Short()), w-len(indent))))
	}
	return out
}

// tieChange is a tie_file event's change in the history: the item or finding ← the file.
func (v *caseView) tieChange(ch workflow.Change) string {
	file := ch.New
	if name, hash, ok := strings.Cut(ch.New, " sha256:"); ok && len(hash) > 12 {
		file = name + " · sha256:" + hash[:12] + "…"
	}
	if k, ok := strings.CutPrefix(ch.Field, "tie.material."); ok {
		name := workflow.Label("material", k, v.c.Lang)
		for _, m := range v.cs.Materials {
			if m.Key == k {
				name = m.Name(v.c.Lang)
			}
		}
		return v.c.T("tie.hist_material", shown(name), shown(file))
	}
	n, _ := strconv.Atoi(strings.TrimPrefix(ch.Field, "tie.finding."))
	return v.c.T("tie.hist_finding", n, shown(file))
}
