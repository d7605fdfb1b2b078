// NEON version of the float16 conversion (half.hpp; AArch64): the scalar twin's three cases
// for 4 values at once, selected by comparison masks, as half_sse41.cpp does (the hardware
// conversion would keep NaN payloads, which the twin does not).
#include <arm_neon.h>

#include "half.hpp"

namespace dcn {
namespace {

uint32x4_t four(const float* in) {
    const uint32x4_t x = vreinterpretq_u32_f32(vld1q_f32(in));
    const uint32x4_t a = vandq_u32(x, vdupq_n_u32(0x7fffffffu));
    const uint32x4_t sign = vandq_u32(vshrq_n_u32(x, 16), vdupq_n_u32(0x8000u));
    const uint32x4_t big = vcgeq_u32(a, vdupq_n_u32(0x477ff000u));
    const uint32x4_t nan = vcgtq_u32(a, vdupq_n_u32(0x7f800000u));
    const uint32x4_t tiny = vcltq_u32(a, vdupq_n_u32(0x38800000u));
    const uint32x4_t special = vorrq_u32(vdupq_n_u32(0x7c00u), vandq_u32(nan, vdupq_n_u32(0x200u)));
    const uint32x4_t sub = vsubq_u32(vreinterpretq_u32_f32(vaddq_f32(vreinterpretq_f32_u32(a), vdupq_n_f32(0.5f))),
                                     vdupq_n_u32(0x3f000000u));
    const uint32x4_t odd = vandq_u32(vshrq_n_u32(a, 13), vdupq_n_u32(1u));
    const uint32x4_t normal = vshrq_n_u32(vaddq_u32(vaddq_u32(a, vdupq_n_u32(0xc8000fffu)), odd), 13);
    const uint32x4_t h = vbslq_u32(big, special, vbslq_u32(tiny, sub, normal));
    return vorrq_u32(sign, h);
}

}  // namespace

void to_half_neon(const float* in, int64_t n, uint16_t* out) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) vst1q_u16(out + i, vcombine_u16(vmovn_u32(four(in + i)), vmovn_u32(four(in + i + 4))));
    to_half_scalar(in + i, n - i, out + i);
}

}  // namespace dcn
