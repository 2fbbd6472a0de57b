//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package loadtest

import (
	"errors"
	"net"
	"syscall"
)

// connGone reports whether the server has closed c (or sent something
// unasked, which leaves it out of step) while it sat idle. It peeks at
// the socket without waiting: one system call.
func connGone(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	gone := false
	var b [1]byte
	err = raw.Read(func(fd uintptr) bool {
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EINTR):
			// Open, with nothing to read: the usual case.
		default:
			// Closed (n == 0), reset, or bytes nobody asked for (n > 0).
			gone = true
		}
		return true
	})
	return gone || err != nil
}
