package store

// The generator of caseeq_gen.go: it walks workflow.Case's types by reflection and writes
// one function per type that reports whether two values encode to the same JSON, field by
// field, without encoding them. Run
//
//	REPAIRDESK_WRITE_CASEEQ=1 go test -run TestCaseEqualIsCurrent ./store/
//
// after changing a type a case holds; without the variable the test fails when the file
// is not what the generator writes today, so a new field cannot be left out.
//
// What each function says is "equal" only when encoding/json writes both sides alike: it
// may say "different" of two values whose JSON is the same (two equal times in other
// zones' offsets), never the other way round; sameCase then compares them as it always
// did. The rules, per field as encoding/json treats it:
//   - unexported fields and fields tagged "-" are not in the JSON: not compared;
//   - strings, booleans and integers (named or not) are equal when ==;
//   - a time is equal when it is the same instant at the same offset from UTC (its JSON is
//     RFC 3339 with that offset);
//   - a pointer: both nil, or both not and their values equal (nil is null or left out,
//     a pointer to a zero value is {});
//   - a slice: the same length and equal elements; without omitempty also both nil or
//     both not (nil is null, empty is []);
//   - anything else (maps, interfaces, arrays, floats, byte slices, embedded fields, other
//     marshalers) is refused by the generator.

import (
	"fmt"
	"go/format"
	"reflect"
	"strings"
	"testing"
	"time"

	"repairdesk/internal/gencheck"
	"repairdesk/workflow"
)

const caseEqFile = "caseeq_gen.go"

func TestCaseEqualIsCurrent(t *testing.T) {
	src, err := generateCaseEqual()
	if err != nil {
		t.Fatal(err)
	}
	gencheck.Current(t, caseEqFile, src, "REPAIRDESK_WRITE_CASEEQ", "./store/")
}

var eqTimeType = reflect.TypeOf(time.Time{})

type eqGen struct {
	gencheck.Funcs
	out strings.Builder
}

// checkEqType refuses what encoding/json would write otherwise than the rules above.
func checkEqType(t reflect.Type) error {
	if t == eqTimeType {
		return nil
	}
	if err := gencheck.NoMarshalers(t); err != nil {
		return err
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Struct, reflect.Pointer:
		return nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return fmt.Errorf("%v: a byte slice is base64 in JSON; the generator does not compare it", t)
		}
		return nil
	}
	return fmt.Errorf("%v: kind %v is not generated", t, t.Kind())
}

// same is the Go expression that is true when a and b (expressions of type t,
// addressable) encode alike, omitEmpty telling whether their field has that option.
func (g *eqGen) same(t reflect.Type, a, b string, omitEmpty bool) (string, error) {
	if err := checkEqType(t); err != nil {
		return "", err
	}
	switch {
	case t == eqTimeType:
		return fmt.Sprintf("sameTime(&%s, &%s)", a, b), nil
	case t.Kind() == reflect.Struct:
		return fmt.Sprintf("%s(&%s, &%s)", g.Name(t), a, b), nil
	case t.Kind() == reflect.Pointer:
		return fmt.Sprintf("%s(%s, %s)", g.Name(t), a, b), nil
	case t.Kind() == reflect.Slice:
		s := fmt.Sprintf("%s(%s, %s)", g.Name(t), a, b)
		if !omitEmpty { // nil is null, empty is []
			s = fmt.Sprintf("(%s == nil) == (%s == nil) && %s", a, b, s)
		}
		return s, nil
	}
	return fmt.Sprintf("%s == %s", a, b), nil
}

// body writes the function of t.
func (g *eqGen) body(t reflect.Type) error {
	w := &g.out
	name := g.Name(t)
	switch t.Kind() {
	case reflect.Pointer:
		fmt.Fprintf(w, "\nfunc %s(a, b %s) bool {\n", name, g.GoType(t))
		fmt.Fprintf(w, "if a == nil || b == nil { return a == b }\n")
		s, err := g.same(t.Elem(), "(*a)", "(*b)", false)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "return %s\n}\n", s)
	case reflect.Slice:
		fmt.Fprintf(w, "\nfunc %s(a, b %s) bool {\n", name, g.GoType(t))
		fmt.Fprintf(w, "if len(a) != len(b) { return false }\n")
		s, err := g.same(t.Elem(), "a[i]", "b[i]", false)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "for i := range a {\nif !(%s) { return false }\n}\nreturn true\n}\n", s)
	case reflect.Struct:
		fmt.Fprintf(w, "\nfunc %s(a, b *%s) bool {\n", name, g.GoType(t))
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if f.Anonymous {
				return fmt.Errorf("%v.%s is embedded: the generator does not merge fields", t, f.Name)
			}
			tag := f.Tag.Get("json")
			if !f.IsExported() || tag == "-" {
				continue // not in the JSON
			}
			_, opts, _ := strings.Cut(tag, ",")
			omitEmpty := false
			for _, o := range strings.Split(opts, ",") {
				switch o {
				case "", "omitzero": // a zero value left out decodes as zero: == decides
				case "omitempty":
					omitEmpty = true
				default:
					return fmt.Errorf("%v.%s: the option %q is not generated", t, f.Name, o)
				}
			}
			s, err := g.same(f.Type, "a."+f.Name, "b."+f.Name, omitEmpty)
			if err != nil {
				return fmt.Errorf("%v.%s: %w", t, f.Name, err)
			}
			fmt.Fprintf(w, "if !(%s) { return false }\n", s)
		}
		fmt.Fprintf(w, "return true\n}\n")
	default:
		return fmt.Errorf("%v: no function for kind %v", t, t.Kind())
	}
	return nil
}

func generateCaseEqual() ([]byte, error) {
	g := &eqGen{Funcs: gencheck.Funcs{Prefix: "eq", Strip: []string{"workflow."}, Local: "repairdesk/store"}}
	g.Name(reflect.TypeOf(workflow.Case{}))
	for i := 0; i < len(g.Order); i++ { // g.Order grows as functions name new types
		if err := g.body(g.Order[i]); err != nil {
			return nil, err
		}
	}
	var head strings.Builder
	head.WriteString(g.Head("TestCaseEqualIsCurrent (caseeq_gen_test.go)", "store"))
	return format.Source([]byte(head.String() + g.out.String()))
}
