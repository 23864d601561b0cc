// Package attr holds SatoriDB's vector attributes and the filters a search
// applies to them. A vector may carry a Set of named fields, each an int64
// or a UTF-8 string; a search may carry a Filter (equality, membership,
// ranges, existence, AND/OR/NOT) that decides which vectors it may return.
// The encoding is specified in docs/format/satori-attributes.md.
//
// # Types
//
//   - Value: one int64 or string, tagged with its Kind.
//   - Set: a vector's attributes by field name.
//   - Filter: a predicate tree, built with Eq, In, Range (Gt, Gte, Lt,
//     Lte), Exists, And, Or and Not, or parsed by ParseFilterJSON.
//
// # Encoding
//
// AppendEncode writes a Set in a canonical form (fields sorted by name,
// varints in their shortest form), so equal Sets encode to identical bytes
// and an empty Set costs zero bytes. The bytes are stored beside the
// vectors of a bucket and in write-ahead log records; the encoding has no
// version or checksum of its own because its container has both. Readers
// call Validate on bytes they read (it allocates nothing) and Decode only
// when they need a Set; both reject anything but a canonical encoding of a
// valid Set with ErrCorrupt.
//
// # Filter semantics
//
// A condition on one field is true only when the vector has the field and
// its value is of the condition's kind and satisfies it. A missing field,
// or a value of another kind (year = "2021" against the integer 2021), is
// simply false: kinds are never converted or ordered against each other.
// Strings order by bytes, integers numerically.
//
// Logic is two-valued, not SQL's three-valued logic: Not(f) matches
// exactly the vectors f does not match, so Not(Eq("color", red)) also
// matches vectors without a color (SQL's NOT (color = 'red') would drop
// them as NULL). Write And(Exists("color"), Not(...)) to require the
// field. A nil *Filter matches everything.
//
// # Matching in the scan
//
// Filter.Match evaluates a Filter directly on encoded bytes, with zero
// allocations (tests assert it): conditions walk the encoding, stopping at
// the first name past the one they look for, and compare strings in place.
// Match trusts that the bytes passed Validate; on other bytes its answer is
// unspecified but it never panics and stops within a pass over the bytes
// per condition. Filter.MatchSet applies the same semantics to a decoded
// Set; tests use it as the model for Match.
//
// # Limits
//
// Sets: MaxFields, MaxNameLen, MaxStringLen, MaxEncodedLen. Filters:
// MaxFilterDepth, MaxFilterNodes. Call Set.Validate and Filter.Validate on
// anything from a client; ParseSetJSON and ParseFilterJSON validate what
// they return. Errors wrap ErrInvalid (bad input) or ErrCorrupt (bad
// stored bytes), with the field or filter position in the message.
//
// # Concurrency
//
// Values and Filters are immutable and safe for concurrent use. A Set is a
// map: the usual rules for maps apply.
package attr
