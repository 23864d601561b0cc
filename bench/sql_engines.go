//go:build !reefonly

package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/big"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
	_ "modernc.org/sqlite"

	"github.com/reefdb/reef/frigatebird"
	"github.com/reefdb/reef/frigatebird/types"
)

// fbInsertBatchRows is how many rows one INSERT statement carries when
// Frigatebird is loaded with --fb-load insert.
const fbInsertBatchRows = 4096

// sqlCopyStatement is the load statement of Frigatebird and DuckDB.
func sqlCopyStatement(path string) string {
	return fmt.Sprintf("COPY %s FROM '%s' (DELIMITER '|')", sqlTable, strings.ReplaceAll(path, "'", "''"))
}

// moduleVersion returns the version of a module built into this binary,
// or "" if the build carries no module information.
func moduleVersion(path string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, d := range bi.Deps {
		if d.Path == path {
			if d.Replace != nil {
				return d.Replace.Version
			}
			return d.Version
		}
	}
	return ""
}

// --- Frigatebird ---

// fbEngine is Frigatebird, embedded, with its default options (as many
// workers as GOMAXPROCS).
type fbEngine struct {
	loadWith string // "copy" or "insert"
	db       *frigatebird.DB
}

func (e *fbEngine) load(ctx context.Context, dir string, data *sqlData) (time.Duration, error) {
	db, err := frigatebird.Open(dir, &frigatebird.Options{})
	if err != nil {
		return 0, err
	}
	e.db = db
	if _, err := db.Exec(ctx, sqlDDL); err != nil {
		return 0, err
	}
	start := time.Now()
	if e.loadWith == "insert" {
		err = e.insert(ctx, data)
	} else {
		_, err = db.Exec(ctx, sqlCopyStatement(data.path))
	}
	return time.Since(start), err
}

// insert loads the file with INSERT … VALUES batches in one transaction.
func (e *fbEngine) insert(ctx context.Context, data *sqlData) error {
	s := e.db.Session()
	defer s.Close()
	if _, err := s.Exec(ctx, "BEGIN"); err != nil {
		return err
	}
	var b strings.Builder
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		_, err := s.Exec(ctx, b.String())
		b.Reset()
		n = 0
		return err
	}
	err := sqlReadLines(ctx, data, func(f *[16][]byte) error {
		if n == 0 {
			b.WriteString("INSERT INTO lineitem VALUES ")
		} else {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j, v := range f {
			if j > 0 {
				b.WriteByte(',')
			}
			switch {
			case j <= 7: // keys, line number, money
				b.Write(v)
			case j >= 10 && j <= 12:
				b.WriteString("DATE '")
				b.Write(v)
				b.WriteByte('\'')
			default:
				b.WriteByte('\'')
				b.WriteString(strings.ReplaceAll(string(v), "'", "''"))
				b.WriteByte('\'')
			}
		}
		b.WriteByte(')')
		if n++; n == fbInsertBatchRows {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return err
	}
	_, err = s.Exec(ctx, "COMMIT")
	return err
}

func (e *fbEngine) count(ctx context.Context) (int64, error) {
	rows, err := e.db.Query(ctx, "SELECT count(*) FROM "+sqlTable)
	if err != nil {
		return 0, err
	}
	if rows.Len() != 1 {
		return 0, errSQLNoRows
	}
	return rows.Value(0, 0).Int, nil
}

func (e *fbEngine) query(ctx context.Context, q sqlQuery) (*sqlAnswer, error) {
	rows, err := e.db.Query(ctx, q.SQL)
	if err != nil {
		return nil, err
	}
	a := &sqlAnswer{Columns: rows.Columns()}
	for i := 0; i < rows.Len(); i++ {
		row := make([]sqlCell, len(a.Columns))
		for j := range row {
			row[j] = fbCell(rows.Value(i, j))
		}
		a.Rows = append(a.Rows, row)
	}
	return a, nil
}

func fbCell(v types.Value) sqlCell {
	switch {
	case v.Null:
		return sqlCell{"NULL", cellNull}
	case v.Type.Kind == types.KindReal || v.Type.Kind == types.KindDouble:
		return sqlCell{v.String(), cellFloat}
	case v.Type.IsInteger() || v.Type.Kind == types.KindDecimal:
		return sqlCell{v.String(), cellExact}
	}
	return sqlCell{v.String(), cellText}
}

func (e *fbEngine) close() error {
	if e.db == nil {
		return nil
	}
	return e.db.Close()
}

// --- DuckDB ---

// duckEngine is DuckDB through duckdb-go's database/sql driver, with a
// database file in the run's directory and its default settings (threads
// = cores, memory limit 80 % of RAM).
type duckEngine struct {
	db *sql.DB
}

// duckdbVersion names the DuckDB peer and describes its build and settings.
func duckdbVersion(ctx context.Context) (name, info string, err error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return "", "", fmt.Errorf("sql: duckdb: %w", err)
	}
	defer db.Close()
	var version, threads, memory string
	err = db.QueryRowContext(ctx,
		"SELECT version(), current_setting('threads')::VARCHAR, current_setting('memory_limit')").Scan(&version, &threads, &memory)
	if err != nil {
		return "", "", fmt.Errorf("sql: duckdb: %w", err)
	}
	info = fmt.Sprintf("DuckDB %s through github.com/duckdb/duckdb-go/v2 %s, threads %s, memory limit %s, database file on disk; load: %s",
		version, moduleVersion("github.com/duckdb/duckdb-go/v2"), threads, memory, sqlCopyStatement("FILE"))
	return "duckdb-" + version, info, nil
}

func (e *duckEngine) load(ctx context.Context, dir string, data *sqlData) (time.Duration, error) {
	db, err := sql.Open("duckdb", filepath.Join(dir, "lineitem.duckdb"))
	if err != nil {
		return 0, err
	}
	e.db = db
	if _, err := db.ExecContext(ctx, sqlDDL); err != nil {
		return 0, err
	}
	start := time.Now()
	_, err = db.ExecContext(ctx, sqlCopyStatement(data.path))
	return time.Since(start), err
}

func (e *duckEngine) count(ctx context.Context) (int64, error) {
	return sqlCount(ctx, e.db)
}

func (e *duckEngine) query(ctx context.Context, q sqlQuery) (*sqlAnswer, error) {
	return sqlQueryDB(ctx, e.db, q.SQL, duckCell)
}

func duckCell(v any) sqlCell {
	switch v := v.(type) {
	case nil:
		return sqlCell{"NULL", cellNull}
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64, uint:
		return sqlCell{fmt.Sprint(v), cellExact}
	case *big.Int:
		return sqlCell{v.String(), cellExact}
	case duckdb.Decimal:
		return sqlCell{decimalText(v.Value, int(v.Scale)), cellExact}
	case float32:
		return sqlCell{strconv.FormatFloat(float64(v), 'g', -1, 32), cellFloat}
	case float64:
		return sqlCell{strconv.FormatFloat(v, 'g', -1, 64), cellFloat}
	case string:
		return sqlCell{v, cellText}
	case []byte:
		return sqlCell{string(v), cellText}
	case time.Time:
		if v.Equal(v.Truncate(24 * time.Hour)) {
			return sqlCell{v.UTC().Format(time.DateOnly), cellText}
		}
		return sqlCell{v.UTC().Format("2006-01-02 15:04:05.999999"), cellText}
	}
	return sqlCell{fmt.Sprint(v), cellText}
}

// decimalText prints an unscaled decimal with scale digits after the point.
func decimalText(v *big.Int, scale int) string {
	if v == nil {
		return "NULL"
	}
	s := new(big.Int).Abs(v).String()
	if scale > 0 {
		if len(s) <= scale {
			s = strings.Repeat("0", scale-len(s)+1) + s
		}
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	}
	if v.Sign() < 0 {
		s = "-" + s
	}
	return s
}

func (e *duckEngine) close() error {
	if e.db == nil {
		return nil
	}
	return e.db.Close()
}

// --- SQLite ---

// liteEngine is SQLite through modernc.org/sqlite (SQLite translated to
// Go, no cgo), with a database file in the run's directory and its default
// pragmas; one connection.
type liteEngine struct {
	db *sql.DB
}

// sqliteVersion names the SQLite peer and describes its build.
func sqliteVersion(ctx context.Context) (name, info string, err error) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		return "", "", fmt.Errorf("sql: sqlite: %w", err)
	}
	defer db.Close()
	var version string
	if err := db.QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&version); err != nil {
		return "", "", fmt.Errorf("sql: sqlite: %w", err)
	}
	info = fmt.Sprintf("SQLite %s through modernc.org/sqlite %s (pure Go), default pragmas, database file on disk, one thread per query; load: one transaction of prepared INSERTs, the file read in Go",
		version, moduleVersion("modernc.org/sqlite"))
	return "sqlite-" + version, info, nil
}

func (e *liteEngine) load(ctx context.Context, dir string, data *sqlData) (time.Duration, error) {
	db, err := sql.Open("sqlite", filepath.Join(dir, "lineitem.sqlite"))
	if err != nil {
		return 0, err
	}
	db.SetMaxOpenConns(1)
	e.db = db
	if _, err := db.ExecContext(ctx, sqlDDL); err != nil {
		return 0, err
	}
	start := time.Now()
	err = e.insert(ctx, data)
	return time.Since(start), err
}

func (e *liteEngine) insert(ctx context.Context, data *sqlData) error {
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, "INSERT INTO lineitem VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
	if err != nil {
		return err
	}
	defer stmt.Close()
	args := make([]any, 16)
	err = sqlReadLines(ctx, data, func(f *[16][]byte) error {
		for j, v := range f {
			switch {
			case j <= 3:
				n, err := strconv.ParseInt(string(v), 10, 64)
				if err != nil {
					return err
				}
				args[j] = n
			case j <= 7:
				x, err := strconv.ParseFloat(string(v), 64)
				if err != nil {
					return err
				}
				args[j] = x
			default:
				args[j] = string(v)
			}
		}
		_, err := stmt.ExecContext(ctx, args...)
		return err
	})
	if err != nil {
		return err
	}
	return tx.Commit()
}

func (e *liteEngine) count(ctx context.Context) (int64, error) {
	return sqlCount(ctx, e.db)
}

func (e *liteEngine) query(ctx context.Context, q sqlQuery) (*sqlAnswer, error) {
	text := q.SQL
	if q.SQLite != "" {
		text = q.SQLite
	}
	return sqlQueryDB(ctx, e.db, text, liteCell)
}

func liteCell(v any) sqlCell {
	switch v := v.(type) {
	case nil:
		return sqlCell{"NULL", cellNull}
	case int64:
		return sqlCell{strconv.FormatInt(v, 10), cellExact}
	case float64:
		return sqlCell{strconv.FormatFloat(v, 'g', -1, 64), cellFloat}
	case string:
		return sqlCell{v, cellText}
	case []byte:
		return sqlCell{string(v), cellText}
	}
	return duckCell(v)
}

func (e *liteEngine) close() error {
	if e.db == nil {
		return nil
	}
	return e.db.Close()
}

// --- database/sql helpers ---

func sqlCount(ctx context.Context, db *sql.DB) (int64, error) {
	var n int64
	err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+sqlTable).Scan(&n)
	return n, err
}

// sqlQueryDB runs text and reads every row, converting values with cell.
func sqlQueryDB(ctx context.Context, db *sql.DB, text string, cell func(any) sqlCell) (*sqlAnswer, error) {
	rows, err := db.QueryContext(ctx, text)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	a := &sqlAnswer{Columns: cols}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]sqlCell, len(cols))
		for j, v := range vals {
			row[j] = cell(v)
		}
		a.Rows = append(a.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return a, nil
}
