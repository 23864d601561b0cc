package vfs

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Op names an operation that an InjectingFS can fail.
type Op uint8

// The operations, one per FS or File method, except that OpOpen covers Open
// and OpenReadWrite, OpRead covers Read and ReadAt, OpWrite covers Write and
// WriteAt, and OpStat covers FS.Stat and File.Stat.
const (
	OpCreate Op = iota
	OpOpen
	OpOpenDir
	OpRemove
	OpRemoveAll
	OpRename
	OpMkdirAll
	OpList
	OpStat
	OpLock
	OpRead
	OpWrite
	OpSync
	OpTruncate
	OpPreallocate
	OpClose
	numOps
)

var opNames = [numOps]string{
	"create", "open", "open dir", "remove", "remove all", "rename",
	"mkdir all", "list", "stat", "lock", "read", "write", "sync",
	"truncate", "preallocate", "close",
}

// String returns the operation's name as it appears in injected errors.
func (op Op) String() string {
	if op < numOps {
		return opNames[op]
	}
	return fmt.Sprintf("op(%d)", uint8(op))
}

// Fault says what an injected failure does.
type Fault uint8

const (
	// FaultError fails the operation before it reaches the wrapped FS, so
	// it has no effect, except that a failed Close still closes the file.
	FaultError Fault = iota
	// FaultShortWrite makes a write apply a random strict prefix of its
	// bytes (possibly none) and return that count with the error.
	FaultShortWrite
	// FaultTornWrite makes a write apply a random strict prefix of its
	// bytes followed by garbage for the rest, every garbage byte differing
	// from the byte it replaces, and return the length of the intact prefix
	// with the error. Write's position moves past the garbage.
	FaultTornWrite
)

// Rule selects operations to fail. An operation matches when its kind is in
// Ops and a path passes PathContains and PathMatch; a Rename passes when
// either name does. Of the matching operations, the first After pass, then
// each fails with probability Prob until Limit have failed.
//
// For example, the 3rd Sync of any file fails with
// Rule{Ops: []Op{OpSync}, After: 2, Limit: 1}; every write to a .log file
// from the 10th on is torn with
// Rule{Ops: []Op{OpWrite}, PathMatch: "*.log", After: 9, Fault: FaultTornWrite}.
type Rule struct {
	// Ops lists the operations the rule applies to; empty means all.
	Ops []Op
	// PathContains, if set, must be a substring of the path.
	PathContains string
	// PathMatch, if set, is a filepath.Match pattern that must match the
	// whole path or, when it holds no separator, the path's last element.
	PathMatch string
	// After is how many matching operations pass before the rule fires.
	After int
	// Limit caps how many times the rule fires; zero means no cap.
	Limit int
	// Prob is the chance that an operation past After fails, drawn from the
	// InjectingFS's seeded generator; zero means 1.
	Prob float64
	// Fault is what the failure does. Short and torn writes apply to
	// OpWrite only; for other operations they act as FaultError.
	Fault Fault
	// Err, if set, is wrapped into the injected error next to ErrInjected,
	// so a test can simulate a particular errno such as syscall.ENOSPC.
	Err error
}

// validate panics on a rule that cannot be what its author meant.
func (r *Rule) validate() {
	if r.Prob < 0 || r.Prob > 1 || r.After < 0 || r.Limit < 0 {
		panic(fmt.Sprintf("vfs: invalid injection rule %+v", *r))
	}
	if _, err := filepath.Match(r.PathMatch, ""); err != nil {
		panic(fmt.Sprintf("vfs: injection rule pattern %q: %v", r.PathMatch, err))
	}
}

func (r *Rule) matches(op Op, names []string) bool {
	if len(r.Ops) > 0 && !slices.Contains(r.Ops, op) {
		return false
	}
	return slices.ContainsFunc(names, r.matchesPath)
}

func (r *Rule) matchesPath(name string) bool {
	if r.PathContains != "" && !strings.Contains(name, r.PathContains) {
		return false
	}
	if r.PathMatch == "" {
		return true
	}
	if ok, _ := filepath.Match(r.PathMatch, name); ok {
		return true
	}
	if strings.ContainsRune(r.PathMatch, filepath.Separator) {
		return false
	}
	ok, _ := filepath.Match(r.PathMatch, filepath.Base(name))
	return ok
}

// InjectStats counts what an InjectingFS saw.
type InjectStats struct {
	// Ops is the number of operations that passed through, failed or not,
	// enabled or not.
	Ops uint64
	// Faults is the number of operations failed by injection.
	Faults uint64
}

// InjectingFS wraps an FS and fails the operations its rules select, with
// errors that wrap ErrInjected. It is safe for concurrent use; with one
// goroutine issuing operations, the same seed, rules and operations fail
// the same way every run.
type InjectingFS struct {
	fs FS

	mu      sync.Mutex
	rng     *rand.Rand
	enabled bool
	rules   []ruleState
	stats   InjectStats
}

type ruleState struct {
	Rule
	matched int // matching operations seen
	fired   int // failures injected
}

// NewInjecting returns an enabled InjectingFS over fs that draws its
// randomness from seed and applies rules (see SetRules).
func NewInjecting(fs FS, seed uint64, rules ...Rule) *InjectingFS {
	i := &InjectingFS{
		fs:      fs,
		rng:     rand.New(rand.NewPCG(seed, seed)),
		enabled: true,
	}
	i.SetRules(rules...)
	return i
}

// SetRules replaces the rules, restarting their After and Limit counts.
// Rules are tried in order and the first to fire decides the fault; rules
// after it do not see the operation. It panics on a malformed rule (a
// probability outside [0, 1], a negative count, a bad pattern).
func (i *InjectingFS) SetRules(rules ...Rule) {
	states := make([]ruleState, len(rules))
	for k, r := range rules {
		r.validate()
		r.Ops = slices.Clone(r.Ops)
		states[k] = ruleState{Rule: r}
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.rules = states
}

// SetEnabled turns injection on or off. While off, every operation passes
// through and the rules' counts stand still, so a test can inject during a
// workload, then stop and reopen cleanly.
func (i *InjectingFS) SetEnabled(enabled bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.enabled = enabled
}

// Stats returns the counts so far.
func (i *InjectingFS) Stats() InjectStats {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.stats
}

// injection is a decided fault.
type injection struct {
	fault   Fault
	err     error
	keep    int    // short and torn writes: bytes applied intact
	garbage []byte // torn writes: what replaces the rest
}

// inject decides whether op fails. p is the data of a write, nil otherwise.
func (i *InjectingFS) inject(op Op, p []byte, names ...string) *injection {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.stats.Ops++
	if !i.enabled {
		return nil
	}
	for k := range i.rules {
		r := &i.rules[k]
		if !r.matches(op, names) {
			continue
		}
		r.matched++
		if r.matched <= r.After || (r.Limit > 0 && r.fired >= r.Limit) {
			continue
		}
		if r.Prob > 0 && r.Prob < 1 && i.rng.Float64() >= r.Prob {
			continue
		}
		r.fired++
		i.stats.Faults++
		return i.newInjectionLocked(k, op, p, names)
	}
	return nil
}

func (i *InjectingFS) newInjectionLocked(k int, op Op, p []byte, names []string) *injection {
	r := &i.rules[k]
	inj := &injection{fault: r.Fault}
	if op != OpWrite || len(p) == 0 {
		inj.fault = FaultError
	}
	what := fmt.Sprintf("%s %s (rule %d)", op, strings.Join(names, " to "), k)
	if r.Err != nil {
		inj.err = fmt.Errorf("%w: %s: %w", ErrInjected, what, r.Err)
	} else {
		inj.err = fmt.Errorf("%w: %s", ErrInjected, what)
	}
	if inj.fault == FaultError {
		return inj
	}
	inj.keep = i.rng.IntN(len(p))
	if inj.fault == FaultTornWrite {
		inj.garbage = make([]byte, len(p)-inj.keep)
		for j := range inj.garbage {
			inj.garbage[j] = p[inj.keep+j] ^ byte(1+i.rng.IntN(255))
		}
	}
	return inj
}

// write carries out a write fault through write, which writes to the
// wrapped file.
func (inj *injection) write(p []byte, write func([]byte) (int, error)) (int, error) {
	var buf []byte
	switch inj.fault {
	case FaultShortWrite:
		buf = p[:inj.keep]
	case FaultTornWrite:
		buf = append(slices.Clip(p[:inj.keep]), inj.garbage...)
	default:
		return 0, inj.err
	}
	if len(buf) > 0 {
		if n, err := write(buf); err != nil {
			return min(n, inj.keep), err
		}
	}
	return inj.keep, inj.err
}

// Create implements FS.
func (i *InjectingFS) Create(name string) (File, error) {
	if inj := i.inject(OpCreate, nil, name); inj != nil {
		return nil, inj.err
	}
	f, err := i.fs.Create(name)
	return i.wrapFile(name, f, err)
}

// Open implements FS.
func (i *InjectingFS) Open(name string) (File, error) {
	if inj := i.inject(OpOpen, nil, name); inj != nil {
		return nil, inj.err
	}
	f, err := i.fs.Open(name)
	return i.wrapFile(name, f, err)
}

// OpenReadWrite implements FS.
func (i *InjectingFS) OpenReadWrite(name string) (File, error) {
	if inj := i.inject(OpOpen, nil, name); inj != nil {
		return nil, inj.err
	}
	f, err := i.fs.OpenReadWrite(name)
	return i.wrapFile(name, f, err)
}

// OpenDir implements FS.
func (i *InjectingFS) OpenDir(name string) (File, error) {
	if inj := i.inject(OpOpenDir, nil, name); inj != nil {
		return nil, inj.err
	}
	f, err := i.fs.OpenDir(name)
	return i.wrapFile(name, f, err)
}

// wrapFile wraps the result of opening name.
func (i *InjectingFS) wrapFile(name string, f File, err error) (File, error) {
	if err != nil {
		return nil, err
	}
	return &injectingFile{fs: i, f: f, name: name}, nil
}

// Remove implements FS.
func (i *InjectingFS) Remove(name string) error {
	if inj := i.inject(OpRemove, nil, name); inj != nil {
		return inj.err
	}
	return i.fs.Remove(name)
}

// RemoveAll implements FS.
func (i *InjectingFS) RemoveAll(name string) error {
	if inj := i.inject(OpRemoveAll, nil, name); inj != nil {
		return inj.err
	}
	return i.fs.RemoveAll(name)
}

// Rename implements FS.
func (i *InjectingFS) Rename(oldname, newname string) error {
	if inj := i.inject(OpRename, nil, oldname, newname); inj != nil {
		return inj.err
	}
	return i.fs.Rename(oldname, newname)
}

// MkdirAll implements FS.
func (i *InjectingFS) MkdirAll(dir string, perm os.FileMode) error {
	if inj := i.inject(OpMkdirAll, nil, dir); inj != nil {
		return inj.err
	}
	return i.fs.MkdirAll(dir, perm)
}

// List implements FS.
func (i *InjectingFS) List(dir string) ([]string, error) {
	if inj := i.inject(OpList, nil, dir); inj != nil {
		return nil, inj.err
	}
	return i.fs.List(dir)
}

// Stat implements FS.
func (i *InjectingFS) Stat(name string) (os.FileInfo, error) {
	if inj := i.inject(OpStat, nil, name); inj != nil {
		return nil, inj.err
	}
	return i.fs.Stat(name)
}

// Lock implements FS. Releasing the lock is not an injectable operation.
func (i *InjectingFS) Lock(name string) (io.Closer, error) {
	if inj := i.inject(OpLock, nil, name); inj != nil {
		return nil, inj.err
	}
	return i.fs.Lock(name)
}

type injectingFile struct {
	fs   *InjectingFS
	f    File
	name string
}

func (f *injectingFile) Read(p []byte) (int, error) {
	if inj := f.fs.inject(OpRead, nil, f.name); inj != nil {
		return 0, inj.err
	}
	return f.f.Read(p)
}

func (f *injectingFile) ReadAt(p []byte, off int64) (int, error) {
	if inj := f.fs.inject(OpRead, nil, f.name); inj != nil {
		return 0, inj.err
	}
	return f.f.ReadAt(p, off)
}

func (f *injectingFile) Write(p []byte) (int, error) {
	if inj := f.fs.inject(OpWrite, p, f.name); inj != nil {
		return inj.write(p, f.f.Write)
	}
	return f.f.Write(p)
}

func (f *injectingFile) WriteAt(p []byte, off int64) (int, error) {
	if inj := f.fs.inject(OpWrite, p, f.name); inj != nil {
		return inj.write(p, func(b []byte) (int, error) { return f.f.WriteAt(b, off) })
	}
	return f.f.WriteAt(p, off)
}

// Close closes the wrapped file even when it fails by injection, as
// close(2) releases the descriptor whatever it returns.
func (f *injectingFile) Close() error {
	inj := f.fs.inject(OpClose, nil, f.name)
	err := f.f.Close()
	if inj != nil {
		return inj.err
	}
	return err
}

// Sync fails without syncing: over a MemFS, the data stays non-durable.
func (f *injectingFile) Sync() error {
	if inj := f.fs.inject(OpSync, nil, f.name); inj != nil {
		return inj.err
	}
	return f.f.Sync()
}

func (f *injectingFile) Truncate(size int64) error {
	if inj := f.fs.inject(OpTruncate, nil, f.name); inj != nil {
		return inj.err
	}
	return f.f.Truncate(size)
}

func (f *injectingFile) Preallocate(off, length int64) error {
	if inj := f.fs.inject(OpPreallocate, nil, f.name); inj != nil {
		return inj.err
	}
	return f.f.Preallocate(off, length)
}

func (f *injectingFile) Stat() (os.FileInfo, error) {
	if inj := f.fs.inject(OpStat, nil, f.name); inj != nil {
		return nil, inj.err
	}
	return f.f.Stat()
}
