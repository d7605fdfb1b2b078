// Output memory (output.hpp): the blocks and the spare, the memory limit, the running total
// and its check.
#include "output.hpp"

#if defined(_WIN32)
#define WIN32_LEAN_AND_MEAN
#define NOMINMAX
#include <windows.h>
#else
#include <unistd.h>
#endif

#include <atomic>
#include <cstdio>
#include <cstdlib>
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

namespace {

// Each block is one malloc: a header (the malloc'd address and the block's capacity) sits just
// before the kAlign-aligned data. Plain malloc, not posix_memalign: glibc can hand a freed
// block back for the next request of the same size, where memalign's padded request misses it
// and grows the heap, so every call faulted its output in afresh.
struct Header {
    void* raw;
    size_t capacity;
};
static_assert(sizeof(Header) <= kAlign, "the header fits in the alignment padding");

Header& header(uint8_t* data) { return reinterpret_cast<Header*>(data)[-1]; }

// Blocks of kSpareBytes to kSpareMaxBytes are kept as the spare when released, their capacity
// rounded up (by at most 1/8) so that a slightly larger next call still fits. The cap bounds
// what an idle process holds; the crops of a 4K frame fit under it. No transparent-huge-page
// hint: on the project's AMD EPYC a fresh 4.7 MB block faulted in with MADV_HUGEPAGE took
// 0.6-1.9 ms but at times 6-28 ms, without it 1.8-2.8 ms; with the spare, faults are rare.
constexpr size_t kSpareBytes = 1u << 20, kSpareMaxBytes = 64u << 20;
std::atomic<uint8_t*> spare{nullptr};

size_t capacity_for(size_t bytes) {
    if (bytes < kSpareBytes || bytes > kSpareMaxBytes) return bytes ? bytes : kAlign;
    size_t step = kSpareBytes / 8;
    while (step < bytes / 16) step *= 2;
    return bytes / step * step + (bytes % step ? step : 0);
}

uint8_t* new_block(size_t capacity) {
    if (capacity > std::numeric_limits<size_t>::max() - kAlign - sizeof(Header)) throw std::bad_alloc();
    void* raw = std::malloc(capacity + kAlign + sizeof(Header));
    if (!raw) throw std::bad_alloc();
    const uintptr_t start = reinterpret_cast<uintptr_t>(raw) + sizeof(Header);
    auto* data = reinterpret_cast<uint8_t*>((start + kAlign - 1) & ~uintptr_t(kAlign - 1));
    header(data) = {raw, capacity};
    return data;
}

void free_block(uint8_t* data) noexcept {
    if (data) std::free(header(data).raw);
}

}  // namespace

OutputMemory allocate_output(size_t bytes) {
    if (bytes >= kSpareBytes && bytes <= kSpareMaxBytes) {
        uint8_t* block = spare.exchange(nullptr);
        if (block && header(block).capacity >= bytes && header(block).capacity / 2 <= bytes) return OutputMemory(block);
        free_block(block);
    }
    return OutputMemory(new_block(capacity_for(bytes)));
}

void release_output(uint8_t* data) noexcept {
    if (data && header(data).capacity >= kSpareBytes && header(data).capacity <= kSpareMaxBytes)
        data = spare.exchange(data);
    free_block(data);
}

}  // namespace dcn
