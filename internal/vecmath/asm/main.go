// Command asm generates the amd64 assembly kernels of package vecmath with
// avo. It lives in its own module so that avo never enters the dependency
// graph of github.com/reefdb/reef. Run it through go generate:
//
//	go generate ./internal/vecmath
//
// Every kernel processes only whole blocks (8 or 16 float32 lanes, 16 or 32
// bytes) and ignores the remainder; the Go wrappers in kernels_amd64.go add
// the tail. The kernels read len(a) elements of a and b, so callers pass
// equal lengths.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// isa describes one vector width.
type isa struct {
	name     string // suffix of the generated function names
	vecBytes int    // bytes in one vector register
	vec      func() VecVirtual
	zero     func(x VecVirtual) // zeroes a register (VPXORD needs AVX-512F for zmm)
}

var (
	avx2   = isa{name: "AVX2", vecBytes: 32, vec: YMM, zero: func(x VecVirtual) { VPXOR(x, x, x) }}
	avx512 = isa{name: "AVX512", vecBytes: 64, vec: ZMM, zero: func(x VecVirtual) { VPXORD(x, x, x) }}
)

// unroll is the number of independent accumulators in the main loop; it hides
// the 4-cycle latency of FMA / VPADDD chains.
const unroll = 4

func main() {
	for _, s := range []isa{avx2, avx512} {
		floatKernel(s, "l2Squared", true)
		floatKernel(s, "dot", false)
		u8Kernel(s, "l2SquaredU8", true)
		u8Kernel(s, "dotU8", false)
	}
	Generate()
}

// floatKernel emits name+ISA(a, b []float32) float32 summing (a-b)^2 when
// l2, a*b otherwise, over the first len(a) rounded down to a whole vector.
func floatKernel(s isa, name string, l2 bool) {
	lanes := s.vecBytes / 4
	TEXT(name+s.name, NOSPLIT, "func(a, b []float32) float32")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s%s processes len(a) rounded down to a multiple of %d elements.", name, s.name, lanes))
	pa := Load(Param("a").Base(), GP64())
	pb := Load(Param("b").Base(), GP64())
	n := Load(Param("a").Len(), GP64())

	var acc [unroll]VecVirtual
	for i := range acc {
		acc[i] = s.vec()
		s.zero(acc[i])
	}
	step := func(k int, disp int) {
		x := s.vec()
		VMOVUPS(Mem{Base: pa, Disp: disp}, x)
		if l2 {
			VSUBPS(Mem{Base: pb, Disp: disp}, x, x)
			VFMADD231PS(x, x, acc[k])
		} else {
			VFMADD231PS(Mem{Base: pb, Disp: disp}, x, acc[k])
		}
	}

	Label("loopUnrolled")
	CMPQ(n, U32(unroll*lanes))
	JL(LabelRef("loopSingle"))
	for k := 0; k < unroll; k++ {
		step(k, k*s.vecBytes)
	}
	ADDQ(U32(unroll*s.vecBytes), pa)
	ADDQ(U32(unroll*s.vecBytes), pb)
	SUBQ(U32(unroll*lanes), n)
	JMP(LabelRef("loopUnrolled"))

	Label("loopSingle")
	CMPQ(n, U32(lanes))
	JL(LabelRef("reduce"))
	step(0, 0)
	ADDQ(U32(s.vecBytes), pa)
	ADDQ(U32(s.vecBytes), pb)
	SUBQ(U32(lanes), n)
	JMP(LabelRef("loopSingle"))

	Label("reduce")
	VADDPS(acc[1], acc[0], acc[0])
	VADDPS(acc[3], acc[2], acc[2])
	VADDPS(acc[2], acc[0], acc[0])
	y := acc[0].AsY()
	if s.vecBytes == 64 {
		hi := YMM()
		VEXTRACTF64X4(U8(1), acc[0], hi)
		VADDPS(hi, y, y)
	}
	hi := XMM()
	VEXTRACTF128(U8(1), y, hi)
	x := acc[0].AsX()
	VADDPS(hi, x, x)
	VHADDPS(x, x, x)
	VHADDPS(x, x, x)
	VZEROUPPER()
	Store(x, ReturnIndex(0))
	RET()
}

// u8Kernel emits name+ISA(a, b []uint8) uint32. Bytes are zero-extended to
// 16-bit words (VPMOVZXBW), so a-b is in [-255, 255] and a*b in [0, 65025];
// VPMADDWD adds adjacent products into 32-bit lanes without overflow
// (at most 130050), and the 32-bit lane sums wrap exactly like the uint32
// scalar reference.
func u8Kernel(s isa, name string, l2 bool) {
	bytesPerVec := s.vecBytes / 2 // bytes that widen into one vector of words
	TEXT(name+s.name, NOSPLIT, "func(a, b []uint8) uint32")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s%s processes len(a) rounded down to a multiple of %d bytes.", name, s.name, bytesPerVec))
	pa := Load(Param("a").Base(), GP64())
	pb := Load(Param("b").Base(), GP64())
	n := Load(Param("a").Len(), GP64())

	var acc [unroll]VecVirtual
	for i := range acc {
		acc[i] = s.vec()
		s.zero(acc[i])
	}
	step := func(k int, disp int) {
		xa, xb := s.vec(), s.vec()
		VPMOVZXBW(Mem{Base: pa, Disp: disp}, xa)
		VPMOVZXBW(Mem{Base: pb, Disp: disp}, xb)
		if l2 {
			VPSUBW(xb, xa, xa)
			VPMADDWD(xa, xa, xa)
		} else {
			VPMADDWD(xb, xa, xa)
		}
		VPADDD(xa, acc[k], acc[k])
	}

	Label("loopUnrolled")
	CMPQ(n, U32(unroll*bytesPerVec))
	JL(LabelRef("loopSingle"))
	for k := 0; k < unroll; k++ {
		step(k, k*bytesPerVec)
	}
	ADDQ(U32(unroll*bytesPerVec), pa)
	ADDQ(U32(unroll*bytesPerVec), pb)
	SUBQ(U32(unroll*bytesPerVec), n)
	JMP(LabelRef("loopUnrolled"))

	Label("loopSingle")
	CMPQ(n, U32(bytesPerVec))
	JL(LabelRef("reduce"))
	step(0, 0)
	ADDQ(U32(bytesPerVec), pa)
	ADDQ(U32(bytesPerVec), pb)
	SUBQ(U32(bytesPerVec), n)
	JMP(LabelRef("loopSingle"))

	Label("reduce")
	VPADDD(acc[1], acc[0], acc[0])
	VPADDD(acc[3], acc[2], acc[2])
	VPADDD(acc[2], acc[0], acc[0])
	y := acc[0].AsY()
	if s.vecBytes == 64 {
		hi := YMM()
		VEXTRACTI64X4(U8(1), acc[0], hi)
		VPADDD(hi, y, y)
	}
	hi := XMM()
	VEXTRACTI128(U8(1), y, hi)
	x := acc[0].AsX()
	VPADDD(hi, x, x)
	VPHADDD(x, x, x)
	VPHADDD(x, x, x)
	r := GP32()
	VMOVD(x, r)
	VZEROUPPER()
	Store(r, ReturnIndex(0))
	RET()
}
