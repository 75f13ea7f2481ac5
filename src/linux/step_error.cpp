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

bool starts(const char* s, const char* prefix) {
    for (; *prefix; ++s, ++prefix)
        if (*s != *prefix) return false;
    return *s == '\0' || *s == '/';
}

// The root is built under /newroot with the host's tree at /oldroot (rootfs.cpp); the user
// knows neither, so an error names the sandbox's path ("/proc/x") or the host's ("host:/x").
const char* user_path(const char* path) {
    static char buf[sizeof g_error.path];
    if (path == nullptr) return path;
    if (starts(path, "/newroot")) return path[8] ? path + 8 : "/";
    if (starts(path, "/oldroot")) {
        copy(buf, sizeof buf, "host:");
        copy(buf + 5, sizeof buf - 5, path[8] ? path + 8 : "/");
        return buf;
    }
    return path;
}

}  // namespace

int fail(const char* step, const char* syscall, const char* path, int err) {
    g_error.kind = StepError::setup;
    g_error.err = err;
    copy(g_error.step, sizeof g_error.step, step);
    copy(g_error.syscall, sizeof g_error.syscall, syscall);
    copy(g_error.path, sizeof g_error.path, user_path(path));
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
