package kv

import (
	"bytes"
	"encoding/binary"
)

// A record is one key's bytes in an arena chunk:
//
//	flags    1 byte   bits 0-1 Kind, bit 2 has-expiry, bit 3 dead
//	meta     3 bytes  LRU clock or LFU time+counter, little endian (see touchLocked)
//	expireAt 8 bytes  unix ms, little endian; present only with has-expiry
//	keyLen   uvarint
//	valLen   uvarint
//	key      keyLen bytes
//	value    valLen bytes (a hash's value is its 4-byte side-table index)
//
// A 16-byte key with a 32-byte value and no expiry takes 54 bytes. Records
// are never resized: a write that changes a record's size appends a new
// record and marks the old one dead, which is what lets compaction walk a
// chunk record by record.
const (
	flagKindMask = 0x03
	flagExpire   = 0x04
	flagDead     = 0x08

	headerBytes = 4
	expireBytes = 8
	metaMask    = 1<<24 - 1
)

// recordSize is the encoded size of a record.
func recordSize(hasExpire bool, keyLen, valLen int) int {
	n := headerBytes + uvarintLen(keyLen) + uvarintLen(valLen) + keyLen + valLen
	if hasExpire {
		n += expireBytes
	}
	return n
}

func uvarintLen(n int) int {
	l := 1
	for n >= 0x80 {
		n >>= 7
		l++
	}
	return l
}

// writeRecord encodes a record into buf, which is exactly recordSize long.
func writeRecord(buf []byte, kind Kind, meta uint32, expireAt int64, key, val []byte) {
	flags := byte(kind)
	p := headerBytes
	if expireAt != 0 {
		flags |= flagExpire
		binary.LittleEndian.PutUint64(buf[p:], uint64(expireAt))
		p += expireBytes
	}
	buf[0] = flags
	buf[1], buf[2], buf[3] = byte(meta), byte(meta>>8), byte(meta>>16)
	p += binary.PutUvarint(buf[p:], uint64(len(key)))
	p += binary.PutUvarint(buf[p:], uint64(len(val)))
	p += copy(buf[p:], key)
	p += copy(buf[p:], val)
	if p != len(buf) {
		panic("kv: record size mismatch")
	}
}

// record is a decoded view of one record in its chunk.
type record struct {
	c   []byte // the chunk
	off int    // first byte of the header
	key int    // first byte of the key
	val int    // first byte of the value
	end int    // one past the value
}

func decodeRecord(c []byte, off int) record {
	p := off + headerBytes
	if c[off]&flagExpire != 0 {
		p += expireBytes
	}
	klen, p := uvarintAt(c, p)
	vlen, p := uvarintAt(c, p)
	return record{c: c, off: off, key: p, val: p + klen, end: p + klen + vlen}
}

func uvarintAt(c []byte, p int) (int, int) {
	if b := c[p]; b < 0x80 {
		return int(b), p + 1
	}
	v, n := binary.Uvarint(c[p:])
	if n <= 0 || v > 1<<40 {
		panic("kv: bad record length")
	}
	return int(v), p + n
}

func (r record) flags() byte     { return r.c[r.off] }
func (r record) kind() Kind      { return Kind(r.c[r.off] & flagKindMask) }
func (r record) hasExpire() bool { return r.c[r.off]&flagExpire != 0 }
func (r record) dead() bool      { return r.c[r.off]&flagDead != 0 }
func (r record) size() int       { return r.end - r.off }

// expireAt returns the record's expiry in unix ms, 0 for none.
func (r record) expireAt() int64 {
	if r.c[r.off]&flagExpire == 0 {
		return 0
	}
	return int64(binary.LittleEndian.Uint64(r.c[r.off+headerBytes:]))
}

// expiredAt reports whether the record's expiry is at or before nowMs.
func (r record) expiredAt(nowMs int64) bool {
	return r.c[r.off]&flagExpire != 0 && int64(binary.LittleEndian.Uint64(r.c[r.off+headerBytes:])) <= nowMs
}

func (r record) meta() uint32 {
	return uint32(r.c[r.off+1]) | uint32(r.c[r.off+2])<<8 | uint32(r.c[r.off+3])<<16
}

func (r record) setMeta(m uint32) {
	r.c[r.off+1], r.c[r.off+2], r.c[r.off+3] = byte(m), byte(m>>8), byte(m>>16)
}

// keyBytes and valBytes have their capacity cut to their length, so that a
// caller's append copies instead of overwriting the next record.
func (r record) keyBytes() []byte { return r.c[r.key:r.val:r.val] }
func (r record) valBytes() []byte { return r.c[r.val:r.end:r.end] }

// keyIs reports whether the record at ref holds key; it is the probe loop's
// comparison, so it decodes only what it needs.
func (a *arena) keyIs(ref uint64, key []byte) bool {
	c := a.chunks[ref>>refOffsetBits]
	off := int(ref & refOffsetMask)
	p := off + headerBytes
	if c[off]&flagExpire != 0 {
		p += expireBytes
	}
	klen, p := uvarintAt(c, p)
	if klen != len(key) {
		return false
	}
	_, p = uvarintAt(c, p)
	return bytes.Equal(c[p:p+klen], key)
}
