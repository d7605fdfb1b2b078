#include "blend.hpp"

#include <cmath>

namespace dcn {

BlendPlan make_blend_plan(double opacity, const uint8_t* bg, int channels, bool mask_per_byte) {
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
    else
        p.mode = BlendPlan::Mode::blend;
    return p;
}

}  // namespace dcn
