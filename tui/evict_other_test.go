//go:build !linux

package tui

import "errors"

func evictCache(path string) error { return errors.ErrUnsupported }
