// COCO run-length masks (as pycocotools writes them): column-major runs starting with a run
// of zeros; "counts" either a list of run lengths or pycocotools' compressed string.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

namespace dcn {

// Runs from pycocotools' compressed string; throws std::invalid_argument on malformed input.
std::vector<uint64_t> rle_counts_from_string(std::string_view s);

// The pixel count h * w of an h x w mask (h, w >= 0); throws std::invalid_argument when it
// exceeds 2^63 - 1, past which positions in the mask would overflow.
uint64_t rle_pixels(int64_t h, int64_t w);

// Writes the [y0, y1) x [x0, x1) region of an h x w RLE mask into `out` (row-major,
// (y1 - y0) * (x1 - x0) bytes, 0/1), reading every run once and writing only the region.
// Throws std::invalid_argument when the runs do not add up to h * w.
void rle_decode_box(const std::vector<uint64_t>& counts, int64_t h, int64_t w, int64_t x0, int64_t y0, int64_t x1,
                    int64_t y1, uint8_t* out);

}  // namespace dcn
