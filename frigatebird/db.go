package frigatebird

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/reefdb/reef/frigatebird/cache"
	"github.com/reefdb/reef/frigatebird/exec"
	"github.com/reefdb/reef/frigatebird/parse"
	"github.com/reefdb/reef/frigatebird/plan"
	"github.com/reefdb/reef/frigatebird/storage"
	"github.com/reefdb/reef/internal/vfs"
)

// Options configures a database. The zero value is usable.
type Options struct {
	// FS is the file system; default vfs.Default. OpenMemory uses a
	// vfs.MemFS.
	FS vfs.FS
	// Workers is the number of goroutines a query runs on; default
	// GOMAXPROCS.
	Workers int
	// Storage configures the tables (row-group size, chunk encoding).
	Storage storage.Options
	// Logger receives background failures; nil discards.
	Logger *slog.Logger
	// CacheHotBytes budgets decoded column chunks kept in memory (default
	// 2 GiB); CacheWarmBytes compressed chunks (default 512 MiB). A
	// negative budget disables the tier.
	CacheHotBytes, CacheWarmBytes int64
}

// DB is an open database: a directory of tables. It is safe for
// concurrent use: queries run concurrently on snapshots; statements that
// write run one at a time.
type DB struct {
	fs   vfs.FS
	dir  string
	opts Options
	lock io.Closer

	// writeMu serialises writing statements (single writer). It is taken
	// before mu.
	writeMu sync.Mutex
	// mu guards tables (the catalog).
	mu     sync.RWMutex
	tables map[string]*table
	cache  *cache.Cache
	closed bool
	// failed is set when a commit failed after its commit point: the
	// database refuses writes until reopened (recovery finishes it).
	failed error

	// Background merges of small row groups (merge.go).
	merging atomic.Bool
	merges  atomic.Int64 // row groups merged away
	bg      sync.WaitGroup
}

// ErrClosed is returned by a closed DB.
var ErrClosed = errors.New("frigatebird: database is closed")

// Open opens (creating if needed) the database in dir.
func Open(dir string, opts *Options) (*DB, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.FS == nil {
		o.FS = vfs.Default
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Storage.Logger == nil {
		o.Storage.Logger = o.Logger
	}
	if err := o.Storage.Validate(); err != nil {
		return nil, fmt.Errorf("frigatebird: %w", err)
	}
	db := &DB{fs: o.FS, dir: dir, opts: o, tables: map[string]*table{}, cache: cache.New(cache.Options{
		HotBytes:  budget(o.CacheHotBytes, 2<<30),
		WarmBytes: budget(o.CacheWarmBytes, 512<<20),
	})}
	if err := db.fs.MkdirAll(path.Join(dir, "tables"), 0o755); err != nil {
		return nil, fmt.Errorf("frigatebird: open %s: %w", dir, err)
	}
	lock, err := db.fs.Lock(path.Join(dir, "LOCK"))
	if err != nil {
		return nil, fmt.Errorf("frigatebird: open %s: %w", dir, err)
	}
	db.lock = lock
	recs, err := db.readWAL()
	if err != nil {
		lock.Close()
		return nil, err
	}
	if err := db.load(recs); err != nil {
		db.closeTables()
		lock.Close()
		return nil, err
	}
	if err := db.recover(recs); err != nil {
		db.closeTables()
		lock.Close()
		return nil, err
	}
	return db, nil
}

func budget(v, def int64) int64 {
	switch {
	case v < 0:
		return 0
	case v == 0:
		return def
	}
	return v
}

// OpenMemory opens an empty database that lives in memory only.
func OpenMemory(opts *Options) (*DB, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	o.FS = vfs.NewMem()
	return Open("/db", &o)
}

// load opens every table directory and removes what a crash left behind:
// tables half created (.create-*) or half dropped (.drop-*). Row-group
// files that the WAL's records name are kept for recover.
func (db *DB) load(recs []walRecord) error {
	keep := map[string]map[string]bool{}
	for _, r := range recs {
		for _, t := range r.Tables {
			if keep[t.Dir] == nil {
				keep[t.Dir] = map[string]bool{}
			}
			for _, f := range t.Files {
				keep[t.Dir][f] = true
			}
		}
	}
	root := path.Join(db.dir, "tables")
	names, err := db.fs.List(root)
	if err != nil {
		return fmt.Errorf("frigatebird: list tables: %w", err)
	}
	for _, n := range names {
		if strings.HasPrefix(n, ".") {
			if err := db.fs.RemoveAll(path.Join(root, n)); err != nil {
				return fmt.Errorf("frigatebird: remove %s: %w", n, err)
			}
			continue
		}
		name, err := unescapeName(n)
		if err != nil {
			return fmt.Errorf("frigatebird: %w", err)
		}
		opts := db.opts.Storage
		if k := keep[n]; k != nil {
			opts.Keep = func(name string) bool { return k[name] }
		}
		st, err := storage.Open(db.fs, path.Join(root, n), opts)
		if err != nil {
			return fmt.Errorf("frigatebird: open table %s: %w", name, err)
		}
		info, err := infoOf(name, st.Schema())
		if err != nil {
			st.Close()
			return fmt.Errorf("frigatebird: %w", err)
		}
		t := &table{info: info, st: st, dir: path.Join(root, n), cache: db.cache}
		info.Handle = t
		db.tables[name] = t
	}
	return nil
}

// recover finishes the transactions the WAL holds: each table still at the
// version a record names gets the record's files and deletes committed;
// a table one version further already has them. Then the WAL is trimmed.
func (db *DB) recover(recs []walRecord) error {
	if len(recs) == 0 {
		// A WAL without a complete record (cut by a crash) is removed.
		return db.trimWAL()
	}
	byDir := map[string]*table{}
	for _, t := range db.tables {
		byDir[path.Base(t.dir)] = t
	}
	for _, r := range recs {
		for _, wt := range r.Tables {
			t, ok := byDir[wt.Dir]
			if !ok {
				return fmt.Errorf("frigatebird: recover: the WAL names table directory %s, which is missing", wt.Dir)
			}
			switch v := t.st.Version(); v {
			case wt.Base + 1:
				continue // committed before the crash
			case wt.Base:
			default:
				return fmt.Errorf("frigatebird: recover: table %s is at version %d; the WAL commits on %d", t.info.Name, v, wt.Base)
			}
			groups, err := t.st.Adopt(wt.Files)
			if err != nil {
				return fmt.Errorf("frigatebird: recover %s: %w", t.info.Name, err)
			}
			if err := t.st.Commit(groups, wt.Deletes, nil); err != nil {
				return fmt.Errorf("frigatebird: recover %s: %w", t.info.Name, err)
			}
		}
	}
	if err := db.trimWAL(); err != nil {
		return fmt.Errorf("frigatebird: recover: trim WAL: %w", err)
	}
	return nil
}

// Close waits for background merges and for an open transaction to end
// (close or commit its Session first), then closes every table and
// releases the directory.
func (db *DB) Close() error {
	db.bg.Wait()
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return nil
	}
	db.closed = true
	err := db.closeTables()
	if cerr := db.lock.Close(); err == nil {
		err = cerr
	}
	return err
}

func (db *DB) closeTables() error {
	var first error
	for _, t := range db.tables {
		if err := t.st.Close(); err != nil && first == nil {
			first = err
		}
	}
	db.tables = map[string]*table{}
	return first
}

// Result is what one statement did or returned.
type Result struct {
	// Tag is the statement's kind, as PostgreSQL's command tags: "SELECT",
	// "INSERT", "CREATE TABLE", ...
	Tag string
	// RowsAffected counts the rows inserted, updated or deleted (or
	// returned, for SELECT).
	RowsAffected int64
	// Rows is the output of SELECT and EXPLAIN; nil for other statements.
	Rows *Rows
}

// Exec runs every statement in sql and returns the last one's result.
// The statements run in one session: BEGIN ... COMMIT works within sql,
// and a transaction still open at the end is rolled back (an error).
func (db *DB) Exec(ctx context.Context, sql string) (*Result, error) {
	s := db.Session()
	defer s.Close()
	r, err := s.Exec(ctx, sql)
	if err == nil && s.tx != nil {
		err = errors.New("frigatebird: the statements left a transaction open; it was rolled back")
	}
	return r, err
}

// Query runs every statement in sql (as Exec does) and returns the rows
// of the last, which must return rows.
func (db *DB) Query(ctx context.Context, sql string) (*Rows, error) {
	r, err := db.Exec(ctx, sql)
	return rowsOf(r, err)
}

// Run runs the statements of sql (as Exec does), calling fn with each
// result; it stops at the first error (earlier statements stay done).
func (db *DB) Run(ctx context.Context, sql string, fn func(*Result) error) error {
	s := db.Session()
	defer s.Close()
	err := s.Run(ctx, sql, fn)
	if err == nil && s.tx != nil {
		err = errors.New("frigatebird: the statements left a transaction open; it was rolled back")
	}
	return err
}

func rowsOf(r *Result, err error) (*Rows, error) {
	if err != nil {
		return nil, err
	}
	if r == nil || r.Rows == nil {
		return nil, fmt.Errorf("frigatebird: query returned no rows (%s)", tagOf(r))
	}
	return r.Rows, nil
}

func tagOf(r *Result) string {
	if r == nil {
		return "empty statement"
	}
	return r.Tag
}

// Session is one client's sequence of statements, with at most one open
// transaction (BEGIN ... COMMIT or ROLLBACK). Outside a transaction every
// statement commits on its own. A Session is not safe for concurrent
// use; open one per client. Close it to roll back what is left open.
type Session struct {
	db *DB
	tx *txn // the open transaction; nil in autocommit
}

// Session opens a session.
func (db *DB) Session() *Session { return &Session{db: db} }

// InTransaction reports whether a transaction is open.
func (s *Session) InTransaction() bool { return s.tx != nil }

// Close rolls back an open transaction.
func (s *Session) Close() error {
	if s.tx != nil {
		s.tx.rollback()
		s.tx = nil
		s.db.writeMu.Unlock()
	}
	return nil
}

// Exec runs every statement in sql and returns the last one's result.
func (s *Session) Exec(ctx context.Context, sql string) (*Result, error) {
	var last *Result
	err := s.Run(ctx, sql, func(r *Result) error {
		last = r
		return nil
	})
	return last, err
}

// Query runs sql and returns the rows of its last statement.
func (s *Session) Query(ctx context.Context, sql string) (*Rows, error) {
	return rowsOf(s.Exec(ctx, sql))
}

// Run runs the statements of sql in order, calling fn with each result;
// it stops at the first error. A failed statement changes nothing, and
// an open transaction stays open (its earlier statements kept).
func (s *Session) Run(ctx context.Context, sql string, fn func(*Result) error) error {
	stmts, err := parse.Parse(sql)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		r, err := s.runStmt(ctx, sql, st)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// runStmt binds and runs one statement. A writing statement outside a
// transaction is a transaction of its own: it holds writeMu from binding
// to commit, so the table versions it bound against are the ones it
// changes.
func (s *Session) runStmt(ctx context.Context, sql string, st parse.Stmt) (*Result, error) {
	db := s.db
	switch st.(type) {
	case *parse.Begin:
		if s.tx != nil {
			return nil, errors.New("frigatebird: there is already a transaction in progress")
		}
		db.writeMu.Lock()
		if err := db.usable(); err != nil {
			db.writeMu.Unlock()
			return nil, err
		}
		s.tx = newTxn(db)
		return &Result{Tag: "BEGIN"}, nil
	case *parse.Commit, *parse.Rollback:
		tag := "COMMIT"
		if _, ok := st.(*parse.Rollback); ok {
			tag = "ROLLBACK"
		}
		if s.tx == nil {
			return nil, errors.New("frigatebird: there is no transaction in progress")
		}
		tx := s.tx
		s.tx = nil
		defer db.writeMu.Unlock()
		if tag == "ROLLBACK" {
			tx.rollback()
			return &Result{Tag: tag}, nil
		}
		if err := tx.commit(); err != nil {
			return nil, fmt.Errorf("%w (the transaction was rolled back)", err)
		}
		defer db.afterCommit(tx) // runs after writeMu is released (defers run in reverse)
		return &Result{Tag: tag}, nil
	}
	tx := s.tx
	if isWrite(st) {
		if tx == nil {
			tx = newTxn(db)
			defer db.afterCommit(tx)
			db.writeMu.Lock()
			defer db.writeMu.Unlock()
		}
		if err := db.usable(); err != nil {
			return nil, err
		}
	}
	db.mu.RLock()
	if db.closed {
		db.mu.RUnlock()
		return nil, ErrClosed
	}
	bound, err := plan.Bind(catalog{db: db, tx: s.tx}, sql, st)
	db.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	r, err := db.execBound(ctx, bound, tx, s.tx != nil)
	if err != nil {
		return nil, err
	}
	if s.tx == nil && tx != nil {
		if err := tx.commit(); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func isWrite(s parse.Stmt) bool {
	switch s := s.(type) {
	case *parse.Select:
		return false
	case *parse.Explain:
		return isWrite(s.Stmt)
	case *parse.Copy:
		return s.From
	}
	return true
}

// afterCommit starts background work the commit made due.
func (db *DB) afterCommit(tx *txn) {
	for _, t := range tx.committed {
		db.maybeMerge(t)
	}
}

// usable reports whether the database may still write.
func (db *DB) usable() error {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.closed {
		return ErrClosed
	}
	if db.failed != nil {
		return fmt.Errorf("frigatebird: the database failed (%v); reopen it to recover", db.failed)
	}
	return nil
}

// fail stops all writes after an error that leaves the on-disk state to
// recovery.
func (db *DB) fail(err error) {
	db.mu.Lock()
	if db.failed == nil {
		db.failed = err
	}
	db.mu.Unlock()
	db.opts.Logger.Error("frigatebird: database failed", "err", err)
}

// execBound runs a bound statement; tx holds the changes of writing
// statements, inTx says whether it is an explicit transaction.
func (db *DB) execBound(ctx context.Context, s plan.Stmt, tx *txn, inTx bool) (*Result, error) {
	switch s := s.(type) {
	case *plan.Query:
		res, err := exec.Run(ctx, s.Root, db.execOptions())
		if err != nil {
			return nil, err
		}
		rows := newRows(s.Names, res)
		return &Result{Tag: "SELECT", RowsAffected: int64(rows.Len()), Rows: rows}, nil
	case *plan.Explain:
		return db.explain(ctx, s)
	case *plan.CreateTable:
		if inTx {
			return nil, errors.New("frigatebird: CREATE TABLE inside a transaction is not supported")
		}
		return db.createTable(s)
	case *plan.DropTable:
		if inTx {
			return nil, errors.New("frigatebird: DROP TABLE inside a transaction is not supported")
		}
		return db.dropTables(s)
	case *plan.Insert:
		return db.insert(ctx, s, tx)
	case *plan.Delete:
		return db.delete(ctx, s, tx)
	case *plan.Update:
		return db.update(ctx, s, tx)
	case *plan.Copy:
		return db.copyStmt(ctx, s, tx, inTx)
	}
	return nil, fmt.Errorf("frigatebird: statement %T is not supported", s)
}

func (db *DB) execOptions() exec.Options { return exec.Options{Workers: db.opts.Workers} }

// explain prints the plan of a query; with ANALYZE it runs the query (or
// the writing statement) and prints the counters.
func (db *DB) explain(ctx context.Context, s *plan.Explain) (*Result, error) {
	q, ok := s.Stmt.(*plan.Query)
	if !ok {
		return nil, errors.New("frigatebird: EXPLAIN supports SELECT only for now")
	}
	text := "Logical plan\n" + indent(plan.Format(q.Root)) + "\n"
	if s.Analyze {
		res, err := exec.Run(ctx, q.Root, db.execOptions())
		if err != nil {
			return nil, err
		}
		text += res.Plan.Format(true)
	} else {
		p, err := exec.Compile(q.Root, db.execOptions())
		if err != nil {
			return nil, err
		}
		text += p.Format(false)
		p.Discard()
	}
	rows := textRows("QUERY PLAN", strings.Split(strings.TrimRight(text, "\n"), "\n"))
	return &Result{Tag: "EXPLAIN", RowsAffected: int64(rows.Len()), Rows: rows}, nil
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i := range lines {
		lines[i] = "  " + lines[i]
	}
	return strings.Join(lines, "\n")
}
