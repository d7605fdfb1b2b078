// The inner loops of INTER_AREA downscaling (OpenCV's resizeArea_ and resizeAreaFast_ on
// uint8): float box weights from computeResizeAreaTab, or integer box sums when both factors
// are whole numbers. Each has a portable twin (area_scalar.cpp) and SIMD versions (area_sse41.cpp,
// area_neon.cpp); tests check they agree bit for bit.
#pragma once
#include <cstdint>

namespace dcn {

// One source pixel of an output pixel's cell: its byte offset in the row and its weight.
struct AreaTap {
    int32_t o;
    float alpha;
};

// buf[x * C + c] = 0 + row[t[k].o + c] * t[k].alpha + ... for k in [first[x], first[x + 1]),
// added in that order in float32 (OpenCV's ResizeArea_Invoker); `row_bytes` bounds the reads.
using AreaRowFn = void (*)(const uint8_t* row, int64_t row_bytes, const AreaTap* t, const int32_t* first, int64_t n,
                           int channels, float* buf);

// sum[i] = beta * buf[i] (start) or sum[i] + beta * buf[i], in float32.
using AreaAccumulateFn = void (*)(float* sum, const float* buf, float beta, int64_t n, bool start);

// out[i] = saturate_cast<uchar>(sum[i]): rounded half to even, clamped to 0..255.
using AreaFinishFn = void (*)(const float* sum, int64_t n, uint8_t* out);

// Whole-number factors: s[i] is the integer sum of a cell of `area` pixels. out[i] =
// (s[i] + 2) >> 2 when `quarter` (OpenCV's 2x2 fast path for 1, 3 and 4 channels), else
// saturate_cast<uchar>(float(s[i]) * (1.f / area)).
using AreaFinishIntFn = void (*)(const int32_t* s, int64_t n, int area, bool quarter, uint8_t* out);

// Whole-number factors, one crop row: sum[x * C + c] += row[t[k].o + c] for k in
// [first[x], first[x + 1]) (integer sums: any order gives the same). One loop for every level.
void area_sum_row(const uint8_t* row, const AreaTap* t, const int32_t* first, int64_t n, int channels, int32_t* sum);

void area_row_scalar(const uint8_t* row, int64_t row_bytes, const AreaTap* t, const int32_t* first, int64_t n,
                     int channels, float* buf);
void area_accumulate_scalar(float* sum, const float* buf, float beta, int64_t n, bool start);
void area_finish_scalar(const float* sum, int64_t n, uint8_t* out);
void area_finish_int_scalar(const int32_t* s, int64_t n, int area, bool quarter, uint8_t* out);
#if defined(DYNACROP_X86)
void area_row_sse41(const uint8_t* row, int64_t row_bytes, const AreaTap* t, const int32_t* first, int64_t n,
                    int channels, float* buf);
void area_accumulate_sse41(float* sum, const float* buf, float beta, int64_t n, bool start);
void area_finish_sse41(const float* sum, int64_t n, uint8_t* out);
void area_finish_int_sse41(const int32_t* s, int64_t n, int area, bool quarter, uint8_t* out);
#endif
#if defined(DYNACROP_NEON)
void area_row_neon(const uint8_t* row, int64_t row_bytes, const AreaTap* t, const int32_t* first, int64_t n,
                   int channels, float* buf);
void area_accumulate_neon(float* sum, const float* buf, float beta, int64_t n, bool start);
void area_finish_neon(const float* sum, int64_t n, uint8_t* out);
void area_finish_int_neon(const int32_t* s, int64_t n, int area, bool quarter, uint8_t* out);
#endif

}  // namespace dcn
