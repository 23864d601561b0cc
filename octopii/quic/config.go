package quic

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/reefdb/reef/octopii"
)

// Defaults of the Config bounds. A zero field takes its default.
const (
	DefaultMaxMessageBytes  = 64 << 20
	DefaultQueueLen         = 4096
	DefaultDialTimeout      = 2 * time.Second
	DefaultMinBackoff       = 50 * time.Millisecond
	DefaultMaxBackoff       = 2 * time.Second
	DefaultIdleTimeout      = 10 * time.Second
	DefaultMaxSnapshotSends = 2
)

// maxFrameBytes is the largest payload a frame's uint32 length can carry.
const maxFrameBytes = math.MaxUint32

// Config configures a Transport. ID, ListenAddr, TLS and Handler are
// required; every bound has a default (zero means default, negative is an
// error).
type Config struct {
	// ID is this node's Raft ID (not 0). It is sent in every stream header
	// and must equal the node ID carried by the certificate in TLS.
	ID uint64
	// ListenAddr is the UDP address to listen on, e.g. "127.0.0.1:7000"
	// (port 0 picks a free port; Transport.Addr tells which). Connections to
	// peers leave from the same socket.
	ListenAddr string
	// TLS holds this node's certificate and the CA its peers' certificates
	// must chain to, for both directions: it must have a certificate,
	// ClientAuth = tls.RequireAndVerifyClientCert and no InsecureSkipVerify.
	// LoadTLS builds one. The Transport clones it; NextProtos defaults to
	// {"octopii/1"}.
	TLS *tls.Config
	// Handler receives messages, snapshots and delivery reports.
	Handler octopii.Handler
	// Logger receives connection-level events (nil: discard). Nothing is
	// logged per message.
	Logger *slog.Logger

	// MaxMessageBytes bounds one marshalled raftpb.Message (default 64 MiB,
	// at most 4 GiB-1). A larger outgoing message is dropped (and reported
	// unreachable); a larger incoming frame closes its stream.
	MaxMessageBytes int
	// QueueLen bounds the messages queued for one peer (default 4096). When
	// the queue is full Send drops the message and reports the peer
	// unreachable. It also bounds the messages written per batch.
	QueueLen int
	// DialTimeout bounds one connection attempt, QUIC and TLS handshake
	// included (default 2s).
	DialTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait after a failed connection
	// before the next attempt (defaults 50ms and 2s; the wait doubles on
	// each failure). Messages sent meanwhile are dropped and the peer is
	// reported unreachable.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// IdleTimeout closes a connection that received no packet for this long
	// (default 10s); keep-alives are sent every IdleTimeout/2, so only a
	// dead or cut-off peer hits it.
	IdleTimeout time.Duration
	// MaxSnapshotSends bounds the snapshots streamed to one peer at once,
	// and the snapshot streams a peer may open to this node (default 2). A
	// SendSnapshot over the bound fails at once (ReportSnapshot failed).
	MaxSnapshotSends int
}

// withDefaults returns c with every zero bound set to its default.
func (c Config) withDefaults() Config {
	if c.MaxMessageBytes == 0 {
		c.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if c.QueueLen == 0 {
		c.QueueLen = DefaultQueueLen
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.MinBackoff == 0 {
		c.MinBackoff = DefaultMinBackoff
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.MaxSnapshotSends == 0 {
		c.MaxSnapshotSends = DefaultMaxSnapshotSends
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate reports the first problem with c, after defaults are applied.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.ID == 0:
		return errors.New("octopii/quic: config: ID must not be 0")
	case c.ListenAddr == "":
		return errors.New("octopii/quic: config: ListenAddr is required")
	case c.Handler == nil:
		return errors.New("octopii/quic: config: Handler is required")
	case c.TLS == nil:
		return errors.New("octopii/quic: config: TLS is required")
	case len(c.TLS.Certificates) == 0 && c.TLS.GetCertificate == nil:
		return errors.New("octopii/quic: config: TLS has no certificate")
	case c.TLS.InsecureSkipVerify:
		return errors.New("octopii/quic: config: TLS.InsecureSkipVerify is not allowed")
	case c.TLS.ClientAuth != tls.RequireAndVerifyClientCert:
		return errors.New("octopii/quic: config: TLS.ClientAuth must be tls.RequireAndVerifyClientCert")
	case c.MaxMessageBytes < 0 || uint64(c.MaxMessageBytes) > maxFrameBytes:
		return fmt.Errorf("octopii/quic: config: MaxMessageBytes %d out of range [1, %d]", c.MaxMessageBytes, uint64(maxFrameBytes))
	case c.QueueLen < 0:
		return fmt.Errorf("octopii/quic: config: QueueLen %d is negative", c.QueueLen)
	case c.DialTimeout < 0:
		return fmt.Errorf("octopii/quic: config: DialTimeout %v is negative", c.DialTimeout)
	case c.MinBackoff < 0 || c.MaxBackoff < c.MinBackoff:
		return fmt.Errorf("octopii/quic: config: backoff bounds [%v, %v] are invalid", c.MinBackoff, c.MaxBackoff)
	case c.IdleTimeout < 0:
		return fmt.Errorf("octopii/quic: config: IdleTimeout %v is negative", c.IdleTimeout)
	case c.MaxSnapshotSends < 0:
		return fmt.Errorf("octopii/quic: config: MaxSnapshotSends %d is negative", c.MaxSnapshotSends)
	}
	// The certificate we present must name this node, or every peer would
	// reject our streams.
	if len(c.TLS.Certificates) > 0 && c.TLS.Certificates[0].Leaf != nil {
		id, err := certNodeID(c.TLS.Certificates[0].Leaf)
		if err != nil {
			return fmt.Errorf("octopii/quic: config: TLS certificate: %w", err)
		}
		if id != c.ID {
			return fmt.Errorf("octopii/quic: config: TLS certificate is for node %d, not %d: %w", id, c.ID, ErrIdentity)
		}
	}
	return nil
}
