package storage

import (
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/reefdb/reef/frigatebird/chunk"
)

// Errors returned by this package. Wrapped errors are detectable with
// errors.Is.
var (
	// ErrCorrupt is returned when a row-group file, a manifest, CURRENT or
	// a chunk fails its checksum or is structurally inconsistent, and by
	// Open when the manifest names a row-group file that is missing or has
	// the wrong size. A chunk failure wraps chunk.ErrCorrupt too.
	ErrCorrupt = errors.New("corrupt table data")
	// ErrUnsupportedVersion is returned when a checksummed file carries a
	// format version this package does not know.
	ErrUnsupportedVersion = errors.New("unsupported table format version")
	// ErrNoTable is returned by Open when dir holds neither CURRENT nor a
	// valid MANIFEST-*.
	ErrNoTable = errors.New("no table")
	// ErrExist is returned by Create when dir already holds a table.
	ErrExist = errors.New("table already exists")
	// ErrInvalidOptions is returned by Options.Validate, Open and Create.
	ErrInvalidOptions = errors.New("invalid options")
	// ErrInvalidSchema is returned by Create for a schema that breaks a
	// rule of Schema.Validate.
	ErrInvalidSchema = errors.New("invalid schema")
	// ErrInvalidArgument is returned by WriteRowGroup for columns that do
	// not match the schema, by Commit for a commit that names unknown,
	// already committed or doubly used row groups or rows out of range,
	// and by View methods for an index out of range.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrLimit is returned when a row group or a manifest would exceed a
	// bound in Options.
	ErrLimit = errors.New("table limit exceeded")
	// ErrClosed is returned by every Table method after Close.
	ErrClosed = errors.New("table closed")
	// ErrFailed is returned by writer methods after a Commit failed at a
	// point where the on-disk state is unknown (while installing CURRENT):
	// the table must be closed and reopened, and the reopened table holds
	// either the old or the new version.
	ErrFailed = errors.New("table failed, reopen it")
)

// Defaults and hard maxima for Options.
const (
	// DefaultRowGroupRows is 60 vectors of 2048 rows.
	DefaultRowGroupRows = 60 * 2048
	// MaxRowGroupRows is the largest RowGroupRows (chunk.DefaultMaxRows).
	MaxRowGroupRows = chunk.DefaultMaxRows
	// DefaultMaxColumns bounds the columns of a schema.
	DefaultMaxColumns = 1024
	// MaxColumns is the largest MaxColumns.
	MaxColumns = 1 << 16
	// DefaultMaxManifestBytes bounds an encoded manifest.
	DefaultMaxManifestBytes = 64 << 20
	// MaxManifestBytes is the largest MaxManifestBytes (a uint32 length).
	MaxManifestBytes = 1<<32 - 1
	// MaxNameBytes bounds a column name and a logical type string.
	MaxNameBytes = 1024
)

// Options configures a Table. The zero value is usable.
type Options struct {
	// RowGroupRows is the most rows a row group may hold, and the size of
	// the groups MergeSmall writes. Default DefaultRowGroupRows, at most
	// MaxRowGroupRows.
	RowGroupRows int
	// MaxColumns bounds the schema's columns. Default DefaultMaxColumns, at
	// most MaxColumns.
	MaxColumns int
	// MaxManifestBytes bounds the encoded manifest: Commit returns ErrLimit
	// rather than write a larger one, and Open refuses to read one.
	// Default DefaultMaxManifestBytes.
	MaxManifestBytes int64
	// Chunk is passed to chunk.Encode for every column chunk.
	Chunk chunk.Options
	// Logger receives best-effort cleanup failures; nil discards.
	Logger *slog.Logger
	// Keep, when set, names row-group files that Open must not remove
	// although no manifest names them: files a caller's own log (such as
	// the database's WAL) promises to commit, which it then Adopts.
	Keep func(name string) bool
}

// Validate reports whether o is usable.
func (o Options) Validate() error {
	switch {
	case o.RowGroupRows < 0 || o.RowGroupRows > MaxRowGroupRows:
		return fmt.Errorf("frigatebird/storage: %w: row group rows %d", ErrInvalidOptions, o.RowGroupRows)
	case o.MaxColumns < 0 || o.MaxColumns > MaxColumns:
		return fmt.Errorf("frigatebird/storage: %w: max columns %d", ErrInvalidOptions, o.MaxColumns)
	case o.MaxManifestBytes < 0 || o.MaxManifestBytes > MaxManifestBytes:
		return fmt.Errorf("frigatebird/storage: %w: max manifest bytes %d", ErrInvalidOptions, o.MaxManifestBytes)
	}
	if err := o.Chunk.Validate(); err != nil {
		return fmt.Errorf("frigatebird/storage: %w: %w", ErrInvalidOptions, err)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.RowGroupRows == 0 {
		o.RowGroupRows = DefaultRowGroupRows
	}
	if o.MaxColumns == 0 {
		o.MaxColumns = DefaultMaxColumns
	}
	if o.MaxManifestBytes == 0 {
		o.MaxManifestBytes = DefaultMaxManifestBytes
	}
	if o.Chunk.Limits.MaxRows == 0 || o.Chunk.Limits.MaxRows < o.RowGroupRows {
		o.Chunk.Limits.MaxRows = max(o.RowGroupRows, chunk.DefaultMaxRows)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o
}

func corruptf(format string, args ...any) error {
	return fmt.Errorf("frigatebird/storage: %w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("frigatebird/storage: %w: %s", ErrInvalidArgument, fmt.Sprintf(format, args...))
}
