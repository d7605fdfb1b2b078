// Fused crop + resize jobs (resize.hpp). Separable two-tap resampling with OpenCV's
// INTER_LINEAR arithmetic: 11-bit weights from its float coordinate mapping, a horizontal pass
// into int32 rows (each crop row at most once per chunk, cached while two output rows share
// it) and its SIMD vertical rounding. The inner loops and the blend are the dispatched kernels
// (resample.hpp, blend.hpp); this file plans jobs and taps, caches rows and lays out the output.
#include "resize.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "dispatch.hpp"
#include "output.hpp"
#include "parallel.hpp"
#include "rows.hpp"

namespace dcn {
namespace {

constexpr int kOne = 1 << 11;                 // OpenCV's INTER_RESIZE_COEF_SCALE
constexpr int64_t kChunkElements = 1 << 15;   // slot-row bytes (pixels x channels) per chunk

int16_t weight(float v) { return static_cast<int16_t>(std::clamp<long>(std::lrint(v * kOne), -32768, 32767)); }

// The taps of output coordinate d on an axis of `src` inputs and `dst` outputs (scale = src /
// dst as OpenCV computes it), as input indices. Linear: OpenCV's centre-aligned mapping; the
// horizontal fraction is zeroed past either edge, while vertically only the rows are clamped
// (as cv::resize does). Nearest: floor(d * scale). Area2: OpenCV's 2x2 averages (see below).
Taps axis_tap(int64_t src, double scale, bool nearest, bool area2, bool horizontal, int64_t d) {
    if (area2) return {static_cast<int32_t>(2 * d), static_cast<int32_t>(2 * d + 1), {kOne / 2, kOne / 2}};
    if (nearest) {
        const int32_t s = static_cast<int32_t>(std::min<int64_t>(static_cast<int64_t>(std::floor(d * scale)), src - 1));
        return {s, s, {kOne, 0}};
    }
    float f = static_cast<float>((d + 0.5) * scale - 0.5);
    int64_t s = static_cast<int64_t>(std::floor(f));
    f -= static_cast<float>(s);
    if (horizontal && s < 0) f = 0, s = 0;
    if (horizontal && s >= src - 1) f = 0, s = src - 1;
    return {static_cast<int32_t>(std::clamp<int64_t>(s, 0, src - 1)),
            static_cast<int32_t>(std::clamp<int64_t>(s + 1, 0, src - 1)), {weight(1.f - f), weight(f)}};
}

double axis_scale(int64_t src, int64_t dst) { return 1.0 / (static_cast<double>(dst) / static_cast<double>(src)); }

// cv::resize turns INTER_LINEAR at exactly half size in both axes into INTER_AREA, whose fast
// path (1, 3 and 4 channels) rounds the 2x2 average half up, as the linear fixed point does;
// 2-channel images take its generic loop instead: the sum times 0.25f, rounded half to even.
// Rows a and b hold 1024 * (p0 + p1) of one row each (the area2 taps).
void average_half_even(const int32_t* a, const int32_t* b, int64_t n, uint8_t* out) {
    for (int64_t i = 0; i < n; ++i) {
        const int32_t sum = (a[i] + b[i]) >> 10;
        out[i] = static_cast<uint8_t>((sum + 1 + ((sum >> 2) & 1)) >> 2);
    }
}

// Per-worker memory, sized for the largest job before any worker starts (ResizeScratch).
struct Scratch {
    Scratch(const ResizeScratch& size, const ResizeOutput& out) {
        const int64_t C = out.c, chunk = size.chunk_px * C;
        xt.resize(static_cast<size_t>(size.chunk_px));
        row.resize(static_cast<size_t>(size.span_px * C));
        fill.resize(static_cast<size_t>(std::max(size.span_px, size.chunk_px) * C));
        for (size_t i = 0; i < fill.size(); ++i) fill[i] = out.fill[i % C];
        mask_row.resize(static_cast<size_t>(size.mask_bytes));
        line.resize(static_cast<size_t>(chunk));
        planes.resize(static_cast<size_t>(chunk));
        for (auto& r : resampled) r.resize(static_cast<size_t>(chunk + 1));  // +1: see ResampleRowFn
        if (out.mean) {
            for (int64_t i = 0; i < chunk; ++i) {
                mean.push_back(out.mean[i % C]);
                std.push_back(out.std[i % C]);
            }
        }
    }
    std::vector<Taps> xt;
    std::vector<uint8_t> row, fill, mask_row, line, planes;
    std::vector<int32_t> resampled[2];
    std::vector<float> mean, std;  // per element of a chunk of an NHWC row (mean[i] = mean[i % C])
};

size_t scratch_bytes(const ResizeScratch& size, const ResizeOutput& out) {
    const size_t C = static_cast<size_t>(out.c), chunk = static_cast<size_t>(size.chunk_px) * C;
    const size_t span = static_cast<size_t>(size.span_px) * C;
    return static_cast<size_t>(size.chunk_px) * sizeof(Taps) + span + std::max(span, chunk) +
           static_cast<size_t>(size.mask_bytes) + 2 * chunk + 2 * (chunk + 1) * sizeof(int32_t) +
           (out.mean ? 2 * chunk * sizeof(float) : 0);
}

// (v - mean) / std in float32, the arithmetic numpy does on a float32 batch; plain loops the
// compiler vectorises (no FMA: -ffp-contract=off).
void normalise(const uint8_t* s, int64_t n, const float* mean, const float* std, float* d) {
    for (int64_t i = 0; i < n; ++i) d[i] = (static_cast<float>(s[i]) - mean[i]) / std[i];
}
void normalise(const uint8_t* s, int64_t n, float mean, float std, float* d) {
    for (int64_t i = 0; i < n; ++i) d[i] = (static_cast<float>(s[i]) - mean) / std;
}

// Columns [x0, x0 + n) of one finished slot row (C-interleaved, the image's channel order)
// into the output: channel order, layout, then dtype.
template <int C>
void emit_row(const uint8_t* line, int64_t y, int64_t x0, int64_t n, const ResizeOutput& o, const Kernels& k,
              Scratch& s, uint8_t* slot) {
    int perm[4] = {0, 1, 2, 3};
    if (o.rgb && C >= 3) std::swap(perm[0], perm[2]);
    const int64_t w = o.w;
    uint8_t* planes = s.planes.data();
    if (o.planar) {  // uint8 planes go straight to the output, float ones through scratch
        uint8_t* to[4];
        for (int k = 0; k < C; ++k) to[k] = o.mean ? planes + k * n : slot + (k * o.h + y) * w + x0;
        k.planarize(line, n, C, perm, to);
        if (o.mean)
            for (int k = 0; k < C; ++k)
                normalise(planes + k * n, n, o.mean[k], o.std[k], reinterpret_cast<float*>(slot) + (k * o.h + y) * w + x0);
        return;
    }
    if (perm[0] != 0) {
        for (int64_t x = 0; x < n; ++x)
            for (int k = 0; k < C; ++k) planes[x * C + k] = line[x * C + perm[k]];
        line = planes;
    }
    if (o.mean)
        normalise(line, n * C, s.mean.data(), s.std.data(), reinterpret_cast<float*>(slot) + (y * w + x0) * C);
    else
        std::memcpy(slot + (y * w + x0) * C, line, static_cast<size_t>(n * C));
}

template <int C>
class JobRunner {
  public:
    JobRunner(const StridedView& image, const ResizeOutput& out, const BlendPlan* plan, const ResizeScratch& size,
              Scratch& s)
        : img_(image), out_(out), plan_(plan), k_(active_kernels()), chunk_px_(size.chunk_px), s_(s) {}

    void run(const ResizeJob& job) {
        job_ = &job;
        area2_ = C == 2 && !out_.nearest && job.rw > 0 && job.cw == 2 * job.rw && job.ch == 2 * job.rh;
        blend_ = plan_ && job.mask.data;
        for (int64_t x0 = 0; x0 < out_.w; x0 += chunk_px_) run_chunk(x0, std::min(out_.w, x0 + chunk_px_));
    }

  private:
    // Slot columns [x0, x1), every row.
    void run_chunk(int64_t x0, int64_t x1) {
        const ResizeJob& job = *job_;
        const int64_t n = x1 - x0;
        const uint8_t* fill = s_.fill.data();
        // Columns [a, b) show the resized crop, the rest (and rows outside it) the background.
        const int64_t a = std::clamp(job.px, x0, x1), b = std::clamp(job.px + job.rw, x0, x1);
        if (a == b) {
            for (int64_t y = 0; y < out_.h; ++y) emit_row<C>(fill, y, x0, n, out_, k_, s_, job.dst);
            return;
        }
        plan_columns(a - job.px, b - job.px);
        uint8_t* line = s_.line.data();
        std::memcpy(line, fill, static_cast<size_t>(n * C));  // the letterbox sides
        const double scale = axis_scale(job.ch, job.rh);
        cached_[0] = cached_[1] = -1;
        for (int64_t y = 0; y < out_.h; ++y) {
            const int64_t dy = y - job.py;
            if (dy < 0 || dy >= job.rh) {
                emit_row<C>(fill, y, x0, n, out_, k_, s_, job.dst);
                continue;
            }
            const Taps t = axis_tap(job.ch, scale, out_.nearest, area2_, false, dy);
            const int r0 = fetch(t.o0, -1), r1 = fetch(t.o1, r0);
            uint8_t* part = line + (a - x0) * C;
            if (area2_)
                average_half_even(s_.resampled[r0].data(), s_.resampled[r1].data(), (b - a) * C, part);
            else
                k_.combine_rows(s_.resampled[r0].data(), s_.resampled[r1].data(), t.w[0], t.w[1], (b - a) * C, part);
            emit_row<C>(line, y, x0, n, out_, k_, s_, job.dst);
        }
    }

    // Horizontal taps of resized columns [d0, d1) and the crop row they read. Direct: the
    // image row itself, when the taps read image pixels only and nothing is blended. Else a
    // buffer of the image columns [u_, v_) the taps read, between two fill pixels on each side
    // that stand for any padding columns (taps are neighbours or have a zero second weight, so
    // two on each side keep every pair's values): the buffer is bounded by the image, not by the
    // crop's padding.
    void plan_columns(int64_t d0, int64_t d1) {
        const ResizeJob& job = *job_;
        const double scale = axis_scale(job.cw, job.rw);
        Taps* t = s_.xt.data();
        taps_ = d1 - d0;
        for (int64_t d = d0; d < d1; ++d) t[d - d0] = axis_tap(job.cw, scale, out_.nearest, area2_, true, d);
        const int64_t lo = t[0].o0, hi = t[taps_ - 1].o1 + 1;  // crop columns read (taps are monotonic)
        const int64_t left = job.bx0 - job.cx0, right = job.bx1 - job.cx0;
        direct_ = !blend_ && img_.row_contiguous() && left <= lo && hi <= right;
        if (direct_) {
            u_ = lo;
            for (int64_t i = 0; i < taps_; ++i) t[i].o0 = (t[i].o0 - lo) * C, t[i].o1 = (t[i].o1 - lo) * C;
            row_bytes_ = (hi - lo) * C;
            return;
        }
        u_ = std::max(lo, left), v_ = std::max(u_, std::min(hi, right));
        auto at = [&](int64_t s) { return s < u_ ? (s == u_ - 1 ? 1 : 0) : 2 + std::min(s, v_) - u_; };
        for (int64_t i = 0; i < taps_; ++i) {
            const bool pair = t[i].o1 == t[i].o0 + 1;
            t[i].o0 = static_cast<int32_t>(at(t[i].o0) * C);
            t[i].o1 = pair ? t[i].o0 + C : t[i].o0;
        }
        row_bytes_ = (v_ - u_ + 4) * C;
        uint8_t* row = s_.row.data();
        std::memcpy(row, s_.fill.data(), 2 * C);
        std::memcpy(row + (2 + v_ - u_) * C, s_.fill.data(), 2 * C);
    }

    // The cache slot holding crop row r resampled horizontally, computing it if needed
    // without evicting slot `keep`.
    int fetch(int64_t r, int keep) {
        for (int k = 0; k < 2; ++k)
            if (cached_[k] == r) return k;
        const int k = keep >= 0 ? 1 - keep : (cached_[0] <= cached_[1] ? 0 : 1);
        k_.resample_row(crop_row(r), row_bytes_, s_.xt.data(), taps_, C, s_.resampled[k].data());
        cached_[k] = r;
        return k;
    }

    // Crop row r as plan_columns laid it out: image pixels, background removed; padding rows
    // are all fill.
    const uint8_t* crop_row(int64_t r) {
        const ResizeJob& job = *job_;
        const int64_t y = job.cy0 + r;
        if (y < job.by0 || y >= job.by1) return s_.fill.data();
        const uint8_t* src = img_.data + y * img_.sy + (job.cx0 + u_) * img_.sx;
        if (direct_) return src;
        uint8_t* mid = s_.row.data() + 2 * C;
        if (blend_) {
            const uint8_t* mask = job.mask.data + (y - job.by0) * job.mask.sy + (job.cx0 + u_ - job.bx0) * job.mask.sx;
            blend_image_row(src, img_, v_ - u_, mask, job.mask, *plan_, k_.blend_row, s_.mask_row.data(), mid);
        } else {
            copy_row(src, img_, v_ - u_, mid);
        }
        return s_.row.data();
    }

    const StridedView& img_;
    const ResizeOutput& out_;
    const BlendPlan* plan_;
    const Kernels& k_;
    const int64_t chunk_px_;
    Scratch& s_;
    const ResizeJob* job_ = nullptr;
    bool area2_ = false, blend_ = false, direct_ = false;
    int64_t taps_ = 0, u_ = 0, v_ = 0, row_bytes_ = 0;
    int64_t cached_[2] = {-1, -1};
};

template <int C>
void run_all(const StridedView& image, const ResizeBatch& batch, const ResizeOutput& out, const BlendPlan* plan) {
    std::vector<Scratch> scratch;
    for (int w = 0; w < batch.workers; ++w) scratch.emplace_back(batch.scratch, out);
    parallel_for(batch.jobs.size(), batch.workers, [&](int worker, size_t i) {
        JobRunner<C>(image, out, plan, batch.scratch, scratch[static_cast<size_t>(worker)]).run(batch.jobs[i]);
    });
}

}  // namespace

ResizeBatch plan_resizes(const int64_t* boxes, const int64_t* canvas, const int64_t* placement, int64_t n,
                         const StridedView* masks, const ResizeOutput& out, int threads) {
    ResizeBatch batch;
    batch.jobs.resize(static_cast<size_t>(n));
    const int64_t item = out.mean ? 4 : 1;
    for (int64_t i = 0; i < n; ++i) {
        const int64_t *r = boxes + 4 * i, *c = canvas + 4 * i, *p = placement + 4 * i;
        ResizeJob& job = batch.jobs[static_cast<size_t>(i)];
        batch.bytes = add_output(batch.bytes, out.h, out.w, out.c * item);
        if (p[2] == 0 && p[3] == 0) continue;
        job.cx0 = c[0], job.cy0 = c[1], job.cw = c[2] - c[0], job.ch = c[3] - c[1];
        job.bx0 = r[0], job.by0 = r[1], job.bx1 = r[2], job.by1 = r[3];
        job.px = p[0], job.py = p[1], job.rw = p[2], job.rh = p[3];
        batch.scratch.span_px = std::max(batch.scratch.span_px, job.bx1 - job.bx0 + 4);
        if (masks && masks[i].data) {
            job.mask = masks[i];
            batch.scratch.mask_bytes = std::max(batch.scratch.mask_bytes, (job.bx1 - job.bx0) * job.mask.c);
        }
    }
    batch.scratch.chunk_px = std::min(out.w, std::max<int64_t>(1, kChunkElements / out.c));
    batch.scratch.bytes = scratch_bytes(batch.scratch, out);
    const size_t output = std::min<size_t>(batch.bytes, INT64_MAX);
    batch.workers = worker_count(threads, static_cast<int64_t>(output), static_cast<size_t>(n));
    size_t scratch = 0;
    batch.needed = __builtin_mul_overflow(batch.scratch.bytes, static_cast<size_t>(batch.workers), &scratch) ||
                           __builtin_add_overflow(batch.bytes, scratch, &batch.needed)
                       ? SIZE_MAX
                       : batch.needed;
    return batch;
}

void run_resizes(const StridedView& image, ResizeBatch& batch, uint8_t* memory, const ResizeOutput& out,
                 const BlendPlan* plan) {
    if (batch.jobs.empty()) return;
    const size_t slot = static_cast<size_t>(out.h * out.w * out.c * (out.mean ? 4 : 1));
    for (size_t i = 0; i < batch.jobs.size(); ++i) batch.jobs[i].dst = memory + i * slot;
    switch (out.c) {
        case 1: return run_all<1>(image, batch, out, plan);
        case 2: return run_all<2>(image, batch, out, plan);
        case 3: return run_all<3>(image, batch, out, plan);
        default: return run_all<4>(image, batch, out, plan);
    }
}

}  // namespace dcn
