package chunk

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// Compression is the codec applied to a chunk's encoded payload.
type Compression uint8

// Compression codecs. The numeric values are stored on disk and never
// change; zero is not a valid on-disk value (in Options it means zstd).
const (
	CompressionNone Compression = 1
	CompressionLZ4  Compression = 2
	CompressionZstd Compression = 3
)

func (c Compression) valid() bool { return c >= CompressionNone && c <= CompressionZstd }

func (c Compression) String() string {
	switch c {
	case CompressionNone:
		return "none"
	case CompressionLZ4:
		return "lz4"
	case CompressionZstd:
		return "zstd"
	}
	return fmt.Sprintf("Compression(%d)", uint8(c))
}

// zstd encoders and the decoder are expensive to create and safe for
// concurrent EncodeAll/DecodeAll, so one of each (per level) is shared by
// the whole process and created on first use.
var (
	zstdEncMu  sync.Mutex
	zstdEncs   [ZstdBest + 1]*zstd.Encoder
	zstdDecErr error
	zstdDec    *zstd.Decoder
	zstdDecOne sync.Once
)

func zstdEncoder(level ZstdLevel) (*zstd.Encoder, error) {
	zstdEncMu.Lock()
	defer zstdEncMu.Unlock()
	if e := zstdEncs[level]; e != nil {
		return e, nil
	}
	e, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.EncoderLevel(level)),
		zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)), // concurrent EncodeAll calls
		zstd.WithEncoderCRC(false),                         // the chunk has its own CRC32C
		zstd.WithZeroFrames(true),
		zstd.WithLowerEncoderMem(true),
	)
	if err != nil {
		return nil, fmt.Errorf("chunk: create zstd encoder: %w", err)
	}
	zstdEncs[level] = e
	return e, nil
}

func zstdDecoder() (*zstd.Decoder, error) {
	zstdDecOne.Do(func() {
		zstdDec, zstdDecErr = zstd.NewReader(nil,
			zstd.WithDecoderConcurrency(0),
			zstd.WithDecoderMaxMemory(maxBytesHard),
			zstd.WithDecodeAllCapLimit(true), // never decode past cap(dst)
		)
		if zstdDecErr != nil {
			zstdDecErr = fmt.Errorf("chunk: create zstd decoder: %w", zstdDecErr)
		}
	})
	return zstdDec, zstdDecErr
}

var lz4Compressors = sync.Pool{New: func() any { return new(lz4.Compressor) }}

// compressAppend appends the compression of src to dst. ok is false when the
// codec could not shrink src (dst is then returned unchanged in length).
func compressAppend(dst, src []byte, codec Compression, level ZstdLevel) (out []byte, ok bool, err error) {
	start := len(dst)
	switch codec {
	case CompressionZstd:
		e, err := zstdEncoder(level)
		if err != nil {
			return dst, false, err
		}
		out = e.EncodeAll(src, dst)
		return out, len(out)-start < len(src), nil
	case CompressionLZ4:
		bound := lz4.CompressBlockBound(len(src))
		if cap(dst)-start < bound {
			nd := make([]byte, start, start+bound)
			copy(nd, dst)
			dst = nd
		}
		c := lz4Compressors.Get().(*lz4.Compressor)
		n, err := c.CompressBlock(src, dst[start:start+bound])
		lz4Compressors.Put(c)
		if err != nil {
			return dst[:start], false, fmt.Errorf("chunk: lz4 compress: %w", err)
		}
		if n == 0 || n >= len(src) {
			return dst[:start], false, nil
		}
		return dst[:start+n], true, nil
	}
	return dst, false, nil
}

// decompress decodes src into dst[:size]; dst must have len size. Any
// output length other than size is corruption.
func decompress(dst, src []byte, codec Compression) error {
	switch codec {
	case CompressionZstd:
		d, err := zstdDecoder()
		if err != nil {
			return err
		}
		out, err := d.DecodeAll(src, dst[:0:len(dst)])
		if err != nil {
			return corruptf("zstd payload: %v", err)
		}
		if len(out) != len(dst) || (len(out) > 0 && &out[0] != &dst[0]) {
			return corruptf("zstd payload decodes to %d bytes, header says %d", len(out), len(dst))
		}
		return nil
	case CompressionLZ4:
		n, err := lz4.UncompressBlock(src, dst)
		if err != nil {
			return corruptf("lz4 payload: %v", err)
		}
		if n != len(dst) {
			return corruptf("lz4 payload decodes to %d bytes, header says %d", n, len(dst))
		}
		return nil
	}
	return corruptf("compression %d", codec)
}
