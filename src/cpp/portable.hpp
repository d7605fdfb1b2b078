// What differs between compilers: overflow-checked arithmetic (GCC/clang builtins, a plain
// check for MSVC).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>

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

}  // namespace dcn
