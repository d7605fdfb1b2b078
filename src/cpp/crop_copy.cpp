#include <cstring>

#include "crop_jobs.hpp"
#include "dispatch.hpp"

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

bool pixels_packed(const StridedView& v) { return v.c == 1 || v.sc == v.itemsize; }
bool row_contiguous(const StridedView& v) { return pixels_packed(v) && v.sx == v.pixel_bytes(); }

}  // namespace

void copy_row(const uint8_t* src, const StridedView& v, int64_t w, uint8_t* dst) {
    const int64_t px = v.pixel_bytes();
    if (row_contiguous(v)) {
        std::memcpy(dst, src, static_cast<size_t>(w * px));
    } else if (pixels_packed(v)) {
        gather_any(src, v.sx, w, static_cast<size_t>(px), dst);
    } else {
        for (int64_t x = 0; x < w; ++x, src += v.sx, dst += px)
            gather_any(src, v.sc, v.c, static_cast<size_t>(v.itemsize), dst);
    }
}

void run_crop_jobs(const StridedView& image, const std::vector<CropJob>& jobs, const BlendPlan* plan) {
    const BlendRowFn blend_row = active_kernels().blend_row;
    const bool blending = plan && plan->mode != BlendPlan::Mode::copy;
    const int64_t px = image.pixel_bytes();
    const bool src_contig = row_contiguous(image);
    std::vector<uint8_t> mask_row;  // scratch for strided mask rows, grown once per call
    for (const CropJob& job : jobs) {
        const int64_t row_bytes = job.w * px;
        const uint8_t* src = image.data + job.y0 * image.sy + job.x0 * image.sx;
        const bool blend = blending && job.mask.data != nullptr;
        const bool mask_contig = blend && row_contiguous(job.mask);
        if (blend && !mask_contig) mask_row.resize(static_cast<size_t>(job.w * job.mask.c));
        for (int64_t y = 0; y < job.h; ++y, src += image.sy) {
            uint8_t* dst = job.dst + y * row_bytes;
            if (!blend) {
                copy_row(src, image, job.w, dst);
                continue;
            }
            // The kernel wants contiguous rows: strided sources are first copied into dst
            // (then blended in place), strided masks into a scratch row.
            const uint8_t* s = src;
            if (!src_contig) {
                copy_row(src, image, job.w, dst);
                s = dst;
            }
            const uint8_t* m = job.mask.data + y * job.mask.sy;
            if (!mask_contig) {
                copy_row(m, job.mask, job.w, mask_row.data());
                m = mask_row.data();
            }
            blend_row(s, m, dst, static_cast<size_t>(job.w), *plan);
        }
    }
}

}  // namespace dcn
