// The blend plan (blend.hpp): the exact outside-mask table of a call and the fastest exact
// kernel mode for it.
#include "blend.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace dcn {
namespace {

// Fixed mode: a weight near beta * 2^16 and, per channel, an offset k with
// fixed_point_value(v, w, k) == table[c][v] for every v and no z above 2^16 - 1. For one
// weight each v bounds z = m + k (m the product's high half) to the values that give the
// table's t: [256 t + 1, 256 t + 255] for an odd t, [256 t, 256 t + 256] for an even one
// (256 t + 256 is a tie rounded down to it). So the search intersects 256 intervals per
// channel and weight; the result is checked again. Weights found lie within a few units of
// w0 (measured over random opacities and backgrounds), so 33 are tried.
bool find_fixed_point(BlendPlan& p) {
    const long w0 = std::lround(double(p.beta) * 65536.0);
    for (long i = 0; i <= 32; ++i) {
        const long w = w0 + (i % 2 ? (i + 1) / 2 : -(i / 2));  // w0, w0 + 1, w0 - 1, ...
        if (w < 0 || w > 65535) continue;
        uint16_t ks[kMaxChannels];
        bool all = true;
        for (int c = 0; c < p.channels && all; ++c) {
            long lo = 0, hi = 65535 - ((255L * 256 * w) >> 16);
            for (int v = 0; v < 256 && lo <= hi; ++v) {
                const long m = (256L * v * w) >> 16, t = p.table[c][v], odd = t & 1;
                lo = std::max(lo, 256 * t + odd - m);
                hi = std::min(hi, 256 * t + 256 - odd - m);
            }
            all = lo <= hi;
            if (all) ks[c] = static_cast<uint16_t>(lo);
            for (int v = 0; v < 256 && all; ++v)
                all = fixed_point_value(uint16_t(v), uint16_t(w), ks[c]) == p.table[c][v];
        }
        if (all) {
            p.fixed_w = uint16_t(w);
            for (int k = 0; k < 128; ++k) p.fixed_k_repeat[k] = ks[k % p.channels];
            return true;
        }
    }
    return false;
}

// Affine mode: a weight near beta * 2^16 and, per channel, an offset k with
// affine_value(v, w, k) == table[c][v] for every v. For one weight each v bounds k to
// [256 t - m, 256 t + 255 - m] (m the product's high half, t the table value), so the
// search intersects 256 intervals per channel and weight; the result is checked again.
bool find_affine(BlendPlan& p) {
    const long w0 = std::lround(double(p.beta) * 65536.0);
    for (long i = 0; i <= 128; ++i) {
        const long w = w0 + (i % 2 ? (i + 1) / 2 : -(i / 2));  // w0, w0 + 1, w0 - 1, ...
        if (w < 0 || w > 65535) continue;
        uint16_t ks[kMaxChannels];
        bool all = true;
        for (int c = 0; c < p.channels && all; ++c) {
            long lo = 0, hi = 65535 - ((255 * w) >> 8);
            for (int v = 0; v < 256 && lo <= hi; ++v) {
                const long m = (256L * v * w) >> 16, t = p.table[c][v];
                lo = std::max(lo, 256 * t - m);
                hi = std::min(hi, 256 * t + 255 - m);
            }
            all = lo <= hi;
            if (all) ks[c] = static_cast<uint16_t>((lo + hi) / 2);
            for (int v = 0; v < 256 && all; ++v)
                all = affine_value(uint16_t(v), uint16_t(w), ks[c]) == p.table[c][v];
        }
        if (all) {
            p.fixed_w = uint16_t(w);
            for (int k = 0; k < 128; ++k) p.fixed_k_repeat[k] = ks[k % p.channels];
            return true;
        }
    }
    return false;
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
