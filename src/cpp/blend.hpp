// Background removal outside an instance mask: the per-call plan (blend.cpp) and the row
// kernels (blend_scalar.cpp, blend_sse41.cpp, blend_avx2.cpp, blend_avx512.cpp, blend_neon.cpp).
//
// For a pixel outside the mask (mask byte == 0), channel c with value v becomes
//     rint_half_even(f32(fma(f32(bg[c]), alpha, f32(v * beta))))   saturated to 0..255,
// with alpha = f32(a), beta = f32(1.0 - a) computed in double first, which is exactly what
// cv2.addWeighted(bg_image, a, crop, 1.0 - a, 0) returns for uint8. Pixels inside are kept.
#pragma once
#include <cstddef>
#include <cstdint>

namespace dcn {

constexpr int kMaxChannels = 4;

struct BlendPlan {
    // copy: a == 0. fill: the outside value is bg[c] for every v. half: a == 0.5, the table
    // equals half_value (the byte average rounded half to even). affine: the table equals
    // affine_value (truncating 16-bit fixed point with a 16-bit weight). fixed: the table
    // equals fixed_point_value (the same product, rounded half to even: ties need the parity
    // rule, e.g. opacity 0.25). Both are checked for all 256 x C entries at plan time, affine
    // tried first (fewer operations). blend: float32 lanes exactly like OpenCV.
    enum class Mode { copy, fill, fixed, affine, half, blend };
    Mode mode = Mode::copy;
    int channels = 3;         // bytes per pixel, 1..4
    bool shared_table = true;  // every channel has the same table (a grey background)
    bool mask_per_byte = false;  // mask has one byte per image byte ((h, w, C) masks)
    float alpha = 0.f, beta = 1.f;
    float bg[kMaxChannels] = {};
    // Exact outside-mask value for every (channel, value): the scalar kernel's lookup table
    // and the reference every SIMD path is tested against.
    uint8_t table[kMaxChannels][256] = {};
    // The same values repeated in pixel order (element k has channel k % channels), so SIMD
    // kernels load phase-rotated constants instead of computing them per row.
    alignas(64) uint8_t fill_repeat[128] = {};  // outside value in fill mode
    alignas(64) uint8_t bg_byte_repeat[128] = {};  // the background bytes (half mode)
    alignas(64) float bg_repeat[16] = {};
    uint16_t fixed_w = 0;                           // fixed and affine modes: the weight
    alignas(64) uint16_t fixed_k_repeat[128] = {};  // and the offsets, K[k % channels]
};

// Fixed-point outside value as the SIMD kernels compute it (uint16 arithmetic): z is the high
// half of the 16-bit product (v * 256) * w (v * beta with 8 fraction bits) plus k, which holds
// the rounding's + 128; z / 256 rounded up at .5, less one at a tie whose result is odd (z's
// low 9 bits 0x100), is z - 128 over 256 rounded half to even. The plan keeps z below 2^16.
inline uint8_t fixed_point_value(uint16_t v, uint16_t w, uint16_t k) {
    const uint32_t z = ((static_cast<uint32_t>(v) * 256u * w) >> 16) + k;
    return static_cast<uint8_t>((z >> 8) - ((z & 0x1FF) == 0x100));
}

// Half-mode outside value, (v + bg) / 2 rounded half to even, as the SIMD kernels compute
// it: the byte average rounded up, less one where the sum was odd and the average is odd.
inline uint8_t half_value(uint8_t v, uint8_t bg) {
    const uint8_t up = static_cast<uint8_t>((v + bg + 1) >> 1);
    return static_cast<uint8_t>(up - ((v ^ bg) & up & 1));
}

// Affine-mode outside value as the SIMD kernels compute it: the high half of the 16-bit
// product (v * 256) * w (v * beta with 8 fraction bits), plus k, truncated. The plan keeps
// (255 * w >> 8) + k below 2^16, so no lane overflows.
inline uint8_t affine_value(uint16_t v, uint16_t w, uint16_t k) {
    const uint32_t high = (static_cast<uint32_t>(v) * 256u * w) >> 16;
    return static_cast<uint8_t>((high + k) >> 8);
}

// The path's name, as `_native.blend_plan` reports it ("copy", "fill", "fixed", "affine",
// "half" or "blend", the float path).
const char* mode_name(BlendPlan::Mode mode);

// Build the plan for one call. `bg` holds `channels` values in 0..255 (already in the image's
// channel order), `opacity` is in [0, 1].
BlendPlan make_blend_plan(double opacity, const uint8_t* bg, int channels, bool mask_per_byte);

// One row: dst[i] = mask says inside ? src[i] : outside(src[i]). `n` is the number of pixels;
// src, mask and dst are contiguous; src may equal dst (in place), otherwise they do not overlap.
using BlendRowFn = void (*)(const uint8_t* src, const uint8_t* mask, uint8_t* dst, size_t n,
                            const BlendPlan& plan);

void blend_row_scalar(const uint8_t* src, const uint8_t* mask, uint8_t* dst, size_t n,
                      const BlendPlan& plan);
#if defined(DYNACROP_X86)
void blend_row_sse41(const uint8_t* src, const uint8_t* mask, uint8_t* dst, size_t n,
                     const BlendPlan& plan);
void blend_row_avx2(const uint8_t* src, const uint8_t* mask, uint8_t* dst, size_t n,
                    const BlendPlan& plan);
void blend_row_avx512(const uint8_t* src, const uint8_t* mask, uint8_t* dst, size_t n,
                      const BlendPlan& plan);
#endif
#if defined(DYNACROP_NEON)
void blend_row_neon(const uint8_t* src, const uint8_t* mask, uint8_t* dst, size_t n,
                    const BlendPlan& plan);
#endif

}  // namespace dcn
