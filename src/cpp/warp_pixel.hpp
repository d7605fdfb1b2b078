// OpenCV 5's warpAffine arithmetic for one output pixel, included by every warp kernel file.
// Internal linkage on purpose: each ISA file gets its own copy compiled with its own flags, so
// the linker can never hand an AVX2-compiled copy to the portable kernel.
//
// Coordinates (float, as OpenCV's AVX2 kernel computes them; the build has -ffp-contract=off):
//   row:   ym1 = fl(y * m1),  mx = fl(ym1 + m2)    (likewise ym4, my)
//   pixel: x < floor(width / 16) * 16:  sx = fma(m0, x, mx)          (its vector loop)
//          otherwise:                   sx = fl(fma(x, m0, ym1) + m2)  (its scalar tail)
// Bilinear: ix = floor(sx), ax = sx - ix (likewise iy, ay); taps outside the image are the
// border value; a pixel with no tap inside (ix < -1 or ix >= W, same for y) is the border.
//   f0 = fma(ax, p01 - p00, p00), f1 = fma(ax, p11 - p10, p10), f = fma(ay, f1 - f0, f0),
//   out = saturate_u8(round_half_even(f)).
// Nearest (masks): round sx, sy half to even; outside the image the value is 0.
#pragma once
#include <cmath>
#include <cstdint>

#include "warp.hpp"

namespace dcn {
namespace {

struct RowCoords {
    float ym1, ym4, mx, my;
    int64_t vector_end;
};

inline RowCoords row_coords(const float* m, int64_t y, int64_t width) {
    const float fy = static_cast<float>(y);
    const float ym1 = fy * m[1], ym4 = fy * m[4];
    return {ym1, ym4, ym1 + m[2], ym4 + m[5], width / kOpenCvBlock * kOpenCvBlock};
}

inline void pixel_coords(const float* m, const RowCoords& r, int64_t x, float& sx, float& sy) {
    const float fx = static_cast<float>(x);
    if (x < r.vector_end) {
        sx = std::fma(m[0], fx, r.mx);
        sy = std::fma(m[3], fx, r.my);
    } else {
        sx = std::fma(fx, m[0], r.ym1) + m[2];
        sy = std::fma(fx, m[3], r.ym4) + m[5];
    }
}

inline uint8_t round_u8(float f) {
    const float r = std::nearbyint(f);
    return static_cast<uint8_t>(r < 0.f ? 0.f : (r > 255.f ? 255.f : r));
}

// One bilinear output pixel (image.c bytes) at image coordinates (sx, sy); any strides.
inline void linear_pixel(const StridedView& img, float sx, float sy, const uint8_t* border, uint8_t* out) {
    const float fx = std::floor(sx), fy = std::floor(sy);
    const int64_t c = img.c;
    // Also false for NaN and for coordinates beyond int range (OpenCV's INT_MIN: outside too).
    if (!(fx >= -1.f && fx < static_cast<float>(img.w) && fy >= -1.f && fy < static_cast<float>(img.h))) {
        for (int64_t k = 0; k < c; ++k) out[k] = border[k];
        return;
    }
    const int64_t ix = static_cast<int64_t>(fx), iy = static_cast<int64_t>(fy);
    const float ax = sx - fx, ay = sy - fy;
    const uint8_t* taps[4];
    for (int t = 0; t < 4; ++t) {
        const int64_t x = ix + (t & 1), y = iy + (t >> 1);
        taps[t] = x >= 0 && x < img.w && y >= 0 && y < img.h ? img.data + y * img.sy + x * img.sx : nullptr;
    }
    for (int64_t k = 0; k < c; ++k) {
        float p[4];
        for (int t = 0; t < 4; ++t) p[t] = static_cast<float>(taps[t] ? taps[t][k * img.sc] : border[k]);
        const float f0 = std::fma(ax, p[1] - p[0], p[0]);
        const float f1 = std::fma(ax, p[3] - p[2], p[2]);
        out[k] = round_u8(std::fma(ay, f1 - f0, f0));
    }
}

}  // namespace
}  // namespace dcn
