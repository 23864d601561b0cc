package vfs

// SyncWriter is implemented by Files that can write and make the write durable in one step.
//
// WriteAtSync(p, off) means WriteAt(p, off) followed by Sync, with the same
// guarantee: it returns len(p) and nil only once p is on stable storage. On
// error, n bytes may have been written, and none of them is known to be
// durable; as after a failed Sync, assume nothing about the file.
type SyncWriter interface {
	WriteAtSync(p []byte, off int64) (int, error)
}

// WriteAtSync writes p at off and makes it durable: through f's WriteAtSync when it has one, else WriteAt then Sync.
//
// Wrappers that must see the write and the sync as two operations (an
// InjectingFS, which fails either) simply do not implement SyncWriter, so
// they get the two calls.
func WriteAtSync(f File, p []byte, off int64) (int, error) {
	if sw, ok := f.(SyncWriter); ok {
		return sw.WriteAtSync(p, off)
	}
	n, err := f.WriteAt(p, off)
	if err != nil {
		return n, err
	}
	return n, f.Sync()
}
