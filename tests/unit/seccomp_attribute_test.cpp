// attribute() finds the entry the filter applied to a reported call, by the registers the
// filter compared; describe_call() tells the call back.
#include "seccomp/attribute.hpp"
#include "seccomp/baseline.hpp"
#include "seccomp/cache.hpp"
#include "seccomp/compile.hpp"

#include <containerv/profile.hpp>

#include <gtest/gtest.h>
#include <seccomp.h>

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <sched.h>
#include <csignal>
#include <string>

namespace containerv::seccomp {
namespace {

FilterLayout laid_out(const SyscallPolicy& policy, const CompileOptions& options = {}) {
    auto out = layout(policy, options);
    if (!out) {
        ADD_FAILURE() << out.error().to_string();
        return {};
    }
    return *out;
}

int nr(const char* name) {
    return seccomp_syscall_resolve_name(name);
}

int prctl_nnp() {
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

// libseccomp compares x32 arguments on their low 32 bits: a mount with flags 1 << 32 meets
// no "arg3 != 0" rule in the filter, so the attribution must not find one either (it would
// answer CONTINUE to a call the filter refused).
TEST(SeccompAttribute, X32ArgumentsAreJudgedOnTheLow32BitsAsTheFilterDoes) {
    SyscallPolicy policy;
    policy.default_action = SyscallAction::errno_ret;
    policy.default_errno = 13;
    policy.rules = {
        SyscallRule{{"mount"}, SyscallAction::allow, 0, {{3, ArgCondition::Op::ne, 0, 0}}}};
    policy.allowed = {"read"};
    const FilterLayout filter = laid_out(policy);
    const int x32_mount = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X32, "mount");
    std::uint64_t args[6] = {0, 0, 0, 1ULL << 32, 0, 0};
    Attribution at = attribute(filter, SCMP_ARCH_X32, x32_mount, args);
    EXPECT_EQ(at.action, SCMP_ACT_ERRNO(13)) << entry_source(at);
    // On x86-64 all 64 bits count (arg3 of mount is an unsigned long).
    at = attribute(filter, SCMP_ARCH_X86_64, nr("mount"), args);
    EXPECT_EQ(at.action, SCMP_ACT_ALLOW) << entry_source(at);
}

TEST(SeccompAttribute, ConditionalRulesDecideByTheRegisters) {
    SyscallPolicy policy;
    policy.default_action = SyscallAction::errno_ret;
    policy.default_errno = 1;
    SyscallRule unix_only{
        {"socket"}, SyscallAction::allow, 0, {{0, ArgCondition::Op::eq, AF_UNIX, 0}}};
    SyscallRule netlink{
        {"socket"}, SyscallAction::errno_ret, 77, {{0, ArgCondition::Op::eq, AF_NETLINK, 0}}};
    policy.rules = {unix_only, netlink};
    policy.allowed = {"read"};
    const FilterLayout filter = laid_out(policy);

    std::uint64_t args[6] = {AF_NETLINK, SOCK_RAW, 0, 0, 0, 0};
    Attribution at = attribute(filter, SCMP_ARCH_X86_64, nr("socket"), args);
    ASSERT_NE(at.entry, nullptr);
    EXPECT_EQ(at.action, SCMP_ACT_ERRNO(77));
    EXPECT_EQ(entry_source(at), "syscalls.rules[1]");
    EXPECT_EQ(entry_pointer(at), "/syscalls/rules/1");
    EXPECT_EQ(describe_call(at.name, args), "socket(family=AF_NETLINK, type=SOCK_RAW, protocol=0)");

    std::uint64_t inet[6] = {AF_INET, SOCK_STREAM, 0, 0, 0, 0};
    at = attribute(filter, SCMP_ARCH_X86_64, nr("socket"), inet);
    EXPECT_EQ(at.entry, nullptr);
    EXPECT_EQ(at.action, SCMP_ACT_ERRNO(1));
    EXPECT_EQ(entry_pointer(at), "/syscalls/default_action");

    std::uint64_t unix_args[6] = {AF_UNIX, SOCK_STREAM, 0, 0, 0, 0};
    at = attribute(filter, SCMP_ARCH_X86_64, nr("socket"), unix_args);
    ASSERT_NE(at.entry, nullptr);
    EXPECT_EQ(at.action, SCMP_ACT_ALLOW);
}

TEST(SeccompAttribute, DockerCloneRuleAndFlagsAreDecoded) {
    const FilterLayout filter = laid_out(docker_like_policy(0));
    std::uint64_t args[6] = {CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0, 0};
    Attribution at = attribute(filter, SCMP_ARCH_X86_64, nr("clone"), args);
    EXPECT_EQ(at.entry, nullptr) << entry_source(at);  // the masked allow does not hold
    EXPECT_EQ(at.action, SCMP_ACT_ERRNO(1));
    EXPECT_EQ(describe_call("clone", args), "clone(flags=CLONE_NEWUSER|SIGCHLD)");
}

// A cached program compiled for --explain must never be loaded for a plain run, nor the
// other way round: the option is part of the key.
TEST(SeccompAttribute, NotifyOptionIsPartOfTheCacheKey) {
    const SyscallPolicy policy = docker_like_policy(0);
    CompileOptions notify;
    notify.notify_denials = true;
    EXPECT_NE(cache_key(policy, {}), cache_key(policy, notify));
}

// The notifying filter, loaded for real in a child: the errno answers it hands over are the
// ones the layout gives, the others are untouched.
TEST(SeccompAttribute, NotifyCompileKeepsNonErrnoActions) {
    SyscallPolicy policy;
    policy.default_action = SyscallAction::allow;
    policy.rules = {{{"getppid"}, SyscallAction::errno_ret, 77, {}}};
    auto plain = compile(policy);
    ASSERT_TRUE(plain) << plain.error().to_string();
    CompileOptions notify;
    notify.notify_denials = true;
    auto notified = compile(policy, notify);
    ASSERT_TRUE(notified) << notified.error().to_string();
    EXPECT_NE(plain->insns.size(), 0U);

    // Without a listener read, closing it makes the kernel answer ENOSYS: refused still.
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        if (prctl_nnp() != 0) _exit(10);
        int listener = -1;
        if (load_with_listener(*notified, &listener) != 0) _exit(11);
        close(listener);
        long rc = syscall(SYS_getppid);
        _exit(rc == -1 && errno == ENOSYS ? 0 : 12);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

}  // namespace
}  // namespace containerv::seccomp
