//go:build !linux

package server

import (
	"errors"
	"os"
)

// openNameless: only Linux opens a file without a name; elsewhere newSpool creates one
// and removes it at once.
func openNameless(string) (*os.File, error) { return nil, errors.ErrUnsupported }
