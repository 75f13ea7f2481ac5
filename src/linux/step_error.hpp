// How code between clone and exec reports a failure: a fixed-size record, written to the
// supervisor over a pipe, naming the step, the syscall, the path and errno.
#pragma once

namespace containerv::linux_ {

struct StepError {
    enum Kind : int { none = 0, setup = 1, exec = 2 };
    int kind = none;
    int err = 0;
    char step[32] = {};
    char syscall[32] = {};
    char path[256] = {};
};

// Records the failure of `syscall` on `path` during `step`; returns -1 so that a caller can
// `return fail(...)`. Async-signal-safe.
int fail(const char* step, const char* syscall, const char* path, int err);
int fail(const char* step, const char* syscall, const char* path);  // err = errno

const StepError& last_error();
void set_error_kind(StepError::Kind kind);

}  // namespace containerv::linux_
