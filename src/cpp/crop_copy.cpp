#include <algorithm>
#include <cstring>
#include <thread>

#include "crop_jobs.hpp"
#include "dispatch.hpp"
#include "parallel.hpp"

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

void copy_row(const uint8_t* src, const StridedView& v, int64_t w, uint8_t* dst) {
    const int64_t px = v.pixel_bytes();
    if (v.row_contiguous()) {
        std::memcpy(dst, src, static_cast<size_t>(w * px));
    } else if (v.pixels_packed()) {
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

namespace {

// A band of rows of one job: the unit of work handed to threads.
struct Band {
    const CropJob* job;
    int64_t y0, y1;
};

void run_band(const StridedView& image, const Band& band, const BlendPlan* plan, BlendRowFn blend_row,
              std::vector<uint8_t>& mask_row) {
    const CropJob& job = *band.job;
    const int64_t px = image.pixel_bytes();
    const int64_t row_bytes = job.dst_stride ? job.dst_stride : job.w * px;
    const bool blend = plan && plan->mode != BlendPlan::Mode::copy && job.mask.data != nullptr;
    // Rows that follow one another in the image, the mask and the output (full-width crops of
    // contiguous images) are one long row: one kernel call instead of one per row.
    const bool follow = image.row_contiguous() && image.sy == job.w * px && row_bytes == job.w * px &&
                        (!blend || (job.mask.row_contiguous() && job.mask.sy == job.w * job.mask.pixel_bytes()));
    const int64_t rows = follow ? 1 : band.y1 - band.y0;
    const int64_t w = follow ? job.w * (band.y1 - band.y0) : job.w;
    const uint8_t* src = image.data + (job.y0 + band.y0) * image.sy + job.x0 * image.sx;
    for (int64_t y = band.y0; y < band.y0 + rows; ++y, src += image.sy) {
        uint8_t* dst = job.dst + y * row_bytes;
        if (blend)
            blend_image_row(src, image, w, job.mask.data + y * job.mask.sy, job.mask, *plan, blend_row,
                            mask_row.data(), dst);
        else
            copy_row(src, image, w, dst);
    }
}

constexpr int64_t kBandBytes = 256 * 1024;     // small enough to balance, large enough to amortise
constexpr int64_t kThreadedBytes = 2 << 20;    // below this, starting threads costs more than it saves
constexpr int kMaxAutoThreads = 8;

}  // namespace

void fill_outside(uint8_t* canvas, int64_t ch, int64_t cw, int64_t px, int64_t rx, int64_t ry, int64_t rw, int64_t rh,
                  const uint8_t* pixel) {
    auto paint = [&](uint8_t* d, int64_t n) {
        for (int64_t i = 0; i < n; ++i, d += px) std::memcpy(d, pixel, static_cast<size_t>(px));
    };
    const int64_t row = cw * px;
    for (int64_t y = 0; y < ch; ++y) {
        uint8_t* d = canvas + y * row;
        if (y < ry || y >= ry + rh) {
            paint(d, cw);
        } else {
            paint(d, rx);
            paint(d + (rx + rw) * px, cw - rx - rw);
        }
    }
}

int64_t total_bytes(const StridedView& image, const std::vector<CropJob>& jobs) {
    int64_t total = 0;
    for (const CropJob& job : jobs) total += job.h * job.w * image.pixel_bytes();
    return total;
}

int resolve_threads(int requested, int64_t bytes) {
    if (requested > 0) return requested;
    if (bytes < kThreadedBytes) return 1;
    const unsigned hw = std::thread::hardware_concurrency();
    return static_cast<int>(std::min<unsigned>(hw ? hw : 1, kMaxAutoThreads));
}

void run_crop_jobs(const StridedView& image, const std::vector<CropJob>& jobs, const BlendPlan* plan, int threads) {
    const BlendRowFn blend_row = active_kernels().blend_row;
    std::vector<Band> bands;
    size_t scratch = 0;  // widest strided mask row, so no worker allocates while running
    for (const CropJob& job : jobs) {
        const int64_t row_bytes = std::max<int64_t>(1, job.w * image.pixel_bytes());
        const int64_t step = std::max<int64_t>(1, kBandBytes / row_bytes);
        for (int64_t y = 0; y < job.h; y += step) bands.push_back({&job, y, std::min(job.h, y + step)});
        if (job.mask.data) scratch = std::max(scratch, static_cast<size_t>(job.w * job.mask.c));
    }
    threads = std::max(1, std::min<int>(resolve_threads(threads, total_bytes(image, jobs)), static_cast<int>(bands.size())));
    std::vector<std::vector<uint8_t>> rows(static_cast<size_t>(threads), std::vector<uint8_t>(scratch));
    parallel_for(bands.size(), threads, [&](int worker, size_t i) {
        run_band(image, bands[i], plan, blend_row, rows[static_cast<size_t>(worker)]);
    });
}

}  // namespace dcn
