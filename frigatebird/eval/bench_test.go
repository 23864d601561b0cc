package eval

import (
	"fmt"
	"testing"

	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// benchInts is a full BIGINT vector of values in [0, 1000).
func benchInts(t types.Type, mul int) *vector.Vector {
	v := vector.New(t)
	v.Reset(t, vector.Size)
	for i := range v.Ints {
		v.Ints[i] = int64(i*mul) % 1000
	}
	return v
}

func benchSelect(b *testing.B, e plan.Expr, bt *vector.Batch) {
	ev, err := New(e)
	if err != nil {
		b.Fatal(err)
	}
	out := make([]uint16, 0, vector.Size)
	b.ReportAllocs()
	b.SetBytes(int64(bt.Len) * 8)
	for b.Loop() {
		if out, err = ev.Select(bt, out[:0]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(out)), "rows")
}

// BenchmarkSelectLtConst is col < const: one FilterInt64Const over the
// column (compare BenchmarkFilterInt64ConstKernel, the kernel alone).
func BenchmarkSelectLtConst(b *testing.B) {
	bt := batch(benchInts(types.BigInt, 7919))
	benchSelect(b, cmp(vector.Lt, col(0, types.BigInt), lit(types.BigInt, 500)), bt)
}

func BenchmarkFilterInt64ConstKernel(b *testing.B) {
	v := benchInts(types.BigInt, 7919)
	out := make([]uint16, 0, vector.Size)
	b.ReportAllocs()
	b.SetBytes(vector.Size * 8)
	for b.Loop() {
		out = vector.FilterInt64Const(vector.Lt, v, 500, nil, out)
	}
}

// BenchmarkSelectBetween is col >= 200 AND col <= 700: the second compare
// runs over the first's survivors.
func BenchmarkSelectBetween(b *testing.B) {
	bt := batch(benchInts(types.BigInt, 7919))
	x := col(0, types.BigInt)
	benchSelect(b, &plan.And{Args: []plan.Expr{
		cmp(vector.Ge, x, lit(types.BigInt, 200)), cmp(vector.Le, x, lit(types.BigInt, 700)),
	}}, bt)
}

func BenchmarkSelectLikeContains(b *testing.B) {
	v := vector.New(types.Text)
	v.Reset(types.Text, vector.Size)
	for i := 0; i < vector.Size; i++ {
		v.AppendStr(i, fmt.Appendf(nil, "customer-%d-%s@mail.org", i*31%5000, []string{"ab", "xy", "cd"}[i%3]))
	}
	benchSelect(b, &plan.Like{X: col(0, types.Text), Pattern: "%x%"}, batch(v))
}

// q6 is TPC-H Q6's filter: l_shipdate >= DATE '1994-01-01' AND
// l_shipdate < DATE '1995-01-01' AND l_discount BETWEEN 0.05 AND 0.07 AND
// l_quantity < 24, over DATE and DECIMAL(15,2) columns.
func q6() (plan.Expr, *vector.Batch) {
	dec := types.MustDecimal(15, 2)
	ship, disc, qty, price := vector.New(types.Date), vector.New(dec), vector.New(dec), vector.New(dec)
	ship.Reset(types.Date, vector.Size)
	disc.Reset(dec, vector.Size)
	qty.Reset(dec, vector.Size)
	price.Reset(dec, vector.Size)
	d0 := types.DaysFromCivil(1992, 1, 1)
	for i := 0; i < vector.Size; i++ {
		ship.Ints[i] = d0 + int64(i*7919%2557)
		disc.Ints[i] = int64(i * 13 % 11) // 0.00 .. 0.10
		qty.Ints[i] = int64(100 * (1 + i*17%50))
		price.Ints[i] = int64(90000 + i*7919%1000000)
	}
	sd, dc, qc := col(0, types.Date), col(1, dec), col(2, dec)
	e := &plan.And{Args: []plan.Expr{
		cmp(vector.Ge, sd, lit(types.Date, "1994-01-01")),
		cmp(vector.Lt, sd, lit(types.Date, "1995-01-01")),
		cmp(vector.Ge, dc, lit(dec52, "0.05")),
		cmp(vector.Le, dc, lit(dec52, "0.07")),
		cmp(vector.Lt, qc, lit(types.MustDecimal(2, 0), 24)),
	}}
	return e, batch(ship, disc, qty, price)
}

func BenchmarkSelectQ6(b *testing.B) {
	e, bt := q6()
	benchSelect(b, e, bt)
}

// BenchmarkEvalDecimalArith is l_extendedprice * (1 - l_discount) over
// DECIMAL(15,2) columns (the constant 1 on the left).
func BenchmarkEvalDecimalArith(b *testing.B) {
	_, bt := q6()
	dec := types.MustDecimal(15, 2)
	one := lit(types.MustDecimal(1, 0), 1)
	e := arith(vector.Mul, col(3, dec), arith(vector.Sub, one, col(1, dec)))
	benchEval(b, e, bt)
}

func benchEval(b *testing.B, e plan.Expr, bt *vector.Batch) {
	ev, err := New(e)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(bt.Len) * 8)
	for b.Loop() {
		if _, err := ev.Eval(bt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvalIntArith is a + b * 2 > 10 evaluated to a BOOLEAN vector.
func BenchmarkEvalIntArith(b *testing.B) {
	e, bt := intArith()
	benchEval(b, e, bt)
}

func BenchmarkSelectIntArith(b *testing.B) {
	e, bt := intArith()
	benchSelect(b, e, bt)
}

// BenchmarkEvalCase is CASE WHEN x < 500 THEN x * 2 ELSE 0 END.
func BenchmarkEvalCase(b *testing.B) {
	x := col(0, types.BigInt)
	e := &plan.Case{T: types.BigInt, Whens: []plan.When{{Cond: cmp(vector.Lt, x, lit(types.BigInt, 500)), Result: arith(vector.Mul, x, lit(types.BigInt, 2))}}, Else: lit(types.BigInt, 0)}
	benchEval(b, e, batch(benchInts(types.BigInt, 7919)))
}

func intArith() (plan.Expr, *vector.Batch) {
	a, bb := col(0, types.BigInt), col(1, types.BigInt)
	e := cmp(vector.Gt, arith(vector.Add, a, arith(vector.Mul, bb, lit(types.BigInt, 2))), lit(types.BigInt, 10))
	return e, batch(benchInts(types.BigInt, 7919), benchInts(types.BigInt, 31))
}
