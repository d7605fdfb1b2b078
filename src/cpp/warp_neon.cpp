// NEON bilinear warp rows (AArch64): 4 output pixels per step. Coordinates and the choice of
// float or double fraction are warp_pixel.hpp's, pixel for pixel; a step whose pixels all have
// their four taps inside the image (and, on gray rows, none in the rows-first block) fetches
// the taps without border checks and interpolates with NEON's fused multiply-adds, which round
// once as std::fma does in the portable kernel. Other steps take the exact per-pixel path.
#include <arm_neon.h>

#include <cmath>
#include <cstring>

#include "warp.hpp"
#include "warp_pixel.hpp"

namespace dcn {
namespace {

// Columns first, or rows first (axis-aligned maps), as linear_pixel(); lane for lane.
inline float32x4_t interpolate(float32x4_t p00, float32x4_t p01, float32x4_t p10, float32x4_t p11, float32x4_t ax,
                               float32x4_t ay, bool rows_first) {
    if (rows_first) {
        const float32x4_t f0 = vfmaq_f32(p00, vsubq_f32(p01, p00), ax);
        const float32x4_t f1 = vfmaq_f32(p10, vsubq_f32(p11, p10), ax);
        return vfmaq_f32(f0, vsubq_f32(f1, f0), ay);
    }
    const float32x4_t f0 = vfmaq_f32(p00, vsubq_f32(p10, p00), ay);
    const float32x4_t f1 = vfmaq_f32(p01, vsubq_f32(p11, p01), ay);
    return vfmaq_f32(f0, vsubq_f32(f1, f0), ax);
}

// Up to 4 values rounded half to even and saturated to bytes, in the low 4 bytes.
inline uint8x8_t bytes4(float32x4_t f) {
    const uint16x4_t h = vqmovun_s32(vcvtnq_s32_f32(f));
    return vqmovn_u16(vcombine_u16(h, h));
}

// C (3 or 4) bytes at p as floats (lanes past C zero); never reads past them.
inline float32x4_t pixel(const uint8_t* p, int C) {
    uint32_t v = 0;
    std::memcpy(&v, p, static_cast<size_t>(C));
    return vcvtq_f32_u32(vmovl_u16(vget_low_u16(vmovl_u8(vcreate_u8(v)))));
}

template <int C>
void warp_row(const StridedView& image, const WarpRow& row, uint8_t* dst) {
    const double* d = row.d;
    const double ym1 = d[1] * static_cast<double>(row.y), ym4 = d[4] * static_cast<double>(row.y);
    const bool axis = axis_aligned(d);
    int64_t rows_first0 = 0, rows_first1 = 0;
    if (C == 1 && !axis) rows_first_span(d, row.y, row.width, image.w, image.h, rows_first0, rows_first1);
    for (int64_t x = row.x0; x < row.x1; x += 4, dst += 4 * C) {
        const int n = static_cast<int>(std::min<int64_t>(4, row.x1 - x));
        double sx[4], sy[4];
        bool fast = !(C == 1 && x < rows_first1 && x + n > rows_first0);
        for (int i = 0; i < n; ++i) {
            linear_coords(d, ym1, ym4, x + i, sx[i], sy[i]);
            fast = fast && inner(sx[i], sy[i], image.w, image.h);
        }
        if (!fast) {
            for (int i = 0; i < n; ++i)
                linear_pixel(image, sx[i], sy[i], axis, x + i >= rows_first0 && x + i < rows_first1, row.border,
                             dst + i * C);
            continue;
        }
        // Inner pixels: the float coordinate's floor and fraction; axis-aligned maps: the double's
        // (and rows first, as linear_pixel() takes every inner pixel of such a map).
        const uint8_t* at[4];
        int64_t right[4], below[4];
        float ax[4], ay[4];
        for (int i = 0; i < 4; ++i) {
            const int k = i < n ? i : n - 1;  // lanes past the row repeat its last pixel
            int64_t ix, iy;
            if (axis) {
                const double lx = std::floor(sx[k]), ly = std::floor(sy[k]);
                ix = static_cast<int64_t>(lx), iy = static_cast<int64_t>(ly);
                ax[i] = static_cast<float>(sx[k] - lx), ay[i] = static_cast<float>(sy[k] - ly);
            } else {
                const float fx = static_cast<float>(sx[k]), fy = static_cast<float>(sy[k]);
                const float lx = std::floor(fx), ly = std::floor(fy);
                ix = static_cast<int64_t>(lx), iy = static_cast<int64_t>(ly);
                ax[i] = fx - lx, ay[i] = fy - ly;
            }
            // The float may round up to w - 1 or h - 1 (the fraction is then 0): those taps
            // weigh nothing, so they are read at the pixel itself, never past the image.
            at[i] = image.data + iy * image.sy + ix * C;
            right[i] = ix + 1 < image.w ? C : 0;
            below[i] = iy + 1 < image.h ? image.sy : 0;
        }
        const float32x4_t vax = vld1q_f32(ax), vay = vld1q_f32(ay);
        uint8_t out[8];
        if (C == 1) {
            float p[4][4];
            for (int i = 0; i < 4; ++i) {
                const uint8_t *top = at[i], *bottom = at[i] + below[i];
                p[0][i] = top[0], p[1][i] = top[right[i]], p[2][i] = bottom[0], p[3][i] = bottom[right[i]];
            }
            vst1_u8(out, bytes4(interpolate(vld1q_f32(p[0]), vld1q_f32(p[1]), vld1q_f32(p[2]), vld1q_f32(p[3]), vax,
                                            vay, axis)));
            std::memcpy(dst, out, static_cast<size_t>(n));
            continue;
        }
        for (int i = 0; i < n; ++i) {
            const uint8_t *top = at[i], *bottom = at[i] + below[i];
            vst1_u8(out, bytes4(interpolate(pixel(top, C), pixel(top + right[i], C), pixel(bottom, C),
                                            pixel(bottom + right[i], C), vdupq_n_f32(ax[i]), vdupq_n_f32(ay[i]),
                                            axis)));
            std::memcpy(dst + i * C, out, static_cast<size_t>(C));
        }
    }
}

}  // namespace

void warp_row_neon(const StridedView& image, const WarpRow& row, uint8_t* dst) {
    packed_channels(image, row, dst, [&](auto c) { warp_row<decltype(c)::value>(image, row, dst); });
}

}  // namespace dcn
