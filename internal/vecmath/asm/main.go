// Command asm generates the amd64 assembly kernels of package vecmath with
// avo. It lives in its own module so that avo never enters the dependency
// graph of github.com/reefdb/reef. Run it through go generate:
//
//	go generate ./internal/vecmath
//
// Every kernel processes only whole blocks (8 or 16 float32 lanes, 16 or 32
// bytes) and ignores the remainder; the Go wrappers in kernels_amd64.go add
// the tail. Each kernel takes its element count from the slice its doc
// comment names and reads that many elements of every argument, so callers
// pass equal lengths; the multi-row kernels (f32U8RowsKernel) read several
// code vectors stored back to back and write one result per vector.
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
	// rows is the number of code vectors the multi-row kernels scan per
	// pass: rows*unroll accumulators plus the query, the weights and two
	// temporaries must fit in the register file (16 ymm, 32 zmm).
	rows int
}

var (
	avx2   = isa{name: "AVX2", vecBytes: 32, vec: YMM, zero: func(x VecVirtual) { VPXOR(x, x, x) }, rows: 2}
	avx512 = isa{name: "AVX512", vecBytes: 64, vec: ZMM, zero: func(x VecVirtual) { VPXORD(x, x, x) }, rows: 4}
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
		f32U8Kernel(s, "l2SquaredWeightedU8", true)
		f32U8Kernel(s, "dotF32U8", false)
		f32U8RowsKernel(s, "l2SquaredWeightedU8", true)
		f32U8RowsKernel(s, "dotF32U8", false)
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

	loops(n, lanes, func(k int) { step(k, k*s.vecBytes) }, func(vecs int) {
		ADDQ(U32(vecs*s.vecBytes), pa)
		ADDQ(U32(vecs*s.vecBytes), pb)
		SUBQ(U32(vecs*lanes), n)
	})
	reduceFloat(s, acc)
}

// loops emits the loop skeleton every kernel shares: while n holds at
// least unroll vectors of per units, step(k) for each accumulator k and
// advance(unroll); then one vector at a time (step(0), advance(1)) while n
// holds one; then it falls through to the label "reduce", which the caller
// emits next.
func loops(n Register, per int, step func(k int), advance func(vecs int)) {
	Label("loopUnrolled")
	CMPQ(n, U32(unroll*per))
	JL(LabelRef("loopSingle"))
	for k := 0; k < unroll; k++ {
		step(k)
	}
	advance(unroll)
	JMP(LabelRef("loopUnrolled"))

	Label("loopSingle")
	CMPQ(n, U32(per))
	JL(LabelRef("reduce"))
	step(0)
	advance(1)
	JMP(LabelRef("loopSingle"))

	Label("reduce")
}

// reduceFloat stores the sum of the accumulators (sumLanes) as the float32
// result and returns.
func reduceFloat(s isa, acc [unroll]VecVirtual) {
	x := sumLanes(s, acc)
	VZEROUPPER()
	Store(x, ReturnIndex(0))
	RET()
}

// sumLanes adds the float32 lanes of the accumulators (pairwise, then
// halving the register) and returns the xmm register whose lane 0 holds the
// sum. Every kernel reduces in this order, so the multi-row kernels give the
// single-row results bit for bit.
func sumLanes(s isa, acc [unroll]VecVirtual) Register {
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
	return x
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

	loops(n, bytesPerVec, func(k int) { step(k, k*bytesPerVec) }, func(vecs int) {
		ADDQ(U32(vecs*bytesPerVec), pa)
		ADDQ(U32(vecs*bytesPerVec), pb)
		SUBQ(U32(vecs*bytesPerVec), n)
	})
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

// f32U8Kernel emits the asymmetric kernels that compare a float32 query with
// a vector of uint8 codes, one float32 lane per code byte:
//
//	l2:  name+ISA(q, w []float32, c []uint8) float32 = sum w*(q-c)^2
//	dot: name+ISA(a []float32, c []uint8) float32    = sum a*c
//
// VPMOVZXBD widens 8 (ymm) or 16 (zmm) code bytes to int32 lanes and
// VCVTDQ2PS converts them exactly to float32. For l2 the difference is
// formed as c-q, which is -(q-c) exactly (rounding is symmetric), so that q
// can be a memory operand; the term is then (w*d)*d as in the Go kernel.
func f32U8Kernel(s isa, name string, l2 bool) {
	lanes := s.vecBytes / 4 // float32 lanes, and code bytes, per vector
	sig := "func(a []float32, c []uint8) float32"
	if l2 {
		sig = "func(q, w []float32, c []uint8) float32"
	}
	TEXT(name+s.name, NOSPLIT, sig)
	Pragma("noescape")
	Doc(fmt.Sprintf("%s%s processes len(c) rounded down to a multiple of %d elements.", name, s.name, lanes))
	var pq, pw Register // query (a for dot) and, for l2, weights
	if l2 {
		pq = Load(Param("q").Base(), GP64())
		pw = Load(Param("w").Base(), GP64())
	} else {
		pq = Load(Param("a").Base(), GP64())
	}
	pc := Load(Param("c").Base(), GP64())
	n := Load(Param("c").Len(), GP64())

	var acc [unroll]VecVirtual
	for i := range acc {
		acc[i] = s.vec()
		s.zero(acc[i])
	}
	step := func(k int, elems int) {
		x := s.vec()
		VPMOVZXBD(Mem{Base: pc, Disp: elems}, x)
		VCVTDQ2PS(x, x)
		if l2 {
			VSUBPS(Mem{Base: pq, Disp: 4 * elems}, x, x) // x = c-q = -d
			t := s.vec()
			VMULPS(Mem{Base: pw, Disp: 4 * elems}, x, t) // t = w*(-d)
			VFMADD231PS(x, t, acc[k])                    // acc += (w*d)*d
		} else {
			VFMADD231PS(Mem{Base: pq, Disp: 4 * elems}, x, acc[k])
		}
	}
	advance := func(elems int) {
		ADDQ(U32(4*elems), pq)
		if l2 {
			ADDQ(U32(4*elems), pw)
		}
		ADDQ(U32(elems), pc)
		SUBQ(U32(elems), n)
	}

	loops(n, lanes, func(k int) { step(k, k*lanes) }, func(vecs int) { advance(vecs * lanes) })
	reduceFloat(s, acc)
}

// f32U8RowsKernel emits the multi-row form of f32U8Kernel, used by the batch
// functions: name+"Rows"+ISA(q, w []float32, c []uint8, out []float32) (for
// dot, (a []float32, c []uint8, out []float32)) scans s.rows code vectors of
// len(q) bytes stored back to back in c and writes their sums over len(q)
// rounded down to a whole vector to out[0:s.rows]. Each query and weight
// vector is loaded once per pass instead of once per row, which is what
// bounds the single-row kernel. Every row keeps its own four accumulators,
// fed and reduced exactly as in f32U8Kernel, so out[r] equals the
// single-row result bit for bit.
func f32U8RowsKernel(s isa, name string, l2 bool) {
	lanes := s.vecBytes / 4
	qname, sig := "a", "func(a []float32, c []uint8, out []float32)"
	if l2 {
		qname, sig = "q", "func(q, w []float32, c []uint8, out []float32)"
	}
	TEXT(name+"Rows"+s.name, NOSPLIT, sig)
	Pragma("noescape")
	Doc(fmt.Sprintf("%sRows%s scans %d rows of len(%s) codes in c, each over len(%s) rounded down to a multiple of %d elements, into out[:%d].",
		name, s.name, s.rows, qname, qname, lanes, s.rows))
	pq := Load(Param(qname).Base(), GP64())
	var pw Register
	if l2 {
		pw = Load(Param("w").Base(), GP64())
	}
	pc := Load(Param("c").Base(), GP64())
	pout := Load(Param("out").Base(), GP64())
	n := Load(Param(qname).Len(), GP64())
	stride := GP64() // bytes from one row to the next
	MOVQ(n, stride)
	var pc2 Register // row 2, so that rows 2 and 3 are addressed like 0 and 1
	if s.rows > 2 {
		pc2 = GP64()
		LEAQ(Mem{Base: pc, Index: stride, Scale: 2}, pc2)
	}
	row := func(r, disp int) Mem {
		base := pc
		if r >= 2 {
			base = pc2
		}
		m := Mem{Base: base, Disp: disp}
		if r%2 == 1 {
			m.Index, m.Scale = stride, 1
		}
		return m
	}

	acc := make([][unroll]VecVirtual, s.rows)
	for r := range acc {
		for k := range acc[r] {
			acc[r][k] = s.vec()
			s.zero(acc[r][k])
		}
	}
	step := func(k int, elems int) {
		xq := s.vec()
		VMOVUPS(Mem{Base: pq, Disp: 4 * elems}, xq)
		var xw VecVirtual
		if l2 {
			xw = s.vec()
			VMOVUPS(Mem{Base: pw, Disp: 4 * elems}, xw)
		}
		for r := range s.rows {
			x := s.vec()
			VPMOVZXBD(row(r, elems), x)
			VCVTDQ2PS(x, x)
			if l2 {
				VSUBPS(xq, x, x) // x = c-q = -d
				t := s.vec()
				VMULPS(xw, x, t)             // t = w*(-d)
				VFMADD231PS(x, t, acc[r][k]) // acc += (w*d)*d
			} else {
				VFMADD231PS(xq, x, acc[r][k])
			}
		}
	}
	advance := func(elems int) {
		ADDQ(U32(4*elems), pq)
		if l2 {
			ADDQ(U32(4*elems), pw)
		}
		ADDQ(U32(elems), pc)
		if s.rows > 2 {
			ADDQ(U32(elems), pc2)
		}
		SUBQ(U32(elems), n)
	}

	loops(n, lanes, func(k int) { step(k, k*lanes) }, func(vecs int) { advance(vecs * lanes) })
	for r := range s.rows {
		VMOVSS(sumLanes(s, acc[r]), Mem{Base: pout, Disp: 4 * r})
	}
	VZEROUPPER()
	RET()
}
