package quic

import "errors"

var (
	// ErrCorrupt is returned (wrapped) when received bytes fail a check: a
	// stream that does not start with the magic, a frame or snapshot body
	// whose CRC32C does not match. The stream is closed; nothing corrupt is
	// delivered to the Handler.
	ErrCorrupt = errors.New("octopii/quic: corrupt data")
	// ErrVersion is returned (wrapped) when a stream header carries a format
	// version this package does not speak.
	ErrVersion = errors.New("octopii/quic: unsupported format version")
	// ErrTooLarge is returned (wrapped) when a frame announces more than
	// Config.MaxMessageBytes.
	ErrTooLarge = errors.New("octopii/quic: message too large")
	// ErrProtocol is returned (wrapped) when a peer breaks the stream rules
	// in a way a checksum cannot catch: an unknown stream kind, a message on
	// the wrong kind of stream or addressed to another node, bytes after the
	// end of a snapshot.
	ErrProtocol = errors.New("octopii/quic: protocol violation")
	// ErrIdentity is returned (wrapped) when a certificate does not carry
	// exactly one node ID, when a peer's certificate names another node than
	// the one dialled, or when a stream header or message claims a sender
	// other than the certificate's node.
	ErrIdentity = errors.New("octopii/quic: identity mismatch")
)
