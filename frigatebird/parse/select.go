package parse

import (
	"path"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// selectStmt converts a SELECT over at most one table; at is the offset of
// its first keyword.
func (c *converter) selectStmt(s *pg.SelectStmt, at int) (Stmt, *convError) {
	switch {
	case s.Op != pg.SetOperation_SETOP_NONE && s.Op != pg.SetOperation_SET_OPERATION_UNDEFINED:
		return nil, errUnsupported(int32(c.findWord(at, "union", "intersect", "except")), "UNION, INTERSECT and EXCEPT are")
	case s.WithClause != nil:
		return nil, errUnsupported(s.WithClause.Location, "WITH (common table expressions) is")
	case s.IntoClause != nil:
		return nil, errUnsupported(int32(c.findWord(at, "into")), "SELECT INTO is")
	case len(s.ValuesLists) > 0:
		return nil, errUnsupported(int32(at), "VALUES outside INSERT is")
	case len(s.WindowClause) > 0:
		return nil, errUnsupported(int32(c.findWord(at, "window")), "window functions are")
	case len(s.LockingClause) > 0:
		return nil, errUnsupported(int32(c.findWord(at, "for")), "FOR UPDATE and FOR SHARE are")
	case s.LimitOption == pg.LimitOption_LIMIT_OPTION_WITH_TIES:
		return nil, errUnsupported(int32(c.findWord(at, "ties")), "FETCH ... WITH TIES is")
	case s.GroupDistinct:
		return nil, errUnsupported(int32(c.findWord(at, "group")), "GROUP BY DISTINCT is")
	}
	sel := &Select{At: at}
	if len(s.DistinctClause) > 0 {
		// DISTINCT is a list holding one empty node; DISTINCT ON lists
		// expressions.
		if len(s.DistinctClause) > 1 || s.DistinctClause[0].GetNode() != nil {
			return nil, errUnsupported(int32(c.findWord(at, "distinct")), "DISTINCT ON is")
		}
		sel.Distinct = true
	}
	if err := c.from(s.FromClause, sel); err != nil {
		return nil, err
	}
	star := false
	for _, n := range s.TargetList {
		rt := n.GetResTarget()
		if rt == nil {
			return nil, errInvalid(int32(at), "unexpected select-list item")
		}
		if len(rt.Indirection) > 0 {
			return nil, errUnsupported(rt.Location, "subscripts and field selection are")
		}
		item := SelectItem{At: int(rt.Location), Alias: rt.Name}
		if cr := rt.Val.GetColumnRef(); cr != nil && len(cr.Fields) > 0 && cr.Fields[len(cr.Fields)-1].GetAStar() != nil {
			switch len(cr.Fields) {
			case 1:
			case 2:
				item.StarTable = cr.Fields[0].GetString_().GetSval()
			default:
				return nil, errUnsupported(cr.Location, "names with more than two parts are")
			}
			item.Star = true
			star = true
		} else {
			e, err := c.expr(rt.Val)
			if err != nil {
				return nil, err
			}
			item.Expr = e
		}
		sel.Items = append(sel.Items, item)
	}
	var err *convError
	if s.WhereClause != nil {
		if sel.Where, err = c.expr(s.WhereClause); err != nil {
			return nil, err
		}
	}
	for _, n := range s.GroupClause {
		if g := n.GetGroupingSet(); g != nil {
			return nil, errUnsupported(g.Location, "ROLLUP, CUBE and GROUPING SETS are")
		}
		e, err := c.expr(n)
		if err != nil {
			return nil, err
		}
		ord, err := ordinal(e, len(sel.Items), star, "GROUP BY")
		if err != nil {
			return nil, err
		}
		item := GroupItem{At: e.Pos(), Ordinal: ord}
		if ord == 0 {
			item.Expr = e
		}
		sel.GroupBy = append(sel.GroupBy, item)
	}
	if s.HavingClause != nil {
		if sel.Having, err = c.expr(s.HavingClause); err != nil {
			return nil, err
		}
	}
	for _, n := range s.SortClause {
		sb := n.GetSortBy()
		if sb == nil {
			return nil, errInvalid(int32(at), "unexpected ORDER BY item")
		}
		if sb.SortbyDir == pg.SortByDir_SORTBY_USING {
			return nil, errUnsupported(sb.Location, "ORDER BY ... USING is")
		}
		e, err := c.expr(sb.Node)
		if err != nil {
			return nil, err
		}
		ord, err := ordinal(e, len(sel.Items), star, "ORDER BY")
		if err != nil {
			return nil, err
		}
		item := OrderItem{At: e.Pos(), Ordinal: ord, Desc: sb.SortbyDir == pg.SortByDir_SORTBY_DESC}
		if ord == 0 {
			item.Expr = e
		}
		switch sb.SortbyNulls {
		case pg.SortByNulls_SORTBY_NULLS_FIRST:
			item.Nulls = NullsFirst
		case pg.SortByNulls_SORTBY_NULLS_LAST:
			item.Nulls = NullsLast
		}
		sel.OrderBy = append(sel.OrderBy, item)
	}
	if sel.Limit, err = c.limit(s.LimitCount); err != nil {
		return nil, err
	}
	if sel.Offset, err = c.limit(s.LimitOffset); err != nil {
		return nil, err
	}
	return sel, nil
}

// limit converts a LIMIT or OFFSET value; LIMIT ALL (a NULL) is no limit.
func (c *converter) limit(n *pg.Node) (Expr, *convError) {
	if n == nil {
		return nil, nil
	}
	e, err := c.expr(n)
	if err != nil {
		return nil, err
	}
	if l, ok := e.(*Literal); ok && l.Kind == LitNull {
		return nil, nil
	}
	return e, nil
}

// ordinal returns the select-list position an integer constant in GROUP BY
// or ORDER BY names, or 0 when e is not an integer constant.
func ordinal(e Expr, items int, star bool, clause string) (int, *convError) {
	l, ok := e.(*Literal)
	if !ok || l.Kind != LitInt {
		return 0, nil
	}
	if l.Int < 1 || !star && l.Int > int64(items) {
		return 0, errInvalid(int32(l.At), "%s position %d is not in select list", clause, l.Int)
	}
	return int(l.Int), nil
}

// from converts the FROM clause: nothing, one table, or one table function.
func (c *converter) from(items []*pg.Node, sel *Select) *convError {
	if len(items) == 0 {
		return nil
	}
	if len(items) > 1 {
		return errUnsupported(int32(c.fromLocation(items[1], sel.At)), "selecting from more than one table is")
	}
	switch x := items[0].GetNode().(type) {
	case *pg.Node_RangeVar:
		rv := x.RangeVar
		f := &From{At: int(rv.Location)}
		if rv.Alias != nil {
			if len(rv.Alias.Colnames) > 0 {
				return errUnsupported(rv.Location, "column aliases in FROM are")
			}
			f.Alias = rv.Alias.Aliasname
		}
		if file, ok := c.files[int(rv.Location)]; ok {
			fn, err := readerFor(file, rv.Location)
			if err != nil {
				return err
			}
			f.Func = fn
			sel.From = f
			return nil
		}
		t, err := c.tableName(rv)
		if err != nil {
			return err
		}
		f.Table = &t
		sel.From = f
		return nil
	case *pg.Node_JoinExpr:
		return errUnsupported(int32(c.findWord(sel.At, "join", "natural", "cross")), "JOIN is")
	case *pg.Node_RangeSubselect:
		return errUnsupported(int32(c.findWord(sel.At, "from")), "subqueries in FROM are")
	case *pg.Node_RangeFunction:
		rf := x.RangeFunction
		if rf.Lateral || rf.Ordinality || rf.IsRowsfrom || len(rf.Coldeflist) > 0 || len(rf.Functions) != 1 {
			return errUnsupported(int32(c.findWord(sel.At, "from")), "LATERAL, WITH ORDINALITY, ROWS FROM and column definitions are")
		}
		pair := rf.Functions[0].GetList().GetItems()
		if len(pair) == 0 || pair[0].GetFuncCall() == nil {
			return errUnsupported(int32(c.findWord(sel.At, "from")), "this table function is")
		}
		if len(pair) > 1 && pair[1].GetNode() != nil {
			return errUnsupported(pair[0].GetFuncCall().Location, "column definitions for table functions are")
		}
		e, err := c.expr(pair[0])
		if err != nil {
			return err
		}
		fn, ok := e.(*Func)
		if !ok {
			return errUnsupported(pair[0].GetFuncCall().Location, "this table function is")
		}
		f := &From{At: fn.At, Func: fn}
		if rf.Alias != nil {
			if len(rf.Alias.Colnames) > 0 {
				return errUnsupported(int32(fn.At), "column aliases in FROM are")
			}
			f.Alias = rf.Alias.Aliasname
		}
		sel.From = f
		return nil
	}
	return errUnsupported(int32(c.findWord(sel.At, "from")), "this FROM item is")
}

// fromLocation is the position of a FROM item, for errors.
func (c *converter) fromLocation(n *pg.Node, def int) int {
	if rv := n.GetRangeVar(); rv != nil {
		return int(rv.Location)
	}
	return c.findWord(def, "from")
}

// readerFor maps FROM 'file' onto the table function that reads it, by the
// file's extension (as DuckDB does).
func readerFor(file string, at int32) (*Func, *convError) {
	lower := strings.ToLower(file)
	lower = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(lower, ".gz"), ".zst"), ".lz4")
	var name string
	switch path.Ext(lower) {
	case ".parquet":
		name = "read_parquet"
	case ".csv", ".tsv":
		name = "read_csv"
	default:
		return nil, errUnsupported(at, "reading "+quoteString(file)+" by name (only .parquet, .csv and .tsv) is")
	}
	return &Func{At: int(at), Name: name, Args: []Expr{&Literal{At: int(at), Kind: LitString, Text: file}}}, nil
}
