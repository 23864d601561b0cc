package persist

import "errors"

var (
	// ErrCorrupt is returned (wrapped) when a snapshot, the MANIFEST or an
	// AOF entry fails a checksum or a structural check, when a snapshot is
	// truncated, and when the AOF has a hole (a sequence number missing
	// between two generations or inside one). Corrupt bytes are never handed
	// to a callback as data. Walrus's own corruption errors are wrapped too,
	// so errors.Is(err, walrus.ErrCorrupt) also holds for those.
	ErrCorrupt = errors.New("persist: corrupt data")
	// ErrClosed is returned by Sync for commands not yet written when Close
	// was called, and by Load and Rewrite after Close. A Rewrite interrupted
	// by Close returns it too.
	ErrClosed = errors.New("persist: closed")
	// ErrRewriteInProgress is returned by Rewrite while another rewrite runs.
	ErrRewriteInProgress = errors.New("persist: rewrite already in progress")
	// ErrLoadOrder is returned by Load when it is called twice, or after the
	// first Append (Load replays the log into an empty keyspace, once), and
	// by Rewrite before Load (its snapshot would miss what the log holds).
	ErrLoadOrder = errors.New("persist: load must come once, before the first append")
)
