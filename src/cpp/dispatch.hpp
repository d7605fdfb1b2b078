// Runtime choice of the kernel set: detected once at import, lowered on request for tests.
#pragma once
#include <string>
#include <vector>

#include "area.hpp"
#include "blend.hpp"
#include "half.hpp"
#include "resample.hpp"
#include "warp.hpp"

namespace dcn {

struct Kernels {
    const char* isa;
    BlendRowFn blend_row;
    ResampleRowFn resample_row;
    CombineRowsFn combine_rows;
    PlanarizeFn planarize;
    WarpRowFn warp_row;
    WarpMaskRowFn warp_mask_row;
    AreaRowFn area_row;
    AreaAccumulateFn area_accumulate;
    AreaFinishFn area_finish;
    AreaFinishIntFn area_finish_int;
    ToHalfFn to_half;
};

// Levels compiled into this build, lowest first ("scalar" is always there).
std::vector<std::string> compiled_levels();
// Compiled levels this CPU and OS can run.
std::vector<std::string> available_levels();
// Instruction-set extensions the CPU reports (with OS support for their registers).
std::vector<std::string> cpu_features();

const Kernels& active_kernels();
// Select a level by name ("best" = highest available). Throws std::invalid_argument.
void set_level(const std::string& name);

}  // namespace dcn
