package main

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// The IDX format of (Fashion-)MNIST: a 4-byte magic (two zero bytes, the
// element type, the number of dimensions), one big-endian uint32 per
// dimension, then the elements row-major. The vector suite reads
// unsigned-byte images: type 0x08, three dimensions (count, rows, cols),
// magic 0x00000803.

// errIDXCorrupt is returned (wrapped) for any malformed IDX input.
var errIDXCorrupt = errors.New("idx: malformed file")

const (
	idxMagicUbyte3 = 0x00000803
	// idxMaxItemBytes bounds rows·cols, so a corrupt header cannot ask for
	// a huge row buffer.
	idxMaxItemBytes = 1 << 20
)

// readIDXImages reads a (possibly gzipped) IDX file of unsigned-byte
// images and returns at most maxItems of them (all when maxItems ≤ 0) as
// float32 vectors of rows·cols values, row-major, with the pixel values
// 0…255 unscaled. The file must hold every item its header announces when
// maxItems ≤ 0, and at least maxItems otherwise.
func readIDXImages(path string, maxItems int) (data []float32, n, dim int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, 0, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	var r io.Reader = br
	if head, err := br.Peek(2); err == nil && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("idx: %s: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	data, n, dim, err = decodeIDXImages(r, maxItems)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	return data, n, dim, nil
}

// decodeIDXImages is readIDXImages on an uncompressed stream. It never
// allocates more than one item ahead of the bytes it has read.
func decodeIDXImages(r io.Reader, maxItems int) (data []float32, n, dim int, err error) {
	var hdr [16]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, 0, 0, fmt.Errorf("%w: header: %v", errIDXCorrupt, err)
	}
	if m := binary.BigEndian.Uint32(hdr[0:]); m != idxMagicUbyte3 {
		return nil, 0, 0, fmt.Errorf("%w: magic %#08x, want %#08x (unsigned bytes, 3 dimensions)", errIDXCorrupt, m, idxMagicUbyte3)
	}
	count := binary.BigEndian.Uint32(hdr[4:])
	rows := binary.BigEndian.Uint32(hdr[8:])
	cols := binary.BigEndian.Uint32(hdr[12:])
	if rows == 0 || cols == 0 || uint64(rows)*uint64(cols) > idxMaxItemBytes {
		return nil, 0, 0, fmt.Errorf("%w: item of %d×%d bytes (at most %d)", errIDXCorrupt, rows, cols, idxMaxItemBytes)
	}
	dim = int(rows * cols)
	want := int(min(uint64(count), uint64(^uint(0)>>1)))
	if maxItems > 0 {
		if want < maxItems {
			return nil, 0, 0, fmt.Errorf("%w: %d items, want at least %d", errIDXCorrupt, count, maxItems)
		}
		want = maxItems
	}
	row := make([]byte, dim)
	for n = 0; n < want; n++ {
		if _, err := io.ReadFull(r, row); err != nil {
			return nil, 0, 0, fmt.Errorf("%w: item %d of %d: %v", errIDXCorrupt, n, count, err)
		}
		// Grows with the items read, never with the header's count.
		data = append(data, make([]float32, dim)...)
		v := data[n*dim:]
		for i, b := range row {
			v[i] = float32(b)
		}
	}
	return data, n, dim, nil
}
