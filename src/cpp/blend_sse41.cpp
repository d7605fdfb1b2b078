// SSE4.1 blend kernel: the ops of blend_simd.hpp on 16 pixels per step. SSE4.1 has no FMA,
// so the fused multiply-add is done in double: bg * alpha is exact in double (8-bit x 24-bit),
// and adding the float product is exact too while both weights are 0 or >= 2^-22, so one
// rounding to float gives fma's result. Weights below that (never seen in practice) use the
// scalar table.
#include <smmintrin.h>

#include <cstring>

#include "blend.hpp"
#include "blend_patterns.hpp"
#include "blend_simd.hpp"

namespace dcn {
namespace {

struct Consts {
    __m128 beta;
    __m128d bga_lo[3], bga_hi[3];  // bg * alpha (exact, double) for 4 lanes of channel phase p
    __m128i fill[4];
    __m128i bg_bytes[4];  // half mode
    __m128i expand[4];
    __m128i w, k_lo[4], k_hi[4];  // fixed mode
};

struct Sse41 {
    using Vec = __m128i;
    using Consts = dcn::Consts;
    static constexpr size_t kStep = 16;

    static Vec load(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }
    static void store(uint8_t* p, Vec v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }
    static Vec is_zero(Vec v) { return _mm_cmpeq_epi8(v, _mm_setzero_si128()); }
    static Vec either(Vec a, Vec b) { return _mm_or_si128(a, b); }
    static bool none(Vec m) { return _mm_testz_si128(m, m); }
    static Vec select(Vec a, Vec b, Vec m) { return _mm_blendv_epi8(a, b, m); }
    static Vec scaled_lo(Vec v) { return _mm_unpacklo_epi8(_mm_setzero_si128(), v); }
    static Vec scaled_hi(Vec v) { return _mm_unpackhi_epi8(_mm_setzero_si128(), v); }
    static Vec narrow(Vec lo, Vec hi) { return _mm_packus_epi16(lo, hi); }
    static Vec mulhi16(Vec a, Vec b) { return _mm_mulhi_epu16(a, b); }
    static Vec avg8(Vec a, Vec b) { return _mm_avg_epu8(a, b); }
    static Vec xor8(Vec a, Vec b) { return _mm_xor_si128(a, b); }
    static Vec and8(Vec a, Vec b) { return _mm_and_si128(a, b); }
    static Vec sub8(Vec a, Vec b) { return _mm_sub_epi8(a, b); }
    static Vec set8(uint8_t v) { return _mm_set1_epi8(static_cast<char>(v)); }
    static Vec add16(Vec a, Vec b) { return _mm_add_epi16(a, b); }
    static Vec and16(Vec a, Vec b) { return _mm_and_si128(a, b); }
    static Vec eq16(Vec a, Vec b) { return _mm_cmpeq_epi16(a, b); }
    static Vec shr8(Vec a) { return _mm_srli_epi16(a, 8); }
    static Vec set16(uint16_t v) { return _mm_set1_epi16(static_cast<short>(v)); }

    template <int C, BlendPlan::Mode M>
    static Consts consts(const BlendPlan& plan) {
        using Mode = BlendPlan::Mode;
        constexpr bool weighted = M == Mode::fixed || M == Mode::affine;
        Consts k;
        if constexpr (M == Mode::blend) {
            k.beta = _mm_set1_ps(plan.beta);
            const __m128d alpha = _mm_set1_pd(plan.alpha);
            for (int p = 0; p < 3; ++p) {  // exact: 8-bit x 24-bit products fit a double
                k.bga_lo[p] = _mm_mul_pd(_mm_cvtps_pd(_mm_loadu_ps(plan.bg_repeat + p)), alpha);
                k.bga_hi[p] = _mm_mul_pd(_mm_cvtps_pd(_mm_loadu_ps(plan.bg_repeat + p + 2)), alpha);
            }
        }
        for (int j = 0; j < C; ++j) {
            if constexpr (M == Mode::fill) k.fill[j] = load(plan.fill_repeat + 16 * j);
            if constexpr (M == Mode::half) k.bg_bytes[j] = load(plan.bg_byte_repeat + 16 * j);
            if constexpr (weighted) {
                k.k_lo[j] = load(plan.fixed_k_repeat + 16 * j);
                k.k_hi[j] = load(plan.fixed_k_repeat + 16 * j + 8);
            }
        }
        if constexpr (weighted) k.w = set16(plan.fixed_w);
        if constexpr (C > 1)
            for (int j = 0; j < C; ++j) k.expand[j] = load(C == 3 ? kBgrExpand[j % 3] : kBgraExpand[j]);
        return k;
    }

    template <int C>
    static void spread(Vec z, const Consts& k, Vec out[C]) {
        for (int j = 0; j < C; ++j) out[j] = C == 1 ? z : _mm_shuffle_epi8(z, k.expand[j]);
    }

    // 4 bytes -> 4 blended values as int32.
    static Vec blend4(const uint8_t* s, int phase, const Consts& k) {
        int32_t four;
        std::memcpy(&four, s, 4);
        const __m128 p = _mm_mul_ps(_mm_cvtepi32_ps(_mm_cvtepu8_epi32(_mm_cvtsi32_si128(four))), k.beta);
        const __m128d lo = _mm_add_pd(k.bga_lo[phase], _mm_cvtps_pd(p));
        const __m128d hi = _mm_add_pd(k.bga_hi[phase], _mm_cvtps_pd(_mm_movehl_ps(p, p)));
        return _mm_cvtps_epi32(_mm_movelh_ps(_mm_cvtpd_ps(lo), _mm_cvtpd_ps(hi)));
    }

    // 16 bytes at byte offset `off` of a block whose channel phase is 0.
    template <int C>
    static Vec blend(const uint8_t* s, int off, const Consts& k) {
        auto phase = [&](int g) { return C == 3 ? (off + 4 * g) % 3 : 0; };
        const Vec i0 = blend4(s, phase(0), k), i1 = blend4(s + 4, phase(1), k);
        const Vec i2 = blend4(s + 8, phase(2), k), i3 = blend4(s + 12, phase(3), k);
        return _mm_packus_epi16(_mm_packus_epi32(i0, i1), _mm_packus_epi32(i2, i3));
    }
};

bool double_sum_is_exact(const BlendPlan& plan) {
    constexpr float kMin = 1.0f / (1 << 22);
    auto ok = [](float w) { return w == 0.f || w >= kMin; };
    return ok(plan.alpha) && ok(plan.beta);
}

}  // namespace

void blend_row_sse41(const uint8_t* src, const uint8_t* mask, uint8_t* dst, size_t n, const BlendPlan& plan) {
    const bool exact = plan.mode != BlendPlan::Mode::blend || double_sum_is_exact(plan);
    blend_row_variants<Sse41>(exact, src, mask, dst, n, plan);
}

}  // namespace dcn
