// The C boundary: the calling thread's last error, and the guard that keeps C++ exceptions
// from unwinding into C frames.
#pragma once

#include <containerv/error.hpp>

#include <exception>
#include <new>
#include <string_view>

namespace containerv::capi {

// Each call into the C API starts with a clean message, so "" means the last call succeeded.
void clear_error() noexcept;
// Never throws and never allocates: it runs inside catch handlers, and under out of memory.
void set_error(std::string_view message) noexcept;
void set_error(const Error& error) noexcept;
const char* last_error() noexcept;

// -1 with the message: the C API's failure.
int fail(std::string_view message) noexcept;
int fail(const Error& error) noexcept;

// Runs `body` with a clean last error. Any exception becomes the last error and `on_error`
// is returned instead.
template <class T, class Body>
T guarded(T on_error, Body&& body) noexcept {
    clear_error();
    try {
        return body();
    } catch (const std::bad_alloc&) {
        set_error("out of memory");
    } catch (const std::exception& e) {
        set_error(e.what());
    } catch (...) {
        set_error("unexpected exception");
    }
    return on_error;
}

}  // namespace containerv::capi
