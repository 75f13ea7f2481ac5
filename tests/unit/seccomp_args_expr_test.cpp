// The args_filter expression syntax: what it reads, what it writes back, and the column each
// error names.
#include "seccomp/args_expr.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace containerv::seccomp {
namespace {

using Op = ArgCondition::Op;

TEST(SeccompArgsExpr, ReadsEveryComparison) {
    struct Case {
        const char* text;
        std::vector<ArgCondition> expected;
    };
    const Case cases[] = {
        {"arg0 == 40", {{0, Op::eq, 40, 0}}},
        {"arg1 != 0", {{1, Op::ne, 0, 0}}},
        {"arg2 < 38", {{2, Op::lt, 38, 0}}},
        {"arg3 <= 0x10", {{3, Op::le, 16, 0}}},
        {"arg4 > 40", {{4, Op::gt, 40, 0}}},
        {"arg5 >= 1", {{5, Op::ge, 1, 0}}},
        {"arg0 & 0x7E020000 == 0", {{0, Op::masked_eq, 0x7E020000, 0}}},
        {"arg0 & 0x7E020000 == 0 && arg1 != 0",
         {{0, Op::masked_eq, 0x7E020000, 0}, {1, Op::ne, 0, 0}}},
        {"arg0<40", {{0, Op::lt, 40, 0}}},
        {"arg0<=40&&arg1>=2", {{0, Op::le, 40, 0}, {1, Op::ge, 2, 0}}},
        {"\targ1 & 0170000 == 0010000 ", {{1, Op::masked_eq, 0170000, 010000}}},
        {"arg0 == 0xFFFFFFFFFFFFFFFF", {{0, Op::eq, 0xFFFFFFFFFFFFFFFFULL, 0}}},
        {"arg0 == 18446744073709551615", {{0, Op::eq, 18446744073709551615ULL, 0}}},
        {"arg0 == 0", {{0, Op::eq, 0, 0}}},
        {"arg2 == 0X1f", {{2, Op::eq, 31, 0}}},
        {"arg0 >= 1 && arg0 <= 5", {{0, Op::ge, 1, 0}, {0, Op::le, 5, 0}}},
        {"", {}},
        {"   ", {}},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.text);
        auto parsed = parse_args_expr(c.text);
        ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
        EXPECT_EQ(*parsed, c.expected);
    }
}

TEST(SeccompArgsExpr, FormatsAndReadsBack) {
    const std::vector<std::vector<ArgCondition>> sets = {
        {},
        {{0, Op::eq, 40, 0}},
        {{0, Op::masked_eq, 0x7E020000, 0}, {1, Op::ne, 0, 0}},
        {{0, Op::eq, 1, 0},
         {1, Op::ne, 2, 0},
         {2, Op::lt, 3, 0},
         {3, Op::le, 4, 0},
         {4, Op::gt, 5, 0},
         {5, Op::ge, 0xFFFFFFFFFFFFFFFFULL, 0}},
        {{3, Op::masked_eq, 0xFFFFFFFFFFFFFFFFULL, 0xFFFFFFFFFFFFFFFFULL}},
    };
    for (const auto& set : sets) {
        const std::string text = format_args_expr(set);
        SCOPED_TRACE(text);
        auto back = parse_args_expr(text);
        ASSERT_TRUE(back.ok()) << back.error().to_string();
        EXPECT_EQ(*back, set);
    }
    EXPECT_EQ(format_args_expr({{0, Op::masked_eq, 0x7E020000, 0}, {1, Op::ne, 0, 0}}),
              "arg0 & 0x7e020000 == 0x0 && arg1 != 0");
    EXPECT_EQ(format_args_expr({{2, Op::le, 40, 0}}), "arg2 <= 40");
    EXPECT_EQ(format_args_expr({}), "");
}

TEST(SeccompArgsExpr, ErrorsNameTheColumn) {
    struct Case {
        const char* text;
        const char* error;
    };
    const Case cases[] = {
        {"arg0 == ", "args: column 9: expected a number after '=='"},
        {"arg0 ==", "args: column 8: expected a number after '=='"},
        {"arg0 != x", "args: column 9: expected a number after '!='"},
        {"arg0 & == 1", "args: column 8: expected a number after '&'"},
        {"arg6 == 1", "args: column 4: argument index 6 is outside 0..5"},
        {"arg01 == 1", "args: column 4: argument index 01 is outside 0..5"},
        {"arg == 1", "args: column 4: expected an argument index 0..5 after 'arg'"},
        {"x0 == 1", "args: column 1: expected 'argN' (N in 0..5)"},
        {"  ARG0 == 1", "args: column 3: expected 'argN' (N in 0..5)"},
        {"arg0 = 1",
         "args: column 6: expected a comparison (== != < <= > >=) or '& MASK == VALUE'"},
        {"arg0 && 1",
         "args: column 6: expected a comparison (== != < <= > >=) or '& MASK == VALUE'"},
        {"arg0", "args: column 5: expected a comparison (== != < <= > >=) or '& MASK == VALUE'"},
        {"arg0 == 1 &&", "args: column 13: expected a condition after '&&'"},
        {"arg0 == 1 &&   ", "args: column 16: expected a condition after '&&'"},
        {"arg0 == 1 && && arg1 == 2", "args: column 14: expected 'argN' (N in 0..5)"},
        {"arg0 == 1 arg1 == 2", "args: column 11: expected '&&' or the end of the conditions"},
        {"arg0 == 1 & arg1 == 2", "args: column 11: expected '&&' or the end of the conditions"},
        {"arg0 == 1 || arg1 == 2", "args: column 11: expected '&&' or the end of the conditions"},
        {"arg0 == 0x", "args: column 9: '0x' is not a hexadecimal number"},
        {"arg0 == 0xg1", "args: column 9: '0xg1' is not a hexadecimal number"},
        {"arg0 == 09", "args: column 9: '09' is not an octal number"},
        {"arg0 == 1z", "args: column 9: '1z' is not a decimal number"},
        {"arg0 == 18446744073709551616",
         "args: column 9: '18446744073709551616' does not fit in 64 bits"},
        {"arg0 == 0x10000000000000000",
         "args: column 9: '0x10000000000000000' does not fit in 64 bits"},
        {"arg0 == -1", "args: column 9: negative values are not allowed (values are unsigned)"},
        {"arg0 & 1", "args: column 9: expected '==' after the mask"},
        {"arg0 & 1 != 0", "args: column 10: expected '==' after the mask"},
        {"arg0 & 1 ==", "args: column 12: expected a number after '=='"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.text);
        auto parsed = parse_args_expr(c.text);
        ASSERT_FALSE(parsed.ok());
        EXPECT_EQ(parsed.error().to_string(), c.error);
    }
}

}  // namespace
}  // namespace containerv::seccomp
