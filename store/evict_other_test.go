//go:build !linux

package store

import "errors"

func evictCache(path string) error { return errors.ErrUnsupported }
