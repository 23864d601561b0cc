package vector

// Batch is a set of equal-length vectors flowing between operators: the
// columns of up to Size rows. Sel, when non-nil, lists the active rows
// (increasing row numbers below Len); nil means every row 0..Len-1 is
// active and an empty non-nil Sel means none is. Every vector in Cols has
// Len == b.Len. Rows outside Sel hold unspecified values: consumers read
// only active rows.
//
// A batch pushed to an operator is valid only during the call: an operator
// that keeps rows copies them out (the producer reuses its vectors).
type Batch struct {
	Cols []*Vector
	Len  int
	Sel  []uint16
}

// Active returns the number of active rows.
func (b *Batch) Active() int {
	if b.Sel == nil {
		return b.Len
	}
	return len(b.Sel)
}
