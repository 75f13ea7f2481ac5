// The seccomp compiler and the built-in policies, checked from inside confined children: each
// test forks, sets no_new_privs, loads a filter and reports what the calls return. Test
// policies answer with errno 77 (EBADE) so that a filter hit cannot pass for an ordinary
// failure.
#include "seccomp/baseline.hpp"
#include "i386_entry.hpp"
#include "seccomp/compile.hpp"

#include <containerv/profile.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <seccomp.h>

#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace containerv::seccomp {
namespace {

constexpr int kTestErrno = 77;
constexpr int kLoadFailed = 120;

// The outcome of a confined child: its wait status and what it wrote.
struct Outcome {
    int status = 0;
    std::string output;

    bool exited_ok() const { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }
};

std::string describe(const Outcome& out) {
    std::ostringstream text;
    if (WIFEXITED(out.status)) {
        text << "exit " << WEXITSTATUS(out.status);
    } else if (WIFSIGNALED(out.status)) {
        text << "signal " << WTERMSIG(out.status);
    }
    text << ", output:\n" << out.output;
    return text.str();
}

std::string read_all(int fd) {
    std::string data;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return data;
        }
        data.append(buf, static_cast<std::size_t>(n));
    }
}

// Forks; the child gets `out_fd` as the write end of a pipe, sets no_new_privs, loads the
// program and runs `body`, whose return value is its exit code.
Outcome run_confined(const BpfProgram& program, const std::function<int(int out_fd)>& body) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        ADD_FAILURE() << "pipe2: " << std::strerror(errno);
        return {};
    }
    pid_t pid = ::fork();
    if (pid == 0) {
        ::close(fds[0]);
        if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || load(program) != 0) {
            ::_exit(kLoadFailed);
        }
        ::_exit(body(fds[1]));
    }
    ::close(fds[1]);
    Outcome out;
    out.output = read_all(fds[0]);
    ::close(fds[0]);
    ::waitpid(pid, &out.status, 0);
    return out;
}

// Collects failed checks inside the child and writes them to the pipe.
class Checks {
public:
    explicit Checks(int fd) : fd_(fd) {}

    // `rc` and errno from a raw syscall: expects failure with `expected`.
    void denied(long rc, int expected, const char* what) {
        int err = errno;
        if (rc != -1 || err != expected) {
            report(what, rc, err);
        }
    }
    // Expects the filter to let the call through: whatever the kernel answers, it is not the
    // test errno, which only the filter gives.
    void passed(long rc, const char* what) {
        int err = errno;
        if (rc == -1 && err == kTestErrno) {
            report(what, rc, err);
        }
    }
    void that(bool ok, const char* what) {
        if (!ok) {
            report(what, 0, 0);
        }
    }
    int result() const { return failed_ ? 1 : 0; }

private:
    void report(const char* what, long rc, int err) {
        char line[256];
        int n = std::snprintf(line, sizeof line, "%s: rc %ld errno %d\n", what, rc, err);
        if (n > 0) {
            [[maybe_unused]] ssize_t w = ::write(fd_, line, static_cast<std::size_t>(n));
        }
        failed_ = true;
    }

    int fd_;
    bool failed_ = false;
};

BpfProgram compiled(const SyscallPolicy& policy) {
    auto program = compile(policy);
    if (!program) {
        ADD_FAILURE() << program.error().to_string();
        return {};
    }
    return *program;
}

// The policy with its default errno replaced by the test errno.
SyscallPolicy with_test_errno(SyscallPolicy policy) {
    policy.default_errno = kTestErrno;
    return policy;
}

std::string compile_error(const SyscallPolicy& policy) {
    auto program = compile(policy);
    return program ? std::string("(compiled)") : program.error().to_string();
}

SyscallPolicy base_policy() {
    SyscallPolicy policy;
    policy.default_action = SyscallAction::errno_ret;
    policy.default_errno = EPERM;
    policy.allowed = base_syscalls();
    return policy;
}

CapSet all_caps() {
    return (CapSet{1} << (kCapLast + 1)) - 1;
}

// fork() and a thread from inside a filter: glibc's clone path and its clone3 fallback.
void check_fork_and_thread(Checks& check) {
    pid_t child = ::fork();
    if (child == 0) {
        ::_exit(7);
    }
    int status = 0;
    check.that(child > 0 && ::waitpid(child, &status, 0) == child && WIFEXITED(status) &&
                   WEXITSTATUS(status) == 7,
               "fork and wait");
    bool ran = false;
    std::thread thread([&ran] { ran = true; });
    thread.join();
    check.that(ran, "thread");
}

// ---------------------------------------------------------------------------------------------
// Compiling.

TEST(SeccompCompile, BuiltinPoliciesCompile) {
    struct Case {
        const char* name;
        SyscallPolicy policy;
    };
    for (const Case& c : {Case{"docker_like(0)", docker_like_policy(0)},
                          Case{"docker_like(all)", docker_like_policy(all_caps())},
                          Case{"untrusted", untrusted_policy()}, Case{"base", base_policy()}}) {
        auto program = compile(c.policy);
        ASSERT_TRUE(program) << c.name << ": " << program.error().to_string();
        EXPECT_GT(program->insns.size(), 10U) << c.name;
        EXPECT_LE(program->insns.size(), static_cast<std::size_t>(BPF_MAXINSNS)) << c.name;
    }
    auto init = compile_init_filter();
    ASSERT_TRUE(init) << init.error().to_string();
    EXPECT_GT(init->insns.size(), 10U);
}

TEST(SeccompCompile, UnknownSyscallIsAnErrorNamingIt) {
    SyscallPolicy policy = base_policy();
    policy.allowed.push_back("no_such_syscall");
    EXPECT_EQ(compile_error(policy), "seccomp: unknown syscall \"no_such_syscall\"");

    SyscallPolicy blocked;
    blocked.blocked = {"reboot", "rebot"};
    EXPECT_EQ(compile_error(blocked), "seccomp: unknown syscall \"rebot\"");

    SyscallPolicy ruled = base_policy();
    ruled.rules.push_back(SyscallRule{{"sokcet"}, SyscallAction::allow, 0, {}});
    EXPECT_EQ(compile_error(ruled), "seccomp: unknown syscall \"sokcet\"");
}

TEST(SeccompCompile, ErrnoOutsideRangeIsAnError) {
    SyscallPolicy zero = base_policy();
    zero.default_errno = 0;
    EXPECT_NE(compile_error(zero).find("errno 0"), std::string::npos) << compile_error(zero);

    SyscallPolicy big;
    big.rules.push_back(SyscallRule{{"getuid"}, SyscallAction::errno_ret, 5000, {}});
    std::string error = compile_error(big);
    EXPECT_NE(error.find("errno 5000"), std::string::npos) << error;
    EXPECT_NE(error.find("\"getuid\""), std::string::npos) << error;

    // libseccomp's highest errno; 4095, the kernel's MAX_ERRNO, libseccomp refuses.
    SyscallPolicy limit;
    limit.rules.push_back(SyscallRule{{"getuid"}, SyscallAction::errno_ret, 4094, {}});
    EXPECT_TRUE(compile(limit)) << compile_error(limit);
    limit.rules[0].errno_value = 4095;
    EXPECT_NE(compile_error(limit).find("errno 4095"), std::string::npos) << compile_error(limit);
}

TEST(SeccompCompile, AllowedAndBlockedIsAnError) {
    SyscallPolicy policy = base_policy();
    policy.blocked = {"getuid"};
    policy.allowed.push_back("getuid");
    EXPECT_EQ(compile_error(policy), "seccomp: \"getuid\" is both allowed and blocked");

    SyscallPolicy rules;
    rules.rules.push_back(SyscallRule{{"getuid"}, SyscallAction::errno_ret, 77, {}});
    rules.rules.push_back(SyscallRule{{"getuid"}, SyscallAction::kill, 0, {}});
    std::string error = compile_error(rules);
    EXPECT_NE(error.find("\"getuid\" has two unconditional actions"), std::string::npos) << error;
}

// libseccomp would drop the conditional rule and let TIOCSTI through.
TEST(SeccompCompile, ConditionalRuleShadowedByUnconditionalIsAnError) {
    SyscallPolicy policy = base_policy();  // allows ioctl
    policy.rules.push_back(SyscallRule{
        {"ioctl"}, SyscallAction::errno_ret, 77, {{1, ArgCondition::Op::eq, 0x5412, 0}}});
    std::string error = compile_error(policy);
    EXPECT_NE(error.find("\"ioctl\" is shadowed"), std::string::npos) << error;
}

// Under a default allow, the unconditional allow is redundant and never reaches libseccomp; the
// conditional deny then keeps its meaning.
TEST(SeccompLoad, ConditionalDenyBesideRedundantAllowHolds) {
    SyscallPolicy policy;  // default allow
    policy.allowed = {"ioctl"};
    policy.rules.push_back(SyscallRule{{"ioctl"},
                                       SyscallAction::errno_ret,
                                       kTestErrno,
                                       {{1, ArgCondition::Op::masked_eq, 0xffffffff, 0x5412}}});
    Outcome out = run_confined(compiled(policy), [](int fd) {
        Checks check(fd);
        // On descriptor -1, so that a filter that let it through would meet EBADF.
        check.denied(::syscall(SYS_ioctl, -1, 0x5412UL, nullptr), kTestErrno, "ioctl(TIOCSTI)");
        check.denied(::syscall(SYS_ioctl, -1, 0x100005412UL, nullptr), kTestErrno,
                     "ioctl(TIOCSTI with high bits)");
        check.denied(::syscall(SYS_ioctl, -1, 0x5401UL, nullptr), EBADF, "ioctl(TCGETS)");
        return check.result();
    });
    EXPECT_TRUE(out.exited_ok()) << describe(out);
}

#if defined(__x86_64__)
// On i386 a rule for recv becomes a rule on socketcall, which the unconditional allow of
// socketcall would swallow.
TEST(SeccompCompile, RuleShadowedByItsMultiplexerIsAnError) {
    SyscallPolicy policy = base_policy();
    policy.allowed.push_back("socketcall");
    policy.rules.push_back(SyscallRule{{"recv"}, SyscallAction::errno_ret, 77, {}});
    std::string error = compile_error(policy);
    EXPECT_NE(error.find("\"recv\" is shadowed on x86"), std::string::npos) << error;
}
#endif

TEST(SeccompCompile, BadArgumentsAreErrors) {
    SyscallPolicy index;
    index.rules.push_back(
        SyscallRule{{"socket"}, SyscallAction::errno_ret, 77, {{6, ArgCondition::Op::eq, 1, 0}}});
    EXPECT_NE(compile_error(index).find("argument index 6"), std::string::npos)
        << compile_error(index);

    SyscallPolicy twice;
    twice.rules.push_back(
        SyscallRule{{"socket"},
                    SyscallAction::errno_ret,
                    77,
                    {{0, ArgCondition::Op::gt, 1, 0}, {0, ArgCondition::Op::lt, 9, 0}}});
    EXPECT_NE(compile_error(twice).find("two conditions on argument 0"), std::string::npos)
        << compile_error(twice);
}

TEST(SeccompCompile, NameAbsentOnOneAbiIsSkippedThere) {
    SyscallPolicy policy = base_policy();
    // chown32 and waitpid exist on i386 only; arch_prctl not on i386.
    policy.allowed.insert(policy.allowed.end(), {"chown32", "waitpid", "socketcall"});
    auto program = compile(policy);
    EXPECT_TRUE(program) << program.error().to_string();
}

// ---------------------------------------------------------------------------------------------
// Loading and enforcing.

TEST(SeccompLoad, BlockedCallReturnsErrnoAndAllowedCallWorks) {
    SyscallPolicy policy;  // default allow
    policy.rules.push_back(SyscallRule{{"getppid"}, SyscallAction::errno_ret, kTestErrno, {}});
    policy.blocked = {"getpgrp"};
    Outcome out = run_confined(compiled(policy), [](int fd) {
        Checks check(fd);
        check.denied(::syscall(SYS_getppid), kTestErrno, "getppid");
        check.denied(::syscall(SYS_getpgrp), EPERM, "getpgrp (blocked)");
        check.that(::syscall(SYS_getpid) > 0, "getpid");
        return check.result();
    });
    EXPECT_TRUE(out.exited_ok()) << describe(out);
}

// True when this process runs under a seccomp filter (/proc/self/status "Seccomp: 2").
bool already_filtered() {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("Seccomp:", 0) == 0) return line.find('2') != std::string::npos;
    return false;
}

// Blocking "mount" must also close the new mount API, which mounts without calling mount(2).
// The child first gains mount rights in its own user namespace, so only the filter can deny.
TEST(SeccompLoad, BlockingMountBlocksTheNewMountApi) {
    auto fsopen_after_unshare = [](int fd) {
        Checks check(fd);
        if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) return 77;  // no user namespaces
        long rc = ::syscall(SYS_fsopen, "tmpfs", 0);
        ::dprintf(fd, "fsopen=%ld errno=%d\n", rc, rc < 0 ? errno : 0);
        return check.result();
    };
    SyscallPolicy open;  // control: nothing blocked, fsopen works
    Outcome control = run_confined(compiled(open), fsopen_after_unshare);
    if (WIFEXITED(control.status) && WEXITSTATUS(control.status) == 77)
        GTEST_SKIP() << "this kernel does not let this user create a user namespace";
    // Inside a sandbox that blocks mount (the build-environment workload test builds and runs
    // these tests in one), the sandbox's own filter refuses fsopen before ours is asked.
    if (control.output.find("fsopen=-1 errno=" + std::to_string(EPERM)) != std::string::npos &&
        already_filtered())
        GTEST_SKIP() << "this process already runs under a seccomp filter that refuses fsopen";
    EXPECT_NE(control.output.find("fsopen="), std::string::npos) << describe(control);
    EXPECT_EQ(control.output.find("fsopen=-1"), std::string::npos) << describe(control);

    SyscallPolicy blocked;
    blocked.blocked = {"mount"};
    Outcome out = run_confined(compiled(blocked), fsopen_after_unshare);
    EXPECT_NE(out.output.find("fsopen=-1 errno=" + std::to_string(EPERM)), std::string::npos)
        << describe(out);
}

TEST(SeccompLoad, DefaultErrnoAnswersWhatIsNotAllowed) {
    SyscallPolicy policy = base_policy();
    policy.default_errno = kTestErrno;
    Outcome out = run_confined(compiled(policy), [](int fd) {
        Checks check(fd);
        check.denied(::syscall(SYS_getpgrp), kTestErrno, "getpgrp");
        check.denied(::syscall(SYS_mount, "none", "/mnt", "tmpfs", 0, nullptr), kTestErrno,
                     "mount");
        check.that(::syscall(SYS_getpid) > 0, "getpid");
        return check.result();
    });
    EXPECT_TRUE(out.exited_ok()) << describe(out);
}

#if defined(__x86_64__)
using test::int80;
using test::kI386Getppid;
using test::kI386Socket;
using test::kI386Socketcall;

constexpr long kX32Bit = 0x40000000;

TEST(SeccompLoad, RulesHoldOnTheCompatAbis) {
    // Without a filter first: a kernel without IA32 emulation kills or refuses int 0x80.
    Outcome probe = run_confined(compiled(SyscallPolicy{}),
                                 [](int) { return int80(kI386Getppid) == ::getppid() ? 0 : 1; });
    bool has_i386 = probe.exited_ok();

    SyscallPolicy policy;
    policy.rules.push_back(SyscallRule{{"getppid"}, SyscallAction::errno_ret, kTestErrno, {}});
    Outcome out = run_confined(compiled(policy), [has_i386](int fd) {
        Checks check(fd);
        // The filter sees x32 numbers whether or not the kernel was built with x32.
        check.denied(::syscall(kX32Bit | SYS_getppid), kTestErrno, "x32 getppid");
        if (has_i386) {
            check.that(int80(kI386Getppid) == -kTestErrno, "i386 getppid");
        }
        return check.result();
    });
    EXPECT_TRUE(out.exited_ok()) << describe(out);

    // socket's family rule cannot be checked behind i386's socketcall, where libseccomp would
    // allow every family; the untrusted policy must still refuse netlink there.
    out = run_confined(compiled(with_test_errno(untrusted_policy())), [has_i386](int fd) {
        Checks check(fd);
        check.denied(::syscall(kX32Bit | SYS_socket, AF_NETLINK, SOCK_RAW, 0), kTestErrno,
                     "x32 socket(AF_NETLINK)");
        check.passed(::syscall(kX32Bit | SYS_socket, AF_UNIX, SOCK_STREAM, 0),
                     "x32 socket(AF_UNIX)");
        check.denied(::syscall(kX32Bit | SYS_unshare, CLONE_NEWUSER), kTestErrno, "x32 unshare");
        if (has_i386) {
            check.that(int80(kI386Socket, AF_NETLINK, SOCK_RAW) == -kTestErrno,
                       "i386 socket(AF_NETLINK)");
            check.that(int80(kI386Socketcall, 1, 0) == -kTestErrno, "i386 socketcall");
        }
        return check.result();
    });
    EXPECT_TRUE(out.exited_ok()) << describe(out);

    // A conditional deny that cannot be checked behind socketcall denies every i386 socket.
    SyscallPolicy deny;  // default allow
    deny.rules.push_back(SyscallRule{
        {"socket"}, SyscallAction::errno_ret, kTestErrno, {{0, ArgCondition::Op::eq, 16, 0}}});
    out = run_confined(compiled(deny), [has_i386](int fd) {
        Checks check(fd);
        check.denied(::syscall(SYS_socket, AF_NETLINK, SOCK_RAW, 0), kTestErrno,
                     "socket(AF_NETLINK)");
        check.passed(::syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0), "socket(AF_UNIX)");
        if (has_i386) {
            check.that(int80(kI386Socket, AF_UNIX, SOCK_STREAM) == -kTestErrno,
                       "i386 socket(AF_UNIX)");
            check.that(int80(kI386Socketcall, 1, 0) == -kTestErrno, "i386 socketcall");
        }
        return check.result();
    });
    EXPECT_TRUE(out.exited_ok()) << describe(out);
    if (!has_i386) {
        GTEST_SKIP() << "int 0x80 unavailable (no IA32 emulation): i386 path not checked";
    }
}

TEST(SeccompLoad, InitFilterKillsOnAnotherAbi) {
    auto init = compile_init_filter();
    ASSERT_TRUE(init) << init.error().to_string();
    Outcome out = run_confined(*init, [](int) {
        ::syscall(kX32Bit | SYS_getpid);
        return 2;
    });
    EXPECT_TRUE(WIFSIGNALED(out.status) && WTERMSIG(out.status) == SIGSYS) << describe(out);
}
#endif

TEST(SeccompLoad, DockerLikeArgumentRules) {
    BpfProgram program = compiled(with_test_errno(docker_like_policy(0)));
    Outcome out = run_confined(program, [](int fd) {
        Checks check(fd);
        check.passed(::syscall(SYS_personality, 0xffffffffUL), "personality(query)");
        check.passed(::syscall(SYS_personality, 0UL), "personality(PER_LINUX)");
        check.denied(::syscall(SYS_personality, 0x0040000UL), kTestErrno,
                     "personality(ADDR_NO_RANDOMIZE)");
        check.denied(::syscall(SYS_socket, 40, SOCK_STREAM, 0), kTestErrno, "socket(AF_VSOCK)");
        check.denied(::syscall(SYS_socket, 38, SOCK_SEQPACKET, 0), kTestErrno, "socket(AF_ALG)");
        check.passed(::syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0), "socket(AF_UNIX)");
        check.passed(::syscall(SYS_socket, AF_NETLINK, SOCK_RAW, 0), "socket(AF_NETLINK)");
        check.denied(::syscall(SYS_clone3, nullptr, 0), ENOSYS, "clone3");
        check.denied(::syscall(SYS_unshare, CLONE_NEWUSER), kTestErrno, "unshare(NEWUSER)");
        long rc = ::syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
        if (rc == 0) {
            ::_exit(0);
        }
        check.denied(rc, kTestErrno, "clone(NEWNS)");
        check.denied(::syscall(SYS_reboot, 0, 0, 0, nullptr), kTestErrno, "reboot");
        check_fork_and_thread(check);
        return check.result();
    });
    EXPECT_TRUE(out.exited_ok()) << describe(out);
}

// The kernel reads socket's and personality's arguments as 32 bits: 0x100000028 is AF_VSOCK
// to it. Every kind of comparison must decide on what the kernel reads, on x86-64 and x32, in
// whichever order the rules come.
#if defined(__x86_64__)
TEST(SeccompLoad, ConditionsOnIntArgumentsSeeTheLow32Bits) {
    using Op = ArgCondition::Op;
    constexpr unsigned long kHigh = 0x100000000UL;
    for (bool reversed : {false, true}) {
        SyscallPolicy allow = with_test_errno(base_policy());
        allow.rules.push_back(
            SyscallRule{{"socket"}, SyscallAction::allow, 0, {{0, Op::ne, 40, 0}}});
        allow.rules.push_back(
            SyscallRule{{"personality"}, SyscallAction::allow, 0, {{0, Op::eq, 0xffffffff, 0}}});
        allow.rules.push_back(SyscallRule{{"setns"}, SyscallAction::allow, 0, {{1, Op::ge, 9, 0}}});
        if (reversed) std::reverse(allow.rules.begin(), allow.rules.end());
        Outcome out = run_confined(compiled(allow), [](int fd) {
            Checks check(fd);
            for (long x32 : {0L, kX32Bit}) {
                check.denied(::syscall(x32 | SYS_socket, 40, SOCK_STREAM, 0), kTestErrno,
                             "socket(AF_VSOCK)");
                // libseccomp compares x32 arguments on their low 32 bits: the rule itself
                // refuses there; on x86-64 the guard does.
                int high_refused = x32 != 0 ? kTestErrno : EINVAL;
                check.denied(::syscall(x32 | SYS_socket, kHigh | 40, SOCK_STREAM, 0), high_refused,
                             "socket(AF_VSOCK | 1 << 32)");
                check.denied(::syscall(x32 | SYS_setns, -1, kHigh | 1), high_refused,
                             "setns(-1, 1 | 1 << 32)");
                if (x32 == 0) {
                    check.passed(::syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0), "socket(AF_UNIX)");
                    check.passed(::syscall(SYS_personality, kHigh | 0xffffffffUL),
                                 "personality(query | 1 << 32)");
                }
            }
            return check.result();
        });
        EXPECT_TRUE(out.exited_ok()) << (reversed ? "reversed: " : "") << describe(out);
    }

    // Under a default allow, deny rules must catch the value the kernel will see.
    SyscallPolicy deny;
    deny.rules.push_back(
        SyscallRule{{"socket"}, SyscallAction::errno_ret, kTestErrno, {{0, Op::eq, 40, 0}}});
    deny.rules.push_back(
        SyscallRule{{"setns"}, SyscallAction::errno_ret, kTestErrno, {{1, Op::lt, 0x10, 0}}});
    Outcome out = run_confined(compiled(deny), [](int fd) {
        Checks check(fd);
        check.denied(::syscall(SYS_socket, kHigh | 40, SOCK_STREAM, 0), kTestErrno,
                     "socket(AF_VSOCK | 1 << 32)");
        check.denied(::syscall(SYS_setns, -1, kHigh | 1), EINVAL, "setns(-1, 1 | 1 << 32)");
        check.passed(::syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0), "socket(AF_UNIX)");
        return check.result();
    });
    EXPECT_TRUE(out.exited_ok()) << describe(out);
}
#endif

TEST(SeccompLoad, DockerLikeCapabilitiesWidenThePolicy) {
    CapSet caps = cap_bit(CAP_SYS_ADMIN) | cap_bit(CAP_SYS_BOOT);
    Outcome out = run_confined(compiled(with_test_errno(docker_like_policy(caps))), [](int fd) {
        Checks check(fd);
        // The kernel answers these (bad size, bad magic) once the filter lets them through.
        check.denied(::syscall(SYS_clone3, nullptr, 0), EINVAL, "clone3");
        check.passed(::syscall(SYS_reboot, 0, 0, 0, nullptr), "reboot");
        check_fork_and_thread(check);
        return check.result();
    });
    EXPECT_TRUE(out.exited_ok()) << describe(out);
}

TEST(SeccompLoad, UntrustedRefusesKernelSurface) {
    std::filesystem::path dir = std::filesystem::temp_directory_path() / "cv-seccomp-XXXXXX";
    std::string dir_name = dir.string();
    ASSERT_NE(::mkdtemp(dir_name.data()), nullptr);
    std::string fifo = dir_name + "/fifo";
    std::string device = dir_name + "/null";

    Outcome out = run_confined(compiled(with_test_errno(untrusted_policy())), [&](int fd) {
        Checks check(fd);
        check.denied(::syscall(SYS_unshare, CLONE_NEWUSER), kTestErrno, "unshare(NEWUSER)");
        check.denied(::syscall(SYS_setns, 0, 0), kTestErrno, "setns");
        long rc = ::syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
        if (rc == 0) {
            ::_exit(0);
        }
        check.denied(rc, kTestErrno, "clone(NEWUSER)");
        check.denied(::syscall(SYS_clone3, nullptr, 0), ENOSYS, "clone3");
        check.denied(::syscall(SYS_mount, "none", "/mnt", "tmpfs", 0, nullptr), kTestErrno,
                     "mount");
        check.denied(::syscall(SYS_ptrace, 0, 0, 0, 0), kTestErrno, "ptrace(TRACEME)");
        check.denied(::syscall(SYS_process_vm_readv, 1, 0, 0, 0, 0, 0), kTestErrno,
                     "process_vm_readv");
        check.denied(::syscall(SYS_bpf, 0, nullptr, 0), kTestErrno, "bpf");
        check.denied(::syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0), kTestErrno,
                     "perf_event_open");
        check.denied(::syscall(SYS_userfaultfd, 0), kTestErrno, "userfaultfd");
        check.denied(::syscall(SYS_io_uring_setup, 1, nullptr), kTestErrno, "io_uring_setup");
        check.denied(::syscall(SYS_keyctl, 0, 0, 0, 0, 0), kTestErrno, "keyctl");
        check.denied(::syscall(SYS_add_key, nullptr, nullptr, nullptr, 0, 0), kTestErrno,
                     "add_key");
        check.denied(::syscall(SYS_init_module, nullptr, 0, ""), kTestErrno, "init_module");
        check.denied(::syscall(SYS_kexec_load, 0, 0, nullptr, 0), kTestErrno, "kexec_load");
        check.denied(::syscall(SYS_reboot, 0, 0, 0, nullptr), kTestErrno, "reboot");
        check.denied(::syscall(SYS_swapoff, "/none"), kTestErrno, "swapoff");
        check.denied(::syscall(SYS_acct, nullptr), kTestErrno, "acct");
        check.denied(::syscall(SYS_settimeofday, nullptr, nullptr), kTestErrno, "settimeofday");
        check.denied(::syscall(SYS_clock_settime, 0, nullptr), kTestErrno, "clock_settime");
        check.denied(::syscall(SYS_syslog, 3, nullptr, 0), kTestErrno, "syslog");
        check.denied(::syscall(SYS_open_by_handle_at, -1, nullptr, 0), kTestErrno,
                     "open_by_handle_at");
        check.denied(::syscall(SYS_name_to_handle_at, -1, "", nullptr, nullptr, 0), kTestErrno,
                     "name_to_handle_at");
        check.denied(::syscall(SYS_modify_ldt, 0, nullptr, 0), kTestErrno, "modify_ldt");
        check.denied(::syscall(SYS_iopl, 0), kTestErrno, "iopl");
        check.denied(::syscall(SYS_ioperm, 0, 0, 0), kTestErrno, "ioperm");
        check.denied(::syscall(SYS_chroot, "/"), kTestErrno, "chroot");
        check.denied(::syscall(SYS_personality, 0x0040000UL), kTestErrno,
                     "personality(ADDR_NO_RANDOMIZE)");
        check.passed(::syscall(SYS_personality, 0xffffffffUL), "personality(query)");
        check.denied(::syscall(SYS_socket, AF_NETLINK, SOCK_RAW, 0), kTestErrno,
                     "socket(AF_NETLINK)");
        check.denied(::syscall(SYS_socket, AF_PACKET, SOCK_RAW, 0), kTestErrno,
                     "socket(AF_PACKET)");
        check.denied(::syscall(SYS_socket, 40, SOCK_STREAM, 0), kTestErrno, "socket(AF_VSOCK)");
        check.passed(::syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0), "socket(AF_UNIX)");
        check.passed(::syscall(SYS_socket, AF_INET, SOCK_STREAM, 0), "socket(AF_INET)");
        check.passed(::syscall(SYS_socket, AF_INET6, SOCK_DGRAM, 0), "socket(AF_INET6)");
        int pair[2];
        check.passed(::syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, pair), "socketpair");
        check.passed(::syscall(SYS_prctl, PR_SET_NAME, "probe", 0, 0, 0), "prctl(SET_NAME)");
        check.denied(::syscall(SYS_prctl, PR_SET_MM, 0, 0, 0, 0), kTestErrno, "prctl(SET_MM)");
        check.passed(::syscall(SYS_mknodat, AT_FDCWD, fifo.c_str(), S_IFIFO | 0600, 0),
                     "mknodat(FIFO)");
        check.denied(
            ::syscall(SYS_mknodat, AT_FDCWD, device.c_str(), S_IFCHR | 0600, makedev(1, 3)),
            kTestErrno, "mknodat(CHR)");
        // Line disciplines are refused, and the kernel's 32-bit read of the request cannot be
        // used to slip TIOCSETD past the ranges; every other request reaches the kernel.
        check.denied(::syscall(SYS_ioctl, -1, 0x5423UL, nullptr), kTestErrno, "ioctl(TIOCSETD)");
        check.denied(::syscall(SYS_ioctl, -1, 0x100005423UL, nullptr), EINVAL,
                     "ioctl(TIOCSETD with upper bits)");
        check.denied(::syscall(SYS_ioctl, -1, 0x5401UL, nullptr), EBADF, "ioctl(TCGETS)");
        check.denied(::syscall(SYS_ioctl, -1, 0x5424UL, nullptr), EBADF, "ioctl(TIOCGETD)");
        check_fork_and_thread(check);
        return check.result();
    });
    EXPECT_TRUE(out.exited_ok()) << describe(out);
    std::filesystem::remove_all(dir_name);
}

TEST(SeccompLoad, InitFilterKillsOnAnythingElse) {
    auto init = compile_init_filter();
    ASSERT_TRUE(init) << init.error().to_string();
    Outcome out = run_confined(*init, [](int fd) {
        if (::syscall(SYS_getpid) <= 0 || ::write(fd, "alive\n", 6) != 6) {
            return 1;
        }
        ::syscall(SYS_getuid);
        return 2;
    });
    EXPECT_EQ(out.output, "alive\n");
    EXPECT_TRUE(WIFSIGNALED(out.status) && WTERMSIG(out.status) == SIGSYS) << describe(out);
}

TEST(SeccompLoad, LoadRejectsAnEmptyProgram) {
    EXPECT_EQ(load(BpfProgram{}), EINVAL);
}

// ---------------------------------------------------------------------------------------------
// Real programs under the policies.

Outcome run_program(const BpfProgram& program, std::vector<std::string> argv) {
    return run_confined(program, [&argv](int fd) {
        std::vector<char*> args;
        for (std::string& arg : argv) {
            args.push_back(arg.data());
        }
        args.push_back(nullptr);
        if (::dup2(fd, STDOUT_FILENO) < 0) {
            return 126;
        }
        ::execv(args[0], args.data());
        return 127;
    });
}

TEST(SeccompPrograms, BaseSetRunsShellLsCatAndTrue) {
    BpfProgram program = compiled(base_policy());

    Outcome truth = run_program(program, {"/bin/true"});
    EXPECT_TRUE(truth.exited_ok()) << describe(truth);

    Outcome sh = run_program(program, {"/bin/sh", "-c", "echo hi; ls / >/dev/null"});
    EXPECT_TRUE(sh.exited_ok()) << describe(sh);
    EXPECT_EQ(sh.output, "hi\n");

    Outcome ls = run_program(program, {"/bin/ls", "/"});
    EXPECT_TRUE(ls.exited_ok()) << describe(ls);
    EXPECT_NE(ls.output.find("proc\n"), std::string::npos) << ls.output;

    std::string file = std::filesystem::temp_directory_path() / "cv-seccomp-cat-XXXXXX";
    int fd = ::mkstemp(file.data());
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "hello\n", 6), 6);
    ::close(fd);
    Outcome cat = run_program(program, {"/bin/cat", file});
    ::unlink(file.c_str());
    EXPECT_TRUE(cat.exited_ok()) << describe(cat);
    EXPECT_EQ(cat.output, "hello\n");
}

constexpr const char* kPython = "/usr/bin/python3";

// What an interpreted workload does: threads, a child process, files, a pipe, select, a
// signal, unix and inet sockets.
constexpr const char* kPythonWorkload = R"(
import os, signal, socket, subprocess, tempfile, threading, select, time
t = threading.Thread(target=lambda: None); t.start(); t.join()
print(subprocess.run(["/bin/echo", "child"], capture_output=True).stdout.decode().strip())
with tempfile.NamedTemporaryFile(dir="/tmp") as f:
    f.write(b"x"); f.flush(); assert os.stat(f.name).st_size == 1
r, w = os.pipe(); os.write(w, b"p"); assert os.read(r, 1) == b"p"
select.select([], [], [], 0.001); time.sleep(0.001)
got = []
signal.signal(signal.SIGUSR1, lambda *a: got.append(1)); os.kill(os.getpid(), signal.SIGUSR1)
assert got == [1]
a, b = socket.socketpair(); a.send(b"u"); assert b.recv(1) == b"u"
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM); s.bind(("127.0.0.1", 0)); s.listen()
c = socket.create_connection(s.getsockname()); conn, _ = s.accept(); c.send(b"i")
assert conn.recv(1) == b"i"
print("done")
)";

TEST(SeccompPrograms, UntrustedRunsPython) {
    if (::access(kPython, X_OK) != 0) {
        GTEST_SKIP() << kPython << " is not installed";
    }
    BpfProgram program = compiled(untrusted_policy());

    Outcome sum = run_program(program, {kPython, "-c", "print(1+1)"});
    EXPECT_TRUE(sum.exited_ok()) << describe(sum);
    EXPECT_EQ(sum.output, "2\n");

    Outcome work = run_program(program, {kPython, "-c", kPythonWorkload});
    EXPECT_TRUE(work.exited_ok()) << describe(work);
    EXPECT_EQ(work.output, "child\ndone\n");

    Outcome sh = run_program(program, {"/bin/sh", "-c", "echo hi | cat; ls / >/dev/null"});
    EXPECT_TRUE(sh.exited_ok()) << describe(sh);
    EXPECT_EQ(sh.output, "hi\n");
}

TEST(SeccompPrograms, DockerLikeRunsShellAndPython) {
    BpfProgram program = compiled(docker_like_policy(0));
    Outcome sh = run_program(program, {"/bin/sh", "-c", "echo hi | cat; ls / >/dev/null"});
    EXPECT_TRUE(sh.exited_ok()) << describe(sh);
    EXPECT_EQ(sh.output, "hi\n");
    if (::access(kPython, X_OK) != 0) {
        GTEST_SKIP() << kPython << " is not installed";
    }
    Outcome work = run_program(program, {kPython, "-c", kPythonWorkload});
    EXPECT_TRUE(work.exited_ok()) << describe(work);
    EXPECT_EQ(work.output, "child\ndone\n");
}

// ---------------------------------------------------------------------------------------------
// Conformance with Docker's own profile file.

// A rule reduced to text, so that two policies compare as sets: "name action errno args".
std::string rule_key(const std::string& name, const std::string& action, int err,
                     const std::vector<ArgCondition>& args) {
    std::ostringstream key;
    key << name << ' ' << action << ' ' << err;
    for (const ArgCondition& arg : args) {
        key << " arg" << arg.index << ':' << static_cast<int>(arg.op) << ':' << arg.value << ':'
            << arg.value_two;
    }
    return key.str();
}

std::set<std::string> policy_keys(const SyscallPolicy& policy) {
    std::set<std::string> keys;
    for (const std::string& name : policy.allowed) {
        keys.insert(rule_key(name, "allow", 0, {}));
    }
    for (const std::string& name : policy.blocked) {
        keys.insert(rule_key(name, "errno", EPERM, {}));
    }
    for (const SyscallRule& rule : policy.rules) {
        bool errno_ret = rule.action == SyscallAction::errno_ret;
        for (const std::string& name : rule.names) {
            keys.insert(rule_key(name, errno_ret ? "errno" : "allow",
                                 errno_ret ? rule.errno_value : 0, rule.args));
        }
    }
    return keys;
}

// "6.1.0-18-amd64" -> {6, 1}
std::pair<int, int> kernel_version(const std::string& release) {
    int major = 0;
    int minor = 0;
    std::sscanf(release.c_str(), "%d.%d", &major, &minor);
    return {major, minor};
}

std::pair<int, int> running_kernel() {
    utsname uts{};
    ::uname(&uts);
    return kernel_version(uts.release);
}

bool held(const nlohmann::json& caps, CapSet have) {
    for (const auto& name : caps) {
        auto cap = capability_from_name(name.get<std::string>());
        if (cap && (have & cap_bit(*cap)) != 0) {
            return true;
        }
    }
    return false;
}

// Docker's reading of one entry's includes (all must hold) and excludes (none may), on an
// amd64 host with `caps` and the running kernel.
bool applies(const nlohmann::json& entry, CapSet caps) {
    auto arch_listed = [](const nlohmann::json& cond) {
        const auto& arches = cond.value("arches", nlohmann::json::array());
        return std::find(arches.begin(), arches.end(), "amd64") != arches.end();
    };
    auto kernel_at_least = [](const nlohmann::json& cond) {
        return running_kernel() >= kernel_version(cond["minKernel"].get<std::string>());
    };
    if (entry.contains("includes") && !entry["includes"].is_null()) {
        const auto& inc = entry["includes"];
        if (inc.contains("arches") && !inc["arches"].empty() && !arch_listed(inc)) {
            return false;
        }
        if (inc.contains("caps") && !inc["caps"].empty()) {
            for (const auto& cap : inc["caps"]) {
                if (!held(nlohmann::json::array({cap}), caps)) {
                    return false;
                }
            }
        }
        if (inc.contains("minKernel") && !kernel_at_least(inc)) {
            return false;
        }
    }
    if (entry.contains("excludes") && !entry["excludes"].is_null()) {
        const auto& exc = entry["excludes"];
        if ((exc.contains("arches") && arch_listed(exc)) ||
            (exc.contains("caps") && held(exc["caps"], caps)) ||
            (exc.contains("minKernel") && kernel_at_least(exc))) {
            return false;
        }
    }
    return true;
}

ArgCondition::Op docker_op(const std::string& op) {
    static const std::pair<const char*, ArgCondition::Op> kOps[] = {
        {"SCMP_CMP_EQ", ArgCondition::Op::eq},
        {"SCMP_CMP_NE", ArgCondition::Op::ne},
        {"SCMP_CMP_LT", ArgCondition::Op::lt},
        {"SCMP_CMP_LE", ArgCondition::Op::le},
        {"SCMP_CMP_GT", ArgCondition::Op::gt},
        {"SCMP_CMP_GE", ArgCondition::Op::ge},
        {"SCMP_CMP_MASKED_EQ", ArgCondition::Op::masked_eq},
    };
    for (const auto& [name, value] : kOps) {
        if (op == name) {
            return value;
        }
    }
    ADD_FAILURE() << "unexpected op " << op;
    return ArgCondition::Op::eq;
}

bool known_to_libseccomp(const std::string& name) {
    return seccomp_syscall_resolve_name(name.c_str()) != __NR_SCMP_ERROR;
}

// Docker's profile read independently of containerv's code. Names the linked libseccomp cannot
// resolve go to `unknown` instead: no filter built with this libseccomp can name them.
std::set<std::string> docker_keys(const nlohmann::json& profile, CapSet caps,
                                  std::set<std::string>& unknown) {
    std::set<std::string> keys;
    for (const auto& entry : profile["syscalls"]) {
        if (!applies(entry, caps)) {
            continue;
        }
        std::vector<ArgCondition> args;
        for (const auto& arg : entry.value("args", nlohmann::json::array())) {
            args.push_back(ArgCondition{
                arg["index"].get<unsigned>(), docker_op(arg["op"].get<std::string>()),
                arg["value"].get<std::uint64_t>(), arg.value("valueTwo", std::uint64_t{0})});
        }
        std::string action = entry["action"].get<std::string>();
        EXPECT_TRUE(action == "SCMP_ACT_ALLOW" || action == "SCMP_ACT_ERRNO") << action;
        bool errno_ret = action == "SCMP_ACT_ERRNO";
        int err = errno_ret ? entry.value("errnoRet", EPERM) : 0;
        std::vector<std::string> names;
        if (entry.contains("names")) {
            names = entry["names"].get<std::vector<std::string>>();
        } else {
            names.push_back(entry["name"].get<std::string>());
        }
        for (const std::string& name : names) {
            if (!known_to_libseccomp(name)) {
                unknown.insert(name);
                continue;
            }
            keys.insert(rule_key(name, errno_ret ? "errno" : "allow", err, args));
        }
    }
    return keys;
}

std::string difference(const std::set<std::string>& a, const std::set<std::string>& b) {
    std::string out;
    for (const std::string& key : a) {
        if (!b.contains(key)) {
            out += "\n  " + key;
        }
    }
    return out;
}

TEST(SeccompConformance, DockerLikePolicyMatchesMobyDefault) {
    std::string path = CONTAINERV_SOURCE_DIR "/../shared/fixtures/seccomp/moby-default.json";
    std::ifstream file(path);
    if (!file) {
        GTEST_SKIP() << "Docker's profile is not at " << path;
    }
    nlohmann::json profile = nlohmann::json::parse(file);
    ASSERT_EQ(profile["defaultAction"], "SCMP_ACT_ERRNO");
    EXPECT_EQ(docker_like_policy(0).default_action, SyscallAction::errno_ret);
    EXPECT_EQ(docker_like_policy(0).default_errno, profile.value("defaultErrnoRet", EPERM));

    // No capability, each capability Docker names on its own, and all of them.
    std::vector<CapSet> cap_sets{0, all_caps()};
    for (const auto& entry : profile["syscalls"]) {
        if (entry.contains("includes") && entry["includes"].contains("caps")) {
            for (const auto& name : entry["includes"]["caps"]) {
                auto cap = capability_from_name(name.get<std::string>());
                ASSERT_TRUE(cap) << name;
                cap_sets.push_back(cap_bit(*cap));
            }
        }
    }

    std::set<std::string> unknown;
    for (CapSet caps : cap_sets) {
        std::set<std::string> docker = docker_keys(profile, caps, unknown);
        std::set<std::string> ours = policy_keys(docker_like_policy(caps));
        EXPECT_EQ(docker, ours) << "caps " << std::hex << caps
                                << "\nDocker only:" << difference(docker, ours)
                                << "\ncontainerv only:" << difference(ours, docker);
    }

    std::string names;
    for (const std::string& name : unknown) {
        names += " " + name;
    }
    RecordProperty("unknown_to_libseccomp", names);
    const scmp_version* version = seccomp_version();
    std::printf("names libseccomp %u.%u.%u cannot resolve (left to the default action):%s\n",
                version->major, version->minor, version->micro, names.c_str());
}

// The untrusted list is a subset of what Docker allows without capabilities, plus clone under
// the same rule.
TEST(SeccompConformance, UntrustedIsNarrowerThanDockerLike) {
    SyscallPolicy docker = docker_like_policy(0);
    std::set<std::string> docker_allowed(docker.allowed.begin(), docker.allowed.end());
    for (const std::string& name : untrusted_policy().allowed) {
        EXPECT_TRUE(docker_allowed.contains(name)) << name;
    }
    for (const std::string& name : base_syscalls()) {
        EXPECT_TRUE(docker_allowed.contains(name) || name == "clone") << name;
    }
}

}  // namespace
}  // namespace containerv::seccomp
