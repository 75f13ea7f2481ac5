// A hand-written scanner for the args_filter syntax: the grammar has five token kinds, and
// the error must name the column, which a regular expression could not give.
#include "seccomp/args_expr.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <utility>

namespace containerv::seccomp {
namespace {

constexpr unsigned kMaxArgIndex = 5;

// Longest first, so that "<=" is not read as "<".
constexpr std::array<std::pair<std::string_view, ArgCondition::Op>, 6> kComparisons = {{
    {"==", ArgCondition::Op::eq},
    {"!=", ArgCondition::Op::ne},
    {"<=", ArgCondition::Op::le},
    {">=", ArgCondition::Op::ge},
    {"<", ArgCondition::Op::lt},
    {">", ArgCondition::Op::gt},
}};

std::string_view op_text(ArgCondition::Op op) {
    for (const auto& [text, value] : kComparisons) {
        if (value == op) return text;
    }
    return "?";
}

std::string hex(std::uint64_t value) {
    std::array<char, 24> buf{};
    auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value, 16);
    (void)ec;  // 24 characters hold any 64-bit value
    return "0x" + std::string(buf.data(), end);
}

class Parser {
public:
    explicit Parser(std::string_view text) : text_(text) {}

    Result<std::vector<ArgCondition>> parse() {
        std::vector<ArgCondition> out;
        skip_space();
        if (at_end()) return out;
        for (;;) {
            auto cond = condition();
            if (!cond) return cond.error();
            out.push_back(*cond);
            skip_space();
            if (at_end()) return out;
            if (!take("&&")) return error("expected '&&' or the end of the conditions");
            skip_space();
            if (at_end()) return error("expected a condition after '&&'");
        }
    }

private:
    Result<ArgCondition> condition() {
        ArgCondition cond;
        skip_space();
        if (!take("arg")) return error("expected 'argN' (N in 0..5)");
        if (at_end() || !is_digit(text_[pos_])) {
            return error("expected an argument index 0..5 after 'arg'");
        }
        const std::size_t index_at = pos_;
        while (!at_end() && is_digit(text_[pos_])) ++pos_;
        std::string_view digits = text_.substr(index_at, pos_ - index_at);
        if (digits.size() != 1 || static_cast<unsigned>(digits[0] - '0') > kMaxArgIndex) {
            return error_at(index_at, "argument index " + std::string(digits) + " is outside 0..5");
        }
        cond.index = static_cast<unsigned>(digits[0] - '0');
        skip_space();

        // One '&' is the mask; "&&" right after the index means the comparison is missing.
        if (peek("&") && !peek("&&")) {
            ++pos_;
            auto mask = number("'&'");
            if (!mask) return mask.error();
            skip_space();
            if (!take("==")) return error("expected '==' after the mask");
            auto value = number("'=='");
            if (!value) return value.error();
            cond.op = ArgCondition::Op::masked_eq;
            cond.value = *mask;
            cond.value_two = *value;
            return cond;
        }
        for (const auto& [text, op] : kComparisons) {
            if (take(text)) {
                auto value = number("'" + std::string(text) + "'");
                if (!value) return value.error();
                cond.op = op;
                cond.value = *value;
                return cond;
            }
        }
        return error("expected a comparison (== != < <= > >=) or '& MASK == VALUE'");
    }

    Result<std::uint64_t> number(const std::string& after) {
        skip_space();
        const std::size_t start = pos_;
        std::size_t end = pos_;
        while (end < text_.size() && std::isalnum(static_cast<unsigned char>(text_[end]))) ++end;
        std::string_view word = text_.substr(start, end - start);
        if (word.empty() || !is_digit(word[0])) {
            if (peek("-")) return error("negative values are not allowed (values are unsigned)");
            return error("expected a number after " + after);
        }
        int base = 10;
        std::string_view digits = word;
        if (word.size() > 1 && word[0] == '0' && (word[1] == 'x' || word[1] == 'X')) {
            base = 16;
            digits.remove_prefix(2);
        } else if (word.size() > 1 && word[0] == '0') {
            base = 8;
            digits.remove_prefix(1);
        }
        std::uint64_t value = 0;
        const char* last = digits.data() + digits.size();
        auto [ptr, ec] = std::from_chars(digits.data(), last, value, base);
        if (ec == std::errc::result_out_of_range) {
            return error("'" + std::string(word) + "' does not fit in 64 bits");
        }
        if (digits.empty() || ec != std::errc() || ptr != last) {
            const char* kind = base == 16 ? "a hexadecimal" : base == 8 ? "an octal" : "a decimal";
            return error("'" + std::string(word) + "' is not " + kind + " number");
        }
        pos_ = end;
        return value;
    }

    static bool is_digit(char c) { return c >= '0' && c <= '9'; }
    bool at_end() const { return pos_ >= text_.size(); }
    bool peek(std::string_view s) const { return text_.substr(pos_, s.size()) == s; }
    bool take(std::string_view s) {
        if (!peek(s)) return false;
        pos_ += s.size();
        return true;
    }
    void skip_space() {
        while (!at_end() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    }
    Error error(const std::string& what) const { return error_at(pos_, what); }
    static Error error_at(std::size_t pos, const std::string& what) {
        return Error::msg("args", "column " + std::to_string(pos + 1) + ": " + what);
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

}  // namespace

Result<std::vector<ArgCondition>> parse_args_expr(std::string_view text) {
    return Parser(text).parse();
}

std::string format_args_expr(const std::vector<ArgCondition>& conditions) {
    std::string out;
    for (const ArgCondition& cond : conditions) {
        if (!out.empty()) out += " && ";
        out += "arg" + std::to_string(cond.index) + " ";
        if (cond.op == ArgCondition::Op::masked_eq) {
            out += "& " + hex(cond.value) + " == " + hex(cond.value_two);
        } else {
            out += std::string(op_text(cond.op)) + " " + std::to_string(cond.value);
        }
    }
    return out;
}

}  // namespace containerv::seccomp
