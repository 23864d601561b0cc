// go:build constraint below keeps FAISS out of the lean vector child (-tags reefonly).
//go:build !reefonly

// vector_faiss_shim.cpp: see vector_faiss_shim.h.

#include "vector_faiss_shim.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>

#include <omp.h>

#include <faiss/Index.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVFFlat.h>

struct rb_faiss_index {
    std::unique_ptr<faiss::Index> index;
    faiss::IndexIVF* ivf = nullptr;    // index, when it is an IVF index
    faiss::IndexHNSW* hnsw = nullptr;  // index, when it is an HNSW index
};

namespace {

std::atomic<int> g_threads{1};

char* dup_error(const char* what) {
    size_t n = std::strlen(what);
    char* s = static_cast<char*>(std::malloc(n + 1));
    if (s != nullptr) {
        std::memcpy(s, what, n + 1);
    }
    return s;
}

// guard runs f, turning any exception into an error message.
template <typename F>
char* guard(F f) {
    try {
        omp_set_num_threads(g_threads.load(std::memory_order_relaxed));
        f();
        return nullptr;
    } catch (const std::exception& e) {
        return dup_error(e.what());
    } catch (...) {
        return dup_error("faiss: unknown C++ exception");
    }
}

}  // namespace

extern "C" {

const char* rb_faiss_version(void) {
#define RB_STR2(x) #x
#define RB_STR(x) RB_STR2(x)
    return RB_STR(FAISS_VERSION_MAJOR) "." RB_STR(FAISS_VERSION_MINOR) "." RB_STR(FAISS_VERSION_PATCH);
}

void rb_faiss_set_threads(int n) {
    g_threads.store(n < 1 ? 1 : n, std::memory_order_relaxed);
}

char* rb_faiss_new_flat(int d, rb_faiss_index** out) {
    *out = nullptr;
    return guard([&] {
        auto ix = std::make_unique<rb_faiss_index>();
        ix->index = std::make_unique<faiss::IndexFlatL2>(d);
        *out = ix.release();
    });
}

char* rb_faiss_new_ivfflat(int d, int64_t nlist, rb_faiss_index** out) {
    *out = nullptr;
    return guard([&] {
        auto ix = std::make_unique<rb_faiss_index>();
        auto quantizer = std::make_unique<faiss::IndexFlatL2>(d);
        auto ivf = std::make_unique<faiss::IndexIVFFlat>(quantizer.get(), d, nlist, faiss::METRIC_L2);
        ivf->own_fields = true;  // ivf deletes the quantizer
        quantizer.release();
        ix->ivf = ivf.get();
        ix->index = std::move(ivf);
        *out = ix.release();
    });
}

char* rb_faiss_new_hnswflat(int d, int m, int ef_construction, rb_faiss_index** out) {
    *out = nullptr;
    return guard([&] {
        auto ix = std::make_unique<rb_faiss_index>();
        auto hnsw = std::make_unique<faiss::IndexHNSWFlat>(d, m, faiss::METRIC_L2);
        hnsw->hnsw.efConstruction = ef_construction;
        ix->hnsw = hnsw.get();
        ix->index = std::move(hnsw);
        *out = ix.release();
    });
}

char* rb_faiss_train(rb_faiss_index* ix, int64_t n, const float* x) {
    return guard([&] { ix->index->train(n, x); });
}

char* rb_faiss_add(rb_faiss_index* ix, int64_t n, const float* x) {
    return guard([&] { ix->index->add(n, x); });
}

int64_t rb_faiss_ntotal(rb_faiss_index* ix) {
    return ix->index->ntotal;
}

char* rb_faiss_set_knob(rb_faiss_index* ix, int64_t v) {
    return guard([&] {
        if (v < 1) {
            throw std::invalid_argument("knob must be at least 1");
        }
        if (ix->ivf != nullptr) {
            ix->ivf->nprobe = static_cast<size_t>(v);
        } else if (ix->hnsw != nullptr) {
            ix->hnsw->hnsw.efSearch = static_cast<int>(v);
        } else {
            throw std::invalid_argument("index has no search knob");
        }
    });
}

char* rb_faiss_search(rb_faiss_index* ix, int64_t n, const float* x, int64_t k,
                      float* distances, int64_t* labels) {
    return guard([&] { ix->index->search(n, x, k, distances, labels); });
}

void rb_faiss_free(rb_faiss_index* ix) {
    delete ix;
}

}  // extern "C"
