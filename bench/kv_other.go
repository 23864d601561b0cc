//go:build !linux

package main

import (
	"errors"
	"syscall"
)

// childSysProcAttr adds nothing where process groups and PDEATHSIG differ:
// children are still killed when the harness's context ends.
func childSysProcAttr() *syscall.SysProcAttr { return nil }

// readRSS needs /proc/<pid>/status.
func readRSS(pid int) (uint64, error) {
	return 0, errors.New("RSS is read from /proc/<pid>/status: Linux only")
}
