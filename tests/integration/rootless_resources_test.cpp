// rlimits (set by the command on itself: no privilege needed), the cpu-seconds limit in the
// exit report, and what a rootless run does with cgroup limits it cannot create.
#include "sandbox_run.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace cvtest {
namespace {

class RootlessResources : public ::testing::Test {
protected:
    void SetUp() override {
        CV_SKIP_IF_KERNEL_LACKS_SANDBOX();
        probe_dir();
    }

    std::string profile_with(const std::string& resources) {
        const std::string path = dir_.path() + "/limits.json";
        std::ofstream(path) << R"({"name": "limits", "extends": "default", "resources": )"
                            << resources << "}\n";
        return path;
    }

    TempDir dir_;
};

TEST_F(RootlessResources, RlimitsHoldInside) {
    const std::string profile = profile_with(
        R"({"rlimits": {"nofile": 64, "nproc": 500, "core": 0, "fsize": 1048576,
                        "cpu": 100, "as": 1073741824}})");
    auto report = probe(profile, {"rlimits"});
    EXPECT_EQ(report["rlimit_nofile"], "64/64");
    EXPECT_EQ(report["rlimit_nproc"], "500/500");
    EXPECT_EQ(report["rlimit_core"], "0/0");
    EXPECT_EQ(report["rlimit_fsize"], "1048576/1048576");
    EXPECT_EQ(report["rlimit_cpu"], "100/101");
    EXPECT_EQ(report["rlimit_as"], "1073741824/1073741824");
}

TEST_F(RootlessResources, FileSizeLimitStopsAWrite) {
    const std::string profile = profile_with(R"({"rlimits": {"fsize": 4096}})");
    Outcome outcome =
        containerv(run_args(profile, {"sh", "-c", "head -c 100000 /dev/zero > /tmp/big; echo $?"}));
    // The shell's head gets SIGXFSZ, or EFBIG when it ignores it: either way it fails.
    EXPECT_EQ(outcome.code(), 0) << outcome.describe();
    EXPECT_NE(outcome.out, "0\n") << outcome.describe();
}

TEST_F(RootlessResources, CpuSecondsLimitEndsASpinAndIsReported) {
    const std::string profile = profile_with(R"({"rlimits": {"cpu": 1}})");
    const std::string file = dir_.path() + "/report.json";
    Outcome outcome = containerv(
        run_args(profile, {probe_in_sandbox(), "spin"}, {"--report", "json:" + file}), 120s);
    EXPECT_EQ(outcome.code(), 128 + SIGXCPU) << outcome.describe();
    EXPECT_NE(outcome.err.find("sandbox ended: cpu-seconds limit"), std::string::npos)
        << outcome.describe();
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    auto json = nlohmann::json::parse(text.str());
    EXPECT_EQ(json["reason"], "cpu_limit") << json.dump();
    EXPECT_EQ(json["signal"], SIGXCPU) << json.dump();
    // The kernel samples cpu time per tick: close to the second, maybe a little under.
    EXPECT_GE(json["cpu_seconds"].get<double>(), 0.9) << json.dump();
}

TEST_F(RootlessResources, ExitReportTellsASignalFromAnExitCode) {
    const std::string file = dir_.path() + "/report.json";
    Outcome exited =
        containerv(run_args("default", {"sh", "-c", "exit 137"}, {"--report", "json:" + file}));
    EXPECT_EQ(exited.code(), 137) << exited.describe();
    {
        std::ifstream in(file);
        auto json = nlohmann::json::parse(in);
        EXPECT_EQ(json["reason"], "exited") << json.dump();
        EXPECT_EQ(json["status"], 137) << json.dump();
    }
    Outcome killed =
        containerv(run_args("default", {"sh", "-c", "kill -9 $$"}, {"--report", "json:" + file}));
    EXPECT_EQ(killed.code(), 137) << killed.describe();
    std::ifstream in(file);
    auto json = nlohmann::json::parse(in);
    EXPECT_EQ(json["reason"], "signaled") << json.dump();
    EXPECT_EQ(json["signal"], SIGKILL) << json.dump();
}

// The report lands through a temporary file of its own and never through what stands at
// FILE already: a symlink a user planted in a shared directory would otherwise make root
// overwrite its target.
TEST_F(RootlessResources, ExitReportRefusesToReplaceASymlink) {
    const std::string target = dir_.path() + "/victim";
    std::ofstream(target) << "keep\n";
    const std::string file = dir_.path() + "/report.json";
    ASSERT_EQ(::symlink(target.c_str(), file.c_str()), 0);
    Outcome outcome = containerv(run_args("default", {"true"}, {"--report", "json:" + file}));
    EXPECT_NE(outcome.err.find("not a regular file"), std::string::npos) << outcome.describe();
    std::ifstream in(target);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text, "keep\n");
}

// The sandbox may write where the report goes (a bind): swapping that directory for a link
// during the run must not carry the supervisor's write elsewhere. Run as root, the write
// would otherwise replace a root-owned file anywhere on the host.
TEST_F(RootlessResources, ExitReportStaysInTheDirectoryNamedBeforeTheRun) {
    TempDir shared(0777);
    TempDir elsewhere;
    const std::string sub = shared.path() + "/sub";
    ASSERT_EQ(::mkdir(sub.c_str(), 0777), 0);
    ASSERT_EQ(::chmod(sub.c_str(), 0777), 0);
    const std::string swap = "rm -rf /tmp/w/sub && ln -s " + elsewhere.path() + " /tmp/w/sub";
    Outcome outcome = containerv(run_args(
        "default", {"sh", "-c", swap},
        {"--bind", shared.path() + ":/tmp/w", "--report", "json:" + sub + "/report.json"}));
    EXPECT_EQ(outcome.code(), 0) << outcome.describe();
    EXPECT_NE(outcome.err.find("containerv: report:"), std::string::npos) << outcome.describe();
    struct stat st;
    EXPECT_NE(::lstat((elsewhere.path() + "/report.json").c_str(), &st), 0)
        << "the report followed the planted link out of the directory it was given";
}

TEST_F(RootlessResources, ExplainJsonRefusesAPlantedLink) {
    const std::string target = dir_.path() + "/victim";
    std::ofstream(target) << "keep\n";
    const std::string file = dir_.path() + "/explain.json";
    ASSERT_EQ(::symlink(target.c_str(), file.c_str()), 0);
    Outcome outcome = containerv(run_args("default", {"true"}, {"--explain-json", file}));
    EXPECT_EQ(outcome.code(), 125) << outcome.describe();
    EXPECT_NE(outcome.err.find("not a regular file"), std::string::npos) << outcome.describe();
    std::ifstream in(target);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text, "keep\n");
}

TEST_F(RootlessResources, TimeoutEndsTheRun) {
    Outcome outcome = containerv(
        run_args("default", {probe_in_sandbox(), "sleep", "300"}, {"--timeout", "0.5"}), 120s);
    EXPECT_EQ(outcome.code(), 124) << outcome.describe();
    EXPECT_NE(outcome.err.find("sandbox ended: timeout of 0.5 s"), std::string::npos)
        << outcome.describe();
}

TEST_F(RootlessResources, CgroupLimitsAreRefusedByNameWithoutPrivilege) {
    const std::string profile = profile_with(R"({"memory": 67108864, "pids": 10})");
    Outcome outcome = containerv({"run", "--profile", profile, "--dry-run", "--", "true"});
    if (::geteuid() == 0) {
        EXPECT_EQ(outcome.code(), 0) << outcome.describe();
        return;
    }
    EXPECT_EQ(outcome.code(), 125) << outcome.describe();
    EXPECT_NE(outcome.err.find("resources.memory (this user cannot create cgroups"),
              std::string::npos)
        << outcome.describe();
    EXPECT_NE(outcome.err.find("--accept-weaker resources.pids"), std::string::npos)
        << outcome.describe();
}

TEST_F(RootlessResources, BadResourceValuesNameTheField) {
    const std::string path = dir_.path() + "/bad.json";
    std::ofstream(path) << R"({"name": "bad", "resources": {"memory": 10, "pids": 1,
        "devices": ["/etc/passwd"], "rlimits": {"nofiles": 3}},
        "network": {"allowed_hosts": ["*.example.com", "10.0.0.0/33"]}})";
    const std::string profile = path;
    Outcome outcome = containerv({"profile", "validate", profile});
    EXPECT_EQ(outcome.code(), 1) << outcome.describe();
    for (const char* needle : {"/resources/memory: expected an integer from 1048576",
                               "/resources/pids: expected an integer from 2",
                               "/resources/devices/0: \"/etc/passwd\" is not a path under /dev",
                               "/resources/rlimits/nofiles: unknown key",
                               "/network/allowed_hosts/0: \"*.example.com\" is a pattern",
                               "/network/allowed_hosts/1: \"10.0.0.0/33\" has a bad prefix"})
        EXPECT_TRUE(outcome.out.find(needle) != std::string::npos ||
                    outcome.err.find(needle) != std::string::npos)
            << needle << "\n"
            << outcome.describe();

    // No timeout is no --timeout; 0 is a mistake, not a way to say none.
    Outcome zero = containerv(run_args("default", {"true"}, {"--timeout", "0"}));
    EXPECT_EQ(zero.code(), 125) << zero.describe();
    EXPECT_NE(zero.err.find("--timeout: expected seconds above 0"), std::string::npos)
        << zero.describe();
}

}  // namespace
}  // namespace cvtest
