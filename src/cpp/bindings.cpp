// The Python module: every argument is checked here before any memory is touched (the Python
// layer gives friendlier messages first; these checks keep the native entry points safe on
// their own), then the job code runs with the GIL released; Python objects are made before
// and after.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <limits>
#include <stdexcept>
#include <string>

#include "blend.hpp"
#include "boxes.hpp"
#include "crop.hpp"
#include "dispatch.hpp"
#include "gil.hpp"
#include "output.hpp"
#include "parallel.hpp"
#include "resize.hpp"
#include "rle.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace dcn {
namespace {

using Array = nb::ndarray<nb::ro, nb::device::cpu>;
using Boxes = nb::ndarray<const int64_t, nb::ndim<2>, nb::c_contig, nb::device::cpu>;
using Floats = nb::ndarray<const float, nb::ndim<1>, nb::c_contig, nb::device::cpu>;
using LocalMasks = std::vector<std::optional<Array>>;

[[noreturn]] void fail(const std::string& msg) { throw std::invalid_argument(msg); }

// ---- Output arrays

// One allocation for all outputs of a call, handed to numpy through a capsule that every
// output array references; freed when the last array of the call is gone.
struct Arena {
    uint8_t* data = nullptr;
    nb::capsule owner;
};

Arena arena(size_t bytes) {
    OutputMemory memory = allocate_output(bytes);
    nb::capsule owner(memory.get(), [](void* p) noexcept { release_output(static_cast<uint8_t*>(p)); });
    return {memory.release(), std::move(owner)};
}

// An output of `like`'s dtype and dimensions: (h, w), (h, w, c) or, planar, (c, h, w).
nb::object wrap(uint8_t* data, const nb::capsule& owner, const Array& like, int64_t h, int64_t w, int64_t c,
                bool planar) {
    const size_t hwc[3] = {static_cast<size_t>(h), static_cast<size_t>(w), static_cast<size_t>(c)};
    const size_t chw[3] = {static_cast<size_t>(c), static_cast<size_t>(h), static_cast<size_t>(w)};
    const bool planes = planar && like.ndim() == 3;
    return nb::cast(nb::ndarray<nb::numpy>(data, like.ndim(), planes ? chw : hwc, owner, nullptr, like.dtype()));
}

// ---- Argument checks and views

std::string shape_str(const Array& a) {
    std::string s = "(";
    for (size_t i = 0; i < a.ndim(); ++i) s += (i ? ", " : "") + std::to_string(a.shape(i));
    return s + (a.ndim() == 1 ? ",)" : ")");
}

bool is_dtype(const Array& a, nb::dlpack::dtype_code code, int bits) {
    return a.dtype().code == static_cast<uint8_t>(code) && a.dtype().bits == bits && a.dtype().lanes == 1;
}
bool is_u8(const Array& a) { return is_dtype(a, nb::dlpack::dtype_code::UInt, 8); }
bool is_mask_dtype(const Array& a) { return is_u8(a) || is_dtype(a, nb::dlpack::dtype_code::Bool, 8); }

StridedView view_of(const Array& a) {
    StridedView v;
    v.itemsize = a.dtype().bits / 8;
    v.data = static_cast<const uint8_t*>(a.data());
    v.h = static_cast<int64_t>(a.shape(0));
    v.w = static_cast<int64_t>(a.shape(1));
    v.sy = a.stride(0) * v.itemsize;
    v.sx = a.stride(1) * v.itemsize;
    if (a.ndim() == 3) {
        v.c = static_cast<int64_t>(a.shape(2));
        v.sc = a.stride(2) * v.itemsize;
    } else {
        v.c = 1;
        v.sc = v.itemsize;
    }
    return v;
}

StridedView image_view(const Array& image, const char* name, bool blend) {
    if (image.ndim() != 2 && image.ndim() != 3)
        fail(std::string(name) + ": expected a 2-D (H, W) or 3-D (H, W, C) array, got shape " + shape_str(image));
    if (image.ndim() == 3 && (image.shape(2) < 1 || image.shape(2) > 4))
        fail(std::string(name) + ": expected 1 to 4 channels, got shape " + shape_str(image));
    const bool ok = blend ? is_u8(image)
                          : is_u8(image) || is_dtype(image, nb::dlpack::dtype_code::UInt, 16) ||
                                is_dtype(image, nb::dlpack::dtype_code::Float, 32);
    if (!ok) fail(std::string(name) + (blend ? ": expected dtype uint8" : ": expected dtype uint8, uint16 or float32"));
    return view_of(image);
}

std::vector<uint8_t> background_bytes(const std::vector<int>& background, int64_t channels) {
    if (static_cast<int64_t>(background.size()) != channels)
        fail("background_color: expected " + std::to_string(channels) + " components for a " +
             std::to_string(channels) + "-channel image, got " + std::to_string(background.size()));
    std::vector<uint8_t> out;
    for (int v : background) {
        if (v < 0 || v > 255) fail("background_color: components must be integers in 0..255");
        out.push_back(static_cast<uint8_t>(v));
    }
    return out;
}

void check_opacity(double opacity) {
    if (!(opacity >= 0.0 && opacity <= 1.0)) fail("mask_opacity: expected a number in [0, 1]");
}

void check_threads(int threads) {
    if (threads < 0) fail("threads: expected None or an integer >= 1");
}

// A box-local mask: (h, w) bool/uint8, or (h, w, C) with one byte per image byte.
void check_local_mask(const Array& mask, int64_t h, int64_t w, int64_t c, bool three_d_image, const std::string& name) {
    const bool per_byte = mask.ndim() == 3;
    const bool shape_ok = (mask.ndim() == 2 || (per_byte && static_cast<int64_t>(mask.shape(2)) == c)) &&
                          static_cast<int64_t>(mask.shape(0)) == h && static_cast<int64_t>(mask.shape(1)) == w;
    if (!shape_ok) {
        std::string want = "(" + std::to_string(h) + ", " + std::to_string(w) + ")";
        if (c > 1 || three_d_image)
            want += " or (" + std::to_string(h) + ", " + std::to_string(w) + ", " + std::to_string(c) + ")";
        fail(name + ": expected shape " + want + ", got " + shape_str(mask));
    }
    if (!is_mask_dtype(mask)) fail(name + ": expected dtype bool or uint8");
}

// The blend plans of a call: one for interleaved pixels, or one one-channel plan per plane.
std::vector<BlendPlan> blend_plans(double opacity, const std::vector<uint8_t>& bg, bool per_byte, bool planar) {
    const int c = static_cast<int>(bg.size());
    if (!planar) return {make_blend_plan(opacity, bg.data(), c, per_byte && c > 1)};
    std::vector<BlendPlan> plans;
    for (int p = 0; p < c; ++p) plans.push_back(make_blend_plan(opacity, bg.data() + p, 1, false));
    return plans;
}

// Box-local masks checked (one mask or None per box, all of one layout), as views, and the
// blend plans they share; no plans and no views without masks.
struct Masks {
    std::vector<StridedView> views;
    std::vector<BlendPlan> plans;
    const StridedView* data() const { return plans.empty() ? nullptr : views.data(); }
    const BlendPlan* plan() const { return plans.empty() ? nullptr : plans.data(); }
};

Masks check_masks(const Array& image, const StridedView& img, const int64_t* b, int64_t n,
                  const std::optional<LocalMasks>& masks, double mask_opacity, const std::vector<int>& background,
                  bool planar = false) {
    Masks out;
    if (!masks) return out;
    check_opacity(mask_opacity);
    if (static_cast<int64_t>(masks->size()) != n)
        fail("mask: expected one mask (or None) per box: " + std::to_string(n) + ", got " + std::to_string(masks->size()));
    out.views.resize(static_cast<size_t>(n));
    int per_byte = -1;  // every mask of a call has the same layout
    for (int64_t i = 0; i < n; ++i) {
        const std::optional<Array>& m = (*masks)[static_cast<size_t>(i)];
        const int64_t* r = b + 4 * i;
        if (!m || r[2] <= r[0] || r[3] <= r[1]) continue;
        const std::string name = "mask " + std::to_string(i);
        check_local_mask(*m, r[3] - r[1], r[2] - r[0], img.c, image.ndim() == 3, name);
        const int layout = m->ndim() == 3 ? 1 : 0;
        if (per_byte >= 0 && layout != per_byte) fail(name + ": all masks of a call need the same number of dimensions");
        per_byte = layout;
        out.views[static_cast<size_t>(i)] = view_of(*m);
    }
    out.plans = blend_plans(mask_opacity, background_bytes(background, img.c), per_byte == 1, planar);
    return out;
}

// Boxes (x0, y0, x1, y1) as int64 rows, each inside the image.
const int64_t* image_boxes(const Boxes& boxes, const StridedView& img) {
    if (boxes.shape(1) != 4) fail("xyxy: expected shape (N, 4)");
    const int64_t* b = boxes.data();
    for (size_t i = 0; i < boxes.shape(0); ++i) {
        const int64_t* r = b + 4 * i;
        if (r[0] < 0 || r[1] < 0 || r[2] > img.w || r[3] > img.h)
            fail("xyxy: box " + std::to_string(i) + " lies outside the image; clamp boxes first");
    }
    return b;
}

// Canvas boxes (the crops as output, possibly reaching past the image) must contain the
// image part of each non-empty box.
const int64_t* canvas_boxes(const Boxes& canvas, const Boxes& boxes) {
    if (canvas.shape(0) != boxes.shape(0) || canvas.shape(1) != 4) fail("canvas: expected the shape of xyxy");
    const int64_t *b = boxes.data(), *cv = canvas.data();
    for (size_t i = 0; i < boxes.shape(0); ++i) {
        const int64_t *r = b + 4 * i, *c = cv + 4 * i;
        if (r[2] > r[0] && r[3] > r[1] && (r[0] < c[0] || r[1] < c[1] || r[2] > c[2] || r[3] > c[3]))
            fail("canvas: box " + std::to_string(i) + " must contain the image part of the crop");
    }
    return cv;
}

// Placement rows (px, py, rw, rh) inside an height x width slot, (0, 0, 0, 0) for
// background-only slots, which only empty boxes may have.
void check_placement(const Boxes& placement, const Boxes& boxes, const int64_t* cv, int64_t channels, int64_t height,
                     int64_t width) {
    constexpr int64_t kMaxSide = int64_t(1) << 31;
    if (height < 1 || width < 1 || height > kMaxSide || width > kMaxSide)
        fail("size: expected (height, width) in 1.." + std::to_string(kMaxSide));
    if (placement.shape(0) != boxes.shape(0) || placement.shape(1) != 4) fail("placement: expected the shape of xyxy");
    for (size_t i = 0; i < boxes.shape(0); ++i) {
        const int64_t *r = boxes.data() + 4 * i, *c = cv + 4 * i, *p = placement.data() + 4 * i;
        if (p[2] == 0 && p[3] == 0) continue;
        const std::string name = "placement " + std::to_string(i);
        if (r[2] <= r[0] || r[3] <= r[1]) fail(name + ": an empty box has no crop to place");
        if (p[2] < 1 || p[3] < 1 || p[0] < 0 || p[1] < 0 || p[0] > width - p[2] || p[1] > height - p[3])
            fail(name + ": expected 1 <= w, h and the rectangle inside the slot");
        // Tap offsets are int32 (byte offsets within a crop row, row indices within a crop).
        if ((c[2] - c[0]) * channels > std::numeric_limits<int32_t>::max() ||
            c[3] - c[1] > std::numeric_limits<int32_t>::max())
            fail("canvas: crop " + std::to_string(i) + " is too large to resample (rows over 2 GiB)");
    }
}

// ---- Entry points

// Crop every (x0, y0, x1, y1) box; with `masks` (one box-local mask or None per box) and
// opacity > 0 also remove the background outside each mask; with `canvas`, crop i is canvas
// box i, the part outside the image painted with `fill` (one pixel's bytes).
nb::list crop(const Array& image, const Boxes& boxes, std::optional<LocalMasks> masks, double mask_opacity,
              const std::vector<int>& background, int threads, std::optional<Boxes> canvas, nb::bytes fill,
              bool planar) {
    check_threads(threads);
    const StridedView img = image_view(image, "image", masks.has_value());
    const int64_t* b = image_boxes(boxes, img);
    const int64_t n = static_cast<int64_t>(boxes.shape(0));
    const Masks m = check_masks(image, img, b, n, masks, mask_opacity, background, planar);
    const int64_t* cv = canvas ? canvas_boxes(*canvas, boxes) : nullptr;
    if (canvas && static_cast<int64_t>(fill.size()) != img.pixel_bytes())
        fail("fill: expected " + std::to_string(img.pixel_bytes()) + " bytes (one pixel)");
    CropBatch batch = plan_crops(b, cv, n, m.data(), img.pixel_bytes());
    check_memory(batch.bytes, "xyxy");
    const Arena out = arena(batch.bytes);
    {
        ReleaseGil release;
        run_crops(img, batch, out.data, m.plan(), reinterpret_cast<const uint8_t*>(fill.c_str()), threads, planar);
    }
    nb::list result;
    for (int64_t j : batch.job_of) {
        if (j < 0) {
            result.append(nb::none());
        } else {
            const CropJob& job = batch.jobs[static_cast<size_t>(j)];
            result.append(wrap(job.dst, out.owner, image, job.out_h, job.out_w, img.c, planar));
        }
    }
    return result;
}

// Crop every box and resample it into slot i of one (N, H, W, C) or (N, C, H, W) batch:
// `placement` row i is (px, py, rw, rh), the resized crop's rectangle in its slot (rw == 0: a
// background-only slot); `canvas` row i the crop (containing box i, which lies in the image).
nb::object crop_resize(const Array& image, const Boxes& boxes, const Boxes& canvas, std::optional<LocalMasks> masks,
                       double mask_opacity, const std::vector<int>& background, const Boxes& placement, int64_t height,
                       int64_t width, bool planar, bool rgb, int interpolation, std::optional<Floats> mean, std::optional<Floats> std,
                       int threads, bool half) {
    check_threads(threads);
    const StridedView img = image_view(image, "image", true);
    const int64_t* b = image_boxes(boxes, img);
    const int64_t n = static_cast<int64_t>(boxes.shape(0));
    const int64_t* cv = canvas_boxes(canvas, boxes);
    const Masks m = check_masks(image, img, b, n, masks, mask_opacity, background);
    const std::vector<uint8_t> fill = background_bytes(background, img.c);
    check_placement(placement, boxes, cv, img.c, height, width);
    if (mean.has_value() != std.has_value()) fail("mean: mean and std come together");
    if (mean && (static_cast<int64_t>(mean->shape(0)) != img.c || static_cast<int64_t>(std->shape(0)) != img.c))
        fail("mean: expected " + std::to_string(img.c) + " values each for mean and std");

    ResizeOutput spec;
    spec.h = height, spec.w = width, spec.c = img.c;
    if (interpolation < 0 || interpolation > 2) fail("interpolation: expected 0 (linear), 1 (nearest) or 2 (area)");
    spec.planar = planar, spec.rgb = rgb, spec.interpolation = static_cast<Interpolation>(interpolation);
    spec.mean = mean ? mean->data() : nullptr;
    spec.std = std ? std->data() : nullptr;
    spec.half = half && mean;
    spec.fill = fill.data();
    ResizeBatch batch = plan_resizes(b, cv, placement.data(), n, m.data(), spec, threads);
    check_memory(batch.needed, "size");
    const Arena out = arena(batch.bytes);
    {
        ReleaseGil release;
        run_resizes(img, batch, out.data, spec, m.plan());
    }
    const size_t hw[2] = {static_cast<size_t>(height), static_cast<size_t>(width)};
    const size_t cc = static_cast<size_t>(img.c), nn = static_cast<size_t>(n);
    const size_t nhwc[4] = {nn, hw[0], hw[1], cc}, nchw[4] = {nn, cc, hw[0], hw[1]};
    const nb::dlpack::dtype dtype =
        spec.half ? nb::dlpack::dtype{static_cast<uint8_t>(nb::dlpack::dtype_code::Float), 16, 1}
        : mean    ? nb::dtype<float>()
                  : nb::dtype<uint8_t>();
    return nb::cast(nb::ndarray<nb::numpy>(out.data, 4, planar ? nchw : nhwc, out.owner, nullptr, dtype));
}

// Background removal on one crop: a new array, the inputs untouched.
nb::object blend(const Array& crop_arr, const Array& mask, double mask_opacity, const std::vector<int>& background,
                 int threads, bool planar) {
    check_threads(threads);
    const StridedView img = image_view(crop_arr, "crop", true);
    check_opacity(mask_opacity);
    check_local_mask(mask, img.h, img.w, img.c, crop_arr.ndim() == 3, "mask");
    const std::vector<BlendPlan> plans =
        blend_plans(mask_opacity, background_bytes(background, img.c), mask.ndim() == 3, planar);
    const int64_t box[4] = {0, 0, img.w, img.h};
    const StridedView mask_view = view_of(mask);
    CropBatch batch = plan_crops(box, nullptr, 1, &mask_view, img.pixel_bytes());
    check_memory(batch.bytes, "crop");
    const Arena out = arena(batch.bytes);
    {
        ReleaseGil release;
        run_crops(img, batch, out.data, plans.data(), nullptr, threads, planar);
    }
    return wrap(out.data, out.owner, crop_arr, img.h, img.w, img.c, planar);
}

// Test hook: the kernel path ("copy", "fill", "fixed", "affine", "half" or "blend") these
// arguments select and the exact outside-mask table (channels x 256 bytes) every kernel must
// reproduce.
nb::tuple blend_plan(double mask_opacity, const std::vector<int>& background) {
    check_opacity(mask_opacity);
    const std::vector<uint8_t> bg = background_bytes(background, static_cast<int64_t>(background.size()));
    if (bg.empty() || bg.size() > kMaxChannels) fail("background_color: expected 1 to 4 components");
    const BlendPlan plan = make_blend_plan(mask_opacity, bg.data(), static_cast<int>(bg.size()), false);
    std::string table;
    for (size_t c = 0; c < bg.size(); ++c) table.append(reinterpret_cast<const char*>(plan.table[c]), 256);
    return nb::make_tuple(mode_name(plan.mode), nb::bytes(table.data(), table.size()));
}

// The [y0, y1) x [x0, x1) region of an h x w COCO RLE mask, as a new bool array.
nb::object rle_decode(const std::vector<uint64_t>& counts, int64_t h, int64_t w, const std::vector<int64_t>& box) {
    if (h < 0 || w < 0) fail("rle: size must be non-negative");
    rle_pixels(h, w);  // refuses sizes whose pixel count overflows, before the box is checked
    if (box.size() != 4) fail("box: expected (x0, y0, x1, y1)");
    const int64_t x0 = box[0], y0 = box[1], x1 = box[2], y1 = box[3];
    if (x0 < 0 || y0 < 0 || x1 > w || y1 > h || x1 < x0 || y1 < y0)
        fail("box: expected 0 <= x0 <= x1 <= " + std::to_string(w) + " and 0 <= y0 <= y1 <= " + std::to_string(h));
    const size_t bytes = add_output(0, y1 - y0, x1 - x0, 1);
    check_memory(bytes, "box");
    const Arena out = arena(bytes);
    {
        ReleaseGil release;
        rle_decode_box(counts, h, w, x0, y0, x1, y1, out.data);
    }
    const size_t shape[2] = {static_cast<size_t>(y1 - y0), static_cast<size_t>(x1 - x0)};
    return nb::cast(nb::ndarray<nb::numpy, bool>(out.data, 2, shape, out.owner));
}

nb::object rle_decode_string(nb::bytes counts, int64_t h, int64_t w, const std::vector<int64_t>& box) {
    return rle_decode(rle_counts_from_string(std::string_view(counts.c_str(), counts.size())), h, w, box);
}

nb::object rle_decode_counts(const nb::ndarray<const int64_t, nb::ndim<1>, nb::device::cpu>& counts, int64_t h,
                             int64_t w, const std::vector<int64_t>& box) {
    std::vector<uint64_t> runs(counts.shape(0));
    for (size_t i = 0; i < runs.size(); ++i) {
        const int64_t v = counts(i);
        if (v < 0) fail("rle: run lengths must be non-negative");
        runs[i] = static_cast<uint64_t>(v);
    }
    return rle_decode(runs, h, w, box);
}

nb::tuple round_boxes(nb::ndarray<const double, nb::ndim<2>, nb::device::cpu> xyxy, int64_t width, int64_t height) {
    if (xyxy.shape(1) != 4) fail("xyxy: expected shape (N, 4)");
    if (width < 0 || height < 0) fail("round_boxes: width and height must be >= 0");
    const int64_t n = static_cast<int64_t>(xyxy.shape(0));
    const Arena out = arena(static_cast<size_t>(n) * 4 * sizeof(int64_t));
    auto* boxes = reinterpret_cast<int64_t*>(out.data);
    const int64_t bad = round_and_clamp(xyxy.data(), xyxy.stride(0), xyxy.stride(1), n, width, height, boxes);
    const size_t shape[2] = {static_cast<size_t>(n), 4};
    return nb::make_tuple(nb::ndarray<nb::numpy, int64_t, nb::ndim<2>>(boxes, 2, shape, out.owner), bad);
}

}  // namespace
void bind_warp(nb::module_& m);     // warp_bindings.cpp
void bind_records(nb::module_& m);  // records.cpp
}  // namespace dcn

NB_MODULE(_native, m) {
    using namespace dcn;
    m.doc() = "dynacrop_native kernels (private; use the dynacrop_native package)";
    m.def(
        "capabilities",
        [] {
            nb::dict d;
            d["cpu"] = cpu_features();
            d["compiled"] = compiled_levels();
            d["available"] = available_levels();
            d["active"] = std::string(active_kernels().isa);
#if defined(DYNACROP_SANITIZED)
            d["build"] = "asan+ubsan";
#else
            d["build"] = "release";
#endif
            return d;
        },
        "What this CPU and build support, and the kernel level in use.");
    m.def("set_isa", &set_level, "name"_a,
          "Use the kernels of one instruction-set level ('best' = highest this CPU runs).");
    m.def("resolve_threads", &resolve_threads, "threads"_a, "bytes"_a,
          "The most threads a call with this request (0 = automatic) and output size uses.");
    m.def("threads_used", &threads_used, "Test hook: threads that ran items in this thread's last parallel call.");
    m.def("reset_thread_policy", &reset_thread_policy,
          "Test hook: forget the call times the process's automatic thread counts were chosen by.");
    m.def(
        "plan_threads",
        [](int threads, int64_t bytes, size_t items, double seconds_one, double seconds_more) {
            const Workers w = plan_workers(threads, bytes, items, Work::copy);
            const double seconds = w.count == 1 ? seconds_one : seconds_more;
            if (seconds >= 0) record_call(w, seconds);
            return w.count;
        },
        "threads"_a, "bytes"_a, "items"_a, "seconds_one"_a = -1.0, "seconds_more"_a = -1.0,
        "Test hook: the thread count of a crop call without blending (threads 0 = automatic), recorded as taking "
        "seconds_one on one thread, seconds_more on more (negative: not recorded).");
    m.def("get_isa", [] { return std::string(active_kernels().isa); }, "The kernel level in use.");
    m.def("crop", &crop, "image"_a, "boxes"_a, "masks"_a.none(), "mask_opacity"_a, "background"_a, "threads"_a = 0,
          "canvas"_a = nb::none(), "fill"_a = nb::bytes(""), "planar"_a = false,
          "Copy every (x0, y0, x1, y1) box (int64, inside the image) into a new C-contiguous array; "
          "None for empty boxes. masks: one box-local mask (or None) per box; with opacity > 0 the "
          "background outside mask i is removed in crop i. canvas: crop i is canvas box i, the part "
          "outside the image painted with fill (one pixel's bytes). "
          "threads: 0 = automatic, n = at most n threads. planar: the (H, W, C) image (any strides, "
          "e.g. the transposed view of a (C, H, W) one) is cut plane by plane into (C, h, w) crops.");
    m.def("crop_resize", &crop_resize, "image"_a, "boxes"_a, "canvas"_a, "masks"_a.none(), "mask_opacity"_a,
          "background"_a, "placement"_a, "height"_a, "width"_a, "planar"_a, "rgb"_a, "interpolation"_a, "mean"_a.none(), "std"_a.none(),
          "threads"_a = 0, "half"_a = false,
          "Crop every box (its canvas, padded with the background) and resize it into its placement in "
          "slot i of one (N, H, W, C) or, planar, (N, C, H, W) batch; uint8, or float32 "
          "(v - mean) / std with per-channel mean and std (half: that float32 rounded to float16).");
    m.def("blend", &blend, "crop"_a, "mask"_a, "mask_opacity"_a, "background"_a, "threads"_a = 0,
          "planar"_a = false,
          "Background removal on one uint8 (h, w, C) crop (any strides); returns a new array, "
          "(C, h, w) when planar (blended plane by plane).");
    m.def("blend_plan", &blend_plan, "mask_opacity"_a, "background"_a,
          "(kernel path: 'copy', 'fill', 'fixed', 'affine', 'half' or 'blend'; the exact outside-mask value of every "
          "(channel, value) pair, channels x 256 bytes).");
    m.def("rle_decode_string", &rle_decode_string, "counts"_a, "h"_a, "w"_a, "box"_a,
          "The box region (x0, y0, x1, y1) of an h x w COCO RLE mask with compressed counts.");
    m.def("rle_decode_counts", &rle_decode_counts, "counts"_a, "h"_a, "w"_a, "box"_a,
          "The box region (x0, y0, x1, y1) of an h x w COCO RLE mask with uncompressed counts.");
    m.def("round_boxes", &round_boxes, "xyxy"_a, "width"_a, "height"_a,
          "(int64 boxes rounded half to even and clamped to the image, first NaN row or -1).");
    bind_warp(m);
    bind_records(m);
}
