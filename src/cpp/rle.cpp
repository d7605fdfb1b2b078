// COCO RLE decoding (rle.hpp): compressed counts and the box region of a mask.
#include "rle.hpp"

#include "portable.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace dcn {

std::vector<uint64_t> rle_counts_from_string(std::string_view s) {
    // Each count is a little-endian series of 5-bit groups in characters offset by 48 (bit 5:
    // more groups follow; bit 4 of the last group: negative); counts after the second are
    // stored as differences to the count two places before (pycocotools' rleFrString).
    std::vector<uint64_t> counts;
    size_t p = 0;
    while (p < s.size()) {
        int64_t x = 0;
        int k = 0;
        bool more = true;
        while (more) {
            if (p >= s.size()) throw std::invalid_argument("rle: compressed counts end inside a number");
            const int c = static_cast<unsigned char>(s[p]) - 48;
            if (c < 0 || c > 63) throw std::invalid_argument("rle: invalid character in compressed counts");
            if (k >= 12) throw std::invalid_argument("rle: count too large in compressed counts");
            x |= static_cast<int64_t>(c & 0x1f) << (5 * k);
            more = c & 0x20;
            ++p, ++k;
            if (!more && (c & 0x10)) x |= -(int64_t(1) << (5 * k));
        }
        if (counts.size() > 2) x += static_cast<int64_t>(counts[counts.size() - 2]);
        if (x < 0) throw std::invalid_argument("rle: negative run length in compressed counts");
        counts.push_back(static_cast<uint64_t>(x));
    }
    return counts;
}

uint64_t rle_pixels(int64_t h, int64_t w) {
    int64_t total = 0;
    if (mul_overflow(h, w, &total))
        throw std::invalid_argument("rle: size [" + std::to_string(h) + ", " + std::to_string(w) +
                                    "] has more than 2^63 - 1 pixels");
    return static_cast<uint64_t>(total);
}

void rle_decode_box(const std::vector<uint64_t>& counts, int64_t h, int64_t w, int64_t x0, int64_t y0, int64_t x1,
                    int64_t y1, uint8_t* out) {
    const int64_t bw = x1 - x0, bh = y1 - y0;
    std::memset(out, 0, static_cast<size_t>(bw * bh));
    const uint64_t total = rle_pixels(h, w);
    uint64_t pos = 0;
    for (size_t k = 0; k < counts.size(); ++k) {
        const uint64_t len = counts[k];
        if (len > total - pos)
            throw std::invalid_argument("rle: runs add up to more than size h * w = " + std::to_string(total));
        if ((k & 1) && len && h > 0) {  // odd runs are foreground
            const int64_t first = static_cast<int64_t>(pos), last = static_cast<int64_t>(pos + len - 1);
            const int64_t c_begin = std::max(first / h, x0), c_end = std::min(last / h, x1 - 1);
            for (int64_t c = c_begin; c <= c_end; ++c) {
                const int64_t r0 = std::max(c == first / h ? first % h : 0, y0);
                const int64_t r1 = std::min(c == last / h ? last % h + 1 : h, y1);
                for (int64_t r = r0; r < r1; ++r) out[(r - y0) * bw + (c - x0)] = 1;
            }
        }
        pos += len;
    }
    if (pos != total)
        throw std::invalid_argument("rle: runs add up to " + std::to_string(pos) + ", expected size h * w = " +
                                    std::to_string(total));
}

}  // namespace dcn
