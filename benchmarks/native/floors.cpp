// The floor of each K row beside the shipped kernel, on the CPU this runs on, one thread, no
// Python: how close does each kernel come to moving the bytes it must move?
//   K1 rows (one 1000x1000x3 crop, black and coloured backgrounds): every blend path (half,
//   affine, fixed point, float, mask all inside, all outside, K1' masked fill) at every level
//   this CPU runs, against a traffic-only kernel with the same loads and stores (crop and mask
//   in, crop out) and a memcpy of the crop.
//   K2 (50 crops out of a 1080p frame): the shipped crop job (plan, one allocation, rows copied
//   by run_crops) against one memcpy per crop row and one memcpy of the same bytes.
// Every measurement writes into a fresh malloc'd destination, as numpy's copy does; rounds
// interleave all cases; medians. Build and run: bash benchmarks/native/run.sh [rounds]
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "crop.hpp"
#include "dispatch.hpp"
#include "output.hpp"

namespace {

using Run = std::function<void(uint8_t*)>;

struct Case {
    std::string name;
    Run run;
    size_t bytes;  // of the destination
};

// The K1 traffic floor: the blend kernel's loads and stores (32 mask bytes, 96 crop bytes in,
// 96 out per step) with one cheap operation per vector instead of the blend.
__attribute__((target("avx2"))) void traffic_row(const uint8_t* src, const uint8_t* mask, uint8_t* dst, size_t n,
                                                 uint8_t opaque_byte) {
    const __m256i opaque = _mm256_set1_epi8(static_cast<char>(opaque_byte));
    size_t i = 0;
    for (; i + 32 <= n; i += 32, src += 96, dst += 96, mask += 32) {
        const __m256i m = _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(mask)), opaque);
        for (int j = 0; j < 3; ++j) {
            const __m256i s = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + 32 * j));
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + 32 * j), _mm256_min_epu8(s, m));
        }
    }
    std::memcpy(dst, src, 3 * (n - i));
}

std::vector<double> medians(const std::vector<Case>& cases, int rounds) {
    std::vector<std::vector<double>> times(cases.size());
    for (int r = 0; r < rounds; ++r) {
        for (size_t k = 0; k < cases.size(); ++k) {
            const auto t0 = std::chrono::steady_clock::now();
            auto* dst = static_cast<uint8_t*>(std::malloc(cases[k].bytes));
            cases[k].run(dst);
            asm volatile("" : : "r"(dst) : "memory");  // keep the writes
            std::free(dst);
            times[k].push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
        }
    }
    std::vector<double> out;
    for (auto& t : times) {
        std::nth_element(t.begin(), t.begin() + rounds / 2, t.end());
        out.push_back(t[rounds / 2]);
    }
    return out;
}

void line(const std::string& name, double us, double floor_us, double copy_us, const std::string& target, bool met) {
    std::printf("  %-40s %8.1f us  %5.2fx floor  %5.2fx copy  %-16s %s\n", name.c_str(), us, us / floor_us,
                us / copy_us, target.c_str(), target.empty() ? "" : met ? "met" : "NOT met");
}

void k1_rows(int rounds, std::mt19937& rng) {
    const size_t side = 1000, row = 3 * side, bytes = row * side;
    std::vector<uint8_t> crop(bytes), random_mask(side * side), inside(side * side, 1), outside(side * side, 0);
    for (auto& v : crop) v = static_cast<uint8_t>(rng());
    for (auto& v : random_mask) v = static_cast<uint8_t>(rng() & 1);
    const uint8_t black[3] = {0, 0, 0};
    volatile uint8_t all_ones = 0xFF;  // unknown to the compiler, so the floor's mask loads stay
    const uint8_t opaque = all_ones;
    auto rows = [&](const std::vector<uint8_t>& mask, auto&& one_row) {
        return [&, one_row](uint8_t* d) {
            for (size_t y = 0; y < side; ++y) one_row(crop.data() + y * row, mask.data() + y * side, d + y * row);
        };
    };
    // A floor per mask: a mask read by fewer cases per round sits in a colder cache level, so
    // each path is held against the traffic of its own mask.
    const std::vector<uint8_t>* masks[] = {&random_mask, &inside, &outside};
    std::vector<Case> cases = {{"memcpy of the crop", [&](uint8_t* d) { std::memcpy(d, crop.data(), bytes); }, bytes}};
    for (const auto* mask : masks)
        cases.push_back({"traffic floor", rows(*mask, [&](const uint8_t* s, const uint8_t* m, uint8_t* d) {
                             traffic_row(s, m, d, side, opaque);
                         }), bytes});
    auto floor_of = [&](const std::vector<uint8_t>* mask) {
        return size_t(std::find(std::begin(masks), std::end(masks), mask) - std::begin(masks));
    };
    const uint8_t colour[3] = {0, 128, 255};
    struct Path {
        const char* name;
        double opacity;
        const std::vector<uint8_t>* mask;
        const uint8_t* bg = nullptr;  // black unless said
    };
    const Path paths[] = {{"K1 opacity 0.5", 0.5, &random_mask},
                          {"K1 opacity 0.6", 0.6, &random_mask},
                          {"K1 opacity 0.25", 0.25, &random_mask},
                          {"K1 opacity 0.37", 0.37, &random_mask},
                          {"K1 opacity 0.5, mask all inside", 0.5, &inside},
                          {"K1 opacity 0.5, mask all outside", 0.5, &outside},
                          {"K1' opacity 1 (masked fill)", 1.0, &random_mask},
                          // After the rows above, which keep the order of earlier results.
                          {"K1 opacity 0.35", 0.35, &random_mask},
                          {"K1 opacity 0.6, colour (0, 128, 255)", 0.6, &random_mask, colour},
                          {"K1 opacity 0.37, colour (0, 128, 255)", 0.37, &random_mask, colour},
                          {"K1 opacity 0.35, colour (0, 128, 255)", 0.35, &random_mask, colour}};
    std::vector<dcn::BlendPlan> plans;
    plans.reserve(std::size(paths));
    for (const Path& p : paths) plans.push_back(dcn::make_blend_plan(p.opacity, p.bg ? p.bg : black, 3, false));
    std::vector<std::string> levels;
    for (const auto& level : dcn::available_levels())
        if (level != "scalar") levels.push_back(level);
    for (const auto& level : levels) {
        dcn::set_level(level);
        const dcn::BlendRowFn blend_row = dcn::active_kernels().blend_row;
        for (size_t p = 0; p < std::size(paths); ++p) {
            const dcn::BlendPlan* plan = &plans[p];
            cases.push_back({level, rows(*paths[p].mask, [=](const uint8_t* s, const uint8_t* m, uint8_t* d) {
                                 blend_row(s, m, d, side, *plan);
                             }), bytes});
        }
    }
    const auto t = medians(cases, rounds);
    std::printf("K1 rows: one 1000x1000x3 crop, black background and random per-pixel mask unless said\n");
    line("memcpy of the crop", t[0], t[1], t[0], "", true);
    line("traffic floor (crop + mask in, crop out)", t[1], t[1], t[0], "", true);
    line("  the same, mask all inside", t[2], t[2], t[0], "", true);
    line("  the same, mask all outside", t[3], t[3], t[0], "", true);
    for (size_t l = 0; l < levels.size(); ++l) {
        for (size_t p = 0; p < std::size(paths); ++p) {
            const double us = t[1 + std::size(masks) + l * std::size(paths) + p], floor = t[1 + floor_of(paths[p].mask)];
            const std::string name = std::string(paths[p].name) + " [" + dcn::mode_name(plans[p].mode) + ", " + levels[l] + "]";
            const bool float_path = plans[p].mode == dcn::BlendPlan::Mode::blend;
            line(name, us, floor, t[0], "<= 1.15x floor", us / floor <= 1.15);
            if (float_path) line("  the same, against a copy", us, floor, t[0], "<= 2.0x copy", us / t[0] <= 2.0);
        }
    }
}

void k2_rows(int rounds, std::mt19937& rng) {
    const int64_t width = 1920, height = 1080, stride = 3 * width;
    std::vector<uint8_t> image(static_cast<size_t>(stride * height));
    for (auto& v : image) v = static_cast<uint8_t>(rng());
    std::vector<int64_t> boxes;
    size_t total = 0, crop_rows = 0;
    for (int i = 0; i < 50; ++i) {
        const int64_t w = 40 + rng() % 261, h = 40 + rng() % 261, x = rng() % (width - w), y = rng() % (height - h);
        boxes.insert(boxes.end(), {x, y, x + w, y + h});
        total += static_cast<size_t>(3 * w * h);
        crop_rows += static_cast<size_t>(h);
    }
    std::vector<uint8_t> flat(total, 1);
    dcn::StridedView view;
    view.data = image.data();
    view.h = height, view.w = width, view.c = 3, view.sy = stride, view.sx = 3, view.sc = 1;
    const uint8_t fill[3] = {0, 0, 0};
    dcn::set_level("best");
    const std::vector<Case> cases = {
        {"memcpy of the same bytes", [&](uint8_t* d) { std::memcpy(d, flat.data(), total); }, total},
        {"one memcpy per crop row", [&](uint8_t* d) {
             for (size_t i = 0; i < boxes.size(); i += 4) {
                 const int64_t x0 = boxes[i], y0 = boxes[i + 1], w = boxes[i + 2] - x0, h = boxes[i + 3] - y0;
                 const uint8_t* s = image.data() + y0 * stride + 3 * x0;
                 for (int64_t y = 0; y < h; ++y, s += stride, d += 3 * w) std::memcpy(d, s, static_cast<size_t>(3 * w));
             }
         }, total},
        // The shipped path allocates its own output (one aligned block), so this case's
        // destination is a token byte.
        {"shipped crop job", [&](uint8_t*) {
             dcn::CropBatch batch = dcn::plan_crops(boxes.data(), nullptr, 50, nullptr, 3);
             dcn::OutputMemory memory = dcn::allocate_output(batch.bytes);
             dcn::run_crops(view, batch, memory.get(), nullptr, fill, 1);
             asm volatile("" : : "r"(memory.get()) : "memory");
         }, 1}};
    const auto t = medians(cases, rounds);
    std::printf("K2: 50 crops of 40-300 px out of a 1920x1080x3 frame (%zu rows, %.1f MB)\n", crop_rows, total / 1e6);
    line("memcpy of the same bytes", t[0], t[1], t[0], "", true);
    line("floor: one memcpy per crop row", t[1], t[1], t[0], "", true);
    line("shipped crop job (plan, allocate, copy)", t[2], t[1], t[0], "<= 1.15x floor", t[2] / t[1] <= 1.15);
}

}  // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 500;
    if (!__builtin_cpu_supports("avx2")) {
        std::printf("floors: needs AVX2 (the traffic floor is AVX2 code)\n");
        return 0;
    }
    std::mt19937 rng(0);
    std::printf("kernel floors, one thread, medians of %d rounds\n", rounds);
    k1_rows(rounds, rng);
    k2_rows(rounds, rng);
    return 0;
}
