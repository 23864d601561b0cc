package cache

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/reefdb/reef/frigatebird/chunk"
)

// fakeChunk "encodes" n as n bytes; decoding makes an n-row int column.
func load(n int, reads *int) Loader {
	return func() ([]byte, error) {
		*reads++
		return make([]byte, n), nil
	}
}

func decode(src []byte, into *chunk.Column) error {
	into.Type, into.Len = chunk.TypeInt64, len(src)
	into.Ints = make([]int64, len(src))
	return nil
}

func TestTiers(t *testing.T) {
	// Hot holds about two 100-row columns (100*8+64 bytes each); warm
	// holds three 100-byte chunks.
	c := New(Options{HotBytes: 2*(100*8+64) + 10, WarmBytes: 300})
	reads := 0
	k := func(i int) Key { return Key{Table: "t", Group: "000001.rg", Col: i} }
	var scratch chunk.Column
	for i := 0; i < 3; i++ {
		if _, err := c.Column(k(i), load(100, &reads), decode, &scratch); err != nil {
			t.Fatal(err)
		}
	}
	m := c.Metrics()
	if reads != 3 || m.ColdReads != 3 || m.HotMisses != 3 || m.WarmMisses != 3 {
		t.Fatalf("first pass: reads %d, %+v", reads, m)
	}
	if m.HotEntries != 2 || m.WarmEntries != 3 {
		t.Fatalf("entries: %+v", m)
	}
	// Column 0 was evicted from hot (least recent) but is warm: no read.
	col, err := c.Column(k(0), load(100, &reads), decode, &scratch)
	if err != nil || col.Len != 100 {
		t.Fatal(err)
	}
	m = c.Metrics()
	if reads != 3 || m.WarmHits != 1 {
		t.Fatalf("warm hit expected: reads %d, %+v", reads, m)
	}
	// Column 0 is now hot, so is column 2; column 1 was evicted.
	if _, err := c.Column(k(2), load(100, &reads), decode, &scratch); err != nil {
		t.Fatal(err)
	}
	if m := c.Metrics(); m.HotHits != 1 {
		t.Fatalf("hot hit expected: %+v", m)
	}
	c.DropTable("t")
	if m := c.Metrics(); m.HotEntries != 0 || m.WarmEntries != 0 || m.HotBytes != 0 || m.WarmBytes != 0 {
		t.Fatalf("after DropTable: %+v", m)
	}
	if r := c.Metrics().HotHitRate(); r <= 0 || r >= 1 {
		t.Fatalf("hit rate %v", r)
	}
}

func TestDisabledAndErrors(t *testing.T) {
	c := New(Options{})
	reads := 0
	var scratch chunk.Column
	col, err := c.Column(Key{Col: 1}, load(10, &reads), decode, &scratch)
	if err != nil || col != &scratch {
		t.Fatalf("without a hot tier the scratch column is used: %v", err)
	}
	boom := errors.New("boom")
	if _, err := c.Column(Key{Col: 2}, func() ([]byte, error) { return nil, boom }, decode, &scratch); !errors.Is(err, boom) {
		t.Fatalf("load error: %v", err)
	}
	bad := func([]byte, *chunk.Column) error { return boom }
	if _, err := c.Column(Key{Col: 3}, load(1, &reads), bad, &scratch); !errors.Is(err, boom) {
		t.Fatalf("decode error: %v", err)
	}
}

func TestConcurrent(t *testing.T) {
	c := New(Options{HotBytes: 50 * (16*8 + 64), WarmBytes: 100 * 16})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var scratch chunk.Column
			reads := 0
			for i := 0; i < 2000; i++ {
				k := Key{Table: fmt.Sprint(i % 3), Group: "g", Col: (i * (w + 1)) % 150}
				col, err := c.Column(k, load(16, &reads), decode, &scratch)
				if err != nil || col.Len != 16 {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	m := c.Metrics()
	if m.HotBytes > 50*(16*8+64) || m.WarmBytes > 100*16 {
		t.Fatalf("over budget: %+v", m)
	}
}
