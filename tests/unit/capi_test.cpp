// The C API's conversions: the predefined CV_PROFILE_* are exactly the C++ built-ins, every
// field survives C -> Profile -> C and Profile -> C -> Profile, and args_filter text parses
// and prints both ways.
#include "capi/convert.hpp"
#include "profile/json.hpp"

#include <containerv/containerv.h>
#include <containerv/profile.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace containerv {
namespace {

using capi::format_args;
using capi::parse_args;
using capi::to_c;
using capi::to_profile;
using Op = ArgCondition::Op;

// The JSON diff is what a reader wants to see; operator== is what decides.
void expect_equal(const Profile& actual, const Profile& expected) {
    EXPECT_EQ(profile_to_json(actual).dump(2), profile_to_json(expected).dump(2));
    EXPECT_TRUE(actual == expected);
}

// A library-made C profile, freed at scope exit.
struct CProfile {
    explicit CProfile(const Profile& p) : c(to_c(p)) {}
    ~CProfile() { capi::free_fields(c); }
    CProfile(const CProfile&) = delete;
    CProfile& operator=(const CProfile&) = delete;
    containerv_security_profile c;
};

std::vector<std::string> list(char* const* items) {
    std::vector<std::string> out;
    for (; items && *items; ++items) out.emplace_back(*items);
    return out;
}

std::string str(const char* s) {
    return s ? s : "(null)";
}

// Field by field, so a failure names the field.
void expect_same(const containerv_security_profile& a, const containerv_security_profile& b) {
    EXPECT_EQ(a.level, b.level);
    EXPECT_EQ(str(a.name), str(b.name));
    EXPECT_EQ(str(a.description), str(b.description));
    EXPECT_EQ(a.allowed_caps, b.allowed_caps);
    EXPECT_EQ(a.dropped_caps, b.dropped_caps);
    EXPECT_EQ(a.no_new_privileges, b.no_new_privileges);
    EXPECT_EQ(list(a.allowed_syscalls), list(b.allowed_syscalls));
    EXPECT_EQ(list(a.blocked_syscalls), list(b.blocked_syscalls));
    EXPECT_EQ(a.syscall_count, b.syscall_count);
    EXPECT_EQ(a.network_isolated, b.network_isolated);
    EXPECT_EQ(list(a.allowed_ports), list(b.allowed_ports));
    EXPECT_EQ(list(a.allowed_hosts), list(b.allowed_hosts));
    EXPECT_EQ(a.network_rule_count, b.network_rule_count);
    EXPECT_EQ(a.read_only_root, b.read_only_root);
    EXPECT_EQ(list(a.writable_paths), list(b.writable_paths));
    EXPECT_EQ(list(a.masked_paths), list(b.masked_paths));
    EXPECT_EQ(a.fs_rule_count, b.fs_rule_count);
    EXPECT_EQ(a.run_as_uid, b.run_as_uid);
    EXPECT_EQ(a.run_as_gid, b.run_as_gid);
    EXPECT_EQ(str(a.run_as_user), str(b.run_as_user));
    EXPECT_EQ(a.no_suid, b.no_suid);
    EXPECT_EQ(a.apparmor_profile, b.apparmor_profile);
    EXPECT_EQ(a.selinux_context, b.selinux_context);
    EXPECT_EQ(str(a.security_context), str(b.security_context));
    EXPECT_EQ(a.app_container, b.app_container);
    EXPECT_EQ(str(a.integrity_level), str(b.integrity_level));
    EXPECT_EQ(list(a.capabilities_sid), list(b.capabilities_sid));
    EXPECT_EQ(a.win_cap_count, b.win_cap_count);
    EXPECT_EQ(a.default_syscall_action, b.default_syscall_action);
    EXPECT_EQ(a.default_errno, b.default_errno);
    ASSERT_EQ(a.syscall_filter_count, b.syscall_filter_count);
    for (int i = 0; i < a.syscall_filter_count; ++i) {
        SCOPED_TRACE("syscall_filters[" + std::to_string(i) + "]");
        EXPECT_EQ(str(a.syscall_filters[i].name), str(b.syscall_filters[i].name));
        EXPECT_EQ(a.syscall_filters[i].action, b.syscall_filters[i].action);
        EXPECT_EQ(a.syscall_filters[i].errno_value, b.syscall_filters[i].errno_value);
        EXPECT_EQ(str(a.syscall_filters[i].args_filter), str(b.syscall_filters[i].args_filter));
    }
    EXPECT_EQ(list(a.read_only_paths), list(b.read_only_paths));
    EXPECT_EQ(a.apparmor, b.apparmor);
    EXPECT_EQ(str(a.apparmor_profile_name), str(b.apparmor_profile_name));
    EXPECT_EQ(a.selinux, b.selinux);
    EXPECT_EQ(a.memory_bytes, b.memory_bytes);
    EXPECT_EQ(a.cpus, b.cpus);
    EXPECT_EQ(a.pids, b.pids);
    EXPECT_EQ(list(a.devices), list(b.devices));
    EXPECT_EQ(list(a.windows_privileges), list(b.windows_privileges));
}

// Every field away from its default, every comparison, every optional set.
Profile everything() {
    Profile p;
    p.name = "everything";
    p.description = "every field set";
    p.level = Level::strict;
    p.allowed_caps = cap_bit(0) | cap_bit(kCapLast);
    p.dropped_caps = cap_bit(21);
    p.syscalls.default_action = SyscallAction::kill;
    p.syscalls.default_errno = 13;
    p.syscalls.allowed = {"read", "write"};
    p.syscalls.blocked = {"ptrace"};
    p.syscalls.rules = {
        SyscallRule{{"personality"}, SyscallAction::allow, 0, {{0, Op::eq, 8, 0}}},
        SyscallRule{{"socket"},
                    SyscallAction::errno_ret,
                    97,
                    {{0, Op::ne, 1, 0}, {1, Op::lt, 2, 0}, {2, Op::le, 3, 0}}},
        SyscallRule{{"mknod"}, SyscallAction::trap, 0, {{1, Op::masked_eq, 0170000, 0010000}}},
        SyscallRule{{"kill"},
                    SyscallAction::log,
                    0,
                    {{3, Op::gt, 0xffffffffffffffffULL, 0}, {5, Op::ge, 0, 0}}},
        SyscallRule{{"getppid"}, SyscallAction::trace, 0, {}},
    };
    p.network = {true, {"tcp:80"}, {"10.0.0.1"}};
    p.filesystem = {true, {"/tmp"}, {"/proc/kcore"}, {"/etc"}, false};
    p.process = {"someone", 12, 34, false};
    p.mac = {Want::if_available, "my-apparmor", Want::required, "u:r:t:s0"};
    p.resources.memory_bytes = 1 << 20;
    p.resources.cpus = 1.5;
    p.resources.pids = 100;
    p.resources.devices = {"/dev/fuse"};
    p.windows = {true, "low", {"S-1-15-3-1"}, {"SeDebugPrivilege"}};
    return p;
}

struct Predefined {
    const containerv_security_profile* c;
    const char* name;
};

const Predefined kPredefined[] = {
    {&CV_PROFILE_DEFAULT, "default"},     {&CV_PROFILE_WEB_SERVER, "web-server"},
    {&CV_PROFILE_DATABASE, "database"},   {&CV_PROFILE_BUILD_ENVIRONMENT, "build-environment"},
    {&CV_PROFILE_UNTRUSTED, "untrusted"},
};

TEST(CApiPredefined, ConvertToExactlyTheBuiltins) {
    ASSERT_EQ(std::size(kPredefined), builtin_profiles().size());
    for (const auto& [c, name] : kPredefined) {
        SCOPED_TRACE(name);
        auto p = to_profile(*c);
        ASSERT_TRUE(p.ok()) << p.error().to_string();
        const Profile* builtin = find_builtin(name);
        ASSERT_NE(builtin, nullptr);
        expect_equal(*p, *builtin);
    }
}

// The constants are shared by every caller: the modifying functions refuse them, even through
// a cast that drops const.
TEST(CApiPredefined, AreReadOnlyThroughEveryModifyingFunction) {
    auto* p = const_cast<containerv_security_profile*>(&CV_PROFILE_DEFAULT);
    const uint64_t caps = CV_PROFILE_DEFAULT.allowed_caps;
    EXPECT_EQ(containerv_security_add_capability(p, CV_CAP_SYS_ADMIN), -1);
    EXPECT_NE(std::string(containerv_last_error()).find("read-only"), std::string::npos);
    EXPECT_EQ(containerv_security_drop_capability(p, CV_CAP_CHOWN), -1);
    EXPECT_EQ(containerv_security_add_syscall_filter(p, "uname", CV_SYSCALL_ERRNO, 38), -1);
    EXPECT_EQ(containerv_security_set_default_syscall_action(p, CV_SYSCALL_ALLOW), -1);
    EXPECT_EQ(containerv_security_load_seccomp_policy(p, "/nonexistent.json"), -1);
    EXPECT_EQ(CV_PROFILE_DEFAULT.allowed_caps, caps);
    EXPECT_EQ(to_profile(CV_PROFILE_DEFAULT).value(), *find_builtin("default"));
}

TEST(CApiPredefined, CarryTheDesignsValues) {
    EXPECT_EQ(CV_PROFILE_DEFAULT.run_as_uid, 1000u);
    EXPECT_EQ(CV_PROFILE_WEB_SERVER.allowed_caps,
              cap_bit(CV_CAP_NET_BIND_SERVICE) | cap_bit(CV_CAP_SETUID) | cap_bit(CV_CAP_SETGID) |
                  cap_bit(CV_CAP_CHOWN));
    EXPECT_EQ(list(CV_PROFILE_WEB_SERVER.writable_paths),
              (std::vector<std::string>{"/var/log", "/var/cache", "/tmp"}));
    EXPECT_EQ(CV_PROFILE_WEB_SERVER.fs_rule_count, 3);
    EXPECT_EQ(CV_PROFILE_WEB_SERVER.network_rule_count, 3);
    EXPECT_TRUE(CV_PROFILE_UNTRUSTED.apparmor_profile);
    EXPECT_TRUE(CV_PROFILE_UNTRUSTED.network_isolated);
    EXPECT_STREQ(CV_PROFILE_UNTRUSTED.security_context,
                 "unconfined_u:unconfined_r:container_untrusted_t:s0");
    // A NULL list never: callers walk them without a check.
    EXPECT_NE(CV_PROFILE_DEFAULT.masked_paths, nullptr);
    EXPECT_EQ(CV_PROFILE_DEFAULT.masked_paths[0], nullptr);
}

TEST(CApiRoundTrip, CToProfileToCIsExact) {
    std::vector<Profile> profiles = builtin_profiles();
    profiles.push_back(everything());
    profiles.push_back(Profile{});
    for (const Profile& p : profiles) {
        SCOPED_TRACE(p.name);
        CProfile first(p);
        auto back = to_profile(first.c);
        ASSERT_TRUE(back.ok()) << back.error().to_string();
        CProfile second(*back);
        expect_same(first.c, second.c);
    }
}

TEST(CApiRoundTrip, ProfileToCToProfileIsExact) {
    std::vector<Profile> profiles = builtin_profiles();
    profiles.push_back(everything());
    profiles.push_back(Profile{});
    for (const Profile& p : profiles) {
        SCOPED_TRACE(p.name);
        CProfile c(p);
        auto back = to_profile(c.c);
        ASSERT_TRUE(back.ok()) << back.error().to_string();
        expect_equal(*back, p);
    }
}

TEST(CApiRoundTrip, UnsetIdsAreCvIdUnset) {
    Profile p;
    CProfile c(p);
    EXPECT_EQ(c.c.run_as_uid, CV_UID_UNSET);
    EXPECT_EQ(c.c.run_as_gid, CV_GID_UNSET);
}

TEST(CApiRoundTrip, ARuleWithSeveralNamesBecomesOneFilterPerName) {
    Profile p;
    p.syscalls.rules = {
        SyscallRule{{"read", "write"}, SyscallAction::errno_ret, 5, {{0, Op::eq, 3, 0}}}};
    CProfile c(p);
    ASSERT_EQ(c.c.syscall_filter_count, 2);
    EXPECT_STREQ(c.c.syscall_filters[0].name, "read");
    EXPECT_STREQ(c.c.syscall_filters[1].name, "write");
    EXPECT_STREQ(c.c.syscall_filters[1].args_filter, "arg0 == 3");
    EXPECT_EQ(c.c.syscall_filters[1].errno_value, 5);

    auto back = to_profile(c.c);
    ASSERT_TRUE(back.ok());
    ASSERT_EQ(back->syscalls.rules.size(), 2u);
    EXPECT_TRUE(back->syscalls.rules[1] ==
                (SyscallRule{{"write"}, SyscallAction::errno_ret, 5, {{0, Op::eq, 3, 0}}}));
}

// What a caller's zero-initialised struct means, field by field where C and the model differ.
TEST(CApiFromC, ZeroInitialisedStructTakesTheFormatsDefaults) {
    containerv_security_profile c{};
    auto p = to_profile(c);
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    EXPECT_EQ(p->syscalls.default_errno, 1);  // 0 stands for EPERM
    EXPECT_EQ(p->syscalls.default_action, SyscallAction::allow);
    EXPECT_EQ(p->process.uid, 0u);  // 0 is uid 0; CV_UID_UNSET is "not given"
    EXPECT_FALSE(p->resources.memory_bytes.has_value());
    EXPECT_FALSE(p->resources.cpus.has_value());
    EXPECT_EQ(p->mac.apparmor, Want::off);
}

TEST(CApiFromC, TheDesignsBooleansAskForTheMechanism) {
    containerv_security_profile c{};
    c.apparmor_profile = true;
    c.selinux_context = true;
    c.selinux = CV_MAC_IF_AVAILABLE;
    auto p = to_profile(c);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->mac.apparmor, Want::required);
    EXPECT_EQ(p->mac.selinux, Want::if_available);  // the explicit want wins
}

TEST(CApiFromC, ValuesTheModelCannotHoldAreErrorsNamingTheField) {
    auto error_of = [](const containerv_security_profile& c) {
        auto p = to_profile(c);
        return p.ok() ? std::string("(none)") : p.error().to_string();
    };
    containerv_security_profile c{};
    c.level = static_cast<containerv_security_level>(4);
    EXPECT_NE(error_of(c).find("level"), std::string::npos);

    c = {};
    c.allowed_caps = CapSet{1} << 41;
    EXPECT_NE(error_of(c).find("allowed_caps"), std::string::npos);
    c = {};
    c.dropped_caps = CapSet{1} << 63;
    EXPECT_NE(error_of(c).find("dropped_caps"), std::string::npos);

    c = {};
    c.default_syscall_action = static_cast<containerv_syscall_action>(6);
    EXPECT_NE(error_of(c).find("default_syscall_action"), std::string::npos);

    c = {};
    c.syscall_filter_count = -1;
    EXPECT_NE(error_of(c).find("syscall_filter_count"), std::string::npos);
    c.syscall_filter_count = 2;
    EXPECT_NE(error_of(c).find("syscall_filters is NULL"), std::string::npos);

    containerv_syscall_filter filter{};
    c = {};
    c.syscall_filters = &filter;
    c.syscall_filter_count = 1;
    EXPECT_NE(error_of(c).find("syscall_filters[0].name"), std::string::npos);
    char name[] = "read";
    filter.name = name;
    filter.action = static_cast<containerv_syscall_action>(-1);
    EXPECT_NE(error_of(c).find("syscall_filters[0].action"), std::string::npos);

    c = {};
    c.apparmor = static_cast<containerv_mac_want>(3);
    EXPECT_NE(error_of(c).find("apparmor"), std::string::npos);

    c = {};
    c.cpus = -1;
    EXPECT_NE(error_of(c).find("cpus"), std::string::npos);
    c.cpus = std::nan("");
    EXPECT_NE(error_of(c).find("cpus"), std::string::npos);
}

TEST(CApiSyscalls, SetSyscallsReplacesEverySyscallField) {
    CProfile c(everything());
    SyscallPolicy policy;
    policy.default_action = SyscallAction::errno_ret;
    policy.default_errno = 38;
    policy.blocked = {"reboot"};
    capi::set_syscalls(c.c, policy);
    EXPECT_EQ(c.c.default_syscall_action, CV_SYSCALL_ERRNO);
    EXPECT_EQ(c.c.default_errno, 38);
    EXPECT_EQ(list(c.c.allowed_syscalls), std::vector<std::string>{});
    EXPECT_EQ(list(c.c.blocked_syscalls), std::vector<std::string>{"reboot"});
    EXPECT_EQ(c.c.syscall_count, 1);
    EXPECT_EQ(c.c.syscall_filter_count, 0);
    EXPECT_EQ(c.c.syscall_filters, nullptr);
}

TEST(CApiArgsFilter, PrintsAndParsesEveryComparison) {
    const std::vector<ArgCondition> args = {
        {0, Op::eq, 1, 0},
        {1, Op::ne, 2, 0},
        {2, Op::lt, 3, 0},
        {3, Op::le, 4, 0},
        {4, Op::gt, 5, 0},
        {5, Op::ge, 6, 0},
        {0, Op::masked_eq, 0x7e020000, 0},
    };
    const std::string text = format_args(args);
    EXPECT_EQ(text,
              "arg0 == 1 && arg1 != 2 && arg2 < 3 && arg3 <= 4 && arg4 > 5 && arg5 >= 6 "
              "&& arg0 & 0x7e020000 == 0x0");
    auto back = parse_args(text);
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_TRUE(*back == args);
}

TEST(CApiArgsFilter, AcceptsCIntegerLiteralsAndAnySpacing) {
    auto parsed = parse_args("  arg1&0170000==010000&&arg0<=0x10 && arg2 == 18446744073709551615 ");
    ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
    const std::vector<ArgCondition> expected = {{1, Op::masked_eq, 0170000, 010000},
                                                {0, Op::le, 16, 0},
                                                {2, Op::eq, 18446744073709551615ULL, 0}};
    EXPECT_TRUE(*parsed == expected);
    EXPECT_TRUE(parse_args("").ok());
    EXPECT_TRUE(parse_args("   ").value().empty());
}

TEST(CApiArgsFilter, RefusesWhatItCannotRead) {
    for (const char* bad :
         {"arg6 == 1", "arg01 == 1", "arg == 1", "x0 == 1", "arg0 = 1", "arg0 == ", "arg0 == 1 &&",
          "arg0 == 1 arg1 == 2", "arg0 == 0x", "arg0 == 18446744073709551616", "arg0 & 1",
          "arg0 && 1", "arg0 == 09", "arg0 == -1"}) {
        SCOPED_TRACE(bad);
        auto parsed = parse_args(bad);
        ASSERT_FALSE(parsed.ok());
        EXPECT_NE(parsed.error().message.find(bad), std::string::npos) << parsed.error().message;
    }
}

}  // namespace
}  // namespace containerv
