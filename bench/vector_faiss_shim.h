// vector_faiss_shim.h: the C interface of vector_faiss_shim.cpp, the
// bench's own minimal extern "C" wrapper around FAISS's C++ classes
// (Debian's libfaiss.a holds no C API symbols).
//
// Every function returns NULL on success or a malloc'ed error message the
// caller frees; no C++ exception crosses this boundary.
#ifndef REEF_BENCH_VECTOR_FAISS_SHIM_H
#define REEF_BENCH_VECTOR_FAISS_SHIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rb_faiss_index rb_faiss_index;

// rb_faiss_version returns FAISS's version as "1.7.3" (static string).
const char* rb_faiss_version(void);

// rb_faiss_set_threads sets the OpenMP threads every later call on any
// thread uses (each entry point applies it to the calling thread).
void rb_faiss_set_threads(int n);

char* rb_faiss_new_flat(int d, rb_faiss_index** out);
char* rb_faiss_new_ivfflat(int d, int64_t nlist, rb_faiss_index** out);
char* rb_faiss_new_hnswflat(int d, int m, int ef_construction, rb_faiss_index** out);

char* rb_faiss_train(rb_faiss_index* ix, int64_t n, const float* x);
char* rb_faiss_add(rb_faiss_index* ix, int64_t n, const float* x);
int64_t rb_faiss_ntotal(rb_faiss_index* ix);

// rb_faiss_set_knob sets nprobe (IVF) or efSearch (HNSW); an error for a
// flat index.
char* rb_faiss_set_knob(rb_faiss_index* ix, int64_t v);

// rb_faiss_search runs n queries; distances and labels hold n*k values.
// Safe for concurrent use with other searches (not with add or set_knob).
char* rb_faiss_search(rb_faiss_index* ix, int64_t n, const float* x, int64_t k,
                      float* distances, int64_t* labels);

void rb_faiss_free(rb_faiss_index* ix);

#ifdef __cplusplus
}
#endif

#endif
