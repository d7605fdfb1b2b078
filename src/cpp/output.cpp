// Output memory (output.hpp): the allocation with its huge-page hint, the memory limit, the
// running total and its check.
#include "output.hpp"

#if defined(_WIN32)
#define WIN32_LEAN_AND_MEAN
#define NOMINMAX
#include <windows.h>
#else
#include <sys/mman.h>
#include <unistd.h>
#endif

#include <cstdio>
#include <limits>

namespace dcn {
namespace {

size_t memory_limit() {
    static const size_t limit = [] {  // a system call; the machine's memory does not change
#if defined(_WIN32)
        MEMORYSTATUSEX status;
        status.dwLength = sizeof status;
        return GlobalMemoryStatusEx(&status) ? static_cast<size_t>(status.ullTotalPhys)
                                             : std::numeric_limits<size_t>::max();
#else
        const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        return pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page)
                                     : std::numeric_limits<size_t>::max();
#endif
    }();
    return limit;
}

std::string gib(double bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f GiB", bytes / double(1ull << 30));
    return buf;
}

}  // namespace

size_t add_output(size_t total, int64_t h, int64_t w, int64_t pixel_bytes) {
    size_t bytes = 0;
    const bool overflow = mul_overflow(static_cast<size_t>(h), static_cast<size_t>(w), &bytes) ||
                          mul_overflow(bytes, static_cast<size_t>(pixel_bytes), &bytes) ||
                          add_overflow(bytes, kAlign - 1, &bytes) ||
                          add_overflow(total, bytes / kAlign * kAlign, &total);
    return overflow ? std::numeric_limits<size_t>::max() : total;
}

void check_memory(size_t total, const char* name) {
    if (total <= memory_limit()) return;
    throw TooLarge(std::string(name) + ": the requested crops need " +
                   (total == std::numeric_limits<size_t>::max() ? std::string("more than 2^64 bytes") : gib(double(total))) +
                   ", more than this machine's " + gib(double(memory_limit())) + " of memory");
}

OutputMemory allocate_output(size_t bytes) {
    // One malloc and, for large calls, transparent huge pages (as numpy gives its own large
    // arrays) instead of a page fault per 4 KiB of every crop.
    void* p = aligned_alloc_bytes(kAlign, bytes ? bytes : kAlign);
    if (!p) throw std::bad_alloc();
#if defined(MADV_HUGEPAGE)
    // A hint (failure is harmless); madvise wants a page-aligned start, so the range begins at
    // the buffer's first whole page.
    constexpr size_t kHugePageBytes = 4u << 20;
    if (bytes >= kHugePageBytes) {
        const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
        const uintptr_t start = (reinterpret_cast<uintptr_t>(p) + page - 1) & ~(page - 1);
        madvise(reinterpret_cast<void*>(start), bytes - (start - reinterpret_cast<uintptr_t>(p)), MADV_HUGEPAGE);
    }
#endif
    return OutputMemory(static_cast<uint8_t*>(p));
}

}  // namespace dcn
