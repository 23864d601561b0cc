package walrus

import "errors"

var (
	// ErrCorrupt is returned (wrapped) when stored data fails a checksum or
	// structural check: a bad frame in a sealed segment, a broken segment
	// header, an index that disagrees with its segment. Corrupt bytes are
	// never returned as entries.
	ErrCorrupt = errors.New("walrus: corrupt data")
	// ErrClosed is returned by every operation on a Log or Topic after Close.
	ErrClosed = errors.New("walrus: closed")
	// ErrTopicNotFound is returned when a named topic does not exist.
	ErrTopicNotFound = errors.New("walrus: topic not found")
	// ErrTopicExists is returned by CreateTopic when the topic exists.
	ErrTopicExists = errors.New("walrus: topic already exists")
	// ErrInvalidTopicName is returned for a name that breaks the topic name
	// rules (1–249 characters of [a-zA-Z0-9._-], not "." or "..").
	ErrInvalidTopicName = errors.New("walrus: invalid topic name")
	// ErrEntryTooLarge is returned by Append when a value is larger than
	// Options.MaxEntryBytes, and by AppendBatch when the batch's total is
	// larger than Options.MaxBatchBytes.
	ErrEntryTooLarge = errors.New("walrus: entry too large")
	// ErrOffsetOutOfRange is returned by reads below the topic's first
	// retained offset (the entries were deleted by retention). Reads at or past
	// the end return no entries, not this error.
	ErrOffsetOutOfRange = errors.New("walrus: offset out of range")
	// ErrTooManyOpenFiles is returned when an operation would take the Log
	// past Options.MaxOpenFiles file handles.
	ErrTooManyOpenFiles = errors.New("walrus: open-file budget exhausted")
	// ErrLocked is returned by Open when another process holds the log
	// directory.
	ErrLocked = errors.New("walrus: directory locked by another process")
)
