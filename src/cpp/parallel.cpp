// Thread policy (resolve_threads, worker_count) and parallel_for.
#include "parallel.hpp"

#include <algorithm>
#include <atomic>
#include <system_error>
#include <thread>
#include <vector>

namespace dcn {
namespace {

constexpr int64_t kThreadedBytes = 2 << 20;  // below this, starting threads costs more than it saves
constexpr int kMaxAutoThreads = 8;

}  // namespace

int resolve_threads(int requested, int64_t bytes) {
    if (requested > 0) return requested;
    if (bytes < kThreadedBytes) return 1;
    const unsigned hw = std::thread::hardware_concurrency();
    return static_cast<int>(std::min<unsigned>(hw ? hw : 1, kMaxAutoThreads));
}

int worker_count(int requested, int64_t bytes, size_t items) {
    return static_cast<int>(std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(resolve_threads(requested, bytes)), items)));
}

void parallel_for(size_t count, int workers, const std::function<void(int, size_t)>& body) {
    std::atomic<size_t> next{0};
    auto worker = [&](int id) {
        for (size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < count;) body(id, i);
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < workers; ++t) {
        try {
            pool.emplace_back(worker, t);
        } catch (const std::system_error&) {
            break;
        }
    }
    worker(0);
    for (std::thread& t : pool) t.join();
}

}  // namespace dcn
