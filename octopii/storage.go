package octopii

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"

	"github.com/reefdb/reef/internal/vfs"
	"github.com/reefdb/reef/walrus"
)

// Record kinds of the Raft log (docs/format/octopii.md). Every walrus entry
// of a generation topic is one record: a kind byte, then its body.
const (
	recEntry     = 'E' // one raftpb.Entry
	recHardState = 'H' // raftpb.HardState
	recSnapshot  = 'S' // keep byte, raftpb.SnapshotMetadata
	recCommit    = 'C' // uint32 record count of the batch, uint64 batch sequence
	recBase      = 'G' // generation header: uint64 generation; first record of a topic
)

const (
	genPrefix = "raft-"
	// commitBodyBytes is the size of a commit marker after its kind byte.
	commitBodyBytes = 12
)

// ErrCorrupt is returned (wrapped) when the Raft log or a snapshot file fails
// a checksum or a structural check. Corrupt data is never applied.
var ErrCorrupt = errors.New("octopii: corrupt data")

// diskState is what recovery finds: the newest snapshot's metadata, the
// HardState and the entries after the snapshot.
type diskState struct {
	snap    raftpb.SnapshotMetadata
	hard    raftpb.HardState
	entries []raftpb.Entry
}

// logStore keeps a replica's Raft state durable on a walrus Log.
//
// Every Save writes one batch: its records, then a commit marker that names
// how many records the batch holds. Walrus writes a batch as one
// checksummed frame when it fits MaxBatchBytes, so it survives a crash whole
// or not at all; a larger batch spans several frames, and recovery ignores
// records not followed by their commit marker. Nothing is acknowledged
// before Save returns, which is after fdatasync (walrus Sync mode).
//
// The log lives in a topic per generation ("raft-<gen>"). Compaction writes
// the state that matters (snapshot metadata, HardState, the entries after
// the snapshot) to generation gen+1 and deletes gen: a rewrite, so the log
// never grows past a few snapshots' worth of entries, and no file is ever
// cut in the middle.
type logStore struct {
	log    *walrus.Log
	opts   storeOptions
	gen    uint64
	topic  *walrus.Topic
	seq    uint64 // batch sequence, for the commit marker
	state  diskState
	buf    [][]byte
	logger *slog.Logger
	// genBytes is what the generation holds; baseBytes what its rewrite
	// wrote (the live state then).
	genBytes, baseBytes int64
}

type storeOptions struct {
	fs     vfs.FS
	dir    string
	noSync bool
	now    func() time.Time
	logger *slog.Logger
	// segmentBytes bounds a walrus segment; generations are rewritten
	// before they pass half of it, so a topic never rolls (rolling seals in
	// the background, which the simulator cannot order).
	segmentBytes int64
}

func genName(gen uint64) string { return fmt.Sprintf("%s%016x", genPrefix, gen) }

func parseGen(name string) (uint64, bool) {
	if !strings.HasPrefix(name, genPrefix) || len(name) != len(genPrefix)+16 {
		return 0, false
	}
	g, err := strconv.ParseUint(name[len(genPrefix):], 16, 64)
	return g, err == nil
}

// openLogStore opens (creating) the Raft log in dir and recovers its state.
func openLogStore(o storeOptions) (*logStore, error) {
	// Buffered I/O, not walrus's direct mode: direct mode rewrites the
	// partial last block of a segment, so a torn write there would destroy
	// frames that were already synced (the simulator found this with torn
	// writes); appends through the page cache never touch synced bytes.
	wo := walrus.Options{FS: o.fs, Durability: walrus.Sync, Logger: o.logger, Now: o.now,
		SegmentSizeBytes: o.segmentBytes, MaxOpenFiles: 16, IO: walrus.IOBuffered}
	if o.noSync {
		wo.Durability = walrus.None
	}
	l, err := walrus.Open(o.dir, wo)
	if err != nil {
		return nil, fmt.Errorf("octopii: open raft log: %w", err)
	}
	s := &logStore{log: l, opts: o, logger: o.logger}
	if err := s.recover(); err != nil {
		l.Close()
		return nil, err
	}
	return s, nil
}

// recover finds the newest complete generation, replays it, removes the
// others, and rewrites it when it ends in records with no commit marker.
func (s *logStore) recover() error {
	var gens []uint64
	for _, name := range s.log.Topics() {
		if g, ok := parseGen(name); ok {
			gens = append(gens, g)
		}
	}
	sort.Slice(gens, func(i, j int) bool { return gens[i] > gens[j] })
	found := false
	dirty := false
	for _, g := range gens {
		st, complete, tail, size, err := s.replay(g)
		if err != nil {
			return err
		}
		if !complete {
			// A rewrite that did not finish: the older generation holds
			// the state.
			if err := s.log.DeleteTopic(genName(g)); err != nil {
				return fmt.Errorf("octopii: remove unfinished generation %d: %w", g, err)
			}
			continue
		}
		if !found {
			found, s.gen, s.state, dirty = true, g, st, tail
			s.genBytes = size
			continue
		}
		if err := s.log.DeleteTopic(genName(g)); err != nil {
			return fmt.Errorf("octopii: remove old generation %d: %w", g, err)
		}
	}
	if !found {
		return s.rewrite(1)
	}
	t, err := s.log.Topic(genName(s.gen))
	if err != nil {
		return fmt.Errorf("octopii: open generation %d: %w", s.gen, err)
	}
	s.topic = t
	if dirty {
		return s.rewrite(s.gen + 1)
	}
	return nil
}

// replay reads generation g. complete reports whether its header batch was
// committed; tail whether records follow the last commit marker.
func (s *logStore) replay(g uint64) (st diskState, complete, tail bool, size int64, err error) {
	t, err := s.log.Topic(genName(g))
	if err != nil {
		return st, false, false, 0, fmt.Errorf("octopii: open generation %d: %w", g, err)
	}
	_, next := t.Bounds()
	var pending [][]byte
	for off := uint64(0); off < next; {
		ents, err := t.Read(off, 4096, 8<<20)
		if err != nil {
			return st, false, false, 0, fmt.Errorf("octopii: read generation %d at %d: %w", g, off, err)
		}
		if len(ents) == 0 {
			break
		}
		for _, e := range ents {
			off = e.Offset + 1
			v := e.Value
			if len(v) == 0 {
				return st, false, false, 0, fmt.Errorf("%w: empty record at %d of generation %d", ErrCorrupt, e.Offset, g)
			}
			size += int64(len(v))
			if v[0] != recCommit {
				pending = append(pending, append([]byte(nil), v...))
				continue
			}
			if len(v) != 1+commitBodyBytes || int(binary.BigEndian.Uint32(v[1:])) != len(pending) {
				return st, false, false, 0, fmt.Errorf("%w: commit marker at %d of generation %d does not match its batch", ErrCorrupt, e.Offset, g)
			}
			s.seq = max(s.seq, binary.BigEndian.Uint64(v[5:]))
			for _, rec := range pending {
				if err := st.apply(rec, g, &complete); err != nil {
					return st, false, false, 0, fmt.Errorf("octopii: generation %d at %d: %w", g, e.Offset, err)
				}
			}
			pending = pending[:0]
		}
	}
	return st, complete, len(pending) > 0, size, nil
}

// apply folds one committed record into the state.
func (st *diskState) apply(rec []byte, g uint64, sawBase *bool) error {
	body := rec[1:]
	switch rec[0] {
	case recBase:
		if len(body) != 8 || binary.BigEndian.Uint64(body) != g {
			return fmt.Errorf("%w: bad generation header", ErrCorrupt)
		}
		*sawBase = true
	case recHardState:
		var hs raftpb.HardState
		if err := hs.Unmarshal(body); err != nil {
			return fmt.Errorf("%w: hard state: %v", ErrCorrupt, err)
		}
		st.hard = hs
	case recSnapshot:
		if len(body) < 1 {
			return fmt.Errorf("%w: short snapshot record", ErrCorrupt)
		}
		var meta raftpb.SnapshotMetadata
		if err := meta.Unmarshal(body[1:]); err != nil {
			return fmt.Errorf("%w: snapshot record: %v", ErrCorrupt, err)
		}
		st.applySnapshot(meta, body[0] == 1)
	case recEntry:
		var e raftpb.Entry
		if err := e.Unmarshal(body); err != nil {
			return fmt.Errorf("%w: entry: %v", ErrCorrupt, err)
		}
		return st.append(e)
	default:
		return fmt.Errorf("%w: unknown record kind %q", ErrCorrupt, rec[0])
	}
	if !*sawBase {
		return fmt.Errorf("%w: generation does not start with its header", ErrCorrupt)
	}
	return nil
}

// applySnapshot moves the log's start to meta. A snapshot taken locally
// (keep) covers entries the log has, and those after it stay; a snapshot
// received from the leader replaces the whole log.
func (st *diskState) applySnapshot(meta raftpb.SnapshotMetadata, keep bool) {
	if meta.Index <= st.snap.Index {
		return
	}
	st.snap = meta
	if !keep {
		st.entries = nil
		return
	}
	i := 0
	for i < len(st.entries) && st.entries[i].Index <= meta.Index {
		i++
	}
	st.entries = append([]raftpb.Entry(nil), st.entries[i:]...)
}

// append adds e, replacing the entries from e.Index on (a new leader's log
// overrides an uncommitted suffix).
func (st *diskState) append(e raftpb.Entry) error {
	first := st.snap.Index + 1
	if e.Index < first {
		return nil // already covered by the snapshot
	}
	last := st.snap.Index + uint64(len(st.entries))
	if e.Index > last+1 {
		return fmt.Errorf("%w: entry %d after a gap (last %d)", ErrCorrupt, e.Index, last)
	}
	st.entries = append(st.entries[:e.Index-first], e)
	return nil
}

// save makes hs, the snapshot meta (if any) and ents durable, in that
// order of application: snapshot first, then entries, then HardState.
func (s *logStore) save(hs raftpb.HardState, snap *raftpb.SnapshotMetadata, keep bool, ents []raftpb.Entry) error {
	recs := s.buf[:0]
	if snap != nil {
		recs = append(recs, snapshotRecord(*snap, keep))
		s.state.applySnapshot(*snap, keep)
	}
	for i := range ents {
		recs = append(recs, marshalRecord(recEntry, &ents[i]))
		if err := s.state.append(ents[i]); err != nil {
			return err
		}
	}
	if !raft.IsEmptyHardState(hs) {
		recs = append(recs, marshalRecord(recHardState, &hs))
		s.state.hard = hs
	}
	s.buf = recs[:0]
	if len(recs) == 0 {
		return nil
	}
	n, err := s.writeBatch(s.topic, recs)
	if err != nil {
		return err
	}
	s.genBytes += n
	// Rewrite once the generation has doubled since it was written, and is
	// past a quarter segment: amortised O(1) per record, and a generation
	// whose live state stays small never rolls its segment.
	if s.genBytes > 2*s.baseBytes && s.genBytes > s.opts.segmentBytes/4 {
		return s.rewrite(s.gen + 1)
	}
	return nil
}

// writeBatch appends recs and a commit marker, in frames that fit walrus's
// batch bound, and returns the bytes written.
func (s *logStore) writeBatch(t *walrus.Topic, recs [][]byte) (int64, error) {
	s.seq++
	var marker [1 + commitBodyBytes]byte
	marker[0] = recCommit
	binary.BigEndian.PutUint32(marker[1:], uint32(len(recs)))
	binary.BigEndian.PutUint64(marker[5:], s.seq)
	limit := walrus.DefaultMaxBatchBytes / 2
	start, size, total := 0, 0, int64(len(marker))
	for i, r := range recs {
		if size+len(r) > limit && i > start {
			if _, err := t.AppendBatch(recs[start:i]); err != nil {
				return 0, fmt.Errorf("octopii: write raft log: %w", err)
			}
			start, size = i, 0
		}
		size += len(r)
		total += int64(len(r))
	}
	tail := append(recs[start:len(recs):len(recs)], marker[:])
	if _, err := t.AppendBatch(tail); err != nil {
		return 0, fmt.Errorf("octopii: write raft log: %w", err)
	}
	return total, nil
}

// rewrite writes the current state to generation gen and drops the older
// ones. The new generation counts only once its header batch is committed.
func (s *logStore) rewrite(gen uint64) error {
	name := genName(gen)
	if err := s.log.CreateTopic(name); err != nil {
		return fmt.Errorf("octopii: create generation %d: %w", gen, err)
	}
	t, err := s.log.Topic(name)
	if err != nil {
		return fmt.Errorf("octopii: open generation %d: %w", gen, err)
	}
	var base [9]byte
	base[0] = recBase
	binary.BigEndian.PutUint64(base[1:], gen)
	recs := [][]byte{base[:]}
	if s.state.snap.Index > 0 {
		recs = append(recs, snapshotRecord(s.state.snap, true))
	}
	for i := range s.state.entries {
		recs = append(recs, marshalRecord(recEntry, &s.state.entries[i]))
	}
	if !raft.IsEmptyHardState(s.state.hard) {
		recs = append(recs, marshalRecord(recHardState, &s.state.hard))
	}
	n, err := s.writeBatch(t, recs)
	if err != nil {
		return err
	}
	old := s.gen
	s.gen, s.topic = gen, t
	s.genBytes, s.baseBytes = n, n
	if old != 0 && old != gen {
		if err := s.log.DeleteTopic(genName(old)); err != nil {
			return fmt.Errorf("octopii: remove generation %d: %w", old, err)
		}
	}
	return nil
}

func (s *logStore) close() error { return s.log.Close() }

type marshaler interface {
	Size() int
	MarshalTo([]byte) (int, error)
}

func marshalRecord(kind byte, m marshaler) []byte {
	b := make([]byte, 1+m.Size())
	b[0] = kind
	if _, err := m.MarshalTo(b[1:]); err != nil {
		panic(fmt.Sprintf("octopii: marshal record: %v", err)) // sized above: cannot fail
	}
	return b
}

func snapshotRecord(meta raftpb.SnapshotMetadata, keep bool) []byte {
	b := make([]byte, 2+meta.Size())
	b[0] = recSnapshot
	if keep {
		b[1] = 1
	}
	if _, err := meta.MarshalTo(b[2:]); err != nil {
		panic(fmt.Sprintf("octopii: marshal snapshot record: %v", err))
	}
	return b
}
