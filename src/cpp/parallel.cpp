#include "parallel.hpp"

#include <algorithm>
#include <atomic>
#include <system_error>
#include <thread>
#include <vector>

namespace dcn {

void parallel_for(size_t count, int threads, const std::function<void(int, size_t)>& body) {
    threads = static_cast<int>(std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(std::max(threads, 1)), count)));
    std::atomic<size_t> next{0};
    auto worker = [&](int id) {
        for (size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < count;) body(id, i);
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) {
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
