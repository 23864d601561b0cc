package synth

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

func fvecs(dim int, vals ...float32) []byte {
	var b bytes.Buffer
	for i := 0; i < len(vals); i += dim {
		binary.Write(&b, binary.LittleEndian, int32(dim))
		binary.Write(&b, binary.LittleEndian, vals[i:i+dim])
	}
	return b.Bytes()
}

func TestReadFvecs(t *testing.T) {
	in := fvecs(3, 1, 2, 3, 4, 5, 6.5)
	data, dim, err := ReadFvecs(bytes.NewReader(in), 0)
	if err != nil || dim != 3 || fmt.Sprint(data) != "[1 2 3 4 5 6.5]" {
		t.Fatalf("got %v %d %v", data, dim, err)
	}
	data, _, err = ReadFvecs(bytes.NewReader(in), 1)
	if err != nil || len(data) != 3 {
		t.Fatalf("maxN 1: %v %v", data, err)
	}
	data, dim, err = ReadFvecs(bytes.NewReader(nil), 0)
	if err != nil || dim != 0 || len(data) != 0 {
		t.Fatalf("empty: %v %d %v", data, dim, err)
	}
	bad := map[string][]byte{
		"truncated payload": in[:len(in)-1],
		"truncated header":  append(bytes.Clone(in), 3, 0),
		"zero dim":          {0, 0, 0, 0},
		"negative dim":      {0xff, 0xff, 0xff, 0xff},
		"huge dim":          {0, 0, 0, 0x7f},
		"mixed dims":        append(fvecs(1, 1), fvecs(2, 1, 2)...),
	}
	for name, b := range bad {
		if _, _, err := ReadFvecs(bytes.NewReader(b), 0); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: err %v, want ErrCorrupt", name, err)
		}
	}
}

func TestReadBvecsIvecs(t *testing.T) {
	b := []byte{2, 0, 0, 0, 7, 255, 2, 0, 0, 0, 0, 1}
	data, dim, err := ReadBvecs(bytes.NewReader(b), 0)
	if err != nil || dim != 2 || fmt.Sprint(data) != "[7 255 0 1]" {
		t.Fatalf("bvecs: %v %d %v", data, dim, err)
	}
	var ib bytes.Buffer
	binary.Write(&ib, binary.LittleEndian, []int32{2, 10, -1, 2, 3, 4})
	rows, err := ReadIvecs(&ib, 0)
	if err != nil || fmt.Sprint(rows) != "[[10 -1] [3 4]]" {
		t.Fatalf("ivecs: %v %v", rows, err)
	}
	if _, err := ReadIvecs(bytes.NewReader([]byte{1, 0, 0, 0, 1}), 0); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("truncated ivecs: %v", err)
	}
}

// npy builds a .npy file the way numpy.save does (version 1.0, header padded
// so the data starts at a multiple of 64).
func npy(descr, shape string, payload []byte) []byte {
	h := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape)
	pad := 64 - (10+len(h)+1)%64
	h += strings.Repeat(" ", pad%64) + "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	b.WriteString(h)
	b.Write(payload)
	return b.Bytes()
}

func TestReadNpy(t *testing.T) {
	var f bytes.Buffer
	binary.Write(&f, binary.LittleEndian, []float32{1, 2, 3, 4, 5, float32(math.Pi)})
	data, rows, cols, err := ReadNpy(bytes.NewReader(npy("<f4", "(2, 3)", f.Bytes())))
	if err != nil || rows != 2 || cols != 3 || data[5] != float32(math.Pi) || data[0] != 1 {
		t.Fatalf("f4: %v %d %d %v", data, rows, cols, err)
	}
	data, rows, cols, err = ReadNpy(bytes.NewReader(npy("|u1", "(3, 1)", []byte{9, 8, 7})))
	if err != nil || rows != 3 || cols != 1 || fmt.Sprint(data) != "[9 8 7]" {
		t.Fatalf("u1: %v %d %d %v", data, rows, cols, err)
	}
	// Version 2.0 header length field.
	v1 := npy("|u1", "(1, 2)", []byte{1, 2})
	hl := binary.LittleEndian.Uint16(v1[8:])
	v2 := append([]byte("\x93NUMPY\x02\x00"), binary.LittleEndian.AppendUint32(nil, uint32(hl))...)
	v2 = append(v2, v1[10:]...)
	if data, _, _, err := ReadNpy(bytes.NewReader(v2)); err != nil || len(data) != 2 {
		t.Fatalf("v2: %v %v", data, err)
	}

	bad := map[string][]byte{
		"empty":         nil,
		"magic":         []byte("\x93NUMPZ\x01\x00\x00\x00"),
		"version":       []byte("\x93NUMPY\x09\x00\x00\x00"),
		"truncated":     npy("<f4", "(2, 3)", f.Bytes()[:20]),
		"dtype f8":      npy("<f8", "(2, 3)", f.Bytes()),
		"big endian":    npy(">f4", "(2, 3)", f.Bytes()),
		"1-D":           npy("<f4", "(6,)", f.Bytes()),
		"3-D":           npy("<f4", "(1, 2, 3)", f.Bytes()),
		"huge shape":    npy("<f4", "(99999999999, 99999999999)", f.Bytes()),
		"bad shape":     npy("<f4", "(2, x)", f.Bytes()),
		"fortran":       bytes.Replace(npy("<f4", "(2, 3)", f.Bytes()), []byte("False"), []byte("True "), 1),
		"unknown key":   bytes.Replace(npy("<f4", "(2, 3)", f.Bytes()), []byte("'descr'"), []byte("'dxscr'"), 1),
		"huge declared": npy("<f4", "(100000000, 1000)", f.Bytes()),
	}
	for name, b := range bad {
		if _, _, _, err := ReadNpy(bytes.NewReader(b)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: err %v, want ErrCorrupt", name, err)
		}
	}
}

func FuzzFvecs(f *testing.F) {
	f.Add(fvecs(3, 1, 2, 3, 4, 5, 6))
	f.Add(fvecs(1, 1))
	f.Add([]byte{0xff, 0xff, 0xff, 0x7f, 1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, b []byte) {
		data, dim, err := ReadFvecs(bytes.NewReader(b), 0)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		if dim == 0 && len(data) != 0 || dim > 0 && (len(data)%dim != 0 || (4+4*dim)*(len(data)/dim) != len(b)) {
			t.Fatalf("dim %d, %d values from %d bytes", dim, len(data), len(b))
		}
	})
}

func FuzzNpy(f *testing.F) {
	var fb bytes.Buffer
	binary.Write(&fb, binary.LittleEndian, []float32{1, 2, 3, 4})
	f.Add(npy("<f4", "(2, 2)", fb.Bytes()))
	f.Add(npy("|u1", "(4, 1)", []byte{1, 2, 3, 4}))
	f.Add(npy("<f4", "(0, 5)", nil))
	f.Add([]byte("\x93NUMPY\x03\x00\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		data, rows, cols, err := ReadNpy(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		if len(data) != rows*cols {
			t.Fatalf("%d values for shape (%d, %d)", len(data), rows, cols)
		}
		if len(data) > len(b) {
			t.Fatalf("%d values from %d bytes", len(data), len(b))
		}
	})
}
