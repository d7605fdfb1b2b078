// Thread policy and parallel_for: how many threads a call uses (thread_policy.cpp), and a pool of
// parked threads that take work items from an atomic counter beside the calling thread
// (parallel.cpp; waking a parked thread costs far less than starting one).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>

namespace dcn {

// What a parallel call runs: automatic thread counts are measured per kind (their costs per
// byte differ): crops copied (and padded), crops blended outside masks, oriented crops, resizes.
enum class Work { copy, blend, warp, resize };

// The threads of one parallel call, from plan_workers. An automatic count records which of its
// choices it is (`arm`) so that parallel_for can report the call's time to the policy.
struct Workers {
    int count = 1;
    int most = 1;  // the most this request may get (what per-worker memory is sized for)
    bool measured = false;  // an automatic choice whose time parallel_for reports
    Work work = Work::copy;
    int arm = 0;  // 0: one thread, 1: every usable core
    int64_t bytes = 0;
};

// The thread count a request (0 = automatic) uses for `bytes` of output at most: 1 below
// 384 KB; automatic calls from there run on 1 thread or on the cores this process may use (at
// most 8), whichever has been faster for this process's calls of the same kind and size.
int resolve_threads(int requested, int64_t bytes);

// Workers for `items` work items of `bytes` of output: the request, or the automatic choice
// for this call, at least 1 and at most `items` (and `most`: resolve_threads, at most `items`).
Workers plan_workers(int requested, int64_t bytes, size_t items, Work work);

// Runs body(worker, i) for every i in [0, count) on up to workers.count threads (the caller's
// thread is worker 0 and works too). Workers are numbered 0..workers.count-1 so each can own
// scratch memory made before the call. The call returns when every item is done; it never waits for a
// pool thread that has not taken an item, so the result and the progress never depend on other
// threads being scheduled (or existing, as after fork()).
void parallel_for(size_t count, const Workers& workers, const std::function<void(int worker, size_t i)>& body);

// An automatic call's time, reported by parallel_for.
void record_call(const Workers& workers, double seconds);

// Test hooks: how many threads ran items in this thread's last parallel_for; forget what this
// process's automatic choices have measured.
int threads_used();
void reset_thread_policy();

}  // namespace dcn
