// Portable twins of the resample loops (resample.hpp): the reference for the x86 and NEON
// versions, and what set_isa("scalar") runs.
#include <algorithm>

#include "resample.hpp"

namespace dcn {
namespace {

template <int C>
void resample(const uint8_t* row, const Taps* t, int64_t n, int32_t* out) {
    for (int64_t i = 0; i < n; ++i, out += C) {
        const uint8_t *p0 = row + t[i].o0, *p1 = row + t[i].o1;
        for (int c = 0; c < C; ++c) out[c] = p0[c] * t[i].w[0] + p1[c] * t[i].w[1];
    }
}

}  // namespace

void resample_row_scalar(const uint8_t* row, int64_t, const Taps* t, int64_t n, int channels, int32_t* out) {
    switch (channels) {
        case 1: return resample<1>(row, t, n, out);
        case 2: return resample<2>(row, t, n, out);
        case 3: return resample<3>(row, t, n, out);
        default: return resample<4>(row, t, n, out);
    }
}

void combine_rows_scalar(const int32_t* a, const int32_t* b, int16_t w0, int16_t w1, int64_t n, uint8_t* out) {
    for (int64_t i = 0; i < n; ++i) {
        const int32_t v = (((w0 * (a[i] >> 4)) >> 16) + ((w1 * (b[i] >> 4)) >> 16) + 2) >> 2;
        out[i] = static_cast<uint8_t>(std::clamp(v, 0, 255));
    }
}

void planarize_scalar(const uint8_t* line, int64_t w, int channels, const int* perm, uint8_t* const* planes) {
    for (int k = 0; k < channels; ++k) {
        const uint8_t* s = line + perm[k];
        uint8_t* d = planes[k];
        for (int64_t x = 0; x < w; ++x) d[x] = s[x * channels];
    }
}

}  // namespace dcn
