package walrus

import (
	"context"
	"fmt"
	"time"
)

// followPollInterval is how often a read-only Log looks for entries that
// another process appended while a reader waits.
const followPollInterval = 50 * time.Millisecond

// refresh brings a read-only topic up to date with what another process has
// written since: new frames of the active segment and new segments. A frame
// still being written fails to verify and is picked up by a later refresh.
// Entries seen this way were written, not necessarily synced, by the writer.
func (t *Topic) refresh() error {
	t.flushMu.Lock()
	defer t.flushMu.Unlock()
	for {
		seg := t.active
		files, err := t.opts.FS.List(t.dir)
		if err != nil {
			return fmt.Errorf("walrus: refresh %s: %w", t.name, err)
		}
		var newer []uint64
		for _, f := range files {
			if base, ok := parseSegmentName(f); ok && base > seg.base {
				newer = append(newer, base)
			}
		}
		if err := t.scanTail(seg); err != nil {
			return err
		}
		if len(newer) == 0 {
			break
		}
		// The writer moved on: seg is complete. Open the next segment.
		base := newer[0]
		for _, b := range newer {
			base = min(base, b)
		}
		next, _ := seg.extent()
		if next != base {
			return fmt.Errorf("%w: topic %s: segment %d ends at offset %d, next starts at %d", ErrCorrupt, t.name, seg.base, next, base)
		}
		path := joinPath(t.dir, segmentName(base))
		if err := t.log.cache.reserve(1); err != nil {
			return err
		}
		f, err := t.opts.FS.Open(path)
		if err != nil {
			t.log.cache.release(1)
			return fmt.Errorf("walrus: refresh %s: %w", t.name, err)
		}
		s := &segment{base: base, path: path, next: base, end: segmentHeaderSize, corruptAt: -1, file: f}
		s.refs.Store(1)
		hdr := make([]byte, segmentHeaderSize)
		if _, err := f.ReadAt(hdr, 0); err != nil || checkSegmentHeader(hdr, base) != nil {
			t.releaseSegment(s) // being created; try again later
			break
		}
		t.log.cache.sealedSegment(seg)
		t.segMu.Lock()
		t.segs = append(t.segs, s)
		t.segMu.Unlock()
		t.active = s
	}
	next, _ := t.active.extent()
	t.mu.Lock()
	if next > t.next {
		t.next, t.written, t.synced = next, next, next
		t.advanceLocked()
	}
	t.mu.Unlock()
	return nil
}

// scanTail reads the frames appended to seg after its known end.
func (t *Topic) scanTail(seg *segment) error {
	fi, err := seg.file.Stat()
	if err != nil {
		return fmt.Errorf("walrus: refresh %s: %w", t.name, err)
	}
	next, end := seg.extent()
	r := frameReader{f: seg.file, pos: end, limit: fi.Size(), expect: next, chunk: 1 << 20}
	for {
		h, _, err := r.next()
		if err != nil {
			return nil // end of data, or a frame not yet complete
		}
		seg.mu.Lock()
		seg.noteFrameLocked(h, r.pos-h.size(), t.opts.IndexIntervalBytes)
		seg.mu.Unlock()
	}
}

// waitReadOnly is Wait for a read-only Log: it polls the files.
func (t *Topic) waitReadOnly(ctx context.Context, offset uint64) error {
	tick := time.NewTicker(followPollInterval)
	defer tick.Stop()
	for {
		if err := t.refresh(); err != nil {
			return err
		}
		if t.Visible() > offset {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}
