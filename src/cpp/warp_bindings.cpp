// Python binding of the oriented-crop warp: argument checks, then one native call for all crops
// of an image with the GIL released. The Python layer plans the crops and owns the output
// buffers; everything it passes is checked again here, so the entry point is safe on its own.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/vector.h>

#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "gil.hpp"
#include "warp.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace dcn {
namespace {

using Bytes = nb::ndarray<nb::ro, nb::device::cpu>;  // checked: uint8 (and bool masks)
using Buffer = nb::ndarray<uint8_t, nb::ndim<1>, nb::c_contig, nb::device::cpu>;
using Matrices = nb::ndarray<const double, nb::shape<-1, 2, 3>, nb::c_contig, nb::device::cpu>;
using Layout = nb::ndarray<const int64_t, nb::shape<-1, 7>, nb::c_contig, nb::device::cpu>;

constexpr int64_t kMaxSide = int64_t(1) << 24;  // float pixel coordinates stay exact

[[noreturn]] void reject(const std::string& msg) { throw std::invalid_argument(msg); }

// A 2-D (H, W) or 3-D (H, W, C) byte array as the kernels see it (strides in bytes).
StridedView byte_view(const Bytes& a, const char* name, int64_t max_channels) {
    const size_t nd = a.ndim();
    if (nd != 2 && !(nd == 3 && max_channels > 1))
        reject(std::string(name) + ": expected shape (H, W)" + (max_channels > 1 ? " or (H, W, C)" : ""));
    const nb::dlpack::dtype t = a.dtype();
    const bool u8 = t.code == static_cast<uint8_t>(nb::dlpack::dtype_code::UInt) && t.bits == 8 && t.lanes == 1;
    const bool boolean = t.code == static_cast<uint8_t>(nb::dlpack::dtype_code::Bool) && t.bits == 8 && t.lanes == 1;
    if (!u8 && !(boolean && max_channels == 1))
        reject(std::string(name) + (max_channels > 1 ? ": expected dtype uint8" : ": expected dtype bool or uint8"));
    StridedView v;
    v.data = static_cast<const uint8_t*>(a.data());
    v.h = static_cast<int64_t>(a.shape(0)), v.w = static_cast<int64_t>(a.shape(1));
    v.sy = a.stride(0), v.sx = a.stride(1);
    v.c = nd == 3 ? static_cast<int64_t>(a.shape(2)) : 1;
    v.sc = nd == 3 ? a.stride(2) : 1;
    if (v.c < 1 || v.c > max_channels) reject(std::string(name) + ": expected 1 to 4 channels");
    return v;
}

// [offset, offset + bytes) inside a buffer of `size` bytes and after the previous region.
void check_region(int64_t offset, int64_t bytes, size_t size, int64_t& end, const std::string& name) {
    if (offset < end || offset > static_cast<int64_t>(size) || bytes > static_cast<int64_t>(size) - offset)
        reject(name + ": output region outside its buffer or overlapping the previous one");
    end = offset + bytes;
}

void warp_crops(const Bytes& image, const Matrices& matrices, const Layout& layout, Buffer out,
                std::optional<Buffer> mask_out, std::optional<Buffer> inside_out,
                std::optional<std::vector<std::optional<Bytes>>> masks, double mask_opacity,
                const std::vector<int>& background, int threads) {
    const StridedView img = byte_view(image, "image", 4);
    const size_t n = matrices.shape(0);
    if (layout.shape(0) != n) reject("layout: expected one row per matrix");
    if (masks && masks->size() != n) reject("masks: expected one mask region (or None) per crop");
    if (!(mask_opacity >= 0.0 && mask_opacity <= 1.0)) reject("mask_opacity: expected a number in [0, 1]");
    if (threads < 0) reject("threads: expected None or an integer >= 1");
    if (static_cast<int64_t>(background.size()) != img.c) reject("background: expected one value per channel");
    uint8_t border[kMaxChannels];
    for (size_t k = 0; k < background.size(); ++k) {
        if (background[k] < 0 || background[k] > 255) reject("background: values must be integers in 0..255");
        border[k] = static_cast<uint8_t>(background[k]);
    }
    std::vector<WarpJob> jobs(n);
    int64_t ends[3] = {0, 0, 0};
    bool any_mask = false;
    for (size_t i = 0; i < n; ++i) {
        const std::string name = "crop " + std::to_string(i);
        const int64_t* row = layout.data() + 7 * i;
        WarpJob& job = jobs[i];
        job.w = row[0], job.h = row[1];
        if (job.w < 1 || job.h < 1 || job.w > kMaxSide || job.h > kMaxSide)
            reject(name + ": expected a size from 1 to " + std::to_string(kMaxSide) + " pixels a side");
        for (int k = 0; k < 6; ++k) {
            job.forward[k] = matrices.data()[6 * i + static_cast<size_t>(k)];
            if (!std::isfinite(job.forward[k])) reject(name + ": the matrix must be finite");
        }
        const int64_t pixels = job.w * job.h;
        check_region(row[2], pixels * img.c, out.size(), ends[0], name);
        job.dst = out.data() + row[2];
        const std::optional<Bytes>* region = masks ? &(*masks)[i] : nullptr;
        if ((row[3] >= 0) != (region && region->has_value()))
            reject(name + ": a mask output needs a mask region, and a region an output");
        if (row[3] >= 0) {
            if (!mask_out) reject("mask_out: required with masks");
            check_region(row[3], pixels, mask_out->size(), ends[1], name + " mask");
            job.mask_dst = mask_out->data() + row[3];
            job.mask = byte_view(**region, ("mask " + std::to_string(i)).c_str(), 1);
            job.mask_x0 = row[5], job.mask_y0 = row[6];
            any_mask = true;
        }
        if (row[4] >= 0) {
            if (!inside_out) reject("inside_out: required with inside offsets");
            check_region(row[4], pixels, inside_out->size(), ends[2], name + " inside");
            job.inside_dst = inside_out->data() + row[4];
        }
    }
    std::optional<BlendPlan> plan;
    if (any_mask && mask_opacity > 0) plan = make_blend_plan(mask_opacity, border, static_cast<int>(img.c), false);
    ReleaseGil release;
    run_warp_jobs(img, jobs, border, plan ? &*plan : nullptr, threads);
}

}  // namespace

void bind_warp(nb::module_& m) {
    m.def("warp_crops", &warp_crops, "image"_a, "matrices"_a, "layout"_a, "out"_a, "mask_out"_a.none(),
          "inside_out"_a.none(), "masks"_a.none(), "mask_opacity"_a, "background"_a, "threads"_a = 0,
          "Warp every crop of a uint8 image as OpenCV 5's warpAffine (INTER_LINEAR, BORDER_CONSTANT "
          "with `background`) would with matrix i (image -> crop). layout row i: (w, h, offset in out, "
          "offset in mask_out or -1, offset in inside_out or -1, x0, y0 of mask region i). With a mask "
          "region, the mask is warped with nearest sampling into mask_out (0/1) and, when "
          "mask_opacity > 0, the pixels outside it are blended toward the background; inside_out "
          "marks pixels whose centre maps into the image. threads: 0 = automatic.");
}

}  // namespace dcn
