package exec

import (
	"strings"
	"testing"

	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/types"
	"github.com/reefdb/reef/frigatebird/vector"
)

func TestShareCommon(t *testing.T) {
	dec := types.MustDecimal(15, 2)
	price := &plan.ColRef{Index: 0, Name: "price", T: dec}
	disc := &plan.ColRef{Index: 1, Name: "disc", T: dec}
	tax := &plan.ColRef{Index: 2, Name: "tax", T: dec}
	one := &plan.Const{Value: types.IntValue(dec, 100)}
	d16 := types.MustDecimal(16, 2)
	oneMinus := &plan.Arith{Op: vector.Sub, L: one, R: disc, T: d16}
	m1, _ := types.DecimalResult("*", dec, d16)
	disc1 := &plan.Arith{Op: vector.Mul, L: price, R: oneMinus, T: m1}
	onePlus := &plan.Arith{Op: vector.Add, L: one, R: tax, T: d16}
	m2, _ := types.DecimalResult("*", m1, d16)
	charge := &plan.Arith{Op: vector.Mul, L: disc1, R: onePlus, T: m2}
	lazy := &plan.Case{Whens: []plan.When{{Cond: &plan.Compare{Op: vector.Gt, L: disc, R: one}, Result: disc1}}, Else: &plan.Const{Value: types.NullValue(m1)}, T: m1}

	shared, out := shareCommon([]plan.Expr{price, disc1, charge, lazy}, 3)
	var names []string
	for _, s := range shared {
		names = append(names, s.String())
	}
	// (1 - disc) first, then price * #3.
	if len(shared) != 2 || names[0] != "(1.00 - disc)" || names[1] != "(price * #3)" {
		t.Fatalf("shared: %v", names)
	}
	if r, ok := out[1].(*plan.ColRef); !ok || r.Index != 4 {
		t.Fatalf("disc1 became %v", out[1])
	}
	if !strings.Contains(out[2].String(), "*") || plan.Children(out[2])[0].(*plan.ColRef).Index != 4 {
		t.Fatalf("charge became %v", out[2])
	}
	if out[3] != lazy {
		t.Fatalf("the CASE was rewritten: %v", out[3])
	}
	if out[0] != price {
		t.Fatal("a bare column was rewritten")
	}
	if s, o := shareCommon([]plan.Expr{price, disc}, 3); len(s) != 0 || o[0] != price {
		t.Fatal("nothing to share, but shared")
	}
}
