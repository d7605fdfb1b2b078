// NEON versions of the resample loops (resample.hpp; AArch64, where NEON is the baseline).
#include <arm_neon.h>

#include <type_traits>

#include "resample.hpp"

namespace dcn {

void resample_row_neon(const uint8_t* row, int64_t row_bytes, const Taps* t, int64_t n, int channels, int32_t* out) {
    if (channels < 3) return resample_row_scalar(row, row_bytes, t, n, channels, out);
    // As on x86: taps are neighbours (o1 == o0 + C) or the second weight is 0, so one 8-byte
    // load at o0 holds both pixels; p0 is lanes 0-3 and p1 lanes C..C+3 of the widened load,
    // and a widening multiply plus multiply-add gives the 4 sums. For 3 channels the 4th sum
    // is garbage that lands in the next pixel's slot, which the next step rewrites (see
    // ResampleRowFn).
    int64_t i = 0;
    for (; i < n && t[i].o0 + 8 <= row_bytes; ++i, out += channels) {
        const int16x8_t px = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(row + t[i].o0)));
        const int16x4_t p1 = channels == 3 ? vget_low_s16(vextq_s16(px, px, 3)) : vget_high_s16(px);
        vst1q_s32(out, vmlal_n_s16(vmull_n_s16(vget_low_s16(px), t[i].w[0]), p1, t[i].w[1]));
    }
    resample_row_scalar(row, row_bytes, t + i, n - i, channels, out);
}

void combine_rows_neon(const int32_t* a, const int32_t* b, int16_t w0, int16_t w1, int64_t n, uint8_t* out) {
    // The scalar twin's int32 arithmetic lane for lane, so the two agree for every input.
    const int32x4_t two = vdupq_n_s32(2);
    auto four = [&](int64_t i) {
        const int32x4_t x = vshrq_n_s32(vmulq_n_s32(vshrq_n_s32(vld1q_s32(a + i), 4), w0), 16);
        const int32x4_t y = vshrq_n_s32(vmulq_n_s32(vshrq_n_s32(vld1q_s32(b + i), 4), w1), 16);
        return vshrq_n_s32(vaddq_s32(vaddq_s32(x, y), two), 2);
    };
    auto eight = [&](int64_t i) { return vqmovun_high_s32(vqmovun_s32(four(i)), four(i + 4)); };
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) vst1q_u8(out + i, vqmovn_high_u16(vqmovn_u16(eight(i)), eight(i + 8)));
    combine_rows_scalar(a + i, b + i, w0, w1, n - i, out + i);
}

namespace {

// 16 interleaved pixels of C channels split into C vectors by one structure load.
inline uint8x16x2_t load_split(const uint8_t* p, std::integral_constant<int, 2>) { return vld2q_u8(p); }
inline uint8x16x3_t load_split(const uint8_t* p, std::integral_constant<int, 3>) { return vld3q_u8(p); }
inline uint8x16x4_t load_split(const uint8_t* p, std::integral_constant<int, 4>) { return vld4q_u8(p); }

template <int C>
void planarize_blocks(const uint8_t* line, int64_t blocks, const int* perm, uint8_t* const* planes) {
    for (int64_t b = 0; b < blocks; ++b, line += 16 * C) {
        const auto in = load_split(line, std::integral_constant<int, C>{});
        for (int k = 0; k < C; ++k) vst1q_u8(planes[k] + 16 * b, in.val[perm[k]]);
    }
}

}  // namespace

void planarize_neon(const uint8_t* line, int64_t w, int channels, const int* perm, uint8_t* const* planes) {
    // 16 pixels per step with one vld2/vld3/vld4; the rest (and 1-channel rows, a plain copy)
    // by the scalar twin.
    planarize_in_blocks(line, w, channels, perm, planes, channels >= 2, [&](int64_t blocks) {
        if (channels == 2) planarize_blocks<2>(line, blocks, perm, planes);
        if (channels == 3) planarize_blocks<3>(line, blocks, perm, planes);
        if (channels == 4) planarize_blocks<4>(line, blocks, perm, planes);
    });
}

}  // namespace dcn
