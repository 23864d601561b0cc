package plan

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"

	"github.com/reefdb/reef/frigatebird/parse"
	"github.com/reefdb/reef/frigatebird/types"
)

// testCatalog is a fixed schema for the binder's tests.
type testCatalog map[string]*TableInfo

func dec(p, s int) types.Type { return types.MustDecimal(p, s) }

func newTestCatalog() testCatalog {
	return testCatalog{
		"t": {Name: "t", Columns: []TableColumn{
			{Name: "a", T: types.Integer, NotNull: true}, {Name: "b", T: types.Text},
			{Name: "c", T: dec(10, 2)}, {Name: "d", T: types.Date}, {Name: "e", T: types.Double},
			{Name: "f", T: types.BigInt}, {Name: "g", T: types.SmallInt}, {Name: "h", T: types.Timestamp},
			{Name: "i", T: types.Boolean}, {Name: "j", T: types.Real}, {Name: "k", T: types.Varchar(5)},
		}},
		"u": {Name: "u", Columns: []TableColumn{
			{Name: "x", T: types.Integer, NotNull: true}, {Name: "y", T: types.Text}, {Name: "z", T: types.Date},
		}},
		"lineitem": {Name: "lineitem", SortKey: []int{7}, Columns: []TableColumn{
			{Name: "l_orderkey", T: types.BigInt}, {Name: "l_quantity", T: dec(15, 2)},
			{Name: "l_extendedprice", T: dec(15, 2)}, {Name: "l_discount", T: dec(15, 2)},
			{Name: "l_tax", T: dec(15, 2)}, {Name: "l_returnflag", T: types.Text},
			{Name: "l_linestatus", T: types.Text}, {Name: "l_shipdate", T: types.Date},
			{Name: "l_comment", T: types.Text},
		}},
		// dup has two columns of one name, as a CSV header may.
		"dup": {Name: "dup", Columns: []TableColumn{{Name: "v", T: types.Integer}, {Name: "v", T: types.Text}}},
	}
}

func (c testCatalog) Table(name string) (*TableInfo, bool) {
	t, ok := c[name]
	return t, ok
}

func (c testCatalog) TableFunc(name string, args []types.Value) (*TableInfo, error) {
	if name != "read_parquet" && name != "read_csv" {
		return nil, fmt.Errorf("table function %s does not exist", name)
	}
	if len(args) != 1 || args[0].Type.Kind != types.KindVarchar || args[0].Null {
		return nil, fmt.Errorf("%s takes one file name: %w", name, ErrType)
	}
	if args[0].Str == "missing.parquet" {
		return nil, fmt.Errorf("open %s: %w", args[0].Str, fs.ErrNotExist)
	}
	return &TableInfo{Name: args[0].Str, Handle: args[0].Str, Columns: []TableColumn{
		{Name: "id", T: types.BigInt}, {Name: "name", T: types.Text}, {Name: "ts", T: types.Timestamp},
	}}, nil
}

// bindSQL parses and binds one statement and checks the result against
// the guarantees of expr.go, logical.go and stmt.go.
func bindSQL(t testing.TB, sql string) (Stmt, error) {
	t.Helper()
	stmts, err := parse.Parse(sql)
	if err != nil {
		t.Fatalf("parse %q: %v", sql, err)
	}
	if len(stmts) != 1 {
		t.Fatalf("parse %q: %d statements", sql, len(stmts))
	}
	s, err := Bind(newTestCatalog(), sql, stmts[0])
	if err != nil {
		checkError(t, sql, err)
		return nil, err
	}
	if cerr := checkStmt(s); cerr != nil {
		t.Fatalf("%q: bound statement breaks a guarantee: %v\n%s", sql, cerr, FormatStmt(s))
	}
	return s, nil
}

func mustBind(t testing.TB, sql string) Stmt {
	t.Helper()
	s, err := bindSQL(t, sql)
	if err != nil {
		t.Fatalf("%q: %v", sql, err)
	}
	return s
}

// checkError checks what every Bind error promises.
func checkError(t testing.TB, sql string, err error) {
	t.Helper()
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("%q: error %v is %T, not *Error", sql, err, err)
	}
	kinds := 0
	for _, k := range []error{ErrUnknownTable, ErrUnknownColumn, ErrAmbiguous, ErrType, ErrGrouping, ErrUnsupported, ErrExists} {
		if errors.Is(err, k) {
			kinds++
		}
	}
	if kinds != 1 {
		t.Fatalf("%q: error %v matches %d sentinels", sql, err, kinds)
	}
	if pe.Offset < -1 || pe.Offset > len(sql) {
		t.Fatalf("%q: error %v at offset %d outside the text", sql, err, pe.Offset)
	}
	if pe.Offset >= 0 {
		if l, c := parse.LineColumn(sql, pe.Offset); l != pe.Line || c != pe.Column {
			t.Fatalf("%q: error %v: line %d column %d, want %d %d", sql, err, pe.Line, pe.Column, l, c)
		}
	}
}
