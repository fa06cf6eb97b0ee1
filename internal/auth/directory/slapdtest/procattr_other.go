//go:build !linux

package slapdtest

import "syscall"

// procAttr has nothing to add where Linux's parent-death signal does not
// exist; slapd is only packaged for Linux here anyway.
func procAttr() *syscall.SysProcAttr { return nil }
