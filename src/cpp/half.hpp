// float32 -> float16 (IEEE binary16), rounded to nearest even, as numpy's astype(np.float16):
// the float16 output of the fused crop + resize is its float32 result converted. A portable
// twin (half_scalar.cpp) and SIMD versions (half_sse41.cpp, half_neon.cpp) doing the same integer steps.
#pragma once
#include <cstdint>

namespace dcn {

using ToHalfFn = void (*)(const float* in, int64_t n, uint16_t* out);

void to_half_scalar(const float* in, int64_t n, uint16_t* out);
#if defined(DYNACROP_X86)
void to_half_sse41(const float* in, int64_t n, uint16_t* out);
#endif
#if defined(DYNACROP_NEON)
void to_half_neon(const float* in, int64_t n, uint16_t* out);
#endif

}  // namespace dcn
