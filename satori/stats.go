package satori

// Stats describes a database at one moment.
type Stats struct {
	Dim    int
	Metric string
	// Vectors is the number of live vectors.
	Vectors int
	// Buckets is the number of buckets; MinBucketSize, MaxBucketSize and
	// MeanBucketSize describe their live sizes.
	Buckets        int
	MinBucketSize  int
	MaxBucketSize  int
	MeanBucketSize float64
	// DeltaVectors are acknowledged vectors held in memory until
	// maintenance writes them into their buckets; DeltaBytes their memory.
	DeltaVectors int
	DeltaBytes   int64
	// StaleEntries are bucket entries deleted, overwritten or moved, not
	// yet garbage collected.
	StaleEntries int
	// DiskBytes is the encoded size of the committed buckets' data;
	// LogBytes the size of the write-ahead log.
	DiskBytes int64
	LogBytes  int64
	// FileBytes is the size of the bucket store's segment files: the live
	// buckets plus dead copies not yet compacted away.
	FileBytes int64
	// RouterBytes estimates the memory of the routing index (centroids and
	// the HNSW graph); IndexBytes that of the id index.
	RouterBytes int
	IndexBytes  int
	// Checkpoint is the LSN below which every change is in the committed
	// buckets; NextLSN the next one to be handed out.
	Checkpoint uint64
	NextLSN    uint64
	// Maintenance counters since Open.
	Flushes, Splits, Merges, Reassigned, Commits, MaintenanceErrors uint64
	// LastMaintenanceError is the latest background maintenance failure
	// ("" when none since Open), and MaintenanceFailing how many rounds
	// in a row failed up to now.
	LastMaintenanceError string
	MaintenanceFailing   int
}

// Stats returns the current statistics.
func (db *DB) Stats() Stats {
	db.mu.RLock()
	s := Stats{Dim: db.dim, Metric: db.metric.String(), Vectors: db.index.len(), Buckets: len(db.buckets), DeltaBytes: db.deltaBytes}
	cp := db.watermark()
	first := true
	for _, b := range db.buckets {
		live := b.live()
		if first || live < s.MinBucketSize {
			s.MinBucketSize = live
		}
		if first || live > s.MaxBucketSize {
			s.MaxBucketSize = live
		}
		first = false
		s.DeltaVectors += b.delta.len()
		s.StaleEntries += b.stale
		if b.onDisk {
			s.DiskBytes += int64(b.loc.Length)
		}
		if b.dirty != 0 {
			cp = min(cp, b.dirty)
		}
	}
	if s.Buckets > 0 {
		s.MeanBucketSize = float64(s.Vectors) / float64(s.Buckets)
	}
	s.IndexBytes = db.index.memoryBytes()
	db.mu.RUnlock()
	s.Checkpoint = cp
	db.pendMu.Lock()
	s.NextLSN = db.nextLSN
	db.pendMu.Unlock()
	s.LogBytes = db.wal.size()
	sizes, _ := db.store.SegmentSizes()
	for _, n := range sizes {
		s.FileBytes += n
	}
	s.RouterBytes = db.router.memoryBytes()
	s.Flushes = db.stats.flushes.Load()
	s.Splits = db.stats.splits.Load()
	s.Merges = db.stats.merges.Load()
	s.Reassigned = db.stats.reassigned.Load()
	s.Commits = db.stats.commits.Load()
	s.MaintenanceErrors = db.stats.maintErrors.Load()
	db.mu.RLock()
	if db.lastMaintErr != nil {
		s.LastMaintenanceError = db.lastMaintErr.Error()
	}
	s.MaintenanceFailing = db.maintFails
	db.mu.RUnlock()
	return s
}
