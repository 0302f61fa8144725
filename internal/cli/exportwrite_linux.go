package cli

import (
	"os"

	"golang.org/x/sys/unix"
)

// fileWritev writes a prefix of the pieces to f with one writev call, retried on EINTR.
func fileWritev(f *os.File) func(pieces [][]byte) (int, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil
	}
	return func(pieces [][]byte) (int, error) {
		var n int
		var werr error
		err := rc.Write(func(fd uintptr) bool {
			for {
				n, werr = unix.Writev(int(fd), pieces)
				if werr != unix.EINTR {
					return werr != unix.EAGAIN
				}
			}
		})
		if werr == nil {
			werr = err
		}
		if n < 0 {
			n = 0
		}
		return n, werr
	}
}
