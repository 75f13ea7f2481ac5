#include "linux/step_error.hpp"

#include <cerrno>

namespace containerv::linux_ {
namespace {

StepError g_error;

void copy(char* dst, unsigned size, const char* src) {
    unsigned i = 0;
    for (; src && src[i] && i + 1 < size; ++i) dst[i] = src[i];
    dst[i] = '\0';
}

}  // namespace

int fail(const char* step, const char* syscall, const char* path, int err) {
    g_error.kind = StepError::setup;
    g_error.err = err;
    copy(g_error.step, sizeof g_error.step, step);
    copy(g_error.syscall, sizeof g_error.syscall, syscall);
    copy(g_error.path, sizeof g_error.path, path);
    return -1;
}

int fail(const char* step, const char* syscall, const char* path) {
    return fail(step, syscall, path, errno);
}

const StepError& last_error() {
    return g_error;
}

void set_error_kind(StepError::Kind kind) {
    g_error.kind = kind;
}

}  // namespace containerv::linux_
