//go:build !linux

package main

import "os"

// fdatasync falls back to fsync where fdatasync(2) is not available.
func fdatasync(f *os.File) error { return f.Sync() }

// settleFS does nothing where syncfs(2) is not available.
func settleFS(dir string) {}

// fsType is not known where statfs(2) differs.
func fsType(dir string) string { return "unknown" }
