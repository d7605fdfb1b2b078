// Thread policy and parallel_for: how many threads a call uses, and a pool of parked threads
// that take work items from an atomic counter beside the calling thread (waking a parked thread
// costs far less than starting one, and a woken thread is scheduled promptly on a busy machine).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>

namespace dcn {

// The thread count a request (0 = automatic: the cores this process may use, at most 8, when
// the output is several MB, else 1) resolves to for `bytes` of output.
int resolve_threads(int requested, int64_t bytes);

// Workers for `items` work items: the resolved count, at least 1 and at most `items`.
int worker_count(int requested, int64_t bytes, size_t items);

// Runs body(worker, i) for every i in [0, count) on up to `workers` threads (from
// worker_count; the caller's thread is worker 0 and works too). Workers are numbered
// 0..workers-1 so each can own scratch memory made before the call. The call returns when every
// item is done; it never waits for a pool thread that has not taken an item, so the result and
// the progress never depend on other threads being scheduled (or existing, as after fork()).
void parallel_for(size_t count, int workers, const std::function<void(int worker, size_t i)>& body);

// Test hook: how many threads ran items in this thread's last parallel_for.
int threads_used();

}  // namespace dcn
