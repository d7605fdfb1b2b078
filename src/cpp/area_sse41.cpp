// x86 versions of the INTER_AREA loops (area.hpp; SSE4.1 level): area_simd.hpp's loops over
// SSE4.1 intrinsics. Each lane does the scalar twin's float32 operations in the same order, so
// the results are identical.
#include <smmintrin.h>

#include <cstring>

#include "area_simd.hpp"

namespace dcn {
namespace {

struct Ops {
    using F = __m128;
    using I = __m128i;
    static F zero() { return _mm_setzero_ps(); }
    static F pixel(const uint8_t* p) {
        int32_t bytes;
        std::memcpy(&bytes, p, 4);
        return _mm_cvtepi32_ps(_mm_cvtepu8_epi32(_mm_cvtsi32_si128(bytes)));
    }
    static F mul(F a, float b) { return _mm_mul_ps(a, _mm_set1_ps(b)); }
    static F add(F a, F b) { return _mm_add_ps(a, b); }
    static F load(const float* p) { return _mm_loadu_ps(p); }
    static void store(float* p, F v) { _mm_storeu_ps(p, v); }
    static I round(F v) { return _mm_cvtps_epi32(v); }  // half to even under the default MXCSR, as lrint
    static I loadi(const int32_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
    static F to_float(I v) { return _mm_cvtepi32_ps(v); }
    static I quarter(I v) { return _mm_srai_epi32(_mm_add_epi32(v, _mm_set1_epi32(2)), 2); }
    static void store16(const I* v, uint8_t* out) {  // negative values cannot occur here
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out),
                         _mm_packus_epi16(_mm_packs_epi32(v[0], v[1]), _mm_packs_epi32(v[2], v[3])));
    }
};

}  // namespace

void area_row_sse41(const uint8_t* row, int64_t row_bytes, const AreaTap* t, const int32_t* first, int64_t n,
                    int channels, float* buf) {
    area_row_simd<Ops>(row, row_bytes, t, first, n, channels, buf);
}

void area_accumulate_sse41(float* sum, const float* buf, float beta, int64_t n, bool start) {
    area_accumulate_simd<Ops>(sum, buf, beta, n, start);
}

void area_finish_sse41(const float* sum, int64_t n, uint8_t* out) { area_finish_simd<Ops>(sum, n, out); }

void area_finish_int_sse41(const int32_t* s, int64_t n, int area, bool quarter, uint8_t* out) {
    area_finish_int_simd<Ops>(s, n, area, quarter, out);
}

}  // namespace dcn
