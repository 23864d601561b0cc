package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/reefdb/reef/satori/synth"
)

// vectorDataset names the files of one data set in the cache directory:
// base vectors, query vectors and their exact k-NN. It is what the parent
// hands every child (as JSON), so its fields are exported.
type vectorDataset struct {
	// Name is the data set's part of the case name: "fashion-mnist",
	// "synth".
	Name    string `json:"name"`
	N       int    `json:"n"`
	Dim     int    `json:"dim"`
	Queries int    `json:"queries"`
	K       int    `json:"k"`
	// BasePath and QueryPath are vector files, TruthPath an id file (the
	// formats are below).
	BasePath  string `json:"base"`
	QueryPath string `json:"query"`
	TruthPath string `json:"truth"`
	// Origin says how this invocation got the files (for the header).
	Origin string `json:"-"`
}

// RawBytes is the size of the base vectors as float32: N·Dim·4.
func (d *vectorDataset) RawBytes() int64 { return int64(d.N) * int64(d.Dim) * 4 }

// The cache files, little-endian:
//
//	vector file: "RBVECF32" | n uint64 | dim uint64 | n·dim float32
//	truth file:  "RBTRUI32" | nq uint64 | k uint64  | nq·k int32 (ids, nearest first)
//
// A file is written under a temporary name, synced and renamed, so a file
// under its final name is complete; its size must match its header.
const (
	vecFileMagic   = "RBVECF32"
	truthFileMagic = "RBTRUI32"
	vecHeaderBytes = 24
)

var errVectorFile = errors.New("vector: malformed cache file")

// writeCacheFile writes header and body to path atomically.
func writeCacheFile(path, magic string, rows, cols int, body func(w io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 1<<20)
	var hdr [vecHeaderBytes]byte
	copy(hdr[:8], magic)
	binary.LittleEndian.PutUint64(hdr[8:], uint64(rows))
	binary.LittleEndian.PutUint64(hdr[16:], uint64(cols))
	w.Write(hdr[:])
	err = body(w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("vector: write %s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path)
}

func writeVectorFile(path string, data []float32, dim int) error {
	return writeCacheFile(path, vecFileMagic, len(data)/dim, dim, func(w io.Writer) error {
		var b [4]byte
		for _, v := range data {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
			if _, err := w.Write(b[:]); err != nil {
				return err
			}
		}
		return nil
	})
}

func writeTruthFile(path string, truth [][]int32, k int) error {
	return writeCacheFile(path, truthFileMagic, len(truth), k, func(w io.Writer) error {
		var b [4]byte
		for q, ids := range truth {
			if len(ids) != k {
				return fmt.Errorf("query %d: %d ids, want %d", q, len(ids), k)
			}
			for _, id := range ids {
				binary.LittleEndian.PutUint32(b[:], uint32(id))
				if _, err := w.Write(b[:]); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// openCacheFile opens path, checks its magic and that its size matches its
// header, and returns the file positioned after the header.
func openCacheFile(path, magic string) (f *os.File, rows, cols int, err error) {
	f, err = os.Open(path)
	if err != nil {
		return nil, 0, 0, err
	}
	var hdr [vecHeaderBytes]byte
	fi, err := f.Stat()
	if err == nil {
		_, err = io.ReadFull(f, hdr[:])
	}
	if err != nil {
		f.Close()
		return nil, 0, 0, fmt.Errorf("%w: %s: %v", errVectorFile, path, err)
	}
	r, c := binary.LittleEndian.Uint64(hdr[8:]), binary.LittleEndian.Uint64(hdr[16:])
	if string(hdr[:8]) != magic || c == 0 || c > 1<<20 || r > 1<<40 ||
		uint64(fi.Size()) != vecHeaderBytes+r*c*4 {
		f.Close()
		return nil, 0, 0, fmt.Errorf("%w: %s: header %q %d×%d, size %d", errVectorFile, path, hdr[:8], r, c, fi.Size())
	}
	return f, int(r), int(c), nil
}

// cacheFileOK reports whether path is a complete file of rows×cols.
func cacheFileOK(path, magic string, rows, cols int) bool {
	f, r, c, err := openCacheFile(path, magic)
	if err != nil {
		return false
	}
	f.Close()
	return r == rows && c == cols
}

// readFloats reads count rows of a vector file from row start.
func readFloats(path string, start, count int) (out []float32, dim int, err error) {
	return readFloatsInto(nil, path, start, count)
}

// readFloatsInto is readFloats decoding into into's memory when it is
// large enough.
func readFloatsInto(into []float32, path string, start, count int) (out []float32, dim int, err error) {
	f, rows, dim, err := openCacheFile(path, vecFileMagic)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	if start < 0 || count < 0 || start+count > rows {
		return nil, 0, fmt.Errorf("vector: %s: rows [%d, %d) of %d", path, start, start+count, rows)
	}
	if _, err := f.Seek(vecHeaderBytes+int64(start)*int64(dim)*4, io.SeekStart); err != nil {
		return nil, 0, err
	}
	if cap(into) >= count*dim {
		out = into[:count*dim]
	} else {
		out = make([]float32, count*dim)
	}
	buf := make([]byte, 1<<20)
	br := bufio.NewReaderSize(f, 1<<20)
	for i := 0; i < len(out); {
		n := min(len(buf)/4, len(out)-i)
		if _, err := io.ReadFull(br, buf[:n*4]); err != nil {
			return nil, 0, fmt.Errorf("vector: read %s: %w", path, err)
		}
		for j := range n {
			out[i+j] = math.Float32frombits(binary.LittleEndian.Uint32(buf[j*4:]))
		}
		i += n
	}
	return out, dim, nil
}

// ReadBase returns base vectors [start, start+count).
func (d *vectorDataset) ReadBase(start, count int) ([]float32, error) {
	return d.readBaseInto(nil, start, count)
}

// readBaseInto is ReadBase decoding into into's memory when it is large
// enough.
func (d *vectorDataset) readBaseInto(into []float32, start, count int) ([]float32, error) {
	out, dim, err := readFloatsInto(into, d.BasePath, start, count)
	if err == nil && dim != d.Dim {
		err = fmt.Errorf("vector: %s: dim %d, want %d", d.BasePath, dim, d.Dim)
	}
	return out, err
}

// EachBaseChunk calls fn with consecutive chunks of at most chunk base
// vectors, so an engine can index the set without holding it whole. The
// chunks share one buffer: vecs is valid only until fn returns.
func (d *vectorDataset) EachBaseChunk(chunk int, fn func(start int, vecs []float32) error) error {
	var buf []float32
	for start := 0; start < d.N; start += chunk {
		vecs, err := d.readBaseInto(buf, start, min(chunk, d.N-start))
		if err != nil {
			return err
		}
		buf = vecs
		if err := fn(start, vecs); err != nil {
			return err
		}
	}
	return nil
}

// ReadQueries returns every query vector.
func (d *vectorDataset) ReadQueries() ([]float32, error) {
	out, dim, err := readFloats(d.QueryPath, 0, d.Queries)
	if err == nil && dim != d.Dim {
		err = fmt.Errorf("vector: %s: dim %d, want %d", d.QueryPath, dim, d.Dim)
	}
	return out, err
}

// ReadTruth returns the exact k nearest ids of every query.
func (d *vectorDataset) ReadTruth() ([][]int32, error) {
	f, rows, k, err := openCacheFile(d.TruthPath, truthFileMagic)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if rows != d.Queries || k != d.K {
		return nil, fmt.Errorf("%w: %s: %d×%d, want %d×%d", errVectorFile, d.TruthPath, rows, k, d.Queries, d.K)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	out := make([][]int32, rows)
	for q := range out {
		out[q] = make([]int32, k)
		for j := range out[q] {
			id := int32(binary.LittleEndian.Uint32(b[(q*k+j)*4:]))
			if id < 0 || int(id) >= d.N {
				return nil, fmt.Errorf("%w: %s: query %d: id %d out of [0, %d)", errVectorFile, d.TruthPath, q, id, d.N)
			}
			out[q][j] = id
		}
	}
	return out, nil
}

// complete reports whether all three files are in the cache.
func (d *vectorDataset) complete() bool {
	return cacheFileOK(d.BasePath, vecFileMagic, d.N, d.Dim) &&
		cacheFileOK(d.QueryPath, vecFileMagic, d.Queries, d.Dim) &&
		cacheFileOK(d.TruthPath, truthFileMagic, d.Queries, d.K)
}

// store writes base, queries and their ground truth (computed here, exact,
// on every core) into the cache.
func (d *vectorDataset) store(base, queries []float32, log io.Writer) error {
	start := time.Now()
	fmt.Fprintf(log, "vector: %s: exact ground truth of %d queries over %d×%d (cached for later runs; minutes at 1M)\n",
		d.Name, d.Queries, d.N, d.Dim)
	truth, err := synth.GroundTruth(base, queries, d.Dim, d.K, synth.L2, runtime.GOMAXPROCS(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "vector: %s: ground truth in %.1fs\n", d.Name, time.Since(start).Seconds())
	if err := writeVectorFile(d.BasePath, base, d.Dim); err != nil {
		return err
	}
	if err := writeVectorFile(d.QueryPath, queries, d.Dim); err != nil {
		return err
	}
	// Last: the truth file's presence means the set is complete.
	return writeTruthFile(d.TruthPath, truth, d.K)
}

// The Fashion-MNIST files of Debian's dataset-fashion-mnist.
const (
	fashionDir        = "/usr/share/datasets/fashion-mnist"
	fashionTrainFile  = "train-images-idx3-ubyte.gz"
	fashionTestFile   = "t10k-images-idx3-ubyte.gz"
	fashionDataFormat = 1 // bump when the conversion changes
)

// fashionDataset converts the first n training images (base) and the
// first nq test images (queries) of Fashion-MNIST into cache files, with
// their ground truth, unless an earlier invocation did.
func fashionDataset(cacheDir string, n, nq, k int, log io.Writer) (*vectorDataset, error) {
	prefix := filepath.Join(cacheDir, fmt.Sprintf("vector-fashion-mnist-n%d-q%d-k%d-v%d", n, nq, k, fashionDataFormat))
	d := &vectorDataset{Name: "fashion-mnist", N: n, Dim: 784, Queries: nq, K: k,
		BasePath: prefix + ".base", QueryPath: prefix + ".queries", TruthPath: prefix + ".truth"}
	if d.complete() {
		d.Origin = "cached in " + prefix + ".*"
		return d, nil
	}
	start := time.Now()
	base, gotN, dim, err := readIDXImages(filepath.Join(fashionDir, fashionTrainFile), n)
	if err != nil {
		return nil, fmt.Errorf("vector: fashion-mnist (apt-get install dataset-fashion-mnist): %w", err)
	}
	queries, gotQ, qdim, err := readIDXImages(filepath.Join(fashionDir, fashionTestFile), nq)
	if err != nil {
		return nil, fmt.Errorf("vector: fashion-mnist: %w", err)
	}
	if gotN != n || gotQ != nq || dim != d.Dim || qdim != d.Dim {
		return nil, fmt.Errorf("vector: fashion-mnist: read %d×%d base, %d×%d queries; want %d, %d of %d",
			gotN, dim, gotQ, qdim, n, nq, d.Dim)
	}
	if err := d.store(base, queries, log); err != nil {
		return nil, fmt.Errorf("vector: fashion-mnist: %w", err)
	}
	d.Origin = fmt.Sprintf("converted from %s in %.1fs into %s.* (kept for later runs)", fashionDir, time.Since(start).Seconds(), prefix)
	return d, nil
}

// synthSpec is the synthetic data set of n vectors: a skewed mixture of
// Gaussians, one cluster per 1,000 vectors (at least 16).
func synthSpec(n, dim int, seed uint64) synth.Spec {
	return synth.Spec{N: n, Dim: dim, Clusters: max(16, n/1000), Skew: 1, Spread: 0.3, Seed: seed}
}

// synthFingerprint hashes a tiny data set and its queries, so that cache
// files made by an older synth generator are never reused.
func synthFingerprint() (string, error) {
	s := synth.Spec{N: 257, Dim: 7, Clusters: 5, Skew: 1, Spread: 0.3, Seed: 42}
	data, labels, err := synth.Generate(s)
	if err != nil {
		return "", err
	}
	q, err := synth.Queries(s, 9, 43)
	if err != nil {
		return "", err
	}
	h := fnv.New64a()
	var b [4]byte
	for _, v := range append(data, q...) {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
		h.Write(b[:])
	}
	for _, l := range labels {
		binary.LittleEndian.PutUint32(b[:], uint32(l))
		h.Write(b[:])
	}
	return fmt.Sprintf("%016x", h.Sum64())[:8], nil
}

// synthCached names the cache files of a synthetic data set; the set is
// there when the returned dataset is complete (its Origin then says so).
func synthCached(cacheDir string, n, dim, nq, k int, seed uint64) (*vectorDataset, synth.Spec, string, error) {
	fp, err := synthFingerprint()
	if err != nil {
		return nil, synth.Spec{}, "", fmt.Errorf("vector: synth: %w", err)
	}
	spec := synthSpec(n, dim, seed)
	prefix := filepath.Join(cacheDir, fmt.Sprintf("vector-synth-n%d-d%d-c%d-seed%d-q%d-k%d-g%s", n, dim, spec.Clusters, seed, nq, k, fp))
	d := &vectorDataset{Name: "synth", N: n, Dim: dim, Queries: nq, K: k,
		BasePath: prefix + ".base", QueryPath: prefix + ".queries", TruthPath: prefix + ".truth"}
	if d.complete() {
		d.Origin = "cached in " + prefix + ".*"
	}
	return d, spec, prefix, nil
}

// synthDataset generates n base vectors and nq queries (seed+1) of dim
// dimensions with satori/synth, with their ground truth, unless an earlier
// invocation did. The files are keyed by size, dim, seed and a fingerprint
// of the generator.
func synthDataset(cacheDir string, n, dim, nq, k int, seed uint64, log io.Writer) (*vectorDataset, error) {
	d, spec, prefix, err := synthCached(cacheDir, n, dim, nq, k, seed)
	if err != nil || d.complete() {
		return d, err
	}
	start := time.Now()
	base, _, err := synth.Generate(spec)
	if err != nil {
		return nil, fmt.Errorf("vector: synth: %w", err)
	}
	queries, err := synth.Queries(spec, nq, seed+1)
	if err != nil {
		return nil, fmt.Errorf("vector: synth: %w", err)
	}
	if err := d.store(base, queries, log); err != nil {
		return nil, fmt.Errorf("vector: synth: %w", err)
	}
	d.Origin = fmt.Sprintf("generated in %.1fs into %s.* (kept for later runs)", time.Since(start).Seconds(), prefix)
	return d, nil
}

// synthStreamDataset is synthDataset for data sets too large to hold:
// the base vectors are generated in chunks (synth.Stream) straight into
// the cache file while the streamed ground truth (synth.Truth, the same
// answer as synth.GroundTruth) takes each chunk. It holds one chunk, the
// generator's labels and the queries.
func synthStreamDataset(cacheDir string, n, dim, nq, k int, seed uint64, log io.Writer) (*vectorDataset, error) {
	d, spec, prefix, err := synthCached(cacheDir, n, dim, nq, k, seed)
	if err != nil || d.complete() {
		return d, err
	}
	start := time.Now()
	queries, err := synth.Queries(spec, nq, seed+1)
	if err != nil {
		return nil, fmt.Errorf("vector: synth: %w", err)
	}
	truth, err := synth.NewTruth(queries, dim, k, synth.L2)
	if err != nil {
		return nil, fmt.Errorf("vector: synth: %w", err)
	}
	fmt.Fprintf(log, "vector: synth: generating %d×%d in chunks with the exact ground truth of %d queries (cached for later runs; tens of minutes)\n", n, dim, nq)
	const chunk = 200_000
	err = writeCacheFile(d.BasePath, vecFileMagic, n, dim, func(w io.Writer) error {
		buf := make([]byte, chunk*dim*4)
		return synth.Stream(spec, chunk, func(first int, data []float32) error {
			b := buf[:len(data)*4]
			for i, v := range data {
				binary.LittleEndian.PutUint32(b[i*4:], math.Float32bits(v))
			}
			if _, err := w.Write(b); err != nil {
				return err
			}
			if err := truth.Add(data, runtime.GOMAXPROCS(0)); err != nil {
				return err
			}
			if done := first + len(data)/dim; done%(20*chunk) == 0 || done == n {
				fmt.Fprintf(log, "vector: synth: %d of %d vectors in %.0fs\n", done, n, time.Since(start).Seconds())
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("vector: synth: %w", err)
	}
	if err := writeVectorFile(d.QueryPath, queries, dim); err != nil {
		return nil, fmt.Errorf("vector: synth: %w", err)
	}
	// Last: the truth file's presence means the set is complete.
	if err := writeTruthFile(d.TruthPath, truth.Result(), k); err != nil {
		return nil, fmt.Errorf("vector: synth: %w", err)
	}
	d.Origin = fmt.Sprintf("generated in chunks in %.1fs into %s.* (kept for later runs)", time.Since(start).Seconds(), prefix)
	return d, nil
}
