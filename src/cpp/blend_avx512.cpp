// AVX-512 blend kernel (F, BW, VL and VBMI): the outside value is looked up in the plan's exact
// table, 64 bytes at a time, so every opacity costs the same and is exact by construction.
// vpermi2b picks bytes from 128 table entries by the index's low 7 bits; the index's bit 7
// chooses which half's result a lane keeps. It needs one table for all channels (a grey
// background); other plans go to the AVX2 kernel. Masked loads and stores do the parts of a
// row that are not a whole block: a head up to the output's next 64-byte line (rows of 128
// pixels or more) and, in place or in rows under one block, the end. No code here may run
// before dispatch has checked the CPU: constants are plain arrays.
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

// The table (every channel's) as four 64-byte quarters.
struct Table {
    __m512i q[4];
    explicit Table(const BlendPlan& plan) {
        for (int k = 0; k < 4; ++k) q[k] = _mm512_loadu_si512(plan.table[0] + 64 * k);
    }
};

// s with the lanes in `out` replaced by their table values.
inline __m512i replace(__m512i s, __mmask64 out, const Table& t) {
    const __mmask64 high = _mm512_movepi8_mask(s);
    const __m512i r = _mm512_mask_mov_epi8(s, out & ~high, _mm512_permutex2var_epi8(t.q[0], s, t.q[1]));
    return _mm512_mask_mov_epi8(r, out & high, _mm512_permutex2var_epi8(t.q[2], s, t.q[3]));
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

}  // namespace

void blend_row_avx512(const uint8_t* src, const uint8_t* mask, uint8_t* dst, size_t n, const BlendPlan& plan) {
    // The lookups win where the AVX2 kernel does arithmetic (affine, fixed, float) on a grey
    // background; fill and half are as cheap in AVX2, and a coloured background's lookups
    // (six per vector) lose to it (benchmarks/native/floors.cpp).
    using M = BlendPlan::Mode;
    const bool lookup = plan.shared_table && (plan.mode == M::affine || plan.mode == M::fixed || plan.mode == M::blend);
    switch (lookup ? plan.channels : 0) {
        case 1: return blend_by_layout<1>(src, mask, dst, n, plan);
        case 3: return blend_by_layout<3>(src, mask, dst, n, plan);
        case 4: return blend_by_layout<4>(src, mask, dst, n, plan);
        default: return blend_row_avx2(src, mask, dst, n, plan);
    }
}

}  // namespace dcn
