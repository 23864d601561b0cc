// Package cli is the `reef vector` command: serve a directory of SatoriDB
// collections over HTTP (satori/server), import vector files into a
// collection, and measure recall and speed against exact ground truth.
//
//	reef vector serve  --dir DIR [--addr 127.0.0.1:7071]
//	reef vector import --dir DIR --collection NAME --file F [--format auto|fvecs|bvecs|npy|csv]
//	reef vector bench  --synthetic N --dim D | --dir DIR --collection NAME --queries F (--truth F.ivecs | --base F)
//
// A collection is the directory DIR/NAME, as the server lays it out, so
// import and serve work on the same DIR (not at the same time: a
// collection is opened by one process at a time).
//
// Input formats are streamed record by record (fvecs, bvecs, csv) so a
// file larger than memory can be imported; npy is read whole. Malformed
// input is an error wrapping ErrMalformed that names the record (0-based,
// fvecs/bvecs) or the line (1-based, csv).
package cli
