package workflow

import (
	"errors"
	"fmt"
	"regexp"
	"repairdesk/internal/msg"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"text/template/parse"
	"time"
)

// An admin's letter template is code the program runs: these bounds keep a wrong one
// ({{range 300000000}}, a template that calls itself, printf "%0900000000d") from
// hanging a command or the server, or filling the memory.
const (
	// LetterRenderTimeout bounds one rendering of a letter's title or body.
	LetterRenderTimeout = 2 * time.Second
	// LetterMaxOutput bounds the text of one letter, and any string a template builds.
	LetterMaxOutput = 1 << 20
	// letterMaxWidth bounds a printf width or precision in a template.
	letterMaxWidth = 1000
)

var (
	errLetterTooLong = msg.Errorf("letters.too_long", LetterMaxOutput)
	errLetterTimeout = msg.Errorf("letters.timeout", LetterRenderTimeout.String())
)

// limitedWriter keeps what a template writes, failing past max bytes or once stopped (the
// deadline passed): text/template stops at the first failed write, so a loop that writes
// is cut short even after its caller has given up waiting.
type limitedWriter struct {
	mu      sync.Mutex
	b       strings.Builder
	max     int
	stopped bool
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return 0, errLetterTimeout
	}
	if w.b.Len()+len(p) > w.max {
		return 0, errLetterTooLong
	}
	return w.b.Write(p)
}

func (w *limitedWriter) stop() {
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
}

// execLimited runs the template name of t ("" for t itself) on data, giving up after
// timeout and failing past max bytes. text/template cannot be interrupted: a loop that
// writes nothing would run on after the timeout, which is why vetTemplate refuses every
// loop not bounded by the letter's data, and the text-making functions are bounded.
func execLimited(t *template.Template, name string, data any, max int, timeout time.Duration) (string, error) {
	w := &limitedWriter{max: max}
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- msg.Errorf("letters.failed", fmt.Sprint(r))
			}
		}()
		if name == "" {
			done <- t.Execute(w, data)
		} else {
			done <- t.ExecuteTemplate(w, name, data)
		}
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case err := <-done:
		if err != nil {
			if errors.Is(err, errLetterTooLong) {
				return "", errLetterTooLong
			}
			return "", err
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.b.String(), nil
	case <-timer.C:
		w.stop()
		return "", errLetterTimeout
	}
}

// capped fails a string a template built that is longer than a letter may be.
func capped(s string) (string, error) {
	if len(s) > LetterMaxOutput {
		return "", errLetterTooLong
	}
	return s, nil
}

var printfWidth = regexp.MustCompile(`%[-+# 0]*(\*|[0-9]+)?(?:\.(\*|[0-9]+))?`)

// boundedPrintf is printf with widths and precisions up to letterMaxWidth (none given by
// an argument, *) and a result no longer than LetterMaxOutput.
func boundedPrintf(format string, a ...any) (string, error) {
	if len(format) > LetterMaxOutput {
		return "", errLetterTooLong
	}
	for _, m := range printfWidth.FindAllStringSubmatch(format, -1) {
		for _, n := range m[1:] {
			if n == "*" {
				return "", msg.Errorf("letters.printf_star")
			}
			if n != "" {
				if v, err := strconv.Atoi(n); err != nil || v > letterMaxWidth {
					return "", msg.Errorf("letters.printf_width", n, letterMaxWidth)
				}
			}
		}
	}
	return capped(fmt.Sprintf(format, a...))
}

// vetTemplate refuses what could run without end or without bound before anything is
// rendered: a range over anything but the letter's data (a number, a variable, a
// function's result — {{range 300000000}} loops with no output, which no output limit
// stops), and templates that call themselves, directly or through others.
func vetTemplate(t *template.Template) error {
	calls := map[string][]string{}
	var walkErr error
	for _, tt := range t.Templates() {
		if tt.Tree == nil || tt.Tree.Root == nil {
			continue
		}
		name := tt.Name()
		walkNodes(tt.Tree.Root, func(n parse.Node) {
			switch n := n.(type) {
			case *parse.RangeNode:
				if walkErr == nil && !rangeOverData(n.Pipe) {
					walkErr = fmt.Errorf(`{{range %s}} (line %d): range may only go over the letter's lists, such as .Records or $r.Items — not a number, a variable or a function's result (模板中的 range 只能遍历函件数据中的列表，如 .Records)`,
						n.Pipe, lineOf(tt.Tree, n))
				}
			case *parse.TemplateNode:
				calls[name] = append(calls[name], n.Name)
			}
		})
	}
	if walkErr != nil {
		return walkErr
	}
	// A cycle in the calls: depth-first, grey = on the current path.
	state := map[string]int{}
	var visit func(string, []string) error
	visit = func(n string, path []string) error {
		switch state[n] {
		case 1:
			return fmt.Errorf(`the template %q calls itself (%s): a letter template may not recurse (模板不能递归调用自身)`, n, strings.Join(append(path, n), " → "))
		case 2:
			return nil
		}
		state[n] = 1
		for _, c := range calls[n] {
			if err := visit(c, append(path, n)); err != nil {
				return err
			}
		}
		state[n] = 2
		return nil
	}
	for _, tt := range t.Templates() {
		if err := visit(tt.Name(), nil); err != nil {
			return err
		}
	}
	return nil
}

// rangeOverData: the pipeline is one field chain of the data — .Records, .Notice.Items,
// $.Records, $r.Items — with no function, literal or bare variable.
func rangeOverData(p *parse.PipeNode) bool {
	if p == nil || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return false
	}
	switch a := p.Cmds[0].Args[0].(type) {
	case *parse.FieldNode:
		return true
	case *parse.VariableNode:
		return len(a.Ident) > 1 // $.Records, $x.Items; not $n
	case *parse.ChainNode:
		_, ok := a.Node.(*parse.FieldNode)
		return ok
	}
	return false
}

func lineOf(tr *parse.Tree, n parse.Node) int {
	loc, _ := tr.ErrorContext(n)
	// loc is "name:line:col"
	parts := strings.Split(loc, ":")
	if len(parts) >= 2 {
		if l, err := strconv.Atoi(parts[len(parts)-2]); err == nil {
			return l
		}
	}
	return 0
}

// walkNodes calls f on every node under n.
func walkNodes(n parse.Node, f func(parse.Node)) {
	if n == nil {
		return
	}
	f(n)
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walkNodes(c, f)
		}
	case *parse.IfNode:
		walkNodes(n.List, f)
		if n.ElseList != nil {
			walkNodes(n.ElseList, f)
		}
	case *parse.RangeNode:
		walkNodes(n.List, f)
		if n.ElseList != nil {
			walkNodes(n.ElseList, f)
		}
	case *parse.WithNode:
		walkNodes(n.List, f)
		if n.ElseList != nil {
			walkNodes(n.ElseList, f)
		}
	}
}
