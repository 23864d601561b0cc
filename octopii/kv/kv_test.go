package kv

import (
	"bytes"
	"fmt"
	"testing"
)

func TestApplyQuerySnapshot(t *testing.T) {
	m := New()
	if v, ok := Value(m.Apply(1, Put([]byte("a"), []byte("1")))); ok {
		t.Fatalf("first put returned a previous value %q", v)
	}
	if v, ok := Value(m.Apply(2, Put([]byte("a"), []byte("2")))); !ok || string(v) != "1" {
		t.Fatalf("second put returned %q, %v; want the previous value 1", v, ok)
	}
	res, err := m.Query(Get([]byte("a")))
	if v, ok := Value(res); err != nil || !ok || string(v) != "2" {
		t.Fatalf("get a = %q, %v, %v", v, ok, err)
	}
	m.Apply(3, Put([]byte("b"), nil))
	if v, ok := Value(m.Apply(4, Delete([]byte("a")))); !ok || string(v) != "2" {
		t.Fatalf("delete returned %q, %v", v, ok)
	}
	if res, _ := m.Query(Get([]byte("a"))); bytes.Equal(res, []byte{1}) || res[0] != 0 {
		t.Fatalf("deleted key still there: %q", res)
	}
	if _, err := m.Query(Put([]byte("x"), nil)); err == nil {
		t.Fatal("a put as a query was accepted")
	}
	if got := m.Apply(5, []byte{1, 2}); !bytes.HasPrefix(got, []byte("\xff")) {
		t.Fatalf("bad command gave %q", got)
	}
	for i := 0; i < 100; i++ {
		m.Apply(uint64(10+i), Put([]byte(fmt.Sprint("k", i)), []byte(fmt.Sprint("v", i))))
	}
	var buf bytes.Buffer
	if err := m.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	m2 := New()
	if err := m2.Restore(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	if m2.Hash() != m.Hash() || m2.Len() != m.Len() {
		t.Fatalf("restored state differs: %d keys vs %d", m2.Len(), m.Len())
	}
	var buf2 bytes.Buffer
	m2.Snapshot(&buf2)
	if !bytes.Equal(buf.Bytes(), buf2.Bytes()) {
		t.Fatal("equal states wrote different snapshots")
	}
	if err := m2.Restore(bytes.NewReader(buf.Bytes()[:buf.Len()-1])); err == nil {
		t.Fatal("a truncated snapshot restored")
	}
}

func FuzzApply(f *testing.F) {
	f.Add(Put([]byte("k"), []byte("v")))
	f.Add(Delete([]byte("k")))
	f.Add([]byte{'P', 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, cmd []byte) {
		m := New()
		m.Apply(1, cmd)
		m.Query(cmd)
	})
}

func FuzzRestore(f *testing.F) {
	m := New()
	m.Apply(1, Put([]byte("k"), []byte("v")))
	var buf bytes.Buffer
	m.Snapshot(&buf)
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		New().Restore(bytes.NewReader(b))
	})
}
