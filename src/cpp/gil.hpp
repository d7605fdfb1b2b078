// Releasing the GIL around native work so that interpreter exit never aborts the process.
#pragma once
#include <Python.h>

namespace dcn {

// Like nanobind's gil_scoped_release, except at interpreter exit: Python <= 3.13 ends a
// thread that tries to take the GIL back after finalization has begun with pthread_exit, whose
// forced unwind would run through this (noexcept) destructor and call std::terminate. That
// thread is parked for good instead, as Python 3.14 itself does; the process then exits normally.
class ReleaseGil {
  public:
    ReleaseGil() : state_(PyEval_SaveThread()) {}
    ~ReleaseGil();
    ReleaseGil(const ReleaseGil&) = delete;
    ReleaseGil& operator=(const ReleaseGil&) = delete;

  private:
    PyThreadState* state_;
};

}  // namespace dcn
