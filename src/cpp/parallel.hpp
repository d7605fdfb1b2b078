// Thread policy and a tiny fork-join helper: how many threads a call uses, and per-call
// std::threads pulling work items from an atomic counter. The calls are coarse (one per crop
// batch), so a persistent pool would buy little here.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>

namespace dcn {

// The thread count a request (0 = automatic: all cores, at most 8, when the output is a few MB
// or more, else 1) resolves to for `bytes` of output.
int resolve_threads(int requested, int64_t bytes);

// Workers for `items` work items: the resolved count, at least 1 and at most `items`.
int worker_count(int requested, int64_t bytes, size_t items);

// Runs body(worker, i) for every i in [0, count) on `workers` threads (from worker_count; the
// caller's thread is worker 0). Workers are numbered 0..workers-1 so each can own scratch
// memory made before the call. If the OS refuses a thread, the ones running finish the work.
void parallel_for(size_t count, int workers, const std::function<void(int worker, size_t i)>& body);

}  // namespace dcn
