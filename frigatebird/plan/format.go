package plan

import (
	"fmt"
	"strconv"
	"strings"
)

// maxFormatRows bounds the rows of a Values node Format prints.
const maxFormatRows = 8

// Format renders a logical plan as an indented tree, one node per line,
// the root first and each input two spaces deeper:
//
//	Limit 10
//	  Sort [sum DESC NULLS FIRST] top 10
//	    Project [l_returnflag, sum(l_quantity) AS sum]
//	      Aggregate groups=[l_returnflag] aggs=[sum(l_quantity)]
//	        Scan lineitem [l_returnflag, l_quantity, l_shipdate] filters=[(l_shipdate <= DATE '1998-09-02')]
//
// The text is deterministic; EXPLAIN prints it and tests compare it.
func Format(n Node) string {
	var lines []string
	formatNode(&lines, n, 0)
	return strings.Join(lines, "\n")
}

func formatNode(lines *[]string, n Node, depth int) {
	*lines = append(*lines, strings.Repeat("  ", depth)+nodeLine(n))
	for _, in := range n.Inputs() {
		formatNode(lines, in, depth+1)
	}
}

// nodeLine is the one-line description of a node, without its inputs.
func nodeLine(n Node) string {
	switch n := n.(type) {
	case *Scan:
		var b strings.Builder
		b.WriteString("Scan " + n.Table.Name)
		if n.Alias != n.Table.Name {
			b.WriteString(" AS " + n.Alias)
		}
		cols := make([]string, 0, len(n.Cols)+1)
		for _, c := range n.Cols {
			cols = append(cols, n.Table.Columns[c].Name)
		}
		if n.RowID {
			cols = append(cols, "rowid")
		}
		b.WriteString(" [" + strings.Join(cols, ", ") + "]")
		if len(n.Filters) > 0 {
			b.WriteString(" filters=[" + joinExprs(n.Filters, ", ") + "]")
		}
		return b.String()
	case *OneRow:
		return "OneRow"
	case *Values:
		names := make([]string, len(n.Cols))
		for i, c := range n.Cols {
			names[i] = c.Name
		}
		rows := make([]string, 0, min(len(n.Rows), maxFormatRows)+1)
		for i, r := range n.Rows {
			if i == maxFormatRows {
				rows = append(rows, fmt.Sprintf("… %d more", len(n.Rows)-i))
				break
			}
			rows = append(rows, "("+joinExprs(r, ", ")+")")
		}
		return "Values [" + strings.Join(names, ", ") + "] rows=[" + strings.Join(rows, ", ") + "]"
	case *Filter:
		return "Filter " + n.Cond.String()
	case *Project:
		return "Project [" + namedExprs(n.Exprs, n.Names) + "]"
	case *Aggregate:
		var parts []string
		if len(n.Groups) > 0 {
			parts = append(parts, "groups=["+namedExprs(n.Groups, n.Names)+"]")
		}
		if len(n.Aggs) > 0 {
			aggs := make([]string, len(n.Aggs))
			for i, a := range n.Aggs {
				aggs[i] = a.String()
				if name := n.Names[len(n.Groups)+i]; name != aggs[i] {
					aggs[i] += " AS " + name
				}
			}
			parts = append(parts, "aggs=["+strings.Join(aggs, ", ")+"]")
		}
		if len(parts) == 0 {
			return "Aggregate"
		}
		return "Aggregate " + strings.Join(parts, " ")
	case *Sort:
		keys := make([]string, len(n.Keys))
		for i, k := range n.Keys {
			dir, nulls := "ASC", "NULLS LAST"
			if k.Desc {
				dir = "DESC"
			}
			if k.NullsFirst {
				nulls = "NULLS FIRST"
			}
			keys[i] = k.Expr.String() + " " + dir + " " + nulls
		}
		s := "Sort [" + strings.Join(keys, ", ") + "]"
		if n.Limit >= 0 {
			s += " top " + strconv.FormatInt(n.Limit, 10)
			if n.Offset > 0 {
				s += " offset " + strconv.FormatInt(n.Offset, 10)
			}
		}
		return s
	case *Limit:
		s := "Limit ALL"
		if n.Count >= 0 {
			s = "Limit " + strconv.FormatInt(n.Count, 10)
		}
		if n.Offset > 0 {
			s += " offset " + strconv.FormatInt(n.Offset, 10)
		}
		return s
	}
	return fmt.Sprintf("%T", n)
}

// namedExprs prints expressions with "AS name" where the name is not the
// expression's own text.
func namedExprs(es []Expr, names []string) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
		if i < len(names) && names[i] != parts[i] {
			parts[i] += " AS " + names[i]
		}
	}
	return strings.Join(parts, ", ")
}

// FormatStmt renders a bound statement: Format's tree under a line
// naming the statement, for EXPLAIN of any statement.
func FormatStmt(s Stmt) string {
	indent := func(text string) string {
		return "  " + strings.ReplaceAll(text, "\n", "\n  ")
	}
	switch s := s.(type) {
	case *Query:
		return Format(s.Root)
	case *Explain:
		head := "Explain"
		if s.Analyze {
			head += " analyze"
		}
		return head + "\n" + indent(FormatStmt(s.Stmt))
	case *CreateTable:
		cols := make([]string, len(s.Table.Columns))
		for i, c := range s.Table.Columns {
			cols[i] = c.Name + " " + c.T.String()
			if c.NotNull {
				cols[i] += " NOT NULL"
			}
		}
		line := "CreateTable " + s.Table.Name + " (" + strings.Join(cols, ", ") + ")"
		if len(s.Table.SortKey) > 0 {
			keys := make([]string, len(s.Table.SortKey))
			for i, k := range s.Table.SortKey {
				keys[i] = s.Table.Columns[k].Name
			}
			line += " order by (" + strings.Join(keys, ", ") + ")"
		}
		if s.IfNotExists {
			line += " if not exists"
		}
		return line
	case *DropTable:
		line := "DropTable " + strings.Join(s.Names, ", ")
		if s.IfExists {
			line += " if exists"
		}
		return line
	case *Insert:
		return "Insert " + s.Table.Name + "\n" + indent(Format(s.Source))
	case *Update:
		return "Update " + s.Table.Name + "\n" + indent(Format(s.Source))
	case *Delete:
		return "Delete " + s.Table.Name + "\n" + indent(Format(s.Source))
	case *Copy:
		file := "'" + strings.ReplaceAll(s.File, "'", "''") + "'"
		if s.File == "" {
			file = "STDIN"
			if !s.From {
				file = "STDOUT"
			}
		}
		if s.From {
			cols := make([]string, len(s.Columns))
			for i, c := range s.Columns {
				cols[i] = s.Table.Columns[c].Name
			}
			return "Copy " + s.Table.Name + " (" + strings.Join(cols, ", ") + ") from " + file
		}
		return "Copy to " + file + "\n" + indent(Format(s.Query.Root))
	case *Begin:
		return "Begin"
	case *Commit:
		return "Commit"
	case *Rollback:
		return "Rollback"
	}
	return fmt.Sprintf("%T", s)
}
