// Package current encodes the CURRENT files that name an engine's
// committed manifest (frigatebird/storage tables, satori/bucket stores):
// 20 bytes — a 4-byte magic, a format version byte, 3 reserved zero
// bytes, the manifest number (uint64, little-endian, never 0), and a
// CRC32C of the first 16 bytes. Each engine picks its own magic. It also
// names the numbered files around them: MANIFEST-<n> (ManifestName) and
// the engines' data files (NumberedName, ParseNumberedName).
package current

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"
)

// Size is the length of a CURRENT file.
const Size = 20

// ErrCorrupt is wrapped by Decode for damaged contents; ErrVersion for an
// unknown format version.
var (
	ErrCorrupt = errors.New("corrupt CURRENT")
	ErrVersion = errors.New("unsupported CURRENT version")
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Encode returns the CURRENT bytes naming manifest n.
func Encode(magic string, version byte, n uint64) []byte {
	b := make([]byte, 8, Size)
	copy(b, magic)
	b[4] = version
	b = binary.LittleEndian.AppendUint64(b, n)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// Decode returns the manifest number b names.
func Decode(b []byte, magic string, version byte) (uint64, error) {
	if len(b) != Size || string(b[:4]) != magic {
		return 0, fmt.Errorf("%w: %d bytes or bad magic", ErrCorrupt, len(b))
	}
	if crc32.Checksum(b[:16], castagnoli) != binary.LittleEndian.Uint32(b[16:]) {
		return 0, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	if b[4] != version {
		return 0, fmt.Errorf("%w %d", ErrVersion, b[4])
	}
	if b[5]|b[6]|b[7] != 0 {
		return 0, fmt.Errorf("%w: reserved bytes set", ErrCorrupt)
	}
	n := binary.LittleEndian.Uint64(b[8:])
	if n == 0 {
		return 0, fmt.Errorf("%w: manifest 0", ErrCorrupt)
	}
	return n, nil
}

// ManifestPrefix starts the names of the manifests CURRENT points at:
// "MANIFEST-" and the manifest number (ManifestName).
const ManifestPrefix = "MANIFEST-"

// ManifestName returns the file name of manifest n.
func ManifestName(n uint64) string { return NumberedName(ManifestPrefix, n, "") }

// ParseManifestName returns the number of a name ManifestName made.
func ParseManifestName(name string) (uint64, bool) {
	return ParseNumberedName(name, ManifestPrefix, "")
}

// NumberedName returns prefix, n in decimal with at least 6 digits, then
// suffix: the names engines give their numbered files.
func NumberedName(prefix string, n uint64, suffix string) string {
	return fmt.Sprintf("%s%06d%s", prefix, n, suffix)
}

// ParseNumberedName returns n for a name NumberedName(prefix, n, suffix)
// made. Only that exact spelling is accepted (no sign, no extra leading
// zeros), so a stray file never aliases a number.
func ParseNumberedName(name, prefix, suffix string) (uint64, bool) {
	s, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return 0, false
	}
	if s, ok = strings.CutSuffix(s, suffix); !ok || s == "" || s[0] == '+' {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil && NumberedName(prefix, n, suffix) == name
}
