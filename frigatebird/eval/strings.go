package eval

import (
	"bytes"
	"math"
	"unicode/utf8"

	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

// String functions. Lengths and positions count characters (UTF-8 code
// points; an invalid byte counts as one), as PostgreSQL does.

// strMapNode is lower, upper or length: the vector kernels.
type strMapNode struct {
	funcBase
	fn plan.FuncID
}

func (n *strMapNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	v, err := n.args[0].eval(c, sel)
	if err != nil {
		return nil, err
	}
	switch n.fn {
	case plan.FnLower:
		vector.Lower(v, sel, n.res)
	case plan.FnUpper:
		vector.Upper(v, sel, n.res)
	default:
		vector.Length(v, sel, n.res)
	}
	n.res.Type = n.t
	return n.res, checkBytes(n.res)
}

// substringNode is substring(s FROM from [FOR count]).
type substringNode struct {
	funcBase
	w strWriter
}

func newSubstring(base funcBase) *substringNode { return &substringNode{funcBase: base} }

func (n *substringNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	valid, err := n.evalArgs(c, sel)
	if err != nil {
		return nil, err
	}
	s, from := n.vs[0], n.vs[1]
	var count *vector.Vector
	if len(n.args) == 3 {
		count = n.vs[2]
	}
	res := n.res
	n.w.start(res, n.t, c.n)
	res.Valid = valid
	err = forSel(sel, c.n, func(i int) error {
		if !validAt(valid, i) {
			return nil
		}
		var k int64
		if count != nil {
			if k = count.Ints[i]; k < 0 {
				return &evalError{msg: "frigatebird: negative substring length not allowed", err: types.ErrOutOfRange}
			}
		}
		n.w.set(i, substr(s.Str(i), from.Ints[i], k, count != nil))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, n.w.finish()
}

// substr is PostgreSQL's substring: the characters at 1-based positions
// [from, from+count) that exist (from <= 0 eats into count); to the end
// without a count.
func substr(s []byte, from, count int64, hasCount bool) []byte {
	start := max(from, 1)
	end := int64(math.MaxInt64) // exclusive
	if hasCount {
		if e, ok := types.AddCheck(from, count); ok { // count >= 0: overflow is past the end
			end = e
		}
	}
	if end <= start {
		return nil
	}
	pos, i := int64(1), 0
	for i < len(s) && pos < start {
		_, size := utf8.DecodeRune(s[i:])
		i += size
		pos++
	}
	b := i
	for i < len(s) && pos < end {
		_, size := utf8.DecodeRune(s[i:])
		i += size
		pos++
	}
	return s[b:i]
}

// trimNode is trim, ltrim and rtrim: the longest prefix and/or suffix of
// characters in chars removed.
type trimNode struct {
	funcBase
	left, right bool
	chars       string
	constChars  bool
	nullConst   bool
	w           strWriter
}

func (n *trimNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	if n.nullConst {
		return n.allNull(c, sel)
	}
	valid, err := n.evalArgs(c, sel)
	if err != nil {
		return nil, err
	}
	s := n.vs[0]
	res := n.res
	n.w.start(res, n.t, c.n)
	res.Valid = valid
	_ = forSel(sel, c.n, func(i int) error {
		if !validAt(valid, i) {
			return nil
		}
		chars := n.chars
		if !n.constChars {
			chars = string(n.vs[1].Str(i))
		}
		x := s.Str(i)
		switch {
		case n.left && n.right:
			x = bytes.Trim(x, chars)
		case n.left:
			x = bytes.TrimLeft(x, chars)
		default:
			x = bytes.TrimRight(x, chars)
		}
		n.w.set(i, x)
		return nil
	})
	return res, n.w.finish()
}

// concatNode is concat(a, b, ...): NULL arguments are skipped; never
// NULL.
type concatNode struct {
	funcBase
	w strWriter
}

func (n *concatNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	if _, err := n.evalArgs(c, sel); err != nil {
		return nil, err
	}
	res := n.res
	n.w.start(res, n.t, c.n)
	_ = forSel(sel, c.n, func(i int) error {
		n.w.skipTo(i)
		for _, v := range n.vs {
			if v.IsValid(i) {
				res.Bytes = append(res.Bytes, v.Str(i)...)
			}
		}
		n.w.end(i)
		return nil
	})
	return res, n.w.finish()
}

// concatOpNode is a || b: NULL if either is.
type concatOpNode struct{ funcBase }

func (n *concatOpNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	if _, err := n.evalArgs(c, sel); err != nil {
		return nil, err
	}
	vector.Concat(n.vs[0], n.vs[1], sel, n.res)
	n.res.Type = n.t
	return n.res, checkBytes(n.res)
}

// replaceNode is replace(s, from, to); an empty from leaves s as is.
type replaceNode struct {
	funcBase
	from, to  []byte
	constArgs bool
	nullConst bool
	w         strWriter
}

func (n *replaceNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	if n.nullConst {
		return n.allNull(c, sel)
	}
	valid, err := n.evalArgs(c, sel)
	if err != nil {
		return nil, err
	}
	res := n.res
	if n.constArgs {
		vector.Replace(n.vs[0], n.from, n.to, sel, res)
		res.Type = n.t
		return res, checkBytes(res)
	}
	n.w.start(res, n.t, c.n)
	res.Valid = valid
	_ = forSel(sel, c.n, func(i int) error {
		if !validAt(valid, i) {
			return nil
		}
		s, from, to := n.vs[0].Str(i), n.vs[1].Str(i), n.vs[2].Str(i)
		n.w.skipTo(i)
		if len(from) == 0 {
			res.Bytes = append(res.Bytes, s...)
		} else {
			for {
				j := bytes.Index(s, from)
				if j < 0 {
					res.Bytes = append(res.Bytes, s...)
					break
				}
				res.Bytes = append(append(res.Bytes, s[:j]...), to...)
				s = s[j+len(from):]
			}
		}
		n.w.end(i)
		return nil
	})
	return res, n.w.finish()
}

// startsWithNode is starts_with(s, prefix).
type startsWithNode struct {
	funcBase
	prefix    []byte
	constArg  bool
	nullConst bool
}

func (n *startsWithNode) eval(c *ctx, sel []uint16) (*vector.Vector, error) {
	if n.nullConst {
		return n.allNull(c, sel)
	}
	valid, err := n.evalArgs(c, sel)
	if err != nil {
		return nil, err
	}
	res := n.res
	if n.constArg {
		vector.StartsWith(n.vs[0], n.prefix, sel, res)
		return res, nil
	}
	res.Reset(types.Boolean, c.n)
	clear(res.Bools)
	res.Valid = valid
	for _, r := range rowsOf(sel, c.n) {
		i := int(r)
		if bytes.HasPrefix(n.vs[0].Str(i), n.vs[1].Str(i)) {
			res.Bools[i>>6] |= 1 << (uint(i) & 63)
		}
	}
	return res, nil
}
