// Package driver registers Frigatebird with database/sql as "frigatebird":
//
//	import _ "github.com/reefdb/reef/frigatebird/driver"
//	db, err := sql.Open("frigatebird", "/path/to/dir") // or ":memory:"
//
// Every sql.DB opened on the same directory shares one frigatebird.DB (a
// directory is opened by one process, once), closed when the last sql.DB
// is. Each connection is a frigatebird.Session, so BeginTx/Commit work as
// BEGIN/COMMIT; database/sql keeps a transaction on one connection.
//
// Parameters ($1, $2, … or ?) are bound by substituting each argument as
// a literal into the statement text, outside quotes and comments: strings
// as quoted literals (which take the type the context needs, as
// PostgreSQL's unknown-typed parameters do), numbers and booleans as
// themselves, time.Time as a TIMESTAMP literal, nil as NULL. Values come
// back as int64, float64, bool, string (VARCHAR, DECIMAL, DATE and
// TIMESTAMP as their text) or nil.
package driver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/reefdb/reef/frigatebird"
)

func init() {
	sql.Register("frigatebird", &Driver{})
}

// Driver is the database/sql driver.
type Driver struct{}

// Open implements driver.Driver.
func (d *Driver) Open(dsn string) (driver.Conn, error) {
	c, err := d.OpenConnector(dsn)
	if err != nil {
		return nil, err
	}
	return c.Connect(context.Background())
}

// OpenConnector implements driver.DriverContext.
func (d *Driver) OpenConnector(dsn string) (driver.Connector, error) {
	db, release, err := acquire(dsn)
	if err != nil {
		return nil, err
	}
	return &connector{d: d, db: db, release: release}, nil
}

// shared is one open database and the connectors using it.
type shared struct {
	db   *frigatebird.DB
	refs int
}

var (
	sharedMu sync.Mutex
	opened   = map[string]*shared{}
)

func acquire(dsn string) (*frigatebird.DB, func() error, error) {
	if dsn == "" || dsn == ":memory:" {
		db, err := frigatebird.OpenMemory(nil)
		if err != nil {
			return nil, nil, err
		}
		return db, db.Close, nil
	}
	key, err := filepath.Abs(dsn)
	if err != nil {
		return nil, nil, err
	}
	sharedMu.Lock()
	defer sharedMu.Unlock()
	s := opened[key]
	if s == nil {
		db, err := frigatebird.Open(key, nil)
		if err != nil {
			return nil, nil, err
		}
		s = &shared{db: db}
		opened[key] = s
	}
	s.refs++
	var once sync.Once
	release := func() error {
		var err error
		once.Do(func() {
			sharedMu.Lock()
			defer sharedMu.Unlock()
			if s.refs--; s.refs == 0 {
				delete(opened, key)
				err = s.db.Close()
			}
		})
		return err
	}
	return s.db, release, nil
}

type connector struct {
	d       *Driver
	db      *frigatebird.DB
	release func() error
}

var _ io.Closer = (*connector)(nil)

func (c *connector) Connect(context.Context) (driver.Conn, error) {
	return &conn{s: c.db.Session()}, nil
}

func (c *connector) Driver() driver.Driver { return c.d }

// Close is called by sql.DB.Close.
func (c *connector) Close() error { return c.release() }

// conn is one session.
type conn struct {
	s *frigatebird.Session
}

var (
	_ driver.ExecerContext      = (*conn)(nil)
	_ driver.QueryerContext     = (*conn)(nil)
	_ driver.ConnBeginTx        = (*conn)(nil)
	_ driver.NamedValueChecker  = (*conn)(nil)
	_ driver.SessionResetter    = (*conn)(nil)
	_ driver.ConnPrepareContext = (*conn)(nil)
)

func (c *conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *conn) PrepareContext(_ context.Context, query string) (driver.Stmt, error) {
	n, err := countParams(query)
	if err != nil {
		return nil, err
	}
	return &stmt{c: c, query: query, n: n}, nil
}

func (c *conn) Close() error { return c.s.Close() }

func (c *conn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if opts.ReadOnly {
		return nil, errors.New("frigatebird: read-only transactions are not supported; read outside a transaction")
	}
	if _, err := c.s.Exec(ctx, "BEGIN"); err != nil {
		return nil, err
	}
	return &tx{c: c}, nil
}

// ResetSession rolls back a transaction a caller abandoned.
func (c *conn) ResetSession(context.Context) error {
	if c.s.InTransaction() {
		_, err := c.s.Exec(context.Background(), "ROLLBACK")
		return err
	}
	return nil
}

// CheckNamedValue accepts the values Bind can write as literals.
func (c *conn) CheckNamedValue(nv *driver.NamedValue) error {
	switch v := nv.Value.(type) {
	case nil, int64, float64, bool, string, []byte, time.Time:
		return nil
	case int:
		nv.Value = int64(v)
		return nil
	case int32:
		nv.Value = int64(v)
		return nil
	case float32:
		nv.Value = float64(v)
		return nil
	}
	v, err := driver.DefaultParameterConverter.ConvertValue(nv.Value)
	if err != nil {
		return err
	}
	nv.Value = v
	return nil
}

func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	q, err := Bind(query, args)
	if err != nil {
		return nil, err
	}
	r, err := c.s.Exec(ctx, q)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return driver.RowsAffected(0), nil
	}
	return driver.RowsAffected(r.RowsAffected), nil
}

func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, err := Bind(query, args)
	if err != nil {
		return nil, err
	}
	r, err := c.s.Exec(ctx, q)
	if err != nil {
		return nil, err
	}
	if r == nil || r.Rows == nil {
		return &rows{}, nil
	}
	return &rows{r: r.Rows}, nil
}

type tx struct{ c *conn }

func (t *tx) Commit() error {
	_, err := t.c.s.Exec(context.Background(), "COMMIT")
	return err
}

func (t *tx) Rollback() error {
	_, err := t.c.s.Exec(context.Background(), "ROLLBACK")
	return err
}

type stmt struct {
	c     *conn
	query string
	n     int
}

func (s *stmt) Close() error  { return nil }
func (s *stmt) NumInput() int { return s.n }

func (s *stmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.c.ExecContext(context.Background(), s.query, named(args))
}

func (s *stmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.c.QueryContext(context.Background(), s.query, named(args))
}

func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.c.ExecContext(ctx, s.query, args)
}

func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.c.QueryContext(ctx, s.query, args)
}

func named(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, a := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	return out
}

// rows adapts frigatebird.Rows.
type rows struct {
	r *frigatebird.Rows
	i int
}

func (r *rows) Columns() []string {
	if r.r == nil {
		return nil
	}
	return r.r.Columns()
}

func (r *rows) Close() error { return nil }

func (r *rows) Next(dest []driver.Value) error {
	if r.r == nil || r.i >= r.r.Len() {
		return io.EOF
	}
	for j := range dest {
		dest[j] = frigatebird.GoValue(r.r.Value(r.i, j))
	}
	r.i++
	return nil
}

// ColumnTypeDatabaseTypeName implements driver.RowsColumnTypeDatabaseTypeName.
func (r *rows) ColumnTypeDatabaseTypeName(i int) string { return r.r.Types()[i].String() }

// Bind substitutes args for the statement's parameters: $n refers to
// args[n-1]; each ? takes the next argument. Text inside quotes, quoted
// identifiers and comments is left alone. Every argument must be used and
// every parameter given.
func Bind(query string, args []driver.NamedValue) (string, error) {
	var b strings.Builder
	next := 0
	used := make([]bool, len(args))
	lit := func(i int) error {
		if i < 0 || i >= len(args) {
			return fmt.Errorf("frigatebird: parameter %d given no value (%d arguments)", i+1, len(args))
		}
		used[i] = true
		s, err := literal(args[i].Value)
		if err != nil {
			return fmt.Errorf("frigatebird: parameter %d: %w", i+1, err)
		}
		b.WriteString(s)
		return nil
	}
	err := scan(query, func(text string, param int, question bool) error {
		switch {
		case question:
			next++
			return lit(next - 1)
		case param > 0:
			return lit(param - 1)
		}
		b.WriteString(text)
		return nil
	})
	if err != nil {
		return "", err
	}
	for i, u := range used {
		if !u {
			return "", fmt.Errorf("frigatebird: argument %d is not used by the statement", i+1)
		}
	}
	return b.String(), nil
}

// countParams returns the number of parameters a statement takes.
func countParams(query string) (int, error) {
	n, q := 0, 0
	err := scan(query, func(_ string, param int, question bool) error {
		if question {
			q++
		}
		n = max(n, param)
		return nil
	})
	if n > 0 && q > 0 {
		return 0, errors.New("frigatebird: a statement mixes $n and ? parameters")
	}
	return n + q, err
}

// scan splits query into plain text and parameters, skipping quotes and
// comments.
func scan(query string, emit func(text string, param int, question bool) error) error {
	start := 0
	flush := func(end int) error {
		if end > start {
			return emit(query[start:end], 0, false)
		}
		return nil
	}
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(query) {
				if query[j] == c {
					if j+1 < len(query) && query[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			i = j
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			for i < len(query) && query[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(query) && query[i+1] == '*':
			end := strings.Index(query[i+2:], "*/")
			if end < 0 {
				i = len(query)
			} else {
				i += end + 3
			}
		case c == '?':
			if err := flush(i); err != nil {
				return err
			}
			if err := emit("", 0, true); err != nil {
				return err
			}
			start = i + 1
		case c == '$' && i+1 < len(query) && query[i+1] >= '0' && query[i+1] <= '9' && (i == 0 || !isIdent(query[i-1])):
			j := i + 1
			for j < len(query) && query[j] >= '0' && query[j] <= '9' {
				j++
			}
			n, err := strconv.Atoi(query[i+1 : j])
			if err != nil || n == 0 {
				return fmt.Errorf("frigatebird: bad parameter %s", query[i:j])
			}
			if err := flush(i); err != nil {
				return err
			}
			if err := emit("", n, false); err != nil {
				return err
			}
			start = j
			i = j - 1
		}
	}
	return flush(len(query))
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// literal writes one value as SQL.
func literal(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "NULL", nil
	case int64:
		if v < 0 {
			return "(" + strconv.FormatInt(v, 10) + ")", nil
		}
		return strconv.FormatInt(v, 10), nil
	case float64:
		switch {
		case math.IsNaN(v):
			return "CAST('nan' AS DOUBLE)", nil
		case math.IsInf(v, 1):
			return "CAST('inf' AS DOUBLE)", nil
		case math.IsInf(v, -1):
			return "CAST('-inf' AS DOUBLE)", nil
		}
		return "CAST(" + strconv.FormatFloat(v, 'g', -1, 64) + " AS DOUBLE)", nil
	case bool:
		if v {
			return "TRUE", nil
		}
		return "FALSE", nil
	case string:
		return quote(v), nil
	case []byte:
		return quote(string(v)), nil
	case time.Time:
		return "TIMESTAMP '" + v.UTC().Format("2006-01-02 15:04:05.999999") + "'", nil
	}
	return "", fmt.Errorf("unsupported type %T", v)
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
