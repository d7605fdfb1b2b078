// Fused crop + resize jobs (resize.hpp). Separable two-tap resampling with OpenCV's
// INTER_LINEAR arithmetic (INTER_AREA downscaling: box cells, area.hpp): 11-bit weights from its float coordinate mapping, a horizontal pass
// into int32 rows (each crop row at most once per chunk, cached while two output rows share
// it) and its SIMD vertical rounding. The inner loops and the blend are the dispatched kernels
// (resample.hpp, blend.hpp); this file plans jobs and taps, caches rows and lays out the output.
#include "resize.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "area.hpp"
#include "dispatch.hpp"
#include "output.hpp"
#include "parallel.hpp"
#include "portable.hpp"
#include "rows.hpp"

namespace dcn {
namespace {

constexpr int kOne = 1 << 11;                 // OpenCV's INTER_RESIZE_COEF_SCALE
constexpr int64_t kChunkElements = 1 << 15;   // slot-row bytes (pixels x channels) per chunk

int16_t weight(float v) { return static_cast<int16_t>(std::clamp<long>(std::lrint(v * kOne), -32768, 32767)); }

// How an axis maps: OpenCV's scale (src / dst, as 1 / inv_scale) and inv_scale (dst / src).
struct AxisScale {
    double scale, inv;
};

AxisScale axis_scale(int64_t src, int64_t dst) {
    const double inv = static_cast<double>(dst) / static_cast<double>(src);
    return {1.0 / inv, inv};
}

// How a job's taps are placed. Linear: OpenCV's centre-aligned mapping; the horizontal fraction
// is zeroed past either edge, while vertically only the rows are clamped (as cv::resize does).
// Nearest: floor(d * scale). Area2: OpenCV's 2x2 averages (see below). AreaLinear: the
// bilinear variant cv::resize runs for INTER_AREA when either axis is enlarged: the source
// index floor(d * scale) and the fraction (d + 1) - (s + 1) * inv_scale, zeroed when <= 0.
enum class Mode { linear, nearest, area2, area_linear };

// The taps of output coordinate d on an axis of `src` inputs, as input indices.
Taps axis_tap(int64_t src, AxisScale a, Mode mode, bool horizontal, int64_t d) {
    if (mode == Mode::area2) return {static_cast<int32_t>(2 * d), static_cast<int32_t>(2 * d + 1), {kOne / 2, kOne / 2}};
    if (mode == Mode::nearest) {
        const int32_t s = static_cast<int32_t>(std::min<int64_t>(static_cast<int64_t>(std::floor(d * a.scale)), src - 1));
        return {s, s, {kOne, 0}};
    }
    float f;
    int64_t s;
    if (mode == Mode::area_linear) {
        s = static_cast<int64_t>(std::floor(d * a.scale));
        f = static_cast<float>((d + 1) - (s + 1) * a.inv);
        f = f <= 0 ? 0.f : f - std::floor(f);
    } else {
        f = static_cast<float>((d + 0.5) * a.scale - 0.5);
        s = static_cast<int64_t>(std::floor(f));
        f -= static_cast<float>(s);
    }
    if (horizontal && s < 0) f = 0, s = 0;
    if (horizontal && s >= src - 1) f = 0, s = src - 1;
    return {static_cast<int32_t>(std::clamp<int64_t>(s, 0, src - 1)),
            static_cast<int32_t>(std::clamp<int64_t>(s + 1, 0, src - 1)), {weight(1.f - f), weight(f)}};
}

// OpenCV's computeResizeAreaTab for output d on an axis of `src` inputs: tap(s, alpha) for
// each input s the cell [d * scale, (d + 1) * scale) covers, in its order, with its float
// weights (a partial first and last input, 1 / cell width for the inputs in between).
template <class Tap>
void area_cell(int64_t src, double scale, int64_t d, Tap tap) {
    const double f1 = static_cast<double>(d) * scale, f2 = f1 + scale;
    const double cell = std::min(scale, static_cast<double>(src) - f1);
    int64_t s2 = static_cast<int64_t>(std::floor(f2));
    s2 = std::min(s2, src - 1);
    const int64_t s1 = std::min(static_cast<int64_t>(std::ceil(f1)), s2);
    if (static_cast<double>(s1) - f1 > 1e-3) tap(s1 - 1, static_cast<float>((static_cast<double>(s1) - f1) / cell));
    for (int64_t s = s1; s < s2; ++s) tap(s, static_cast<float>(1.0 / cell));
    if (f2 - static_cast<double>(s2) > 1e-3)
        tap(s2, static_cast<float>(std::min(std::min(f2 - static_cast<double>(s2), 1.), cell) / cell));
}

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
        if (out.half) f32.resize(static_cast<size_t>(chunk));
        if (out.interpolation == Interpolation::area) {
            cell.resize(static_cast<size_t>(chunk));
            cell_sum.resize(static_cast<size_t>(chunk));
        }
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
    std::vector<float> f32;  // float16 output: a chunk's float32 values before conversion
    std::vector<float> cell, cell_sum;  // INTER_AREA: one crop row's cell sums, their weighted sum
    // INTER_AREA's horizontal cells: every crop column a chunk reads, so these grow with the
    // crop's width (its columns are all read), not with the slot.
    std::vector<AreaTap> cell_taps;
    std::vector<int32_t> cell_first;
};

size_t scratch_bytes(const ResizeScratch& size, const ResizeOutput& out) {
    const size_t C = static_cast<size_t>(out.c), chunk = static_cast<size_t>(size.chunk_px) * C;
    const size_t span = static_cast<size_t>(size.span_px) * C;
    return static_cast<size_t>(size.chunk_px) * sizeof(Taps) + span + std::max(span, chunk) +
           static_cast<size_t>(size.mask_bytes) + 2 * chunk + 2 * (chunk + 1) * sizeof(int32_t) +
           (out.mean ? 2 * chunk * sizeof(float) : 0) +
           (out.interpolation == Interpolation::area ? 2 * chunk * sizeof(float) : 0) +
           (out.half ? chunk * sizeof(float) : 0);
}

// Bytes of one output value: uint8, float32 or float16.
int64_t item_bytes(const ResizeOutput& out) { return out.mean ? (out.half ? 2 : 4) : 1; }

// n normalised values to element `at` of the slot: float32, or float16 by way of `f32`.
template <class Normalise>
void store_normalised(const ResizeOutput& o, const Kernels& k, float* f32, uint8_t* slot, int64_t at, int64_t n,
                      Normalise normalise) {
    if (!o.half) return normalise(reinterpret_cast<float*>(slot) + at);
    normalise(f32);
    k.to_half(f32, n, reinterpret_cast<uint16_t*>(slot) + at);
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
            for (int c = 0; c < C; ++c)
                store_normalised(o, k, s.f32.data(), slot, (c * o.h + y) * w + x0, n,
                                 [&](float* d) { normalise(planes + c * n, n, o.mean[c], o.std[c], d); });
        return;
    }
    if (perm[0] != 0) {
        for (int64_t x = 0; x < n; ++x)
            for (int k = 0; k < C; ++k) planes[x * C + k] = line[x * C + perm[k]];
        line = planes;
    }
    if (o.mean)
        store_normalised(o, k, s.f32.data(), slot, (y * w + x0) * C, n * C,
                         [&](float* d) { normalise(line, n * C, s.mean.data(), s.std.data(), d); });
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
        blend_ = plan_ && job.mask.data;
        choose_path();
        for (int64_t x0 = 0; x0 < out_.w; x0 += chunk_px_) run_chunk(x0, std::min(out_.w, x0 + chunk_px_));
    }

  private:
    // cv::resize's choice for this crop and slot size. INTER_AREA shrinking both axes (or
    // keeping one): integer box sums when both factors are whole numbers (within DBL_EPSILON,
    // as OpenCV tests them), else float cells; enlarging either axis: its bilinear variant.
    // INTER_LINEAR at exactly half size in both axes: INTER_AREA's 2x2 sums (see
    // average_half_even; 1, 3 and 4 channels give the same values through the linear code).
    void choose_path() {
        const ResizeJob& job = *job_;
        xs_ = axis_scale(job.cw, job.rw), ys_ = axis_scale(job.ch, job.rh);
        cells_ = false;
        if (out_.interpolation == Interpolation::nearest) {
            mode_ = Mode::nearest;
        } else if (out_.interpolation == Interpolation::linear) {
            mode_ = C == 2 && job.rw > 0 && job.cw == 2 * job.rw && job.ch == 2 * job.rh ? Mode::area2 : Mode::linear;
        } else if (job.rw > 0 && xs_.scale >= 1 && ys_.scale >= 1) {
            cells_ = true;
            const double ix = std::nearbyint(xs_.scale), iy = std::nearbyint(ys_.scale);
            whole_ = std::abs(xs_.scale - ix) < DBL_EPSILON && std::abs(ys_.scale - iy) < DBL_EPSILON;
            ix_ = static_cast<int64_t>(ix), iy_ = static_cast<int64_t>(iy);
        } else {
            mode_ = Mode::area_linear;
        }
    }

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
        uint8_t* line = s_.line.data();
        std::memcpy(line, fill, static_cast<size_t>(n * C));  // the letterbox sides
        if (cells_) return run_cells(x0, n, a, b);
        plan_columns(a - job.px, b - job.px);
        cached_[0] = cached_[1] = -1;
        for (int64_t y = 0; y < out_.h; ++y) {
            const int64_t dy = y - job.py;
            if (dy < 0 || dy >= job.rh) {
                emit_row<C>(fill, y, x0, n, out_, k_, s_, job.dst);
                continue;
            }
            const Taps t = axis_tap(job.ch, ys_, mode_, false, dy);
            const int r0 = fetch(t.o0, -1), r1 = fetch(t.o1, r0);
            uint8_t* part = line + (a - x0) * C;
            if (mode_ == Mode::area2)
                average_half_even(s_.resampled[r0].data(), s_.resampled[r1].data(), (b - a) * C, part);
            else
                k_.combine_rows(s_.resampled[r0].data(), s_.resampled[r1].data(), t.w[0], t.w[1], (b - a) * C, part);
            emit_row<C>(line, y, x0, n, out_, k_, s_, job.dst);
        }
    }

    // INTER_AREA shrinking, slot columns [x0, x0 + n) of which [a, b) show the crop: each
    // output row is the weighted sum of its cell's crop rows, each row the weighted sum of
    // each output column's cell (OpenCV's operation order, so float results are identical).
    void run_cells(int64_t x0, int64_t n, int64_t a, int64_t b) {
        const ResizeJob& job = *job_;
        plan_cells(a - job.px, b - job.px);
        const int64_t m = (b - a) * C;
        uint8_t* line = s_.line.data();
        uint8_t* part = line + (a - x0) * C;
        const AreaTap* taps = s_.cell_taps.data();
        const int32_t* first = s_.cell_first.data();
        for (int64_t y = 0; y < out_.h; ++y) {
            const int64_t dy = y - job.py;
            if (dy < 0 || dy >= job.rh) {
                emit_row<C>(s_.fill.data(), y, x0, n, out_, k_, s_, job.dst);
                continue;
            }
            if (whole_) {
                int32_t* sum = s_.resampled[0].data();
                std::fill(sum, sum + m, 0);
                for (int64_t r = dy * iy_; r < (dy + 1) * iy_; ++r) area_sum_row(crop_row(r), taps, first, b - a, C, sum);
                k_.area_finish_int(sum, m, static_cast<int>(ix_ * iy_), ix_ == 2 && iy_ == 2 && C != 2, part);
            } else {
                bool start = true;
                area_cell(job.ch, ys_.scale, dy, [&](int64_t r, float beta) {
                    k_.area_row(crop_row(r), row_bytes_, taps, first, b - a, C, s_.cell.data());
                    k_.area_accumulate(s_.cell_sum.data(), s_.cell.data(), beta, m, start);
                    start = false;
                });
                k_.area_finish(s_.cell_sum.data(), m, part);
            }
            emit_row<C>(line, y, x0, n, out_, k_, s_, job.dst);
        }
    }

    // The cells of resized columns [d0, d1) as byte offsets into the row crop_row returns.
    void plan_cells(int64_t d0, int64_t d1) {
        const ResizeJob& job = *job_;
        auto& taps = s_.cell_taps;
        auto& first = s_.cell_first;
        taps.clear(), first.clear();
        for (int64_t d = d0; d < d1; ++d) {
            first.push_back(static_cast<int32_t>(taps.size()));
            if (whole_)
                for (int64_t s = d * ix_; s < (d + 1) * ix_; ++s) taps.push_back({static_cast<int32_t>(s), 1.f});
            else
                area_cell(job.cw, xs_.scale, d, [&](int64_t s, float w) { taps.push_back({static_cast<int32_t>(s), w}); });
        }
        first.push_back(static_cast<int32_t>(taps.size()));
        int64_t lo = taps.front().o, hi = lo + 1;  // crop columns read (cells are in order)
        for (const AreaTap& t : taps) lo = std::min<int64_t>(lo, t.o), hi = std::max<int64_t>(hi, t.o + 1);
        layout_row(lo, hi);
        for (AreaTap& t : taps) t.o = static_cast<int32_t>(column_at(t.o));
    }

    // Horizontal taps of resized columns [d0, d1) and the crop row they read (layout_row).
    // Taps are neighbours or have a zero second weight, so two fill pixels on each side keep
    // every pair's values.
    void plan_columns(int64_t d0, int64_t d1) {
        const ResizeJob& job = *job_;
        Taps* t = s_.xt.data();
        taps_ = d1 - d0;
        for (int64_t d = d0; d < d1; ++d) t[d - d0] = axis_tap(job.cw, xs_, mode_, true, d);
        const int64_t lo = t[0].o0, hi = t[taps_ - 1].o1 + 1;  // crop columns read (taps are monotonic)
        layout_row(lo, hi);
        for (int64_t i = 0; i < taps_; ++i) {
            const bool pair = t[i].o1 == t[i].o0 + 1;
            t[i].o0 = static_cast<int32_t>(column_at(t[i].o0));
            t[i].o1 = direct_ || !pair ? static_cast<int32_t>(column_at(t[i].o1)) : t[i].o0 + C;
        }
    }

    // How crop_row lays out crop columns [lo, hi). Direct: the image row itself, when they are
    // image pixels only and nothing is blended. Else a buffer of the image columns [u_, v_)
    // among them, between two fill pixels on each side that stand for any padding columns: the
    // buffer is bounded by the image, not by the crop's padding.
    void layout_row(int64_t lo, int64_t hi) {
        const ResizeJob& job = *job_;
        const int64_t left = job.bx0 - job.cx0, right = job.bx1 - job.cx0;
        direct_ = !blend_ && img_.row_contiguous() && left <= lo && hi <= right;
        if (direct_) {
            u_ = lo;
            row_bytes_ = (hi - lo) * C;
            return;
        }
        u_ = std::max(lo, left), v_ = std::max(u_, std::min(hi, right));
        row_bytes_ = (v_ - u_ + 4) * C;
        uint8_t* row = s_.row.data();
        std::memcpy(row, s_.fill.data(), 2 * C);
        std::memcpy(row + (2 + v_ - u_) * C, s_.fill.data(), 2 * C);
    }

    // Byte offset of crop column s in the row crop_row returns (a padding column: a fill pixel).
    int64_t column_at(int64_t s) const {
        if (direct_) return (s - u_) * C;
        return (s < u_ ? (s == u_ - 1 ? 1 : 0) : 2 + std::min(s, v_) - u_) * C;
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
    Mode mode_ = Mode::linear;
    AxisScale xs_{1, 1}, ys_{1, 1};
    bool cells_ = false, whole_ = false, blend_ = false, direct_ = false;
    int64_t ix_ = 1, iy_ = 1;
    int64_t taps_ = 0, u_ = 0, v_ = 0, row_bytes_ = 0;
    int64_t cached_[2] = {-1, -1};
};

template <int C>
void run_all(const StridedView& image, const ResizeBatch& batch, const ResizeOutput& out, const BlendPlan* plan) {
    std::vector<Scratch> scratch;
    for (int w = 0; w < batch.workers.count; ++w) scratch.emplace_back(batch.scratch, out);
    parallel_for(batch.jobs.size(), batch.workers, [&](int worker, size_t i) {
        JobRunner<C>(image, out, plan, batch.scratch, scratch[static_cast<size_t>(worker)]).run(batch.jobs[i]);
    });
}

}  // namespace

ResizeBatch plan_resizes(const int64_t* boxes, const int64_t* canvas, const int64_t* placement, int64_t n,
                         const StridedView* masks, const ResizeOutput& out, int threads) {
    ResizeBatch batch;
    batch.jobs.resize(static_cast<size_t>(n));
    const int64_t item = item_bytes(out);
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
    batch.workers = plan_workers(threads, static_cast<int64_t>(output), static_cast<size_t>(n), Work::resize);
    // Sized for the most workers the request can have, so that whether a call fits does not
    // depend on the automatic choice.
    size_t scratch = 0;
    batch.needed = mul_overflow(batch.scratch.bytes, static_cast<size_t>(batch.workers.most), &scratch) ||
                           add_overflow(batch.bytes, scratch, &batch.needed)
                       ? SIZE_MAX
                       : batch.needed;
    return batch;
}

void run_resizes(const StridedView& image, ResizeBatch& batch, uint8_t* memory, const ResizeOutput& out,
                 const BlendPlan* plan) {
    if (batch.jobs.empty()) return;
    const size_t slot = static_cast<size_t>(out.h * out.w * out.c * item_bytes(out));
    for (size_t i = 0; i < batch.jobs.size(); ++i) batch.jobs[i].dst = memory + i * slot;
    switch (out.c) {
        case 1: return run_all<1>(image, batch, out, plan);
        case 2: return run_all<2>(image, batch, out, plan);
        case 3: return run_all<3>(image, batch, out, plan);
        default: return run_all<4>(image, batch, out, plan);
    }
}

}  // namespace dcn
