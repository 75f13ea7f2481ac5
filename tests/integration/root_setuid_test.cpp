// Tests that need the host's root: a setuid-root binary is made by chown to uid 0.
#include "builtin_profiles.hpp"
#include "sandbox_run.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace cvtest {
namespace {

class RootSetuid : public ::testing::TestWithParam<BuiltinProfile> {
protected:
    void SetUp() override {
        if (::geteuid() != 0) {
            // Not a kernel feature: scripts/test runs this executable as root only.
            if (skips_forbidden()) FAIL() << "needs root to make a setuid-root file";
            GTEST_SKIP() << "needs root to make a setuid-root file (run as uid " << ::geteuid()
                         << ")";
        }
        CV_SKIP_IF_KERNEL_LACKS_SANDBOX();
        probe_dir();
    }
};

// Where the setuid copy is bound; kProbeMount holds the ordinary probe.
constexpr const char* kSetuidMount = "/media";

TEST_P(RootSetuid, SetuidRootBinaryDoesNotRaisePrivileges) {
    TempDir dir;
    const std::string copy = dir.path() + "/cv-probe-setuid";
    {
        std::ifstream in(probe_path(), std::ios::binary);
        std::ofstream out(copy, std::ios::binary);
        out << in.rdbuf();
    }
    ASSERT_EQ(::chown(copy.c_str(), 0, 0), 0) << std::strerror(errno);
    ASSERT_EQ(::chmod(copy.c_str(), 04755), 0) << std::strerror(errno);

    const BuiltinProfile& profile = GetParam();
    const std::string uid = std::to_string(profile.uid);
    char mask[32];
    std::snprintf(mask, sizeof mask, "%016llx",
                  static_cast<unsigned long long>(profile.capability_mask()));

    Outcome outcome = containerv(
        run_args(profile.name, {std::string(kSetuidMount) + "/cv-probe-setuid", "status"},
                 {"--bind", dir.path() + ":" + kSetuidMount + ":ro"}));
    ASSERT_EQ(outcome.code(), 0) << outcome.describe();
    auto report = parse_report(outcome.out);

    EXPECT_EQ(report["euid"], uid) << "the setuid bit raised the effective uid";
    EXPECT_EQ(report["Uid_all"], uid + " " + uid + " " + uid + " " + uid);
    EXPECT_EQ(report["CapEff"], mask) << "the setuid bit raised the capabilities";
    EXPECT_EQ(report["CapPrm"], mask) << "the setuid bit raised the capabilities";
}

INSTANTIATE_TEST_SUITE_P(Builtin, RootSetuid, ::testing::ValuesIn(builtin_profiles()),
                         [](const auto& info) { return test_name_of(info.param.name); });

}  // namespace
}  // namespace cvtest
