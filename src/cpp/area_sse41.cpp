// x86 versions of the INTER_AREA loops (area.hpp; SSE4.1 level). Each lane does the scalar
// twin's float32 operations in the same order, so the results are identical.
#include <smmintrin.h>

#include <cstring>

#include "area.hpp"

namespace dcn {

void area_row_sse41(const uint8_t* row, int64_t row_bytes, const AreaTap* t, const int32_t* first, int64_t n,
                    int channels, float* buf) {
    if (channels < 3) return area_row_scalar(row, row_bytes, t, first, n, channels, buf);
    // One pixel's channels per 4-lane vector: a 4-byte load (3 channels: the 4th lane reads the
    // next pixel's byte and is discarded), widened to float, times the tap's weight, added.
    int64_t x = 0;
    for (; x < n; ++x, buf += channels) {
        const int32_t k1 = first[x + 1];
        if (k1 > first[x] && t[k1 - 1].o + 4 > row_bytes) break;  // the last pixel: scalar
        __m128 acc = _mm_setzero_ps();
        for (int32_t k = first[x]; k < k1; ++k) {
            int32_t bytes;
            std::memcpy(&bytes, row + t[k].o, 4);
            const __m128i px = _mm_cvtepu8_epi32(_mm_cvtsi32_si128(bytes));
            acc = _mm_add_ps(acc, _mm_mul_ps(_mm_cvtepi32_ps(px), _mm_set1_ps(t[k].alpha)));
        }
        if (channels == 4) {
            _mm_storeu_ps(buf, acc);
        } else {
            alignas(16) float v[4];
            _mm_store_ps(v, acc);
            buf[0] = v[0], buf[1] = v[1], buf[2] = v[2];
        }
    }
    area_row_scalar(row, row_bytes, t, first + x, n - x, channels, buf);
}

void area_accumulate_sse41(float* sum, const float* buf, float beta, int64_t n, bool start) {
    const __m128 b = _mm_set1_ps(beta);
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const __m128 p = _mm_mul_ps(b, _mm_loadu_ps(buf + i));
        _mm_storeu_ps(sum + i, start ? p : _mm_add_ps(_mm_loadu_ps(sum + i), p));
    }
    area_accumulate_scalar(sum + i, buf + i, beta, n - i, start);
}

namespace {

// 16 int32 to 16 saturated uint8 (negative values cannot occur here).
void store16(const __m128i* v, uint8_t* out) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out),
                     _mm_packus_epi16(_mm_packs_epi32(v[0], v[1]), _mm_packs_epi32(v[2], v[3])));
}

}  // namespace

void area_finish_sse41(const float* sum, int64_t n, uint8_t* out) {
    // cvtps rounds half to even under the default MXCSR, as lrint does.
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i v[4];
        for (int q = 0; q < 4; ++q) v[q] = _mm_cvtps_epi32(_mm_loadu_ps(sum + i + 4 * q));
        store16(v, out + i);
    }
    area_finish_scalar(sum + i, n - i, out + i);
}

void area_finish_int_sse41(const int32_t* s, int64_t n, int area, bool quarter, uint8_t* out) {
    const __m128 scale = _mm_set1_ps(1.f / static_cast<float>(area));
    const __m128i two = _mm_set1_epi32(2);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i v[4];
        for (int q = 0; q < 4; ++q) {
            const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + 4 * q));
            v[q] = quarter ? _mm_srai_epi32(_mm_add_epi32(x, two), 2)
                           : _mm_cvtps_epi32(_mm_mul_ps(_mm_cvtepi32_ps(x), scale));
        }
        store16(v, out + i);
    }
    area_finish_int_scalar(s + i, n - i, area, quarter, out + i);
}

}  // namespace dcn
