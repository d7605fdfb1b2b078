// AVX-512 blend kernel (F, BW, VL and VBMI), two ways. On a grey background the outside value
// is looked up in the plan's exact table, 64 bytes at a time, so every opacity costs the same
// and is exact by construction: vpermi2b picks bytes from 128 table entries by the index's low
// 7 bits; the index's bit 7 chooses which half's result a lane keeps. Masked loads and stores
// do the parts of a row that are not a whole block: a head up to the output's next 64-byte line
// (rows of 128 pixels or more) and, in place or in rows under one block, the end. On a coloured
// background (six lookups per vector) the affine and float paths are blend_simd.hpp's
// arithmetic on 64-byte vectors instead, the same operations as the AVX2 kernel's. No code here
// may run before dispatch has checked the CPU: constants are plain arrays.
#include <immintrin.h>

#include "blend.hpp"
#include "blend_patterns.hpp"
#include "blend_simd.hpp"

namespace dcn {
namespace {

template <int C>
constexpr const Block64<C>& layout() {
    if constexpr (C == 3)
        return kBlock64Bgr;
    else
        return kBlock64Bgra;
}

// blend_simd.hpp's ops on 64 pixels per step, those of its affine and float modes; byte masks are kept as vectors (0xFF lanes) as
// that header's block loop expects, converted to and from mask registers where an instruction
// needs one. Permutes and conversions use their zero-masking forms: GCC 12 warns about the
// plain ones' undefined merge source.
struct Consts {
    __m512 alpha, beta;
    __m512 bg[3];  // background for 16 lanes whose first byte has channel phase p
    __m512i w;     // affine mode: weight and per-byte offsets in unpack order
    __m512i k_lo[4], k_hi[4];
    __m512i expand[4];  // vpermb patterns spreading pixel masks over the block's vectors
};

struct Avx512 {
    using Vec = __m512i;
    using Consts = dcn::Consts;
    static constexpr size_t kStep = 64;

    static Vec load(const void* p) { return _mm512_loadu_si512(p); }
    static void store(uint8_t* p, Vec v) { _mm512_storeu_si512(p, v); }
    static Vec is_zero(Vec v) { return _mm512_movm_epi8(_mm512_testn_epi8_mask(v, v)); }
    static Vec either(Vec a, Vec b) { return _mm512_or_si512(a, b); }
    static bool none(Vec m) { return _mm512_test_epi8_mask(m, m) == 0; }
    static Vec select(Vec a, Vec b, Vec m) { return _mm512_mask_blend_epi8(_mm512_movepi8_mask(m), a, b); }
    // unpacklo/hi and packus work per 128-bit lane, as in AVX2: consts give K in that order.
    static Vec scaled_lo(Vec v) { return _mm512_unpacklo_epi8(_mm512_setzero_si512(), v); }
    static Vec scaled_hi(Vec v) { return _mm512_unpackhi_epi8(_mm512_setzero_si512(), v); }
    static Vec narrow(Vec lo, Vec hi) { return _mm512_packus_epi16(lo, hi); }
    static Vec mulhi16(Vec a, Vec b) { return _mm512_mulhi_epu16(a, b); }
    static Vec add16(Vec a, Vec b) { return _mm512_add_epi16(a, b); }
    static Vec shr8(Vec a) { return _mm512_srli_epi16(a, 8); }
    static Vec set16(uint16_t v) { return _mm512_set1_epi16(static_cast<short>(v)); }

    template <int C, BlendPlan::Mode M>
    static Consts consts(const BlendPlan& plan) {
        using Mode = BlendPlan::Mode;
        static_assert(M == Mode::affine || M == Mode::blend, "the modes blend_row_avx512 sends here");
        Consts k;
        if constexpr (M == Mode::blend) {
            k.alpha = _mm512_set1_ps(plan.alpha);
            k.beta = _mm512_set1_ps(plan.beta);
            // Lane l of phase p has channel (p + l) % C; bg_repeat[i] is channel i % C's.
            alignas(64) static constexpr int32_t phase[3][16] = {
                {0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0},
                {1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1},
                {2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2}};
            const __m512 bg = _mm512_load_ps(plan.bg_repeat);
            for (int p = 0; p < 3; ++p)
                k.bg[p] = C == 3 ? _mm512_maskz_permutexvar_ps(0xFFFF, _mm512_load_si512(phase[p]), bg) : bg;
        }
        if constexpr (M == Mode::affine) {
            k.w = set16(plan.fixed_w);
            for (int j = 0; j < C; ++j) {
                // Vector j starts at byte 64 j, whose channel is (64 j) % C: K from there.
                const uint16_t* kr = plan.fixed_k_repeat + (64 * j) % C;
                const Vec a = _mm512_loadu_si512(kr), b = _mm512_loadu_si512(kr + 32);
                k.k_lo[j] = _mm512_maskz_shuffle_i64x2(0xFF, a, b, _MM_SHUFFLE(2, 0, 2, 0));  // bytes 0-7, 16-23, ...
                k.k_hi[j] = _mm512_maskz_shuffle_i64x2(0xFF, a, b, _MM_SHUFFLE(3, 1, 3, 1));  // bytes 8-15, 24-31, ...
            }
        }
        if constexpr (C > 1)
            for (int j = 0; j < C; ++j) k.expand[j] = _mm512_load_si512(layout<C>().pixel[j]);
        return k;
    }

    // Byte masks of the block's C vectors from 64 pixel-mask bytes (z: 0xFF where outside).
    template <int C>
    static void spread(Vec z, const Consts& k, Vec out[C]) {
        if constexpr (C == 1)
            out[0] = z;
        else
            for (int j = 0; j < C; ++j) out[j] = _mm512_maskz_permutexvar_epi8(~__mmask64{0}, k.expand[j], z);
    }

    // 16 bytes -> 16 exact blended values as int32 (the AVX2 kernel's arithmetic, 16 lanes).
    static Vec blend16(const uint8_t* s, __m512 bg, const Consts& k) {
        constexpr __mmask16 all = 0xFFFF;
        const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
        const __m512 x = _mm512_maskz_cvtepi32_ps(all, _mm512_maskz_cvtepu8_epi32(all, bytes));
        return _mm512_maskz_cvtps_epi32(all, _mm512_fmadd_ps(bg, k.alpha, _mm512_mul_ps(x, k.beta)));
    }

    // 64 bytes at byte offset `off` (a multiple of 64) of a block whose channel phase is 0.
    template <int C>
    static Vec blend(const uint8_t* s, int off, const Consts& k) {
        auto phase = [&](int g) { return C == 3 ? (off + 16 * g) % 3 : 0; };
        const Vec i0 = blend16(s, k.bg[phase(0)], k), i1 = blend16(s + 16, k.bg[phase(1)], k);
        const Vec i2 = blend16(s + 32, k.bg[phase(2)], k), i3 = blend16(s + 48, k.bg[phase(3)], k);
        // Lane q of the packed vector holds 4 bytes of each group, group d at dword 4 q + d.
        const Vec b = _mm512_packus_epi16(_mm512_packus_epi32(i0, i1), _mm512_packus_epi32(i2, i3));
        return _mm512_maskz_permutexvar_epi32(0xFFFF, _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15), b);
    }
};

// The table (every channel's) as four 64-byte quarters.
struct Table {
    __m512i q[4];
    explicit Table(const BlendPlan& plan) {
        for (int k = 0; k < 4; ++k) q[k] = _mm512_loadu_si512(plan.table[0] + 64 * k);
    }
};

// s with the lanes in `out` replaced by their table values: both halves of the table looked
// up for every lane (vpermi2b by the index's low 7 bits), the index's bit 7 picking one. Two
// independent lookups and two selects: the merge-masked form (the second lookup merging into
// the first's result, no selects) chained the lookups and was slower on Zen 4
// (benchmarks/native/floors.cpp, K1 0.6: 94.0 us against 81.7).
inline __m512i replace(__m512i s, __mmask64 out, const Table& t) {
    const __m512i lo = _mm512_permutex2var_epi8(t.q[0], s, t.q[1]), hi = _mm512_permutex2var_epi8(t.q[2], s, t.q[3]);
    return _mm512_mask_blend_epi8(out, s, _mm512_mask_blend_epi8(_mm512_movepi8_mask(s), lo, hi));
}

// Lanes of vector j that hold one of the block's first `bytes` bytes.
inline __mmask64 first_lanes(size_t bytes, int j) {
    const size_t start = 64 * static_cast<size_t>(j);
    if (bytes >= start + 64) return ~__mmask64{0};
    return bytes <= start ? 0 : ~uint64_t{0} >> (start + 64 - bytes);
}

// One block of 64 pixels (C vectors), or of its first `pixels` when Tail: kept where the mask
// says inside, else the table value; a block wholly inside the mask is copied.
template <int C, bool PerByte, bool Tail>
inline void blend_block(const uint8_t* src, const uint8_t* mask, uint8_t* dst, const Table& t, size_t pixels) {
    __mmask64 keep[C];
    each_vector<C>([&](int j) { keep[j] = Tail ? first_lanes(pixels * C, j) : ~__mmask64{0}; });
    auto load = [&](const uint8_t* p, __mmask64 k) {
        return Tail ? _mm512_maskz_loadu_epi8(k, p) : _mm512_loadu_si512(p);
    };
    auto store = [&](uint8_t* p, __mmask64 k, __m512i v) {
        if constexpr (Tail)
            _mm512_mask_storeu_epi8(p, k, v);
        else
            _mm512_storeu_si512(p, v);
    };
    __mmask64 out[C], any = 0;
    if constexpr (PerByte) {
        each_vector<C>([&](int j) {
            const __m512i m = load(mask + 64 * j, keep[j]);
            out[j] = _mm512_testn_epi8_mask(m, m) & keep[j];
            any |= out[j];
        });
    } else {
        const __mmask64 pixel_lanes = Tail ? first_lanes(pixels, 0) : ~__mmask64{0};
        const __m512i m = load(mask, pixel_lanes);
        any = _mm512_testn_epi8_mask(m, m) & pixel_lanes;
        if (any) {
            each_vector<C>([&](int j) {
                if constexpr (C == 1) {
                    out[j] = any;
                } else {
                    // The zero-masking form: GCC 12 warns about the plain one's undefined merge source.
                    const __m512i spread = _mm512_maskz_permutexvar_epi8(~__mmask64{0}, _mm512_load_si512(layout<C>().pixel[j]), m);
                    out[j] = _mm512_testn_epi8_mask(spread, spread) & keep[j];
                }
            });
        }
    }
    if (!any) {
        if (src != dst) each_vector<C>([&](int j) { store(dst + 64 * j, keep[j], load(src + 64 * j, keep[j])); });
        return;
    }
    each_vector<C>([&](int j) {
        store(dst + 64 * j, keep[j], replace(load(src + 64 * j, keep[j]), out[j], t));
    });
}

// Pixels before dst + pixels * C is 64-byte aligned (0 where no whole pixel count reaches it).
template <int C>
size_t pixels_to_alignment(const uint8_t* dst) {
    const size_t gap = (64 - (reinterpret_cast<uintptr_t>(dst) & 63)) & 63;
    if constexpr (C == 3)
        return (gap * 43) & 63;  // 3 * 43 = 1 (mod 64)
    else
        return gap % C == 0 ? gap / C : 0;
}

template <int C, bool PerByte>
void blend_row_blocks(const uint8_t* src, const uint8_t* mask, uint8_t* dst, size_t n, const BlendPlan& plan) {
    constexpr size_t mask_bytes = PerByte ? C : 1;  // mask bytes per pixel
    const Table t(plan);
    size_t i = 0;
    if (n >= 128) {  // a masked head, so that the whole blocks' stores do not straddle cache lines
        i = pixels_to_alignment<C>(dst);
        if (i) blend_block<C, PerByte, true>(src, mask, dst, t, i);
    }
    for (; i + 64 <= n; i += 64)
        blend_block<C, PerByte, false>(src + i * C, mask + i * mask_bytes, dst + i * C, t, 64);
    if (i == n) return;
    if (i > 0 && src != dst) {  // one more whole block ending at the row's end: masked stores cost more
        i = n - 64;
        blend_block<C, PerByte, false>(src + i * C, mask + i * mask_bytes, dst + i * C, t, 64);
    } else {
        blend_block<C, PerByte, true>(src + i * C, mask + i * mask_bytes, dst + i * C, t, n - i);
    }
}

template <int C>
void blend_by_layout(const uint8_t* src, const uint8_t* mask, uint8_t* dst, size_t n, const BlendPlan& plan) {
    (plan.mask_per_byte ? blend_row_blocks<C, true> : blend_row_blocks<C, false>)(src, mask, dst, n, plan);
}

// Coloured backgrounds in the affine and float modes, rows of a whole block or more.
template <int C, bool PerByte>
void arithmetic_row(const uint8_t* src, const uint8_t* mask, uint8_t* dst, size_t n, const BlendPlan& plan) {
    using M = BlendPlan::Mode;
    if (plan.mode == M::affine)
        dcn::blend_row_blocks<Avx512, C, PerByte, M::affine>(src, mask, dst, n, plan);
    else
        dcn::blend_row_blocks<Avx512, C, PerByte, M::blend>(src, mask, dst, n, plan);
}

template <int C>
void arithmetic_by_layout(const uint8_t* src, const uint8_t* mask, uint8_t* dst, size_t n, const BlendPlan& plan) {
    (plan.mask_per_byte ? arithmetic_row<C, true> : arithmetic_row<C, false>)(src, mask, dst, n, plan);
}

}  // namespace

void blend_row_avx512(const uint8_t* src, const uint8_t* mask, uint8_t* dst, size_t n, const BlendPlan& plan) {
    // Grey backgrounds: lookups where the AVX2 kernel does arithmetic (affine, fixed, float).
    // Coloured ones: the affine and float arithmetic on 64-byte vectors, for rows of a block or
    // more (shorter ones would end in the scalar kernel). Measured on Zen 4 against AVX2
    // (benchmarks/native/floors.cpp): affine 9% and float 7% faster; fixed was 6% slower (its
    // rounding test needs mask-to-vector moves here) and stays AVX2, as do fill and half.
    using M = BlendPlan::Mode;
    const bool arithmetic = plan.mode == M::affine || plan.mode == M::fixed || plan.mode == M::blend;
    const bool wide = !plan.shared_table && (plan.mode == M::affine || plan.mode == M::blend) && n >= Avx512::kStep;
    switch (arithmetic && (plan.shared_table || wide) ? plan.channels : 0) {
        case 1: return (wide ? arithmetic_by_layout<1> : blend_by_layout<1>)(src, mask, dst, n, plan);
        case 3: return (wide ? arithmetic_by_layout<3> : blend_by_layout<3>)(src, mask, dst, n, plan);
        case 4: return (wide ? arithmetic_by_layout<4> : blend_by_layout<4>)(src, mask, dst, n, plan);
        default: return blend_row_avx2(src, mask, dst, n, plan);
    }
}

}  // namespace dcn
