// NEON versions of the INTER_AREA loops (area.hpp; AArch64): area_simd.hpp's loops over NEON
// intrinsics. Each lane does the scalar twin's float32 operations in the same order (separate
// multiply and add, never fused), so the results are identical.
#include <arm_neon.h>

#include <cstring>

#include "area_simd.hpp"

namespace dcn {
namespace {

struct Ops {
    using F = float32x4_t;
    using I = int32x4_t;
    static F zero() { return vdupq_n_f32(0.f); }
    static F pixel(const uint8_t* p) {
        uint32_t bytes;
        std::memcpy(&bytes, p, 4);
        return vcvtq_f32_u32(vmovl_u16(vget_low_u16(vmovl_u8(vcreate_u8(bytes)))));
    }
    static F mul(F a, float b) { return vmulq_n_f32(a, b); }
    static F add(F a, F b) { return vaddq_f32(a, b); }
    static F load(const float* p) { return vld1q_f32(p); }
    static void store(float* p, F v) { vst1q_f32(p, v); }
    static I round(F v) { return vcvtnq_s32_f32(v); }  // half to even, as lrint
    static I loadi(const int32_t* p) { return vld1q_s32(p); }
    static F to_float(I v) { return vcvtq_f32_s32(v); }
    static I quarter(I v) { return vshrq_n_s32(vaddq_s32(v, vdupq_n_s32(2)), 2); }
    static void store16(const I* v, uint8_t* out) {
        const uint16x8_t lo = vcombine_u16(vqmovun_s32(v[0]), vqmovun_s32(v[1]));
        const uint16x8_t hi = vcombine_u16(vqmovun_s32(v[2]), vqmovun_s32(v[3]));
        vst1q_u8(out, vcombine_u8(vqmovn_u16(lo), vqmovn_u16(hi)));
    }
};

}  // namespace

void area_row_neon(const uint8_t* row, int64_t row_bytes, const AreaTap* t, const int32_t* first, int64_t n,
                   int channels, float* buf) {
    area_row_simd<Ops>(row, row_bytes, t, first, n, channels, buf);
}

void area_accumulate_neon(float* sum, const float* buf, float beta, int64_t n, bool start) {
    area_accumulate_simd<Ops>(sum, buf, beta, n, start);
}

void area_finish_neon(const float* sum, int64_t n, uint8_t* out) { area_finish_simd<Ops>(sum, n, out); }

void area_finish_int_neon(const int32_t* s, int64_t n, int area, bool quarter, uint8_t* out) {
    area_finish_int_simd<Ops>(s, n, area, quarter, out);
}

}  // namespace dcn
