// Portable twin of the float16 conversion (half.hpp). On the magnitude bits a of x: NaN and
// infinity keep their class; from 65520 (0x477ff000) up the result is infinity; below 2^-14
// (float16 subnormals and zero) adding 0.5f lets the float unit round to the 2^-24 grid (even
// on ties), the result being the low mantissa bits; otherwise the exponent is rebiased and the
// 13 dropped bits rounded to even by adding 0xfff plus the kept lowest bit.
#include <cstring>

#include "half.hpp"

namespace dcn {

void to_half_scalar(const float* in, int64_t n, uint16_t* out) {
    for (int64_t i = 0; i < n; ++i) {
        uint32_t x;
        std::memcpy(&x, in + i, 4);
        const uint32_t sign = (x >> 16) & 0x8000u, a = x & 0x7fffffffu;
        uint32_t h;
        if (a >= 0x477ff000u) {
            h = 0x7c00u | (a > 0x7f800000u ? 0x200u : 0u);
        } else if (a < 0x38800000u) {
            float f;
            std::memcpy(&f, &a, 4);
            f += 0.5f;
            std::memcpy(&h, &f, 4);
            h -= 0x3f000000u;
        } else {
            h = (a + 0xc8000fffu + ((a >> 13) & 1u)) >> 13;
        }
        out[i] = static_cast<uint16_t>(sign | h);
    }
}

}  // namespace dcn
