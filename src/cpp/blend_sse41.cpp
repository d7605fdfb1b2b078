// SSE4.1 kernel: 16 pixels per step. SSE4.1 has no FMA, so the fused multiply-add is done
// in double: bg * alpha is exact in double (8-bit x 24-bit), and adding the float product is
// exact too while both weights are 0 or >= 2^-22, so one rounding to float gives fma's result.
// Weights below that (never seen in practice) use the scalar table.
#include <smmintrin.h>

#include <cstring>

#include "blend.hpp"
#include "blend_patterns.hpp"
#include "blend_simd.hpp"

namespace dcn {
namespace {

inline __m128i load16(const uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
inline void store16(uint8_t* p, __m128i v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }

struct Consts {
    __m128 beta;
    __m128d bga_lo[3], bga_hi[3];  // bg * alpha (exact, double) for 4 lanes of channel phase p
    __m128i fill[4];
    __m128i expand[4];
    __m128i w, k_lo[4], k_hi[4];  // fixed mode
};

Consts make_consts(const BlendPlan& plan) {
    const int C = plan.channels;
    Consts k;
    k.beta = _mm_set1_ps(plan.beta);
    const __m128d alpha = _mm_set1_pd(plan.alpha);
    for (int p = 0; p < 3; ++p) {  // exact: 8-bit x 24-bit products fit a double
        k.bga_lo[p] = _mm_mul_pd(_mm_cvtps_pd(_mm_loadu_ps(plan.bg_repeat + p)), alpha);
        k.bga_hi[p] = _mm_mul_pd(_mm_cvtps_pd(_mm_loadu_ps(plan.bg_repeat + p + 2)), alpha);
    }
    for (int j = 0; j < C; ++j) {
        k.fill[j] = load16(plan.fill_repeat + 16 * j);
        k.k_lo[j] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(plan.fixed_k_repeat + 16 * j));
        k.k_hi[j] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(plan.fixed_k_repeat + 16 * j + 8));
    }
    k.w = _mm_set1_epi16(static_cast<short>(plan.fixed_w));
    for (int j = 0; j < 4; ++j) k.expand[j] = load16(C == 3 ? kBgrExpand[j % 3] : kBgraExpand[j]);
    return k;
}

inline __m128i blend4(const uint8_t* s, int phase, const Consts& k) {
    int32_t four;
    std::memcpy(&four, s, 4);
    const __m128 p = _mm_mul_ps(_mm_cvtepi32_ps(_mm_cvtepu8_epi32(_mm_cvtsi32_si128(four))), k.beta);
    const __m128d lo = _mm_add_pd(k.bga_lo[phase], _mm_cvtps_pd(p));
    const __m128d hi = _mm_add_pd(k.bga_hi[phase], _mm_cvtps_pd(_mm_movehl_ps(p, p)));
    return _mm_cvtps_epi32(_mm_movelh_ps(_mm_cvtpd_ps(lo), _mm_cvtpd_ps(hi)));
}

template <int C>
inline __m128i blend16(const uint8_t* s, int off, const Consts& k) {
    auto phase = [&](int g) { return C == 3 ? (off + 4 * g) % 3 : 0; };
    const __m128i i0 = blend4(s, phase(0), k), i1 = blend4(s + 4, phase(1), k);
    const __m128i i2 = blend4(s + 8, phase(2), k), i3 = blend4(s + 12, phase(3), k);
    return _mm_packus_epi16(_mm_packus_epi32(i0, i1), _mm_packus_epi32(i2, i3));
}

inline __m128i fixed16(__m128i s, int j, const Consts& k) {
    const __m128i zero = _mm_setzero_si128(), one = _mm_set1_epi16(1), half = _mm_set1_epi16(127);
    auto round = [&](__m128i y) {
        const __m128i odd = _mm_and_si128(_mm_srli_epi16(y, 8), one);
        return _mm_srli_epi16(_mm_add_epi16(_mm_add_epi16(y, half), odd), 8);
    };
    const __m128i lo = _mm_add_epi16(_mm_mullo_epi16(_mm_unpacklo_epi8(s, zero), k.w), k.k_lo[j]);
    const __m128i hi = _mm_add_epi16(_mm_mullo_epi16(_mm_unpackhi_epi8(s, zero), k.w), k.k_hi[j]);
    return _mm_packus_epi16(round(lo), round(hi));
}

// One block of 16 pixels.
template <int C, bool PerByte, BlendPlan::Mode M>
inline void blend_block(const uint8_t* src, const uint8_t* mask, uint8_t* dst, const Consts& k) {
    __m128i outside[C];
    if constexpr (PerByte) {
        __m128i any = _mm_setzero_si128();
        for (int j = 0; j < C; ++j) {
            outside[j] = _mm_cmpeq_epi8(load16(mask + 16 * j), _mm_setzero_si128());
            any = _mm_or_si128(any, outside[j]);
        }
        if (_mm_testz_si128(any, any)) {
            if (src != dst) std::memcpy(dst, src, 16 * C);
            return;
        }
    } else {
        const __m128i z = _mm_cmpeq_epi8(load16(mask), _mm_setzero_si128());
        if (_mm_testz_si128(z, z)) {
            if (src != dst) std::memcpy(dst, src, 16 * C);
            return;
        }
        for (int j = 0; j < C; ++j) outside[j] = C == 1 ? z : _mm_shuffle_epi8(z, k.expand[j]);
    }
    for (int j = 0; j < C; ++j) {
        const __m128i s = load16(src + 16 * j);
        __m128i o;
        if constexpr (M == BlendPlan::Mode::fill)
            o = k.fill[j];
        else if constexpr (M == BlendPlan::Mode::fixed)
            o = fixed16(s, j, k);
        else
            o = blend16<C>(src + 16 * j, 16 * j, k);
        store16(dst + 16 * j, _mm_blendv_epi8(s, o, outside[j]));
    }
}

bool double_sum_is_exact(const BlendPlan& plan) {
    constexpr float kMin = 1.0f / (1 << 22);
    auto ok = [](float w) { return w == 0.f || w >= kMin; };
    return ok(plan.alpha) && ok(plan.beta);
}

struct Kernel {
    static constexpr size_t kStep = 16;
    static Consts consts(const BlendPlan& plan) { return make_consts(plan); }
    template <int C, bool PerByte, BlendPlan::Mode M>
    static void block(const uint8_t* src, const uint8_t* mask, uint8_t* dst, const Consts& k) {
        blend_block<C, PerByte, M>(src, mask, dst, k);
    }
};

}  // namespace

void blend_row_sse41(const uint8_t* src, const uint8_t* mask, uint8_t* dst, size_t n, const BlendPlan& plan) {
    const bool exact = plan.mode != BlendPlan::Mode::blend || double_sum_is_exact(plan);
    blend_row_variants<Kernel>(exact, src, mask, dst, n, plan);
}

}  // namespace dcn
