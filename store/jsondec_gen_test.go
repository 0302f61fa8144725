package store

// The generator of jsondec_gen.go: it walks the types of a stored event and case (and the
// lean views the store decodes of them) by reflection, with encoding/json's rules for
// them, and writes one function per type that decodes the value from its canonical JSON
// (jsondec.go says what that is and what is declined). Run
//
//	REPAIRDESK_WRITE_JSONDEC=1 go test -run TestJSONDecoderIsCurrent ./store/
//
// after changing a type an event or a case holds; without the variable the test fails
// when the file is not what the generator writes today, so a new field cannot be left
// out (it would be declined, not lost, but every value holding it would go the slow way).

import (
	"encoding/json"
	"fmt"
	"go/format"
	"reflect"
	"strings"
	"testing"
	"time"

	"repairdesk/internal/gencheck"
	"repairdesk/workflow"
)

const jsonDecFile = "jsondec_gen.go"

func TestJSONDecoderIsCurrent(t *testing.T) {
	src, err := generateJSONDecoder()
	if err != nil {
		t.Fatal(err)
	}
	gencheck.Current(t, jsonDecFile, src, "REPAIRDESK_WRITE_JSONDEC", "./store/")
}

// decRoots are the types decodeJSON decodes with the generated code, each with the type
// whose JSON it reads (a lean view reads its fields of the whole value's JSON and checks
// the rest without keeping it).
var decRoots = []struct{ view, of reflect.Type }{
	{reflect.TypeFor[workflow.Event](), reflect.TypeFor[workflow.Event]()},
	{reflect.TypeFor[workflow.Case](), reflect.TypeFor[workflow.Case]()},
	{reflect.TypeFor[checkEvent](), reflect.TypeFor[workflow.Event]()},
	{reflect.TypeFor[leanEvent](), reflect.TypeFor[workflow.Event]()},
}

var (
	decTimeType  = reflect.TypeFor[time.Time]()
	decEmptyType = reflect.TypeFor[struct{}]()
)

type decGen struct {
	gencheck.Funcs
	of  map[reflect.Type]reflect.Type // a root view's whole type
	out strings.Builder
}

// stack is the name of the scratch slice the elements of a []t are gathered in.
func (g *decGen) stack(t reflect.Type) string {
	return "s" + strings.TrimPrefix(g.Name(reflect.SliceOf(t)), "decSlice")
}

// checkDecType refuses what encoding/json would decode otherwise than the generated code.
func checkDecType(t reflect.Type) error {
	if t == decTimeType {
		return nil
	}
	for _, m := range []string{"UnmarshalJSON", "UnmarshalText"} {
		if _, ok := t.MethodByName(m); ok {
			return fmt.Errorf("%v has %s: the generator does not know it", t, m)
		}
		if _, ok := reflect.PointerTo(t).MethodByName(m); ok {
			return fmt.Errorf("*%v has %s: the generator does not know it", t, m)
		}
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int64, reflect.Uint32, reflect.Struct:
		return nil
	case reflect.Pointer:
		if t.Elem().Kind() != reflect.Struct {
			return fmt.Errorf("%v: only pointers to structs are generated", t)
		}
		return nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return fmt.Errorf("%v: a byte slice is base64 in JSON; the generator does not read it", t)
		}
		return nil
	}
	return fmt.Errorf("%v: kind %v is not generated", t, t.Kind())
}

// decField is one JSON field of a struct: its name, the Go expression of the field from
// v (a path through embedded structs), its type and how deep it is embedded.
type decField struct {
	key, expr string
	t         reflect.Type
	depth     int
}

// decFields are t's JSON fields in the order json.Marshal writes them, with encoding/json's
// rules for embedded structs: their fields are promoted, and of two with one name the
// shallower wins. Here the winner takes the place of the first of the name (a view that
// hides a field of what it embeds reads it where the embedded type's JSON has it).
func decFields(t reflect.Type, prefix string, depth int) ([]decField, error) {
	var out []decField
	at := map[string]int{}
	add := func(f decField) error {
		i, ok := at[f.key]
		switch {
		case !ok:
			at[f.key] = len(out)
			out = append(out, f)
		case f.depth < out[i].depth:
			out[i] = f
		case f.depth == out[i].depth:
			return fmt.Errorf("%v: two fields named %q at one depth", t, f.key)
		}
		return nil
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		for _, o := range strings.Split(opts, ",") {
			switch o {
			case "", "omitempty", "omitzero": // they change what is written, not how it reads
			default:
				return nil, fmt.Errorf("%v.%s: the option %q is not generated", t, f.Name, o)
			}
		}
		if f.Anonymous {
			if name != "" || f.Type.Kind() != reflect.Struct || !f.IsExported() {
				return nil, fmt.Errorf("%v.%s: only an exported embedded struct without a name is generated", t, f.Name)
			}
			inner, err := decFields(f.Type, prefix+f.Name+".", depth+1)
			if err != nil {
				return nil, err
			}
			for _, in := range inner {
				if err := add(in); err != nil {
					return nil, err
				}
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if !json.Valid([]byte(`"`+name+`"`)) || strings.ContainsAny(name, `"\`) {
			return nil, fmt.Errorf("%v.%s: the name %q is not read as it is", t, f.Name, name)
		}
		if err := add(decField{key: name, expr: prefix + f.Name, t: f.Type, depth: depth}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// value writes the code that decodes into x (an addressable expression of type t),
// returning false from the function when it declines.
func (g *decGen) value(t reflect.Type, x string) error {
	if err := checkDecType(t); err != nil {
		return err
	}
	w := &g.out
	switch {
	case t == decTimeType:
		fmt.Fprintf(w, "if !d.time(&%s) { return false }\n", x)
	case t == decEmptyType:
		fmt.Fprintf(w, "if !d.skipEmpty() { return false }\n")
	case t.Kind() == reflect.String && t.PkgPath() == "":
		fmt.Fprintf(w, "if !d.str(&%s) { return false }\n", x)
	case t.Kind() == reflect.String:
		fmt.Fprintf(w, "if !d.str((*string)(&%s)) { return false }\n", x)
	case t.Kind() == reflect.Bool:
		fmt.Fprintf(w, "if !d.bool(&%s) { return false }\n", x)
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64:
		lo, hi := "math.MinInt64", "math.MaxInt64"
		if t.Kind() == reflect.Int {
			lo, hi = "math.MinInt", "math.MaxInt"
		}
		g.Import("math")
		fmt.Fprintf(w, "if n, ok := d.int(%s, %s); ok { %s = %s(n) } else { return false }\n", lo, hi, x, g.GoType(t))
	case t.Kind() == reflect.Uint32:
		g.Import("math")
		fmt.Fprintf(w, "if n, ok := d.uint(math.MaxUint32); ok { %s = %s(n) } else { return false }\n", x, g.GoType(t))
	case t.Kind() == reflect.Pointer && t.Elem() == decEmptyType:
		fmt.Fprintf(w, "if !d.null() { if !d.skipEmpty() { return false }; %s = new(struct{}) }\n", x)
	case t.Kind() == reflect.Pointer:
		fmt.Fprintf(w, "if !d.null() { p := new(%s); if !d.%s(p) { return false }; %s = p }\n", g.GoType(t.Elem()), g.Name(t.Elem()), x)
	default: // a struct or a slice
		fmt.Fprintf(w, "if !d.%s(&%s) { return false }\n", g.Name(t), x)
	}
	return nil
}

// body writes the function of t.
func (g *decGen) body(t reflect.Type) error {
	w := &g.out
	fmt.Fprintf(w, "\nfunc (d *jdec) %s(v *%s) bool {\n", g.Name(t), g.GoType(t))
	switch t.Kind() {
	case reflect.Slice:
		// The elements are gathered on a stack of the decoder's (a nested slice of the
		// same type gathers above them and takes its own off before this one goes on),
		// then copied into a slice of their number: one allocation, of the right size.
		e, s := t.Elem(), "d."+g.stack(t.Elem())
		fmt.Fprintf(w, "if !d.byte('[') { return d.null() }\n")
		fmt.Fprintf(w, "if d.byte(']') { *v = %s{}; return true }\n", g.GoType(t))
		fmt.Fprintf(w, "base := len(%s)\n", s)
		fmt.Fprintf(w, "defer func() { clear(%s[base:]); %s = %s[:base] }()\n", s, s, s)
		fmt.Fprintf(w, "for {\nvar e %s\n", g.GoType(e))
		if err := g.value(e, "e"); err != nil {
			return err
		}
		fmt.Fprintf(w, "%s = append(%s, e)\n", s, s)
		fmt.Fprintf(w, "more, ok := d.nextElem()\nif !ok { return false }\nif !more { break }\n}\n")
		fmt.Fprintf(w, "*v = make(%s, len(%s)-base)\ncopy(*v, %s[base:])\n", g.GoType(t), s, s)
	case reflect.Struct:
		fs, err := decFields(t, "", 0)
		if err != nil {
			return err
		}
		keys := fs // the JSON's fields, in its order
		if of, ok := g.of[t]; ok && of != t {
			if keys, err = decFields(of, "", 0); err != nil {
				return err
			}
		}
		mine := map[string]decField{}
		for _, f := range fs {
			mine[f.key] = f
		}
		fmt.Fprintf(w, "if !d.byte('{') { return d.null() }\n")
		fmt.Fprintf(w, "if d.byte('}') { return true }\n")
		fmt.Fprintf(w, "at := 0 // the fields after the last one read\n")
		// Each field is looked for after the last one read, in order: in canonical JSON
		// the next key is that of the next field or one shortly after it (those left
		// out between). A key out of order, repeated or unknown matches none.
		fmt.Fprintf(w, "for {\nswitch {\n")
		for i, k := range keys {
			fmt.Fprintf(w, "case at <= %d && d.lit(%q):\nat = %d\n", i, `"`+k.key+`":`, i+1)
			f, ok := mine[k.key]
			if !ok {
				fmt.Fprintf(w, "if !d.skip(0) { return false }\n")
				delete(mine, k.key)
				continue
			}
			if f.t.Kind() != k.t.Kind() && !(f.t.Kind() == reflect.Pointer && f.t.Elem() == decEmptyType) &&
				!(f.t.Kind() == reflect.Slice && f.t.Elem() == decEmptyType) {
				return fmt.Errorf("%v.%s reads %v's field %q of kind %v as kind %v", t, f.expr, g.of[t], k.key, k.t.Kind(), f.t.Kind())
			}
			delete(mine, k.key)
			if err := g.value(f.t, "v."+f.expr); err != nil {
				return err
			}
		}
		for k := range mine {
			return fmt.Errorf("%v: the field %q is not in %v's JSON", t, k, g.of[t])
		}
		fmt.Fprintf(w, "default:\nreturn false\n}\n")
		fmt.Fprintf(w, "more, ok := d.next()\nif !ok { return false }\nif !more { return true }\n}\n")
		fmt.Fprintf(w, "}\n")
		return nil
	default:
		return fmt.Errorf("%v: no function for kind %v", t, t.Kind())
	}
	fmt.Fprintf(w, "return true\n}\n")
	return nil
}

func generateJSONDecoder() ([]byte, error) {
	g := &decGen{Funcs: gencheck.Funcs{Prefix: "dec", Local: "repairdesk/store"}, of: map[reflect.Type]reflect.Type{}}
	var root strings.Builder
	root.WriteString("\n// decodeRoot decodes d.js into dst when it is one of the generated types.\n")
	root.WriteString("func (d *jdec) decodeRoot(dst any) bool {\nswitch v := dst.(type) {\n")
	for _, r := range decRoots {
		g.of[r.view] = r.of
		fmt.Fprintf(&root, "case *%s:\n*v = %s{}\nif d.%s(v) && d.done() { return true }\n*v = %s{}\n", g.GoType(r.view), g.GoType(r.view), g.Name(r.view), g.GoType(r.view))
	}
	root.WriteString("}\nreturn false\n}\n")
	for i := 0; i < len(g.Order); i++ { // g.Order grows as functions name new types
		if err := g.body(g.Order[i]); err != nil {
			return nil, err
		}
	}
	var stacks []string
	for _, t := range g.Order {
		if t.Kind() == reflect.Slice {
			stacks = append(stacks, fmt.Sprintf("%s []%s\n", g.stack(t.Elem()), g.GoType(t.Elem())))
		}
	}
	var head strings.Builder
	head.WriteString(g.Head("TestJSONDecoderIsCurrent (jsondec_gen_test.go)", "store"))
	head.WriteString("\n// jdecStacks are where the elements of a slice are gathered, one stack per type.\ntype jdecStacks struct {\n")
	head.WriteString(strings.Join(stacks, ""))
	head.WriteString("}\n")
	src := head.String() + root.String() + g.out.String()
	out, err := format.Source([]byte(src))
	if err != nil {
		return nil, fmt.Errorf("%v\n%s", err, src)
	}
	return out, nil
}
