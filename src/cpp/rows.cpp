// Row helpers shared by the crop and the resize jobs (rows.hpp).
#include "rows.hpp"

#include <algorithm>
#include <cstring>

namespace dcn {
namespace {

// Gather fixed-size items; the constant size lets the compiler emit plain moves.
template <size_t N>
void gather(const uint8_t* src, int64_t step, int64_t count, uint8_t* dst) {
    for (int64_t i = 0; i < count; ++i, src += step, dst += N) std::memcpy(dst, src, N);
}

void gather_any(const uint8_t* src, int64_t step, int64_t count, size_t size, uint8_t* dst) {
    switch (size) {
        case 1: return gather<1>(src, step, count, dst);
        case 2: return gather<2>(src, step, count, dst);
        case 3: return gather<3>(src, step, count, dst);
        case 4: return gather<4>(src, step, count, dst);
        case 6: return gather<6>(src, step, count, dst);
        case 8: return gather<8>(src, step, count, dst);
        case 12: return gather<12>(src, step, count, dst);
        case 16: return gather<16>(src, step, count, dst);
        default:
            for (int64_t i = 0; i < count; ++i, src += step, dst += size) std::memcpy(dst, src, size);
    }
}

}  // namespace

void copy_strided_row(const uint8_t* src, const StridedView& v, int64_t w, uint8_t* dst) {
    const int64_t px = v.pixel_bytes();
    if (v.pixels_packed()) {
        gather_any(src, v.sx, w, static_cast<size_t>(px), dst);
    } else {
        for (int64_t x = 0; x < w; ++x, src += v.sx, dst += px)
            gather_any(src, v.sc, v.c, static_cast<size_t>(v.itemsize), dst);
    }
}

void blend_image_row(const uint8_t* src, const StridedView& image, int64_t w, const uint8_t* mask_row,
                     const StridedView& mask, const BlendPlan& plan, BlendRowFn blend_row, uint8_t* scratch,
                     uint8_t* dst) {
    // The kernel wants contiguous rows: strided sources are first copied into dst (then
    // blended in place), strided masks into the scratch row.
    if (!image.row_contiguous()) {
        copy_row(src, image, w, dst);
        src = dst;
    }
    if (!mask.row_contiguous()) {
        copy_row(mask_row, mask, w, scratch);
        mask_row = scratch;
    }
    blend_row(src, mask_row, dst, static_cast<size_t>(w), plan);
}

void paint_run(uint8_t* dst, int64_t n, const uint8_t* pixel, int64_t px) {
    // One pixel, then copies of what is painted so far: log2(n) memcpys instead of n.
    const size_t total = static_cast<size_t>(n * px);
    std::memcpy(dst, pixel, static_cast<size_t>(px));
    for (size_t done = static_cast<size_t>(px); done < total;) {
        const size_t step = std::min(done, total - done);
        std::memcpy(dst + done, dst, step);
        done += step;
    }
}

}  // namespace dcn
