// Package vfstest is a conformance kit for vfs.FS implementations: Run
// checks, against any FS, the behaviour that engines rely on and that every
// implementation must share, so a test that passes over vfs.MemFS means the
// same thing over vfs.Default.
//
// It checks what one process can observe, not durability: what survives a
// crash is specific to MemFS and tested there.
//
// Each subtest asks for a fresh file system and directory, so subtests are
// independent and may be run alone with -run.
package vfstest
