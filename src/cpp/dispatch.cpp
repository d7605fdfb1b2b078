// Kernel dispatch (dispatch.hpp): cpuid + XGETBV detection and the table of levels (on AArch64
// the NEON level, which every such CPU has).
#include "dispatch.hpp"

#include <atomic>
#include <stdexcept>

#if defined(DYNACROP_X86) && defined(_MSC_VER)
#include <intrin.h>
#elif defined(DYNACROP_X86)
#include <cpuid.h>
#endif

namespace dcn {
namespace {

struct Level {
    const char* name;
    Kernels kernels;
    bool (*supported)();
};

#if defined(DYNACROP_X86)
struct CpuInfo {
    bool sse41 = false, avx2 = false, fma = false, avx512bw = false, avx512vbmi = false;
};

// cpuid leaf `leaf`, sub-leaf `sub` into a, b, c, d; false where the CPU has no such leaf.
bool cpuid(unsigned leaf, unsigned sub, unsigned& a, unsigned& b, unsigned& c, unsigned& d) {
#if defined(_MSC_VER)
    int r[4];
    __cpuid(r, 0);
    if (static_cast<unsigned>(r[0]) < leaf) return false;
    __cpuidex(r, static_cast<int>(leaf), static_cast<int>(sub));
    a = static_cast<unsigned>(r[0]), b = static_cast<unsigned>(r[1]), c = static_cast<unsigned>(r[2]),
    d = static_cast<unsigned>(r[3]);
    return true;
#else
    return __get_cpuid_count(leaf, sub, &a, &b, &c, &d) != 0;
#endif
}

// XCR0: the register state the OS saves (call only when cpuid reports OSXSAVE).
unsigned long long xcr0() {
#if defined(_MSC_VER)
    return _xgetbv(0);
#else
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (static_cast<unsigned long long>(hi) << 32) | lo;
#endif
}

// cpuid says what the core implements; XGETBV says whether the OS saves the wider registers
// on context switch. Both are needed before touching YMM/ZMM state.
CpuInfo detect() {
    CpuInfo info;
    unsigned a, b, c, d;
    if (!cpuid(1, 0, a, b, c, d)) return info;
    info.sse41 = c & (1u << 19);
    const bool osxsave = c & (1u << 27), avx = c & (1u << 28), fma = c & (1u << 12);
    const unsigned long long state = osxsave ? xcr0() : 0;
    const bool ymm_state = (state & 0x6) == 0x6;
    const bool zmm_state = (state & 0xe6) == 0xe6;
    if (cpuid(7, 0, a, b, c, d)) {
        info.avx2 = avx && ymm_state && (b & (1u << 5));
        // AVX-512 F and BW; VL (bit 31) and VBMI (ecx bit 1) on top for the table-lookup blend.
        info.avx512bw = ymm_state && zmm_state && (b & (1u << 16)) && (b & (1u << 30));
        info.avx512vbmi = info.avx512bw && (b & (1u << 31)) && (c & (1u << 1));
    }
    info.fma = avx && ymm_state && fma;
    return info;
}

const CpuInfo& cpu() {
    static const CpuInfo info = detect();
    return info;
}

bool has_sse41() { return cpu().sse41; }
bool has_avx2() { return cpu().avx2 && cpu().fma; }
bool has_avx512() { return has_avx2() && cpu().avx512vbmi; }
#endif

bool always() { return true; }

// A constant table (no destructor): kernels still running in daemon threads while the process
// exits may read it after static destructors have run.
constexpr Level kLevels[] = {
    {"scalar", {"scalar", blend_row_scalar, resample_row_scalar, combine_rows_scalar, planarize_scalar, warp_row_scalar,
                warp_mask_row_scalar, area_row_scalar, area_accumulate_scalar, area_finish_scalar, area_finish_int_scalar,
                to_half_scalar},
     always},
#if defined(DYNACROP_X86)
    {"sse4.1", {"sse4.1", blend_row_sse41, resample_row_sse41, combine_rows_sse41, planarize_sse41, warp_row_scalar,
                warp_mask_row_scalar, area_row_sse41, area_accumulate_sse41, area_finish_sse41, area_finish_int_sse41,
                to_half_sse41},
     has_sse41},
    {"avx2", {"avx2", blend_row_avx2, resample_row_sse41, combine_rows_sse41, planarize_sse41, warp_row_avx2,
              warp_mask_row_avx2, area_row_sse41, area_accumulate_sse41, area_finish_sse41, area_finish_int_sse41,
                to_half_sse41},
     has_avx2},
    // The blend's table lookups; every other kernel is the AVX2 one.
    {"avx512", {"avx512", blend_row_avx512, resample_row_sse41, combine_rows_sse41, planarize_sse41, warp_row_avx2,
                warp_mask_row_avx2, area_row_sse41, area_accumulate_sse41, area_finish_sse41, area_finish_int_sse41,
                to_half_sse41},
     has_avx512},
#endif
#if defined(DYNACROP_NEON)
    // AArch64 requires NEON, so it is the baseline there; "scalar" still forces the twins.
    {"neon", {"neon", blend_row_neon, resample_row_neon, combine_rows_neon, planarize_neon, warp_row_neon,
              warp_mask_row_scalar, area_row_neon, area_accumulate_neon, area_finish_neon, area_finish_int_neon,
              to_half_neon},
     always},
#endif
};

const Level* best_level() {
    const Level* best = &kLevels[0];
    for (const Level& l : kLevels)
        if (l.supported()) best = &l;
    return best;
}

std::atomic<const Kernels*>& active() {
    static std::atomic<const Kernels*> current{&best_level()->kernels};
    return current;
}

}  // namespace

std::vector<std::string> compiled_levels() {
    std::vector<std::string> out;
    for (const Level& l : kLevels) out.emplace_back(l.name);
    return out;
}

std::vector<std::string> available_levels() {
    std::vector<std::string> out;
    for (const Level& l : kLevels)
        if (l.supported()) out.emplace_back(l.name);
    return out;
}

std::vector<std::string> cpu_features() {
    std::vector<std::string> out;
#if defined(DYNACROP_X86)
    const CpuInfo& c = cpu();
    if (c.sse41) out.emplace_back("sse4.1");
    if (c.avx2) out.emplace_back("avx2");
    if (c.fma) out.emplace_back("fma");
    if (c.avx512bw) out.emplace_back("avx512bw");
    if (c.avx512vbmi) out.emplace_back("avx512vbmi");
#elif defined(__aarch64__) || defined(__ARM_NEON)
    out.emplace_back("neon");
#endif
    return out;
}

const Kernels& active_kernels() { return *active().load(std::memory_order_acquire); }

void set_level(const std::string& name) {
    const Level* chosen = nullptr;
    if (name == "best") {
        chosen = best_level();
    } else {
        for (const Level& l : kLevels)
            if (name == l.name) chosen = &l;
        if (!chosen) {
            std::string known;
            for (const Level& l : kLevels) known += (known.empty() ? "" : ", ") + std::string(l.name);
            throw std::invalid_argument("isa: unknown level '" + name + "' (expected one of: best, " + known + ")");
        }
        if (!chosen->supported())
            throw std::invalid_argument("isa: this CPU cannot run '" + name + "'");
    }
    active().store(&chosen->kernels, std::memory_order_release);
}

}  // namespace dcn
