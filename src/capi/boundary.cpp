#include "capi/boundary.hpp"

#include <containerv/containerv.h>

#include <algorithm>
#include <cstring>

namespace containerv::capi {
namespace {

// A fixed buffer rather than a std::string: setting it must work while handling bad_alloc,
// and a thread_local without a destructor leaves nothing for valgrind to find at thread exit.
constexpr std::size_t kErrorSize = 4096;
thread_local char error_text[kErrorSize];

}  // namespace

void clear_error() noexcept {
    error_text[0] = '\0';
}

void set_error(std::string_view message) noexcept {
    std::size_t n = std::min(message.size(), kErrorSize - 1);
    std::memcpy(error_text, message.data(), n);
    error_text[n] = '\0';
    // A cut message says so rather than ending mid-word as if complete.
    if (n < message.size() && n >= 3) std::memcpy(error_text + n - 3, "...", 3);
}

void set_error(const Error& error) noexcept {
    try {
        set_error(error.to_string());
    } catch (...) {
        set_error(error.step.empty() ? std::string_view("error") : std::string_view(error.step));
    }
}

const char* last_error() noexcept {
    return error_text;
}

int fail(std::string_view message) noexcept {
    set_error(message);
    return -1;
}

int fail(const Error& error) noexcept {
    set_error(error);
    return -1;
}

}  // namespace containerv::capi

extern "C" const char* containerv_last_error(void) {
    return containerv::capi::last_error();
}
