// The blend plan (blend.hpp): the exact outside-mask table of a call and the fastest exact
// kernel mode for it.
#include "blend.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

namespace dcn {
namespace {

// Affine and fixed modes: a weight w near beta * 2^16 and, per channel, an offset k with
// value(v, w, k) == table[c][v] for every v, both modes adding k to m = (256 v w) >> 16 (the
// product's high half) and the sum z = m + k staying below 2^16. `range(t)` gives the z that
// come out as t, so for one weight each v bounds k to range(t) - m and the search intersects
// 256 intervals per channel, trying w0, w0 + 1, w0 - 1, ... for `tries` weights; the result is
// checked again.
template <class Value, class Range>
bool find_weight(BlendPlan& p, long tries, Value value, Range range) {
    const long w0 = std::lround(double(p.beta) * 65536.0);
    for (long i = 0; i < tries; ++i) {
        const long w = w0 + (i % 2 ? (i + 1) / 2 : -(i / 2));
        if (w < 0 || w > 65535) continue;
        uint16_t ks[kMaxChannels];
        bool all = true;
        for (int c = 0; c < p.channels && all; ++c) {
            long lo = 0, hi = 65535 - ((255L * 256 * w) >> 16);
            for (int v = 0; v < 256 && lo <= hi; ++v) {
                const long m = (256L * v * w) >> 16;
                const auto [z_lo, z_hi] = range(long{p.table[c][v]});
                lo = std::max(lo, z_lo - m);
                hi = std::min(hi, z_hi - m);
            }
            all = lo <= hi;
            if (all) ks[c] = static_cast<uint16_t>((lo + hi) / 2);
            for (int v = 0; v < 256 && all; ++v) all = value(uint16_t(v), uint16_t(w), ks[c]) == p.table[c][v];
        }
        if (all) {
            p.fixed_w = uint16_t(w);
            for (int k = 0; k < 128; ++k) p.fixed_k_repeat[k] = ks[k % p.channels];
            return true;
        }
    }
    return false;
}

// Affine: z truncated, so t comes from [256 t, 256 t + 255]. 129 weights are tried.
bool find_affine(BlendPlan& p) {
    return find_weight(p, 129, affine_value, [](long t) { return std::pair{256 * t, 256 * t + 255}; });
}

// Fixed: z rounded half to even, so an odd t comes from [256 t + 1, 256 t + 255] and an even
// one from [256 t, 256 t + 256] (256 t + 256 is a tie rounded down to it). Weights found lie
// within a few units of w0 (measured over random opacities and backgrounds): 33 are tried.
bool find_fixed_point(BlendPlan& p) {
    return find_weight(p, 33, fixed_point_value,
                       [](long t) { return std::pair{256 * t + (t & 1), 256 * t + 256 - (t & 1)}; });
}

// Half mode: opacity 0.5 gives fma(bg, 0.5, v * 0.5) = (bg + v) / 2 exactly, rounded half to
// even; checked against the table like every other path.
bool half_matches(const BlendPlan& p) {
    if (p.alpha != 0.5f || p.beta != 0.5f) return false;
    for (int c = 0; c < p.channels; ++c)
        for (int v = 0; v < 256; ++v)
            if (half_value(uint8_t(v), uint8_t(p.bg[c])) != p.table[c][v]) return false;
    return true;
}

BlendPlan build_plan(double opacity, const uint8_t* bg, int channels, bool mask_per_byte) {
    BlendPlan p;
    p.channels = channels;
    p.mask_per_byte = mask_per_byte;
    // OpenCV casts both weights to float; Python computes 1.0 - a in double first.
    p.alpha = static_cast<float>(opacity);
    p.beta = static_cast<float>(1.0 - opacity);
    bool constant = true;
    for (int c = 0; c < channels; ++c) {
        p.bg[c] = static_cast<float>(bg[c]);
        for (int v = 0; v < 256; ++v) {
            const float prod = static_cast<float>(v) * p.beta;  // rounded product, like OpenCV
            float r = std::nearbyint(std::fma(p.bg[c], p.alpha, prod));
            r = r < 0.f ? 0.f : (r > 255.f ? 255.f : r);
            p.table[c][v] = static_cast<uint8_t>(r);
            constant = constant && p.table[c][v] == p.table[c][0];
        }
    }
    for (int c = 1; c < channels; ++c) p.shared_table = p.shared_table && std::memcmp(p.table[c], p.table[0], 256) == 0;
    for (int k = 0; k < 128; ++k) p.fill_repeat[k] = p.table[k % channels][0];
    for (int k = 0; k < 128; ++k) p.bg_byte_repeat[k] = bg[k % channels];
    for (int k = 0; k < 16; ++k) p.bg_repeat[k] = p.bg[k % channels];
    if (opacity == 0.0)
        p.mode = BlendPlan::Mode::copy;
    else if (constant)
        p.mode = BlendPlan::Mode::fill;
    else if (half_matches(p))
        p.mode = BlendPlan::Mode::half;
    else if (find_affine(p))
        p.mode = BlendPlan::Mode::affine;
    else if (find_fixed_point(p))
        p.mode = BlendPlan::Mode::fixed;
    else
        p.mode = BlendPlan::Mode::blend;
    return p;
}

}  // namespace

const char* mode_name(BlendPlan::Mode mode) {
    static const char* const names[] = {"copy", "fill", "fixed", "affine", "half", "blend"};
    return names[static_cast<int>(mode)];
}

BlendPlan make_blend_plan(double opacity, const uint8_t* bg, int channels, bool mask_per_byte) {
    // Building a plan evaluates 256 x C table entries (a few microseconds); callers usually
    // repeat the same arguments, so each thread keeps its last plan.
    struct Last {
        int channels = 0;  // 0: no plan yet (calls have 1-4)
        double opacity = 0;
        uint8_t bg[kMaxChannels] = {};
        bool per_byte = false;
        BlendPlan plan;
    };
    thread_local Last last;
    const bool same = last.channels == channels && last.opacity == opacity &&
                      last.per_byte == mask_per_byte && std::memcmp(last.bg, bg, static_cast<size_t>(channels)) == 0;
    if (!same) {
        last.plan = build_plan(opacity, bg, channels, mask_per_byte);
        last.opacity = opacity, last.channels = channels, last.per_byte = mask_per_byte;
        std::memcpy(last.bg, bg, static_cast<size_t>(channels));
    }
    return last.plan;
}

}  // namespace dcn
