package octopii

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"

	"go.etcd.io/raft/v3/raftpb"

	"github.com/reefdb/reef/internal/vfs"
)

// FuzzRecords feeds arbitrary records to recovery's decoder: it must never
// panic, and whatever it accepts keeps the log contiguous after the
// snapshot.
func FuzzRecords(f *testing.F) {
	hs := raftpb.HardState{Term: 2, Vote: 1, Commit: 3}
	e := raftpb.Entry{Index: 1, Term: 1, Data: []byte("x")}
	meta := raftpb.SnapshotMetadata{Index: 5, Term: 2}
	var seed []byte
	for _, rec := range [][]byte{{recBase, 0, 0, 0, 0, 0, 0, 0, 1}, marshalRecord(recEntry, &e), marshalRecord(recHardState, &hs), snapshotRecord(meta, true)} {
		seed = binary.BigEndian.AppendUint16(seed, uint16(len(rec)))
		seed = append(seed, rec...)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, b []byte) {
		var st diskState
		saw := false
		for len(b) >= 2 {
			n := int(binary.BigEndian.Uint16(b))
			b = b[2:]
			if n == 0 || n > len(b) {
				return
			}
			if err := st.apply(b[:n], 1, &saw); err != nil {
				return
			}
			b = b[n:]
			for i, e := range st.entries {
				if e.Index != st.snap.Index+1+uint64(i) {
					t.Fatalf("entry %d at position %d after snapshot %d", e.Index, i, st.snap.Index)
				}
			}
		}
	})
}

// FuzzSnapshotFile verifies arbitrary bytes as a snapshot file: an error or
// a valid file, never a panic, and never a restore of unverified data.
func FuzzSnapshotFile(f *testing.F) {
	mem := vfs.NewMem()
	mem.MkdirAll("/s", 0o755)
	ss := &snapStore{fs: mem, dir: "/s"}
	meta := raftpb.SnapshotMetadata{Index: 7, Term: 3}
	if err := ss.create(meta, func(w io.Writer) error { _, err := w.Write([]byte("state")); return err }); err != nil {
		f.Fatal(err)
	}
	file, _ := mem.Open("/s/" + snapName(3, 7))
	good, _ := io.ReadAll(file)
	file.Close()
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Fuzz(func(t *testing.T, b []byte) {
		fs := vfs.NewMem()
		other := &snapStore{fs: fs, dir: "/"}
		err := other.receive(meta, bytes.NewReader(b))
		if err != nil {
			return
		}
		var got []byte
		if err := other.restore(meta, func(r io.Reader) error { var e error; got, e = io.ReadAll(r); return e }); err != nil {
			t.Fatalf("a received file failed its restore: %v", err)
		}
		if bytes.Equal(b, good) && string(got) != "state" {
			t.Fatalf("restored %q", got)
		}
	})
}

// FuzzRestoreState reads arbitrary snapshot data sections (address book,
// sessions, state machine): an error or a state, never a panic.
func FuzzRestoreState(f *testing.F) {
	r := &Replica{peers: map[uint64]string{1: "a:1"}, sessions: map[uint64]*session{}, sm: nopMachine{}}
	r.firstTime(9, 3, 10)
	var buf bytes.Buffer
	r.snapshotState(&buf)
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		r := &Replica{peers: map[uint64]string{}, sessions: map[uint64]*session{}, sm: nopMachine{}}
		r.restoreState(bytes.NewReader(b))
	})
}

type nopMachine struct{}

func (nopMachine) Apply(uint64, []byte) []byte  { return nil }
func (nopMachine) Query([]byte) ([]byte, error) { return nil, nil }
func (nopMachine) Snapshot(io.Writer) error     { return nil }
func (nopMachine) Restore(r io.Reader) error    { _, err := io.ReadAll(r); return err }
