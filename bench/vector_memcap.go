package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
)

// A memory cap for a vector child: a memory cgroup that the child joins
// before it execs (so everything it ever allocates or caches is charged
// to it), and GOMEMLIMIT at 7/8 of the cap so the Go collector works to
// stay under it. The cgroup's limit counts the page cache the child's
// reads and writes bring in, so with the cap well below the data size
// the vectors cannot all stay in memory: a probe that misses the cache
// reads the disk. Both cgroup versions are supported (v1: the memory
// controller's limit_in_bytes; v2: memory.max); the harness must be able
// to create a cgroup (root, or a delegated subtree).

// memCgroup is a cgroup made for one child.
type memCgroup struct {
	dir string
	v2  bool
}

var memCgroupSeq atomic.Int64

// newMemCgroup creates a cgroup limited to limit bytes.
func newMemCgroup(limit int64) (*memCgroup, error) {
	name := fmt.Sprintf("reef-bench-%d-%d", os.Getpid(), memCgroupSeq.Add(1))
	try := []memCgroup{
		{dir: filepath.Join("/sys/fs/cgroup/memory", name)},
		{dir: filepath.Join("/sys/fs/cgroup", name), v2: true},
	}
	var errs []error
	for _, cg := range try {
		if cg.v2 {
			if _, err := os.Stat("/sys/fs/cgroup/cgroup.controllers"); err != nil {
				continue
			}
		} else if _, err := os.Stat(filepath.Dir(cg.dir)); err != nil {
			continue
		}
		if err := os.Mkdir(cg.dir, 0o755); err != nil {
			errs = append(errs, err)
			continue
		}
		file, val := "memory.limit_in_bytes", strconv.FormatInt(limit, 10)
		if cg.v2 {
			file = "memory.max"
		}
		if err := os.WriteFile(filepath.Join(cg.dir, file), []byte(val), 0o644); err != nil {
			os.Remove(cg.dir)
			errs = append(errs, err)
			continue
		}
		if !cg.v2 { // no swap to escape into
			os.WriteFile(filepath.Join(cg.dir, "memory.memsw.limit_in_bytes"), []byte(val), 0o644)
		}
		return &cg, nil
	}
	if len(errs) == 0 {
		errs = append(errs, errors.New("no memory cgroup hierarchy under /sys/fs/cgroup"))
	}
	return nil, fmt.Errorf("vector: memory cap: cannot create a memory cgroup: %w", errors.Join(errs...))
}

// wrap makes cmd join the cgroup before it execs its program, and sets
// GOMEMLIMIT to 7/8 of limit.
func (cg *memCgroup) wrap(cmd *exec.Cmd, limit int64) {
	procs := filepath.Join(cg.dir, "cgroup.procs")
	args := append([]string{"-c", `echo $$ > "$REEF_BENCH_CGROUP_PROCS" && exec "$@"`, "sh", cmd.Path}, cmd.Args[1:]...)
	cmd.Path = "/bin/sh"
	cmd.Args = append([]string{"/bin/sh"}, args...)
	cmd.Env = append(cmd.Env, "REEF_BENCH_CGROUP_PROCS="+procs, fmt.Sprintf("GOMEMLIMIT=%d", limit/8*7))
}

// peak returns the most memory the cgroup was charged (v1:
// max_usage_in_bytes; v2: memory.peak where the kernel has it), 0 if
// unknown.
func (cg *memCgroup) peak() int64 {
	file := "memory.max_usage_in_bytes"
	if cg.v2 {
		file = "memory.peak"
	}
	b, err := os.ReadFile(filepath.Join(cg.dir, file))
	if err != nil {
		return 0
	}
	n, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return n
}

// remove deletes the cgroup; its processes must have exited.
func (cg *memCgroup) remove() { os.Remove(cg.dir) }
