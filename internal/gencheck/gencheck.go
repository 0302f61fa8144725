// Package gencheck keeps a file generated from the code's own types current: a test
// generates it afresh and compares it with the file in the package, or writes it when
// asked to.
package gencheck

import (
	"bytes"
	"os"
	"testing"
)

// Current fails t when file does not hold src, the generator's output for today's types.
// With the environment variable writeEnv set it writes src to file instead. pkg is the
// package's path for the command the failure names (for example ./workflow/).
func Current(t testing.TB, file string, src []byte, writeEnv, pkg string) {
	t.Helper()
	if os.Getenv(writeEnv) != "" {
		if err := os.WriteFile(file, src, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	have, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, src) {
		t.Fatalf("%s is not what the generator writes for today's types: run %s=1 go test -run %s %s", file, writeEnv, t.Name(), pkg)
	}
}
