// AVX2 + FMA bilinear warp rows: 8 output pixels per step, the same double coordinates and
// float arithmetic as the portable kernel (warp_pixel.hpp), lane for lane. Taps are addressed with 32-bit offsets
// (rows within the job's fast band, pixels packed): dword gathers for 1 channel, two 8-byte
// loads per pixel for 3 and 4. A step with any tap outside that band, near the right edge or
// outside the image, or with any pixel not inner goes to the exact per-pixel path.
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
    // rows_first: bits of the lanes interpolated rows first (a row's rows-first block may begin
    // or end inside the step).
    static void run(const uint8_t* base, const int32_t* offsets, int64_t sy, const float* wx, const float* wy,
                    int rows_first, uint8_t* dst) {
        const int* b = reinterpret_cast<const int*>(base);
        const __m256i off = _mm256_load_si256(reinterpret_cast<const __m256i*>(offsets));
        const __m256 ax = _mm256_load_ps(wx), ay = _mm256_load_ps(wy);
        const __m256i top = _mm256_i32gather_epi32(b, off, 1);
        const __m256i down = _mm256_add_epi32(off, _mm256_set1_epi32(static_cast<int>(sy)));
        const __m256i bottom = _mm256_i32gather_epi32(b, down, 1);
        const __m256 p00 = byte_lane(top, 0), p01 = byte_lane(top, 8), p10 = byte_lane(bottom, 0),
                     p11 = byte_lane(bottom, 8);
        __m256i v = interpolate(p00, p01, p10, p11, ax, ay, rows_first == 0xFF);
        if (rows_first != 0 && rows_first != 0xFF) {
            const __m256i bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
            const __m256i lanes = _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(rows_first), bit), bit);
            v = _mm256_blendv_epi8(v, interpolate(p00, p01, p10, p11, ax, ay, true), lanes);
        }
        _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), bytes8(v));
    }
};

// 3 and 4 channels, pixel-major: two pixels A, B share a vector of 8 floats (4 channel lanes
// each, the 4th unused for 3 channels), so the arithmetic per lane is the portable kernel's.
// Each tap row's 8 bytes of A (its left and right taps) go to the low 128-bit lane and B's to
// the high one; in-lane byte shuffles spread each tap's channels to dwords.
template <int C>
struct Step {
    static constexpr int64_t kRight = C == 3 ? 3 : 2;  // 3 channels: the load reads 2 bytes of ix + 2
    static __m256i row_pair(const uint8_t* a, const uint8_t* b) {
        const __m256i lo = _mm256_castsi128_si256(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(a)));
        const __m256i hi = _mm256_broadcastq_epi64(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(b)));
        return _mm256_blend_epi32(lo, hi, 0xF0);
    }
    // Tap p (0 left, 1 right) of both pixels as floats, one channel per lane.
    static __m256 tap(__m256i pair, int p) {
        const int z = -1, o = p * C;
        const __m256i order = _mm256_setr_epi8(o, z, z, z, o + 1, z, z, z, o + 2, z, z, z, C == 4 ? o + 3 : z, z, z, z,
                                               o, z, z, z, o + 1, z, z, z, o + 2, z, z, z, C == 4 ? o + 3 : z, z, z, z);
        return _mm256_cvtepi32_ps(_mm256_shuffle_epi8(pair, order));
    }
    // Weight of pixels i, i + 1, each over its 4 lanes.
    static __m256 weights(const float* w, int i) {
        return _mm256_blend_ps(_mm256_broadcast_ss(w + i), _mm256_broadcast_ss(w + i + 1), 0xF0);
    }
    // Pixels i, i + 1: 8 int32 results [A channels, B channels].
    static __m256i two(const uint8_t* base, const int32_t* off, int64_t sy, const float* wx, const float* wy,
                       bool rows_first, int i) {
        const uint8_t *a = base + off[i], *b = base + off[i + 1];
        const __m256i top = row_pair(a, b), bottom = row_pair(a + sy, b + sy);
        return interpolate(tap(top, 0), tap(top, 1), tap(bottom, 0), tap(bottom, 1), weights(wx, i), weights(wy, i),
                           rows_first);
    }
    // rows_first: lane bits as for 1 channel; here only 0 or 0xFF (axis-aligned maps).
    static void run(const uint8_t* base, const int32_t* off, int64_t sy, const float* wx, const float* wy,
                    int rows_first, uint8_t* dst) {
        const bool rows = rows_first != 0;
        const __m256i p0123 = _mm256_packs_epi32(two(base, off, sy, wx, wy, rows, 0), two(base, off, sy, wx, wy, rows, 2));
        const __m256i p4567 = _mm256_packs_epi32(two(base, off, sy, wx, wy, rows, 4), two(base, off, sy, wx, wy, rows, 6));
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

// Double image coordinates of a row's pixels, 8 per call (two halves of 4), as warp_pixel.hpp
// computes them.
class LinearCoords8 {
  public:
    LinearCoords8(const WarpRow& row)
        : d0_(_mm256_set1_pd(row.d[0])), d3_(_mm256_set1_pd(row.d[3])),
          d2_(_mm256_set1_pd(row.d[2])), d5_(_mm256_set1_pd(row.d[5])),
          ym1_(_mm256_set1_pd(row.d[1] * static_cast<double>(row.y))),
          ym4_(_mm256_set1_pd(row.d[4] * static_cast<double>(row.y))) {}

    // Pixels x .. x + 7, those past pixel `last` repeating it (a segment's tail).
    void pixels(int64_t x, int64_t last, __m256d sx[2], __m256d sy[2]) const {
        const __m256d first = _mm256_set1_pd(static_cast<double>(x)), top = _mm256_set1_pd(static_cast<double>(last));
        for (int h = 0; h < 2; ++h) {
            const __m256d lanes = h ? _mm256_setr_pd(4, 5, 6, 7) : _mm256_setr_pd(0, 1, 2, 3);
            const __m256d at = _mm256_min_pd(_mm256_add_pd(first, lanes), top);
            sx[h] = _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(d0_, at), ym1_), d2_);
            sy[h] = _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(d3_, at), ym4_), d5_);
        }
    }

  private:
    __m256d d0_, d3_, d2_, d5_, ym1_, ym4_;
};

inline __m256 to_float(const __m256d v[2]) {
    return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(v[0])), _mm256_cvtpd_ps(v[1]), 1);
}

inline __m256 in_range(__m256 v, __m256 lo, __m256 hi) {  // lo <= v <= hi (false for NaN)
    return _mm256_and_ps(_mm256_cmp_ps(v, lo, _CMP_GE_OQ), _mm256_cmp_ps(v, hi, _CMP_LE_OQ));
}

// Rows of a rotated crop walk diagonally through the image, which the hardware prefetchers do
// not follow: each step asks for the lines the same pixels of the output row kPrefetchRows
// further down will read.
constexpr int kPrefetchRows = 8;

// A row segment is computed in chunks of up to kChunkSteps steps of 8 pixels, in two passes:
// the first maps every step to its tap offsets and weights, the second fetches and
// interpolates. In one pass each step was one long chain (coordinates, offsets, loads,
// arithmetic, store) and the out-of-order window held little more than one step at a time
// (two passes: 13% less time per pixel on an AMD EPYC). A 128-pixel tile is two chunks.
constexpr int kChunkSteps = 8;

struct Taps {
    alignas(32) int32_t off[kChunkSteps][8];  // the top-left tap's bytes from fast_base
    alignas(32) float ax[kChunkSteps][8];
    alignas(32) float ay[kChunkSteps][8];
    bool fast[kChunkSteps];  // every pixel of the step may take Step<C>
    int rows_first[kChunkSteps];  // bits of the lanes interpolated rows first
};

template <int C>
void warp_row(const StridedView& image, const WarpRow& row, uint8_t* dst) {
    const LinearCoords8 coords(row);
    const bool axis = axis_aligned(row.d);
    int64_t rows_first0 = 0, rows_first1 = 0;
    if (C == 1 && !axis) rows_first_span(row.d, row.y, row.width, image.w, image.h, rows_first0, rows_first1);
    const double ahead_bytes = std::nearbyint(kPrefetchRows * double(row.m[4])) * double(image.sy) +
                               std::nearbyint(kPrefetchRows * double(row.m[1])) * C;
    const int64_t ahead = std::fabs(ahead_bytes) < 1e9 ? static_cast<int64_t>(ahead_bytes) : 0;  // also NaN
    // Fast steps need every tap pixel (and the bytes its loads read) inside the band, and, off
    // the axes, every pixel inner in double (warp_pixel.hpp's inner()). Rounding to float keeps
    // the sign and the order, so floor(float(s)) <= top with top <= size - 2 gives s < size - 1
    // and a clear float sign bit gives s >= 0 (a -0 lane only takes the exact path needlessly).
    const __m256 x_max = _mm256_set1_ps(static_cast<float>(image.w - Step<C>::kRight));
    const __m256 y_min = _mm256_set1_ps(static_cast<float>(row.fast_y0));
    const __m256 y_max = _mm256_set1_ps(static_cast<float>(row.fast_y1));
    const __m256i y_base = _mm256_set1_epi32(static_cast<int>(row.fast_y0));
    const __m256i sy = _mm256_set1_epi32(static_cast<int>(image.sy)), cn = _mm256_set1_epi32(C);
    const bool band = row.fast_y1 >= row.fast_y0;
    const char* base = reinterpret_cast<const char*>(row.fast_base);
    Taps taps;
    for (int64_t chunk = row.x0; chunk < row.x1; chunk += 8 * kChunkSteps) {
        const int64_t end = std::min(row.x1, chunk + 8 * kChunkSteps);
        const int steps = static_cast<int>((end - chunk + 7) / 8);
        for (int s = 0; s < steps; ++s) {  // pass 1: where each step reads
            const int64_t x = chunk + 8 * s, last = std::min(end, x + 8) - 1;
            __m256d sxd[2], syd[2];
            coords.pixels(x, last, sxd, syd);
            // Inner pixels: floor and fraction of the float coordinate; axis-aligned maps: of the double.
            __m256 fx, fy, ax, ay;
            int negative = 0;  // lanes whose float coordinate has its sign bit set
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
                negative = _mm256_movemask_ps(_mm256_or_ps(sx_, sy_));
            }
            const __m256 ok = _mm256_and_ps(in_range(fx, _mm256_setzero_ps(), x_max), in_range(fy, y_min, y_max));
            const int64_t lo = std::clamp<int64_t>(rows_first0 - x, 0, 8), hi = std::clamp<int64_t>(rows_first1 - x, lo, 8);
            taps.rows_first[s] = axis ? 0xFF : (1 << hi) - (1 << lo);
            taps.fast[s] = band && !negative && _mm256_movemask_ps(ok) == 0xFF;
            const __m256i rows = _mm256_mullo_epi32(_mm256_sub_epi32(_mm256_cvttps_epi32(fy), y_base), sy);
            _mm256_store_si256(reinterpret_cast<__m256i*>(taps.off[s]),
                               _mm256_add_epi32(rows, _mm256_mullo_epi32(_mm256_cvttps_epi32(fx), cn)));
            _mm256_store_ps(taps.ax[s], ax);
            _mm256_store_ps(taps.ay[s], ay);
        }
        for (int s = 0; s < steps; ++s, dst += 8 * C) {  // pass 2: fetch and interpolate
            const int64_t x = chunk + 8 * s;
            const int n = static_cast<int>(std::min<int64_t>(8, end - x));
            if (!taps.fast[s]) {
                __m256d sxd[2], syd[2];
                coords.pixels(x, x + n - 1, sxd, syd);
                alignas(32) double sxs[8], sys[8];
                for (int h = 0; h < 2; ++h) _mm256_store_pd(sxs + 4 * h, sxd[h]), _mm256_store_pd(sys + 4 * h, syd[h]);
                for (int i = 0; i < n; ++i)
                    linear_pixel(image, sxs[i], sys[i], axis, x + i >= rows_first0 && x + i < rows_first1,
                                 row.border, dst + i * C);
                continue;
            }
            // The step's first and last pixels bound its taps' lines along the row (prefetching
            // all eight cost 5-7% on an AMD EPYC whether or not the image was in cache).
            _mm_prefetch(base + (taps.off[s][0] + ahead), _MM_HINT_T0);
            _mm_prefetch(base + (taps.off[s][7] + ahead), _MM_HINT_T0);
            if (n == 8) {
                Step<C>::run(row.fast_base, taps.off[s], image.sy, taps.ax[s], taps.ay[s], taps.rows_first[s], dst);
                continue;
            }
            alignas(32) uint8_t full[8 * C];
            Step<C>::run(row.fast_base, taps.off[s], image.sy, taps.ax[s], taps.ay[s], taps.rows_first[s], full);
            std::memcpy(dst, full, static_cast<size_t>(n * C));
        }
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
