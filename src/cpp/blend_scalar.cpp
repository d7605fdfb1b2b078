// Portable reference kernel: a 256-entry lookup per channel, exact by construction.
// On arm64 this is the shipped path (the compiler vectorises the copy loops for NEON).
#include <cstring>

#include "blend.hpp"

namespace dcn {

void blend_row_scalar(const uint8_t* src, const uint8_t* mask, uint8_t* dst, size_t n,
                      const BlendPlan& plan) {
    const int C = plan.channels;
    if (plan.mode == BlendPlan::Mode::copy) {
        if (src != dst) std::memcpy(dst, src, n * C);
        return;
    }
    if (plan.mask_per_byte) {
        for (size_t i = 0; i < n * C; ++i) {
            const uint8_t v = src[i];
            dst[i] = mask[i] ? v : plan.table[i % C][v];
        }
        return;
    }
    for (size_t i = 0; i < n; ++i) {
        const uint8_t* s = src + i * C;
        uint8_t* d = dst + i * C;
        if (mask[i]) {
            for (int c = 0; c < C; ++c) d[c] = s[c];
        } else {
            for (int c = 0; c < C; ++c) d[c] = plan.table[c][s[c]];
        }
    }
}

}  // namespace dcn
