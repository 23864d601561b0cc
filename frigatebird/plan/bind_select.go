package plan

import (
	"strings"

	"github.com/reefdb/reef/frigatebird/parse"
	"github.com/reefdb/reef/frigatebird/types"
)

// A SELECT becomes, bottom up:
//
//	Scan (WHERE conjuncts as Filters, only the columns used) or OneRow
//	Aggregate (GROUP BY, aggregates), Filter (HAVING)
//	Project (select list, then hidden ORDER BY columns)
//	Aggregate (DISTINCT)
//	Sort (top-N when a LIMIT follows)
//	Limit
//	Project (drops hidden ORDER BY columns)
//
// Expressions are first bound over the FROM clause's columns (virtual
// indexes, see scope), with aggregate calls left in place as aggExprs.
// Once every clause is bound, a grouped query's expressions are rewritten
// over the Aggregate's output, and the expressions over the source are
// remapped onto the columns the Scan actually reads.

// item is one select-list entry, bound over the input; it may hold
// aggregate calls until the grouping rewrite.
type item struct {
	e    Expr
	name string
	pos  int
}

// orderKey is one resolved ORDER BY entry: a select-list column, or an
// expression the Project computes as a hidden column.
type orderKey struct {
	out        int  // select-list index, or -1
	e          Expr // when out < 0
	desc       bool
	nullsFirst bool
}

func (b *binder) query(s *parse.Select) (*Query, error) {
	root, names, err := b.selectPlan(s)
	if err != nil {
		return nil, err
	}
	return &Query{Root: root, Names: names}, nil
}

func (b *binder) selectPlan(s *parse.Select) (Node, []string, error) {
	savedScope, savedClause := b.scope, b.aggClause
	b.scope = scope{}
	defer func() { b.scope, b.aggClause = savedScope, savedClause }()

	src, err := b.from(s.From)
	if err != nil {
		return nil, nil, err
	}
	var filters []Expr
	if s.Where != nil {
		b.aggClause = "WHERE"
		cond, err := b.boolOperand(s.Where, "WHERE")
		if err != nil {
			return nil, nil, err
		}
		filters = conjuncts(cond)
	}
	b.aggClause = ""
	items, err := b.selectItems(s.Items)
	if err != nil {
		return nil, nil, err
	}
	groups, groupNames, err := b.groupBy(s, items)
	if err != nil {
		return nil, nil, err
	}
	b.aggClause = ""
	var having Expr
	if s.Having != nil {
		if having, err = b.boolOperand(s.Having, "HAVING"); err != nil {
			return nil, nil, err
		}
	}
	keys, err := b.orderBy(s, items)
	if err != nil {
		return nil, nil, err
	}
	limit, offset, err := b.limitOffset(s)
	if err != nil {
		return nil, nil, err
	}

	grouped := len(s.GroupBy) > 0 || having != nil
	for _, it := range items {
		grouped = grouped || containsAgg(it.e)
	}
	for _, k := range keys {
		grouped = grouped || k.out < 0 && containsAgg(k.e)
	}
	var g *grouping
	if grouped {
		g = &grouping{b: b, groups: groups, names: groupNames}
		for i := range items {
			if items[i].e, err = g.rewrite(items[i].e); err != nil {
				return nil, nil, err
			}
		}
		if having != nil {
			if having, err = g.rewrite(having); err != nil {
				return nil, nil, err
			}
		}
		for i := range keys {
			if keys[i].out < 0 {
				if keys[i].e, err = g.rewrite(keys[i].e); err != nil {
					return nil, nil, err
				}
			}
		}
	}

	exprs := make([]Expr, len(items))
	names := make([]string, len(items))
	for i, it := range items {
		exprs[i], names[i] = it.e, it.name
	}
	sortKeys := make([]SortKey, len(keys))
	hidden := false
	for i, k := range keys {
		idx := k.out
		if idx < 0 {
			idx = len(exprs)
			exprs = append(exprs, k.e)
			names = append(names, k.e.String())
			hidden = true
		}
		ref := &ColRef{Index: idx, Name: names[idx], T: exprs[idx].Type()}
		sortKeys[i] = SortKey{Expr: ref, Desc: k.desc, NullsFirst: k.nullsFirst}
	}

	var input Node
	if src == nil {
		input = &OneRow{}
		if len(filters) > 0 {
			input = &Filter{Input: input, Cond: andOf(filters)}
		}
	} else {
		over := append([]Expr(nil), filters...)
		if grouped {
			over = append(over, groups...)
			for _, a := range g.aggs {
				over = append(over, a.Arg)
			}
		} else {
			over = append(over, exprs...)
		}
		cols, pos := prune(*src, over)
		scan := NewScan(src.info, src.alias, cols, false)
		scan.Filters = remapAll(filters, pos)
		if grouped {
			groups = remapAll(groups, pos)
			for i := range g.aggs {
				g.aggs[i].Arg = remapRefs(g.aggs[i].Arg, pos)
			}
		} else {
			exprs = remapAll(exprs, pos)
		}
		input = scan
	}
	if grouped {
		agg := &Aggregate{Input: input, Groups: groups, Aggs: g.aggs,
			Names: append(append([]string(nil), groupNames...), g.aggNames...)}
		input = agg
		if having != nil {
			input = &Filter{Input: agg, Cond: having}
		}
	}
	var node Node = &Project{Input: input, Exprs: exprs, Names: names}
	outNames := names[:len(items):len(items)]
	if s.Distinct {
		node = distinctOf(node)
	}
	if len(sortKeys) > 0 {
		sort := &Sort{Input: node, Keys: sortKeys, Limit: -1}
		if limit >= 0 {
			sort.Limit, sort.Offset = limit, offset
		}
		node = sort
	}
	if limit >= 0 || offset > 0 {
		node = &Limit{Input: node, Count: limit, Offset: offset}
	}
	if hidden {
		node = projectFirst(node, outNames)
	}
	return node, outNames, nil
}

// conjuncts splits a WHERE condition into its ANDed parts, dropping
// constant TRUEs.
func conjuncts(cond Expr) []Expr {
	parts := []Expr{cond}
	if a, ok := cond.(*And); ok {
		parts = a.Args
	}
	out := make([]Expr, 0, len(parts))
	for _, p := range parts {
		if c, ok := p.(*Const); ok && !c.Value.Null && c.Value.Type.Kind == types.KindBoolean && c.Value.Bool {
			continue
		}
		out = append(out, p)
	}
	return out
}

func andOf(es []Expr) Expr {
	if len(es) == 1 {
		return es[0]
	}
	return &And{Args: es}
}

// distinctOf groups n's output by every column.
func distinctOf(n Node) Node {
	cols := n.Columns()
	a := &Aggregate{Input: n, Groups: make([]Expr, len(cols)), Names: make([]string, len(cols))}
	for i, c := range cols {
		a.Groups[i] = &ColRef{Index: i, Name: c.Name, T: c.T}
		a.Names[i] = c.Name
	}
	return a
}

// projectFirst keeps the first len(names) columns of n.
func projectFirst(n Node, names []string) Node {
	cols := n.Columns()
	p := &Project{Input: n, Exprs: make([]Expr, len(names)), Names: names}
	for i := range names {
		p.Exprs[i] = &ColRef{Index: i, Name: cols[i].Name, T: cols[i].T}
	}
	return p
}

// prune returns the columns of t that es read, in table order, and the
// map from their virtual indexes to the Scan's output positions.
func prune(t scopeTable, es []Expr) ([]int, map[int]int) {
	used := map[int]bool{}
	for _, e := range es {
		Walk(e, func(x Expr) bool {
			if c, ok := x.(*ColRef); ok {
				used[c.Index] = true
			}
			return true
		})
	}
	var cols []int
	pos := map[int]int{}
	for c := range t.info.Columns {
		if used[t.base+c] {
			pos[t.base+c] = len(cols)
			cols = append(cols, c)
		}
	}
	return cols, pos
}

// remapRefs rewrites the column references of e through pos.
func remapRefs(e Expr, pos map[int]int) Expr {
	out, _ := transform(e, func(x Expr) (Expr, bool, error) {
		c, ok := x.(*ColRef)
		if !ok {
			return x, false, nil
		}
		i, ok := pos[c.Index]
		assert(ok, "column reference %d outside the scan", c.Index)
		return &ColRef{Index: i, Name: c.Name, T: c.T}, true, nil
	})
	return out
}

func remapAll(es []Expr, pos map[int]int) []Expr {
	out := make([]Expr, len(es))
	for i, e := range es {
		out[i] = remapRefs(e, pos)
	}
	return out
}

// grouping rewrites expressions over the Aggregate's output: a subtree
// equal to a group expression reads that group's column, an aggregate
// call reads its aggregate's column (identical calls share one), and a
// column reference left over is a grouping error.
type grouping struct {
	b        *binder
	groups   []Expr
	names    []string
	aggs     []AggCall
	aggNames []string
}

func (g *grouping) rewrite(e Expr) (Expr, error) {
	return transform(e, func(x Expr) (Expr, bool, error) {
		if _, isConst := x.(*Const); !isConst {
			for i, ge := range g.groups {
				if equalExpr(x, ge) {
					return &ColRef{Index: i, Name: g.names[i], T: ge.Type()}, true, nil
				}
			}
		}
		switch x := x.(type) {
		case *aggExpr:
			i := g.agg(x.call)
			return &ColRef{Index: len(g.groups) + i, Name: g.aggNames[i], T: x.call.T}, true, nil
		case *ColRef:
			info, ok := g.b.refs[x]
			if !ok {
				info = refInfo{pos: -1, name: x.Name}
			}
			return nil, true, g.b.errorf(ErrGrouping, info.pos,
				"column %q must appear in the GROUP BY clause or be used in an aggregate function", info.name)
		}
		return x, false, nil
	})
}

// agg returns the index of call among the aggregates, adding it.
func (g *grouping) agg(call AggCall) int {
	for i, a := range g.aggs {
		if equalAgg(a, call) {
			return i
		}
	}
	g.aggs = append(g.aggs, call)
	g.aggNames = append(g.aggNames, call.String())
	return len(g.aggs) - 1
}

// from binds the FROM clause into the scope; nil without one.
func (b *binder) from(f *parse.From) (*scopeTable, error) {
	if f == nil {
		return nil, nil
	}
	var info *TableInfo
	alias := f.Alias
	switch {
	case f.Table != nil:
		t, err := b.table(*f.Table)
		if err != nil {
			return nil, err
		}
		info = t
		if alias == "" {
			alias = f.Table.Name
		}
	case f.Func != nil:
		t, err := b.tableFunc(f.Func)
		if err != nil {
			return nil, err
		}
		info = t
		if alias == "" {
			alias = f.Func.Name
		}
	default:
		return nil, b.errorf(ErrUnsupported, f.At, "empty FROM item")
	}
	b.scope.add(alias, info)
	t := b.scope.tables[len(b.scope.tables)-1]
	return &t, nil
}

// table looks a table up.
func (b *binder) table(name parse.TableName) (*TableInfo, error) {
	t, ok := b.cat.Table(name.Name)
	if !ok || t == nil {
		return nil, b.errorf(ErrUnknownTable, name.At, "relation %q does not exist", name.Name)
	}
	return t, nil
}

// tableFunc asks the catalog for the schema of read_parquet('f') and
// the like; the arguments must be constants.
func (b *binder) tableFunc(fn *parse.Func) (*TableInfo, error) {
	if fn.Star || fn.Distinct {
		return nil, b.errorf(ErrUnsupported, fn.At, "table function %s with * or DISTINCT is not supported", fn.Name)
	}
	saved := b.aggClause
	b.aggClause = "functions in FROM"
	defer func() { b.aggClause = saved }()
	vals := make([]types.Value, 0, len(fn.Args))
	for _, a := range fn.Args {
		e, err := b.expr(a)
		if err != nil {
			return nil, err
		}
		c, ok := e.(*Const)
		if !ok {
			return nil, b.errorf(ErrUnsupported, a.Pos(), "arguments of table function %s must be constants", fn.Name)
		}
		vals = append(vals, c.Value)
	}
	t, err := b.cat.TableFunc(fn.Name, vals)
	if err != nil {
		return nil, b.errorf(catalogKind(err), fn.At, "%v", err)
	}
	if t == nil {
		return nil, b.errorf(ErrUnknownTable, fn.At, "table function %s returned no table", fn.Name)
	}
	return t, nil
}

func (b *binder) selectItems(list []parse.SelectItem) ([]item, error) {
	var items []item
	for _, it := range list {
		if it.Star {
			es, names, err := b.starColumns(it.StarTable, it.At)
			if err != nil {
				return nil, err
			}
			for i, e := range es {
				items = append(items, item{e: e, name: names[i], pos: it.At})
			}
			continue
		}
		e, err := b.expr(it.Expr)
		if err != nil {
			return nil, err
		}
		name := it.Alias
		if name == "" {
			name = outputName(it.Expr)
		}
		items = append(items, item{e: e, name: name, pos: it.At})
	}
	return items, nil
}

// outputName is the column name PostgreSQL gives an unaliased select
// item.
func outputName(p parse.Expr) string {
	switch p := p.(type) {
	case *parse.ColumnRef:
		return p.Column
	case *parse.Func:
		return p.Name
	case *parse.Cast:
		if n := outputName(p.X); n != "?column?" {
			return n
		}
		return strings.ToLower(p.Type.Kind.String())
	case *parse.Case:
		return "case"
	case *parse.Literal:
		switch p.Kind {
		case parse.LitBool:
			return "bool"
		case parse.LitDate:
			return "date"
		case parse.LitTimestamp:
			return "timestamp"
		case parse.LitInterval:
			return "interval"
		}
	}
	return "?column?"
}

// outputMatch finds the select items named name; several that are not
// the same expression are ambiguous.
func (b *binder) outputMatch(items []item, name string, pos int, clause string) (int, error) {
	found := -1
	for i, it := range items {
		if it.name != name {
			continue
		}
		if found < 0 {
			found = i
		} else if !equalExpr(items[found].e, it.e) {
			return -1, b.errorf(ErrAmbiguous, pos, "%s %q is ambiguous", clause, name)
		}
	}
	return found, nil
}

// hasColumn reports whether a table in scope has a column named name.
func (s *scope) hasColumn(name string) bool {
	for _, t := range s.tables {
		if t.info.Lookup(name) >= 0 {
			return true
		}
	}
	return false
}

// groupBy binds the GROUP BY expressions, deduplicated, and names them.
// An ordinal is a select item; a bare name that is no input column may
// be a select-list name (input columns win, as in PostgreSQL).
func (b *binder) groupBy(s *parse.Select, items []item) ([]Expr, []string, error) {
	b.aggClause = "GROUP BY"
	var groups []Expr
	var names []string
	for _, gi := range s.GroupBy {
		var e Expr
		name := ""
		from := -1
		if gi.Ordinal > 0 {
			if gi.Ordinal > len(items) {
				return nil, nil, b.errorf(ErrUnknownColumn, gi.At, "GROUP BY position %d is not in select list", gi.Ordinal)
			}
			from = gi.Ordinal - 1
		} else if ref, ok := gi.Expr.(*parse.ColumnRef); ok && ref.Table == "" && !b.scope.hasColumn(ref.Column) {
			i, err := b.outputMatch(items, ref.Column, gi.At, "GROUP BY")
			if err != nil {
				return nil, nil, err
			}
			from = i
		}
		if from >= 0 {
			if containsAgg(items[from].e) {
				return nil, nil, b.errorf(ErrGrouping, gi.At, "aggregate functions are not allowed in GROUP BY")
			}
			e, name = items[from].e, items[from].name
		} else {
			var err error
			if e, err = b.expr(gi.Expr); err != nil {
				return nil, nil, err
			}
		}
		dup := false
		for _, g := range groups {
			dup = dup || equalExpr(g, e)
		}
		if dup {
			continue
		}
		if name == "" {
			name = groupName(e, items)
		}
		groups = append(groups, e)
		names = append(names, name)
	}
	return groups, names, nil
}

// groupName names a group column: a column's name, else the name of the
// select item computing the same expression, else the expression.
func groupName(e Expr, items []item) string {
	if c, ok := e.(*ColRef); ok {
		return c.Name
	}
	for _, it := range items {
		if equalExpr(it.e, e) {
			return it.name
		}
	}
	return e.String()
}

// orderBy resolves ORDER BY entries: an ordinal or an output name is a
// select-list column (output names win over input columns, as in
// PostgreSQL); any other expression is bound over the input and matched
// against the select list, else becomes a hidden column.
func (b *binder) orderBy(s *parse.Select, items []item) ([]orderKey, error) {
	keys := make([]orderKey, 0, len(s.OrderBy))
	for _, o := range s.OrderBy {
		k := orderKey{out: -1, desc: o.Desc, nullsFirst: o.Desc}
		switch o.Nulls {
		case parse.NullsFirst:
			k.nullsFirst = true
		case parse.NullsLast:
			k.nullsFirst = false
		}
		if o.Ordinal > 0 {
			if o.Ordinal > len(items) {
				return nil, b.errorf(ErrUnknownColumn, o.At, "ORDER BY position %d is not in select list", o.Ordinal)
			}
			k.out = o.Ordinal - 1
			keys = append(keys, k)
			continue
		}
		if ref, ok := o.Expr.(*parse.ColumnRef); ok && ref.Table == "" {
			i, err := b.outputMatch(items, ref.Column, o.At, "ORDER BY")
			if err != nil {
				return nil, err
			}
			if i >= 0 {
				k.out = i
				keys = append(keys, k)
				continue
			}
		}
		e, err := b.expr(o.Expr)
		if err != nil {
			return nil, err
		}
		for i, it := range items {
			if equalExpr(it.e, e) {
				k.out = i
				break
			}
		}
		if k.out < 0 {
			if s.Distinct {
				return nil, b.errorf(ErrGrouping, o.Expr.Pos(), "for SELECT DISTINCT, ORDER BY expressions must appear in select list")
			}
			k.e = e
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// limitOffset folds LIMIT and OFFSET into constants; limit is -1 when
// absent (or NULL, as LIMIT ALL).
func (b *binder) limitOffset(s *parse.Select) (limit, offset int64, err error) {
	limit = -1
	if s.Limit != nil {
		v, null, err := b.constCount(s.Limit, "LIMIT")
		if err != nil {
			return 0, 0, err
		}
		if !null {
			limit = v
		}
	}
	if s.Offset != nil {
		v, _, err := b.constCount(s.Offset, "OFFSET")
		if err != nil {
			return 0, 0, err
		}
		offset = v
	}
	return limit, offset, nil
}

// constCount binds a LIMIT or OFFSET: a constant non-negative integer
// (numbers are cast to BIGINT, as PostgreSQL does).
func (b *binder) constCount(p parse.Expr, clause string) (int64, bool, error) {
	saved := b.aggClause
	b.aggClause = clause
	defer func() { b.aggClause = saved }()
	e, err := b.expr(p)
	if err != nil {
		return 0, false, err
	}
	if !b.isUntyped(e) && !e.Type().IsNumeric() {
		return 0, false, b.errorf(ErrType, p.Pos(), "argument of %s must be type bigint, not type %s", clause, lowerType(e.Type()))
	}
	if e, err = b.castTo(e, types.BigInt, p.Pos()); err != nil {
		return 0, false, err
	}
	c, ok := e.(*Const)
	if !ok {
		return 0, false, b.errorf(ErrUnsupported, p.Pos(), "argument of %s must be a constant", clause)
	}
	if c.Value.Null {
		return 0, true, nil
	}
	if c.Value.Int < 0 {
		return 0, false, b.errorf(ErrType, p.Pos(), "%s must not be negative", clause)
	}
	return c.Value.Int, false, nil
}
