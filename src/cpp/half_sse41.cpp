// x86 version of the float16 conversion (half.hpp; SSE4.1 level): the scalar twin's three
// cases computed for 8 values at once and selected by comparison masks.
#include <smmintrin.h>

#include "half.hpp"

namespace dcn {
namespace {

__m128i four(const float* in) {
    const __m128i x = _mm_castps_si128(_mm_loadu_ps(in));
    const __m128i a = _mm_and_si128(x, _mm_set1_epi32(0x7fffffff));
    const __m128i sign = _mm_and_si128(_mm_srli_epi32(x, 16), _mm_set1_epi32(0x8000));
    // a <= 0x7fffffff, so signed comparisons order it correctly.
    const __m128i big = _mm_cmpgt_epi32(a, _mm_set1_epi32(0x477fefff));
    const __m128i nan = _mm_cmpgt_epi32(a, _mm_set1_epi32(0x7f800000));
    const __m128i tiny = _mm_cmplt_epi32(a, _mm_set1_epi32(0x38800000));
    const __m128i special = _mm_or_si128(_mm_set1_epi32(0x7c00), _mm_and_si128(nan, _mm_set1_epi32(0x200)));
    const __m128i sub = _mm_sub_epi32(_mm_castps_si128(_mm_add_ps(_mm_castsi128_ps(a), _mm_set1_ps(0.5f))),
                                      _mm_set1_epi32(0x3f000000));
    const __m128i odd = _mm_and_si128(_mm_srli_epi32(a, 13), _mm_set1_epi32(1));
    const __m128i normal =
        _mm_srli_epi32(_mm_add_epi32(_mm_add_epi32(a, _mm_set1_epi32(static_cast<int>(0xc8000fffu))), odd), 13);
    const __m128i h = _mm_blendv_epi8(_mm_blendv_epi8(normal, sub, tiny), special, big);
    return _mm_or_si128(sign, h);
}

}  // namespace

void to_half_sse41(const float* in, int64_t n, uint16_t* out) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm_packus_epi32(four(in + i), four(in + i + 4)));
    to_half_scalar(in + i, n - i, out + i);
}

}  // namespace dcn
