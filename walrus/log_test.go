package walrus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func openT(t *testing.T, dir string, o Options) *Log {
	t.Helper()
	l, err := Open(dir, o)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return l
}

func mustTopic(t *testing.T, l *Log, name string) *Topic {
	t.Helper()
	tp, err := l.Topic(name)
	if errors.Is(err, ErrTopicNotFound) {
		if err := l.CreateTopic(name); err != nil {
			t.Fatalf("create topic: %v", err)
		}
		tp, err = l.Topic(name)
	}
	if err != nil {
		t.Fatalf("topic: %v", err)
	}
	return tp
}

func val(i int) []byte { return []byte(fmt.Sprintf("value-%06d", i)) }

func checkEntries(t *testing.T, es []Entry, from uint64, n int) {
	t.Helper()
	if len(es) != n {
		t.Fatalf("got %d entries, want %d", len(es), n)
	}
	for i, e := range es {
		if e.Offset != from+uint64(i) || !bytes.Equal(e.Value, val(int(e.Offset))) {
			t.Fatalf("entry %d: offset %d value %q, want offset %d value %q", i, e.Offset, e.Value, from+uint64(i), val(int(from)+i))
		}
	}
}

func TestAppendReadModes(t *testing.T) {
	for _, c := range []struct {
		d      Durability
		direct bool
	}{{Sync, false}, {Interval, false}, {None, false}, {Sync, true}, {None, true}} {
		d := c.d
		t.Run(fmt.Sprintf("%s/direct=%v", d, c.direct), func(t *testing.T) {
			dir := t.TempDir()
			o := Options{Durability: d, SegmentSizeBytes: 4096, SyncInterval: time.Millisecond, IO: ioMode(c.direct)}
			l := openT(t, dir, o)
			tp := mustTopic(t, l, "t")
			for i := 0; i < 500; i++ {
				off, err := tp.Append(val(i))
				if err != nil || off != uint64(i) {
					t.Fatalf("append %d: off %d err %v", i, off, err)
				}
			}
			es, err := tp.Read(0, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			checkEntries(t, es, 0, 500)
			if tp.Segments() < 2 {
				t.Fatalf("expected rolls with 4 KiB segments, have %d segments", tp.Segments())
			}
			es, err = tp.Read(123, 10, 0)
			if err != nil {
				t.Fatal(err)
			}
			checkEntries(t, es, 123, 10)
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			l = openT(t, dir, o)
			defer l.Close()
			tp = mustTopic(t, l, "t")
			es, err = tp.Read(0, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			checkEntries(t, es, 0, 500)
			if off, err := tp.Append(val(500)); err != nil || off != 500 {
				t.Fatalf("append after reopen: %d %v", off, err)
			}
			for from := uint64(0); from < 501; from += 37 {
				es, err := tp.Read(from, 5, 0)
				if err != nil {
					t.Fatal(err)
				}
				checkEntries(t, es, from, min(5, int(501-from)))
			}
		})
	}
}

func TestReadLimits(t *testing.T) {
	l := openT(t, t.TempDir(), Options{Durability: None})
	defer l.Close()
	tp := mustTopic(t, l, "t")
	for i := 0; i < 100; i++ {
		tp.Append(val(i))
	}
	es, _ := tp.Read(10, 0, 3*len(val(0)))
	checkEntries(t, es, 10, 3)
	es, _ = tp.Read(10, 0, 1) // at least one entry
	checkEntries(t, es, 10, 1)
	es, err := tp.Read(100, 0, 0)
	if err != nil || len(es) != 0 {
		t.Fatalf("read at end: %d entries, %v", len(es), err)
	}
	es, err = tp.Read(1000, 0, 0)
	if err != nil || len(es) != 0 {
		t.Fatalf("read past end: %d entries, %v", len(es), err)
	}
}

func TestAppendBatchAndConcurrency(t *testing.T) {
	l := openT(t, t.TempDir(), Options{Durability: Sync, SegmentSizeBytes: 64 << 10})
	defer l.Close()
	tp := mustTopic(t, l, "t")
	const writers, per = 8, 200
	var wg sync.WaitGroup
	seen := make([]map[uint64][]byte, writers)
	for w := 0; w < writers; w++ {
		seen[w] = map[uint64][]byte{}
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < per; i++ {
				v := []byte(fmt.Sprintf("w%d-%d", w, i))
				if i%10 == 0 {
					off, err := tp.AppendBatch([][]byte{v, append(v, 'b')})
					if err != nil {
						t.Error(err)
						return
					}
					seen[w][off], seen[w][off+1] = v, append(v, 'b')
					continue
				}
				off, err := tp.Append(v)
				if err != nil {
					t.Error(err)
					return
				}
				seen[w][off] = v
			}
		}(w)
	}
	wg.Wait()
	es, err := tp.Read(0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := writers * (per + per/10)
	if len(es) != want {
		t.Fatalf("read %d entries, want %d", len(es), want)
	}
	for _, m := range seen {
		for off, v := range m {
			if !bytes.Equal(es[off].Value, v) {
				t.Fatalf("offset %d: %q, want %q", off, es[off].Value, v)
			}
		}
	}
	m := l.Metrics()
	if m.Syncs == 0 || m.Syncs >= m.Appends {
		t.Fatalf("group commit: %d syncs for %d appends", m.Syncs, m.Appends)
	}
}

func TestLimitsAndNames(t *testing.T) {
	l := openT(t, t.TempDir(), Options{MaxEntryBytes: 100, MaxBatchBytes: 150})
	defer l.Close()
	for _, bad := range []string{"", ".", "..", ".x", "a/b", "a b", string(make([]byte, 250))} {
		if err := l.CreateTopic(bad); !errors.Is(err, ErrInvalidTopicName) {
			t.Errorf("CreateTopic(%q) = %v, want ErrInvalidTopicName", bad, err)
		}
	}
	tp := mustTopic(t, l, "ok.name_1-x")
	if err := l.CreateTopic("ok.name_1-x"); !errors.Is(err, ErrTopicExists) {
		t.Errorf("create twice: %v", err)
	}
	if _, err := tp.Append(make([]byte, 101)); !errors.Is(err, ErrEntryTooLarge) {
		t.Errorf("large entry: %v", err)
	}
	if _, err := tp.AppendBatch([][]byte{make([]byte, 100), make([]byte, 100)}); !errors.Is(err, ErrEntryTooLarge) {
		t.Errorf("large batch: %v", err)
	}
	if _, err := l.Topic("missing"); !errors.Is(err, ErrTopicNotFound) {
		t.Errorf("missing topic: %v", err)
	}
	if _, err := Open(l.dir, Options{}); !errors.Is(err, ErrLocked) {
		t.Errorf("second open: %v", err)
	}
}

func TestDeleteTopic(t *testing.T) {
	dir := t.TempDir()
	l := openT(t, dir, Options{Durability: None})
	tp := mustTopic(t, l, "a")
	tp.Append([]byte("x"))
	mustTopic(t, l, "b")
	if err := l.DeleteTopic("a"); err != nil {
		t.Fatal(err)
	}
	if _, err := tp.Append([]byte("y")); !errors.Is(err, ErrClosed) {
		t.Fatalf("append to deleted topic: %v", err)
	}
	l.Close()
	l = openT(t, dir, Options{Durability: None})
	defer l.Close()
	if got := l.Topics(); len(got) != 1 || got[0] != "b" {
		t.Fatalf("topics after delete: %v", got)
	}
	tp = mustTopic(t, l, "a")
	if _, next := tp.Bounds(); next != 0 {
		t.Fatalf("recreated topic starts at %d", next)
	}
}

func TestCursors(t *testing.T) {
	dir := t.TempDir()
	l := openT(t, dir, Options{Durability: Interval})
	tp := mustTopic(t, l, "t")
	for i := 0; i < 50; i++ {
		tp.Append(val(i))
	}
	a, _ := tp.Cursor("a")
	b, _ := tp.Cursor("b")
	es, err := a.Next(10, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkEntries(t, es, 0, 10)
	if err := a.Commit(a.Position()); err != nil {
		t.Fatal(err)
	}
	es, _ = b.Next(3, 0)
	checkEntries(t, es, 0, 3)
	if err := b.Commit(3); err != nil {
		t.Fatal(err)
	}
	if _, err := tp.Cursor("bad/name"); !errors.Is(err, ErrInvalidTopicName) {
		t.Fatalf("bad cursor name: %v", err)
	}
	// Many commits force a compaction of the cursor log.
	c, _ := tp.Cursor("c")
	for i := 0; i < 3000; i++ {
		if err := c.Commit(uint64(i % 50)); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()

	l = openT(t, dir, Options{Durability: Interval})
	defer l.Close()
	tp = mustTopic(t, l, "t")
	a, _ = tp.Cursor("a")
	b, _ = tp.Cursor("b")
	c, _ = tp.Cursor("c")
	if a.Position() != 10 || b.Position() != 3 || c.Position() != 2999%50 {
		t.Fatalf("positions after reopen: a=%d b=%d c=%d", a.Position(), b.Position(), c.Position())
	}
	es, _ = a.Next(0, 0)
	checkEntries(t, es, 10, 40)
	if err := tp.DeleteCursor("b"); err != nil {
		t.Fatal(err)
	}
	if _, ok := tp.Cursors()["b"]; ok {
		t.Fatal("deleted cursor still listed")
	}
}

func TestPollFollowsAppends(t *testing.T) {
	for _, d := range []Durability{Sync, Interval, None} {
		t.Run(d.String(), func(t *testing.T) {
			l := openT(t, t.TempDir(), Options{Durability: d, SyncInterval: time.Millisecond})
			defer l.Close()
			tp := mustTopic(t, l, "t")
			got := make(chan []Entry)
			go func() {
				var all []Entry
				for from := uint64(0); from < 100; {
					es, err := tp.Poll(context.Background(), from, 0, 0)
					if err != nil {
						t.Error(err)
						break
					}
					all = append(all, es...)
					from = es[len(es)-1].Offset + 1
				}
				got <- all
			}()
			for i := 0; i < 100; i++ {
				tp.Append(val(i))
			}
			checkEntries(t, <-got, 0, 100)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
			defer cancel()
			if _, err := tp.Poll(ctx, 100, 0, 0); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("poll past end: %v", err)
			}
		})
	}
}

func TestRetention(t *testing.T) {
	now := time.Unix(1000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	dir := t.TempDir()
	o := Options{Durability: None, SegmentSizeBytes: 4096, RetentionBytes: 16 << 10, RetentionInterval: time.Hour, Now: clock}
	l := openT(t, dir, o)
	defer func() { l.Close() }()
	tp := mustTopic(t, l, "t")
	for i := 0; i < 2000; i++ {
		tp.Append(val(i))
	}
	if err := tp.Sync(); err != nil {
		t.Fatal(err)
	}
	l.EnforceRetention()
	first, next := tp.Bounds()
	if first == 0 || next != 2000 {
		t.Fatalf("bounds after size retention: %d %d", first, next)
	}
	if sz := tp.sizeBytes(); sz > 16<<10+4096+1024 {
		t.Fatalf("topic holds %d bytes after retention", sz)
	}
	if _, err := tp.Read(0, 1, 0); !errors.Is(err, ErrOffsetOutOfRange) {
		t.Fatalf("read below first: %v", err)
	}
	es, err := tp.Read(first, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkEntries(t, es, first, int(2000-first))

	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	// Options are fixed while a Log is open (its retention goroutine reads
	// them): reopen with an age limit.
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	o.RetentionAge = time.Minute
	l = openT(t, dir, o)
	tp = mustTopic(t, l, "t")
	l.EnforceRetention()
	if tp.Segments() != 1 {
		t.Fatalf("age retention left %d segments", tp.Segments())
	}
}

func TestReadOnlyFollowsWriter(t *testing.T) {
	dir := t.TempDir()
	w := openT(t, dir, Options{Durability: Sync, SegmentSizeBytes: 4096})
	defer w.Close()
	wt := mustTopic(t, w, "t")
	wt.Append(val(0))
	r := openT(t, dir, Options{ReadOnly: true, SegmentSizeBytes: 4096})
	defer r.Close()
	rt, err := r.Topic("t")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Append(val(1)); err == nil {
		t.Fatal("append to a read-only log succeeded")
	}
	done := make(chan error)
	go func() {
		for from := uint64(0); from < 300; {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			es, err := rt.Poll(ctx, from, 0, 0)
			cancel()
			if err != nil {
				done <- err
				return
			}
			for _, e := range es {
				if e.Offset != from || !bytes.Equal(e.Value, val(int(from))) {
					done <- fmt.Errorf("offset %d: got %d %q", from, e.Offset, e.Value)
					return
				}
				from++
			}
		}
		done <- nil
	}()
	for i := 1; i < 300; i++ {
		if _, err := wt.Append(val(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if rt.Segments() < 3 {
		t.Fatalf("reader saw %d segments; the writer rolled", rt.Segments())
	}
}

// ioMode maps a test's direct flag onto Options.IO.
func ioMode(direct bool) IOMode {
	if direct {
		return IODirect
	}
	return IOBuffered
}
