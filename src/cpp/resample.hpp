// The inner loops of the fused crop + resize, in OpenCV's INTER_LINEAR fixed point
// (11-bit weights). Each has a portable twin (resample_scalar.cpp), an x86 SIMD version
// (resample_sse41.cpp) and a NEON one (resample_neon.cpp); tests check they agree bit for bit.
#pragma once
#include <cstddef>
#include <cstdint>

namespace dcn {

// One output coordinate's two source taps and their weights. Horizontal taps hold byte
// offsets into a row (pixel index * channels), vertical taps hold row indices.
struct Taps {
    int32_t o0, o1;
    int16_t w[2];
};

// out[x * C + c] = row[t[x].o0 + c] * w0 + row[t[x].o1 + c] * w1 for x < n; `row_bytes` is the
// row's length, which the SIMD version must not read past. `out` has room for one extra int32.
using ResampleRowFn = void (*)(const uint8_t* row, int64_t row_bytes, const Taps* t, int64_t n, int channels,
                               int32_t* out);

// OpenCV's VResizeLinearVec_32s8u: out[i] = sat_u8((hi16(w0 * (a[i] >> 4)) + hi16(w1 * (b[i] >> 4)) + 2) >> 2),
// where hi16(x) = x >> 16.
using CombineRowsFn = void (*)(const int32_t* a, const int32_t* b, int16_t w0, int16_t w1, int64_t n, uint8_t* out);

// Split an interleaved row of w pixels into planes: planes[k][x] = line[x * C + perm[k]]
// (perm reorders channels, e.g. BGR -> RGB).
using PlanarizeFn = void (*)(const uint8_t* line, int64_t w, int channels, const int* perm, uint8_t* const* planes);

void planarize_scalar(const uint8_t* line, int64_t w, int channels, const int* perm, uint8_t* const* planes);

// Planarize for the SIMD files: blocks(n) splits the row's first n whole 16-pixel blocks (n = 0
// unless `simd`), the scalar twin the rest. A template instantiated with each file's own lambda,
// so no code compiled for one instruction set is shared with another.
template <class Blocks>
void planarize_in_blocks(const uint8_t* line, int64_t w, int channels, const int* perm, uint8_t* const* planes,
                         bool simd, Blocks blocks) {
    const int64_t n = simd ? w / 16 : 0;
    if (n > 0) blocks(n);
    uint8_t* rest[4];
    for (int k = 0; k < channels; ++k) rest[k] = planes[k] + 16 * n;
    planarize_scalar(line + 16 * n * channels, w - 16 * n, channels, perm, rest);
}

void resample_row_scalar(const uint8_t* row, int64_t row_bytes, const Taps* t, int64_t n, int channels, int32_t* out);
void combine_rows_scalar(const int32_t* a, const int32_t* b, int16_t w0, int16_t w1, int64_t n, uint8_t* out);
#if defined(DYNACROP_X86)
void resample_row_sse41(const uint8_t* row, int64_t row_bytes, const Taps* t, int64_t n, int channels, int32_t* out);
void planarize_sse41(const uint8_t* line, int64_t w, int channels, const int* perm, uint8_t* const* planes);
void combine_rows_sse41(const int32_t* a, const int32_t* b, int16_t w0, int16_t w1, int64_t n, uint8_t* out);
#endif
#if defined(DYNACROP_NEON)
void resample_row_neon(const uint8_t* row, int64_t row_bytes, const Taps* t, int64_t n, int channels, int32_t* out);
void planarize_neon(const uint8_t* line, int64_t w, int channels, const int* perm, uint8_t* const* planes);
void combine_rows_neon(const int32_t* a, const int32_t* b, int16_t w0, int16_t w1, int64_t n, uint8_t* out);
#endif

}  // namespace dcn
