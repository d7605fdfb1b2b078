// Crop jobs (crop.hpp): planning, row bands over threads, padding, copy and blend per row.
#include "crop.hpp"

#include <algorithm>

#include "dispatch.hpp"
#include "output.hpp"
#include "parallel.hpp"
#include "rows.hpp"

namespace dcn {
namespace {

// A band of output rows of one job (of one plane of it, planar): the unit of work handed to threads.
struct Band {
    const CropJob* job;
    int64_t y0, y1;
    int64_t plane;
};

// Plane p of a strided view as a one-channel view (one-channel views serve every plane).
StridedView plane_of(const StridedView& v, int64_t p) {
    if (v.c == 1) return v;
    StridedView out = v;
    out.data = v.data + p * v.sc;
    out.c = 1;
    out.sc = v.itemsize;
    return out;
}

// What a band reads and writes: the image (or plane), the job's mask (or that plane's), the
// output (or plane of it), its plan and fill pixel.
struct Target {
    StridedView image, mask;
    uint8_t* dst;
    const BlendPlan* plan;
    const uint8_t* fill;
};

constexpr int64_t kBandBytes = 128 * 1024;  // small enough to balance, large enough to amortise

void run_band(const Target& t, const Band& band, BlendRowFn blend_row, std::vector<uint8_t>& mask_row) {
    const CropJob& job = *band.job;
    const StridedView &image = t.image, &mask = t.mask;
    const BlendPlan* plan = t.plan;
    const uint8_t* fill = t.fill;
    const int64_t px = image.pixel_bytes(), row_bytes = job.out_w * px;
    const bool blend = plan && plan->mode != BlendPlan::Mode::copy && mask.data != nullptr;
    // Output rows above and below the box are padding, [y0, y1) hold image rows.
    const int64_t y0 = std::clamp(band.y0, job.top, job.top + job.h), y1 = std::clamp(band.y1, job.top, job.top + job.h);
    paint_pixels(t.dst + band.y0 * row_bytes, (y0 - band.y0) * job.out_w, fill, px);
    paint_pixels(t.dst + y1 * row_bytes, (band.y1 - y1) * job.out_w, fill, px);
    // Rows that follow one another in the image, the mask and the output (full-width crops of
    // contiguous images) are one long row: one kernel call instead of one per row.
    const bool follow = job.out_w == job.w && image.row_contiguous() && image.sy == row_bytes &&
                        (!blend || (mask.row_contiguous() && mask.sy == job.w * mask.pixel_bytes()));
    const int64_t rows = follow ? std::min<int64_t>(y1 - y0, 1) : y1 - y0;
    const int64_t w = follow ? job.w * (y1 - y0) : job.w;
    const bool sides = job.out_w > job.w;  // padding left or right of the box
    const uint8_t* src = image.data + (job.y0 + y0 - job.top) * image.sy + job.x0 * image.sx;
    uint8_t* dst = t.dst + y0 * row_bytes + job.left * px;
    for (int64_t y = y0; y < y0 + rows; ++y, src += image.sy, dst += row_bytes) {
        if (sides) {
            paint_pixels(dst - job.left * px, job.left, fill, px);
            paint_pixels(dst + job.w * px, job.out_w - job.left - job.w, fill, px);
        }
        if (blend)
            blend_image_row(src, image, w, mask.data + (y - job.top) * mask.sy, mask, *plan, blend_row,
                            mask_row.data(), dst);
        else
            copy_row(src, image, w, dst);
    }
}

}  // namespace

CropBatch plan_crops(const int64_t* boxes, const int64_t* canvas, int64_t n, const StridedView* masks,
                     int64_t pixel_bytes) {
    CropBatch batch;
    batch.job_of.assign(static_cast<size_t>(n), -1);
    for (int64_t i = 0; i < n; ++i) {
        const int64_t* r = boxes + 4 * i;
        if (r[2] <= r[0] || r[3] <= r[1]) continue;  // empty box: no crop
        const int64_t* c = canvas ? canvas + 4 * i : r;
        CropJob job;
        job.x0 = r[0], job.y0 = r[1], job.w = r[2] - r[0], job.h = r[3] - r[1];
        job.out_w = c[2] - c[0], job.out_h = c[3] - c[1];
        job.left = r[0] - c[0], job.top = r[1] - c[1];
        job.offset = batch.bytes;
        batch.bytes = add_output(batch.bytes, job.out_h, job.out_w, pixel_bytes);
        if (masks) job.mask = masks[i];
        batch.job_of[static_cast<size_t>(i)] = static_cast<int64_t>(batch.jobs.size());
        batch.jobs.push_back(job);
    }
    return batch;
}

void run_crops(const StridedView& image, CropBatch& batch, uint8_t* memory, const BlendPlan* plans,
               const uint8_t* fill, int threads, bool planar) {
    const BlendRowFn blend_row = active_kernels().blend_row;
    const int64_t planes = planar ? image.c : 1;
    const int64_t px = planar ? image.itemsize : image.pixel_bytes();  // bytes per output pixel of a plane
    std::vector<Band> bands;
    int64_t total = 0;
    size_t scratch = 0;  // widest strided mask row, so no worker allocates while running
    for (CropJob& job : batch.jobs) {
        job.dst = memory + job.offset;
        const int64_t row_bytes = std::max<int64_t>(1, job.out_w * px);
        const int64_t step = std::max<int64_t>(1, kBandBytes / row_bytes);
        for (int64_t p = 0; p < planes; ++p)
            for (int64_t y = 0; y < job.out_h; y += step) bands.push_back({&job, y, std::min(job.out_h, y + step), p});
        total += job.out_h * job.out_w * px * planes;
        if (job.mask.data) scratch = std::max(scratch, static_cast<size_t>(job.w * job.mask.c));
    }
    const bool blends = plans && plans[0].mode != BlendPlan::Mode::copy;
    const Workers workers = plan_workers(threads, total, bands.size(), blends ? Work::blend : Work::copy);
    std::vector<std::vector<uint8_t>> rows(static_cast<size_t>(workers.count), std::vector<uint8_t>(scratch));
    parallel_for(bands.size(), workers, [&](int worker, size_t i) {
        const Band& band = bands[i];
        const CropJob& job = *band.job;
        Target t{image, job.mask, job.dst, plans, fill};
        if (planar) {
            const int64_t p = band.plane;
            t = {plane_of(image, p), plane_of(job.mask, p), job.dst + p * job.out_h * job.out_w * px,
                 plans ? plans + p : nullptr, fill ? fill + p * px : nullptr};
        }
        run_band(t, band, blend_row, rows[static_cast<size_t>(worker)]);
    });
}

}  // namespace dcn
