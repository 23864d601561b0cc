package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// Machine holds the facts a figure needs next to it: a ratio from a 2-core
// VM on ext4 says something different from one on a 64-core box on tmpfs.
type Machine struct {
	NumCPU     int
	GOMAXPROCS int
	CPUModel   string
	RAMBytes   uint64
	Kernel     string
	GoVersion  string
	OSArch     string
	DataDir    string
	DataFS     string
}

// readMachine gathers the facts; what cannot be read is left empty or zero.
func readMachine(dataDir string) Machine {
	m := Machine{
		NumCPU:     runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		GoVersion:  runtime.Version(),
		OSArch:     runtime.GOOS + "/" + runtime.GOARCH,
		DataDir:    dataDir,
		DataFS:     fsType(dataDir),
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	m.CPUModel = procField("/proc/cpuinfo", "model name")
	if v := procField("/proc/meminfo", "MemTotal"); v != "" {
		// "24683752 kB"
		if f := strings.Fields(v); len(f) > 0 {
			if kb, err := strconv.ParseUint(f[0], 10, 64); err == nil {
				m.RAMBytes = kb << 10
			}
		}
	}
	return m
}

// procField returns the value of the first "key: value" line of a /proc file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// Write prints the facts as "# " comment lines.
func (m Machine) Write(w io.Writer) {
	fmt.Fprintf(w, "# machine: nproc %d (GOMAXPROCS %d), cpu %q, RAM %.1f GiB\n",
		m.NumCPU, m.GOMAXPROCS, m.CPUModel, float64(m.RAMBytes)/(1<<30))
	fmt.Fprintf(w, "# software: %s %s, kernel %s\n", m.GoVersion, m.OSArch, m.Kernel)
	fmt.Fprintf(w, "# data: %s on %s\n", m.DataDir, m.DataFS)
}

// parseVmRSS finds "VmRSS:	  16228 kB" in the text of a /proc/<pid>/status
// file and returns it in bytes.
func parseVmRSS(status string) (uint64, error) { return parseStatusKB(status, "VmRSS") }

// parseStatusKB finds the line "key:	  N kB" in the text of a
// /proc/<pid>/status file and returns N kB in bytes.
func parseStatusKB(status, key string) (uint64, error) {
	for _, line := range strings.Split(status, "\n") {
		v, ok := strings.CutPrefix(line, key+":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("malformed status line %q", line)
		}
		kb, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("malformed status line %q", line)
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("no %s line in /proc status", key)
}

// goCommand is the go binary: the one in PATH, else the one of $GOROOT.
func goCommand() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	if root := os.Getenv("GOROOT"); root != "" {
		p := filepath.Join(root, "bin", "go")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("the go command is not in PATH")
}

// reefModuleDir is the directory of the Reef module the bench module replaces
// (`replace github.com/reefdb/reef => ../`), asked of the go command so that
// it works from any directory inside bench/.
func reefModuleDir(ctx context.Context, goBin string) (string, error) {
	cmd := exec.CommandContext(ctx, goBin, "list", "-m", "-f", "{{.Dir}}", "github.com/reefdb/reef")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("locate the reef module (run from bench/): %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", errors.New("locate the reef module: go list printed nothing (run from bench/)")
	}
	return dir, nil
}
