// Portable twins of the INTER_AREA loops (area.hpp): the reference for the SSE4.1 and NEON
// versions, and what set_isa("scalar") runs.
#include <algorithm>
#include <cmath>

#include "area.hpp"

namespace dcn {

void area_row_scalar(const uint8_t* row, int64_t, const AreaTap* t, const int32_t* first, int64_t n, int channels,
                     float* buf) {
    for (int64_t x = 0; x < n; ++x, buf += channels) {
        for (int c = 0; c < channels; ++c) buf[c] = 0.f;
        for (int32_t k = first[x]; k < first[x + 1]; ++k)
            for (int c = 0; c < channels; ++c) buf[c] = buf[c] + static_cast<float>(row[t[k].o + c]) * t[k].alpha;
    }
}

void area_sum_row(const uint8_t* row, const AreaTap* t, const int32_t* first, int64_t n, int channels, int32_t* sum) {
    for (int64_t x = 0; x < n; ++x, sum += channels)
        for (int32_t k = first[x]; k < first[x + 1]; ++k)
            for (int c = 0; c < channels; ++c) sum[c] += row[t[k].o + c];
}

void area_accumulate_scalar(float* sum, const float* buf, float beta, int64_t n, bool start) {
    if (start)
        for (int64_t i = 0; i < n; ++i) sum[i] = beta * buf[i];
    else
        for (int64_t i = 0; i < n; ++i) sum[i] = sum[i] + beta * buf[i];
}

void area_finish_scalar(const float* sum, int64_t n, uint8_t* out) {
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(std::clamp<long>(std::lrint(sum[i]), 0, 255));
}

void area_finish_int_scalar(const int32_t* s, int64_t n, int area, bool quarter, uint8_t* out) {
    const float scale = 1.f / static_cast<float>(area);
    for (int64_t i = 0; i < n; ++i)
        out[i] = static_cast<uint8_t>(
            quarter ? (s[i] + 2) >> 2 : std::clamp<long>(std::lrint(static_cast<float>(s[i]) * scale), 0, 255));
}

}  // namespace dcn
