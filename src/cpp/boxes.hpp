// Box rounding: float (x0, y0, x1, y1) boxes to int64 pixel boxes clamped to the image.
#pragma once
#include <cstdint>

namespace dcn {

// Rounds n boxes (element [i][k] at xyxy[i * row_step + k * col_step]) half to even (numpy.round's
// rule, the FPU's default mode) and clamps them to 0..width / 0..height (infinities included)
// into out (n x 4, C order): one pass instead of four numpy calls per crop call. Returns the
// first row holding a NaN, or -1; the boxes are unusable then.
int64_t round_and_clamp(const double* xyxy, int64_t row_step, int64_t col_step, int64_t n, int64_t width, int64_t height,
                        int64_t* out);

}  // namespace dcn
