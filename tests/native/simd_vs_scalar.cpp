// Every SIMD kernel of this build against its scalar twin, bit for bit, with no Python: the
// blend rows (copy, fill, fixed-point and float paths), the resize's horizontal pass, vertical
// pass and planarize, the INTER_AREA loops, the float16 conversion, and the oriented-crop warp
// (pixel rows, mask rows and the blend after them, through run_warp_jobs). Built for the host (x86: sse4.1, avx2) and cross-built for AArch64 and
// run under qemu (neon) by tests/native/run.sh; the cases are the widths, opacities, channel
// counts, mask layouts, row strides and tails the Python tests use. Inputs sit flush against an
// unreadable page, so a kernel reading past its row faults; outputs carry guard bytes, so one
// writing past its row differs. Exits 1 on any difference and prints what it compared.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "area.hpp"
#include "blend.hpp"
#include "dispatch.hpp"
#include "half.hpp"
#include "resample.hpp"
#include "warp.hpp"

namespace {

using dcn::BlendPlan;
using dcn::Kernels;

std::mt19937 rng(20261203);
int failures = 0;
std::map<std::string, long> cases;  // "level kernel" -> cases compared
long values = 0;                    // output bytes or int32s compared

int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

// `n` bytes ending where an inaccessible page starts (reads past the end fault).
class Guarded {
  public:
    explicit Guarded(size_t n) : page_(static_cast<size_t>(sysconf(_SC_PAGESIZE))) {
        span_ = (n + page_ - 1) / page_ * page_ + page_;
        base_ = static_cast<uint8_t*>(mmap(nullptr, span_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        if (base_ == MAP_FAILED) std::perror("mmap"), std::exit(2);
        mprotect(base_ + span_ - page_, page_, PROT_NONE);
        data_ = base_ + span_ - page_ - n;
    }
    ~Guarded() { munmap(base_, span_); }
    Guarded(const Guarded&) = delete;
    Guarded& operator=(const Guarded&) = delete;
    uint8_t* data() { return data_; }

  private:
    size_t page_, span_;
    uint8_t* base_;
    uint8_t* data_;
};

template <class T>
bool same(const std::string& what, const T* got, const T* want, size_t n) {
    values += static_cast<long>(n);
    for (size_t i = 0; i < n; ++i)
        if (got[i] != want[i]) {
            if (++failures <= 20)
                std::printf("DIFF %s at %zu: %ld, scalar %ld\n", what.c_str(), i, static_cast<long>(got[i]),
                            static_cast<long>(want[i]));
            return false;
        }
    return true;
}

// The plan's table (the scalar twin) against cv2.addWeighted's x86 arithmetic, computed here
// independently: bg * alpha is exact in double and so is adding the float32 product while both
// weights are 0 or >= 2^-22, so one rounding to float gives the fused multiply-add's result.
void check_table(const BlendPlan& plan, double opacity) {
    auto ok = [](float w) { return w == 0.f || w >= 1.0f / (1 << 22); };
    if (!ok(plan.alpha) || !ok(plan.beta)) return;
    for (int c = 0; c < plan.channels; ++c)
        for (int v = 0; v < 256; ++v) {
            volatile float product = static_cast<float>(v) * plan.beta;
            const double sum = double(plan.bg[c]) * double(plan.alpha) + double(product);
            float r = std::nearbyint(static_cast<float>(sum));
            r = r < 0.f ? 0.f : (r > 255.f ? 255.f : r);
            ++values;
            if (plan.table[c][v] != static_cast<uint8_t>(r) && ++failures <= 20)
                std::printf("DIFF table opacity=%g c=%d v=%d: %d, expected %d\n", opacity, c, v, plan.table[c][v],
                            static_cast<int>(r));
        }
    ++cases["scalar table vs addWeighted arithmetic"];
}

const size_t kWidths[] = {0, 1, 2, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 129, 1031};

void blend_cases(const std::string& level, const Kernels& k, const Kernels& s) {
    std::vector<double> opacities = {0.0, 1.0, 0.5, 0.37, 0.25, 0.1, 0.7, 0.999, 1e-7, 0.75, 0.125};
    for (int i = 0; i < 4; ++i) opacities.push_back(std::uniform_real_distribution<double>(0, 1)(rng));
    for (int C = 1; C <= 4; ++C)
        for (size_t w : kWidths)
            for (double a : opacities)
                for (int layout = 0; layout < (C > 1 ? 2 : 1); ++layout) {
                    const bool per_byte = layout == 1;
                    uint8_t bg[4];
                    for (auto& b : bg) b = static_cast<uint8_t>(uniform(0, 255));
                    if (uniform(0, 1)) std::fill(bg + 1, bg + 4, bg[0]);  // grey: one table (avx512's lookups)
                    const BlendPlan plan = dcn::make_blend_plan(a, bg, C, per_byte);
                    check_table(plan, a);
                    // A few rows with a stride wider than the row (as for views of a wider
                    // image), blended out of place and in place.
                    const int h = uniform(1, 3);
                    const size_t row = w * C, pitch = row + static_cast<size_t>(uniform(0, 1) * uniform(1, 17));
                    const size_t mask_row = per_byte ? row : w, bytes = pitch * (h - 1) + row;
                    Guarded src(bytes), mask(mask_row * h);
                    for (size_t i = 0; i < bytes; ++i) src.data()[i] = static_cast<uint8_t>(uniform(0, 255));
                    const int pattern = uniform(0, 4);  // random density; half inside; all in; all out
                    const int density = uniform(10, 90);
                    for (size_t i = 0; i < mask_row * h; ++i) {
                        const size_t x = (i % mask_row) / (per_byte ? C : 1);
                        bool inside = uniform(0, 99) < density;
                        if (pattern == 1) inside = inside || x < w / 2;
                        if (pattern == 2) inside = true;
                        if (pattern == 3) inside = false;
                        mask.data()[i] = inside ? static_cast<uint8_t>(uniform(1, 255)) : 0;
                    }
                    const std::string what = level + " blend, path " + dcn::mode_name(plan.mode);
                    std::vector<uint8_t> got(bytes + 64, 0xA5), want(bytes + 64, 0xA5);
                    std::vector<uint8_t> got_in(src.data(), src.data() + bytes), want_in = got_in;
                    for (int y = 0; y < h; ++y) {
                        const uint8_t* sr = src.data() + y * pitch;
                        const uint8_t* mr = mask.data() + y * mask_row;
                        k.blend_row(sr, mr, got.data() + y * pitch, w, plan);
                        s.blend_row(sr, mr, want.data() + y * pitch, w, plan);
                        k.blend_row(got_in.data() + y * pitch, mr, got_in.data() + y * pitch, w, plan);
                        s.blend_row(want_in.data() + y * pitch, mr, want_in.data() + y * pitch, w, plan);
                    }
                    char tag[96];
                    std::snprintf(tag, sizeof tag, " C=%d w=%zu h=%d a=%g per_byte=%d", C, w, h, a, per_byte);
                    same(what + tag, got.data(), want.data(), got.size());
                    same(what + " in place" + tag, got_in.data(), want_in.data(), bytes);
                    cases[what] += 2;
                }
}

// Horizontal taps as resize.cpp makes them: monotonic, each pair neighbours (o1 = o0 + C) or
// with a zero second weight, weights summing to 2048 (OpenCV's 11-bit scale).
std::vector<dcn::Taps> random_taps(int64_t src_px, int64_t n, int C, int kind) {
    std::vector<int64_t> at(static_cast<size_t>(n));
    for (auto& x : at) x = kind == 2 ? src_px - 1 : uniform(0, static_cast<int>(src_px - 1));  // 2: all at the edge
    std::sort(at.begin(), at.end());
    std::vector<dcn::Taps> t;
    for (int64_t x : at) {
        const bool pair = x + 1 < src_px && kind != 1;  // 1: nearest-neighbour taps
        const int16_t w1 = pair ? static_cast<int16_t>(uniform(0, 2048)) : 0;
        t.push_back({static_cast<int32_t>(x * C), static_cast<int32_t>((pair ? x + 1 : x) * C),
                     {static_cast<int16_t>(2048 - w1), w1}});
    }
    return t;
}

void resample_cases(const std::string& level, const Kernels& k, const Kernels& s) {
    const int64_t src_widths[] = {1, 2, 3, 5, 15, 16, 17, 31, 33, 64, 65, 130, 1031};
    const int64_t outs[] = {1, 2, 7, 16, 17, 33, 64, 129};
    for (int C = 1; C <= 4; ++C)
        for (int64_t sw : src_widths)
            for (int64_t n : outs)
                for (int kind = 0; kind < 3; ++kind) {
                    const int64_t row_bytes = sw * C;
                    Guarded row(static_cast<size_t>(row_bytes));
                    for (int64_t i = 0; i < row_bytes; ++i) row.data()[i] = static_cast<uint8_t>(uniform(0, 255));
                    const auto t = random_taps(sw, n, C, kind);
                    std::vector<int32_t> got(static_cast<size_t>(n * C + 1)), want(got.size());
                    k.resample_row(row.data(), row_bytes, t.data(), n, C, got.data());
                    s.resample_row(row.data(), row_bytes, t.data(), n, C, want.data());
                    const std::string what = level + " resize horizontal";
                    same(what + " C=" + std::to_string(C) + " src=" + std::to_string(sw) + " n=" + std::to_string(n),
                         got.data(), want.data(), static_cast<size_t>(n * C));
                    ++cases[what];
                }
}

void combine_cases(const std::string& level, const Kernels& k, const Kernels& s) {
    const int64_t lengths[] = {0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 1031, 3 * 1031, 4 * 65};
    const int16_t fixed_weights[][2] = {{2048, 0}, {0, 2048}, {1024, 1024}};
    for (int64_t n : lengths)
        for (int r = 0; r < 8; ++r) {
            int16_t w0 = static_cast<int16_t>(uniform(0, 2048));
            int16_t w1 = static_cast<int16_t>(2048 - w0);
            if (r < 3) w0 = fixed_weights[r][0], w1 = fixed_weights[r][1];
            // Horizontal sums of 8-bit pixels with 11-bit weights: 0 .. 255 * 2048, ends included.
            Guarded a(static_cast<size_t>(n) * 4), b(static_cast<size_t>(n) * 4);
            auto* pa = reinterpret_cast<int32_t*>(a.data());
            auto* pb = reinterpret_cast<int32_t*>(b.data());
            for (int64_t i = 0; i < n; ++i) {
                const int pick = uniform(0, 9);
                pa[i] = pick == 0 ? 0 : (pick == 1 ? 255 * 2048 : uniform(0, 255 * 2048));
                pb[i] = pick == 2 ? 0 : (pick == 3 ? 255 * 2048 : uniform(0, 255 * 2048));
            }
            std::vector<uint8_t> got(static_cast<size_t>(n) + 32, 0xA5), want(got);
            k.combine_rows(pa, pb, w0, w1, n, got.data());
            s.combine_rows(pa, pb, w0, w1, n, want.data());
            const std::string what = level + " resize vertical";
            same(what + " n=" + std::to_string(n) + " w0=" + std::to_string(w0), got.data(), want.data(), got.size());
            ++cases[what];
        }
}

void planarize_cases(const std::string& level, const Kernels& k, const Kernels& s) {
    for (int C = 1; C <= 4; ++C)
        for (size_t w : kWidths)
            for (int p = 0; p < 3; ++p) {
                int perm[4] = {0, 1, 2, 3};
                if (p == 1 && C >= 3) std::swap(perm[0], perm[2]);  // BGR -> RGB
                if (p == 2) std::shuffle(perm, perm + C, rng);
                Guarded line(w * C);
                for (size_t i = 0; i < w * C; ++i) line.data()[i] = static_cast<uint8_t>(uniform(0, 255));
                const size_t plane = w + 32;  // guard bytes after each plane
                std::vector<uint8_t> got(plane * C, 0xA5), want(got);
                uint8_t *gp[4], *wp[4];
                for (int c = 0; c < C; ++c) gp[c] = got.data() + c * plane, wp[c] = want.data() + c * plane;
                k.planarize(line.data(), static_cast<int64_t>(w), C, perm, gp);
                s.planarize(line.data(), static_cast<int64_t>(w), C, perm, wp);
                const std::string what = level + " resize planarize";
                same(what + " C=" + std::to_string(C) + " w=" + std::to_string(w), got.data(), want.data(), got.size());
                ++cases[what];
            }
}

float uniform_float(float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(rng); }

// Floats compared as their bits (equal NaNs count as equal, -0 and 0 do not).
bool same_bits(const std::string& what, const float* got, const float* want, size_t n) {
    std::vector<uint32_t> g(n), w(n);
    std::memcpy(g.data(), got, 4 * n), std::memcpy(w.data(), want, 4 * n);
    return same(what, g.data(), w.data(), n);
}

// INTER_AREA cells as resize.cpp makes them: each output pixel's taps are consecutive source
// pixels (1-5 of them, some cells shared at their edges) with float weights.
void area_cases(const std::string& level, const Kernels& k, const Kernels& s) {
    const int64_t src_widths[] = {1, 2, 3, 5, 16, 17, 33, 130};
    for (int C = 1; C <= 4; ++C)
        for (int64_t sw : src_widths)
            for (int r = 0; r < 4; ++r) {
                std::vector<dcn::AreaTap> taps;
                std::vector<int32_t> first;
                for (int64_t x = 0; x < sw;) {
                    first.push_back(static_cast<int32_t>(taps.size()));
                    const int64_t cell = std::min<int64_t>(uniform(1, 5), sw - x);
                    for (int64_t j = 0; j < cell; ++j)
                        taps.push_back({static_cast<int32_t>((x + j) * C), uniform_float(0.f, 1.f)});
                    x += std::max<int64_t>(1, cell - uniform(0, 1));  // sometimes share the edge pixel
                }
                first.push_back(static_cast<int32_t>(taps.size()));
                const int64_t n = static_cast<int64_t>(first.size()) - 1, row_bytes = sw * C;
                Guarded row(static_cast<size_t>(row_bytes));
                for (int64_t i = 0; i < row_bytes; ++i) row.data()[i] = static_cast<uint8_t>(uniform(0, 255));
                std::vector<float> got(static_cast<size_t>(n * C + 8), -1.f), want(got);
                k.area_row(row.data(), row_bytes, taps.data(), first.data(), n, C, got.data());
                s.area_row(row.data(), row_bytes, taps.data(), first.data(), n, C, want.data());
                const std::string tag = " C=" + std::to_string(C) + " src=" + std::to_string(sw);
                same_bits(level + " area row" + tag, got.data(), want.data(), got.size());
                ++cases[level + " area row"];
            }
    for (size_t n : kWidths)
        for (int start = 0; start < 2; ++start) {
            std::vector<float> buf(n), got(n + 8), want;
            for (auto& v : buf) v = uniform_float(0.f, 255.f);
            for (auto& v : got) v = uniform_float(0.f, 255.f);
            want = got;
            const float beta = uniform_float(0.f, 1.f);
            k.area_accumulate(got.data(), buf.data(), beta, static_cast<int64_t>(n), start);
            s.area_accumulate(want.data(), buf.data(), beta, static_cast<int64_t>(n), start);
            same_bits(level + " area accumulate n=" + std::to_string(n), got.data(), want.data(), got.size());
            ++cases[level + " area accumulate"];
            // Sums to bytes: ties at .5, values just outside 0..255, then integer cells.
            std::vector<float> sum(n);
            for (auto& v : sum) v = uniform(0, 3) == 0 ? static_cast<float>(uniform(-2, 257)) + 0.5f : uniform_float(-3.f, 258.f);
            std::vector<uint8_t> got8(n + 32, 0xA5), want8(got8);
            k.area_finish(sum.data(), static_cast<int64_t>(n), got8.data());
            s.area_finish(sum.data(), static_cast<int64_t>(n), want8.data());
            same(level + " area finish n=" + std::to_string(n), got8.data(), want8.data(), got8.size());
            ++cases[level + " area finish"];
            for (int area : {4, 6, 9, 16, 100}) {
                const bool quarter = area == 4 && start == 1;
                std::vector<int32_t> cells(n);
                for (auto& v : cells) v = uniform(0, 255 * area);
                std::vector<uint8_t> g(n + 32, 0xA5), w(g);
                k.area_finish_int(cells.data(), static_cast<int64_t>(n), area, quarter, g.data());
                s.area_finish_int(cells.data(), static_cast<int64_t>(n), area, quarter, w.data());
                same(level + " area finish int n=" + std::to_string(n) + " area=" + std::to_string(area), g.data(),
                     w.data(), g.size());
                ++cases[level + " area finish int"];
            }
        }
}

// float32 -> float16 over random bit patterns, values near the format's edges (subnormals,
// 65504-65520, ties), infinities and NaNs with payloads.
void half_cases(const std::string& level, const Kernels& k, const Kernels& s) {
    const float edges[] = {0.f, -0.f, 65504.f, 65519.99f, 65520.f, 1e-8f, 5.96e-8f, 2.98e-8f, 6.1e-5f, 6.103515625e-05f,
                           1.0009765625f, 1.00048828125f, 2049.f, 255.f, 0.5f, INFINITY, -INFINITY, NAN};
    for (size_t n : kWidths) {
        std::vector<float> in(n);
        for (size_t i = 0; i < n; ++i) {
            const int pick = uniform(0, 3);
            if (pick == 0) {
                const uint32_t bits = static_cast<uint32_t>(rng());
                std::memcpy(&in[i], &bits, 4);
            } else if (pick == 1) {
                in[i] = edges[uniform(0, static_cast<int>(std::size(edges)) - 1)] * (uniform(0, 1) ? 1.f : -1.f);
            } else {
                in[i] = uniform_float(-300.f, 300.f);
            }
        }
        std::vector<uint16_t> got(n + 16, 0xA5A5), want(got);
        k.to_half(in.data(), static_cast<int64_t>(n), got.data());
        s.to_half(in.data(), static_cast<int64_t>(n), want.data());
        same(level + " float16 n=" + std::to_string(n), got.data(), want.data(), got.size());
        ++cases[level + " float16"];
    }
}

// Oriented crops of random images (1, 3 and 4 channels; packed, wider rows, rows upside down)
// through run_warp_jobs at `level` and at "scalar": rotations, scales and axis-aligned maps
// that reach past the image, crops of 1 to 70 pixels a side, with and without masks, inside
// maps and a blend; every output byte and the guard bytes after it compared.
void warp_cases(const std::string& level) {
    const int64_t sides[] = {1, 2, 3, 7, 16, 33, 64};
    for (int C : {1, 3, 4})
        for (int64_t ih : sides)
            for (int64_t iw : sides)
                for (int layout = 0; layout < 3; ++layout) {
                    const int64_t row = iw * C, pitch = layout == 1 ? row + uniform(1, 19) : row;
                    const size_t bytes = static_cast<size_t>(pitch * (ih - 1) + row);
                    Guarded img(bytes);
                    for (size_t i = 0; i < bytes; ++i) img.data()[i] = static_cast<uint8_t>(uniform(0, 255));
                    dcn::StridedView image;
                    image.h = ih, image.w = iw, image.c = C, image.sx = C, image.sc = 1;
                    image.sy = layout == 2 ? -pitch : pitch;  // 2: the last row first
                    image.data = layout == 2 ? img.data() + pitch * (ih - 1) : img.data();
                    std::vector<uint8_t> region(static_cast<size_t>(iw * ih));
                    for (auto& v : region) v = uniform(0, 2) ? 1 : 0;
                    uint8_t border[4];
                    for (auto& b : border) b = static_cast<uint8_t>(uniform(0, 255));
                    const double opacity = std::uniform_real_distribution<double>(0, 1)(rng);
                    const dcn::BlendPlan plan = dcn::make_blend_plan(opacity, border, C, false);
                    std::vector<dcn::WarpJob> jobs(static_cast<size_t>(uniform(1, 4)));
                    for (auto& job : jobs) {
                        const double angle = uniform(0, 3) == 0 ? 90.0 * uniform(0, 3)
                                                                : std::uniform_real_distribution<double>(-180, 180)(rng);
                        const double scale = std::uniform_real_distribution<double>(0.5, 2.0)(rng);
                        const double r = angle * M_PI / 180, ca = std::cos(r) * scale, sa = std::sin(r) * scale;
                        const double tx = std::uniform_real_distribution<double>(-double(iw), double(iw))(rng);
                        const double ty = std::uniform_real_distribution<double>(-double(ih), double(ih))(rng);
                        const double forward[6] = {ca, sa, tx, -sa, ca, ty};
                        std::copy(forward, forward + 6, job.forward);
                        job.w = uniform(1, 70), job.h = uniform(1, 40);
                        if (uniform(0, 1)) {
                            job.mask.data = region.data(), job.mask.h = ih, job.mask.w = iw;
                            job.mask.sy = iw, job.mask.sx = 1;
                            job.mask_x0 = 0, job.mask_y0 = 0;
                        }
                    }
                    const bool inside = uniform(0, 1), blend = uniform(0, 1);
                    auto run = [&](const std::string& name, std::vector<std::vector<uint8_t>>& out) {
                        dcn::set_level(name);
                        std::vector<dcn::WarpJob> js = jobs;
                        out.clear();
                        for (auto& j : js) {
                            const size_t px = static_cast<size_t>(j.w * j.h);
                            out.emplace_back(px * C + 64, 0xA5), out.emplace_back(px + 64, 0xA5);
                            out.emplace_back(px + 64, 0xA5);
                        }
                        for (size_t i = 0; i < js.size(); ++i) {
                            js[i].dst = out[3 * i].data();
                            js[i].mask_dst = js[i].mask.data ? out[3 * i + 1].data() : nullptr;
                            js[i].inside_dst = inside ? out[3 * i + 2].data() : nullptr;
                        }
                        dcn::run_warp_jobs(image, js, border, blend ? &plan : nullptr, 1);
                    };
                    std::vector<std::vector<uint8_t>> got, want;
                    run("scalar", want);
                    run(level, got);
                    char tag[96];
                    std::snprintf(tag, sizeof tag, " C=%d image=%ldx%ld layout=%d", C, static_cast<long>(iw),
                                  static_cast<long>(ih), layout);
                    for (size_t i = 0; i < got.size(); ++i) {
                        static const char* const kinds[] = {" pixels", " mask", " inside"};
                        same(level + " warp" + kinds[i % 3] + tag, got[i].data(), want[i].data(), got[i].size());
                    }
                    ++cases[level + " warp"];
                }
}

}  // namespace

int main() {
    // The best level is active at start (on AArch64 "neon", the baseline); "scalar" forces the twins.
    const std::vector<std::string> available = dcn::available_levels();
    std::string names;
    for (const std::string& l : available) names += " " + l;
    std::printf("levels available:%s; active at start: %s\n", names.c_str(), dcn::active_kernels().isa);
    if (available.back() != dcn::active_kernels().isa) {
        std::printf("the active level at start is not the best available one (%s)\n", available.back().c_str());
        ++failures;
    }
    dcn::set_level("scalar");
    if (std::string(dcn::active_kernels().isa) != "scalar") ++failures, std::printf("set_level(\"scalar\") did not\n");
    const Kernels scalar = dcn::active_kernels();
    int levels = 0;
    for (const std::string& level : available) {
        if (level == "scalar") continue;
        dcn::set_level(level);
        const Kernels k = dcn::active_kernels();
        if (k.blend_row == scalar.blend_row || k.resample_row == scalar.resample_row ||
            k.combine_rows == scalar.combine_rows || k.planarize == scalar.planarize || k.area_row == scalar.area_row ||
            k.area_finish == scalar.area_finish || k.to_half == scalar.to_half) {
            std::printf("level %s: a kernel is the scalar twin itself\n", level.c_str());
            ++failures;
        }
        ++levels;
        blend_cases(level, k, scalar);
        resample_cases(level, k, scalar);
        combine_cases(level, k, scalar);
        planarize_cases(level, k, scalar);
        for (int r = 0; r < 8; ++r) area_cases(level, k, scalar), half_cases(level, k, scalar);
        if (k.warp_row != scalar.warp_row || k.warp_mask_row != scalar.warp_mask_row) warp_cases(level);
    }
    if (levels == 0) {
        std::printf("no SIMD level in this build: nothing compared\n");
        return 1;
    }
    for (const auto& [what, n] : cases) std::printf("%-44s %6ld cases\n", what.c_str(), n);
    std::printf("%ld values compared, %d differences\n", values, failures);
    return failures == 0 ? 0 : 1;
}
