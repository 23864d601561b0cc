// Package server serves a directory of SatoriDB collections over HTTP/JSON:
// `reef vector serve` runs it alone, `reef up` mounts it under /vector/.
//
// # Main types
//
//   - Server owns a root directory. Each collection is a satori.DB in
//     <root>/<name>, plus collection.json holding the options satori does
//     not persist itself (durability, max_bucket, probes). Names are 1–64
//     characters of [a-zA-Z0-9_-] (ValidName).
//   - Handler(prefix) is the http.Handler for the API below.
//
// Collections are opened eagerly by New: every subdirectory of the root with
// a valid name and a database in it. One that fails to open fails New, with
// its name in the error, rather than serving a root with data silently
// missing. Empty subdirectories (left by a create that crashed) are skipped.
// Other entries of the root are ignored.
//
// # API (prefix /vector/)
//
//	PUT    collections/{name}             {"dim":128,"metric":"l2","durability":"sync","max_bucket":512,"probes":32} → 201 stats
//	GET    collections                    → {"collections":[stats...]}
//	GET    collections/{name}             → stats
//	DELETE collections/{name}             → {"deleted":"name"} (closes it and removes its directory)
//	POST   collections/{name}/points      {"points":[{"id":1,"vector":[...],"attrs":{...}}],"mode":"upsert|insert"} → {"count":N}
//	GET    collections/{name}/points/{id} → {"id":1,"vector":[...],"attrs":{...}}
//	DELETE collections/{name}/points/{id} → {"deleted":1}
//	POST   collections/{name}/search      {"vector":[...],"k":10,"probes":32,"filter":{...}}
//	                                      → {"results":[{"id":7,"distance":0.12}],"took_ms":0.8}
//	                                      {"vectors":[[...],[...]],"k":10} → {"results":[[...],[...]],"took_ms":...}
//	POST   collections/{name}/flush       → stats
//
// Request bodies are parsed strictly: unknown keys, ids that are not
// integers in 0..2^64-1, vector components that are not JSON numbers in
// the float32 range (null, strings) are 400 errors naming the field, such
// as `points[3].vector[17]: null is not a number`. Every error is
// {"error":"..."} with 400 (bad input), 404 (unknown collection, id or
// route), 405 (method), 409 (collection or id exists), 413 (body over
// Options.MaxBodyBytes), 503 (closed or request canceled), 500 otherwise.
//
// # Concurrency
//
// All methods and handlers are safe for concurrent use. Lock order:
// Server.mu, then collection.mu. Every request holds its collection's mu
// for reading while it uses the DB; DELETE and Close take it for writing,
// so a DB is closed only once the requests using it have returned (satori
// requires that). A panic in a handler is a bug: the recover middleware
// logs it with its stack, counts it in Metrics().Panics and answers 500.
package server
