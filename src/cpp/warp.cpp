// Oriented crops: the maps OpenCV derives from a forward matrix, the portable row kernel (the
// reference every SIMD kernel is tested against), the mask rows, and the split of all crops of
// an image into row bands over threads.
#include <algorithm>
#include <cmath>
#include <limits>

#include "dispatch.hpp"
#include "parallel.hpp"
#include "warp.hpp"
#include "warp_pixel.hpp"

namespace dcn {

WarpMap inverse_map(const double forward[6]) {
    // cv::warpAffine without WARP_INVERSE_MAP, step by step (a zero determinant gives zeros).
    double M[6];
    for (int i = 0; i < 6; ++i) M[i] = forward[i];
    double D = M[0] * M[4] - M[1] * M[3];
    D = D != 0 ? 1. / D : 0;
    const double A11 = M[4] * D, A22 = M[0] * D;
    M[0] = A11;
    M[1] *= -D;
    M[3] *= -D;
    M[4] = A22;
    const double b1 = -M[0] * M[2] - M[1] * M[5];
    const double b2 = -M[3] * M[2] - M[4] * M[5];
    M[2] = b1;
    M[5] = b2;
    WarpMap map;
    for (int i = 0; i < 6; ++i) map.d[i] = M[i], map.m[i] = static_cast<float>(M[i]);
    return map;
}

void warp_row_scalar(const StridedView& image, const WarpRow& row, uint8_t* dst) {
    const double* d = row.d;
    const double ym1 = d[1] * static_cast<double>(row.y), ym4 = d[4] * static_cast<double>(row.y);
    const bool axis = axis_aligned(d);
    int64_t rows_first0 = 0, rows_first1 = 0;
    if (image.c == 1 && !axis) rows_first_span(d, row.y, row.width, image.w, image.h, rows_first0, rows_first1);
    for (int64_t x = row.x0; x < row.x1; ++x, dst += image.c) {
        double sx, sy;
        linear_coords(d, ym1, ym4, x, sx, sy);
        linear_pixel(image, sx, sy, axis, x >= rows_first0 && x < rows_first1, row.border, dst);
    }
}

void warp_mask_row_scalar(const StridedView& image, const WarpJob& job, const WarpRow& row, uint8_t* mask,
                          uint8_t* inside) {
    const float* m = row.m;
    const RowCoords r = row_coords(m, row.y, job.w);
    const float w = static_cast<float>(image.w), h = static_cast<float>(image.h);
    for (int64_t x = row.x0; x < row.x1; ++x) {
        float sx, sy;
        pixel_coords(m, r, x, sx, sy);
        const float rx = std::nearbyint(sx), ry = std::nearbyint(sy);
        const bool in_image = rx >= 0.f && rx < w && ry >= 0.f && ry < h;
        if (inside) inside[x - row.x0] = in_image;
        if (!mask) continue;
        uint8_t v = 0;
        if (in_image) {
            const int64_t lx = static_cast<int64_t>(rx) - job.mask_x0, ly = static_cast<int64_t>(ry) - job.mask_y0;
            const StridedView& region = job.mask;
            if (lx >= 0 && lx < region.w && ly >= 0 && ly < region.h)
                v = region.data[ly * region.sy + lx * region.sx] != 0;
        }
        mask[x - row.x0] = v;
    }
}

namespace {

// Image rows a job's taps may touch (its footprint, with a margin for rounding), as the rows
// the SIMD kernels may address with 32-bit offsets; none when that span does not fit.
void fast_rows(const StridedView& image, const WarpJob& job, const float* m, WarpRow& row) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const int64_t x : {int64_t(0), job.w - 1})
        for (const int64_t y : {int64_t(0), job.h - 1}) {
            const double sy = double(m[3]) * double(x) + double(m[4]) * double(y) + double(m[5]);
            lo = std::min(lo, sy), hi = std::max(hi, sy);
        }
    row.fast_y0 = 0, row.fast_y1 = -1;
    if (!(lo < double(image.h) + 2 && hi > -3.0)) return;  // never inside (or NaN)
    const int64_t y0 = std::max<int64_t>(0, static_cast<int64_t>(std::floor(lo)) - 2);
    const int64_t y1 = std::min<int64_t>(image.h - 2, static_cast<int64_t>(std::floor(hi)) + 2);
    const double span = double(y1 - y0 + 2) * std::abs(double(image.sy)) + std::abs(double(image.w * image.sx)) + 64;
    if (y1 < y0 || span >= double(std::numeric_limits<int32_t>::max())) return;
    row.fast_y0 = y0, row.fast_y1 = y1;
    row.fast_base = image.data + y0 * image.sy;
}

struct Band {
    const WarpJob* job;
    WarpMap map;
    int64_t y0, y1;
};

// Bands of rows are the unit of work handed to threads; within a band the crop is computed in
// tiles kTile pixels wide, so the image pixels a tile reads (a rotated patch) stay in cache:
// whole rows of a rotated crop would sweep across many image rows per output row.
constexpr int64_t kBandBytes = 128 * 1024;
constexpr int64_t kBandRows = 32;
constexpr int64_t kTile = 128;  // a multiple of 16: segments keep the kernels' 8-pixel steps aligned

}  // namespace

void run_warp_jobs(const StridedView& image, const std::vector<WarpJob>& jobs, const uint8_t* border,
                   const BlendPlan* plan, int threads) {
    const Kernels& k = active_kernels();
    std::vector<Band> bands;
    int64_t total = 0;
    for (const WarpJob& job : jobs) {
        const WarpMap map = inverse_map(job.forward);
        const int64_t row_bytes = std::max<int64_t>(1, job.w * image.c);
        const int64_t step = std::clamp<int64_t>(kBandBytes / row_bytes, 1, kBandRows);
        for (int64_t y = 0; y < job.h; y += step) bands.push_back({&job, map, y, std::min(job.h, y + step)});
        total += job.h * row_bytes;
    }
    const Workers workers = plan_workers(threads, total, bands.size(), Work::warp);
    const bool blend = plan && plan->mode != BlendPlan::Mode::copy;
    parallel_for(bands.size(), workers, [&](int, size_t i) {
        const Band& band = bands[i];
        const WarpJob& job = *band.job;
        WarpRow row{band.map.m, band.map.d, 0, job.w, 0, 0, border, nullptr, 0, -1};
        fast_rows(image, job, band.map.m, row);
        for (row.x0 = 0; row.x0 < job.w; row.x0 = row.x1) {
            row.x1 = std::min(job.w, row.x0 + kTile);
            for (row.y = band.y0; row.y < band.y1; ++row.y) {
                const int64_t at = row.y * job.w + row.x0;  // the segment's first pixel
                uint8_t* dst = job.dst + at * image.c;
                k.warp_row(image, row, dst);
                uint8_t* mask = job.mask_dst ? job.mask_dst + at : nullptr;
                uint8_t* inside = job.inside_dst ? job.inside_dst + at : nullptr;
                if (mask || inside) k.warp_mask_row(image, job, row, mask, inside);
                if (blend && mask) k.blend_row(dst, mask, dst, static_cast<size_t>(row.x1 - row.x0), *plan);
            }
        }
    });
}

}  // namespace dcn
