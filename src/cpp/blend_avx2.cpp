// AVX2 + FMA blend kernel: the ops of blend_simd.hpp on 32 pixels per step. The blend is
// OpenCV's own float32 arithmetic (product, fused multiply-add, round-to-nearest-even
// conversion), so it is exact by construction; tests compare it with the scalar table and with
// cv2.addWeighted. No code here may run before dispatch has checked the CPU: keep constants in
// plain arrays.
#include <immintrin.h>

#include "blend.hpp"
#include "blend_patterns.hpp"
#include "blend_simd.hpp"

namespace dcn {
namespace {

struct Consts {
    __m256 alpha, beta;
    __m256 bg[3];      // background for 8 lanes whose first byte has channel phase p
    __m256i fill[4];   // outside value of vector j of a block (fill mode)
    __m256i bg_bytes[4];  // the background of vector j of a block (half mode)
    __m256i expand[4]; // pshufb patterns spreading pixel masks over the block's vectors
    __m256i w;         // fixed mode: weight and per-byte offsets in unpack order
    __m256i k_lo[4], k_hi[4];
};

// Two 16-byte halves (low first) as one vector.
inline __m256i halves(const void* lo, const void* hi) {
    return _mm256_set_m128i(_mm_loadu_si128(static_cast<const __m128i*>(hi)), _mm_loadu_si128(static_cast<const __m128i*>(lo)));
}

struct Avx2 {
    using Vec = __m256i;
    using Consts = dcn::Consts;
    static constexpr size_t kStep = 32;

    static Vec load(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
    static void store(uint8_t* p, Vec v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
    static Vec is_zero(Vec v) { return _mm256_cmpeq_epi8(v, _mm256_setzero_si256()); }
    static Vec either(Vec a, Vec b) { return _mm256_or_si256(a, b); }
    static bool none(Vec m) { return _mm256_testz_si256(m, m); }
    static Vec select(Vec a, Vec b, Vec m) { return _mm256_blendv_epi8(a, b, m); }
    // unpacklo/hi and packus work per 128-bit lane: lo holds bytes 0-7 and 16-23, hi 8-15
    // and 24-31, and narrow puts them back in order (consts give K in the same order).
    static Vec scaled_lo(Vec v) { return _mm256_unpacklo_epi8(_mm256_setzero_si256(), v); }
    static Vec scaled_hi(Vec v) { return _mm256_unpackhi_epi8(_mm256_setzero_si256(), v); }
    static Vec narrow(Vec lo, Vec hi) { return _mm256_packus_epi16(lo, hi); }
    static Vec mulhi16(Vec a, Vec b) { return _mm256_mulhi_epu16(a, b); }
    static Vec avg8(Vec a, Vec b) { return _mm256_avg_epu8(a, b); }
    static Vec xor8(Vec a, Vec b) { return _mm256_xor_si256(a, b); }
    static Vec and8(Vec a, Vec b) { return _mm256_and_si256(a, b); }
    static Vec sub8(Vec a, Vec b) { return _mm256_sub_epi8(a, b); }
    static Vec set8(uint8_t v) { return _mm256_set1_epi8(static_cast<char>(v)); }
    static Vec add16(Vec a, Vec b) { return _mm256_add_epi16(a, b); }
    static Vec and16(Vec a, Vec b) { return _mm256_and_si256(a, b); }
    static Vec eq16(Vec a, Vec b) { return _mm256_cmpeq_epi16(a, b); }
    static Vec shr8(Vec a) { return _mm256_srli_epi16(a, 8); }
    static Vec set16(uint16_t v) { return _mm256_set1_epi16(static_cast<short>(v)); }

    template <int C, BlendPlan::Mode M>
    static Consts consts(const BlendPlan& plan) {
        using Mode = BlendPlan::Mode;
        constexpr bool weighted = M == Mode::fixed || M == Mode::affine;
        Consts k;
        if constexpr (M == Mode::blend) {
            k.alpha = _mm256_set1_ps(plan.alpha);
            k.beta = _mm256_set1_ps(plan.beta);
            for (int p = 0; p < 3; ++p) k.bg[p] = _mm256_loadu_ps(plan.bg_repeat + p);
        }
        for (int j = 0; j < C; ++j) {
            if constexpr (M == Mode::fill) k.fill[j] = load(plan.fill_repeat + 32 * j);
            if constexpr (M == Mode::half) k.bg_bytes[j] = load(plan.bg_byte_repeat + 32 * j);
            if constexpr (weighted) {
                const uint16_t* kr = plan.fixed_k_repeat + 32 * j;
                k.k_lo[j] = halves(kr, kr + 16);
                k.k_hi[j] = halves(kr + 8, kr + 24);
            }
        }
        if constexpr (weighted) k.w = set16(plan.fixed_w);
        if constexpr (C == 3) {
            k.expand[0] = halves(kBgrExpand[0], kBgrExpand[1]);
            k.expand[1] = halves(kBgrExpand[2], kBgrExpand[0]);
            k.expand[2] = halves(kBgrExpand[1], kBgrExpand[2]);
        } else if constexpr (C == 4) {
            for (int j = 0; j < 4; ++j) k.expand[j] = halves(kBgraExpand[(2 * j) % 4], kBgraExpand[(2 * j + 1) % 4]);
        }
        return k;
    }

    // Byte masks of the block's C vectors from 32 pixel-mask bytes (z: 0xFF where outside).
    template <int C>
    static void spread(Vec z, const Consts& k, Vec out[C]) {
        if constexpr (C == 1) {
            out[0] = z;
        } else {
            const Vec lo = _mm256_permute2x128_si256(z, z, 0x00), hi = _mm256_permute2x128_si256(z, z, 0x11);
            if constexpr (C == 3) {
                out[0] = _mm256_shuffle_epi8(lo, k.expand[0]);
                out[1] = _mm256_shuffle_epi8(z, k.expand[1]);
                out[2] = _mm256_shuffle_epi8(hi, k.expand[2]);
            } else {
                for (int j = 0; j < 4; ++j) out[j] = _mm256_shuffle_epi8(j < 2 ? lo : hi, k.expand[j]);
            }
        }
    }

    // 8 bytes -> 8 exact blended values as int32.
    static Vec blend8(const uint8_t* s, __m256 bg, const Consts& k) {
        const __m256 x = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(s))));
        return _mm256_cvtps_epi32(_mm256_fmadd_ps(bg, k.alpha, _mm256_mul_ps(x, k.beta)));
    }

    // 32 bytes at byte offset `off` (a multiple of 32) of a block whose channel phase is 0.
    template <int C>
    static Vec blend(const uint8_t* s, int off, const Consts& k) {
        auto phase = [&](int g) { return C == 3 ? (off + 8 * g) % 3 : 0; };
        const Vec i0 = blend8(s, k.bg[phase(0)], k), i1 = blend8(s + 8, k.bg[phase(1)], k);
        const Vec i2 = blend8(s + 16, k.bg[phase(2)], k), i3 = blend8(s + 24, k.bg[phase(3)], k);
        const Vec b = _mm256_packus_epi16(_mm256_packus_epi32(i0, i1), _mm256_packus_epi32(i2, i3));
        return _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    }
};

}  // namespace

void blend_row_avx2(const uint8_t* src, const uint8_t* mask, uint8_t* dst, size_t n, const BlendPlan& plan) {
    blend_row_variants<Avx2>(true, src, mask, dst, n, plan);
}

}  // namespace dcn
