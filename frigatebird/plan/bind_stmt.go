package plan

import (
	"github.com/reefdb/reef/frigatebird/parse"
	"github.com/reefdb/reef/frigatebird/types"
)

func (b *binder) createTable(s *parse.CreateTable) (Stmt, error) {
	if _, ok := b.cat.Table(s.Table.Name); ok && !s.IfNotExists {
		return nil, b.errorf(ErrExists, s.Table.At, "relation %q already exists", s.Table.Name)
	}
	if len(s.Columns) == 0 {
		return nil, b.errorf(ErrUnsupported, s.Table.At, "table %q must have at least one column", s.Table.Name)
	}
	info := &TableInfo{Name: s.Table.Name}
	for _, c := range s.Columns {
		if info.Lookup(c.Name) >= 0 {
			return nil, b.errorf(ErrExists, c.At, "column %q specified more than once", c.Name)
		}
		t, err := b.typeOf(c.Type)
		if err != nil {
			return nil, err
		}
		if t.Kind == types.KindInterval {
			return nil, b.errorf(ErrUnsupported, c.Type.At, "INTERVAL columns are not supported")
		}
		info.Columns = append(info.Columns, TableColumn{Name: c.Name, T: t, NotNull: c.NotNull})
	}
	for _, k := range s.SortKey {
		i := info.Lookup(k.Name)
		if i < 0 {
			return nil, b.errorf(ErrUnknownColumn, k.At, "sort key column %q does not exist", k.Name)
		}
		for _, j := range info.SortKey {
			if j == i {
				return nil, b.errorf(ErrExists, k.At, "sort key column %q specified more than once", k.Name)
			}
		}
		info.SortKey = append(info.SortKey, i)
	}
	return &CreateTable{Table: info, IfNotExists: s.IfNotExists}, nil
}

func (b *binder) dropTable(s *parse.DropTable) (Stmt, error) {
	d := &DropTable{IfExists: s.IfExists}
	for _, t := range s.Tables {
		if _, ok := b.cat.Table(t.Name); !ok && !s.IfExists {
			return nil, b.errorf(ErrUnknownTable, t.At, "table %q does not exist", t.Name)
		}
		d.Names = append(d.Names, t.Name)
	}
	return d, nil
}

// targetColumns resolves an INSERT or COPY column list into table column
// indexes; nil means every column in table order.
func (b *binder) targetColumns(t *TableInfo, ids []parse.Ident) ([]int, error) {
	if ids == nil {
		out := make([]int, len(t.Columns))
		for i := range out {
			out[i] = i
		}
		return out, nil
	}
	out := make([]int, 0, len(ids))
	for _, id := range ids {
		i := t.Lookup(id.Name)
		if i < 0 {
			return nil, b.errorf(ErrUnknownColumn, id.At, "column %q of relation %q does not exist", id.Name, t.Name)
		}
		for _, j := range out {
			if j == i {
				return nil, b.errorf(ErrExists, id.At, "column %q specified more than once", id.Name)
			}
		}
		out = append(out, i)
	}
	return out, nil
}

// assignable reports whether a value of type from may be stored in a
// column of type to without an explicit CAST (PostgreSQL's assignment
// casts: numbers to numbers, anything to text, dates to timestamps and
// back).
func assignable(from, to types.Type) bool {
	switch {
	case from.Kind == to.Kind, to.Kind == types.KindVarchar:
		return true
	case from.IsNumeric() && to.IsNumeric():
		return true
	case from.Kind == types.KindDate && to.Kind == types.KindTimestamp,
		from.Kind == types.KindTimestamp && to.Kind == types.KindDate:
		return true
	}
	return false
}

// assign converts e to the exact type of column col (VARCHAR lengths
// included), as a value about to be stored.
func (b *binder) assign(e Expr, col TableColumn, pos int) (Expr, error) {
	to := col.T
	if c, ok := e.(*Const); ok && b.isUntyped(c) {
		v, err := types.Cast(c.Value, to)
		if err != nil {
			return nil, b.castError(c.Value, to, err, pos)
		}
		return &Const{Value: v}, nil
	}
	if !assignable(e.Type(), to) {
		return nil, b.errorf(ErrType, pos, "column %q is of type %s but expression is of type %s",
			col.Name, lowerType(to), lowerType(e.Type()))
	}
	return b.castTo(e, to, pos)
}

// itemPos is the position of output column j of a select, when the
// select list before it holds no star; else the SELECT's.
func itemPos(s *parse.Select, j int) int {
	for i, it := range s.Items {
		if it.Star {
			break
		}
		if i == j {
			return it.At
		}
	}
	return s.At
}

func tableColumns(t *TableInfo) []Column {
	cols := make([]Column, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = Column{Name: c.Name, T: c.T, Table: t.Name}
	}
	return cols
}

func (b *binder) insert(s *parse.Insert) (Stmt, error) {
	t, err := b.table(s.Table)
	if err != nil {
		return nil, err
	}
	targets, err := b.targetColumns(t, s.Columns)
	if err != nil {
		return nil, err
	}
	// tooFew points at the first target column left without a value.
	tooFew := func(n, fallback int) error {
		pos := fallback
		if s.Columns != nil {
			pos = s.Columns[n].At
		}
		return b.errorf(ErrType, pos, "INSERT has more target columns than expressions")
	}
	if s.Query != nil {
		q, err := b.query(s.Query)
		if err != nil {
			return nil, err
		}
		cols := q.Root.Columns()
		switch {
		case len(cols) > len(targets):
			return nil, b.errorf(ErrType, itemPos(s.Query, len(targets)), "INSERT has more expressions than target columns")
		case len(cols) < len(targets):
			return nil, tooFew(len(cols), s.Query.At)
		}
		top := q.Root
		for l, ok := top.(*Limit); ok; l, ok = top.(*Limit) {
			top = l.Input
		}
		if p, ok := top.(*Project); ok {
			// INSERT INTO t SELECT 'x', NULL: literals of the select
			// list take the column types, as in PostgreSQL.
			for j, i := range targets {
				if c, ok := p.Exprs[j].(*Const); ok && b.isUntyped(c) {
					if p.Exprs[j], err = b.assign(c, t.Columns[i], itemPos(s.Query, j)); err != nil {
						return nil, err
					}
				}
			}
			cols = q.Root.Columns()
		}
		p := &Project{Input: q.Root, Exprs: make([]Expr, len(t.Columns)), Names: make([]string, len(t.Columns))}
		for i, c := range t.Columns {
			p.Names[i] = c.Name
			p.Exprs[i] = &Const{Value: types.NullValue(c.T)}
		}
		for j, i := range targets {
			ref := &ColRef{Index: j, Name: cols[j].Name, T: cols[j].T}
			e, err := b.assign(ref, t.Columns[i], s.Query.At)
			if err != nil {
				return nil, err
			}
			p.Exprs[i] = e
		}
		return &Insert{Table: t, Source: p}, nil
	}
	saved := b.aggClause
	b.aggClause = "VALUES"
	defer func() { b.aggClause = saved }()
	v := &Values{Cols: tableColumns(t), Rows: make([][]Expr, 0, len(s.Rows))}
	for _, row := range s.Rows {
		switch {
		case len(row) > len(targets):
			return nil, b.errorf(ErrType, row[len(targets)].Pos(), "INSERT has more expressions than target columns")
		case len(row) < len(targets):
			pos := s.At
			if len(row) > 0 {
				pos = row[len(row)-1].Pos()
			}
			return nil, tooFew(len(row), pos)
		}
		out := make([]Expr, len(t.Columns))
		for i, c := range t.Columns {
			out[i] = &Const{Value: types.NullValue(c.T)}
		}
		for j, p := range row {
			e, err := b.expr(p)
			if err != nil {
				return nil, err
			}
			i := targets[j]
			if out[i], err = b.assign(e, t.Columns[i], p.Pos()); err != nil {
				return nil, err
			}
		}
		v.Rows = append(v.Rows, out)
	}
	return &Insert{Table: t, Source: v}, nil
}

// where binds a DELETE or UPDATE condition into scan filters.
func (b *binder) where(p parse.Expr) ([]Expr, error) {
	if p == nil {
		return nil, nil
	}
	saved := b.aggClause
	b.aggClause = "WHERE"
	defer func() { b.aggClause = saved }()
	cond, err := b.boolOperand(p, "WHERE")
	if err != nil {
		return nil, err
	}
	return conjuncts(cond), nil
}

// update reads every column and the row id (the new row is the whole
// row), filters by the WHERE, and projects the new values then the row
// id.
func (b *binder) update(s *parse.Update) (Stmt, error) {
	t, err := b.table(s.Table)
	if err != nil {
		return nil, err
	}
	b.scope = scope{}
	b.scope.add(t.Name, t)
	filters, err := b.where(s.Where)
	if err != nil {
		return nil, err
	}
	saved := b.aggClause
	b.aggClause = "UPDATE"
	defer func() { b.aggClause = saved }()
	n := len(t.Columns)
	exprs := make([]Expr, n+1)
	names := make([]string, n+1)
	for _, a := range s.Set {
		i := t.Lookup(a.Column)
		if i < 0 {
			return nil, b.errorf(ErrUnknownColumn, a.At, "column %q of relation %q does not exist", a.Column, t.Name)
		}
		if exprs[i] != nil {
			return nil, b.errorf(ErrExists, a.At, "multiple assignments to same column %q", a.Column)
		}
		e, err := b.expr(a.Value)
		if err != nil {
			return nil, err
		}
		if exprs[i], err = b.assign(e, t.Columns[i], a.Value.Pos()); err != nil {
			return nil, err
		}
	}
	all := make([]int, n)
	for i, c := range t.Columns {
		all[i] = i
		names[i] = c.Name
		if exprs[i] == nil {
			exprs[i] = &ColRef{Index: i, Name: c.Name, T: c.T}
		}
	}
	exprs[n] = &ColRef{Index: n, Name: "rowid", T: types.BigInt}
	names[n] = "rowid"
	scan := NewScan(t, "", all, true)
	scan.Filters = filters // the scan reads every column: virtual indexes are scan positions
	return &Update{Table: t, Source: &Project{Input: scan, Exprs: exprs, Names: names}}, nil
}

// delete reads the columns the WHERE needs and the row id, and projects
// the row id.
func (b *binder) delete(s *parse.Delete) (Stmt, error) {
	t, err := b.table(s.Table)
	if err != nil {
		return nil, err
	}
	b.scope = scope{}
	b.scope.add(t.Name, t)
	filters, err := b.where(s.Where)
	if err != nil {
		return nil, err
	}
	cols, pos := prune(b.scope.tables[0], filters)
	scan := NewScan(t, "", cols, true)
	scan.Filters = remapAll(filters, pos)
	rowid := &ColRef{Index: len(cols), Name: "rowid", T: types.BigInt}
	return &Delete{Table: t, Source: &Project{Input: scan, Exprs: []Expr{rowid}, Names: []string{"rowid"}}}, nil
}

// copyStmt binds COPY. An empty File means STDIN (FROM) or STDOUT (TO).
func (b *binder) copyStmt(s *parse.Copy) (Stmt, error) {
	c := &Copy{From: s.From, File: s.File, Options: s.Options}
	if s.Query != nil {
		if s.From {
			return nil, b.errorf(ErrUnsupported, s.At, "COPY (query) FROM is not supported")
		}
		q, err := b.query(s.Query)
		if err != nil {
			return nil, err
		}
		c.Query = q
		return c, nil
	}
	if s.Table == nil {
		return nil, b.errorf(ErrUnsupported, s.At, "COPY needs a table or a query")
	}
	t, err := b.table(*s.Table)
	if err != nil {
		return nil, err
	}
	cols, err := b.targetColumns(t, s.Columns)
	if err != nil {
		return nil, err
	}
	if s.From {
		c.Table, c.Columns = t, cols
		return c, nil
	}
	scan := NewScan(t, "", cols, false)
	p := &Project{Input: scan, Exprs: make([]Expr, len(cols)), Names: make([]string, len(cols))}
	for j, i := range cols {
		p.Exprs[j] = &ColRef{Index: j, Name: t.Columns[i].Name, T: t.Columns[i].T}
		p.Names[j] = t.Columns[i].Name
	}
	c.Query = &Query{Root: p, Names: p.Names}
	return c, nil
}
