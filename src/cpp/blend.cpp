// The blend plan (blend.hpp): the exact outside-mask table of a call and the fastest exact
// kernel mode for it.
#include "blend.hpp"

#include <cmath>
#include <cstring>

namespace dcn {
namespace {

// Search integer weights near the exact ones for which 16-bit fixed point reproduces the
// table to the bit; no overflow is possible when 255 * w + k + 128 < 65536.
bool find_fixed_point(BlendPlan& p) {
    const long w0 = std::lround(double(p.beta) * 256.0);
    for (long w = w0 - 1; w <= w0 + 1; ++w) {
        if (w < 0 || w > 256) continue;
        uint16_t ks[kMaxChannels];
        bool all = true;
        for (int c = 0; c < p.channels && all; ++c) {
            const long k0 = std::lround(double(p.bg[c]) * double(p.alpha) * 256.0);
            bool found = false;
            for (long k = k0 - 2; k <= k0 + 2 && !found; ++k) {
                if (k < 0 || 255 * w + k + 128 > 65535) continue;
                bool ok = true;
                for (int v = 0; v < 256 && ok; ++v)
                    ok = fixed_point_value(uint16_t(v), uint16_t(w), uint16_t(k)) == p.table[c][v];
                if (ok) ks[c] = uint16_t(k), found = true;
            }
            all = found;
        }
        if (all) {
            p.fixed_w = uint16_t(w);
            for (int k = 0; k < 128; ++k) p.fixed_k_repeat[k] = ks[k % p.channels];
            return true;
        }
    }
    return false;
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
    for (int k = 0; k < 128; ++k) p.fill_repeat[k] = p.table[k % channels][0];
    for (int k = 0; k < 16; ++k) p.bg_repeat[k] = p.bg[k % channels];
    if (opacity == 0.0)
        p.mode = BlendPlan::Mode::copy;
    else if (constant)
        p.mode = BlendPlan::Mode::fill;
    else if (find_fixed_point(p))
        p.mode = BlendPlan::Mode::fixed;
    else
        p.mode = BlendPlan::Mode::blend;
    return p;
}

}  // namespace

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
