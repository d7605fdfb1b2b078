// AVX2 + FMA kernel: 32 pixels per step. The blend is OpenCV's own float32 arithmetic
// (product, fused multiply-add, round-to-nearest-even conversion), so it is exact by
// construction; tests compare it with the scalar table and with cv2.addWeighted.
// No code here may run before dispatch has checked the CPU: keep constants in plain arrays.
#include <immintrin.h>

#include <cstring>

#include "blend.hpp"
#include "blend_patterns.hpp"
#include "blend_simd.hpp"

namespace dcn {
namespace {

inline __m256i load32(const uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
inline void store32(uint8_t* p, __m256i v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
inline __m256i pattern(const uint8_t* lo, const uint8_t* hi) {
    return _mm256_set_m128i(_mm_loadu_si128(reinterpret_cast<const __m128i*>(hi)),
                            _mm_loadu_si128(reinterpret_cast<const __m128i*>(lo)));
}

inline __m256i pattern_u16(const uint16_t* lo, const uint16_t* hi) {
    return _mm256_set_m128i(_mm_loadu_si128(reinterpret_cast<const __m128i*>(hi)),
                            _mm_loadu_si128(reinterpret_cast<const __m128i*>(lo)));
}

struct Consts {
    __m256 alpha, beta;
    __m256 bg[3];      // background for 8 lanes whose first byte has channel phase p
    __m256i fill[4];   // outside value of vector j of a block (fill mode)
    __m256i expand[4]; // pshufb patterns spreading pixel masks over the block's vectors
    __m256i w;         // fixed mode: weight and per-byte offsets in unpack order
    __m256i k_lo[4], k_hi[4];
};

Consts make_consts(const BlendPlan& plan) {
    const int C = plan.channels;
    Consts k;
    k.alpha = _mm256_set1_ps(plan.alpha);
    k.beta = _mm256_set1_ps(plan.beta);
    for (int p = 0; p < 3; ++p) k.bg[p] = _mm256_loadu_ps(plan.bg_repeat + p);
    for (int j = 0; j < C; ++j) {
        k.fill[j] = load32(plan.fill_repeat + 32 * j);
        // unpacklo/hi work per 128-bit lane: lo holds bytes 0-7 and 16-23, hi 8-15 and 24-31.
        const uint16_t* kr = plan.fixed_k_repeat + 32 * j;
        k.k_lo[j] = pattern_u16(kr, kr + 16);
        k.k_hi[j] = pattern_u16(kr + 8, kr + 24);
    }
    k.w = _mm256_set1_epi16(static_cast<short>(plan.fixed_w));
    if (C == 3) {
        k.expand[0] = pattern(kBgrExpand[0], kBgrExpand[1]);
        k.expand[1] = pattern(kBgrExpand[2], kBgrExpand[0]);
        k.expand[2] = pattern(kBgrExpand[1], kBgrExpand[2]);
    } else if (C == 4) {
        for (int j = 0; j < 4; ++j) k.expand[j] = pattern(kBgraExpand[(2 * j) % 4], kBgraExpand[(2 * j + 1) % 4]);
    }
    return k;
}

// 8 bytes -> 8 exact blended values as int32.
inline __m256i blend8(const uint8_t* s, __m256 bg, const Consts& k) {
    const __m256 x = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(s))));
    return _mm256_cvtps_epi32(_mm256_fmadd_ps(bg, k.alpha, _mm256_mul_ps(x, k.beta)));
}

// 32 bytes at byte offset `off` (a multiple of 32) of a block whose channel phase is 0.
template <int C>
inline __m256i blend32(const uint8_t* s, int off, const Consts& k) {
    auto phase = [&](int g) { return C == 3 ? (off + 8 * g) % 3 : 0; };
    const __m256i i0 = blend8(s, k.bg[phase(0)], k), i1 = blend8(s + 8, k.bg[phase(1)], k);
    const __m256i i2 = blend8(s + 16, k.bg[phase(2)], k), i3 = blend8(s + 24, k.bg[phase(3)], k);
    const __m256i b = _mm256_packus_epi16(_mm256_packus_epi32(i0, i1), _mm256_packus_epi32(i2, i3));
    return _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

// 32 bytes in 16-bit fixed point: (y + 127 + ((y >> 8) & 1)) >> 8 with y = v * w + k.
inline __m256i fixed32(__m256i s, int j, const Consts& k) {
    const __m256i zero = _mm256_setzero_si256(), one = _mm256_set1_epi16(1), half = _mm256_set1_epi16(127);
    auto round = [&](__m256i y) {
        const __m256i odd = _mm256_and_si256(_mm256_srli_epi16(y, 8), one);
        return _mm256_srli_epi16(_mm256_add_epi16(_mm256_add_epi16(y, half), odd), 8);
    };
    const __m256i lo = _mm256_add_epi16(_mm256_mullo_epi16(_mm256_unpacklo_epi8(s, zero), k.w), k.k_lo[j]);
    const __m256i hi = _mm256_add_epi16(_mm256_mullo_epi16(_mm256_unpackhi_epi8(s, zero), k.w), k.k_hi[j]);
    return _mm256_packus_epi16(round(lo), round(hi));
}

// Bytes of vector j (of C) that lie outside the mask, as 0xFF; from 32 pixel-mask bytes.
template <int C>
inline void outside_pixels(const uint8_t* m, const Consts& k, __m256i out[C]) {
    const __m256i z = _mm256_cmpeq_epi8(load32(m), _mm256_setzero_si256());
    if constexpr (C == 1) {
        out[0] = z;
    } else {
        const __m256i lo = _mm256_permute2x128_si256(z, z, 0x00), hi = _mm256_permute2x128_si256(z, z, 0x11);
        if constexpr (C == 3) {
            out[0] = _mm256_shuffle_epi8(lo, k.expand[0]);
            out[1] = _mm256_shuffle_epi8(z, k.expand[1]);
            out[2] = _mm256_shuffle_epi8(hi, k.expand[2]);
        } else {
            for (int j = 0; j < 4; ++j) out[j] = _mm256_shuffle_epi8(j < 2 ? lo : hi, k.expand[j]);
        }
    }
}

// One block of 32 pixels.
template <int C, bool PerByte, BlendPlan::Mode M>
inline void blend_block(const uint8_t* src, const uint8_t* mask, uint8_t* dst, const Consts& k) {
    __m256i outside[C];
    if constexpr (PerByte) {
        __m256i any = _mm256_setzero_si256();
        for (int j = 0; j < C; ++j) {
            outside[j] = _mm256_cmpeq_epi8(load32(mask + 32 * j), _mm256_setzero_si256());
            any = _mm256_or_si256(any, outside[j]);
        }
        if (_mm256_testz_si256(any, any)) {  // whole block inside the mask: keep it
            if (src != dst) std::memcpy(dst, src, 32 * C);
            return;
        }
    } else {
        const __m256i z = _mm256_cmpeq_epi8(load32(mask), _mm256_setzero_si256());
        if (_mm256_testz_si256(z, z)) {
            if (src != dst) std::memcpy(dst, src, 32 * C);
            return;
        }
        outside_pixels<C>(mask, k, outside);
    }
    for (int j = 0; j < C; ++j) {
        const __m256i s = load32(src + 32 * j);
        __m256i o;
        if constexpr (M == BlendPlan::Mode::fill)
            o = k.fill[j];
        else if constexpr (M == BlendPlan::Mode::fixed)
            o = fixed32(s, j, k);
        else
            o = blend32<C>(src + 32 * j, 32 * j, k);
        store32(dst + 32 * j, _mm256_blendv_epi8(s, o, outside[j]));
    }
}

struct Kernel {
    static constexpr size_t kStep = 32;
    static Consts consts(const BlendPlan& plan) { return make_consts(plan); }
    template <int C, bool PerByte, BlendPlan::Mode M>
    static void block(const uint8_t* src, const uint8_t* mask, uint8_t* dst, const Consts& k) {
        blend_block<C, PerByte, M>(src, mask, dst, k);
    }
};

}  // namespace

void blend_row_avx2(const uint8_t* src, const uint8_t* mask, uint8_t* dst, size_t n, const BlendPlan& plan) {
    blend_row_variants<Kernel>(true, src, mask, dst, n, plan);
}

}  // namespace dcn
