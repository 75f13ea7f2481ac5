#include "profile/positions.hpp"

#include "profile/json.hpp"

#include <cstdint>
#include <optional>
#include <set>

namespace containerv {
namespace {

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

std::optional<std::uint32_t> hex4(std::string_view s) {
    if (s.size() < 4) return std::nullopt;
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        const char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') {
            v |= static_cast<std::uint32_t>(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            v |= static_cast<std::uint32_t>(c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            v |= static_cast<std::uint32_t>(c - 'A' + 10);
        } else {
            return std::nullopt;
        }
    }
    return v;
}

class Scanner {
public:
    explicit Scanner(std::string_view text) : text_(text) {}

    bool at_end() const { return i_ >= text_.size(); }
    char peek() const { return at_end() ? '\0' : text_[i_]; }
    TextPosition here() const { return {line_, column_}; }

    void advance() {
        if (at_end()) return;
        const auto byte = static_cast<unsigned char>(text_[i_++]);
        if (byte == '\n') {
            ++line_;
            column_ = 1;
        } else if ((byte & 0xC0) != 0x80) {
            // A UTF-8 continuation byte belongs to the character already counted.
            ++column_;
        }
    }

    void skip_space() {
        while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r'))
            advance();
    }

    // Past a string starting at '"'; its decoded text (keys need it for their pointer).
    std::optional<std::string> string() {
        if (peek() != '"') return std::nullopt;
        advance();
        std::string out;
        while (!at_end() && peek() != '"') {
            if (peek() != '\\') {
                out += peek();
                advance();
                continue;
            }
            advance();
            const char e = peek();
            advance();
            switch (e) {
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'u': {
                    auto cp = hex4(text_.substr(i_));
                    if (!cp) return std::nullopt;
                    for (int k = 0; k < 4; ++k) advance();
                    // A high surrogate and the low one after it make one code point.
                    if (*cp >= 0xD800 && *cp < 0xDC00 && text_.substr(i_, 2) == "\\u") {
                        auto low = hex4(text_.substr(i_ + 2));
                        if (low && *low >= 0xDC00 && *low < 0xE000) {
                            for (int k = 0; k < 6; ++k) advance();
                            *cp = 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00);
                        }
                    }
                    append_utf8(out, *cp);
                    break;
                }
                default:
                    out += e;
                    break;  // '"', '\\', '/'
            }
        }
        if (at_end()) return std::nullopt;
        advance();
        return out;
    }

    // Past a number or a literal: everything up to the next delimiter.
    void scalar() {
        while (!at_end()) {
            const char c = peek();
            if (c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r')
                break;
            advance();
        }
    }

private:
    std::string_view text_;
    std::size_t i_ = 0;
    int line_ = 1;
    int column_ = 1;
};

struct Frame {
    bool object = false;
    std::string pointer;
    std::size_t next_index = 0;
    std::set<std::string> keys;
};

}  // namespace

TextPosition position_at(std::string_view text, std::size_t offset) {
    Scanner s(text.substr(0, std::min(offset, text.size())));
    while (!s.at_end()) s.advance();
    return s.here();
}

JsonPositions JsonPositions::scan(std::string_view text, int max_depth) {
    JsonPositions out;
    Scanner s(text);
    // nlohmann-json skips a UTF-8 byte order mark; it is no character of the document.
    if (text.starts_with("\xEF\xBB\xBF")) {
        for (int k = 0; k < 3; ++k) s.advance();
    }
    std::vector<Frame> stack;
    enum class Next { value, key, after_value } next = Next::value;
    std::string pointer;  // of the value expected next

    // An explicit stack, not recursion: a hostile file nested a million deep cannot overflow
    // ours.
    for (;;) {
        s.skip_space();
        if (s.at_end()) return out;

        if (next == Next::value) {
            out.values_[pointer] = s.here();
            const char c = s.peek();
            if (c == '{' || c == '[') {
                stack.push_back({c == '{', pointer, 0, {}});
                out.depth_ = std::max(out.depth_, static_cast<int>(stack.size()));
                if (out.depth_ > max_depth) return out;
                s.advance();
                s.skip_space();
                if (s.peek() == (c == '{' ? '}' : ']')) {
                    s.advance();
                    stack.pop_back();
                    next = Next::after_value;
                } else if (c == '{') {
                    next = Next::key;
                } else {
                    pointer = stack.back().pointer + "/0";
                    stack.back().next_index = 1;
                }
                continue;
            }
            if (c == '"') {
                if (!s.string()) return out;
            } else {
                s.scalar();
            }
            next = Next::after_value;
            continue;
        }

        if (next == Next::key) {
            const TextPosition key_at = s.here();
            auto key = s.string();
            if (!key) return out;
            s.skip_space();
            if (s.peek() != ':') return out;
            s.advance();
            Frame& frame = stack.back();
            pointer = frame.pointer + "/" + pointer_token(*key);
            if (!frame.keys.insert(*key).second) out.duplicates_.emplace_back(pointer, key_at);
            out.keys_[pointer] = key_at;
            next = Next::value;
            continue;
        }

        // After a value: a comma, or the end of the container it is in.
        if (stack.empty()) return out;
        Frame& frame = stack.back();
        const char c = s.peek();
        if (c == ',') {
            s.advance();
            if (frame.object) {
                next = Next::key;
            } else {
                pointer = frame.pointer + "/" + std::to_string(frame.next_index++);
                next = Next::value;
            }
        } else if (c == (frame.object ? '}' : ']')) {
            s.advance();
            stack.pop_back();
        } else {
            return out;
        }
    }
}

TextPosition JsonPositions::find(const std::string& pointer, bool at_key) const {
    if (at_key) {
        if (auto it = keys_.find(pointer); it != keys_.end()) return it->second;
    }
    std::string p = pointer;
    for (;;) {
        if (auto it = values_.find(p); it != values_.end()) return it->second;
        if (p.empty()) return {};
        p.erase(p.rfind('/') == std::string::npos ? 0 : p.rfind('/'));
    }
}

}  // namespace containerv
