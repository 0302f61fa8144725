package cli

// The generator of exportenc_gen.go: it walks the types of an export item by reflection,
// with encoding/json's rules for them, and writes one function per type that appends the
// value's JSON already indented, as indentJSON(json.Marshal(v), "  ", "  ") would give
// it. Run
//
//	REPAIRDESK_WRITE_EXPORTENC=1 go test -run TestExportEncoderIsCurrent ./internal/cli/
//
// after changing a type an export holds; without the variable the test fails when the
// file is not what the generator writes today, so a new field cannot be left out.

import (
	"encoding/json"
	"fmt"
	"go/format"
	"reflect"
	"repairdesk/internal/gencheck"
	"strings"
	"testing"
	"time"
)

const exportEncFile = "exportenc_gen.go"

func TestExportEncoderIsCurrent(t *testing.T) {
	src, err := generateExportEncoder()
	if err != nil {
		t.Fatal(err)
	}
	gencheck.Current(t, exportEncFile, src, "REPAIRDESK_WRITE_EXPORTENC", "./internal/cli/")
}

var timeType = reflect.TypeOf(time.Time{})

type encGen struct {
	gencheck.Funcs
	out strings.Builder
}

// check refuses what encoding/json would treat otherwise than the generated code does.
func checkEncType(t reflect.Type) error {
	if t == timeType {
		return nil
	}
	if err := gencheck.NoMarshalers(t); err != nil {
		return err
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint32, reflect.Uint64, reflect.Struct, reflect.Pointer:
		return nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return fmt.Errorf("%v: a byte slice is base64 in JSON; the generator does not write it", t)
		}
		return nil
	}
	return fmt.Errorf("%v: kind %v is not generated", t, t.Kind())
}

type encField struct {
	name, key           string
	omitEmpty, omitZero bool
	t                   reflect.Type
}

func encFields(t reflect.Type) ([]encField, error) {
	var out []encField
	seen := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			return nil, fmt.Errorf("%v.%s is embedded: the generator does not merge fields", t, f.Name)
		}
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		if !json.Valid([]byte(`"`+name+`"`)) || strings.ContainsAny(name, `"\<>&`) {
			return nil, fmt.Errorf("%v.%s: the name %q is not written as it is", t, f.Name, name)
		}
		ef := encField{name: f.Name, key: name, t: f.Type}
		for _, o := range strings.Split(opts, ",") {
			switch o {
			case "":
			case "omitempty":
				ef.omitEmpty = true
			case "omitzero":
				ef.omitZero = true
			default:
				return nil, fmt.Errorf("%v.%s: the option %q is not generated", t, f.Name, o)
			}
		}
		if ef.omitZero && f.Type != timeType {
			return nil, fmt.Errorf("%v.%s: omitzero is generated only for time.Time", t, f.Name)
		}
		if seen[name] {
			return nil, fmt.Errorf("%v: two fields named %q", t, name)
		}
		seen[name] = true
		out = append(out, ef)
	}
	return out, nil
}

// value writes the code that appends v (an expression of type t, addressable) at depth d.
func (g *encGen) value(t reflect.Type, v, d string) error {
	if err := checkEncType(t); err != nil {
		return err
	}
	w := &g.out
	switch {
	case t == timeType:
		fmt.Fprintf(w, "if err := e.time(&%s); err != nil { return err }\n", v)
	case t.Kind() == reflect.String && t.PkgPath() == "":
		fmt.Fprintf(w, "e.b = appendJSONString(e.b, %s)\n", v)
	case t.Kind() == reflect.String:
		fmt.Fprintf(w, "e.b = appendJSONString(e.b, string(%s))\n", v)
	case t.Kind() == reflect.Bool:
		fmt.Fprintf(w, "e.b = strconv.AppendBool(e.b, bool(%s))\n", v)
		g.Import("strconv")
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64 || t.Kind() == reflect.Int32:
		fmt.Fprintf(w, "e.b = strconv.AppendInt(e.b, int64(%s), 10)\n", v)
		g.Import("strconv")
	case t.Kind() == reflect.Uint32 || t.Kind() == reflect.Uint64:
		fmt.Fprintf(w, "e.b = strconv.AppendUint(e.b, uint64(%s), 10)\n", v)
		g.Import("strconv")
	default:
		fmt.Fprintf(w, "if err := e.%s(&%s, %s); err != nil { return err }\n", g.Name(t), v, d)
	}
	return nil
}

// body writes the function of t: it appends *v, which starts at depth d.
func (g *encGen) body(t reflect.Type) error {
	w := &g.out
	fmt.Fprintf(w, "\nfunc (e *exportEnc) %s(v *%s, d int) error {\n", g.Name(t), g.GoType(t))
	switch t.Kind() {
	case reflect.Pointer:
		fmt.Fprintf(w, "if *v == nil { e.b = append(e.b, \"null\"...); return nil }\n")
		if err := g.value(t.Elem(), "(**v)", "d"); err != nil {
			return err
		}
	case reflect.Slice:
		fmt.Fprintf(w, "if *v == nil { e.b = append(e.b, \"null\"...); return nil }\n")
		fmt.Fprintf(w, "e.b = append(e.b, '[')\n")
		fmt.Fprintf(w, "for i := range *v {\n if i > 0 { e.b = append(e.b, ',') }\n e.newline(d+1)\n")
		if err := g.value(t.Elem(), "(*v)[i]", "d+1"); err != nil {
			return err
		}
		fmt.Fprintf(w, "}\n")
		fmt.Fprintf(w, "if len(*v) > 0 { e.newline(d) }\n")
		fmt.Fprintf(w, "e.b = append(e.b, ']')\n")
	case reflect.Struct:
		fs, err := encFields(t)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "e.b = append(e.b, '{')\nn := 0\n")
		for _, f := range fs {
			x := "v." + f.name
			var cond []string
			if f.omitZero {
				cond = append(cond, "!"+x+".IsZero()")
			}
			if f.omitEmpty {
				switch f.t.Kind() {
				case reflect.String:
					cond = append(cond, x+` != ""`)
				case reflect.Bool:
					cond = append(cond, x)
				case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint32, reflect.Uint64:
					cond = append(cond, x+" != 0")
				case reflect.Pointer:
					cond = append(cond, x+" != nil")
				case reflect.Slice:
					cond = append(cond, "len("+x+") > 0")
				case reflect.Struct: // encoding/json never leaves out a struct for omitempty
				default:
					return fmt.Errorf("%v.%s: omitempty on kind %v", t, f.name, f.t.Kind())
				}
			}
			if len(cond) > 0 {
				fmt.Fprintf(w, "if %s {\n", strings.Join(cond, " && "))
			}
			fmt.Fprintf(w, "e.key(&n, d, %q)\n", `"`+f.key+`": `)
			if err := g.value(f.t, x, "d+1"); err != nil {
				return err
			}
			if len(cond) > 0 {
				fmt.Fprintf(w, "}\n")
			}
		}
		fmt.Fprintf(w, "if n > 0 { e.newline(d) }\n")
		fmt.Fprintf(w, "e.b = append(e.b, '}')\n")
	default:
		return fmt.Errorf("%v: no function for kind %v", t, t.Kind())
	}
	fmt.Fprintf(w, "return nil\n}\n")
	return nil
}

func generateExportEncoder() ([]byte, error) {
	g := &encGen{Funcs: gencheck.Funcs{Prefix: "enc", Local: "repairdesk/internal/cli"}}
	g.Name(reflect.TypeOf(exportItem{}))
	for i := 0; i < len(g.Order); i++ { // g.Order grows as functions name new types
		if err := g.body(g.Order[i]); err != nil {
			return nil, err
		}
	}
	var head strings.Builder
	head.WriteString(g.Head("TestExportEncoderIsCurrent (exportenc_gen_test.go)", "cli"))
	return format.Source([]byte(head.String() + g.out.String()))
}
