package slapdtest

import "syscall"

// procAttr asks Linux to stop slapd if the test binary dies without running
// its cleanups (killed by go test's -timeout, say), so no server is left
// behind on a developer's machine.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
