// Crop pipeline: copy a rectangle of a strided image into a fresh C-contiguous buffer and,
// when a mask is given, remove the background in the same pass over each row.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "blend.hpp"

namespace dcn {

// A 2-D/3-D strided array; strides are in bytes and may be negative. 2-D arrays have c == 1.
struct StridedView {
    const uint8_t* data = nullptr;  // element [0, 0, 0]
    int64_t h = 0, w = 0, c = 1;
    int64_t sy = 0, sx = 0, sc = 0;
    int64_t itemsize = 1;
    int64_t pixel_bytes() const { return c * itemsize; }
    bool pixels_packed() const { return c == 1 || sc == itemsize; }
    bool row_contiguous() const { return pixels_packed() && sx == pixel_bytes(); }
};

// Copy `w` pixels starting at `src` (pixel step view.sx, channel step view.sc) to contiguous dst.
void copy_row(const uint8_t* src, const StridedView& view, int64_t w, uint8_t* dst);

// Copy `w` pixels of an image row (at `src`) to contiguous dst and remove the background
// outside `mask_row` (a row of `mask`) with `blend_row`; strided rows go through dst and
// `scratch` (w * mask.c bytes).
void blend_image_row(const uint8_t* src, const StridedView& image, int64_t w, const uint8_t* mask_row,
                     const StridedView& mask, const BlendPlan& plan, BlendRowFn blend_row, uint8_t* scratch,
                     uint8_t* dst);

struct CropJob {
    int64_t y0 = 0, x0 = 0, h = 0, w = 0;  // region of the image, already inside it
    uint8_t* dst = nullptr;                 // where the region's first pixel goes
    int64_t dst_stride = 0;                 // bytes between output rows; 0: w * pixel_bytes
    // Mask of the region (element [0, 0] is the region's top-left), uint8/bool, one byte per
    // pixel (c == 1) or per image byte (c == channels). data == nullptr: no background removal.
    StridedView mask;
};

// Runs every job, split into row bands over `threads` threads (0 = automatic: all cores when
// the work is a few MB or more, else 1). Touches no Python object (call it with the GIL
// released); results do not depend on the thread count.
void run_crop_jobs(const StridedView& image, const std::vector<CropJob>& jobs, const BlendPlan* plan, int threads);

// Paints every pixel of a ch x cw canvas (C-contiguous, `px` bytes per pixel) outside the
// rw x rh rectangle at (rx, ry) with `pixel`: the padding of crops reaching past the image.
void fill_outside(uint8_t* canvas, int64_t ch, int64_t cw, int64_t px, int64_t rx, int64_t ry, int64_t rw, int64_t rh,
                  const uint8_t* pixel);

// The thread count `threads` (0 = automatic) resolves to for `bytes` of output.
int resolve_threads(int threads, int64_t bytes);

}  // namespace dcn
