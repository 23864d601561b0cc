package parse

import (
	"fmt"
	"sort"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// converter turns pg_query parse trees into this package's AST. It keeps
// the rewrite's token list to place nodes PostgreSQL gives no location
// (a nested SELECT, DROP TABLE's names).
type converter struct {
	files map[int]string
	toks  []token
}

// tokenAt returns the start of the first token at or after off.
func (c *converter) tokenAt(off int) int {
	i := sort.Search(len(c.toks), func(i int) bool { return c.toks[i].start >= off })
	if i < len(c.toks) {
		return c.toks[i].start
	}
	return off
}

// findWord returns the start of the first token at or after off that is
// one of words (an unquoted keyword, or an identifier spelled that way);
// off itself when there is none.
func (c *converter) findWord(off int, words ...string) int {
	i := sort.Search(len(c.toks), func(i int) bool { return c.toks[i].start >= off })
	for ; i < len(c.toks); i++ {
		t := c.toks[i]
		if t.kind != tokWord && t.kind != tokQuotedIdent {
			continue
		}
		for _, w := range words {
			if t.word == w {
				return t.start
			}
		}
	}
	return off
}

// stmtName names statements Frigatebird does not run, for the error.
var stmtName = map[string]string{
	"CreateTableAsStmt": "CREATE TABLE AS", "IndexStmt": "CREATE INDEX",
	"ViewStmt": "CREATE VIEW", "AlterTableStmt": "ALTER TABLE",
	"VariableSetStmt": "SET", "VariableShowStmt": "SHOW", "TruncateStmt": "TRUNCATE",
	"CreateSchemaStmt": "CREATE SCHEMA", "MergeStmt": "MERGE", "PrepareStmt": "PREPARE",
	"ExecuteStmt": "EXECUTE", "CreateSeqStmt": "CREATE SEQUENCE", "VacuumStmt": "VACUUM",
}

func (c *converter) stmt(n *pg.Node, at int) (Stmt, *convError) {
	at = c.tokenAt(at)
	switch x := n.GetNode().(type) {
	case *pg.Node_CreateStmt:
		return c.createTable(x.CreateStmt, at)
	case *pg.Node_DropStmt:
		return c.dropTable(x.DropStmt, at)
	case *pg.Node_InsertStmt:
		return c.insert(x.InsertStmt, at)
	case *pg.Node_CopyStmt:
		return c.copyStmt(x.CopyStmt, at)
	case *pg.Node_UpdateStmt:
		return c.update(x.UpdateStmt, at)
	case *pg.Node_DeleteStmt:
		return c.delete(x.DeleteStmt, at)
	case *pg.Node_TransactionStmt:
		return c.transaction(x.TransactionStmt, at)
	case *pg.Node_ExplainStmt:
		return c.explain(x.ExplainStmt, at)
	case *pg.Node_SelectStmt:
		return c.selectStmt(x.SelectStmt, at)
	}
	name := strings.TrimPrefix(fmt.Sprintf("%T", n.GetNode()), "*pg_query.Node_")
	if s, ok := stmtName[name]; ok {
		name = s
	} else {
		name = "statement " + name
	}
	return nil, errUnsupported(int32(at), name+" is")
}

// tableName converts a table reference; Frigatebird has one schema and no
// temporary tables. Aliases are the caller's business.
func (c *converter) tableName(rv *pg.RangeVar) (TableName, *convError) {
	if rv.Catalogname != "" || rv.Schemaname != "" {
		return TableName{}, errUnsupported(rv.Location, "schema-qualified table names are")
	}
	if rv.Relpersistence == "t" {
		return TableName{}, errUnsupported(rv.Location, "temporary tables are")
	}
	return TableName{Name: rv.Relname, At: int(rv.Location)}, nil
}

func (c *converter) noAlias(rv *pg.RangeVar, stmt string) *convError {
	if rv.Alias != nil {
		return errUnsupported(rv.Location, "a table alias in "+stmt+" is")
	}
	return nil
}

func (c *converter) createTable(s *pg.CreateStmt, at int) (Stmt, *convError) {
	t, err := c.tableName(s.Relation)
	if err != nil {
		return nil, err
	}
	switch {
	case len(s.InhRelations) > 0:
		return nil, errUnsupported(int32(at), "INHERITS is")
	case s.Partbound != nil || s.Partspec != nil:
		return nil, errUnsupported(int32(at), "partitioned tables are")
	case s.OfTypename != nil:
		return nil, errUnsupported(int32(at), "CREATE TABLE OF is")
	case len(s.Constraints) > 0:
		return nil, errUnsupported(int32(at), "table constraints are")
	case len(s.Options) > 0:
		return nil, errUnsupported(int32(at), "storage parameters (WITH) are")
	case s.Oncommit != pg.OnCommitAction_ONCOMMIT_NOOP && s.Oncommit != pg.OnCommitAction_ON_COMMIT_ACTION_UNDEFINED:
		return nil, errUnsupported(int32(at), "ON COMMIT is")
	case s.Tablespacename != "":
		return nil, errUnsupported(int32(at), "TABLESPACE is")
	case s.AccessMethod != "":
		return nil, errUnsupported(int32(at), "USING (table access methods) is")
	}
	ct := &CreateTable{At: at, Table: t, IfNotExists: s.IfNotExists}
	seen := map[string]bool{}
	for _, e := range s.TableElts {
		cd := e.GetColumnDef()
		if cd == nil {
			if con := e.GetConstraint(); con != nil {
				return nil, errUnsupported(con.Location, "table constraints are")
			}
			return nil, errUnsupported(int32(at), "LIKE and table elements other than columns are")
		}
		col, err := c.columnDef(cd)
		if err != nil {
			return nil, err
		}
		if seen[col.Name] {
			return nil, errInvalid(cd.Location, "column %q specified more than once", col.Name)
		}
		seen[col.Name] = true
		ct.Columns = append(ct.Columns, col)
	}
	if len(ct.Columns) == 0 {
		return nil, errInvalid(int32(at), "table %q must have at least one column", t.Name)
	}
	return ct, nil
}

var constraintName = map[pg.ConstrType]string{
	pg.ConstrType_CONSTR_DEFAULT: "DEFAULT", pg.ConstrType_CONSTR_IDENTITY: "GENERATED AS IDENTITY",
	pg.ConstrType_CONSTR_GENERATED: "GENERATED columns", pg.ConstrType_CONSTR_CHECK: "CHECK constraints",
	pg.ConstrType_CONSTR_PRIMARY: "PRIMARY KEY", pg.ConstrType_CONSTR_UNIQUE: "UNIQUE",
	pg.ConstrType_CONSTR_EXCLUSION: "EXCLUDE", pg.ConstrType_CONSTR_FOREIGN: "REFERENCES",
}

func (c *converter) columnDef(cd *pg.ColumnDef) (ColumnDef, *convError) {
	if cd.CollClause != nil {
		return ColumnDef{}, errUnsupported(cd.CollClause.Location, "COLLATE is")
	}
	typ, err := convertType(cd.TypeName)
	if err != nil {
		return ColumnDef{}, err
	}
	if typ.Kind == TypeInterval {
		return ColumnDef{}, errUnsupported(cd.TypeName.Location, "INTERVAL columns are")
	}
	col := ColumnDef{At: int(cd.Location), Name: cd.Colname, Type: typ, NotNull: cd.IsNotNull}
	for _, n := range cd.Constraints {
		con := n.GetConstraint()
		if con == nil {
			return ColumnDef{}, errInvalid(cd.Location, "unexpected column constraint")
		}
		switch con.Contype {
		case pg.ConstrType_CONSTR_NOTNULL:
			col.NotNull = true
		case pg.ConstrType_CONSTR_NULL:
			if col.NotNull {
				return ColumnDef{}, errInvalid(con.Location, "conflicting NULL/NOT NULL declarations for column %q", col.Name)
			}
		default:
			name, ok := constraintName[con.Contype]
			if !ok {
				name = "constraint " + con.Contype.String()
			}
			return ColumnDef{}, errUnsupported(con.Location, name+" is")
		}
	}
	return col, nil
}

func (c *converter) dropTable(s *pg.DropStmt, at int) (Stmt, *convError) {
	if s.RemoveType != pg.ObjectType_OBJECT_TABLE {
		kind := strings.ToUpper(strings.ReplaceAll(strings.TrimPrefix(s.RemoveType.String(), "OBJECT_"), "_", " "))
		return nil, errUnsupported(int32(at), "DROP "+kind+" is")
	}
	if s.Behavior == pg.DropBehavior_DROP_CASCADE {
		return nil, errUnsupported(int32(c.findWord(at, "cascade")), "DROP ... CASCADE is")
	}
	if s.Concurrent {
		return nil, errUnsupported(int32(at), "DROP ... CONCURRENTLY is")
	}
	d := &DropTable{At: at, IfExists: s.MissingOk}
	from := at
	for _, o := range s.Objects {
		items := o.GetList().GetItems()
		if len(items) != 1 {
			return nil, errUnsupported(int32(at), "schema-qualified table names are")
		}
		name := items[0].GetString_().GetSval()
		pos := c.findWord(from, name)
		d.Tables = append(d.Tables, TableName{Name: name, At: pos})
		from = pos + 1
	}
	return d, nil
}

func (c *converter) insert(s *pg.InsertStmt, at int) (Stmt, *convError) {
	switch {
	case s.WithClause != nil:
		return nil, errUnsupported(s.WithClause.Location, "WITH (common table expressions) is")
	case s.OnConflictClause != nil:
		return nil, errUnsupported(s.OnConflictClause.Location, "ON CONFLICT is")
	case len(s.ReturningList) > 0:
		return nil, errUnsupported(int32(c.findWord(at, "returning")), "RETURNING is")
	case s.Override == pg.OverridingKind_OVERRIDING_USER_VALUE || s.Override == pg.OverridingKind_OVERRIDING_SYSTEM_VALUE:
		return nil, errUnsupported(int32(c.findWord(at, "overriding")), "OVERRIDING is")
	}
	t, err := c.tableName(s.Relation)
	if err != nil {
		return nil, err
	}
	if err := c.noAlias(s.Relation, "INSERT"); err != nil {
		return nil, err
	}
	ins := &Insert{At: at, Table: t}
	for _, n := range s.Cols {
		rt := n.GetResTarget()
		if len(rt.GetIndirection()) > 0 {
			return nil, errUnsupported(rt.GetLocation(), "subscripts and fields in an INSERT column list are")
		}
		ins.Columns = append(ins.Columns, Ident{Name: rt.GetName(), At: int(rt.GetLocation())})
	}
	sel := s.SelectStmt.GetSelectStmt()
	if sel == nil {
		return nil, errUnsupported(int32(c.findWord(at, "default")), "INSERT ... DEFAULT VALUES is")
	}
	if len(sel.ValuesLists) == 0 {
		q, err := c.selectStmt(sel, c.findWord(t.At, "select", "with", "table"))
		if err != nil {
			return nil, err
		}
		ins.Query = q.(*Select)
		return ins, nil
	}
	valuesAt := int32(c.findWord(t.At, "values"))
	switch {
	case sel.WithClause != nil:
		return nil, errUnsupported(sel.WithClause.Location, "WITH (common table expressions) is")
	case len(sel.SortClause) > 0 || sel.LimitCount != nil || sel.LimitOffset != nil:
		return nil, errUnsupported(valuesAt, "ORDER BY, LIMIT and OFFSET on VALUES are")
	}
	for _, row := range sel.ValuesLists {
		items := row.GetList().GetItems()
		if len(ins.Rows) > 0 && len(items) != len(ins.Rows[0]) {
			return nil, errInvalid(c.nodeLocation(items, valuesAt), "VALUES lists must all be the same length")
		}
		var exprs []Expr
		for _, it := range items {
			if d := it.GetSetToDefault(); d != nil {
				return nil, errUnsupported(d.Location, "DEFAULT in VALUES is")
			}
			e, err := c.expr(it)
			if err != nil {
				return nil, err
			}
			exprs = append(exprs, e)
		}
		ins.Rows = append(ins.Rows, exprs)
	}
	return ins, nil
}

// nodeLocation is the location of the first expression of items, or def.
func (c *converter) nodeLocation(items []*pg.Node, def int32) int32 {
	if len(items) > 0 {
		if e, err := c.expr(items[0]); err == nil {
			return int32(e.Pos())
		}
	}
	return def
}

func (c *converter) copyStmt(s *pg.CopyStmt, at int) (Stmt, *convError) {
	switch {
	case s.IsProgram:
		return nil, errUnsupported(int32(c.findWord(at, "program")), "COPY ... PROGRAM is")
	case s.WhereClause != nil:
		return nil, errUnsupported(int32(c.findWord(at, "where")), "COPY ... WHERE is")
	}
	cp := &Copy{At: at, From: s.IsFrom, File: s.Filename, Stdio: s.Filename == ""}
	if s.Relation != nil {
		t, err := c.tableName(s.Relation)
		if err != nil {
			return nil, err
		}
		cp.Table = &t
		from := t.At
		for _, a := range s.Attlist {
			name := a.GetString_().GetSval()
			pos := c.findWord(from, name)
			cp.Columns = append(cp.Columns, Ident{Name: name, At: pos})
			from = pos + 1
		}
	} else {
		sel := s.Query.GetSelectStmt()
		if sel == nil {
			return nil, errUnsupported(int32(at), "COPY of a statement other than SELECT is")
		}
		q, err := c.selectStmt(sel, c.findWord(at, "select", "with", "values", "table"))
		if err != nil {
			return nil, err
		}
		cp.Query = q.(*Select)
	}
	for _, o := range s.Options {
		d := o.GetDefElem()
		if d == nil {
			return nil, errInvalid(int32(at), "unexpected COPY option")
		}
		switch d.Defname {
		case "format":
			f := strings.ToLower(d.Arg.GetString_().GetSval())
			if f != "csv" && f != "text" && f != "parquet" {
				return nil, errUnsupported(d.Location, fmt.Sprintf("COPY format %q is", f))
			}
			cp.Options.Format = f
		case "header":
			h, ok := defBool(d)
			if !ok {
				return nil, errInvalid(d.Location, "COPY option HEADER takes true or false")
			}
			cp.Options.Header = h
		case "delimiter":
			v := d.Arg.GetString_()
			if v == nil || len(v.Sval) != 1 {
				return nil, errInvalid(d.Location, "COPY delimiter must be a single one-byte character")
			}
			cp.Options.Delimiter = v.Sval
		default:
			return nil, errUnsupported(d.Location, fmt.Sprintf("COPY option %s is", strings.ToUpper(d.Defname)))
		}
	}
	return cp, nil
}

// defBool reads a boolean option: no value (true), TRUE/FALSE, ON/OFF, 1/0.
func defBool(d *pg.DefElem) (v, ok bool) {
	if d.Arg == nil {
		return true, true
	}
	switch a := d.Arg.GetNode().(type) {
	case *pg.Node_Boolean:
		return a.Boolean.Boolval, true
	case *pg.Node_Integer:
		switch a.Integer.Ival {
		case 0:
			return false, true
		case 1:
			return true, true
		}
	case *pg.Node_String_:
		switch strings.ToLower(a.String_.Sval) {
		case "true", "on", "1", "yes":
			return true, true
		case "false", "off", "0", "no":
			return false, true
		}
	}
	return false, false
}

func (c *converter) update(s *pg.UpdateStmt, at int) (Stmt, *convError) {
	switch {
	case s.WithClause != nil:
		return nil, errUnsupported(s.WithClause.Location, "WITH (common table expressions) is")
	case len(s.FromClause) > 0:
		return nil, errUnsupported(int32(c.findWord(at, "from")), "UPDATE ... FROM is")
	case len(s.ReturningList) > 0:
		return nil, errUnsupported(int32(c.findWord(at, "returning")), "RETURNING is")
	}
	t, err := c.tableName(s.Relation)
	if err != nil {
		return nil, err
	}
	if err := c.noAlias(s.Relation, "UPDATE"); err != nil {
		return nil, err
	}
	u := &Update{At: at, Table: t}
	for _, n := range s.TargetList {
		rt := n.GetResTarget()
		if rt == nil {
			return nil, errInvalid(int32(at), "unexpected SET item")
		}
		if len(rt.Indirection) > 0 {
			return nil, errUnsupported(rt.Location, "subscripts and fields in SET are")
		}
		if rt.Val.GetMultiAssignRef() != nil {
			return nil, errUnsupported(rt.Location, "multiple-column assignment is")
		}
		if d := rt.Val.GetSetToDefault(); d != nil {
			return nil, errUnsupported(d.Location, "SET ... = DEFAULT is")
		}
		v, err := c.expr(rt.Val)
		if err != nil {
			return nil, err
		}
		u.Set = append(u.Set, Assignment{At: int(rt.Location), Column: rt.Name, Value: v})
	}
	if s.WhereClause != nil {
		if u.Where, err = c.expr(s.WhereClause); err != nil {
			return nil, err
		}
	}
	return u, nil
}

func (c *converter) delete(s *pg.DeleteStmt, at int) (Stmt, *convError) {
	switch {
	case s.WithClause != nil:
		return nil, errUnsupported(s.WithClause.Location, "WITH (common table expressions) is")
	case len(s.UsingClause) > 0:
		return nil, errUnsupported(int32(c.findWord(at, "using")), "DELETE ... USING is")
	case len(s.ReturningList) > 0:
		return nil, errUnsupported(int32(c.findWord(at, "returning")), "RETURNING is")
	}
	t, err := c.tableName(s.Relation)
	if err != nil {
		return nil, err
	}
	if err := c.noAlias(s.Relation, "DELETE"); err != nil {
		return nil, err
	}
	d := &Delete{At: at, Table: t}
	if s.WhereClause != nil {
		if d.Where, err = c.expr(s.WhereClause); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (c *converter) transaction(s *pg.TransactionStmt, at int) (Stmt, *convError) {
	switch s.Kind {
	case pg.TransactionStmtKind_TRANS_STMT_BEGIN, pg.TransactionStmtKind_TRANS_STMT_START:
		if len(s.Options) > 0 {
			return nil, errUnsupported(int32(at), "transaction modes (ISOLATION LEVEL, READ ONLY, ...) are")
		}
		return &Begin{At: at}, nil
	case pg.TransactionStmtKind_TRANS_STMT_COMMIT:
		if s.Chain {
			return nil, errUnsupported(int32(at), "COMMIT AND CHAIN is")
		}
		return &Commit{At: at}, nil
	case pg.TransactionStmtKind_TRANS_STMT_ROLLBACK:
		if s.Chain {
			return nil, errUnsupported(int32(at), "ROLLBACK AND CHAIN is")
		}
		return &Rollback{At: at}, nil
	case pg.TransactionStmtKind_TRANS_STMT_SAVEPOINT, pg.TransactionStmtKind_TRANS_STMT_RELEASE,
		pg.TransactionStmtKind_TRANS_STMT_ROLLBACK_TO:
		return nil, errUnsupported(int32(at), "savepoints are")
	}
	return nil, errUnsupported(int32(at), "two-phase commit is")
}

func (c *converter) explain(s *pg.ExplainStmt, at int) (Stmt, *convError) {
	e := &Explain{At: at}
	for _, o := range s.Options {
		d := o.GetDefElem()
		if d == nil || d.Defname != "analyze" {
			name := "?"
			loc := int32(at)
			if d != nil {
				name, loc = strings.ToUpper(d.Defname), d.Location
			}
			return nil, errUnsupported(loc, "EXPLAIN option "+name+" is")
		}
		v, ok := defBool(d)
		if !ok {
			return nil, errInvalid(d.Location, "EXPLAIN option ANALYZE takes true or false")
		}
		e.Analyze = v
	}
	// The explained statement starts at its first keyword after EXPLAIN's
	// options; PostgreSQL gives no location for it.
	inner := c.findWord(at+len("explain"), "select", "with", "values", "table", "insert", "update", "delete",
		"create", "copy", "merge", "declare", "execute", "refresh")
	st, err := c.stmt(s.Query, inner)
	if err != nil {
		return nil, err
	}
	e.Stmt = st
	return e, nil
}
