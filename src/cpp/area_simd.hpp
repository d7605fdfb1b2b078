// The SIMD INTER_AREA loops (area.hpp) written once for every instruction set. Each ISA file
// supplies an ops struct of its 4-lane intrinsics from an anonymous namespace (so no code
// compiled for one instruction set is shared with another) and forwards to these templates.
//
// Ops: F (4 floats), I (4 int32); zero(); pixel(p) (the 4 bytes at p widened to floats);
// mul(F, float), add(F, F) (separate, never fused: the scalar twin's order); load/store of
// floats; round(F) (to int32, half to even); loadi(p); to_float(I); quarter(I) ((x + 2) >> 2);
// store16(const I v[4], out) (16 int32 to 16 saturated bytes).
#pragma once
#include <cstdint>

#include "area.hpp"

namespace dcn {

template <class Ops>
void area_row_simd(const uint8_t* row, int64_t row_bytes, const AreaTap* t, const int32_t* first, int64_t n,
                   int channels, float* buf) {
    if (channels < 3) return area_row_scalar(row, row_bytes, t, first, n, channels, buf);
    // One pixel's channels per vector: a 4-byte load (3 channels: the 4th lane reads the next
    // pixel's byte and is discarded), widened to float, times the tap's weight, added.
    int64_t x = 0;
    for (; x < n; ++x, buf += channels) {
        const int32_t k1 = first[x + 1];
        if (k1 > first[x] && t[k1 - 1].o + 4 > row_bytes) break;  // the last pixel: scalar
        typename Ops::F acc = Ops::zero();
        for (int32_t k = first[x]; k < k1; ++k) acc = Ops::add(acc, Ops::mul(Ops::pixel(row + t[k].o), t[k].alpha));
        if (channels == 4) {
            Ops::store(buf, acc);
        } else {
            alignas(16) float v[4];
            Ops::store(v, acc);
            buf[0] = v[0], buf[1] = v[1], buf[2] = v[2];
        }
    }
    area_row_scalar(row, row_bytes, t, first + x, n - x, channels, buf);
}

template <class Ops>
void area_accumulate_simd(float* sum, const float* buf, float beta, int64_t n, bool start) {
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const typename Ops::F p = Ops::mul(Ops::load(buf + i), beta);
        Ops::store(sum + i, start ? p : Ops::add(Ops::load(sum + i), p));
    }
    area_accumulate_scalar(sum + i, buf + i, beta, n - i, start);
}

template <class Ops>
void area_finish_simd(const float* sum, int64_t n, uint8_t* out) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        typename Ops::I v[4];
        for (int q = 0; q < 4; ++q) v[q] = Ops::round(Ops::load(sum + i + 4 * q));
        Ops::store16(v, out + i);
    }
    area_finish_scalar(sum + i, n - i, out + i);
}

template <class Ops>
void area_finish_int_simd(const int32_t* s, int64_t n, int area, bool quarter, uint8_t* out) {
    const float scale = 1.f / static_cast<float>(area);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        typename Ops::I v[4];
        for (int q = 0; q < 4; ++q) {
            const typename Ops::I x = Ops::loadi(s + i + 4 * q);
            v[q] = quarter ? Ops::quarter(x) : Ops::round(Ops::mul(Ops::to_float(x), scale));
        }
        Ops::store16(v, out + i);
    }
    area_finish_int_scalar(s + i, n - i, area, quarter, out + i);
}

}  // namespace dcn
