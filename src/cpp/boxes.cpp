// Box rounding (boxes.hpp).
#include "boxes.hpp"

#include <algorithm>
#include <cmath>

namespace dcn {

int64_t round_and_clamp(const double* xyxy, int64_t row_step, int64_t col_step, int64_t n, int64_t width, int64_t height,
                        int64_t* out) {
    const double limit[4] = {double(width), double(height), double(width), double(height)};
    int64_t bad = -1;
    for (int64_t i = 0; i < n && bad < 0; ++i) {
        for (int k = 0; k < 4; ++k) {
            const double v = xyxy[i * row_step + k * col_step];
            if (std::isnan(v)) bad = i;
            out[4 * i + k] = bad < 0 ? static_cast<int64_t>(std::clamp(std::nearbyint(v), 0.0, limit[k])) : 0;
        }
    }
    return bad;
}

}  // namespace dcn
