package workflow

import (
	"reflect"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"text/template/parse"
	"unicode/utf8"
)

// Rendering a letter by filling its skeleton. A letter's text depends on its data in two
// ways: most strings (names, dates, numbers, free text already cleaned and masked) are
// only printed, or tested for being empty; everything else (which pointers are nil, how
// long the lists are, the booleans and numbers, and the strings a template compares or
// hands to a function) decides which branches run and what is printed besides. The second
// part is the letter's shape. The template is run once per shape, on a copy of the data
// whose printed-only strings are markers; the skeleton it prints is then filled with each
// letter's own strings — byte for byte what running the template gives
// (TestLetterFillIsRender), at a fraction of the cost (text/template walks the tree by
// reflection: it was a quarter of a demo generation's CPU).
//
// A template is filled only when reading its tree proves that this is safe
// (fillableTemplate): anything it cannot account for (a variable declared in an action,
// a function other than and/or/not given a value it cannot name, a pipeline of several
// commands) runs the template every time, as before.

// letterShapesMax bounds the skeletons kept per letter set (a shape seen after that is
// rendered by running the template).
const letterShapesMax = 4096

// letterFill is what a set keeps for filling: per template, whether it may be filled and
// which field names it uses as values; the skeletons by template and shape.
type letterFill struct {
	mu     sync.Mutex
	plans  map[string]*fillPlan
	skels  map[string]*letterSkel
	nskels int
}

type fillPlan struct {
	ok     bool
	root   *fillNode       // the letter data's type, compiled for this template
	valued map[string]bool // field names the template compares or passes to functions
	// range's variables: an index (an int, known from the list's length) may be passed
	// to a function; an element may not
	index, elem map[string]bool
}

// letterSkel is a rendered skeleton: the title and the body, each text with marks.
type letterSkel struct{ title, body []skelPart }

// skelPart is literal text followed by the mark's string (mark < 0: none).
type skelPart struct {
	lit  string
	mark int
}

// A mark is a private-use rune, the string's number, and another private-use rune. The
// built-in templates hold neither rune (checked when a template is read for filling).
const (
	markOpen  = '\uE000'
	markClose = '\uE001'
)

func markOf(k int) string {
	return string(markOpen) + strconv.Itoa(k) + string(markClose)
}

var stringType = reflect.TypeOf("")

// fillPlanOf reads template t (once per set) for filling.
func (f *letterFill) planOf(name string, t *template.Template) *fillPlan {
	if p := f.plans[name]; p != nil {
		return p
	}
	p := fillableTemplate(t)
	if p.ok {
		p.root = compileFill(reflect.TypeOf(&LetterData{}), "", p.valued, false, 0)
		p.ok = p.root.ok
	}
	if f.plans == nil {
		f.plans = map[string]*fillPlan{}
	}
	f.plans[name] = p
	return p
}

// fillableTemplate reads every template of t's set: it may be filled if no text holds a
// mark's rune and every pipeline is a single command that prints or tests a field, a
// variable or dot, or calls a function; a function's arguments other than and/or/not's
// are values (their last field names are keyed by value), and an argument that is not a
// field with a name (dot, a variable, a nested pipeline) or a declared variable other
// than range's makes the template unfillable.
func fillableTemplate(t *template.Template) *fillPlan {
	p := &fillPlan{ok: true, valued: map[string]bool{}, index: map[string]bool{}, elem: map[string]bool{}}
	for _, tt := range t.Templates() {
		if tt.Tree != nil && tt.Tree.Root != nil {
			rangeVars(tt.Tree.Root, p)
		}
	}
	for _, tt := range t.Templates() {
		if tt.Tree != nil && tt.Tree.Root != nil {
			walkFill(tt.Tree.Root, p)
		}
	}
	return p
}

// rangeVars notes the variables ranges declare, as index or element.
func rangeVars(n parse.Node, p *fillPlan) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			rangeVars(c, p)
		}
	case *parse.IfNode:
		rangeVars(n.List, p)
		rangeVars(n.ElseList, p)
	case *parse.WithNode:
		rangeVars(n.List, p)
		rangeVars(n.ElseList, p)
	case *parse.RangeNode:
		if d := n.Pipe.Decl; len(d) == 2 {
			p.index[d[0].Ident[0]] = true
			p.elem[d[1].Ident[0]] = true
		} else if len(d) == 1 {
			p.elem[d[0].Ident[0]] = true
		}
		rangeVars(n.List, p)
		rangeVars(n.ElseList, p)
	}
}

func walkFill(n parse.Node, p *fillPlan) {
	if !p.ok || n == nil {
		return
	}
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walkFill(c, p)
		}
	case *parse.TextNode:
		if strings.ContainsRune(string(n.Text), markOpen) || strings.ContainsRune(string(n.Text), markClose) {
			p.ok = false
		}
	case *parse.CommentNode:
	case *parse.ActionNode:
		fillPipe(n.Pipe, p, false)
	case *parse.IfNode:
		fillPipe(n.Pipe, p, false)
		walkFill(n.List, p)
		walkFill(n.ElseList, p)
	case *parse.WithNode:
		fillPipe(n.Pipe, p, false)
		walkFill(n.List, p)
		walkFill(n.ElseList, p)
	case *parse.RangeNode:
		fillPipe(n.Pipe, p, true)
		walkFill(n.List, p)
		walkFill(n.ElseList, p)
	case *parse.TemplateNode:
		if n.Pipe != nil {
			fillPipe(n.Pipe, p, false)
		}
	default: // break, continue and whatever a later Go adds
		p.ok = false
	}
}

// fillPipe reads a pipeline; rangeDecl allows range's own variables.
func fillPipe(pipe *parse.PipeNode, p *fillPlan, rangeDecl bool) {
	if pipe == nil {
		return
	}
	if (len(pipe.Decl) > 0 && !rangeDecl) || pipe.IsAssign || len(pipe.Cmds) != 1 {
		p.ok = false
		return
	}
	args := pipe.Cmds[0].Args
	if len(args) == 0 {
		p.ok = false
		return
	}
	if len(args) == 1 {
		switch a := args[0].(type) {
		case *parse.FieldNode, *parse.VariableNode, *parse.DotNode, *parse.StringNode, *parse.NumberNode, *parse.BoolNode, *parse.NilNode:
			return // printed, or tested for being empty
		case *parse.ChainNode:
			if _, ok := a.Node.(*parse.PipeNode); ok {
				p.ok = false
			}
			return
		case *parse.IdentifierNode:
			return // a function without arguments
		}
		p.ok = false
		return
	}
	id, ok := args[0].(*parse.IdentifierNode)
	if !ok {
		p.ok = false // a method called with arguments
		return
	}
	passThrough := id.Ident == "and" || id.Ident == "or" || id.Ident == "not"
	for _, a := range args[1:] {
		switch a := a.(type) {
		case *parse.StringNode, *parse.NumberNode, *parse.BoolNode, *parse.NilNode:
		case *parse.FieldNode:
			if !passThrough {
				p.valued[a.Ident[len(a.Ident)-1]] = true
			}
		case *parse.VariableNode:
			if passThrough {
				continue
			}
			if len(a.Ident) < 2 {
				// a variable itself: range's index (an int, keyed by the list's length)
				// is fine; an element, or $, is not nameable
				if v := a.Ident[0]; !p.index[v] || p.elem[v] {
					p.ok = false
				}
				continue
			}
			p.valued[a.Ident[len(a.Ident)-1]] = true
		default:
			p.ok = false
		}
	}
}

// fillNode is what shape and marked need of a type of the data, compiled once per
// template from the type alone: whether it can be keyed at all (no methods, which a
// template could call; no unexported field; a kind shape knows), its elements and
// fields, and for a string whether it is printed only (substituted by a mark) or keyed
// by value — a field whose name the template uses as a value is keyed by value whole: a
// list or a record handed to a function, with every string in it.
type fillNode struct {
	kind   reflect.Kind
	ok     bool
	plain  bool // a string printed only
	elem   *fillNode
	fields []*fillNode
}

// compileFill compiles type t, the type of field name; false if the data cannot be keyed.
func compileFill(t reflect.Type, name string, valued map[string]bool, byValue bool, depth int) *fillNode {
	byValue = byValue || valued[name]
	n := &fillNode{kind: t.Kind()}
	if depth > 32 || t.NumMethod() > 0 || (t.Kind() != reflect.Pointer && reflect.PointerTo(t).NumMethod() > 0) {
		return n
	}
	n.ok = true
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice:
		n.elem = compileFill(t.Elem(), name, valued, byValue, depth+1)
		n.ok = n.elem.ok
	case reflect.Struct:
		for i := range t.NumField() {
			sf := t.Field(i)
			f := compileFill(sf.Type, sf.Name, valued, byValue, depth+1)
			n.fields = append(n.fields, f)
			n.ok = n.ok && sf.IsExported() && f.ok
		}
	case reflect.String:
		n.plain = t == stringType && !byValue
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
	default:
		n.ok = false
	}
	return n
}

// shape appends v's shape to key and its printed-only strings to vals (n compiled ok).
func shape(n *fillNode, v reflect.Value, key []byte, vals []string) ([]byte, []string) {
	switch n.kind {
	case reflect.Pointer:
		if v.IsNil() {
			return append(key, 'n'), vals
		}
		return shape(n.elem, v.Elem(), append(key, 'p'), vals)
	case reflect.Struct:
		key = append(key, '{')
		for i, f := range n.fields {
			key, vals = shape(f, v.Field(i), key, vals)
		}
		return append(key, '}'), vals
	case reflect.Slice:
		key = strconv.AppendInt(append(key, '['), int64(v.Len()), 10)
		for i := range v.Len() {
			key, vals = shape(n.elem, v.Index(i), key, vals)
		}
		return append(key, ']'), vals
	case reflect.String:
		s := v.String()
		if !n.plain {
			key = strconv.AppendInt(append(key, 'v'), int64(len(s)), 10)
			return append(append(key, ':'), s...), vals
		}
		if s == "" {
			return append(key, 'e'), vals
		}
		return append(key, 's'), append(vals, s)
	case reflect.Bool:
		if v.Bool() {
			return append(key, 'T'), vals
		}
		return append(key, 'F'), vals
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return append(strconv.AppendInt(append(key, 'i'), v.Int(), 10), ';'), vals
	default: // the unsigned kinds (compileFill allows no other)
		return append(strconv.AppendUint(append(key, 'u'), v.Uint(), 10), ';'), vals
	}
}

// marked is a copy of v whose printed-only strings are marks, numbered in shape's order.
func marked(n *fillNode, v reflect.Value, k *int) reflect.Value {
	t := v.Type()
	out := reflect.New(t).Elem()
	switch n.kind {
	case reflect.Pointer:
		if !v.IsNil() {
			out.Set(marked(n.elem, v.Elem(), k).Addr())
		}
	case reflect.Struct:
		for i, f := range n.fields {
			out.Field(i).Set(marked(f, v.Field(i), k))
		}
	case reflect.Slice:
		out.Set(reflect.MakeSlice(t, v.Len(), v.Len()))
		for i := range v.Len() {
			out.Index(i).Set(marked(n.elem, v.Index(i), k))
		}
	case reflect.String:
		if s := v.String(); n.plain && s != "" {
			out.SetString(markOf(*k))
			*k++
		} else {
			out.Set(v)
		}
	default:
		out.Set(v)
	}
	return out
}

// splitSkel cuts a rendered skeleton at its marks; false if a mark is malformed or
// numbers a string there is none of.
func splitSkel(s string, n int) ([]skelPart, bool) {
	var out []skelPart
	for {
		i := strings.IndexRune(s, markOpen)
		if i < 0 {
			return append(out, skelPart{lit: s, mark: -1}), true
		}
		rest := s[i+utf8.RuneLen(markOpen):]
		j := strings.IndexRune(rest, markClose)
		if j < 0 {
			return nil, false
		}
		k, err := strconv.Atoi(rest[:j])
		if err != nil || k < 0 || k >= n {
			return nil, false
		}
		out = append(out, skelPart{lit: s[:i], mark: k})
		s = rest[j+utf8.RuneLen(markClose):]
	}
}

// fillSkel is the skeleton with its marks' strings, or false past max bytes (the
// template's own output limit, which running it would have hit).
func fillSkel(parts []skelPart, vals []string, max int) (string, bool) {
	n := 0
	for _, p := range parts {
		n += len(p.lit)
		if p.mark >= 0 {
			n += len(vals[p.mark])
		}
	}
	if n > max {
		return "", false
	}
	var b strings.Builder
	b.Grow(n)
	for _, p := range parts {
		b.WriteString(p.lit)
		if p.mark >= 0 {
			b.WriteString(vals[p.mark])
		}
	}
	return b.String(), true
}

// letter renders the title and body of template name (t) on d by filling the skeleton of
// d's shape, made on first use; false if t may not be filled, or running it on the
// marked copy failed (running it on d then says why, as before).
func (f *letterFill) letter(name string, t *template.Template, d *LetterData) (title, body string, ok bool) {
	f.mu.Lock()
	p := f.planOf(name, t)
	f.mu.Unlock()
	if !p.ok {
		return "", "", false
	}
	v := reflect.ValueOf(d)
	key, vals := shape(p.root, v, append(make([]byte, 0, 512), name...), make([]string, 0, 64))
	key = append(key, 0)
	f.mu.Lock()
	sk := f.skels[string(key)]
	full := f.nskels >= letterShapesMax
	f.mu.Unlock()
	if sk == nil {
		if full {
			return "", "", false
		}
		k := 0
		md := marked(p.root, v, &k).Interface()
		if k != len(vals) {
			return "", "", false
		}
		mt, err := execLimited(t, "title", md, LetterMaxOutput, LetterRenderTimeout)
		if err != nil {
			return "", "", false
		}
		mb, err := execLimited(t, "", md, LetterMaxOutput, LetterRenderTimeout)
		if err != nil {
			return "", "", false
		}
		tp, ok1 := splitSkel(mt, len(vals))
		bp, ok2 := splitSkel(mb, len(vals))
		if !ok1 || !ok2 {
			return "", "", false
		}
		sk = &letterSkel{title: tp, body: bp}
		f.mu.Lock()
		if f.skels == nil {
			f.skels = map[string]*letterSkel{}
		}
		if _, dup := f.skels[string(key)]; !dup && f.nskels < letterShapesMax {
			f.skels[string(key)] = sk
			f.nskels++
		}
		f.mu.Unlock()
	}
	if title, ok = fillSkel(sk.title, vals, LetterMaxOutput); !ok {
		return "", "", false
	}
	if body, ok = fillSkel(sk.body, vals, LetterMaxOutput); !ok {
		return "", "", false
	}
	return title, body, true
}
