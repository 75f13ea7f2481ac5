#include <containerv/error.hpp>

#include "base/printable.hpp"

#include <system_error>

namespace containerv {

// Paths and values in an error are often the caller's or a sandbox's text: control bytes are
// written out (\xNN), so the message stays one line and cannot drive the reader's terminal.
std::string Error::to_string() const {
    std::string out = step;

    if (!syscall.empty()) {
        out += ": " + syscall + "(" + path + ")";
        // system_category's message is strerror's text, without strerror's shared buffer.
        out += ": " + (err != 0 ? std::system_category().message(err) : message);
        return printable(out);
    }

    if (!path.empty()) out += ": " + path;
    if (!message.empty()) {
        out += ": " + message;
    } else if (err != 0) {
        out += ": " + std::system_category().message(err);
    }
    return printable(out);
}

Error Error::sys(std::string step, std::string syscall, std::string path, int err) {
    Error e;
    e.step = std::move(step);
    e.syscall = std::move(syscall);
    e.path = std::move(path);
    e.err = err;
    return e;
}

Error Error::msg(std::string step, std::string message) {
    Error e;
    e.step = std::move(step);
    e.message = std::move(message);
    return e;
}

}  // namespace containerv
