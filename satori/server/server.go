package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/reefdb/reef/internal/vfs"
	"github.com/reefdb/reef/satori"
	"github.com/reefdb/reef/walrus"
)

// Defaults of Options.
const (
	DefaultMaxBodyBytes = 256 << 20
	DefaultMaxK         = 10_000
	DefaultMaxQueries   = 10_000
)

// MaxNameLen is the longest collection name.
const MaxNameLen = 64

// configFile holds, inside a collection's directory, the options satori
// does not persist (it persists Dim and Metric itself).
const configFile = "collection.json"

var (
	// ErrCollectionNotFound is returned for a name no open collection has.
	ErrCollectionNotFound = errors.New("satori/server: collection not found")
	// ErrCollectionExists is returned by Create for a name in use.
	ErrCollectionExists = errors.New("satori/server: collection exists")
	// ErrInvalidName is returned for a name that breaks the name rule.
	ErrInvalidName = errors.New("satori/server: invalid collection name")
	// ErrClosed is returned by every method of a closed Server.
	ErrClosed = errors.New("satori/server: closed")
)

// Options configure a Server. The zero value is usable.
type Options struct {
	// MaxBodyBytes bounds a request body; larger ones get 413. Default
	// 256 MiB.
	MaxBodyBytes int64
	// MaxK bounds the k of a search. Default 10000.
	MaxK int
	// MaxQueries bounds the vectors of one batch search. Default 10000.
	MaxQueries int
	// Logger receives lifecycle events and handler panics; nil discards.
	Logger *slog.Logger
}

// Validate reports whether o is usable.
func (o Options) Validate() error {
	if o.MaxBodyBytes < 0 || o.MaxK < 0 || o.MaxQueries < 0 {
		return fmt.Errorf("satori/server: negative limit in options %+v", o)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxK == 0 {
		o.MaxK = DefaultMaxK
	}
	if o.MaxQueries == 0 {
		o.MaxQueries = DefaultMaxQueries
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Config is how a collection is created. Dim is required; the rest default
// as in satori.Options. Dim and Metric are stored by satori; Durability,
// MaxBucket and Probes in the collection's collection.json.
type Config struct {
	Dim        int    `json:"dim"`
	Metric     string `json:"metric,omitempty"`
	Durability string `json:"durability,omitempty"`
	MaxBucket  int    `json:"max_bucket,omitempty"`
	Probes     int    `json:"probes,omitempty"`
}

// options turns c into satori.Options, checking the names.
func (c Config) options() (satori.Options, error) {
	o := satori.Options{Dim: c.Dim, MaxBucket: c.MaxBucket, Probes: c.Probes}
	if c.Metric != "" {
		m, err := satori.ParseMetric(c.Metric)
		if err != nil {
			return o, fmt.Errorf("%w: %w", satori.ErrInvalidOptions, err)
		}
		o.Metric = m
	}
	if c.Durability != "" {
		d, err := walrus.ParseDurability(c.Durability)
		if err != nil {
			return o, fmt.Errorf("%w: %w", satori.ErrInvalidOptions, err)
		}
		o.Durability = d
	}
	return o, nil
}

// ValidName returns nil if name is 1..MaxNameLen characters of
// [a-zA-Z0-9_-], or an error wrapping ErrInvalidName.
func ValidName(name string) error {
	if len(name) == 0 || len(name) > MaxNameLen {
		return fmt.Errorf("%w %q: must be 1 to %d characters", ErrInvalidName, name, MaxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return fmt.Errorf("%w %q: only a-z, A-Z, 0-9, _ and - are allowed", ErrInvalidName, name)
		}
	}
	return nil
}

// Server is a directory of collections. See the package comment.
type Server struct {
	root    string
	opts    Options
	metrics metrics

	mu       sync.Mutex
	colls    map[string]*collection
	dropping map[string]bool // names whose directory Drop is removing
	closed   bool
}

// collection is one open DB. mu is held for reading by every request that
// uses db, for writing by whoever closes it.
type collection struct {
	name string
	dir  string
	cfg  Config

	mu     sync.RWMutex
	db     *satori.DB
	closed bool
}

// New opens every collection under root (created if missing).
func New(root string, opts Options) (*Server, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("satori/server: create root: %w", err)
	}
	s := &Server{root: root, opts: opts, colls: make(map[string]*collection), dropping: make(map[string]bool)}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("satori/server: read root: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() || ValidName(e.Name()) != nil {
			continue
		}
		dir := filepath.Join(root, e.Name())
		if sub, err := os.ReadDir(dir); err == nil && len(sub) == 0 {
			opts.Logger.Warn("skipping empty collection directory", "dir", dir)
			continue
		}
		c, err := openCollection(e.Name(), dir, opts.Logger)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.colls[c.name] = c
	}
	opts.Logger.Info("satori server open", "root", root, "collections", len(s.colls))
	return s, nil
}

// openCollection opens an existing collection with its stored Config.
func openCollection(name, dir string, logger *slog.Logger) (*collection, error) {
	var cfg Config
	if b, err := vfs.ReadFile(vfs.Default, filepath.Join(dir, configFile), 1<<20); err == nil {
		if err := json.Unmarshal(b, &cfg); err != nil {
			return nil, fmt.Errorf("satori/server: collection %s: %s: %w", name, configFile, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("satori/server: collection %s: %w", name, err)
	}
	cfg.Dim = 0 // satori knows it; the file's value is informative only
	o, err := cfg.options()
	if err != nil {
		return nil, fmt.Errorf("satori/server: collection %s: %w", name, err)
	}
	o.Logger = logger.With("collection", name)
	db, err := satori.Open(dir, o)
	if err != nil {
		return nil, fmt.Errorf("satori/server: open collection %s: %w", name, err)
	}
	cfg.Dim, cfg.Metric = db.Dim(), db.Metric().String()
	return &collection{name: name, dir: dir, cfg: cfg, db: db}, nil
}

// Create makes and opens a new collection.
func (s *Server) Create(name string, cfg Config) error {
	if err := ValidName(name); err != nil {
		return err
	}
	if cfg.Dim == 0 {
		return fmt.Errorf("%w: dim is required", satori.ErrInvalidOptions)
	}
	o, err := cfg.options()
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if _, ok := s.colls[name]; ok {
		return fmt.Errorf("%w: %s", ErrCollectionExists, name)
	}
	if s.dropping[name] {
		return fmt.Errorf("%w: %s is being deleted", ErrCollectionExists, name)
	}
	dir := filepath.Join(s.root, name)
	if sub, err := os.ReadDir(dir); err == nil && len(sub) > 0 {
		return fmt.Errorf("%w: directory %s is not empty", ErrCollectionExists, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("satori/server: create collection %s: %w", name, err)
	}
	o.Logger = s.opts.Logger.With("collection", name)
	db, err := satori.Open(dir, o)
	if err != nil {
		os.RemoveAll(dir)
		return err
	}
	cfg.Metric = db.Metric().String()
	if cfg.Durability == "" {
		cfg.Durability = satori.SyncAlways.String()
	}
	b, _ := json.Marshal(cfg) // a struct of strings and ints always encodes
	if err := vfs.WriteFileAtomic(vfs.Default, dir, configFile, b); err != nil {
		db.Close()
		os.RemoveAll(dir)
		return fmt.Errorf("satori/server: create collection %s: %w", name, err)
	}
	s.colls[name] = &collection{name: name, dir: dir, cfg: cfg, db: db}
	s.opts.Logger.Info("collection created", "collection", name, "dim", cfg.Dim, "metric", cfg.Metric)
	return nil
}

// Drop closes a collection, once the requests using it have returned, and
// removes its directory.
func (s *Server) Drop(name string) error {
	s.mu.Lock()
	c, ok := s.colls[name]
	if ok {
		delete(s.colls, name)
		s.dropping[name] = true
	}
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("%w: %s", ErrCollectionNotFound, name)
	}
	defer func() {
		s.mu.Lock()
		delete(s.dropping, name)
		s.mu.Unlock()
	}()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	err := c.db.Close()
	if rerr := os.RemoveAll(c.dir); rerr != nil {
		return fmt.Errorf("satori/server: remove collection %s: %w", name, rerr)
	}
	if err != nil {
		s.opts.Logger.Warn("close of dropped collection", "collection", name, "err", err)
	}
	return nil
}

// Names returns the collection names, sorted.
func (s *Server) Names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.colls))
	for n := range s.colls {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// With runs fn on the named collection's DB while holding it open, so a
// concurrent Drop or Close waits for fn.
func (s *Server) With(name string, fn func(db *satori.DB, cfg Config) error) error {
	s.mu.Lock()
	c, ok := s.colls[name]
	s.mu.Unlock()
	if !ok {
		if err := ValidName(name); err != nil {
			return err
		}
		return fmt.Errorf("%w: %s", ErrCollectionNotFound, name)
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return fmt.Errorf("%w: %s", ErrCollectionNotFound, name)
	}
	return fn(c.db, c.cfg)
}

// Close closes every collection (each writes its changes out) and the
// Server. Requests still running are waited for.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	colls := s.colls
	s.colls = map[string]*collection{}
	s.mu.Unlock()
	var errs []error
	for name, c := range colls {
		c.mu.Lock()
		c.closed = true
		if err := c.db.Close(); err != nil {
			errs = append(errs, fmt.Errorf("satori/server: close collection %s: %w", name, err))
		}
		c.mu.Unlock()
	}
	return errors.Join(errs...)
}

// Root returns the directory the Server serves.
func (s *Server) Root() string { return s.root }

// Metrics count requests since New.
type Metrics struct {
	Requests     uint64
	ClientErrors uint64 // 4xx answers
	ServerErrors uint64 // 5xx answers
	Panics       uint64 // handler panics caught by the recover middleware
}

type metrics struct {
	requests, clientErrors, serverErrors, panics atomic.Uint64
}

// Metrics returns the request counters.
func (s *Server) Metrics() Metrics {
	return Metrics{
		Requests:     s.metrics.requests.Load(),
		ClientErrors: s.metrics.clientErrors.Load(),
		ServerErrors: s.metrics.serverErrors.Load(),
		Panics:       s.metrics.panics.Load(),
	}
}
