// Oriented crops: every crop is an affine warp of the image, sampled exactly as OpenCV 5.1's
// cv2.warpAffine(image, M, (w, h), INTER_LINEAR, BORDER_CONSTANT, background) computes it on
// x86-64 (its uint8 1/3/4-channel bilinear warp goes to Intel IPP through the IPP HAL; see
// warp_pixel.hpp), and its instance mask as cv2.warpAffine(mask, M, (w, h), INTER_NEAREST)
// (OpenCV's own float kernel); the background outside the warped mask is then removed with
// the blend kernels.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "blend.hpp"
#include "strided_view.hpp"

namespace dcn {

// OpenCV's unroll in its AVX2 nearest warp kernel (masks): in each output row the first
// floor(w / 16) * 16 pixels take the vector coordinate formula, the rest the scalar one.
constexpr int64_t kOpenCvBlock = 16;

// The map from output pixel (x, y) to image coordinates (m0 x + m1 y + m2, m3 x + m4 y + m5):
// OpenCV inverts the forward 2x3 matrix in double; the bilinear warp (IPP) takes that double
// map (d), OpenCV's nearest kernel rounds it to float (m).
struct WarpMap {
    double d[6];
    float m[6];
};
WarpMap inverse_map(const double forward[6]);

// What a row kernel needs besides the image: the map (float and double), the output row, its width and the
// segment [x0, x1) to compute (x0 a multiple of 8), the border pixel (one byte per channel),
// and the image rows [fast_y0, fast_y1] whose pixels may be read with 32-bit offsets from
// `fast_base` (the row fast_y0); fast_y1 < fast_y0 means none.
struct WarpRow {
    const float* m;
    const double* d;
    int64_t y, width, x0, x1;
    const uint8_t* border;
    const uint8_t* fast_base;
    int64_t fast_y0, fast_y1;
};

// A segment of one output row of a bilinear warp: dst (the segment's first pixel) gets
// (x1 - x0) * image.c bytes. The image is uint8 with any strides; pixels whose taps fall
// outside [fast_y0, fast_y1] take the exact per-pixel path.
using WarpRowFn = void (*)(const StridedView& image, const WarpRow& row, uint8_t* dst);

void warp_row_scalar(const StridedView& image, const WarpRow& row, uint8_t* dst);
#if defined(DYNACROP_X86)
void warp_row_avx2(const StridedView& image, const WarpRow& row, uint8_t* dst);
#endif
#if defined(DYNACROP_NEON)
void warp_row_neon(const StridedView& image, const WarpRow& row, uint8_t* dst);
#endif

struct WarpJob;

// A segment of a row of a warped mask (nearest sampling): mask[i] = 1 where pixel x0 + i
// rounds to a pixel of the job's mask region holding a non-zero byte, else 0; inside[i] = 1
// where it rounds to a pixel of the image. Either output may be null; the image gives only
// its size.
using WarpMaskRowFn = void (*)(const StridedView& image, const WarpJob& job, const WarpRow& row, uint8_t* mask,
                               uint8_t* inside);

void warp_mask_row_scalar(const StridedView& image, const WarpJob& job, const WarpRow& row, uint8_t* mask,
                          uint8_t* inside);
#if defined(DYNACROP_X86)
void warp_mask_row_avx2(const StridedView& image, const WarpJob& job, const WarpRow& row, uint8_t* mask,
                        uint8_t* inside);
#endif

struct WarpJob {
    double forward[6];  // image pixel -> crop pixel, what cv2.warpAffine takes
    int64_t w = 0, h = 0;
    uint8_t* dst = nullptr;         // h * w * channels bytes, C-contiguous
    uint8_t* mask_dst = nullptr;    // h * w bytes (0/1): the warped mask, or nullptr
    uint8_t* inside_dst = nullptr;  // h * w bytes (0/1): pixel centre inside the image, or nullptr
    // The instance mask over the image region whose top-left pixel is (mask_x0, mask_y0);
    // pixels outside the region count as outside the mask. data == nullptr: no mask.
    StridedView mask;
    int64_t mask_x0 = 0, mask_y0 = 0;
};

// Runs every job, split into row bands over `threads` threads (0 = automatic); with a plan,
// each warped row is blended outside its warped mask. Touches no Python object.
void run_warp_jobs(const StridedView& image, const std::vector<WarpJob>& jobs, const uint8_t* border,
                   const BlendPlan* plan, int threads);

}  // namespace dcn
