package tui

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"repairdesk/internal/msg"
	"repairdesk/workflow"
)

var (
	// A call that takes a catalogue key: T(lang, "k"), c.T("k"), a.t("k"), sT(lang, "k"),
	// msg.M/Key/Errorf("k"), Refuse/refuse/refusal("code", "k"), fieldErr/NewFieldError/
	// bad(field, code, "k"), fileErr("k"), v.refuse("k"), letterError(kind, c, "k"),
	// usage("k"), and "k" in catalogue-shaped literals next to them.
	keyCall    = regexp.MustCompile(`\b(?:T|t|sT|M|Key|Errorf|Refuse|refuse|refusal|fieldErr|NewFieldError|bad|fileErr|letterError|usage|errf)\(`)
	keyLiteral = regexp.MustCompile(`"([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)"`)
	notKey     = regexp.MustCompile(`\.(go|db|tmpl|csv|json|md|txt|html|htm|pub|key|log|sock|lock|com|cn|org|io)$|^(zh|en)\.`)
)

// TestEveryKeyInCodeExists scans the product's Go source for catalogue keys written as
// literals at a call that takes one, and fails on a key neither the catalogue nor tui's
// own table has (it would show as "[key]"); and every enumeration value has a label.
func TestEveryKeyInCodeExists(t *testing.T) {
	root := ".."
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "//") || !keyCall.MatchString(line) {
				continue
			}
			for _, m := range keyLiteral.FindAllStringSubmatch(line, -1) {
				k := m[1]
				if notKey.MatchString(k) || strings.HasSuffix(k, "_") || strings.HasSuffix(k, ".") { // a prefix: key + value

					continue
				}
				checked++
				if _, local := catalogue[k]; !local && !msg.Has(k) {
					t.Errorf("%s:%d uses key %q, which is in no catalogue", path, i+1, k)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 300 {
		t.Fatalf("only %d keys found in the source: the scan is broken", checked)
	}
	for _, kind := range []string{"source", "record_type", "problem", "tier", "reason", "avenue", "channel", "outcome", "notify", "method", "result", "contact"} {
		for _, k := range workflow.Keys(kind) {
			if !msg.Has(kind + "." + k) {
				t.Errorf("%s %s has no label", kind, k)
			}
		}
	}
	for _, s := range workflow.Stages {
		if !msg.Has("stage." + string(s)) {
			t.Errorf("stage %s has no label", s)
		}
	}
}
