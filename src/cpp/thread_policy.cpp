// The automatic thread count (parallel.hpp): one thread below kThreadedBytes of output; from
// there one thread or every usable core, whichever this process has measured faster.
#include <algorithm>
#include <mutex>
#include <thread>

#ifdef __linux__
#include <sched.h>
#endif

#include "parallel.hpp"

namespace dcn {
namespace {

// Below this much output a second thread costs more than it saves: waking a parked thread and
// handing it rows takes microseconds, while one core copies or blends several GB/s (K1' moves
// 3 MB in ~0.1 ms on one core). Measured on the AMD EPYC Zen 4 (2 cores), a K1 blend with 1
// and 2 threads: 197 KB 10.2 and 8.9 us, 442 KB 18.1 and 12.3 us, 786 KB 31.1 and 19.7 us;
// `python -m dynacrop_native bench` prints the thread rows.
constexpr int64_t kThreadedBytes = 384 << 10;
constexpr int kMaxAutoThreads = 8;

// The cores this process may run on (its affinity mask, e.g. under taskset or a container's
// cpuset), which can be fewer than the machine has.
int usable_cores() {
#ifdef __linux__
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
#endif
    const unsigned hw = std::thread::hardware_concurrency();
    return hw ? static_cast<int>(hw) : 1;
}

// Above the threshold no formula knows whether more threads pay: it depends on whether other
// processes keep the cores busy and how the scheduler shares them with a woken thread, and on
// how soon a parked thread wakes (on a virtual machine its idle vCPU halts). The bench thread
// table on the AMD EPYC (2 cores, one competing process) had 2 threads beat 1 by 1.7x on K1 in
// one run and lose by 10-20% on S2 and S3 in another. So the process times its calls,
// per kind of work and size class (output bytes, powers of two), with both choices, and uses
// the one whose median of its last kSamples times per byte is lower. Calls under kLongBytes take
// more threads only when they are more than kClose faster (within it one thread is as fast,
// and the other cores stay free); longer ones take one thread only when it is more than
// kLongClose faster: such a call spans scheduler slices, and on a busy machine more threads win
// it a larger share of the CPU, while a worker the scheduler keeps waiting costs little (the
// caller never waits for one that has not taken a band). S4, 8 MB, one competing process on 2
// cores: 2 threads 1.9-3.5 ms a call, 1 thread 2.5-3.1; medians of five such times fell either
// way, and over twelve bench runs one thread was at most 3% faster, 2 threads up to 1.33x.
// The other choice runs in bursts of kBurst calls every kExplore calls, so that a change of
// load is seen, or every kExploreFar calls while it was more than kFar slower (each of its
// calls then costs that much: K1 on an idle machine ran 11% of its automatic calls on one
// thread at 1.45x their time). The first call after a switch is not timed: the pool thread
// slept through the one-thread calls before it (a lone multi-thread call among one-thread ones
// pays the wake-up that consecutive ones do not, and timing it kept a busy machine on one
// thread when 2 threads won 1.6x).
constexpr int kSamples = 5;
constexpr int kWarmup = 3;  // times of each choice before the medians decide
constexpr uint32_t kBurst = 4;
constexpr uint32_t kExplore = 64;
constexpr uint32_t kExploreFar = 256;
constexpr float kFar = 1.25f;
constexpr float kClose = 1.04f;
constexpr float kLongClose = 1.10f;
constexpr int64_t kLongBytes = 4 << 20;
constexpr int kClasses = 16;  // 256 KB (2^18) to 2^33 bytes and more
constexpr int kKinds = 4;  // Work

struct Choice {
    float per_byte[kSamples] = {};  // seconds per output byte
    int n = 0, next = 0;

    void add(float x) {
        per_byte[next] = x;
        next = (next + 1) % kSamples;
        n = std::min(n + 1, kSamples);
    }
    float median() const {
        float s[kSamples];
        std::copy(per_byte, per_byte + n, s);
        std::nth_element(s, s + n / 2, s + n);
        return s[n / 2];
    }
};

struct SizeClass {
    Choice choice[2];  // one thread, every usable core
    uint32_t calls = 0;
    int last = -1;  // the previous call's choice

    // This call's choice, in w.arm, and whether to time it, in w.measured. First every core, then
    // one thread, until each has kWarmup times (a planned call may raise before it runs).
    void pick(bool long_call, Workers& w) {
        const uint32_t call = calls++;
        if (choice[1].n < kWarmup) {
            w.arm = 1;
        } else if (choice[0].n < kWarmup) {
            w.arm = 0;
        } else {
            const float one = choice[0].median(), all = choice[1].median();
            const int better = long_call ? (one * kLongClose < all ? 0 : 1) : (all * kClose < one ? 1 : 0);
            const uint32_t period = std::max(one, all) > kFar * std::min(one, all) ? kExploreFar : kExplore;
            w.arm = call % period >= period - kBurst ? 1 - better : better;
        }
        w.measured = w.arm == last;
        last = w.arm;
    }
};

// One record for the process, so that a Python thread started for a request uses what the
// others measured (per-thread records made each new thread try both choices first: K2 from 4
// Python threads of 50 calls each read 1.28x the better count).
struct Measured {
    std::mutex mutex;
    SizeClass classes[kKinds][kClasses];
};

Measured& measured() {
    static Measured* m = new Measured();  // leaked on purpose: no destructor races a call at exit
    return *m;
}

int size_class(int64_t bytes) {
    int bits = 0;  // floor(log2(bytes))
    while (bits < 62 && (bytes >> (bits + 1)) > 0) ++bits;
    return std::clamp(bits - 18, 0, kClasses - 1);
}

}  // namespace

int resolve_threads(int requested, int64_t bytes) {
    if (requested > 0) return requested;
    return bytes < kThreadedBytes ? 1 : std::min(usable_cores(), kMaxAutoThreads);
}

Workers plan_workers(int requested, int64_t bytes, size_t items, Work work) {
    Workers w;
    const size_t resolved = static_cast<size_t>(resolve_threads(requested, bytes));
    w.most = static_cast<int>(std::max<size_t>(1, std::min(resolved, items)));
    w.count = w.most;
    if (requested <= 0 && w.most > 1) {
        w.work = work;
        w.bytes = bytes;
        Measured& m = measured();
        std::lock_guard<std::mutex> lock(m.mutex);
        m.classes[static_cast<int>(work)][size_class(bytes)].pick(bytes >= kLongBytes, w);
        if (w.arm == 0) w.count = 1;
    }
    return w;
}

void record_call(const Workers& w, double seconds) {
    if (!w.measured) return;
    Measured& m = measured();
    std::lock_guard<std::mutex> lock(m.mutex);
    m.classes[static_cast<int>(w.work)][size_class(w.bytes)].choice[w.arm].add(
        static_cast<float>(seconds / static_cast<double>(w.bytes)));
}

void reset_thread_policy() {
    Measured& m = measured();
    std::lock_guard<std::mutex> lock(m.mutex);
    for (auto& kind : m.classes)
        for (auto& c : kind) c = SizeClass{};
}

}  // namespace dcn
