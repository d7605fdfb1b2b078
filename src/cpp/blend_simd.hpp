// The SIMD blend written once for every instruction set: the block loop over a row, the
// fixed-point step and the expansion of a call's runtime shape (channels, mask layout, mode)
// into compile-time variants. Each ISA file supplies a small ops struct of its intrinsics and
// instantiates blend_row_variants with it from an anonymous namespace, so no code compiled for
// one instruction set is shared with another.
//
// Ops: Vec (kStep bytes) and Consts (Ops::consts(plan): fill[j], w, k_lo[j], k_hi[j], the
// per-call constants of vector j of a block); load, store, is_zero (0xFF where a byte is 0),
// either (or), none (all bits zero), select(a, b, m) (b where m, else a); spread<C>(z, k, out)
// (pixel-mask bytes -> byte masks of the block's C vectors); blend<C>(src, offset, k) (one
// vector of the float32 blend, exact per the ISA's own trick); and 16-bit lanes for the fixed
// point: scaled_lo/scaled_hi (bytes -> u16 halves times 256, as Vec or as the ISA's own 16-bit
// vector type, NEON's uint16x8_t), narrow (saturate back in byte order), add16, mulhi16 (high
// half of the unsigned product), and16, eq16 (all ones where equal), shr8, set16;
// and bytes for the half mode: avg8 (average rounded up), xor8, and8, sub8, set8.
#pragma once
#include <utility>

#include "blend.hpp"

namespace dcn {

// Fixed mode on one vector: (z >> 8) - ((z & 0x1FF) == 0x100) with z = the high half of
// (v * 256) * w, + K: the outside value rounded half to even (fixed_point_value).
template <class Ops>
inline typename Ops::Vec fixed_point(typename Ops::Vec s, int j, const typename Ops::Consts& k) {
    const auto low9 = Ops::set16(0x1FF), odd_tie = Ops::set16(0x100);
    auto round = [&](auto z) { return Ops::add16(Ops::shr8(z), Ops::eq16(Ops::and16(z, low9), odd_tie)); };
    return Ops::narrow(round(Ops::add16(Ops::mulhi16(Ops::scaled_lo(s), k.w), k.k_lo[j])),
                       round(Ops::add16(Ops::mulhi16(Ops::scaled_hi(s), k.w), k.k_hi[j])));
}

// f(0), ..., f(C - 1) written out: compilers at -O2 keep a loop over a block's vectors, and
// with it the vectors spilled to the stack (measured: benchmarks/native/floors.cpp).
template <class F, int... J>
inline void each_index(F& f, std::integer_sequence<int, J...>) {
    (f(J), ...);
}

template <int C, class F>
inline void each_vector(F&& f) {
    each_index(f, std::make_integer_sequence<int, C>{});
}

// Affine mode on one vector: (high half of (v * 256) * w, + K) >> 8 (BlendPlan, affine_value).
template <class Ops>
inline typename Ops::Vec affine(typename Ops::Vec s, int j, const typename Ops::Consts& k) {
    return Ops::narrow(Ops::shr8(Ops::add16(Ops::mulhi16(Ops::scaled_lo(s), k.w), k.k_lo[j])),
                       Ops::shr8(Ops::add16(Ops::mulhi16(Ops::scaled_hi(s), k.w), k.k_hi[j])));
}

// Half mode on one vector: (v + bg) / 2 rounded half to even (half_value).
template <class Ops>
inline typename Ops::Vec half(typename Ops::Vec s, int j, const typename Ops::Consts& k) {
    const auto up = Ops::avg8(s, k.bg_bytes[j]);
    return Ops::sub8(up, Ops::and8(Ops::and8(Ops::xor8(s, k.bg_bytes[j]), up), Ops::set8(1)));
}

// One block of kStep pixels (C vectors of kStep bytes): kept where the mask says inside,
// else the mode's outside value; a block wholly inside the mask is copied.
template <class Ops, int C, bool PerByte, BlendPlan::Mode M>
inline void blend_block(const uint8_t* src, const uint8_t* mask, uint8_t* dst, const typename Ops::Consts& k) {
    using Vec = typename Ops::Vec;
    constexpr size_t W = Ops::kStep;
    Vec outside[C];
    bool inside;
    if constexpr (PerByte) {
        Vec any = Ops::is_zero(Ops::load(mask));
        outside[0] = any;
        each_vector<C - 1>([&](int j) {
            outside[j + 1] = Ops::is_zero(Ops::load(mask + W * (j + 1)));
            any = Ops::either(any, outside[j + 1]);
        });
        inside = Ops::none(any);
    } else {
        const Vec z = Ops::is_zero(Ops::load(mask));
        inside = Ops::none(z);
        if (!inside) Ops::template spread<C>(z, k, outside);
    }
    if (inside) {  // vector moves: a memcpy of the block compiles to half-width ones
        if (src != dst) each_vector<C>([&](int j) { Ops::store(dst + W * j, Ops::load(src + W * j)); });
        return;
    }
    each_vector<C>([&](int j) {
        const Vec s = Ops::load(src + W * j);
        Vec o;
        if constexpr (M == BlendPlan::Mode::fill)
            o = k.fill[j];
        else if constexpr (M == BlendPlan::Mode::fixed)
            o = fixed_point<Ops>(s, j, k);
        else if constexpr (M == BlendPlan::Mode::affine)
            o = affine<Ops>(s, j, k);
        else if constexpr (M == BlendPlan::Mode::half)
            o = half<Ops>(s, j, k);
        else
            o = Ops::template blend<C>(src + W * j, static_cast<int>(W) * j, k);
        Ops::store(dst + W * j, Ops::select(s, o, outside[j]));
    });
}

// One row with blocks of Ops::kStep pixels, then the rest: as one more block ending at the
// row's end when the row has a whole block and is not blended in place (the overlapped pixels
// get the values they already have), else with the scalar kernel.
template <class Ops, int C, bool PerByte, BlendPlan::Mode M>
void blend_row_blocks(const uint8_t* src, const uint8_t* mask, uint8_t* dst, size_t n, const BlendPlan& plan) {
    constexpr size_t step = Ops::kStep, mask_bytes = PerByte ? C : 1;  // mask bytes per pixel
    const auto k = Ops::template consts<C, M>(plan);  // only what this mode reads: rows can be short
    size_t i = 0;
    for (; i + step <= n; i += step) blend_block<Ops, C, PerByte, M>(src + i * C, mask + i * mask_bytes, dst + i * C, k);
    if (i == n) return;
    if (i > 0 && src != dst) {
        const size_t j = n - step;
        blend_block<Ops, C, PerByte, M>(src + j * C, mask + j * mask_bytes, dst + j * C, k);
    } else {
        blend_row_scalar(src + i * C, mask + i * mask_bytes, dst + i * C, n - i, plan);
    }
}

// Ops handle 1-, 3- and 4-channel rows in fill, fixed, affine, half and blend modes; everything else goes
// to the scalar kernel.
template <class Ops, int C, bool PerByte>
void blend_by_mode(const uint8_t* src, const uint8_t* mask, uint8_t* dst, size_t n, const BlendPlan& plan) {
    using M = BlendPlan::Mode;
    switch (plan.mode) {
        case M::fill: return blend_row_blocks<Ops, C, PerByte, M::fill>(src, mask, dst, n, plan);
        case M::fixed: return blend_row_blocks<Ops, C, PerByte, M::fixed>(src, mask, dst, n, plan);
        case M::affine: return blend_row_blocks<Ops, C, PerByte, M::affine>(src, mask, dst, n, plan);
        case M::half: return blend_row_blocks<Ops, C, PerByte, M::half>(src, mask, dst, n, plan);
        default: return blend_row_blocks<Ops, C, PerByte, M::blend>(src, mask, dst, n, plan);
    }
}

template <class Ops, int C>
void blend_by_layout(const uint8_t* src, const uint8_t* mask, uint8_t* dst, size_t n, const BlendPlan& plan) {
    (plan.mask_per_byte ? blend_by_mode<Ops, C, true> : blend_by_mode<Ops, C, false>)(src, mask, dst, n, plan);
}

// `simd` false sends the row to the scalar kernel (copy mode, or a plan the ISA cannot do exactly).
template <class Ops>
void blend_row_variants(bool simd, const uint8_t* src, const uint8_t* mask, uint8_t* dst, size_t n,
                        const BlendPlan& plan) {
    switch (simd && plan.mode != BlendPlan::Mode::copy ? plan.channels : 0) {
        case 1: return blend_by_layout<Ops, 1>(src, mask, dst, n, plan);
        case 3: return blend_by_layout<Ops, 3>(src, mask, dst, n, plan);
        case 4: return blend_by_layout<Ops, 4>(src, mask, dst, n, plan);
        default: return blend_row_scalar(src, mask, dst, n, plan);
    }
}

}  // namespace dcn
