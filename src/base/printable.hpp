// Text a sandboxed process chose (its name, from /proc/PID/comm or status), made safe for the
// operator's terminal: a name like "\e[2J" would otherwise clear the screen of whoever reads
// run --explain's reports or an audit. Control bytes and DEL become \xNN.
#pragma once

#include <string>
#include <string_view>

namespace containerv {

inline std::string printable(std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        if (c < 0x20 || c == 0x7f) {
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

}  // namespace containerv
