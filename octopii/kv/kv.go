// Package kv is a replicated key-value state machine for Octopii: the
// example service of the README, the model the simulator checks for
// linearizability, and what `reef kernel demo` serves.
//
// Commands (Apply) and queries (Query) are small binary messages built by
// Put, Delete and Get; results are the previous value of a key (Put,
// Delete) or its value (Get), with a leading byte that says whether the key
// existed. The state is a plain map; Snapshot writes it in key order, so
// two replicas with equal state write equal snapshots.
package kv

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"sort"
)

// Operation codes, the first byte of a command or query.
const (
	opPut    = 'P'
	opDelete = 'D'
	opGet    = 'G'
)

// MaxKeyBytes and MaxValueBytes bound what a command may carry.
const (
	MaxKeyBytes   = 64 << 10
	MaxValueBytes = 16 << 20
)

// ErrBadCommand is the result of a command or query that does not decode.
var ErrBadCommand = errors.New("kv: bad command")

// Put returns the command that sets key to value.
func Put(key, value []byte) []byte { return encode(opPut, key, value) }

// Delete returns the command that removes key.
func Delete(key []byte) []byte { return encode(opDelete, key, nil) }

// Get returns the query that reads key.
func Get(key []byte) []byte { return encode(opGet, key, nil) }

func encode(op byte, key, value []byte) []byte {
	b := make([]byte, 5+len(key)+len(value))
	b[0] = op
	binary.BigEndian.PutUint32(b[1:], uint32(len(key)))
	copy(b[5:], key)
	copy(b[5+len(key):], value)
	return b
}

func decode(b []byte) (op byte, key, value []byte, err error) {
	if len(b) < 5 {
		return 0, nil, nil, ErrBadCommand
	}
	n := binary.BigEndian.Uint32(b[1:])
	if n > MaxKeyBytes || int(n) > len(b)-5 || len(b)-5-int(n) > MaxValueBytes {
		return 0, nil, nil, ErrBadCommand
	}
	return b[0], b[5 : 5+n], b[5+n:], nil
}

// Value decodes a result: the value and whether the key existed.
func Value(result []byte) ([]byte, bool) {
	if len(result) == 0 || result[0] != 1 {
		return nil, false
	}
	return result[1:], true
}

func result(v []byte, ok bool) []byte {
	if !ok {
		return []byte{0}
	}
	return append([]byte{1}, v...)
}

// Machine is the key-value state machine (octopii.StateMachine).
type Machine struct {
	data map[string][]byte
}

// New returns an empty Machine.
func New() *Machine { return &Machine{data: map[string][]byte{}} }

// Apply executes a Put or Delete and returns the key's previous value. A
// command that does not decode changes nothing and returns "bad command"
// as its result (every replica does the same).
func (m *Machine) Apply(index uint64, cmd []byte) []byte {
	op, key, value, err := decode(cmd)
	if err != nil {
		return []byte("\xffbad command")
	}
	old, ok := m.data[string(key)]
	switch op {
	case opPut:
		m.data[string(key)] = append([]byte(nil), value...)
	case opDelete:
		delete(m.data, string(key))
	default:
		return []byte("\xffbad command")
	}
	return result(old, ok)
}

// Query answers a Get.
func (m *Machine) Query(q []byte) ([]byte, error) {
	op, key, _, err := decode(q)
	if err != nil || op != opGet {
		return nil, ErrBadCommand
	}
	v, ok := m.data[string(key)]
	return result(v, ok), nil
}

// Len returns the number of keys.
func (m *Machine) Len() int { return len(m.data) }

// Hash returns a digest of the whole state, equal on replicas with equal
// state.
func (m *Machine) Hash() uint64 {
	h := fnv.New64a()
	for _, k := range m.sortedKeys() {
		var n [8]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(k)))
		binary.BigEndian.PutUint32(n[4:], uint32(len(m.data[k])))
		h.Write(n[:])
		h.Write([]byte(k))
		h.Write(m.data[k])
	}
	return h.Sum64()
}

func (m *Machine) sortedKeys() []string {
	keys := make([]string, 0, len(m.data))
	for k := range m.data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Snapshot writes the state: u64 key count, then per key u32 key length,
// key, u32 value length, value, in key order.
func (m *Machine) Snapshot(w io.Writer) error {
	bw := bufio.NewWriter(w)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(m.data)))
	bw.Write(n[:])
	for _, k := range m.sortedKeys() {
		v := m.data[k]
		binary.BigEndian.PutUint32(n[:4], uint32(len(k)))
		bw.Write(n[:4])
		bw.WriteString(k)
		binary.BigEndian.PutUint32(n[:4], uint32(len(v)))
		bw.Write(n[:4])
		bw.Write(v)
	}
	return bw.Flush()
}

// Restore replaces the state with a snapshot's.
func (m *Machine) Restore(r io.Reader) error {
	br := bufio.NewReader(r)
	var n [8]byte
	if _, err := io.ReadFull(br, n[:]); err != nil {
		return fmt.Errorf("kv: restore: %w", err)
	}
	count := binary.BigEndian.Uint64(n[:])
	data := make(map[string][]byte, min(count, 1<<20))
	for i := uint64(0); i < count; i++ {
		k, err := readChunk(br, MaxKeyBytes)
		if err != nil {
			return err
		}
		v, err := readChunk(br, MaxValueBytes)
		if err != nil {
			return err
		}
		data[string(k)] = v
	}
	m.data = data
	return nil
}

func readChunk(r io.Reader, limit int) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, fmt.Errorf("kv: restore: %w", err)
	}
	size := int(binary.BigEndian.Uint32(n[:]))
	if size > limit {
		return nil, fmt.Errorf("kv: restore: chunk of %d bytes over the bound %d", size, limit)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("kv: restore: %w", err)
	}
	return b, nil
}
