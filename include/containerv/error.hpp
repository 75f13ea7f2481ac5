// Errors that say what failed: the step, the syscall, the path and errno.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace containerv {

struct Error {
    std::string step;     // e.g. "rootfs", "capabilities", "profile"
    std::string syscall;  // e.g. "mount"; empty when no syscall failed
    std::string path;     // the path or value concerned; may be empty
    int err = 0;          // errno, 0 when not a syscall failure
    std::string message;  // free text when there is no errno

    // One line, lower case: "step: syscall(path): strerror" or "step: message".
    std::string to_string() const;

    static Error sys(std::string step, std::string syscall, std::string path, int err);
    static Error msg(std::string step, std::string message);
};

// A value or an Error. C++20 has no std::expected; this is the small part of it we use.
template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error error) : v_(std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<0>(v_); }
    const T& value() const { return std::get<0>(v_); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const Error& error() const { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

}  // namespace containerv
