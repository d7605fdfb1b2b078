// Thread policy (resolve_threads, worker_count) and parallel_for on a pool of parked threads.
#include "parallel.hpp"

#ifdef __linux__
#include <sched.h>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__) || defined(_M_IX86)
#include <immintrin.h>
#elif defined(_M_ARM64)
#include <intrin.h>
#endif

namespace dcn {
namespace {

// Below this much output a second thread costs more than it saves: waking a parked thread and
// handing it rows takes microseconds, while one core copies or blends several GB/s (K1' moves
// 3 MB in ~0.1 ms on one core). Measured on the AMD EPYC Zen 4 (2 cores), a K1 blend with 1
// and 2 threads: 197 KB 10.2 and 8.9 us, 442 KB 18.1 and 12.3 us, 786 KB 31.1 and 19.7 us;
// `python -m dynacrop_native bench` prints the thread rows.
constexpr int64_t kThreadedBytes = 384 << 10;
// From this much output a call runs for milliseconds, several scheduler slices: with other
// processes busy, threads on every usable core still win the call a larger share of the CPU
// (bench thread table, one competing process on 2 cores: S4, 8 MB, 2 threads 1.46x faster
// than 1; K2, 4.5 MB, 2 threads 15% slower, its worker waiting for a slice).
constexpr int64_t kBusyThreadedBytes = 6 << 20;
constexpr auto kLoadRefresh = std::chrono::milliseconds(20);
constexpr int kMaxAutoThreads = 8;
constexpr size_t kMaxPoolThreads = 63;  // explicit counts beyond the machine stay bounded

thread_local int last_threads_used = 0;

// How long a thread spins for what it waits for (a pool thread that took part in a job: the
// next job; the caller: the last item) before it sleeps. On a virtual machine a sleeping thread
// wakes tens of microseconds after it is signalled (its virtual CPU halts when idle), which a
// call of a few hundred microseconds feels; a crop call makes several threaded native calls in
// a row.
constexpr auto kSpin = std::chrono::microseconds(50);

inline void cpu_relax() {
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__) || defined(_M_IX86)
    _mm_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#elif defined(_M_ARM64)
    __yield();
#endif
}

// Spins until ready() or kSpin has passed; whether ready() held.
template <class Ready>
bool spin_until(Ready ready) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0;; ++i) {
        if (ready()) return true;
        cpu_relax();
        if ((i & 63) == 63 && std::chrono::steady_clock::now() - start > kSpin) return ready();
    }
}

// Pool threads not parked right now: /proc/loadavg counts them as running while they finish a
// job or go back to sleep, and they are ours, not another process's load (without this an
// idle machine read as busy for most calls right after a threaded one).
std::atomic<int> pool_awake{0};

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

// Tasks running or runnable on the whole machine right now, this thread included (the
// 4th field of /proc/loadavg, "running/total"); 0 where that cannot be read.
int running_tasks() {
#ifdef __linux__
    std::FILE* f = std::fopen("/proc/loadavg", "r");
    if (!f) return 0;
    double l1, l5, l15;
    int running = 0, total = 0;
    const int got = std::fscanf(f, "%lf %lf %lf %d/%d", &l1, &l5, &l15, &running, &total);
    std::fclose(f);
    return got == 5 ? running : 0;
#else
    return 0;
#endif
}

// Threads worth using now: the usable cores, less those other processes keep busy (with one
// other busy process on two cores a second thread only time-slices with it). Read at most every
// kLoadRefresh per calling thread, so a call pays a clock read, not a file read.
int free_cores() {
    thread_local int cached = 0;
    thread_local std::chrono::steady_clock::time_point read_at;
    const auto now = std::chrono::steady_clock::now();
    if (cached == 0 || now - read_at > kLoadRefresh) {
        const int usable = usable_cores();
        const int others = running_tasks() - 1 - pool_awake.load(std::memory_order_relaxed);
        cached = std::clamp(usable - std::max(others, 0), 1, usable);
        read_at = now;
    }
    return cached;
}

// One parallel_for call: items are claimed from `next`; the caller waits for `done` to reach
// `count`, so it waits only for items some thread has claimed, never for a thread that has not
// woken up yet (on a busy machine that can take a scheduler time slice).
struct Job {
    size_t count = 0;
    int workers = 1;
    const std::function<void(int, size_t)>* body = nullptr;
    std::atomic<size_t> next{0};
    std::atomic<size_t> done{0};
    std::atomic<int> joined{1};  // participant ids: the caller is 0
    std::atomic<int> ran{0};  // participants that ran at least one item
    std::mutex mutex;
    std::condition_variable finished;

    // Claims and runs items as participant `id` until none are left.
    void work(int id) {
        bool any = false;
        for (size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < count;) {
            if (!any) ran.fetch_add(1, std::memory_order_relaxed), any = true;
            (*body)(id, i);
            if (done.fetch_add(1, std::memory_order_acq_rel) + 1 == count) {
                std::lock_guard<std::mutex> lock(mutex);
                finished.notify_all();
            }
        }
    }
};

// Parked threads, started on first use and never joined (they hold no Python state and the
// process exit ends them). A job is offered to them; each that wakes in time takes items.
// One job at a time: a call that finds the pool busy (another Python thread's call) runs on
// its own thread. After fork() the child has no pool threads; callers then do all the work.
class Pool {
  public:
    static Pool& instance() {
        static Pool* pool = new Pool();  // leaked on purpose: no destructor races thread exit
        return *pool;
    }

    // Offers `job` to up to job->workers - 1 parked threads; false if the pool is busy.
    bool offer(const std::shared_ptr<Job>& job) {
        std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
        if (!lock.owns_lock() || busy_) return false;
        while (threads_ < std::min<size_t>(static_cast<size_t>(job->workers - 1), kMaxPoolThreads) && start_thread()) {
        }
        job_ = job;
        busy_ = true;
        generation_.fetch_add(1, std::memory_order_release);
        wake_.notify_all();
        return true;
    }

    void release() {
        std::lock_guard<std::mutex> lock(mutex_);
        job_.reset();
        busy_ = false;
    }

  private:
    bool start_thread() {
        try {
            pool_awake.fetch_add(1, std::memory_order_relaxed);  // park() starts awake
            std::thread(&Pool::park, this).detach();
        } catch (const std::system_error&) {
            pool_awake.fetch_sub(1, std::memory_order_relaxed);
            return false;  // the OS refused a thread: the ones there do the work
        }
        ++threads_;
        return true;
    }

    void park() {
        uint64_t seen = 0;
        bool joined = false;  // this thread was wanted by the last job: only then does it spin
        for (;;) {
            std::shared_ptr<Job> job;
            const bool offered = joined && spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; });
            {
                std::unique_lock<std::mutex> lock(mutex_);
                if (!offered) {
                    pool_awake.fetch_sub(1, std::memory_order_relaxed);
                    wake_.wait(lock, [&] { return generation_.load(std::memory_order_relaxed) != seen; });
                    pool_awake.fetch_add(1, std::memory_order_relaxed);
                }
                seen = generation_.load(std::memory_order_relaxed);
                job = job_;
            }
            // A thread the job did not need (notify_all wakes every one) sleeps at once; one that
            // woke after the job ended spins, or it would wake late for the next one too.
            const int id = job ? job->joined.fetch_add(1, std::memory_order_relaxed) : 0;
            joined = !job || id < job->workers;
            if (job && joined) job->work(id);
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    std::shared_ptr<Job> job_;
    std::atomic<uint64_t> generation_{0};
    size_t threads_ = 0;
    bool busy_ = false;
};

}  // namespace

int resolve_threads(int requested, int64_t bytes) {
    if (requested > 0) return requested;
    if (bytes < kThreadedBytes) return 1;
    return std::min(bytes >= kBusyThreadedBytes ? usable_cores() : free_cores(), kMaxAutoThreads);
}

int worker_count(int requested, int64_t bytes, size_t items) {
    return static_cast<int>(std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(resolve_threads(requested, bytes)), items)));
}

void parallel_for(size_t count, int workers, const std::function<void(int, size_t)>& body) {
    if (workers <= 1 || count <= 1) {
        for (size_t i = 0; i < count; ++i) body(0, i);
        last_threads_used = count ? 1 : 0;
        return;
    }
    auto job = std::make_shared<Job>();
    job->count = count;
    job->workers = workers;
    job->body = &body;
    Pool& pool = Pool::instance();
    const bool offered = pool.offer(job);
    job->work(0);
    if (!spin_until([&] { return job->done.load(std::memory_order_acquire) == count; })) {
        std::unique_lock<std::mutex> lock(job->mutex);
        job->finished.wait(lock, [&] { return job->done.load(std::memory_order_acquire) == count; });
    }
    if (offered) pool.release();
    last_threads_used = job->ran.load(std::memory_order_relaxed);
}

int threads_used() { return last_threads_used; }

}  // namespace dcn
