// Fused crop + resize jobs (resize.hpp). Separable two-tap resampling with OpenCV's
// INTER_LINEAR arithmetic: 11-bit weights from its float coordinate mapping, a horizontal pass
// into int32 rows (each crop row at most once, cached while two output rows share it) and its
// SIMD vertical rounding. The inner loops and the blend are the dispatched kernels
// (resample.hpp, blend.hpp); this file plans jobs and taps, caches rows and lays out the output.
#include "resize.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "dispatch.hpp"
#include "output.hpp"
#include "parallel.hpp"
#include "rows.hpp"

namespace dcn {
namespace {

constexpr int kOne = 1 << 11;  // OpenCV's INTER_RESIZE_COEF_SCALE

int16_t weight(float v) { return static_cast<int16_t>(std::clamp<long>(std::lrint(v * kOne), -32768, 32767)); }

// OpenCV's mapping from `dst` output to `src` input coordinates. Linear: centre-aligned; the
// horizontal fraction is zeroed past either edge, while vertically only the rows are clamped
// (as cv::resize does). Nearest: floor(d * src / dst). Taps hold indices times `step`.
void axis_taps(int64_t src, int64_t dst, bool nearest, bool horizontal, int64_t step, Taps* taps) {
    const double scale = 1.0 / (static_cast<double>(dst) / static_cast<double>(src));
    for (int64_t d = 0; d < dst; ++d) {
        if (nearest) {
            const int64_t s = std::min<int64_t>(static_cast<int64_t>(std::floor(d * scale)), src - 1);
            taps[d] = {static_cast<int32_t>(s * step), static_cast<int32_t>(s * step), {kOne, 0}};
            continue;
        }
        float f = static_cast<float>((d + 0.5) * scale - 0.5);
        int64_t s = static_cast<int64_t>(std::floor(f));
        f -= static_cast<float>(s);
        if (horizontal && s < 0) f = 0, s = 0;
        if (horizontal && s >= src - 1) f = 0, s = src - 1;
        taps[d] = {static_cast<int32_t>(std::clamp<int64_t>(s, 0, src - 1) * step),
                   static_cast<int32_t>(std::clamp<int64_t>(s + 1, 0, src - 1) * step), {weight(1.f - f), weight(f)}};
    }
}

// Per-worker memory, sized for the largest job before any worker starts.
struct Scratch {
    std::vector<Taps> xt, yt;
    std::vector<uint8_t> row, fill, mask_row, line, planes;
    std::vector<int32_t> resampled[2];
    std::vector<float> mean, std;  // per element of an NHWC row (mean[i] = mean[i % C])
};

// (v - mean) / std in float32, the arithmetic numpy does on a float32 batch; plain loops the
// compiler vectorises (no FMA: -ffp-contract=off).
void normalise(const uint8_t* s, int64_t n, const float* mean, const float* std, float* d) {
    for (int64_t i = 0; i < n; ++i) d[i] = (static_cast<float>(s[i]) - mean[i]) / std[i];
}
void normalise(const uint8_t* s, int64_t n, float mean, float std, float* d) {
    for (int64_t i = 0; i < n; ++i) d[i] = (static_cast<float>(s[i]) - mean) / std;
}

// One finished slot row (C-interleaved, the image's channel order) into the output: channel
// order, layout, then dtype.
template <int C>
void emit_row(const uint8_t* line, int64_t y, const ResizeOutput& o, const Kernels& k, Scratch& s,
              uint8_t* slot) {
    int perm[4] = {0, 1, 2, 3};
    if (o.rgb && C >= 3) std::swap(perm[0], perm[2]);
    const int64_t w = o.w;
    uint8_t* planes = s.planes.data();
    if (o.planar) {  // uint8 planes go straight to the output, float ones through scratch
        uint8_t* to[4];
        for (int k = 0; k < C; ++k) to[k] = o.mean ? planes + k * w : slot + (k * o.h + y) * w;
        k.planarize(line, w, C, perm, to);
        if (o.mean)
            for (int k = 0; k < C; ++k)
                normalise(planes + k * w, w, o.mean[k], o.std[k], reinterpret_cast<float*>(slot) + (k * o.h + y) * w);
        return;
    }
    if (perm[0] != 0) {
        for (int64_t x = 0; x < w; ++x)
            for (int k = 0; k < C; ++k) planes[x * C + k] = line[x * C + perm[k]];
        line = planes;
    }
    if (o.mean)
        normalise(line, w * C, s.mean.data(), s.std.data(), reinterpret_cast<float*>(slot) + y * w * C);
    else
        std::memcpy(slot + y * w * C, line, static_cast<size_t>(w * C));
}

template <int C>
class JobRunner {
  public:
    JobRunner(const StridedView& image, const ResizeOutput& out, const BlendPlan* plan, Scratch& s)
        : img_(image), out_(out), plan_(plan), k_(active_kernels()), s_(s) {}

    void run(const ResizeJob& job) {
        const uint8_t* fill = s_.fill.data();
        if (job.rw == 0) {  // nothing of the crop to draw: background only
            for (int64_t y = 0; y < out_.h; ++y) emit_row<C>(fill, y, out_, k_, s_, job.dst);
            return;
        }
        job_ = &job;
        axis_taps(job.cw, job.rw, out_.nearest, true, C, s_.xt.data());
        axis_taps(job.ch, job.rh, out_.nearest, false, 1, s_.yt.data());
        if (job.bx0 > job.cx0 || job.bx1 < job.cx0 + job.cw)  // padding columns stay filled
            std::memcpy(s_.row.data(), fill, static_cast<size_t>(job.cw * C));
        uint8_t* line = s_.line.data();
        std::memcpy(line, fill, static_cast<size_t>(out_.w * C));  // the letterbox sides
        cached_[0] = cached_[1] = -1;
        for (int64_t y = 0; y < job.py; ++y) emit_row<C>(fill, y, out_, k_, s_, job.dst);
        for (int64_t dy = 0; dy < job.rh; ++dy) {
            const Taps& t = s_.yt[static_cast<size_t>(dy)];
            const int a = fetch(t.o0, -1), b = fetch(t.o1, a);
            k_.combine_rows(s_.resampled[a].data(), s_.resampled[b].data(), t.w[0], t.w[1], job.rw * C,
                            line + job.px * C);
            emit_row<C>(line, job.py + dy, out_, k_, s_, job.dst);
        }
        for (int64_t y = job.py + job.rh; y < out_.h; ++y) emit_row<C>(fill, y, out_, k_, s_, job.dst);
    }

  private:
    // The cache slot holding crop row r resampled horizontally, computing it if needed
    // without evicting slot `keep`.
    int fetch(int64_t r, int keep) {
        for (int k = 0; k < 2; ++k)
            if (cached_[k] == r) return k;
        const int k = keep >= 0 ? 1 - keep : (cached_[0] <= cached_[1] ? 0 : 1);
        k_.resample_row(crop_row(r), job_->cw * C, s_.xt.data(), job_->rw, C, s_.resampled[k].data());
        cached_[k] = r;
        return k;
    }

    // Crop row r (cw pixels): image pixels, background removed, padding filled.
    const uint8_t* crop_row(int64_t r) {
        const ResizeJob& job = *job_;
        const int64_t y = job.cy0 + r;
        if (y < job.by0 || y >= job.by1) return s_.fill.data();
        const int64_t bw = job.bx1 - job.bx0;
        const uint8_t* src = img_.data + y * img_.sy + job.bx0 * img_.sx;
        uint8_t* row = s_.row.data();
        uint8_t* mid = row + (job.bx0 - job.cx0) * C;
        if (plan_ && job.mask.data) {
            blend_image_row(src, img_, bw, job.mask.data + (y - job.by0) * job.mask.sy, job.mask, *plan_,
                            k_.blend_row, s_.mask_row.data(), mid);
            return row;
        }
        const bool padded = job.bx0 > job.cx0 || job.bx1 < job.cx0 + job.cw;
        if (!padded && img_.row_contiguous()) return src;
        copy_row(src, img_, bw, mid);
        return row;
    }

    const StridedView& img_;
    const ResizeOutput& out_;
    const BlendPlan* plan_;
    const Kernels& k_;
    Scratch& s_;
    const ResizeJob* job_ = nullptr;
    int64_t cached_[2] = {-1, -1};
};

template <int C>
void run_all(const StridedView& image, const std::vector<ResizeJob>& jobs, const ResizeOutput& out,
             const BlendPlan* plan, int threads) {
    int64_t max_cw = 0, max_rw = 0, max_rh = 0, max_mask = 0;
    for (const ResizeJob& j : jobs) {
        max_cw = std::max(max_cw, j.cw), max_rw = std::max(max_rw, j.rw), max_rh = std::max(max_rh, j.rh);
        if (j.mask.data) max_mask = std::max(max_mask, (j.bx1 - j.bx0) * j.mask.c);
    }
    const int64_t slot_bytes = out.h * out.w * C * (out.mean ? 4 : 1);
    const int workers = worker_count(threads, slot_bytes * static_cast<int64_t>(jobs.size()), jobs.size());
    std::vector<Scratch> scratch(static_cast<size_t>(workers));
    for (Scratch& s : scratch) {
        s.xt.resize(static_cast<size_t>(max_rw));
        s.yt.resize(static_cast<size_t>(max_rh));
        s.row.resize(static_cast<size_t>(max_cw * C));
        s.fill.resize(static_cast<size_t>(std::max(max_cw, out.w) * C));
        for (size_t i = 0; i < s.fill.size(); ++i) s.fill[i] = out.fill[i % C];
        s.mask_row.resize(static_cast<size_t>(max_mask));
        s.line.resize(static_cast<size_t>(out.w * C));
        s.planes.resize(static_cast<size_t>(out.w * C));
        if (out.mean) {
            for (int64_t i = 0; i < out.w * C; ++i) {
                s.mean.push_back(out.mean[i % C]);
                s.std.push_back(out.std[i % C]);
            }
        }
        for (auto& r : s.resampled) r.resize(static_cast<size_t>(max_rw * C + 1));  // +1: see ResampleRowFn
    }
    parallel_for(jobs.size(), workers, [&](int worker, size_t i) {
        JobRunner<C>(image, out, plan, scratch[static_cast<size_t>(worker)]).run(jobs[i]);
    });
}

}  // namespace

ResizeBatch plan_resizes(const int64_t* boxes, const int64_t* canvas, const int64_t* placement, int64_t n,
                         const StridedView* masks, const ResizeOutput& out) {
    ResizeBatch batch;
    batch.jobs.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
        const int64_t *r = boxes + 4 * i, *c = canvas + 4 * i, *p = placement + 4 * i;
        ResizeJob& job = batch.jobs[static_cast<size_t>(i)];
        batch.bytes = add_output(batch.bytes, out.h, out.w, out.c * (out.mean ? 4 : 1));
        if (p[2] == 0 && p[3] == 0) continue;
        job.cx0 = c[0], job.cy0 = c[1], job.cw = c[2] - c[0], job.ch = c[3] - c[1];
        job.bx0 = r[0], job.by0 = r[1], job.bx1 = r[2], job.by1 = r[3];
        job.px = p[0], job.py = p[1], job.rw = p[2], job.rh = p[3];
        if (masks) job.mask = masks[i];
        batch.scratch = add_output(batch.scratch, 2, job.cw, out.c);  // crop row + fill row of a worker
    }
    return batch;
}

void run_resizes(const StridedView& image, ResizeBatch& batch, uint8_t* memory, const ResizeOutput& out,
                 const BlendPlan* plan, int threads) {
    std::vector<ResizeJob>& jobs = batch.jobs;
    if (jobs.empty()) return;
    const size_t slot = static_cast<size_t>(out.h * out.w * out.c * (out.mean ? 4 : 1));
    for (size_t i = 0; i < jobs.size(); ++i) jobs[i].dst = memory + i * slot;
    switch (out.c) {
        case 1: return run_all<1>(image, jobs, out, plan, threads);
        case 2: return run_all<2>(image, jobs, out, plan, threads);
        case 3: return run_all<3>(image, jobs, out, plan, threads);
        default: return run_all<4>(image, jobs, out, plan, threads);
    }
}

}  // namespace dcn
