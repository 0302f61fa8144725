package tui

import (
	"bytes"
	"os"
	"path/filepath"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/internal/reportout"
	"repairdesk/workflow"
)

// e on the dashboard writes the results table of the period shown — the figures, the
// workload per specialist and the weekly counts, as `repairdesk report` writes them — as
// CSV (for Excel) and Markdown, into the person's exports folder (on the server, the
// status line then says how to fetch it with scp; on a desk, the export directory).

// exportResults is the dashboard's e.
func (d *dashboard) exportResults(tea.KeyMsg) tea.Cmd {
	switch {
	case d.denied:
		return nil
	case d.c.ExportDir == "":
		d.c.status(d.c.T("letter.no_dir"), true)
		return nil
	case !d.haveRes || d.resFor != d.period:
		d.c.status(d.c.T("dash.export_wait"), true)
		return nil
	}
	csvPath, mdPath, err := writeResults(d.c, d.res, reportout.PeriodName(d.period, d.custom, d.c.Lang))
	switch {
	case err != nil:
		d.c.status(errMessage(d.c, err), true)
	case d.c.ExportFetch != nil:
		d.c.status(d.c.T("dash.exported_fetch", d.c.ExportFetch(filepath.Base(csvPath)), filepath.Base(mdPath)), false)
	default:
		d.c.status(d.c.T("dash.exported", csvPath, mdPath), false)
	}
	return nil
}

// writeResults writes res as results-<from>--<to>-<time>.csv and .md in the export
// directory, new files only (never over an existing one).
func writeResults(c *Common, res workflow.Results, title string) (csvPath, mdPath string, err error) {
	rep := reportout.Report{Res: res, Lang: c.Lang, Now: c.Now(), Name: func(n string) string {
		if n == "" {
			return "—"
		}
		return workflow.CleanLine(c.staffName(n))
	}, Title: title}
	var csvBuf, mdBuf bytes.Buffer
	if err := rep.CSV(&csvBuf); err != nil {
		return "", "", err
	}
	rep.Markdown(&mdBuf)
	if err := os.MkdirAll(c.ExportDir, 0o700); err != nil {
		return "", "", err
	}
	p := res.Period
	base := filepath.Join(c.ExportDir, "results-"+workflow.Day(p.From)+"--"+workflow.Day(p.To.AddDate(0, 0, -1))+"-"+
		c.Now().In(workflow.ChinaTZ).Format("20060102-150405"))
	csvPath, mdPath = base+".csv", base+".md"
	if err := writeNew(csvPath, csvBuf.Bytes()); err != nil {
		return "", "", err
	}
	if err := writeNew(mdPath, mdBuf.Bytes()); err != nil {
		os.Remove(csvPath)
		return "", "", err
	}
	return csvPath, mdPath, nil
}

// writeNew creates path with b, or fails if it exists.
func writeNew(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return err
	}
	return nil
}
