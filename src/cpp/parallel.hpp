// A tiny fork-join helper: per-call std::threads pulling work items from an atomic counter.
// The calls are coarse (one per crop batch), so a persistent pool would buy little here.
#pragma once
#include <cstddef>
#include <functional>

namespace dcn {

// Runs body(worker, i) for every i in [0, count) on at most `threads` threads (the caller's
// thread is worker 0). Workers are numbered 0..threads-1 so each can own scratch memory made
// before the call. If the OS refuses a thread, the ones running finish the work.
void parallel_for(size_t count, int threads, const std::function<void(int worker, size_t i)>& body);

}  // namespace dcn
