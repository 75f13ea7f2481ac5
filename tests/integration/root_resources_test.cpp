// Resource limits enforced by the sandbox's cgroup, seen from inside and in the exit report.
// Root only: creating cgroups needs the host's root (rootless runs refuse these fields).
#include "sandbox_run.hpp"

#include <string>

#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace cvtest {
namespace {

class RootResources : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) {
            // Not a kernel feature: scripts/test runs this executable as root only.
            if (skips_forbidden()) FAIL() << "needs root to create cgroups";
            GTEST_SKIP() << "needs root to create cgroups (run as uid " << ::geteuid() << ")";
        }
        CV_SKIP_IF_KERNEL_LACKS_SANDBOX();
        probe_dir();
    }

    // A profile file extending default with RESOURCES (a JSON object's text).
    std::string profile_with(const std::string& resources) {
        const std::string path = dir_.path() + "/limits.json";
        std::ofstream(path) << R"({"name": "limits", "extends": "default", "resources": )"
                            << resources << "}\n";
        return path;
    }

    std::string report_path() const { return dir_.path() + "/report.json"; }

    nlohmann::json read_report() const {
        std::ifstream in(report_path());
        std::stringstream text;
        text << in.rdbuf();
        return nlohmann::json::parse(text.str());
    }

    TempDir dir_;
};

// Every directory containerv made under the cgroup mounts, whoever owns it.
std::vector<std::string> containerv_cgroups() {
    std::vector<std::string> out;
    for (const char* parent :
         {"/sys/fs/cgroup/memory/containerv", "/sys/fs/cgroup/cpu/containerv",
          "/sys/fs/cgroup/pids/containerv", "/sys/fs/cgroup/devices/containerv",
          "/sys/fs/cgroup/unified/containerv", "/sys/fs/cgroup/containerv"}) {
        DIR* d = ::opendir(parent);
        if (!d) continue;
        while (dirent* e = ::readdir(d))
            if (e->d_name[0] != '.' && e->d_type == DT_DIR)
                out.push_back(std::string(parent) + "/" + e->d_name);
        ::closedir(d);
    }
    return out;
}

TEST_F(RootResources, PidsLimitStopsForksInside) {
    const std::string profile = profile_with(R"({"pids": 16})");
    Outcome outcome = containerv(run_args(profile, {probe_in_sandbox(), "forks", "100"},
                                          {"--report", "json:" + report_path()}));
    ASSERT_EQ(outcome.code(), 0) << outcome.describe();
    auto report = parse_report(outcome.out);
    EXPECT_EQ(report["result"], "EAGAIN") << outcome.describe();
    // pid 1 and the probe count too.
    EXPECT_LE(std::stol(report["forks"]), 14) << outcome.describe();
    auto json = read_report();
    EXPECT_EQ(json["pids_limit_hit"], true) << json.dump();
    EXPECT_EQ(json["reason"], "pids_limit") << json.dump();
    EXPECT_EQ(json["limits"]["pids"], 16) << json.dump();
}

TEST_F(RootResources, ForkBombStopsAtThePidsLimitAndTheTimeoutEndsIt) {
    // Every process forks for ever and shrugs off each failure; only the clock ends it.
    const std::string profile = profile_with(R"({"pids": 64, "cpus": 0.5})");
    const std::string bomb =
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n"
        "        pass\n";
    Outcome outcome = containerv(run_args(profile, {"python3", "-c", bomb},
                                          {"--timeout", "3", "--report", "json:" + report_path()}),
                                 120s);
    EXPECT_EQ(outcome.code(), 124) << outcome.describe();
    auto json = read_report();
    EXPECT_EQ(json["reason"], "timeout") << json.dump();
    EXPECT_EQ(json["pids_limit_hit"], true) << json.dump();
    EXPECT_TRUE(containerv_cgroups().empty());
}

TEST_F(RootResources, MemoryHogIsKilledAndReportedAsOutOfMemory) {
    const std::string profile = profile_with(R"({"memory": 33554432, "memory_swap": 0})");
    Outcome outcome = containerv(run_args(profile, {probe_in_sandbox(), "hog", "512"},
                                          {"--report", "json:" + report_path()}));
    EXPECT_EQ(outcome.code(), 128 + SIGKILL) << outcome.describe();
    EXPECT_EQ(outcome.out.find("mib=512"), std::string::npos) << "the hog got all it asked for";
    EXPECT_NE(outcome.err.find("containerv: sandbox ended: out of memory"), std::string::npos)
        << outcome.describe();
    auto json = read_report();
    EXPECT_EQ(json["reason"], "oom") << json.dump();
    EXPECT_EQ(json["oom_killed"], true) << json.dump();
    EXPECT_EQ(json["signal"], SIGKILL) << json.dump();
    EXPECT_EQ(json["limits"]["memory_bytes"], 33554432) << json.dump();
    EXPECT_LE(json["peak_memory_bytes"].get<std::uint64_t>(), 33554432u) << json.dump();
}

TEST_F(RootResources, ReportGivesPeakMemoryCpuAndWallTime) {
    const std::string profile = profile_with(R"({"memory": 268435456})");
    Outcome outcome = containerv(run_args(profile, {probe_in_sandbox(), "hog", "40"},
                                          {"--report", "json:" + report_path()}));
    ASSERT_EQ(outcome.code(), 0) << outcome.describe();
    auto json = read_report();
    EXPECT_EQ(json["reason"], "exited") << json.dump();
    EXPECT_EQ(json["status"], 0) << json.dump();
    EXPECT_EQ(json["peak_memory_source"], "cgroup") << json.dump();
    EXPECT_GE(json["peak_memory_bytes"].get<std::uint64_t>(), 40u << 20) << json.dump();
    EXPECT_GT(json["wall_seconds"].get<double>(), 0) << json.dump();
    EXPECT_GT(json["cpu_seconds"].get<double>(), 0) << json.dump();
}

TEST_F(RootResources, DeviceCgroupRefusesWhatTheListDoesNotAllow) {
    // /dev/zero is mode 0666 and on a mount that allows devices: only the device cgroup can
    // refuse the write. /dev/null keeps the default rw.
    const std::string profile = profile_with(R"({"devices": ["/dev/zero:r"]})");
    auto can = [&](const char* path, const char* mode) {
        return probe(profile, {"open", path, mode})["result"];
    };
    EXPECT_EQ(can("/dev/zero", "r"), "ok");
    EXPECT_EQ(can("/dev/zero", "w"), "EPERM");
    EXPECT_EQ(can("/dev/null", "w"), "ok");
}

TEST_F(RootResources, DiskDeviceCannotBeOpened) {
    // A block device node of the host's first disk, mode 0666, listed with mknod access only:
    // permissions and mount would let an open through, the device cgroup does not.
    struct stat disk;
    ASSERT_EQ(::stat("/", &disk), 0);
    const std::string node = "/dev/cv-test-disk-" + std::to_string(::getpid());
    ASSERT_EQ(::mknod(node.c_str(), S_IFBLK | 0666, disk.st_dev), 0) << std::strerror(errno);
    ::chmod(node.c_str(), 0666);
    const std::string profile = profile_with(R"({"devices": [")" + node + R"(:m"]})");
    auto report = probe(profile, {"open", node.c_str(), "r"});
    ::unlink(node.c_str());
    EXPECT_EQ(report["result"], "EPERM");

    // The default list has no disk at all: a node bound in with --bind is refused too.
    const std::string bound = dir_.path() + "/disk";
    ASSERT_EQ(::mknod(bound.c_str(), S_IFBLK | 0666, disk.st_dev), 0) << std::strerror(errno);
    ::chmod(bound.c_str(), 0666);
    auto via_bind =
        probe("default", {"open", "/media/disk", "r"}, {"--bind", dir_.path() + ":/media"});
    EXPECT_NE(via_bind["result"], "ok");
}

// --isolation landlock has no pid namespace to end with the command; as root its cgroup
// does: what the command left running is killed when the sandbox ends.
TEST_F(RootResources, IsolationLandlockLeavesNoProcessBehind) {
    Outcome outcome =
        containerv({"run", "--isolation", "landlock", "--accept-weaker",
                    "filesystem.read_only_root", "--accept-weaker", "process.run_as_uid/gid", "--",
                    "sh", "-c", "setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $!"});
    ASSERT_EQ(outcome.code(), 0) << outcome.describe();
    const pid_t left = static_cast<pid_t>(std::stol(outcome.out));
    EXPECT_TRUE(wait_until([&] { return !process_alive(left); }, 5s))
        << "pid " << left << " outlived its sandbox";
    if (process_alive(left)) ::kill(left, SIGKILL);
}

TEST_F(RootResources, TimeoutEndsASleepingTree) {
    const std::string tag = unique_name();
    const std::string sleeper = probe_in_sandbox() + " sleep 300 " + tag;
    Outcome outcome =
        containerv(run_args("default", {"sh", "-c", sleeper + " & " + sleeper + " & wait"},
                            {"--timeout", "1", "--report", "json:" + report_path()}),
                   120s);
    EXPECT_EQ(outcome.code(), 124) << outcome.describe();
    EXPECT_NE(outcome.err.find("sandbox ended: timeout"), std::string::npos) << outcome.describe();
    EXPECT_EQ(read_report()["reason"], "timeout");
    EXPECT_TRUE(find_processes({"cv-probe", "sleep", "300", tag}).empty());
}

TEST_F(RootResources, NothingLeftBehindAfterManyRunsAndKilledSupervisors) {
    const HostState before = HostState::capture();
    const std::string profile = profile_with(R"({"memory": 67108864, "pids": 32, "cpus": 1})");
    for (int i = 0; i < 150; ++i) {
        Outcome outcome = containerv(run_args(profile, {"true"}));
        ASSERT_EQ(outcome.code(), 0) << outcome.describe();
    }
    for (int i = 0; i < 10; ++i) {
        const std::string tag = unique_name();
        Child child(containerv_argv(run_args(profile, {probe_in_sandbox(), "sleep", "300", tag})));
        ASSERT_TRUE(wait_until(
            [&] {
                return !find_processes({"cv-probe", "sleep", "300", tag}).empty();
            },
            30s));
        child.signal(SIGKILL);
        child.wait();
        // pid 1 dies with its supervisor (parent-death signal), and its namespace with it.
        EXPECT_TRUE(wait_until(
            [&] {
                return find_processes({"cv-probe", "sleep", "300", tag}).empty();
            },
            30s));
    }
    // The killed supervisors' groups are still there, emptied as their pid 1 goes; the next
    // start removes them.
    EXPECT_FALSE(containerv_cgroups().empty());
    EXPECT_TRUE(wait_until(
        [] {
            for (const auto& dir : containerv_cgroups()) {
                std::ifstream procs(dir + "/cgroup.procs");
                pid_t pid;
                if (procs >> pid) return false;
            }
            return true;
        },
        30s));
    Outcome last = containerv(run_args(profile, {"true"}));
    ASSERT_EQ(last.code(), 0) << last.describe();
    EXPECT_EQ(containerv_cgroups(), std::vector<std::string>{});
    // Mounts only: the temporary directories are shared with whatever else runs on the host
    // (rootless_lifecycle_test checks them for single runs).
    for (const auto& line : leftovers(before, HostState::capture()))
        if (line.rfind("file: ", 0) != 0) ADD_FAILURE() << line;
}

// Without a cpu limit the sandbox stays in the caller's v1 cpu group: a group of its own
// would weigh as one task against the host's and slow a busy sandbox on a busy host.
TEST_F(RootResources, NoCpuLimitJoinsNoCpuGroup) {
    CV_SKIP_IF(path_exists("/sys/fs/cgroup/memory/cgroup.procs")
                   ? std::nullopt
                   : std::optional<std::string>("no cgroup v1 hierarchies on this host"));
    const std::string profile = profile_with(R"({"pids": 64})");
    const std::string tag = unique_name();
    Child child(containerv_argv(run_args(profile, {probe_in_sandbox(), "sleep", "300", tag})));
    std::vector<pid_t> found;
    ASSERT_TRUE(wait_until(
        [&] {
            return !(found = find_processes({"cv-probe", "sleep", "300", tag})).empty();
        },
        30s));
    std::ifstream in("/proc/" + std::to_string(found.front()) + "/cgroup");
    std::string line;
    bool memory_group = false;
    while (std::getline(in, line)) {
        // hierarchy-id:controllers:path
        auto first = line.find(':');
        auto second = line.find(':', first + 1);
        std::string controllers = line.substr(first + 1, second - first - 1);
        std::string path = line.substr(second + 1);
        for (const auto& c : split(controllers, ',')) {
            if (c == "cpu") {
                EXPECT_EQ(path.find("/containerv/"), std::string::npos) << line;
            }
        }
        if (controllers == "memory") memory_group = path.find("/containerv/") == 0;
    }
    EXPECT_TRUE(memory_group) << "the sandbox is not in its own memory group";
}

TEST_F(RootResources, HalfACoreQuotaShowsInTheMeasuredRatio) {
    const std::string profile = profile_with(R"({"cpus": 0.5})");
    const std::string tag = unique_name();
    Child child(containerv_argv(
        run_args(profile,
                 {"sh", "-c",
                  probe_in_sandbox() + " sleep 300 " + tag + " & " + probe_in_sandbox() + " spin"},
                 {"--timeout", "3", "--report", "json:" + report_path()})));
    // The group's quota as the kernel holds it, from the host, while the sandbox runs.
    ASSERT_TRUE(wait_until(
        [&] {
            return !find_processes({"cv-probe", "sleep", "300", tag}).empty();
        },
        30s));
    std::string quota;
    for (const auto& dir : containerv_cgroups())
        if (dir.rfind("/sys/fs/cgroup/cpu/", 0) == 0)
            std::ifstream(dir + "/cpu.cfs_quota_us") >> quota;
    EXPECT_EQ(quota, "50000");
    Outcome outcome = child.wait(120s);
    EXPECT_EQ(outcome.code(), 124) << outcome.describe();
    // A spinning process gets at most half of each period: cpu time over wall time stays at or
    // below one half (with room for the accounting's ticks), where unthrottled it would be 1.
    auto json = read_report();
    const double ratio = json["cpu_seconds"].get<double>() / json["wall_seconds"].get<double>();
    EXPECT_LE(ratio, 0.6) << json.dump();
    EXPECT_GT(ratio, 0.0) << json.dump();
}

TEST_F(RootResources, PlanShowsTheCgroupMechanisms) {
    const std::string profile =
        profile_with(R"({"memory": 67108864, "cpus": 0.5, "cpu_weight": 50, "pids": 10})");
    Outcome outcome = containerv({"run", "--profile", profile, "--dry-run", "--", "true"});
    ASSERT_EQ(outcome.code(), 0) << outcome.describe();
    for (const char* needle : {"resources.memory = 67108864", "memory.limit_in_bytes",
                               "cpu.cfs_quota_us", "cpu.shares", "pids.max", "devices controller"})
        EXPECT_NE(outcome.out.find(needle), std::string::npos) << needle << "\n" << outcome.out;
}

}  // namespace
}  // namespace cvtest
