// Output memory: one aligned block per call (a large one reuses the last large block freed),
// the running total of a call's outputs, and the check against the machine's memory.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>

#include "portable.hpp"

namespace dcn {

constexpr size_t kAlign = 64;

// Running total of output bytes, each item rounded up to kAlign (so every total is an aligned
// offset for the next item); saturates at SIZE_MAX instead of overflowing.
size_t add_output(size_t total, int64_t h, int64_t w, int64_t pixel_bytes);

// Thrown when a call would need more memory than the machine has; Python sees MemoryError.
class TooLarge : public std::bad_alloc {
  public:
    explicit TooLarge(std::string message) : message_(std::move(message)) {}
    const char* what() const noexcept override { return message_.c_str(); }

  private:
    std::string message_;
};

// Throws TooLarge, naming the argument `name`, when `total` bytes exceed the machine's physical
// memory: past that, Linux would overcommit and the OOM killer end the process later.
void check_memory(size_t total, const char* name);

// Gives back memory from allocate_output: a block of 1 to 64 MiB is kept as the spare for the
// next call (the one spare it replaces is freed), anything else freed.
void release_output(uint8_t* data) noexcept;

struct FreeOutput {
    void operator()(uint8_t* p) const noexcept { release_output(p); }
};
using OutputMemory = std::unique_ptr<uint8_t, FreeOutput>;

// `bytes` of kAlign-aligned memory (one call's outputs); throws std::bad_alloc. Large calls
// take the spare block when it fits (at most twice the size asked for), so a stream of frames
// reuses memory that is already mapped instead of faulting in every call's output.
OutputMemory allocate_output(size_t bytes);

}  // namespace dcn
