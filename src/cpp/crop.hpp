// Crop jobs: each box of a strided image copied into a fresh C-contiguous output, the
// background outside its mask removed in the same pass over each row, and the padding of a
// crop reaching past the image painted by the same threads.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "blend.hpp"
#include "strided_view.hpp"

namespace dcn {

struct CropJob {
    int64_t x0 = 0, y0 = 0, w = 0, h = 0;  // the box: a region of the image, inside it
    int64_t out_w = 0, out_h = 0;          // the output; larger than the box where padded
    int64_t left = 0, top = 0;             // where the box lies in the output
    size_t offset = 0;                     // of the output in the call's memory
    uint8_t* dst = nullptr;                // the output (out_h x out_w pixels, C-contiguous)
    // Mask of the box (element [0, 0] is the box's top-left), uint8/bool, one byte per pixel
    // (c == 1) or per image byte (c == channels). data == nullptr: no background removal.
    StridedView mask;
};

struct CropBatch {
    std::vector<CropJob> jobs;    // one per non-empty box
    std::vector<int64_t> job_of;  // per box: its job, or -1 (an empty box has no crop)
    size_t bytes = 0;             // the outputs' memory, each output kAlign-aligned
};

// Plans one crop per box (x0, y0, x1, y1 rows of `boxes`, each inside the image). `canvas`
// (nullptr: none) holds each crop's output rectangle in image coordinates, containing its box;
// `masks` (nullptr: none) one box-local mask per box (data == nullptr: none).
CropBatch plan_crops(const int64_t* boxes, const int64_t* canvas, int64_t n, const StridedView* masks,
                     int64_t pixel_bytes);

// Runs every job into `memory` (batch.bytes, aligned), split into row bands over `threads`
// threads (0 = automatic); output pixels outside their box get `fill` (one pixel's bytes).
// With `plans`, the background outside each job's mask is removed. `planar`: each output is
// (C, out_h, out_w), cut plane by plane (image.c one-channel planes of the strided image, each
// with its own one-channel plan, plans[p], and fill byte(s) fill + p * itemsize); otherwise
// outputs are interleaved and plans[0] serves every channel. Touches no Python object (call
// it with the GIL released); results do not depend on the thread count.
void run_crops(const StridedView& image, CropBatch& batch, uint8_t* memory, const BlendPlan* plans,
               const uint8_t* fill, int threads, bool planar = false);

}  // namespace dcn
