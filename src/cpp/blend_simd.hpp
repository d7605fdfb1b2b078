// Expands a call's runtime shape (channels, mask layout, mode) into compile-time kernel
// variants. Each ISA file instantiates it with its own kernel type from an anonymous
// namespace, so no code compiled for one instruction set is shared with another.
#pragma once
#include "blend.hpp"

namespace dcn {

// One row with Kernel's blocks of Kernel::kStep pixels, then the rest: as one more block ending
// at the row's end when the row has a whole block and is not blended in place (the overlapped
// pixels get the values they already have), else with the scalar kernel.
template <class Kernel, int C, bool PerByte, BlendPlan::Mode M>
void blend_row_blocks(const uint8_t* src, const uint8_t* mask, uint8_t* dst, size_t n, const BlendPlan& plan) {
    constexpr size_t step = Kernel::kStep, mask_bytes = PerByte ? C : 1;  // mask bytes per pixel
    const auto k = Kernel::consts(plan);
    size_t i = 0;
    for (; i + step <= n; i += step) Kernel::template block<C, PerByte, M>(src + i * C, mask + i * mask_bytes, dst + i * C, k);
    if (i == n) return;
    if (i > 0 && src != dst) {
        const size_t j = n - step;
        Kernel::template block<C, PerByte, M>(src + j * C, mask + j * mask_bytes, dst + j * C, k);
    } else {
        blend_row_scalar(src + i * C, mask + i * mask_bytes, dst + i * C, n - i, plan);
    }
}

// Kernel (kStep, consts(plan), block<C, PerByte, Mode>(src, mask, dst, consts)) handles 1-, 3-
// and 4-channel rows in fill, fixed and blend modes; everything else goes to the scalar kernel.
template <class Kernel, int C, bool PerByte>
void blend_by_mode(const uint8_t* src, const uint8_t* mask, uint8_t* dst, size_t n, const BlendPlan& plan) {
    using M = BlendPlan::Mode;
    switch (plan.mode) {
        case M::fill: return blend_row_blocks<Kernel, C, PerByte, M::fill>(src, mask, dst, n, plan);
        case M::fixed: return blend_row_blocks<Kernel, C, PerByte, M::fixed>(src, mask, dst, n, plan);
        default: return blend_row_blocks<Kernel, C, PerByte, M::blend>(src, mask, dst, n, plan);
    }
}

template <class Kernel, int C>
void blend_by_layout(const uint8_t* src, const uint8_t* mask, uint8_t* dst, size_t n, const BlendPlan& plan) {
    (plan.mask_per_byte ? blend_by_mode<Kernel, C, true> : blend_by_mode<Kernel, C, false>)(src, mask, dst, n, plan);
}

// `simd` false sends the row to the scalar kernel (copy mode, or a plan the ISA cannot do exactly).
template <class Kernel>
void blend_row_variants(bool simd, const uint8_t* src, const uint8_t* mask, uint8_t* dst, size_t n,
                        const BlendPlan& plan) {
    switch (simd && plan.mode != BlendPlan::Mode::copy ? plan.channels : 0) {
        case 1: return blend_by_layout<Kernel, 1>(src, mask, dst, n, plan);
        case 3: return blend_by_layout<Kernel, 3>(src, mask, dst, n, plan);
        case 4: return blend_by_layout<Kernel, 4>(src, mask, dst, n, plan);
        default: return blend_row_scalar(src, mask, dst, n, plan);
    }
}

}  // namespace dcn
