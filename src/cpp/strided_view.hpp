// StridedView: how the kernels see a 2-D/3-D array (numpy's, with byte strides of any sign).
#pragma once
#include <cstdint>

namespace dcn {

// A 2-D/3-D strided array; strides are in bytes and may be negative. 2-D arrays have c == 1.
struct StridedView {
    const uint8_t* data = nullptr;  // element [0, 0, 0]
    int64_t h = 0, w = 0, c = 1;
    int64_t sy = 0, sx = 0, sc = 0;
    int64_t itemsize = 1;
    int64_t pixel_bytes() const { return c * itemsize; }
    bool pixels_packed() const { return c == 1 || sc == itemsize; }
    bool row_contiguous() const { return pixels_packed() && sx == pixel_bytes(); }
};

}  // namespace dcn
