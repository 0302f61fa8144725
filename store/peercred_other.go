//go:build !linux

package store

import (
	"errors"
	"net"
)

// peerUID: only Linux tells the peer's uid here; elsewhere commands are refused through
// the socket (they still run when the database is free).
func peerUID(*net.UnixConn) (int, error) {
	return 0, errors.New("peer credentials are not available on this system")
}
