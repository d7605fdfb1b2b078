// The GIL release guard (gil.hpp).
#include "gil.hpp"

#include <chrono>
#include <thread>

namespace dcn {

ReleaseGil::~ReleaseGil() {
    try {
        PyEval_RestoreThread(state_);
    } catch (...) {
        // Only glibc's forced unwind from pthread_exit can come out of PyEval_RestoreThread: the
        // interpreter is finalizing and this is not its thread. Leaving this handler would end
        // the unwind (an abort) or continue it into noexcept frames (std::terminate), so the
        // thread sleeps until the process exits. Checking Py_IsFinalizing first would not do:
        // finalization can begin between the check and the call.
        for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
    }
}

}  // namespace dcn
