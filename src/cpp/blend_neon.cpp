// NEON blend kernel (AArch64): the ops of blend_simd.hpp on 16 pixels per step. The blend is
// OpenCV's float32 arithmetic as on x86: the product v * beta rounded to float32 by its own
// multiply, then one fused multiply-add (vfmaq_f32: bg * alpha + product, a single rounding),
// then round-to-nearest-even conversion; so it is exact by construction, like AVX2 + FMA.
// The build pins -ffp-contract=off: GCC implements vmulq_f32 as a plain `*`, which it may
// otherwise fuse into neighbouring additions.
#include <arm_neon.h>

#include "blend.hpp"
#include "blend_patterns.hpp"
#include "blend_simd.hpp"

namespace dcn {
namespace {

struct Consts {
    float32x4_t alpha, beta;
    float32x4_t bg[3];     // background for 4 lanes whose first byte has channel phase p
    uint8x16_t fill[4];    // outside value of vector j of a block (fill mode)
    uint8x16_t bg_bytes[4];  // the background of vector j of a block (half mode)
    uint8x16_t expand[4];  // tbl patterns spreading pixel masks over the block's vectors
    uint16x8_t w;          // fixed mode: weight and per-byte offsets
    uint16x8_t k_lo[4], k_hi[4];
};

struct Neon {
    using Vec = uint8x16_t;
    using Consts = dcn::Consts;
    static constexpr size_t kStep = 16;

    static Vec load(const void* p) { return vld1q_u8(static_cast<const uint8_t*>(p)); }
    static void store(uint8_t* p, Vec v) { vst1q_u8(p, v); }
    static Vec is_zero(Vec v) { return vceqzq_u8(v); }
    static Vec either(Vec a, Vec b) { return vorrq_u8(a, b); }
    static bool none(Vec m) { return vmaxvq_u8(m) == 0; }
    static Vec select(Vec a, Vec b, Vec m) { return vbslq_u8(m, b, a); }
    // The 16-bit lanes are their own type; narrow only sees shifted values (0..255), so the
    // unsigned saturating narrow equals x86's packus.
    static uint16x8_t scaled_lo(Vec v) { return vshll_n_u8(vget_low_u8(v), 8); }
    static uint16x8_t scaled_hi(Vec v) { return vshll_high_n_u8(v, 8); }
    static Vec narrow(uint16x8_t lo, uint16x8_t hi) { return vqmovn_high_u16(vqmovn_u16(lo), hi); }
    static Vec avg8(Vec a, Vec b) { return vrhaddq_u8(a, b); }
    static Vec xor8(Vec a, Vec b) { return veorq_u8(a, b); }
    static Vec and8(Vec a, Vec b) { return vandq_u8(a, b); }
    static Vec sub8(Vec a, Vec b) { return vsubq_u8(a, b); }
    static Vec set8(uint8_t v) { return vdupq_n_u8(v); }
    static uint16x8_t mulhi16(uint16x8_t a, uint16x8_t b) {  // the odd u16 halves of the u32 products
        return vuzp2q_u16(vreinterpretq_u16_u32(vmull_u16(vget_low_u16(a), vget_low_u16(b))),
                          vreinterpretq_u16_u32(vmull_high_u16(a, b)));
    }
    static uint16x8_t add16(uint16x8_t a, uint16x8_t b) { return vaddq_u16(a, b); }
    static uint16x8_t and16(uint16x8_t a, uint16x8_t b) { return vandq_u16(a, b); }
    static uint16x8_t eq16(uint16x8_t a, uint16x8_t b) { return vceqq_u16(a, b); }
    static uint16x8_t shr8(uint16x8_t a) { return vshrq_n_u16(a, 8); }
    static uint16x8_t set16(uint16_t v) { return vdupq_n_u16(v); }

    template <int C, BlendPlan::Mode M>
    static Consts consts(const BlendPlan& plan) {
        using Mode = BlendPlan::Mode;
        constexpr bool weighted = M == Mode::fixed || M == Mode::affine;
        Consts k;
        if constexpr (M == Mode::blend) {
            k.alpha = vdupq_n_f32(plan.alpha);
            k.beta = vdupq_n_f32(plan.beta);
            for (int p = 0; p < 3; ++p) k.bg[p] = vld1q_f32(plan.bg_repeat + p);
        }
        for (int j = 0; j < C; ++j) {
            if constexpr (M == Mode::fill) k.fill[j] = load(plan.fill_repeat + 16 * j);
            if constexpr (M == Mode::half) k.bg_bytes[j] = load(plan.bg_byte_repeat + 16 * j);
            if constexpr (weighted) {
                k.k_lo[j] = vld1q_u16(plan.fixed_k_repeat + 16 * j);
                k.k_hi[j] = vld1q_u16(plan.fixed_k_repeat + 16 * j + 8);
            }
        }
        if constexpr (weighted) k.w = set16(plan.fixed_w);
        if constexpr (C > 1)
            for (int j = 0; j < C; ++j) k.expand[j] = load(C == 3 ? kBgrExpand[j % 3] : kBgraExpand[j]);
        return k;
    }

    template <int C>
    static void spread(Vec z, const Consts& k, Vec out[C]) {
        for (int j = 0; j < C; ++j) out[j] = C == 1 ? z : vqtbl1q_u8(z, k.expand[j]);
    }

    // 4 widened bytes -> 4 exact blended values as int32.
    static int32x4_t blend4(uint16x4_t v, float32x4_t bg, const Consts& k) {
        const float32x4_t product = vmulq_f32(vcvtq_f32_u32(vmovl_u16(v)), k.beta);
        return vcvtnq_s32_f32(vfmaq_f32(product, bg, k.alpha));
    }

    // 16 bytes at byte offset `off` of a block whose channel phase is 0.
    template <int C>
    static Vec blend(const uint8_t* s, int off, const Consts& k) {
        auto bg = [&](int g) { return k.bg[C == 3 ? (off + 4 * g) % 3 : 0]; };
        const Vec v = load(s);
        const uint16x8_t lo = vmovl_u8(vget_low_u8(v)), hi = vmovl_high_u8(v);
        const uint16x8_t a = vqmovun_high_s32(vqmovun_s32(blend4(vget_low_u16(lo), bg(0), k)), blend4(vget_high_u16(lo), bg(1), k));
        const uint16x8_t b = vqmovun_high_s32(vqmovun_s32(blend4(vget_low_u16(hi), bg(2), k)), blend4(vget_high_u16(hi), bg(3), k));
        return vqmovn_high_u16(vqmovn_u16(a), b);
    }
};

}  // namespace

void blend_row_neon(const uint8_t* src, const uint8_t* mask, uint8_t* dst, size_t n, const BlendPlan& plan) {
    blend_row_variants<Neon>(true, src, mask, dst, n, plan);
}

}  // namespace dcn
