// The warp arithmetic for one output pixel, included by every warp kernel file. Internal
// linkage on purpose: each ISA file gets its own copy compiled with its own flags, so the
// linker can never hand an AVX2-compiled copy to the portable kernel.
//
// Bilinear: OpenCV 5.1 hands uint8 1/3/4-channel warps to Intel IPP (ippiWarpAffineLinear via
// its IPP HAL), whose AVX2 and AVX-512 code give the same values. Reproduced here (the build
// has -ffp-contract=off):
//   coordinates in double from the double map: sx = fl(fl(m0 x) + fl(m1 y)) + m2 (likewise sy);
//   outside (sx < -1 or sx >= W, same for y): the border value;
//   inner (all four taps in the image: 0 <= sx < W - 1 and 0 <= sy < H - 1): the float
//     coordinate fx = float(sx), ix = floor(fx), ax = fx - ix (likewise y);
//   the rest (some tap outside, taken as the border value): ix = floor(sx), ax = float(sx - ix);
//   f0 = fma(ay, p10 - p00, p00), f1 = fma(ay, p11 - p01, p01), f = fma(ax, f1 - f0, f0)
//   (columns first), out = saturate_u8(round_half_even(f)).
// One exception, 1 channel: in each row's inner span [s, s + n) IPP runs 8-pixel blocks, then
// one 4-pixel block that interpolates rows first (f0 = fma(ax, p01 - p00, p00), f1 likewise
// on the lower row, f = fma(ay, f1 - f0, f0)), then single pixels: pixels
// s + floor(n / 8) * 8 .. s + floor(n / 4) * 4 - 1 take the rows-first order.
// And a map without rotation or shear (m1 = m3 = 0, scale and translation only) takes another
// IPP path: every pixel as the rest above (ix = floor(sx), ax = float(sx - ix)), rows first
// unless a left or right tap is outside the image. (Inferred from IPP's outputs: next to the
// image's edges that path is not fully reproduced; on scale-only warps of 3,000 images of 2 to
// 40 pixels a side, 3 of 29,730,449 values differed by one level.)
//
// Nearest (masks), OpenCV's own kernel: float map; row ym1 = fl(y * m1), mx = fl(ym1 + m2)
// (likewise ym4, my); x < floor(width / 16) * 16: sx = fma(m0, x, mx) (its vector loop), else
// sx = fl(fma(x, m0, ym1) + m2) (its scalar tail); round sx, sy half to even; outside the
// image the value is 0.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

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

// The double image coordinates of pixel x of a row (ym1 = m1 y, ym4 = m4 y in double).
inline void linear_coords(const double* d, double ym1, double ym4, int64_t x, double& sx, double& sy) {
    const double fx = static_cast<double>(x);
    sx = d[0] * fx + ym1 + d[2];
    sy = d[3] * fx + ym4 + d[5];
}

// A map IPP warps along the axes (no rotation or shear; -0 counts as 0).
inline bool axis_aligned(const double* d) { return d[1] == 0.0 && d[3] == 0.0; }

// All four taps of (sx, sy) lie in a w x h image (false for NaN).
inline bool inner(double sx, double sy, int64_t w, int64_t h) {
    return sx >= 0.0 && sx < static_cast<double>(w - 1) && sy >= 0.0 && sy < static_cast<double>(h - 1);
}

// Output pixels [x0, x1) of row y that IPP interpolates rows first (1-channel images only; see
// above). Each inner bound is monotone in x (every rounding step is), so the inner pixels form
// one span whose ends binary searches find.
inline void rows_first_span(const double* d, int64_t y, int64_t width, int64_t w, int64_t h, int64_t& x0,
                            int64_t& x1) {
    const double ym1 = d[1] * static_cast<double>(y), ym4 = d[4] * static_cast<double>(y);
    const double top_x = static_cast<double>(w - 1), top_y = static_cast<double>(h - 1);
    int64_t lo = 0, hi = width;  // the span, [lo, hi)
    for (int bound = 0; bound < 4; ++bound) {
        const auto holds = [&](int64_t x) {
            double sx, sy;
            linear_coords(d, ym1, ym4, x, sx, sy);
            switch (bound) {
                case 0: return sx >= 0.0;
                case 1: return sx < top_x;
                case 2: return sy >= 0.0;
                default: return sy < top_y;
            }
        };
        const bool first = holds(0);
        int64_t a = 0, b = width;  // holds(a) == first; b: the first x that differs (or width)
        if (width == 0 || holds(width - 1) == first) a = b;  // no crossing in the row
        // Else start from where the bound crosses in real arithmetic: the rounded crossing
        // lies within a pixel or two, so two probes replace most of the search.
        const double c = bound < 2 ? ym1 + d[2] : ym4 + d[5], slope = bound < 2 ? d[0] : d[3];
        const double edge = (bound == 1 ? top_x : bound == 3 ? top_y : 0.0) - c;
        const double guess = std::floor(edge / slope);
        if (b - a > 1 && std::isfinite(guess) && guess > 2.0 && guess < static_cast<double>(width) - 3.0) {
            const int64_t g = static_cast<int64_t>(guess);
            if (holds(g - 2) == first && holds(g + 3) != first) a = g - 2, b = g + 3;
        }
        while (b - a > 1) {
            const int64_t mid = a + (b - a) / 2;
            (holds(mid) == first ? a : b) = mid;
        }
        if (first) hi = std::min(hi, b);
        else lo = std::max(lo, b);
    }
    const int64_t n = hi > lo ? hi - lo : 0;
    x0 = lo + n / 8 * 8, x1 = lo + n / 4 * 4;
}

// One bilinear output pixel (image.c bytes) at image coordinates (sx, sy); any strides. `axis`:
// the map is axis_aligned(); `rows_first`: a 1-channel pixel of its row's rows-first block.
inline void linear_pixel(const StridedView& img, double sx, double sy, bool axis, bool rows_first,
                         const uint8_t* border, uint8_t* out) {
    const int64_t c = img.c;
    // Also false for NaN and for coordinates beyond int range.
    if (!(sx >= -1.0 && sx < static_cast<double>(img.w) && sy >= -1.0 && sy < static_cast<double>(img.h))) {
        for (int64_t k = 0; k < c; ++k) out[k] = border[k];
        return;
    }
    int64_t ix, iy;
    float ax, ay;
    const bool all_taps = inner(sx, sy, img.w, img.h);
    rows_first = rows_first || (axis && sx >= 0.0 && sx < static_cast<double>(img.w - 1));
    if (!axis && all_taps) {
        const float fx = static_cast<float>(sx), fy = static_cast<float>(sy);
        const float lx = std::floor(fx), ly = std::floor(fy);
        ix = static_cast<int64_t>(lx), iy = static_cast<int64_t>(ly);
        ax = fx - lx, ay = fy - ly;  // exact; the float may round up to w - 1 (ax = 0): its right taps weigh 0
    } else {
        const double lx = std::floor(sx), ly = std::floor(sy);
        ix = static_cast<int64_t>(lx), iy = static_cast<int64_t>(ly);
        ax = static_cast<float>(sx - lx), ay = static_cast<float>(sy - ly);
    }
    const uint8_t* taps[4];
    for (int t = 0; t < 4; ++t) {
        const int64_t x = ix + (t & 1), y = iy + (t >> 1);
        taps[t] = x >= 0 && x < img.w && y >= 0 && y < img.h ? img.data + y * img.sy + x * img.sx : nullptr;
    }
    for (int64_t k = 0; k < c; ++k) {
        float p[4];
        for (int t = 0; t < 4; ++t) p[t] = static_cast<float>(taps[t] ? taps[t][k * img.sc] : border[k]);
        float f;
        if (rows_first) {
            const float f0 = std::fma(ax, p[1] - p[0], p[0]), f1 = std::fma(ax, p[3] - p[2], p[2]);
            f = std::fma(ay, f1 - f0, f0);
        } else {
            const float f0 = std::fma(ay, p[2] - p[0], p[0]), f1 = std::fma(ay, p[3] - p[1], p[1]);
            f = std::fma(ax, f1 - f0, f0);
        }
        out[k] = round_u8(f);
    }
}

// A SIMD row kernel's entry: kernel(std::integral_constant<int, C>) for packed uint8 pixels of
// 1, 3 or 4 channels; anything else takes the portable kernel.
template <class Kernel>
inline void packed_channels(const StridedView& image, const WarpRow& row, uint8_t* dst, Kernel kernel) {
    const bool packed = image.sx == image.c && (image.c == 1 || image.sc == 1);
    switch (packed ? image.c : 0) {
        case 1: return kernel(std::integral_constant<int, 1>{});
        case 3: return kernel(std::integral_constant<int, 3>{});
        case 4: return kernel(std::integral_constant<int, 4>{});
        default: return warp_row_scalar(image, row, dst);
    }
}

}  // namespace
}  // namespace dcn
