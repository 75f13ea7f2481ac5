// The args_filter expression syntax: conditions on syscall arguments written as text, as the
// C API's args_filter and `seccomp explain` show them.
//
//   arg0 == 40                        one comparison: == != < <= > >=
//   arg0 & 0x7E020000 == 0            masked equality: (arg & MASK) == VALUE
//   arg0 & 0x7E020000 == 0 && arg1 != 0   every condition must hold
//
// Values are unsigned 64-bit C integer literals: decimal, 0x hexadecimal, or octal with a
// leading 0 (file modes read best that way). Argument indexes are 0..5.
#pragma once

#include <containerv/error.hpp>
#include <containerv/profile.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace containerv::seccomp {

// An empty or blank text is no condition. Errors say where, counting columns from 1:
// "args: column 9: expected a number after '=='".
Result<std::vector<ArgCondition>> parse_args_expr(std::string_view text);

// The text parse_args_expr reads back to the same conditions: comparisons in decimal, masks
// and masked values in hexadecimal, joined by " && ".
std::string format_args_expr(const std::vector<ArgCondition>& conditions);

}  // namespace containerv::seccomp
