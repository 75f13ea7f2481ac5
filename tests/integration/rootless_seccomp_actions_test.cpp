// Every seccomp action, observed from inside real sandboxes by cv-probe's raw system calls: the
// errno a rule names, death by SIGSYS, a SIGSYS handler, the kernel's answer without a tracer,
// a logged call that goes through. Then the compat entry points (i386's int 0x80, x32 numbers),
// clone3 under the default profile, and Docker's argument rules for socket, personality and
// clone.
#include "sandbox_run.hpp"

#include <csignal>
#include <fstream>

namespace cvtest {
namespace {

// The calls the probe issues and their numbers on each ABI of x86-64. uname is the call the
// rules aim at: nothing else in the probe's path uses it, and allowed it cannot fail.
constexpr const char* kUnameX86_64 = "63";
constexpr const char* kUnameI386 = "122";
constexpr const char* kGetppidI386 = "64";
constexpr const char* kGetpidI386 = "20";

// 77 (EBADFD): no ordinary failure of these calls gives it, so only the filter can have.
constexpr const char* kTestErrno = "77";

// AUDIT_ARCH_X86_64, as the kernel reports it in siginfo's si_arch.
constexpr const char* kAuditArchX86_64 = "0xc000003e";

// The shell's code for a command killed by SIGSYS, which containerv passes on.
constexpr int kKilledBySigsys = 128 + SIGSYS;

// Default allow, and one rule for uname with ACTION (and its errno when given).
std::string uname_rule_profile(const std::string& action, const std::string& errno_member = "") {
    return R"({"syscalls": {"default_action": "allow",)"
           R"( "rules": [{"names": ["uname"], "action": ")" +
           action + "\"" + errno_member + "}]}}";
}

// The default profile (Docker's list on every ABI) with uname taken out of the allow-list and
// answered with the test errno; LEVEL_MEMBER may raise the level.
std::string default_with_uname_errno(const std::string& level_member = "") {
    return R"({"extends": "default",)" + level_member +
           R"( "syscalls": {"allowed": ["-uname"], "rules": [{"names": ["uname"], "action": "errno",
           "errno": 77}]}})";
}

class RootlessSeccompActions : public ::testing::Test {
protected:
    void SetUp() override { CV_SKIP_IF_KERNEL_LACKS_SANDBOX(); }

    // Writes TEXT as NAME.json in the test's directory and returns the path, which
    // `run --profile` takes as a file.
    std::string write_profile(const std::string& name, const std::string& text) {
        std::string path = dir_.path() + "/" + name + ".json";
        std::ofstream(path) << text;
        return path;
    }

    // `run --profile PROFILE -- cv-probe ARGS...`, waited for.
    Outcome run_probe(const std::string& profile, const std::vector<std::string>& args) {
        std::vector<std::string> command{probe_in_sandbox()};
        command.insert(command.end(), args.begin(), args.end());
        return containerv(run_args(profile, command));
    }

    // The probe was killed at the call: containerv exits with the shell's code for SIGSYS, and
    // the probe printed the number it was about to call (so it got that far) and no result.
    void expect_killed_at_call(const Outcome& outcome, const std::string& nr) {
        EXPECT_TRUE(outcome.exited()) << outcome.describe();
        EXPECT_EQ(outcome.code(), kKilledBySigsys) << outcome.describe();
        auto report = parse_report(outcome.out);
        EXPECT_EQ(report["nr"], nr) << outcome.describe();
        EXPECT_EQ(report.count("result"), 0U) << outcome.describe();
        EXPECT_EQ(report.count("ret"), 0U) << outcome.describe();
        EXPECT_EQ(report.count("errno"), 0U) << outcome.describe();
    }

    TempDir dir_;
};

TEST_F(RootlessSeccompActions, ErrnoRuleReturnsItsErrnoExactly) {
    std::string profile = write_profile(
        "errno", uname_rule_profile("errno", std::string(R"(, "errno": )") + kTestErrno));
    auto report = probe(profile, {"syscall", "uname"});
    EXPECT_EQ(report["nr"], kUnameX86_64) << ::testing::PrintToString(report);
    EXPECT_EQ(report["errno"], kTestErrno) << ::testing::PrintToString(report);
    EXPECT_EQ(report["result"], "E77") << ::testing::PrintToString(report);

    // Only uname: the default action lets the rest through.
    report = probe(profile, {"syscall", "getppid"});
    EXPECT_EQ(report["result"], "ok") << ::testing::PrintToString(report);
}

TEST_F(RootlessSeccompActions, KillRuleKillsTheCommandBySigsys) {
    std::string profile = write_profile("kill", uname_rule_profile("kill"));
    expect_killed_at_call(run_probe(profile, {"syscall", "uname"}), kUnameX86_64);
}

TEST_F(RootlessSeccompActions, TrapRuleRunsTheSigsysHandler) {
    std::string profile = write_profile("trap", uname_rule_profile("trap"));
    auto report = probe(profile, {"syscall", "--trap", "uname"});
    EXPECT_EQ(report["sigsys"], "1") << ::testing::PrintToString(report);
    EXPECT_EQ(report["syscall"], kUnameX86_64) << ::testing::PrintToString(report);
    EXPECT_EQ(report["arch"], kAuditArchX86_64) << ::testing::PrintToString(report);
    // The handler makes the skipped call return ENOSYS.
    EXPECT_EQ(report["result"], "ENOSYS") << ::testing::PrintToString(report);

    // Without a handler, SIGSYS's default action ends the process.
    expect_killed_at_call(run_probe(profile, {"syscall", "uname"}), kUnameX86_64);
}

TEST_F(RootlessSeccompActions, TraceRuleWithoutATracerAnswersEnosys) {
    std::string profile = write_profile("trace", uname_rule_profile("trace"));
    auto report = probe(profile, {"syscall", "uname"});
    EXPECT_EQ(report["errno"], "38") << ::testing::PrintToString(report);
    EXPECT_EQ(report["result"], "ENOSYS") << ::testing::PrintToString(report);
}

TEST_F(RootlessSeccompActions, LogRuleLetsTheCallThrough) {
    std::string profile = write_profile("log", uname_rule_profile("log"));
    auto report = probe(profile, {"syscall", "uname"});
    EXPECT_EQ(report["ret"], "0") << ::testing::PrintToString(report);
    EXPECT_EQ(report["result"], "ok") << ::testing::PrintToString(report);
}

#if defined(__x86_64__)
// Why int 0x80 cannot be checked here, or nothing: the probe calls getpid through it outside
// any sandbox and filter. A kernel without IA32 emulation answers ENOSYS or kills the probe.
std::optional<std::string> missing_i386_entry() {
    Child child({probe_path(), "int80", kGetpidI386});
    Outcome outcome = child.wait(10s);
    auto report = parse_report(outcome.out);
    if (outcome.code() == 0 && report["result"] == "ok") return std::nullopt;
    return "int 0x80 does not work on this kernel (no IA32 emulation?): cv-probe int80 " +
           std::string(kGetpidI386) + " outside a sandbox gave " + outcome.describe();
}

#define CV_SKIP_IF_KERNEL_LACKS_I386() CV_SKIP_IF(missing_i386_entry())

TEST_F(RootlessSeccompActions, RestrictedRuleHoldsThroughInt80) {
    CV_SKIP_IF_KERNEL_LACKS_I386();
    std::string profile = write_profile("restricted-i386", default_with_uname_errno());

    auto report = probe(profile, {"int80", kUnameI386, "buf"});
    EXPECT_EQ(report["abi"], "i386") << ::testing::PrintToString(report);
    EXPECT_EQ(report["errno"], kTestErrno) << ::testing::PrintToString(report);

    // The door itself is open at this level: an allowed call goes through.
    report = probe(profile, {"int80", kGetppidI386});
    EXPECT_EQ(report["result"], "ok") << ::testing::PrintToString(report);
}

// socketcall carries socket with its arguments behind a pointer: allowed, it would let
// socketcall(SYS_SOCKET, {AF_VSOCK, ...}) past socket's family rule. The probe's zeroed
// buffer asks for socket(0, 0, 0), which the kernel would refuse with EAFNOSUPPORT.
TEST_F(RootlessSeccompActions, DefaultRefusesSocketcallWhoseArgumentsItCannotSee) {
    CV_SKIP_IF_KERNEL_LACKS_I386();
    auto report = probe("default", {"int80", "102", "1", "buf"});
    EXPECT_EQ(report["abi"], "i386") << ::testing::PrintToString(report);
    EXPECT_EQ(report["result"], "EPERM") << ::testing::PrintToString(report);
}

TEST_F(RootlessSeccompActions, StrictKillsCallsThroughInt80) {
    CV_SKIP_IF_KERNEL_LACKS_I386();
    std::string profile =
        write_profile("strict-i386", default_with_uname_errno(R"( "level": "strict",)"));
    expect_killed_at_call(run_probe(profile, {"int80", kUnameI386, "buf"}), kUnameI386);
    // Any call, allowed on the native ABI or not.
    expect_killed_at_call(run_probe(profile, {"int80", kGetppidI386}), kGetppidI386);
}
#endif

// The filter sees x32 numbers whether or not the kernel was built with x32 (a kernel without
// it answers ENOSYS after the filter), so these need no skip.
TEST_F(RootlessSeccompActions, RestrictedRuleHoldsForX32Numbers) {
    std::string profile = write_profile("restricted-x32", default_with_uname_errno());
    auto report = probe(profile, {"x32", kUnameX86_64, "buf"});
    EXPECT_EQ(report["abi"], "x32") << ::testing::PrintToString(report);
    EXPECT_EQ(report["nr"], std::to_string(0x40000000 | 63)) << ::testing::PrintToString(report);
    EXPECT_EQ(report["errno"], kTestErrno) << ::testing::PrintToString(report);

    // The native ABI too.
    report = probe(profile, {"syscall", "uname"});
    EXPECT_EQ(report["errno"], kTestErrno) << ::testing::PrintToString(report);
}

TEST_F(RootlessSeccompActions, StrictKillsX32Numbers) {
    std::string profile =
        write_profile("strict-x32", default_with_uname_errno(R"( "level": "strict",)"));
    expect_killed_at_call(run_probe(profile, {"x32", kUnameX86_64, "buf"}),
                          std::to_string(0x40000000 | 63));
    expect_killed_at_call(run_probe(profile, {"x32", "getppid"}), std::to_string(0x40000000 | 110));

    // The native ABI keeps its rules at strict.
    auto report = probe(profile, {"syscall", "uname"});
    EXPECT_EQ(report["errno"], kTestErrno) << ::testing::PrintToString(report);
    report = probe(profile, {"syscall", "getppid"});
    EXPECT_EQ(report["result"], "ok") << ::testing::PrintToString(report);
}

// glibc 2.34+ creates threads with clone3 and falls back to clone only on ENOSYS; the default
// profile answers clone3 with ENOSYS (clone3(NULL, 0) unfiltered is EINVAL).
TEST_F(RootlessSeccompActions, DefaultProfileLetsClone3ProgramsMakeThreadsAndProcesses) {
    auto report = probe("default", {"syscall", "clone3"});
    EXPECT_EQ(report["result"], "ENOSYS") << ::testing::PrintToString(report);

    report = probe("default", {"threads", "4"});
    EXPECT_EQ(report["threads"], "4") << ::testing::PrintToString(report);
    EXPECT_EQ(report["child"], "exited:0") << ::testing::PrintToString(report);
    EXPECT_EQ(report["result"], "ok") << ::testing::PrintToString(report);
}

// Docker's argument rules, as docker_like_policy writes them for a profile without
// CAP_SYS_ADMIN: socket for every family but AF_ALG and AF_VSOCK, personality for five values,
// clone without CLONE_NEW* flags. REFUSED is the errno the refusals give.
void expect_docker_argument_rules(const std::string& profile, const std::string& refused) {
    auto result = [&](const std::vector<std::string>& args) {
        std::vector<std::string> call{"syscall"};
        call.insert(call.end(), args.begin(), args.end());
        return probe(profile, call)["result"];
    };
    // socket(AF_VSOCK, SOCK_STREAM, 0) and socket(AF_UNIX, SOCK_STREAM, 0).
    EXPECT_EQ(result({"socket", "40", "1", "0"}), refused);
    EXPECT_EQ(result({"socket", "1", "1", "0"}), "ok");
    // The kernel reads the family as an int: with bit 32 set it is still AF_VSOCK.
    EXPECT_EQ(result({"socket", "0x100000028", "1", "0"}), "EINVAL");

    // The query (0xffffffff) and ADDR_NO_RANDOMIZE (0x0040000).
    EXPECT_EQ(result({"personality", "0xffffffff"}), "ok");
    EXPECT_EQ(result({"personality", "0x0040000"}), refused);

    // CLONE_NEWUSER | SIGCHLD, and a plain fork (SIGCHLD).
    EXPECT_EQ(result({"clone", "0x10000011"}), refused);
    EXPECT_EQ(result({"clone", "17"}), "ok");
}

TEST_F(RootlessSeccompActions, DockerArgumentRulesHoldInsideTheDefaultProfile) {
    expect_docker_argument_rules("default", "EPERM");

    // The same with the default errno changed: the refusals are the filter's, not the kernel's.
    std::string profile =
        write_profile("default-77", R"({"extends": "default", "syscalls": {"default_errno": 77}})");
    expect_docker_argument_rules(profile, "E77");
}

}  // namespace
}  // namespace cvtest
