// AVX2 + FMA bilinear warp rows: 8 output pixels per step, the same double coordinates and
// float arithmetic as the portable kernel (warp_pixel.hpp), lane for lane. Taps are addressed with 32-bit offsets
// (rows within the job's fast band, pixels packed): dword gathers for 1 channel, two 8-byte
// loads per pixel for 3 and 4. A step with any tap outside that band, near the right edge or
// outside the image, with any pixel not inner, or touching a 1-channel row's rows-first pixels
// goes to the exact per-pixel path.
#include <immintrin.h>

#include <cmath>
#include <cstring>

#include "warp.hpp"
#include "warp_pixel.hpp"

namespace dcn {
namespace {

// Byte `shift / 8` of each dword, as floats.
inline __m256 byte_lane(__m256i v, int shift) {
    return _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32(v, shift), _mm256_set1_epi32(0xFF)));
}

// Columns first, or rows first (axis-aligned maps), as linear_pixel().
inline __m256i interpolate(__m256 p00, __m256 p01, __m256 p10, __m256 p11, __m256 ax, __m256 ay, bool rows_first) {
    if (rows_first) {
        const __m256 f0 = _mm256_fmadd_ps(ax, _mm256_sub_ps(p01, p00), p00);
        const __m256 f1 = _mm256_fmadd_ps(ax, _mm256_sub_ps(p11, p10), p10);
        return _mm256_cvtps_epi32(_mm256_fmadd_ps(ay, _mm256_sub_ps(f1, f0), f0));  // rounds half to even
    }
    const __m256 f0 = _mm256_fmadd_ps(ay, _mm256_sub_ps(p10, p00), p00);
    const __m256 f1 = _mm256_fmadd_ps(ay, _mm256_sub_ps(p11, p01), p01);
    return _mm256_cvtps_epi32(_mm256_fmadd_ps(ax, _mm256_sub_ps(f1, f0), f0));
}

// 8 int32 values (0..255) as 8 bytes, pixel order kept.
inline __m128i bytes8(__m256i v) {
    const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    return _mm_packus_epi16(w, w);
}

// One step: fetch, interpolate and store 8 pixels whose taps all lie in the fast band.
template <int C>
struct Step;

template <>
struct Step<1> {
    static constexpr int64_t kRight = 4;  // a dword at ix reads pixels ix..ix+3
    static void run(const uint8_t* base, __m256i off, int64_t sy, __m256 ax, __m256 ay, bool rows_first,
                    uint8_t* dst) {
        const int* b = reinterpret_cast<const int*>(base);
        const __m256i top = _mm256_i32gather_epi32(b, off, 1);
        const __m256i down = _mm256_add_epi32(off, _mm256_set1_epi32(static_cast<int>(sy)));
        const __m256i bottom = _mm256_i32gather_epi32(b, down, 1);
        const __m256i v =
            interpolate(byte_lane(top, 0), byte_lane(top, 8), byte_lane(bottom, 0), byte_lane(bottom, 8), ax, ay,
                        rows_first);
        _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), bytes8(v));
    }
};

// 3 and 4 channels, pixel-major: each 8-byte load at a tap row holds both horizontal taps of
// a pixel; two pixels share a vector of 8 floats (4 channel lanes each, the 4th unused for 3
// channels), so the arithmetic per lane is the portable kernel's.
template <int C>
struct Step {
    static constexpr int64_t kRight = C == 3 ? 3 : 2;  // 3 channels: the load reads 2 bytes of ix + 2
    // [p0 (4 bytes), p1 (4 bytes)] of two pixels A, B as [A p0, B p0 | A p1, B p1], one byte per
    // channel lane (zero in the 4th lane for 3 channels).
    static __m128i pairs(__m128i ab) {
        const __m128i order = C == 3 ? _mm_setr_epi8(0, 1, 2, -1, 8, 9, 10, -1, 3, 4, 5, -1, 11, 12, 13, -1)
                                     : _mm_setr_epi8(0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15);
        return _mm_shuffle_epi8(ab, order);
    }
    static __m128i load2(const uint8_t* a, const uint8_t* b) {
        return _mm_castpd_si128(_mm_loadh_pd(_mm_castsi128_pd(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(a))),
                                             reinterpret_cast<const double*>(b)));
    }
    static __m256 lo(__m128i v) { return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(v)); }
    static __m256 hi(__m128i v) { return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_unpackhi_epi64(v, v))); }
    // Pixels i, i + 1: 8 int32 results [A channels, B channels].
    static __m256i two(const uint8_t* base, const int32_t* off, int64_t sy, __m256 ax, __m256 ay, bool rows_first,
                       int i) {
        const uint8_t *a = base + off[i], *b = base + off[i + 1];
        const __m128i top = pairs(load2(a, b)), bottom = pairs(load2(a + sy, b + sy));
        const __m256i lanes = _mm256_setr_epi32(i, i, i, i, i + 1, i + 1, i + 1, i + 1);
        return interpolate(lo(top), hi(top), lo(bottom), hi(bottom), _mm256_permutevar8x32_ps(ax, lanes),
                           _mm256_permutevar8x32_ps(ay, lanes), rows_first);
    }
    static void run(const uint8_t* base, __m256i offsets, int64_t sy, __m256 ax, __m256 ay, bool rows_first,
                    uint8_t* dst) {
        alignas(32) int32_t off[8];
        _mm256_store_si256(reinterpret_cast<__m256i*>(off), offsets);
        const __m256i p0123 = _mm256_packs_epi32(two(base, off, sy, ax, ay, rows_first, 0), two(base, off, sy, ax, ay, rows_first, 2));
        const __m256i p4567 = _mm256_packs_epi32(two(base, off, sy, ax, ay, rows_first, 4), two(base, off, sy, ax, ay, rows_first, 6));
        // packs/packus work per 128-bit lane: dwords come out as pixels 0 2 4 6 | 1 3 5 7.
        const __m256i px = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(p0123, p4567),
                                                       _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        if (C == 4) {
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), px);
            return;
        }
        const __m256i packed = _mm256_shuffle_epi8(  // 12 bytes per lane, 4 pixels of 3 channels
            px, _mm256_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1, 0, 1, 2, 4, 5, 6, 8, 9, 10,
                                 12, 13, 14, -1, -1, -1, -1));
        const __m128i first = _mm256_castsi256_si128(packed), second = _mm256_extracti128_si256(packed, 1);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), first);  // its last 4 bytes are rewritten next
        _mm_storel_epi64(reinterpret_cast<__m128i*>(dst + 12), second);
        const int32_t last = _mm_cvtsi128_si32(_mm_srli_si128(second, 8));
        std::memcpy(dst + 20, &last, 4);
    }
};

// Float image coordinates of a row segment's pixels for the masks (OpenCV's nearest kernel), 8
// per call, as warp_pixel.hpp computes them.
class Coords8 {
  public:
    Coords8(const WarpRow& row)
        : r_(row_coords(row.m, row.y, row.width)),
          m0_(_mm256_set1_ps(row.m[0])), m3_(_mm256_set1_ps(row.m[3])),
          m2_(_mm256_set1_ps(row.m[2])), m5_(_mm256_set1_ps(row.m[5])),
          mx_(_mm256_set1_ps(r_.mx)), my_(_mm256_set1_ps(r_.my)),
          ym1_(_mm256_set1_ps(r_.ym1)), ym4_(_mm256_set1_ps(r_.ym4)),
          xs_(_mm256_add_ps(_mm256_set1_ps(static_cast<float>(row.x0)), _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7))) {}

    // Pixels x .. x + 7 (x advances by 8 from the segment's start; blocks of 8 never straddle
    // vector_end, a multiple of 16).
    void next(int64_t x, __m256& sx, __m256& sy) {
        if (x < r_.vector_end) {
            sx = _mm256_fmadd_ps(m0_, xs_, mx_);
            sy = _mm256_fmadd_ps(m3_, xs_, my_);
        } else {
            sx = _mm256_add_ps(_mm256_fmadd_ps(xs_, m0_, ym1_), m2_);
            sy = _mm256_add_ps(_mm256_fmadd_ps(xs_, m3_, ym4_), m5_);
        }
        xs_ = _mm256_add_ps(xs_, _mm256_set1_ps(8.f));
    }

  private:
    RowCoords r_;
    __m256 m0_, m3_, m2_, m5_, mx_, my_, ym1_, ym4_, xs_;
};

// Double image coordinates of a row segment's pixels, 8 per call (two halves of 4), as
// warp_pixel.hpp computes them.
class LinearCoords8 {
  public:
    LinearCoords8(const WarpRow& row)
        : d0_(_mm256_set1_pd(row.d[0])), d3_(_mm256_set1_pd(row.d[3])),
          d2_(_mm256_set1_pd(row.d[2])), d5_(_mm256_set1_pd(row.d[5])),
          ym1_(_mm256_set1_pd(row.d[1] * static_cast<double>(row.y))),
          ym4_(_mm256_set1_pd(row.d[4] * static_cast<double>(row.y))),
          xs_(_mm256_add_pd(_mm256_set1_pd(static_cast<double>(row.x0)), _mm256_setr_pd(0, 1, 2, 3))) {}

    void next(__m256d sx[2], __m256d sy[2]) {
        at(xs_, _mm256_add_pd(xs_, _mm256_set1_pd(4.0)), sx, sy);
        xs_ = _mm256_add_pd(xs_, _mm256_set1_pd(8.0));
    }

    // The next 8 pixels with those past pixel `last` repeating it (a segment's tail).
    void last(int64_t last, __m256d sx[2], __m256d sy[2]) {
        const __m256d top = _mm256_set1_pd(static_cast<double>(last));
        at(_mm256_min_pd(xs_, top), _mm256_min_pd(_mm256_add_pd(xs_, _mm256_set1_pd(4.0)), top), sx, sy);
    }

  private:
    __m256d d0_, d3_, d2_, d5_, ym1_, ym4_, xs_;

    void at(__m256d lo, __m256d hi, __m256d sx[2], __m256d sy[2]) const {
        for (int h = 0; h < 2; ++h) {
            const __m256d x = h ? hi : lo;
            sx[h] = _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(d0_, x), ym1_), d2_);
            sy[h] = _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(d3_, x), ym4_), d5_);
        }
    }
};

inline __m256 to_float(const __m256d v[2]) {
    return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(v[0])), _mm256_cvtpd_ps(v[1]), 1);
}

// Bits of the lanes whose four taps all lie in the image (warp_pixel.hpp's inner()).
inline int inner_bits(const __m256d sx[2], const __m256d sy[2], __m256d x_top, __m256d y_top) {
    int bits = 0;
    for (int h = 0; h < 2; ++h) {
        const __m256d zero = _mm256_setzero_pd();
        const __m256d ok = _mm256_and_pd(
            _mm256_and_pd(_mm256_cmp_pd(sx[h], zero, _CMP_GE_OQ), _mm256_cmp_pd(sx[h], x_top, _CMP_LT_OQ)),
            _mm256_and_pd(_mm256_cmp_pd(sy[h], zero, _CMP_GE_OQ), _mm256_cmp_pd(sy[h], y_top, _CMP_LT_OQ)));
        bits |= _mm256_movemask_pd(ok) << (4 * h);
    }
    return bits;
}

inline __m256 in_range(__m256 v, __m256 lo, __m256 hi) {  // lo <= v <= hi (false for NaN)
    return _mm256_and_ps(_mm256_cmp_ps(v, lo, _CMP_GE_OQ), _mm256_cmp_ps(v, hi, _CMP_LE_OQ));
}

// Rows of a rotated crop walk diagonally through the image, which the hardware prefetchers do
// not follow: each step asks for the lines the same pixels of the output row kPrefetchRows
// further down will read.
constexpr int kPrefetchRows = 8;

template <int C>
void warp_row(const StridedView& image, const WarpRow& row, uint8_t* dst) {
    LinearCoords8 coords(row);
    const bool axis = axis_aligned(row.d);
    int64_t rows_first0 = 0, rows_first1 = 0;
    if (C == 1 && !axis) rows_first_span(row.d, row.y, row.width, image.w, image.h, rows_first0, rows_first1);
    const int ahead_y = static_cast<int>(std::lrint(kPrefetchRows * row.m[4]));
    const int ahead_x = static_cast<int>(std::lrint(kPrefetchRows * row.m[1]));
    const __m256i ahead = _mm256_set1_epi32(ahead_y * static_cast<int>(image.sy) + ahead_x * C);
    const __m256d x_top = _mm256_set1_pd(static_cast<double>(image.w - 1));
    const __m256d y_top = _mm256_set1_pd(static_cast<double>(image.h - 1));
    // Fast steps need every tap pixel (and the bytes its loads read) inside the band.
    const __m256 x_max = _mm256_set1_ps(static_cast<float>(image.w - Step<C>::kRight));
    const __m256 y_min = _mm256_set1_ps(static_cast<float>(row.fast_y0));
    const __m256 y_max = _mm256_set1_ps(static_cast<float>(row.fast_y1));
    const __m256i y_base = _mm256_set1_epi32(static_cast<int>(row.fast_y0));
    const __m256i sy = _mm256_set1_epi32(static_cast<int>(image.sy)), cn = _mm256_set1_epi32(C);
    const bool fast = row.fast_y1 >= row.fast_y0;
    // Pixels x .. x + n - 1 (n <= 8) from their coordinates (lanes past n repeat pixel x + n - 1).
    const auto step = [&](const __m256d sxd[2], const __m256d syd[2], int64_t x, int n, uint8_t* out) {
        // Inner pixels: floor and fraction of the float coordinate; axis-aligned maps: of the double.
        __m256 fx, fy, ax, ay;
        if (axis) {
            const __m256d lx[2] = {_mm256_floor_pd(sxd[0]), _mm256_floor_pd(sxd[1])};
            const __m256d ly[2] = {_mm256_floor_pd(syd[0]), _mm256_floor_pd(syd[1])};
            const __m256d rx[2] = {_mm256_sub_pd(sxd[0], lx[0]), _mm256_sub_pd(sxd[1], lx[1])};
            const __m256d ry[2] = {_mm256_sub_pd(syd[0], ly[0]), _mm256_sub_pd(syd[1], ly[1])};
            fx = to_float(lx), fy = to_float(ly), ax = to_float(rx), ay = to_float(ry);
        } else {
            const __m256 sx_ = to_float(sxd), sy_ = to_float(syd);
            fx = _mm256_floor_ps(sx_), fy = _mm256_floor_ps(sy_);
            ax = _mm256_sub_ps(sx_, fx), ay = _mm256_sub_ps(sy_, fy);
        }
        const __m256 ok = _mm256_and_ps(in_range(fx, _mm256_setzero_ps(), x_max), in_range(fy, y_min, y_max));
        const bool rows_first = x < rows_first1 && x + n > rows_first0;
        if (!fast || rows_first || _mm256_movemask_ps(ok) != 0xFF ||
            (!axis && inner_bits(sxd, syd, x_top, y_top) != 0xFF)) {
            alignas(32) double sxs[8], sys[8];
            for (int h = 0; h < 2; ++h) _mm256_store_pd(sxs + 4 * h, sxd[h]), _mm256_store_pd(sys + 4 * h, syd[h]);
            for (int i = 0; i < n; ++i)
                linear_pixel(image, sxs[i], sys[i], axis, x + i >= rows_first0 && x + i < rows_first1, row.border,
                             out + i * C);
            return;
        }
        const __m256i ix = _mm256_cvttps_epi32(fx), iy = _mm256_cvttps_epi32(fy);
        const __m256i rows = _mm256_mullo_epi32(_mm256_sub_epi32(iy, y_base), sy);
        const __m256i off = _mm256_add_epi32(rows, _mm256_mullo_epi32(ix, cn));
        // The step's first and last pixels bound its taps' lines along the row (prefetching all
        // eight cost 5-7% on an AMD EPYC whether or not the image was in cache).
        const __m256i later = _mm256_add_epi32(off, ahead);
        const char* base = reinterpret_cast<const char*>(row.fast_base);
        _mm_prefetch(base + _mm256_cvtsi256_si32(later), _MM_HINT_T0);
        _mm_prefetch(base + _mm256_extract_epi32(later, 7), _MM_HINT_T0);
        if (n == 8) return Step<C>::run(row.fast_base, off, image.sy, ax, ay, axis, out);
        alignas(32) uint8_t full[8 * C];
        Step<C>::run(row.fast_base, off, image.sy, ax, ay, axis, full);
        std::memcpy(out, full, static_cast<size_t>(n * C));
    };
    int64_t x = row.x0;
    __m256d sxd[2], syd[2];
    for (; x + 8 <= row.x1; x += 8, dst += 8 * C) {
        coords.next(sxd, syd);
        step(sxd, syd, x, 8, dst);
    }
    if (x < row.x1) {  // the segment's last 1-7 pixels as one step
        coords.last(row.x1 - 1, sxd, syd);
        step(sxd, syd, x, static_cast<int>(row.x1 - x), dst);
    }
}

}  // namespace

void warp_row_avx2(const StridedView& image, const WarpRow& row, uint8_t* dst) {
    packed_channels(image, row, dst, [&](auto c) { warp_row<decltype(c)::value>(image, row, dst); });
}


void warp_mask_row_avx2(const StridedView& image, const WarpJob& job, const WarpRow& row, uint8_t* mask,
                        uint8_t* inside) {
    Coords8 coords(row);
    const auto splat = [](int64_t v) { return _mm256_set1_ps(static_cast<float>(v)); };
    const __m256 w_max = splat(image.w - 1), h_max = splat(image.h - 1), zero = _mm256_setzero_ps();
    const StridedView& region = job.mask;
    const __m256 x0 = splat(job.mask_x0), y0 = splat(job.mask_y0), rw = splat(region.w - 1), rh = splat(region.h - 1);
    int64_t x = row.x0;
    for (; x + 8 <= row.x1; x += 8) {
        __m256 sx, sy;
        coords.next(x, sx, sy);
        const __m256 rx = _mm256_round_ps(sx, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        const __m256 ry = _mm256_round_ps(sy, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        const __m256 in_image = _mm256_and_ps(in_range(rx, zero, w_max), in_range(ry, zero, h_max));
        const int bits = _mm256_movemask_ps(in_image);
        uint8_t* at = nullptr;
        if (inside) {
            at = inside + (x - row.x0);
            for (int i = 0; i < 8; ++i) at[i] = (bits >> i) & 1;
        }
        if (!mask) continue;
        at = mask + (x - row.x0);
        const __m256 lx = _mm256_sub_ps(rx, x0), ly = _mm256_sub_ps(ry, y0);
        const int hits = bits & _mm256_movemask_ps(_mm256_and_ps(in_range(lx, zero, rw), in_range(ly, zero, rh)));
        alignas(32) int32_t ix[8], iy[8];
        _mm256_store_si256(reinterpret_cast<__m256i*>(ix), _mm256_cvttps_epi32(lx));
        _mm256_store_si256(reinterpret_cast<__m256i*>(iy), _mm256_cvttps_epi32(ly));
        for (int i = 0; i < 8; ++i)
            at[i] = (hits >> i) & 1 ? region.data[int64_t(iy[i]) * region.sy + int64_t(ix[i]) * region.sx] != 0 : 0;
    }
    const int64_t done = x - row.x0;
    WarpRow rest = row;
    rest.x0 = x;
    warp_mask_row_scalar(image, job, rest, mask ? mask + done : nullptr, inside ? inside + done : nullptr);
}

}  // namespace dcn
