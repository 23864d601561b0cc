package octopii

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"testing"

	"go.etcd.io/raft/v3/raftpb"

	"github.com/reefdb/reef/internal/vfs"
)

func openTestStore(t *testing.T, fs vfs.FS, segment int64) *logStore {
	t.Helper()
	s, err := openLogStore(storeOptions{fs: fs, dir: "/log", segmentBytes: segment})
	if err != nil {
		t.Fatalf("open log store: %v", err)
	}
	return s
}

func ents(first, last, term uint64) []raftpb.Entry {
	var es []raftpb.Entry
	for i := first; i <= last; i++ {
		es = append(es, raftpb.Entry{Index: i, Term: term, Data: []byte(fmt.Sprintf("e%d-t%d", i, term))})
	}
	return es
}

// storeModel is the dumb reference: every entry ever written by index, the
// snapshot index and the hard state.
type storeModel struct {
	byIndex map[uint64]raftpb.Entry
	last    uint64
	snap    raftpb.SnapshotMetadata
	hard    raftpb.HardState
}

func (m *storeModel) want() diskState {
	st := diskState{snap: m.snap, hard: m.hard}
	for i := m.snap.Index + 1; i <= m.last; i++ {
		st.entries = append(st.entries, m.byIndex[i])
	}
	return st
}

func sameState(t *testing.T, what string, got, want diskState) {
	t.Helper()
	if len(got.entries) == 0 {
		got.entries = nil
	}
	if len(want.entries) == 0 {
		want.entries = nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: state differs\n got snap %v hard %v %d entries %v\nwant snap %v hard %v %d entries %v",
			what, got.snap, got.hard, len(got.entries), got.entries, want.snap, want.hard, len(want.entries), want.entries)
	}
}

// TestLogStoreModel saves random batches (appends that overwrite a
// suffix, hard states, local and received snapshots), reopens at random,
// and after a power loss, and compares the recovered state with the model.
func TestLogStoreModel(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		mem := vfs.NewMem()
		s := openTestStore(t, mem, 64<<10)
		m := &storeModel{byIndex: map[uint64]raftpb.Entry{}}
		term := uint64(1)
		for step := 0; step < 300; step++ {
			switch k := rng.IntN(20); {
			case k < 12:
				// Append, possibly overwriting a suffix with a newer term.
				from := m.last + 1
				if m.last > m.snap.Index && rng.IntN(4) == 0 {
					from = m.snap.Index + 1 + rng.Uint64N(m.last-m.snap.Index)
					term++
				}
				es := ents(from, from+rng.Uint64N(8), term)
				hs := raftpb.HardState{Term: term, Commit: m.snap.Index}
				if err := s.save(hs, nil, false, es); err != nil {
					t.Fatalf("seed %d: save: %v", seed, err)
				}
				for _, e := range es {
					m.byIndex[e.Index] = e
				}
				m.last = es[len(es)-1].Index
				m.hard = hs
			case k < 15 && m.last > m.snap.Index:
				// A local snapshot keeps the entries after it.
				at := m.snap.Index + 1 + rng.Uint64N(m.last-m.snap.Index)
				meta := raftpb.SnapshotMetadata{Index: at, Term: m.byIndex[at].Term, ConfState: raftpb.ConfState{Voters: []uint64{1, 2, 3}}}
				if err := s.save(raftpb.HardState{}, &meta, true, nil); err != nil {
					t.Fatalf("seed %d: save snapshot: %v", seed, err)
				}
				m.snap = meta
			case k < 16:
				// A received snapshot replaces the log.
				term++
				at := m.last + 1 + rng.Uint64N(20)
				meta := raftpb.SnapshotMetadata{Index: at, Term: term, ConfState: raftpb.ConfState{Voters: []uint64{1, 2}}}
				if err := s.save(raftpb.HardState{Term: term, Commit: at}, &meta, false, nil); err != nil {
					t.Fatalf("seed %d: save received snapshot: %v", seed, err)
				}
				m.snap, m.last, m.hard = meta, at, raftpb.HardState{Term: term, Commit: at}
			case k < 18:
				s.close()
				s = openTestStore(t, mem, 64<<10)
				sameState(t, fmt.Sprintf("seed %d step %d after reopen", seed, step), s.state, m.want())
			default:
				// Power loss: everything saved was synced, so all of it stays.
				mem.Crash(vfs.CrashOptions{KeepUnsyncedPrefix: true, Rand: rand.New(rand.NewPCG(seed, uint64(step)))})
				s.close()
				s = openTestStore(t, mem, 64<<10)
				sameState(t, fmt.Sprintf("seed %d step %d after power loss", seed, step), s.state, m.want())
			}
			sameState(t, fmt.Sprintf("seed %d step %d in memory", seed, step), s.state, m.want())
		}
		if s.gen < 2 {
			t.Errorf("seed %d: no generation rewrite happened (gen %d)", seed, s.gen)
		}
		s.close()
	}
}

// TestLogStoreIgnoresUncommittedTail writes a batch's records without its
// commit marker, as a crash in the middle of a multi-frame batch leaves
// them: recovery must not apply them, and must start a new generation so
// that later batches are not mixed with them.
func TestLogStoreIgnoresUncommittedTail(t *testing.T) {
	mem := vfs.NewMem()
	s := openTestStore(t, mem, 1<<20)
	if err := s.save(raftpb.HardState{Term: 1, Commit: 2}, nil, false, ents(1, 3, 1)); err != nil {
		t.Fatal(err)
	}
	want := s.state
	gen := s.gen
	// Half a batch: two entry records, no marker.
	partial := [][]byte{marshalRecord(recEntry, &ents(4, 4, 1)[0]), marshalRecord(recEntry, &ents(5, 5, 1)[0])}
	if _, err := s.topic.AppendBatch(partial); err != nil {
		t.Fatal(err)
	}
	s.close()
	s = openTestStore(t, mem, 1<<20)
	sameState(t, "after reopen", s.state, want)
	if s.gen != gen+1 {
		t.Fatalf("generation %d after recovering a dirty tail, want %d", s.gen, gen+1)
	}
	if err := s.save(raftpb.HardState{}, nil, false, ents(4, 4, 2)); err != nil {
		t.Fatal(err)
	}
	want = s.state
	s.close()
	s = openTestStore(t, mem, 1<<20)
	defer s.close()
	sameState(t, "after second reopen", s.state, want)
	if got := s.state.entries[len(s.state.entries)-1]; got.Index != 4 || got.Term != 2 {
		t.Fatalf("last entry %v, want index 4 term 2", got)
	}
}

// TestLogStoreDetectsBadMarker: a commit marker whose count does not match
// its batch is corruption, reported as ErrCorrupt, never applied.
func TestLogStoreDetectsBadMarker(t *testing.T) {
	mem := vfs.NewMem()
	s := openTestStore(t, mem, 1<<20)
	if err := s.save(raftpb.HardState{Term: 1}, nil, false, ents(1, 2, 1)); err != nil {
		t.Fatal(err)
	}
	bad := []byte{recCommit, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 99}
	if _, err := s.topic.AppendBatch([][]byte{marshalRecord(recEntry, &ents(3, 3, 1)[0]), bad}); err != nil {
		t.Fatal(err)
	}
	s.close()
	_, err := openLogStore(storeOptions{fs: mem, dir: "/log", segmentBytes: 1 << 20})
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("open with a bad marker: %v, want ErrCorrupt", err)
	}
}

func TestSnapshotFiles(t *testing.T) {
	mem := vfs.NewMem()
	if err := mem.MkdirAll("/snap", 0o755); err != nil {
		t.Fatal(err)
	}
	ss := &snapStore{fs: mem, dir: "/snap"}
	meta := raftpb.SnapshotMetadata{Index: 42, Term: 3, ConfState: raftpb.ConfState{Voters: []uint64{1, 2, 3}}}
	payload := make([]byte, 300<<10)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	if err := ss.create(meta, func(w io.Writer) error { _, err := w.Write(payload); return err }); err != nil {
		t.Fatal(err)
	}
	var got []byte
	if err := ss.restore(meta, func(r io.Reader) error { var err error; got, err = io.ReadAll(r); return err }); err != nil {
		t.Fatal(err)
	}
	if string(got) != string(payload) {
		t.Fatalf("restored %d bytes, differ from the %d written", len(got), len(payload))
	}
	// Streamed to another node: the same file arrives and verifies there.
	f, size, err := ss.open(meta)
	if err != nil {
		t.Fatal(err)
	}
	other := &snapStore{fs: vfs.NewMem(), dir: "/"}
	if err := other.receive(meta, io.LimitReader(f, size)); err != nil {
		t.Fatalf("receive: %v", err)
	}
	f.Close()
	// A different snapshot's meta does not accept the file.
	f, size, _ = ss.open(meta)
	wrong := meta
	wrong.Index = 43
	if err := other.receive(wrong, io.LimitReader(f, size)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("receive under the wrong meta: %v, want ErrCorrupt", err)
	}
	f.Close()
	// One flipped byte anywhere is caught.
	for _, off := range []int64{3, 20, size / 2, size - 1} {
		file, _ := mem.OpenReadWrite("/snap/" + snapName(3, 42))
		b := make([]byte, 1)
		file.ReadAt(b, off)
		b[0] ^= 0x40
		file.WriteAt(b, off)
		if err := ss.restore(meta, func(io.Reader) error { return nil }); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("flipped byte at %d: restore %v, want ErrCorrupt", off, err)
		}
		b[0] ^= 0x40
		file.WriteAt(b, off)
		file.Close()
	}
	if err := ss.restore(meta, func(io.Reader) error { return nil }); err != nil {
		t.Fatalf("restored file: %v", err)
	}
}
