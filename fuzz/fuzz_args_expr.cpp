// The args_filter expression parser (C API args_filter, seccomp explain). Beyond "no crash":
// whatever parses must print back to text that parses to the same conditions.
#include "seccomp/args_expr.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = containerv::seccomp::parse_args_expr(text);
    if (!parsed) {
        // An error must say where: "args: column N: ...".
        if (parsed.error().to_string().empty()) std::abort();
        return 0;
    }
    for (const auto& c : *parsed)
        if (c.index > 5) std::abort();
    const std::string again = containerv::seccomp::format_args_expr(*parsed);
    auto reparsed = containerv::seccomp::parse_args_expr(again);
    if (!reparsed || *reparsed != *parsed) std::abort();
    return 0;
}
