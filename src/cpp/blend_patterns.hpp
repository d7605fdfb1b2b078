// Byte-shuffle patterns that spread one mask byte per pixel over interleaved pixels.
// Plain arrays (not vector constants) so that no SIMD code runs at load time.
#pragma once
#include <cstdint>

namespace dcn {

// BGR: byte i of the 16-byte chunk at byte offset 16*k of a run of pixels belongs to pixel
// (16*k + i) / 3; within a 16-pixel mask chunk that is index kBgrExpand[k % 3][i].
alignas(16) inline constexpr uint8_t kBgrExpand[3][16] = {
    {0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5},
    {5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9, 10, 10},
    {10, 11, 11, 11, 12, 12, 12, 13, 13, 13, 14, 14, 14, 15, 15, 15},
};

// BGRA: the 16-byte chunk k covers pixels 4k..4k+3.
alignas(16) inline constexpr uint8_t kBgraExpand[4][16] = {
    {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3},
    {4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7},
    {8, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 10, 11, 11, 11, 11},
    {12, 12, 12, 12, 13, 13, 13, 13, 14, 14, 14, 14, 15, 15, 15, 15},
};

// 64-byte vectors (AVX-512), one block = 64 pixels = C vectors: byte i of vector j belongs to
// pixel (64 j + i) / C.
template <int C>
struct Block64 {
    alignas(64) uint8_t pixel[C][64];
};

template <int C>
constexpr Block64<C> block64() {
    Block64<C> b{};
    for (int j = 0; j < C; ++j)
        for (int i = 0; i < 64; ++i) b.pixel[j][i] = static_cast<uint8_t>((64 * j + i) / C);
    return b;
}

inline constexpr Block64<3> kBlock64Bgr = block64<3>();
inline constexpr Block64<4> kBlock64Bgra = block64<4>();

}  // namespace dcn
