package tui

import "github.com/charmbracelet/lipgloss"

// Styles are built from one session's renderer, so each SSH client gets colours its own
// terminal understands.
type Styles struct {
	App, Title, Status, StatusErr, StatusOK, Demo   lipgloss.Style
	Tab, TabActive, TabCount                        lipgloss.Style
	Header, Row, RowSel, RowMarked, Muted, Faint    lipgloss.Style
	DueOK, DueSoon, DueOver, DuePaused              lipgloss.Style
	Label, Value, Section, Box, Err, Warn, OK, Key  lipgloss.Style
	Field, FieldFocus, Disabled, Overlay, Highlight lipgloss.Style
}

func NewStyles(r *lipgloss.Renderer) *Styles {
	accent := lipgloss.AdaptiveColor{Light: "#005F87", Dark: "#5FAFFF"}
	muted := lipgloss.AdaptiveColor{Light: "#6C6C6C", Dark: "#8A8A8A"}
	red := lipgloss.AdaptiveColor{Light: "#AF0000", Dark: "#FF5F5F"}
	amber := lipgloss.AdaptiveColor{Light: "#AF5F00", Dark: "#FFAF00"}
	green := lipgloss.AdaptiveColor{Light: "#005F00", Dark: "#87D787"}
	s := &Styles{}
	s.App = r.NewStyle()
	s.Title = r.NewStyle().Bold(true).Foreground(accent)
	s.Status = r.NewStyle().Foreground(muted)
	s.StatusErr = r.NewStyle().Foreground(red).Bold(true)
	s.StatusOK = r.NewStyle().Foreground(green)
	s.Demo = r.NewStyle().Reverse(true).Foreground(amber)
	s.Tab = r.NewStyle().Foreground(muted)
	s.TabActive = r.NewStyle().Bold(true).Underline(true).Foreground(accent)
	s.TabCount = r.NewStyle().Foreground(muted)
	s.Header = r.NewStyle().Bold(true).Foreground(muted)
	s.Row = r.NewStyle()
	s.RowSel = r.NewStyle().Reverse(true)
	s.RowMarked = r.NewStyle().Foreground(accent).Bold(true)
	s.Muted = r.NewStyle().Foreground(muted)
	s.Faint = r.NewStyle().Faint(true)
	s.DueOK = r.NewStyle()
	s.DueSoon = r.NewStyle().Foreground(amber).Bold(true)
	s.DueOver = r.NewStyle().Foreground(red).Bold(true)
	s.DuePaused = r.NewStyle().Foreground(muted).Italic(true)
	s.Label = r.NewStyle().Foreground(muted)
	s.Value = r.NewStyle()
	s.Section = r.NewStyle().Bold(true).Foreground(accent)
	s.Box = r.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(0, 1)
	s.Err = r.NewStyle().Foreground(red)
	s.Warn = r.NewStyle().Foreground(amber)
	s.OK = r.NewStyle().Foreground(green)
	s.Key = r.NewStyle().Bold(true).Foreground(accent)
	s.Field = r.NewStyle()
	s.FieldFocus = r.NewStyle().Foreground(accent).Bold(true)
	s.Disabled = r.NewStyle().Foreground(muted).Faint(true)
	s.Overlay = r.NewStyle().Border(lipgloss.DoubleBorder()).BorderForeground(accent).Padding(0, 1)
	s.Highlight = r.NewStyle().Foreground(accent).Bold(true)
	return s
}
