// Package tpch generates the TPC-H lineitem table, deterministically from a
// seed, as the `|`-delimited text that dbgen writes (without dbgen's
// trailing delimiter), for the bench sql suite.
//
// # What follows the specification
//
// Column definitions and value distributions follow the TPC-H
// specification (revision 3, clause 4.2.3), so the selectivities of the
// TPC-H queries are the real ones (Q6 keeps about 1.9 % of the rows, Q1
// about 98 %):
//
//   - orders: SF·1,500,000 of them; order i (from 0) has the sparse key
//     (i/8)·32 + i%8 + 1, an order date uniform in 1992-01-01 …
//     1998-08-02 (1998-12-31 minus 151 days), and 1 … 7 lines (uniform), so
//     SF 1 is about 6.0 million lines;
//   - l_partkey uniform in 1 … SF·200,000; l_suppkey one of the part's four
//     suppliers by the spec's formula, S = SF·10,000 suppliers;
//   - l_linenumber 1 … 7 within the order; l_quantity uniform 1 … 50;
//     l_extendedprice = l_quantity × p_retailprice, with p_retailprice =
//     (90000 + (partkey/10) mod 20001 + 100·(partkey mod 1000)) / 100;
//     l_discount uniform 0.00 … 0.10, l_tax uniform 0.00 … 0.08, in cents;
//   - l_shipdate = order date + 1 … 121 days, l_commitdate = order date +
//     30 … 90, l_receiptdate = l_shipdate + 1 … 30; l_returnflag is R or A
//     (even odds) when l_receiptdate ≤ 1995-06-17, else N; l_linestatus is
//     O when l_shipdate > 1995-06-17, else F;
//   - l_shipinstruct one of 4 values, l_shipmode one of 7, uniform;
//     l_comment 10 … 43 characters of words from dbgen's vocabulary.
//
// # What does not
//
// The output is not bit-compatible with dbgen: the random streams differ
// and comments are words drawn uniformly, not sentences from dbgen's
// grammar. Fractional scale factors round the table sizes (at least one
// part and one supplier).
//
// # Determinism
//
// Orders are generated in blocks of BlockOrders, block b from its own PCG
// stream (seed, b), so the bytes depend on the seed and the scale factor
// only, never on the number of goroutines. Version names the generator:
// it changes whenever the bytes for a given seed and scale factor change,
// and callers that cache the output key it by Version.
//
// # Concurrency
//
// WriteLineitem may be called from several goroutines at once; each call
// uses its own workers and stops them before it returns.
package tpch
