// Memory floors for the K1' and K2 kernel benchmarks, with no Python in the way: how close to one memcpy can
// a single thread come when it must read what K1' and K2 read? Every measurement gets a fresh
// malloc'd destination, as numpy's copy does; rounds interleave all of them; medians.
// Build and run: bash benchmarks/native/run.sh [rounds]
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

#include "blend.hpp"

namespace {

using Fill = std::function<void(uint8_t*)>;

// K1' with the blend arithmetic taken out: the same loads and stores as the kernel (32 mask
// bytes, 96 crop bytes in, 96 out per step), one cheap operation per vector.
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

void report(const char* title, const std::vector<std::pair<std::string, Fill>>& cases, size_t bytes, int rounds) {
    std::vector<std::vector<double>> times(cases.size());
    for (int r = 0; r < rounds; ++r) {
        for (size_t k = 0; k < cases.size(); ++k) {
            const auto t0 = std::chrono::steady_clock::now();
            auto* dst = static_cast<uint8_t*>(std::malloc(bytes));
            cases[k].second(dst);
            asm volatile("" : : "r"(dst) : "memory");  // keep the writes
            std::free(dst);
            times[k].push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
        }
    }
    std::printf("%s\n", title);
    double base = 0;
    for (size_t k = 0; k < cases.size(); ++k) {
        std::nth_element(times[k].begin(), times[k].begin() + rounds / 2, times[k].end());
        const double median = times[k][rounds / 2];
        if (k == 0) base = median;
        std::printf("  %-44s %8.1f us  %.2fx\n", cases[k].first.c_str(), median, median / base);
    }
}

}  // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 500;
    if (!__builtin_cpu_supports("avx2")) {
        std::printf("needs AVX2 (the shipped kernel and the traffic floor are AVX2 code)\n");
        return 0;
    }
    std::mt19937 rng(0);

    // K1': one 1000x1000x3 crop, a random per-pixel mask, opacity 1, black background.
    const size_t side = 1000, row = 3 * side, crop_bytes = row * side;
    std::vector<uint8_t> crop(crop_bytes), mask(side * side);
    for (auto& v : crop) v = static_cast<uint8_t>(rng());
    for (auto& v : mask) v = static_cast<uint8_t>(rng() & 1);
    const uint8_t black[3] = {0, 0, 0};
    const dcn::BlendPlan plan = dcn::make_blend_plan(1.0, black, 3, false);
    volatile uint8_t all_ones = 0xFF;  // unknown to the compiler, so the mask loads stay
    const uint8_t opaque = all_ones;
    report("K1' masked fill, 1000x1000x3, random mask, one thread",
           {{"memcpy of the crop (the K1' baseline)", [&](uint8_t* d) { std::memcpy(d, crop.data(), crop_bytes); }},
            {"traffic floor: crop + mask in, crop out",
             [&](uint8_t* d) {
                 for (size_t y = 0; y < side; ++y)
                     traffic_row(crop.data() + y * row, mask.data() + y * side, d + y * row, side, opaque);
             }},
            {"shipped AVX2 kernel (blend_row_avx2 per row)",
             [&](uint8_t* d) {
                 for (size_t y = 0; y < side; ++y)
                     dcn::blend_row_avx2(crop.data() + y * row, mask.data() + y * side, d + y * row, side, plan);
             }}},
           crop_bytes, rounds);

    // K2: 50 boxes of 40-300 px in a 1920x1080x3 frame, copied out row by row.
    const size_t width = 1920, height = 1080, stride = 3 * width;
    std::vector<uint8_t> image(stride * height);
    for (auto& v : image) v = static_cast<uint8_t>(rng());
    struct Box { size_t x, y, w, h; };
    std::vector<Box> boxes;
    size_t total = 0, rows = 0;
    for (int i = 0; i < 50; ++i) {
        const size_t w = 40 + rng() % 261, h = 40 + rng() % 261;
        boxes.push_back({rng() % (width - w), rng() % (height - h), w, h});
        total += 3 * w * h;
        rows += h;
    }
    std::vector<uint8_t> flat(total, 1);
    const std::string rows_label = "one memcpy per crop row (" + std::to_string(rows) + " rows)";
    report("K2 crop copy, 50 crops out of a 1920x1080x3 frame, one thread",
           {{"memcpy of the same bytes (the K2 baseline)", [&](uint8_t* d) { std::memcpy(d, flat.data(), total); }},
            {rows_label, [&](uint8_t* d) {
                 for (const Box& b : boxes) {
                     const uint8_t* s = image.data() + b.y * stride + 3 * b.x;
                     for (size_t y = 0; y < b.h; ++y, s += stride, d += 3 * b.w) std::memcpy(d, s, 3 * b.w);
                 }
             }}},
           total, rounds);
    return 0;
}
