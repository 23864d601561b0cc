//go:build linux

package main

import (
	"os"
	"strconv"
	"syscall"
)

// childSysProcAttr puts a server or redis-benchmark child in its own process
// group (a terminal's Ctrl-C reaches the harness only, which stops its
// children itself) and has the kernel kill it if the harness dies first.
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// readRSS returns the resident set size of process pid: VmRSS in
// /proc/<pid>/status, read the same way for every server.
func readRSS(pid int) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	return parseVmRSS(string(b))
}
