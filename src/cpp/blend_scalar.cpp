// Portable reference kernel: a 256-entry lookup per channel, exact by construction.
// It is the reference the SIMD kernels (x86 and NEON) are tested against, and what
// set_isa("scalar") runs.
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
        for (size_t i = 0; i < n; ++i)
            for (int c = 0; c < C; ++c) {
                const size_t k = i * C + c;
                const uint8_t keep = mask[k] ? 0xFF : 0x00;
                dst[k] = static_cast<uint8_t>((src[k] & keep) | (plan.table[c][src[k]] & ~keep));
            }
        return;
    }
    // Branch-free select: random masks would otherwise mispredict every other pixel.
    for (size_t i = 0; i < n; ++i) {
        const uint8_t* s = src + i * C;
        uint8_t* d = dst + i * C;
        const uint8_t keep = mask[i] ? 0xFF : 0x00;
        for (int c = 0; c < C; ++c)
            d[c] = static_cast<uint8_t>((s[c] & keep) | (plan.table[c][s[c]] & ~keep));
    }
}

}  // namespace dcn
