package walrus

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// VerifyReport is what Verify found.
type VerifyReport struct {
	Topics []TopicReport
}

// TopicReport describes one topic's segments.
type TopicReport struct {
	Name     string
	Segments int
	Entries  uint64
	Bytes    int64
	// Problems are corruption findings; each wraps ErrCorrupt (or is an I/O
	// error reading the files).
	Problems []error
	// Notes are findings that are not corruption, such as a torn tail of
	// the active segment that the next Open will cut.
	Notes []string
}

// Err joins every problem of every topic; nil means the log verified.
func (r *VerifyReport) Err() error {
	var errs []error
	for _, t := range r.Topics {
		errs = append(errs, t.Problems...)
	}
	return errors.Join(errs...)
}

// Verify reads every frame of every segment of the log in dir and checks
// checksums, offsets, segment continuity and index files. It only reads, and
// takes no lock, so it can run beside a process that has the log open (that
// process's active tail may then show as a torn-tail note).
func Verify(dir string, opts Options) (*VerifyReport, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	fs := opts.FS
	tdir := joinPath(dir, topicsDir)
	names, err := fs.List(tdir)
	if err != nil {
		return nil, fmt.Errorf("walrus: verify %s: %w", dir, err)
	}
	rep := &VerifyReport{}
	for _, name := range names {
		if strings.HasPrefix(name, deletedPrefix) || checkName(name) != nil {
			continue
		}
		rep.Topics = append(rep.Topics, verifyTopic(opts, joinPath(tdir, name), name))
	}
	return rep, nil
}

func verifyTopic(opts Options, dir, name string) TopicReport {
	fs := opts.FS
	tr := TopicReport{Name: name}
	problem := func(format string, args ...any) {
		tr.Problems = append(tr.Problems, fmt.Errorf("walrus: topic %s: "+format, append([]any{name}, args...)...))
	}
	files, err := fs.List(dir)
	if err != nil {
		problem("list: %w", err)
		return tr
	}
	var bases []uint64
	for _, f := range files {
		if b, ok := parseSegmentName(f); ok {
			bases = append(bases, b)
		}
	}
	sort.Slice(bases, func(i, j int) bool { return bases[i] < bases[j] })
	tr.Segments = len(bases)
	for i, base := range bases {
		// A writer may seal the segment (truncate it, write its index) while
		// we read it; if its size changed under us, look again.
		for attempt := 0; ; attempt++ {
			before := len(tr.Problems)
			size := fileSize(opts, joinPath(dir, segmentName(base)))
			verifySegment(opts, &tr, dir, bases, i, problem)
			if len(tr.Problems) == before || attempt == 2 || fileSize(opts, joinPath(dir, segmentName(base))) == size {
				break
			}
			tr.Problems = tr.Problems[:before]
		}
	}
	verifyCursors(opts, &tr, dir)
	return tr
}

func fileSize(opts Options, path string) int64 {
	fi, err := opts.FS.Stat(path)
	if err != nil {
		return -1
	}
	return fi.Size()
}

// verifySegment checks segment i of bases.
func verifySegment(opts Options, tr *TopicReport, dir string, bases []uint64, i int, problem func(string, ...any)) {
	fs := opts.FS
	base := bases[i]
	path := joinPath(dir, segmentName(base))
	active := i == len(bases)-1
	f, err := fs.Open(path)
	if isNotExist(err) {
		// Listed a moment ago: retention deleted it while we looked.
		tr.Notes = append(tr.Notes, fmt.Sprintf("segment %s: deleted during verify", path))
		return
	}
	if err != nil {
		problem("open segment %s: %w", path, err)
		return
	}
	res, err := scanSegment(f, base, opts.IndexIntervalBytes)
	if err == nil && active && res.stop != nil && !blankTail(f, res.end) {
		// Non-zero bytes after the cut: say so, but a crash can leave
		// unsynced pages in any order, so it is not proof of damage.
		tr.Notes = append(tr.Notes, fmt.Sprintf("segment %s: unverifiable data after position %d (%v); the next open cuts it", path, res.end, res.stop))
	} else if err == nil && active && res.stop != nil {
		tr.Notes = append(tr.Notes, fmt.Sprintf("segment %s: torn tail at position %d; the next open cuts it", path, res.end))
	}
	f.Close()
	if err != nil {
		problem("segment %s: %w", path, err)
		return
	}
	if active {
		tr.Entries += res.next - base
		tr.Bytes += res.end
		return
	}
	idx, err := readIndexFile(fs, indexPath(path), base, res.size)
	if isNotExist(err) && res.size > res.end {
		// Still preallocated, no index: a seal in progress, or one a
		// crash interrupted. Open finishes it, or cuts the log here if
		// its data does not reach the next segment.
		tr.Notes = append(tr.Notes, fmt.Sprintf("segment %s: seal unfinished (data ends at offset %d, next segment at %d); the next open completes it", path, res.next, bases[i+1]))
		tr.Entries += res.next - base
		tr.Bytes += res.end
		return
	}
	tr.Entries += res.next - base
	tr.Bytes += res.end
	switch {
	case res.stop != nil:
		problem("sealed segment %s: %w", path, res.stop)
	case res.end != res.size:
		problem("%w: sealed segment %s: %d bytes after its last frame", ErrCorrupt, path, res.size-res.end)
	case res.next != bases[i+1]:
		problem("%w: sealed segment %s ends at offset %d but the next segment starts at %d", ErrCorrupt, path, res.next, bases[i+1])
	}
	if isNotExist(err) {
		tr.Notes = append(tr.Notes, fmt.Sprintf("segment %s: no index file; the next open rebuilds it", path))
		return
	}
	if err != nil {
		problem("index of %s: %w", path, err)
		return
	}
	if idx.next != res.next || idx.end != res.end {
		problem("%w: index of %s says next %d end %d, segment has %d %d", ErrCorrupt, path, idx.next, idx.end, res.next, res.end)
	}
}

// verifyCursors notes a torn tail of the cursor log.
func verifyCursors(opts Options, tr *TopicReport, dir string) {
	fs := opts.FS
	if _, err := fs.Stat(joinPath(dir, cursorFile)); err == nil {
		f, err := fs.Open(joinPath(dir, cursorFile))
		if err == nil {
			st, _ := f.Stat()
			data := make([]byte, st.Size())
			_, rerr := f.ReadAt(data, 0)
			f.Close()
			c := cursorStore{committed: map[string]uint64{}}
			if rerr == nil && c.load(data) != len(data) {
				tr.Notes = append(tr.Notes, "cursor log has a torn tail; the next open cuts it")
			}
		}
	}
}
