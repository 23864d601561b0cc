package persist

import (
	"fmt"
	"testing"
)

// BenchmarkAppendEncode: the work Append does under the AOF mutex (and
// so under the server's shard lock): encoding into the pending buffer,
// which the flusher hands back for reuse.
func BenchmarkAppendEncode(b *testing.B) {
	a := &AOF{opts: Options{MaxEntryBytes: DefaultMaxEntryBytes}}
	args := [][]byte{[]byte("SET"), []byte("key:000000123"), make([]byte, 64)}
	b.ReportAllocs()
	b.SetBytes(int64(respLen(args)))
	seq := uint64(1)
	for b.Loop() {
		a.encodeLocked(seq, args, respLen(args))
		seq++
		if len(a.buf) > 4<<20 { // what the flusher's buffer swap does
			a.buf, a.ents, a.openWhole = a.buf[:0], a.ents[:0], false
		}
	}
}

// BenchmarkAppendSync: SET + Sync from concurrent clients on the real file
// system, per policy (group commit shares one fdatasync in always).
func BenchmarkAppendSync(b *testing.B) {
	for _, p := range policies() {
		b.Run(p.String(), func(b *testing.B) {
			a, _, _ := openLoad(b, Options{Dir: b.TempDir(), Fsync: p, SegmentSizeBytes: 64 << 20})
			defer a.Close()
			b.ReportAllocs()
			b.SetParallelism(16)
			b.RunParallel(func(pb *testing.PB) {
				args := [][]byte{[]byte("SET"), []byte("key"), make([]byte, 64)}
				for i := 0; pb.Next(); i++ {
					args[1] = fmt.Appendf(args[1][:0], "key:%d", i)
					if err := a.Sync(a.Append(args)); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
