package nubmq

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reefdb/reef/internal/vfs"
	"github.com/reefdb/reef/nubmq/internal/kv"
	"github.com/reefdb/reef/nubmq/internal/persist"
)

func init() {
	for _, cmd := range []commandDef{
		{"save", 1, cmdSave}, {"bgsave", -1, cmdBGSave}, {"lastsave", 1, cmdLastSave},
		{"bgrewriteaof", 1, cmdBGRewriteAOF},
	} {
		register(cmd)
	}
}

// Persistence files under Options.Dir.
const (
	aofDirName   = "appendonly" // the AOF (package persist's layout)
	snapshotName = "dump.snap"  // SAVE and BGSAVE
)

// persistence is the server's state of snapshots and the AOF beyond the
// AOF pointer itself.
type persistence struct {
	mu        sync.Mutex // serialises SAVE/BGSAVE and AOF switches
	saving    bool       // a BGSAVE is running
	lastSave  atomic.Int64
	lastErr   error // of the last save
	rewriting atomic.Bool
	// initial is closed when the rewrite that started the AOF at run time
	// (CONFIG SET appendonly yes) has finished: until then the log lacks
	// the dataset that was in memory, so Close waits for it.
	initial chan struct{}
	aofErr  atomic.Pointer[error] // sticky AOF write error: writes answer MISCONF
}

// openPersistence loads the dataset at startup: from the AOF when
// appendonly is on, else from the snapshot file, if there is one.
func (s *Server) openPersistence() error {
	o := s.opts
	if o.Dir == "" {
		if o.AppendOnly {
			return errors.New("nubmq: options: appendonly needs a data directory (Dir)")
		}
		return nil
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return fmt.Errorf("nubmq: data directory: %w", err)
	}
	s.persist.lastSave.Store(s.opts.Now().Unix())
	if o.AppendOnly {
		aof, err := s.openAOF(true)
		if err != nil {
			return err
		}
		s.aof.Store(aof)
		return nil
	}
	err := persist.ReadSnapshot(vfs.Default, filepath.Join(o.Dir, snapshotName), s.applyRecord)
	switch {
	case err == nil, errors.Is(err, fs.ErrNotExist):
		return nil
	default:
		s.store.Flush()
		return fmt.Errorf("nubmq: load %s: %w", snapshotName, err)
	}
}

// openAOF opens the AOF; load replays it into the keyspace, else what is
// there is discarded (appendonly switched on at run time starts a new log
// from the dataset in memory).
func (s *Server) openAOF(load bool) (*persist.AOF, error) {
	dir := filepath.Join(s.opts.Dir, aofDirName)
	if !load {
		if err := os.RemoveAll(dir); err != nil {
			return nil, fmt.Errorf("nubmq: remove old AOF: %w", err)
		}
	}
	fsync, err := persist.ParseFsync(s.opts.AppendFsync)
	if err != nil {
		return nil, fmt.Errorf("nubmq: %w", err)
	}
	aof, err := persist.Open(persist.Options{Dir: dir, Fsync: fsync, Logger: s.opts.Logger, Now: s.opts.Now})
	if err != nil {
		return nil, fmt.Errorf("nubmq: open AOF: %w", err)
	}
	apply, applySnap := s.applyEffect, s.applyRecord
	if !load {
		apply = func([][]byte) error { return nil }
		applySnap = func(persist.Record) error { return nil }
	}
	if err := aof.Load(apply, applySnap); err != nil {
		aof.Close()
		s.store.Flush()
		return nil, fmt.Errorf("nubmq: load AOF: %w", err)
	}
	return aof, nil
}

// applyRecord restores one snapshot record.
func (s *Server) applyRecord(r persist.Record) error {
	if r.ExpireAt != 0 && r.ExpireAt <= s.nowMs.Load() {
		return nil
	}
	s.store.Update(r.Key, func(tx *kv.Tx) {
		switch r.Kind {
		case persist.KindString:
			tx.Set(r.Value, r.ExpireAt)
		case persist.KindHash:
			if tx.Kind() == kv.KindString {
				tx.Delete()
			}
			for _, f := range r.Fields {
				tx.HSet(f[0], f[1])
			}
			tx.SetExpire(r.ExpireAt)
		}
	})
	return nil
}

// applyEffect replays one AOF effect (see store.go for what is logged). A
// command that does not fit the key's current type is skipped: package
// persist explains why that is right.
func (s *Server) applyEffect(args [][]byte) error {
	name := strings.ToUpper(string(args[0]))
	bad := func() error { return fmt.Errorf("nubmq: AOF: malformed %q effect (%d args)", name, len(args)) }
	switch name {
	case "SET":
		at := int64(0)
		switch {
		case len(args) == 5 && strings.EqualFold(string(args[3]), "PXAT"):
			n, ok := parseInt(args[4])
			if !ok {
				return bad()
			}
			at = n
		case len(args) != 3:
			return bad()
		}
		s.store.Update(args[1], func(tx *kv.Tx) { tx.Set(args[2], at) })
	case "DEL":
		for _, k := range args[1:] {
			s.store.Delete(k)
		}
	case "HSET":
		if len(args) < 4 || len(args)%2 != 0 {
			return bad()
		}
		s.store.Update(args[1], func(tx *kv.Tx) {
			if tx.Kind() == kv.KindString {
				return
			}
			for i := 2; i < len(args); i += 2 {
				tx.HSet(args[i], args[i+1])
			}
		})
	case "HDEL":
		s.store.Update(args[1], func(tx *kv.Tx) {
			if tx.Kind() != kv.KindHash {
				return
			}
			for _, f := range args[2:] {
				tx.HDel(f)
			}
		})
	case "PEXPIREAT":
		if len(args) != 3 {
			return bad()
		}
		n, ok := parseInt(args[2])
		if !ok {
			return bad()
		}
		s.store.Update(args[1], func(tx *kv.Tx) { tx.SetExpire(n) })
	case "PERSIST":
		s.store.Update(args[1], func(tx *kv.Tx) { tx.SetExpire(0) })
	case "FLUSHALL":
		s.store.Flush()
	default:
		return fmt.Errorf("nubmq: AOF: unknown effect %q", name)
	}
	return nil
}

// iterateKeys emits every key as a snapshot record, each read under its
// shard lock at some moment of the iteration (SCAN order), and emitted
// after the lock is released. The result is a per-key consistent image;
// with the AOF's log of effects it is exact (package persist).
func (s *Server) iterateKeys(emit func(persist.Record) error) error {
	var keys [][]byte
	for cursor := uint64(0); ; {
		keys = keys[:0]
		cursor = s.store.Scan(cursor, 256, func(k []byte) { keys = append(keys, append([]byte(nil), k...)) })
		for _, k := range keys {
			var r persist.Record
			ok := false
			s.store.View(k, func(v *kv.Value) {
				switch v.Kind() {
				case kv.KindString:
					r = persist.Record{Kind: persist.KindString, Key: k, Value: append([]byte(nil), v.Bytes()...), ExpireAt: v.ExpireAt()}
					ok = true
				case kv.KindHash:
					r = persist.Record{Kind: persist.KindHash, Key: k, ExpireAt: v.ExpireAt()}
					v.HRange(func(f string, val []byte) bool {
						r.Fields = append(r.Fields, [2][]byte{[]byte(f), append([]byte(nil), val...)})
						return true
					})
					ok = true
				}
			})
			if ok {
				if err := emit(r); err != nil {
					return err
				}
			}
		}
		if cursor == 0 {
			return nil
		}
	}
}

// save writes the snapshot file.
func (s *Server) save() error {
	if s.opts.Dir == "" {
		return errors.New("no data directory configured")
	}
	err := persist.WriteSnapshot(vfs.Default, filepath.Join(s.opts.Dir, snapshotName), s.iterateKeys)
	s.persist.mu.Lock()
	s.persist.lastErr = err
	s.persist.mu.Unlock()
	if err == nil {
		s.persist.lastSave.Store(s.opts.Now().Unix())
	}
	return err
}

// cmdSave: SAVE writes the snapshot, blocking this client's event loop
// until it is on disk.
func cmdSave(c *conn, args [][]byte) {
	s := c.srv
	s.persist.mu.Lock()
	busy := s.persist.saving
	s.persist.mu.Unlock()
	if busy {
		c.w.Error("ERR Background save already in progress")
		return
	}
	if err := s.save(); err != nil {
		c.w.Error("ERR " + err.Error())
		return
	}
	c.w.OK()
}

// cmdBGSave: BGSAVE [SCHEDULE] writes the snapshot in the background.
func cmdBGSave(c *conn, args [][]byte) {
	if len(args) > 2 || len(args) == 2 && lower(args[1]) != "schedule" {
		c.w.Error(errSyntax)
		return
	}
	s := c.srv
	if s.opts.Dir == "" {
		c.w.Error("ERR no data directory configured")
		return
	}
	s.persist.mu.Lock()
	if s.persist.saving {
		s.persist.mu.Unlock()
		c.w.Error("ERR Background save already in progress")
		return
	}
	s.persist.saving = true
	s.persist.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.save(); err != nil {
			s.opts.Logger.Error("bgsave", "err", err)
		}
		s.persist.mu.Lock()
		s.persist.saving = false
		s.persist.mu.Unlock()
	}()
	c.w.SimpleString("Background saving started")
}

func cmdLastSave(c *conn, args [][]byte) { c.w.Integer(c.srv.persist.lastSave.Load()) }

// cmdBGRewriteAOF starts a rewrite of the AOF (appendonly must be on).
func cmdBGRewriteAOF(c *conn, args [][]byte) {
	switch err := c.srv.startRewrite(); {
	case err == nil:
		c.w.SimpleString("Background append only file rewriting started")
	case errors.Is(err, persist.ErrRewriteInProgress):
		c.w.Error("ERR Background append only file rewriting already in progress")
	default:
		c.w.Error("ERR " + err.Error())
	}
}

// startRewrite runs an AOF rewrite in the background.
func (s *Server) startRewrite() error { return s.startRewriteThen(nil) }

// startRewriteThen runs a rewrite in the background and then calls done
// (if not nil), whatever the outcome.
func (s *Server) startRewriteThen(done func()) error {
	aof := s.aof.Load()
	if aof == nil {
		return errors.New("appendonly is off")
	}
	if !s.persist.rewriting.CompareAndSwap(false, true) {
		return persist.ErrRewriteInProgress
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if done != nil {
			defer done()
		}
		defer s.persist.rewriting.Store(false)
		if err := aof.Rewrite(s.iterateKeys); err != nil && !errors.Is(err, persist.ErrClosed) {
			s.opts.Logger.Error("aof rewrite", "err", err)
		}
	}()
	return nil
}

// setAppendOnly switches the AOF on (a new log, written from the dataset
// by a rewrite) or off, for CONFIG SET appendonly.
func (s *Server) setAppendOnly(on bool) error {
	s.persist.mu.Lock()
	defer s.persist.mu.Unlock()
	cur := s.aof.Load()
	switch {
	case on && cur == nil:
		if s.opts.Dir == "" {
			return errors.New("no data directory configured")
		}
		aof, err := s.openAOF(false)
		if err != nil {
			return err
		}
		s.aof.Store(aof)
		done := make(chan struct{})
		s.persist.initial = done
		if err := s.startRewriteThen(func() { close(done) }); err != nil {
			close(done)
			return err
		}
		return nil
	case !on && cur != nil:
		s.aof.Store(nil)
		return cur.Close() // effects appended after this are dropped: the log is off
	}
	return nil
}

// syncAOF waits until the effects up to seq are written per appendfsync,
// before their replies go out. A failure is sticky: later writes answer
// MISCONF, as Redis does.
func (s *Server) syncAOF(seq uint64) error {
	aof := s.aof.Load()
	if aof == nil || seq == 0 {
		return nil
	}
	if err := aof.Sync(seq); err != nil && !errors.Is(err, persist.ErrClosed) {
		s.persist.aofErr.Store(&err)
		return err
	}
	return nil
}

// misconf returns the error a write command gets after the AOF failed.
func (s *Server) misconf() string {
	if p := s.persist.aofErr.Load(); p != nil && s.aof.Load() != nil {
		return "MISCONF Errors writing to the AOF file: " + (*p).Error()
	}
	return ""
}

// persistenceInfo is INFO's persistence section.
func (s *Server) persistenceInfo() []string {
	s.persist.mu.Lock()
	saving, lastErr := s.persist.saving, s.persist.lastErr
	s.persist.mu.Unlock()
	status := "ok"
	if lastErr != nil {
		status = "err"
	}
	lines := []string{
		"loading:0",
		"rdb_bgsave_in_progress:" + boolStr(saving),
		"rdb_last_save_time:" + strconv.FormatInt(s.persist.lastSave.Load(), 10),
		"rdb_last_bgsave_status:" + status,
	}
	aof := s.aof.Load()
	lines = append(lines, "aof_enabled:"+boolStr(aof != nil))
	if aof == nil {
		return append(lines, "aof_rewrite_in_progress:0")
	}
	m := aof.Metrics()
	rewriteStatus, writeStatus := "ok", "ok"
	if m.LastRewriteErr != nil {
		rewriteStatus = "err"
	}
	if m.WriteErr != nil {
		writeStatus = "err"
	}
	return append(lines,
		"aof_rewrite_in_progress:"+boolStr(m.RewriteInProgress),
		"aof_last_rewrite_time_sec:"+strconv.FormatInt(int64(m.LastRewriteDuration/time.Second), 10),
		"aof_last_bgrewrite_status:"+rewriteStatus,
		"aof_last_write_status:"+writeStatus,
		"aof_current_size:"+strconv.FormatInt(m.SizeBytes, 10),
		"aof_base_size:"+strconv.FormatInt(m.BaseSizeBytes, 10),
		"aof_buffer_length:"+strconv.Itoa(m.PendingBytes),
		"aof_rewrites:"+strconv.FormatUint(m.Rewrites, 10),
		"appendfsync:"+m.Fsync.String(),
	)
}

func boolStr(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
