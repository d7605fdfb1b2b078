// Row helpers shared by the crop and the resize jobs: copy a strided row, copy it while
// removing the background, paint padding pixels.
#pragma once
#include <cstdint>
#include <cstring>

#include "blend.hpp"
#include "strided_view.hpp"

namespace dcn {

// Copy `w` pixels starting at `src` (pixel step view.sx, channel step view.sc) to contiguous dst.
void copy_strided_row(const uint8_t* src, const StridedView& view, int64_t w, uint8_t* dst);
inline void copy_row(const uint8_t* src, const StridedView& view, int64_t w, uint8_t* dst) {
    if (view.row_contiguous())  // the common case, inlined into the row loops
        std::memcpy(dst, src, static_cast<size_t>(w * view.pixel_bytes()));
    else
        copy_strided_row(src, view, w, dst);
}

// Copy `w` pixels of an image row (at `src`) to contiguous dst and remove the background
// outside `mask_row` (a row of `mask`) with `blend_row`; strided rows go through dst and
// `scratch` (w * mask.c bytes).
void blend_image_row(const uint8_t* src, const StridedView& image, int64_t w, const uint8_t* mask_row,
                     const StridedView& mask, const BlendPlan& plan, BlendRowFn blend_row, uint8_t* scratch,
                     uint8_t* dst);

// Paint `n` pixels of `px` bytes at dst with `pixel`: the padding of crops reaching past the image.
void paint_run(uint8_t* dst, int64_t n, const uint8_t* pixel, int64_t px);
inline void paint_pixels(uint8_t* dst, int64_t n, const uint8_t* pixel, int64_t px) {
    if (n > 0) paint_run(dst, n, pixel, px);  // most rows have no padding: no call
}

}  // namespace dcn
