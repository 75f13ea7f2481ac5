// containerv run --seccomp: a Docker-format policy file in place of the profile's syscall
// section, and "unconfined", which a paranoid profile refuses.
#include "sandbox_run.hpp"

#include <fstream>

namespace cvtest {
namespace {

// Default allow; mkdir, mkdirat and reboot answer 77 (EBADFD), an errno no ordinary failure of
// these calls gives, so only the filter can have produced it.
constexpr const char* kDockerPolicy = R"({
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [
    {"names": ["mkdir", "mkdirat", "reboot"], "action": "SCMP_ACT_ERRNO", "errnoRet": 77}
  ]
})";

class RootlessSeccompImport : public ::testing::Test {
protected:
    void SetUp() override { CV_SKIP_IF_KERNEL_LACKS_SANDBOX(); }

    std::string write_policy(const std::string& text) {
        std::string path = dir_.path() + "/policy.json";
        std::ofstream(path) << text;
        return path;
    }

    TempDir dir_;
};

TEST_F(RootlessSeccompImport, DockerPolicyFileReplacesTheProfilesSyscalls) {
    std::string policy = write_policy(kDockerPolicy);

    auto report = probe("default", {"reboot"}, {"--seccomp", policy});
    EXPECT_EQ(report["result"], "E77");

    Outcome outcome = containerv(run_args(
        "default", {"sh", "-c", "mkdir /tmp/cv-import 2>&1; echo rc=$?"}, {"--seccomp", policy}));
    EXPECT_EQ(outcome.code(), 0) << outcome.describe();
    EXPECT_NE(outcome.out.find("File descriptor in bad state"), std::string::npos)
        << outcome.describe();
    EXPECT_NE(outcome.out.find("rc=1"), std::string::npos) << outcome.describe();
}

TEST_F(RootlessSeccompImport, DryRunNamesThePolicyFile) {
    std::string policy = write_policy(kDockerPolicy);
    Outcome outcome = containerv(run_args("default", {"true"}, {"--seccomp", policy, "--dry-run"}));
    EXPECT_EQ(outcome.code(), 0) << outcome.describe();
    EXPECT_NE(outcome.out.find("(--seccomp " + policy + ")"), std::string::npos)
        << outcome.describe();
}

TEST_F(RootlessSeccompImport, InvalidPolicyFileStopsTheRun) {
    std::string policy = write_policy(
        R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"],
            "action": "SCMP_ACT_ERRNO", "errnoRet": 5000}]})");
    Outcome outcome = containerv(run_args("default", {"true"}, {"--seccomp", policy}));
    EXPECT_EQ(outcome.code(), 125) << outcome.describe();
    EXPECT_NE(outcome.err.find("/syscalls/0/errnoRet"), std::string::npos) << outcome.describe();
}

TEST_F(RootlessSeccompImport, UnconfinedIsRefusedForParanoidProfiles) {
    Outcome outcome = containerv(run_args("untrusted", {"true"}, {"--seccomp", "unconfined"}));
    EXPECT_EQ(outcome.code(), 125) << outcome.describe();
    ASSERT_EQ(outcome.err_lines().size(), 1U) << outcome.describe();
    EXPECT_NE(outcome.err.find("unconfined"), std::string::npos) << outcome.describe();
}

// A policy file that allows by default is unconfined by another name.
TEST_F(RootlessSeccompImport, AllowByDefaultPolicyIsRefusedForParanoidProfiles) {
    TempDir dir;
    const std::string policy = dir.path() + "/allow-all.json";
    std::ofstream(policy) << R"({"defaultAction": "SCMP_ACT_ALLOW"})";
    Outcome outcome = containerv(run_args("untrusted", {"true"}, {"--seccomp", policy}));
    EXPECT_EQ(outcome.code(), 125) << outcome.describe();
    EXPECT_NE(outcome.err.find("is allow: refused for profile \"untrusted\", which is paranoid"),
              std::string::npos)
        << outcome.describe();
    // The same file is fine below paranoid.
    EXPECT_EQ(containerv(run_args("default", {"true"}, {"--seccomp", policy})).code(), 0);
}

TEST_F(RootlessSeccompImport, UnconfinedShowsInThePlanAndLiftsTheFilter) {
    Outcome plan =
        containerv(run_args("default", {"true"}, {"--seccomp", "unconfined", "--dry-run"}));
    EXPECT_EQ(plan.code(), 0) << plan.describe();
    EXPECT_NE(plan.out.find("unconfined by --seccomp"), std::string::npos) << plan.describe();
    EXPECT_NE(plan.err.find("without a seccomp filter"), std::string::npos) << plan.describe();

    // "Seccomp:" in /proc/self/status: 0 is no filter, 2 a filter.
    auto report = probe("default", {"status"}, {"--seccomp", "unconfined"});
    EXPECT_EQ(report["Seccomp"], "0") << ::testing::PrintToString(report);
}

// The import command needs no sandbox: it prints containerv's section and a summary.
TEST(RootlessSeccompImportCommand, PrintsContainervsSectionOrFailsWithOne) {
    TempDir dir;
    std::string path = dir.path() + "/policy.json";
    std::ofstream(path) << R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["read", "no_such_call"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["mount"], "action": "SCMP_ACT_ALLOW",
         "includes": {"caps": ["CAP_SYS_ADMIN"]}}]})";

    Outcome plain = containerv({"seccomp", "import", path});
    EXPECT_EQ(plain.code(), 0) << plain.describe();
    EXPECT_NE(plain.out.find("\"default_action\": \"errno\""), std::string::npos)
        << plain.describe();
    EXPECT_NE(plain.out.find("\"read\""), std::string::npos) << plain.describe();
    EXPECT_EQ(plain.out.find("\"mount\""), std::string::npos) << plain.describe();
    EXPECT_NE(plain.err.find("docker format"), std::string::npos) << plain.describe();
    EXPECT_NE(plain.err.find("skipped (unknown to libseccomp): no_such_call"), std::string::npos)
        << plain.describe();

    Outcome admin = containerv({"seccomp", "import", path, "--caps", "SYS_ADMIN"});
    EXPECT_EQ(admin.code(), 0) << admin.describe();
    EXPECT_NE(admin.out.find("\"mount\""), std::string::npos) << admin.describe();

    std::ofstream(path) << R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_BOGUS"}]})";
    Outcome bad = containerv({"seccomp", "import", path});
    EXPECT_EQ(bad.code(), 1) << bad.describe();
    EXPECT_NE(bad.err.find("/syscalls/0/action: unknown action"), std::string::npos)
        << bad.describe();
}

}  // namespace
}  // namespace cvtest
