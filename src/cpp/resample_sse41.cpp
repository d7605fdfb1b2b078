// x86 versions of the resample loops (resample.hpp; SSE4.1 level, the vertical pass needs only SSE2).
#include <smmintrin.h>

#include <cstring>

#include "resample.hpp"

namespace dcn {

void resample_row_sse41(const uint8_t* row, int64_t row_bytes, const Taps* t, int64_t n, int channels, int32_t* out) {
    if (channels < 3) return resample_row_scalar(row, row_bytes, t, n, channels, out);
    // Horizontal taps are neighbours (o1 == o0 + C) or the second weight is 0, so one 8-byte
    // load at o0 holds both pixels; pshufb makes int16 pairs (p0[c], p1[c]) of their channels and
    // one multiply-add with (w0, w1) gives the 4 sums. For 3 channels the 4th sum is garbage
    // that lands in the next pixel's slot, which the next step rewrites (see ResampleRowFn).
    const __m128i pairs = channels == 3 ? _mm_setr_epi8(0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1, -1, -1, -1)
                                        : _mm_setr_epi8(0, -1, 4, -1, 1, -1, 5, -1, 2, -1, 6, -1, 3, -1, 7, -1);
    int64_t i = 0;
    for (; i < n && t[i].o0 + 8 <= row_bytes; ++i, out += channels) {
        const __m128i px = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + t[i].o0));
        uint32_t w;
        std::memcpy(&w, t[i].w, 4);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out),
                         _mm_madd_epi16(_mm_shuffle_epi8(px, pairs), _mm_set1_epi32(static_cast<int>(w))));
    }
    resample_row_scalar(row, row_bytes, t + i, n - i, channels, out);
}

void combine_rows_sse41(const int32_t* a, const int32_t* b, int16_t w0, int16_t w1, int64_t n, uint8_t* out) {
    const __m128i b0 = _mm_set1_epi16(w0), b1 = _mm_set1_epi16(w1), two = _mm_set1_epi16(2);
    auto load = [](const int32_t* p) {
        return _mm_packs_epi32(_mm_srai_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), 4),
                               _mm_srai_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 4)), 4));
    };
    auto eight = [&](int64_t i) {
        const __m128i s = _mm_adds_epi16(_mm_mulhi_epi16(load(a + i), b0), _mm_mulhi_epi16(load(b + i), b1));
        return _mm_srai_epi16(_mm_adds_epi16(s, two), 2);
    };
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm_packus_epi16(eight(i), eight(i + 8)));
    combine_rows_scalar(a + i, b + i, w0, w1, n - i, out + i);
}

namespace {

// pshufb masks for 16 interleaved pixels of C channels, read as C loads of 16 bytes:
// m[c][q] puts pixel j's channel c at byte j when it lies in load q, else zero.
struct PlaneMasks {
    alignas(16) int8_t m[4][4][16];
};

template <int C>
constexpr PlaneMasks make_masks() {
    PlaneMasks pm{};
    for (int c = 0; c < C; ++c)
        for (int q = 0; q < C; ++q)
            for (int j = 0; j < 16; ++j) {
                const int at = j * C + c - 16 * q;
                pm.m[c][q][j] = static_cast<int8_t>(at >= 0 && at < 16 ? at : -1);
            }
    return pm;
}

constexpr PlaneMasks kMasks3 = make_masks<3>();
constexpr PlaneMasks kMasks4 = make_masks<4>();

template <int C>
void planarize_blocks(const uint8_t* line, int64_t blocks, const int* perm, uint8_t* const* planes) {
    const PlaneMasks& pm = C == 3 ? kMasks3 : kMasks4;
    for (int64_t b = 0; b < blocks; ++b, line += 16 * C) {
        __m128i in[C];
        for (int q = 0; q < C; ++q) in[q] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(line + 16 * q));
        for (int k = 0; k < C; ++k) {
            const int c = perm[k];
            __m128i v = _mm_setzero_si128();
            for (int q = 0; q < C; ++q)
                v = _mm_or_si128(v, _mm_shuffle_epi8(in[q], _mm_load_si128(reinterpret_cast<const __m128i*>(pm.m[c][q]))));
            _mm_storeu_si128(reinterpret_cast<__m128i*>(planes[k] + 16 * b), v);
        }
    }
}

}  // namespace

void planarize_sse41(const uint8_t* line, int64_t w, int channels, const int* perm, uint8_t* const* planes) {
    // 16 pixels per step with pshufb; the rest (and 1-2 channel rows) by the scalar twin.
    planarize_in_blocks(line, w, channels, perm, planes, channels >= 3, [&](int64_t blocks) {
        if (channels == 3) planarize_blocks<3>(line, blocks, perm, planes);
        if (channels == 4) planarize_blocks<4>(line, blocks, perm, planes);
    });
}

}  // namespace dcn
