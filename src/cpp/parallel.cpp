// parallel_for on a pool of parked threads (parallel.hpp).
#include "parallel.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
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

// Spins until ready() or kSpin has passed; whether ready() held. Every 64 pauses it yields: on
// a busy machine a pool thread can be woken onto the caller's core, and a plain spin there
// took the caller's time (2-core VM, one competing process: K1 on 2 threads 151-188 us against
// 87-125 on 1; yielding, 117-126 against 116-125, and on an idle machine as fast as before).
template <class Ready>
bool spin_until(Ready ready) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0;; ++i) {
        if (ready()) return true;
        cpu_relax();
        if ((i & 63) == 63) {
            if (std::chrono::steady_clock::now() - start > kSpin) return ready();
            std::this_thread::yield();
        }
    }
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
            std::thread(&Pool::park, this).detach();
        } catch (const std::system_error&) {
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
                if (!offered) wake_.wait(lock, [&] { return generation_.load(std::memory_order_relaxed) != seen; });
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

void parallel_for(size_t count, const Workers& workers, const std::function<void(int, size_t)>& body) {
    using Clock = std::chrono::steady_clock;
    const auto start = workers.measured ? Clock::now() : Clock::time_point{};
    if (workers.count <= 1 || count <= 1) {
        for (size_t i = 0; i < count; ++i) body(0, i);
        last_threads_used = count ? 1 : 0;
    } else {
        auto job = std::make_shared<Job>();
        job->count = count;
        job->workers = workers.count;
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
    if (workers.measured) record_call(workers, std::chrono::duration<double>(Clock::now() - start).count());
}

int threads_used() { return last_threads_used; }

}  // namespace dcn
