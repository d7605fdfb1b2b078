// What differs between compilers: overflow-checked arithmetic (GCC/clang builtins, a plain
// check for MSVC) and aligned allocation (posix_memalign / _aligned_malloc, each with its own free).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>

#if defined(_WIN32)
#include <malloc.h>
#endif

namespace dcn {

// *out = a * b (a + b); true when that overflows, as the GCC/clang builtins report it.
inline bool mul_overflow(size_t a, size_t b, size_t* out) {
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_mul_overflow(a, b, out);
#else
    if (a != 0 && b > std::numeric_limits<size_t>::max() / a) return true;
    *out = a * b;
    return false;
#endif
}

inline bool add_overflow(size_t a, size_t b, size_t* out) {
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_add_overflow(a, b, out);
#else
    if (b > std::numeric_limits<size_t>::max() - a) return true;
    *out = a + b;
    return false;
#endif
}

inline bool mul_overflow(int64_t a, int64_t b, int64_t* out) {
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_mul_overflow(a, b, out);
#else
    constexpr int64_t hi = std::numeric_limits<int64_t>::max(), lo = std::numeric_limits<int64_t>::min();
    const bool over = a > 0 ? (b > 0 ? a > hi / b : b < lo / a) : (b > 0 ? a < lo / b : a != 0 && b < hi / a);
    if (over) return true;
    *out = a * b;
    return false;
#endif
}

// `bytes` (> 0) aligned to `align` (a power of two, a multiple of sizeof(void*)); nullptr on failure.
inline void* aligned_alloc_bytes(size_t align, size_t bytes) {
#if defined(_WIN32)
    return _aligned_malloc(bytes, align);
#else
    void* p = nullptr;
    return posix_memalign(&p, align, bytes) == 0 ? p : nullptr;
#endif
}

inline void aligned_free(void* p) noexcept {
#if defined(_WIN32)
    _aligned_free(p);
#else
    std::free(p);
#endif
}

}  // namespace dcn
