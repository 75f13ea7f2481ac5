// run --explain from the outside: real sandboxes, real refused calls. Each test checks both
// what the report on stderr says (syscall, rule, where the profile writes it) and that the
// call was still refused with exactly the profile's errno: explaining must never let a call
// through or change its answer.
#include "sandbox_run.hpp"

#include <csignal>
#include <fstream>
#include <sstream>

namespace cvtest {
namespace {

// 77 (EBADFD): no ordinary failure of uname gives it, so only the filter can have.
constexpr const char* kTestErrno = "77";

class RootlessExplain : public ::testing::Test {
protected:
    void SetUp() override { CV_SKIP_IF_KERNEL_LACKS_SANDBOX(); }

    std::string write_profile(const std::string& name, const std::string& text) {
        std::string path = dir_.path() + "/" + name + ".json";
        std::ofstream(path) << text;
        return path;
    }

    Outcome run_probe(const std::string& profile, const std::vector<std::string>& args,
                      const std::vector<std::string>& options = {"--explain"}) {
        std::vector<std::string> command{probe_in_sandbox()};
        command.insert(command.end(), args.begin(), args.end());
        return containerv(run_args(profile, command, options));
    }

    // The stderr lines of the explain reports.
    static std::vector<std::string> reports(const Outcome& outcome) {
        std::vector<std::string> out;
        for (const auto& line : outcome.err_lines()) {
            if (line.rfind("containerv: explain: cv-probe", 0) == 0) out.push_back(line);
        }
        return out;
    }

    static bool has(const std::string& text, const std::string& part) {
        return text.find(part) != std::string::npos;
    }

    TempDir dir_;
};

TEST_F(RootlessExplain, ErrnoRuleIsNamedAndAnsweredWithItsExactErrno) {
    std::string profile =
        write_profile("uname77", R"({"syscalls": {"default_action": "allow", "rules": [)"
                                 R"({"names": ["getppid"], "action": "allow"},)"
                                 R"({"names": ["uname"], "action": "errno", "errno": 77}]}})");
    Outcome outcome = run_probe(profile, {"syscall", "uname"});
    ASSERT_EQ(outcome.code(), 0) << outcome.describe();
    auto report = parse_report(outcome.out);
    EXPECT_EQ(report["errno"], kTestErrno) << outcome.describe();
    EXPECT_EQ(report["result"], "E77") << outcome.describe();

    auto lines = reports(outcome);
    ASSERT_EQ(lines.size(), 1U) << outcome.describe();
    EXPECT_TRUE(has(lines[0], "uname(")) << lines[0];
    EXPECT_TRUE(has(lines[0], "[x86_64 syscall 63]")) << lines[0];
    EXPECT_TRUE(has(lines[0], "errno 77 (EBADFD)")) << lines[0];
    EXPECT_TRUE(has(lines[0], "by syscalls.rules[1]")) << lines[0];
    EXPECT_TRUE(has(lines[0], "profile " + profile + " at JSON pointer /syscalls/rules/1"))
        << lines[0];

    // The same answer without --explain: the mode changes the report, not the decision.
    Outcome plain = run_probe(profile, {"syscall", "uname"}, {});
    EXPECT_EQ(parse_report(plain.out)["result"], "E77") << plain.describe();
    EXPECT_TRUE(reports(plain).empty()) << plain.describe();
}

// Refused twice, by two processes: reported once (once per syscall and rule), answered
// both times.
TEST_F(RootlessExplain, EachSyscallAndRuleIsReportedOnce) {
    std::string profile = write_profile(
        "uname77-twice", R"({"syscalls": {"default_action": "allow", "rules": [)"
                         R"({"names": ["uname"], "action": "errno", "errno": 77}]}})");
    const std::string probe = probe_in_sandbox();
    Outcome outcome = containerv(
        run_args(profile, {"/bin/sh", "-c", probe + " syscall uname; " + probe + " syscall uname"},
                 {"--explain"}));
    ASSERT_EQ(outcome.code(), 0) << outcome.describe();
    // Both runs of the probe got the rule's errno.
    std::size_t answered = 0;
    for (std::size_t at = 0; (at = outcome.out.find("result=E77\n", at)) != std::string::npos; ++at)
        ++answered;
    EXPECT_EQ(answered, 2U) << outcome.describe();
    EXPECT_EQ(reports(outcome).size(), 1U) << outcome.describe();
}

// x32 calls reach the filter as x86-64's arch with bit 30 in the number; the rule that
// decided them on x32 is the one named, and its errno the answer. The filter sees them
// whether or not the kernel runs x32 code, so no skip.
TEST_F(RootlessExplain, X32CallIsAttributedToItsRule) {
    std::string profile = write_profile(
        "x32-uname77", R"({"extends": "default", "syscalls": {"allowed": ["-uname"],)"
                       R"( "rules": [{"names": ["uname"], "action": "errno", "errno": 77}]}})");
    Outcome outcome = run_probe(profile, {"x32", "63", "buf"});
    ASSERT_EQ(outcome.code(), 0) << outcome.describe();
    EXPECT_EQ(parse_report(outcome.out)["errno"], kTestErrno) << outcome.describe();
    auto lines = reports(outcome);
    ASSERT_EQ(lines.size(), 1U) << outcome.describe();
    EXPECT_TRUE(has(lines[0], "uname(")) << lines[0];
    EXPECT_TRUE(has(lines[0], "[x32 syscall " + std::to_string(0x40000000 | 63) + "]")) << lines[0];
    EXPECT_TRUE(has(lines[0], "errno 77 (EBADFD) by syscalls.rules[")) << lines[0];
}

TEST_F(RootlessExplain, DefaultErrnoIsNamedAsTheDefaultAction) {
    // Deny by default with errno 77; the probe's start-up calls are allowed.
    std::string profile = write_profile(
        "deny77", R"({"syscalls": {"default_action": "errno", "default_errno": 77,)"
                  R"( "allowed": ["execve", "brk", "arch_prctl", "set_tid_address",)"
                  R"( "set_robust_list", "rseq", "prlimit64", "mprotect", "mmap", "munmap",)"
                  R"( "readlink", "getrandom", "write", "writev", "exit", "exit_group",)"
                  R"( "getpid", "newfstatat", "fstat", "ioctl", "futex", "rt_sigprocmask",)"
                  R"( "rt_sigaction", "close", "lseek", "uname"]}})");
    Outcome outcome = run_probe(profile, {"reboot"});
    ASSERT_EQ(outcome.code(), 0) << outcome.describe();
    EXPECT_EQ(parse_report(outcome.out)["result"], "E77") << outcome.describe();
    bool named = false;
    for (const auto& line : reports(outcome)) {
        if (!has(line, "reboot(")) continue;
        named = true;
        EXPECT_TRUE(has(line, "cmd=0xbadc0de")) << line;
        EXPECT_TRUE(has(line, "errno 77 (EBADFD)")) << line;
        EXPECT_TRUE(has(line, "by the default action (syscalls.default_action)")) << line;
        EXPECT_TRUE(has(line, "at JSON pointer /syscalls/default_action")) << line;
    }
    EXPECT_TRUE(named) << outcome.describe();
}

// The escape probes under the built-in profiles: each refused call named with its rule, and
// still refused with EPERM.
TEST_F(RootlessExplain, EscapeProbesAreNamedUnderBuiltInProfiles) {
    struct Case {
        std::string profile;
        std::vector<std::string> args;
        std::string call;
        std::string rule;
    };
    const std::vector<Case> cases = {
        {"default", {"mount"}, "mount(", "the default action"},
        {"default", {"reboot"}, "reboot(", "the default action"},
        {"default", {"unshare", "user"}, "unshare(flags=CLONE_NEWUSER)", "the default action"},
        {"untrusted", {"ptrace", "1"}, "ptrace(request=PTRACE_SEIZE, pid=1)", "the default action"},
        {"untrusted", {"mount"}, "mount(", "the default action"},
    };
    for (const Case& c : cases) {
        Outcome outcome = run_probe(c.profile, c.args);
        EXPECT_EQ(outcome.code(), 0) << outcome.describe();
        EXPECT_EQ(parse_report(outcome.out)["result"], "EPERM") << outcome.describe();
        bool named = false;
        for (const auto& line : reports(outcome)) {
            if (!has(line, c.call)) continue;
            named = true;
            EXPECT_TRUE(has(line, "errno 1 (EPERM)")) << line;
            EXPECT_TRUE(has(line, "by " + c.rule)) << line;
            EXPECT_TRUE(has(line, "built-in profile \"" + c.profile + "\"")) << line;
        }
        EXPECT_TRUE(named) << c.profile << " " << c.call << "\n" << outcome.describe();
    }
}

TEST_F(RootlessExplain, BlockedMountIsNamedWithItsBlockedEntry) {
    std::string profile =
        write_profile("nomount", R"({"extends": "default", "syscalls": {"blocked": ["mount"]}})");
    Outcome outcome = run_probe(profile, {"mount"});
    EXPECT_EQ(outcome.code(), 0) << outcome.describe();
    EXPECT_EQ(parse_report(outcome.out)["result"], "EPERM") << outcome.describe();
    auto lines = reports(outcome);
    ASSERT_EQ(lines.size(), 1U) << outcome.describe();
    EXPECT_TRUE(has(lines[0], "mount(source=")) << lines[0];
    EXPECT_TRUE(has(lines[0], "flags=MS_BIND")) << lines[0];
    EXPECT_TRUE(has(lines[0], "by syscalls.blocked[")) << lines[0];
    EXPECT_TRUE(has(lines[0], "at JSON pointer /syscalls/blocked/")) << lines[0];
}

// mount allowed by the filter still fails the kernel's capability check: explain says which
// capability the caller lacked, and the call ran (EPERM from the kernel, not from the filter).
TEST_F(RootlessExplain, CapabilityCheckedCallAllowedByTheFilterIsExplained) {
    std::string profile = write_profile(
        "mount-allowed", R"({"extends": "default", "syscalls": {"allowed": ["mount"]}})");
    Outcome outcome = run_probe(profile, {"mount"});
    EXPECT_EQ(outcome.code(), 0) << outcome.describe();
    EXPECT_EQ(parse_report(outcome.out)["result"], "EPERM") << outcome.describe();
    auto lines = reports(outcome);
    ASSERT_EQ(lines.size(), 1U) << outcome.describe();
    EXPECT_TRUE(has(lines[0], "mount(source=")) << lines[0];
    EXPECT_TRUE(has(lines[0], "allowed by the filter (syscalls.allowed[")) << lines[0];
    EXPECT_TRUE(has(lines[0], "lack CAP_SYS_ADMIN")) << lines[0];
    EXPECT_TRUE(has(lines[0], "capabilities.allowed in profile " + profile)) << lines[0];
}

TEST_F(RootlessExplain, KillStaysAKillAndSaysWhatCannotBeAttributed) {
    std::string profile =
        write_profile("kill", R"({"syscalls": {"default_action": "allow",)"
                              R"( "rules": [{"names": ["uname"], "action": "kill"}]}})");
    Outcome outcome = run_probe(profile, {"syscall", "uname"});
    EXPECT_EQ(outcome.code(), 128 + SIGSYS) << outcome.describe();
    EXPECT_EQ(parse_report(outcome.out).count("result"), 0U) << outcome.describe();
    bool said = false;
    for (const auto& line : outcome.err_lines()) {
        if (has(line, "containerv: explain: the command ended with status 159")) {
            said = true;
            EXPECT_TRUE(has(line, "kill or trap rules: uname")) << line;
            EXPECT_TRUE(has(line, "cannot be attributed")) << line;
        }
    }
    EXPECT_TRUE(said) << outcome.describe();
}

TEST_F(RootlessExplain, JsonReportsOneObjectPerRefusedCall) {
    std::string profile =
        write_profile("uname77", R"({"syscalls": {"default_action": "allow", "rules": [)"
                                 R"({"names": ["uname"], "action": "errno", "errno": 77}]}})");
    std::string json = dir_.path() + "/denials.jsonl";
    Outcome outcome = run_probe(profile, {"syscall", "uname"}, {"--explain-json", json});
    ASSERT_EQ(outcome.code(), 0) << outcome.describe();
    EXPECT_EQ(parse_report(outcome.out)["result"], "E77") << outcome.describe();
    std::ifstream in(json);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_TRUE(has(text.str(), R"("syscall":"uname")")) << text.str();
    EXPECT_TRUE(has(text.str(), R"("errno":77)")) << text.str();
    EXPECT_TRUE(has(text.str(), R"("pointer":"/syscalls/rules/0")")) << text.str();
}

// The machine-readable exit report carries the same reports (run --report json:FILE).
TEST_F(RootlessExplain, ExitReportCarriesTheDenials) {
    std::string profile =
        write_profile("uname78", R"({"syscalls": {"default_action": "allow", "rules": [)"
                                 R"({"names": ["uname"], "action": "errno", "errno": 78}]}})");
    std::string report = dir_.path() + "/report.json";
    Outcome outcome =
        run_probe(profile, {"syscall", "uname"}, {"--explain", "--report", "json:" + report});
    ASSERT_EQ(outcome.code(), 0) << outcome.describe();
    std::ifstream in(report);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_TRUE(has(text.str(), R"("denials":[{)")) << text.str();
    EXPECT_TRUE(has(text.str(), R"("errno":78)")) << text.str();
    EXPECT_TRUE(has(text.str(), R"("pointer":"/syscalls/rules/0")")) << text.str();
}

}  // namespace
}  // namespace cvtest
