// Fused crop + resize into one batch slot per detection: the crop's rows are read (and their
// background removed) only when the resampler needs them, so no crop array is ever made.
#pragma once
#include <cstdint>
#include <vector>

#include "blend.hpp"
#include "parallel.hpp"
#include "strided_view.hpp"

namespace dcn {

struct ResizeJob {
    int64_t cx0 = 0, cy0 = 0, cw = 0, ch = 0;   // the crop in image coordinates; may reach past the image
    int64_t bx0 = 0, by0 = 0, bx1 = 0, by1 = 0; // its part inside the image (a box-local mask covers it)
    int64_t px = 0, py = 0, rw = 0, rh = 0;     // where the resized crop lands in its slot; rw == 0: none
    StridedView mask;                           // data == nullptr: no background removal
    uint8_t* dst = nullptr;                     // the slot
};

enum class Interpolation { linear, nearest, area };  // cv2.INTER_LINEAR, INTER_NEAREST, INTER_AREA

struct ResizeOutput {
    int64_t h = 0, w = 0, c = 1;  // slot size; c equals the image's channels
    bool planar = false;          // NCHW instead of NHWC
    bool rgb = false;             // swap channels 0 and 2 (BGR -> RGB, BGRA -> RGBA)
    Interpolation interpolation = Interpolation::linear;
    const float* mean = nullptr;  // c values per output channel: float32 output (v - mean) / std;
    const float* std = nullptr;   // nullptr: uint8 output
    bool half = false;            // float16 output: the float32 values rounded to nearest even
    const uint8_t* fill = nullptr;  // c bytes in the image's channel order: padding and letterbox
};

// A worker's memory besides the output. Slots are resampled in chunks of at most chunk_px
// columns, each reading only the crop columns its taps touch, so this grows with neither the
// slot nor the crop's padding: at most ~24 bytes per chunk element, plus rows of the image part.
struct ResizeScratch {
    int64_t chunk_px = 0;    // slot columns per chunk
    int64_t span_px = 0;     // a crop-row buffer: the widest image part and 4 padding pixels
    int64_t mask_bytes = 0;  // one strided mask row
    size_t bytes = 0;        // all of it
};

struct ResizeBatch {
    std::vector<ResizeJob> jobs;  // one per slot
    ResizeScratch scratch;        // per worker
    Workers workers;
    size_t bytes = 0;             // the batch's memory (saturated at SIZE_MAX)
    size_t needed = 0;            // the batch and the scratch of the most workers it may have (saturated)
};

// Plans slot i for box i (x0, y0, x1, y1 rows of `boxes`, inside the image): `canvas` row i is
// the crop (containing the box), `placement` row i (px, py, rw, rh) the resized crop's rectangle
// in the slot (rw == 0: a background-only slot), `masks` (nullptr: none) one box-local mask per
// box (data == nullptr: none); the work goes to `threads` threads (0 = automatic).
ResizeBatch plan_resizes(const int64_t* boxes, const int64_t* canvas, const int64_t* placement, int64_t n,
                         const StridedView* masks, const ResizeOutput& out, int threads);

// Resamples every job into its slot of `memory` (batch.bytes) like cv2.resize(crop, (rw, rh))
// on the crop (after background removal with `plan`, if any), within one level of OpenCV's
// fixed point, then converts (channel order, float LUT, layout). Work is split by job over
// batch.workers threads. Touches no Python object.
void run_resizes(const StridedView& image, ResizeBatch& batch, uint8_t* memory, const ResizeOutput& out,
                 const BlendPlan* plan);

}  // namespace dcn
