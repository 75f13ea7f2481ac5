// Each built-in profile, run for real: the probe inside reports what the kernel enforces.
#include "builtin_profiles.hpp"
#include "sandbox_run.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace cvtest {
namespace {

class RootlessProfile : public ::testing::TestWithParam<BuiltinProfile> {
protected:
    void SetUp() override { CV_SKIP_IF_KERNEL_LACKS_SANDBOX(); }

    const BuiltinProfile& profile() const { return GetParam(); }

    std::map<std::string, std::string> run_probe(const std::vector<std::string>& args) {
        return probe(profile().name, args);
    }
};

std::string hex_mask(std::uint64_t mask) {
    char text[32];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(mask));
    return text;
}

// The errors a denied operation ends with: the capability check or the seccomp filter
// (EPERM, EACCES), or a kernel built without the call (ENOSYS). The probe's calls are built
// so that a caller who may make them gets another error (EINVAL, ENOENT) or success.
bool denied(const std::string& result) {
    return result == "EPERM" || result == "EACCES" || result == "ENOSYS";
}

std::set<std::string> host_netdevs() {
    std::ifstream in("/proc/net/dev");
    std::set<std::string> names;
    std::string line;
    while (std::getline(in, line)) {
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon);
        name.erase(0, name.find_first_not_of(' '));
        names.insert(name);
    }
    return names;
}

bool is_directory(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

TEST_P(RootlessProfile, CapabilitySetsAreExactlyTheAllowedOnes) {
    auto report = run_probe({"status"});
    const std::string want = hex_mask(profile().capability_mask());

    EXPECT_EQ(report["CapBnd"], want) << "bounding set";
    EXPECT_EQ(report["CapPrm"], want) << "permitted set";
    EXPECT_EQ(report["CapEff"], want) << "effective set";
    EXPECT_EQ(report["CapInh"], want) << "inheritable set";
    // Ambient capabilities keep the set across exec for a process that is not uid 0.
    ASSERT_NE(profile().uid, 0u);
    EXPECT_EQ(report["CapAmb"], want) << "ambient set";
}

TEST_P(RootlessProfile, NoNewPrivilegesAsTheProfileSays) {
    auto report = run_probe({"status"});
    EXPECT_EQ(report["NoNewPrivs"], profile().no_new_privileges ? "1" : "0");
}

TEST_P(RootlessProfile, SeccompFilterIsLoaded) {
    auto report = run_probe({"status"});
    EXPECT_EQ(report["Seccomp"], "2") << "2 is SECCOMP_MODE_FILTER";
    EXPECT_GE(std::atoi(report["Seccomp_filters"].c_str()), 1);
}

TEST_P(RootlessProfile, RunsAsTheProfileUserWithoutSupplementaryGroups) {
    auto report = run_probe({"status"});
    const std::string uid = std::to_string(profile().uid);
    const std::string gid = std::to_string(profile().gid);

    EXPECT_EQ(report["uid"], uid);
    EXPECT_EQ(report["euid"], uid);
    EXPECT_EQ(report["gid"], gid);
    EXPECT_EQ(report["egid"], gid);
    EXPECT_EQ(report["Uid_all"], uid + " " + uid + " " + uid + " " + uid) << "real/eff/saved/fs";
    EXPECT_EQ(report["Gid_all"], gid + " " + gid + " " + gid + " " + gid) << "real/eff/saved/fs";

    if (::geteuid() == 0) {
        EXPECT_EQ(report["Groups"], "");
    } else {
        // Unprivileged, a user namespace's gid_map can only be written after setgroups is
        // denied (user_namespaces(7)), so the caller's groups stay: its own gid shows as the
        // sandbox's gid, others as the overflow gid (and containerv refuses those unless told
        // to accept them). Neither gives the sandbox anything it did not have.
        std::ifstream in("/proc/sys/kernel/overflowgid");
        std::string overflow = "65534";
        in >> overflow;
        for (const std::string& group : split(report["Groups"], ' ')) {
            if (!group.empty() && group != gid) {
                EXPECT_EQ(group, overflow) << "Groups=" << report["Groups"];
            }
        }
    }
}

TEST_P(RootlessProfile, RootIsReadOnlyWhereTheProfileSaysSo) {
    const std::string name = unique_name();
    for (const std::string dir : {"/", "/etc", "/usr/lib"}) {
        const std::string path = (dir == "/" ? "" : dir) + "/" + name;
        auto report = run_probe({"write", path});
        if (profile().read_only_root) {
            EXPECT_EQ(report["result"], "EROFS") << path;
        } else if (dir == "/") {
            EXPECT_EQ(report["result"], "ok") << path << ": the root is writable";
        }
        EXPECT_FALSE(path_exists(path)) << path << " appeared on the host";
    }
}

TEST_P(RootlessProfile, WritablePathsAreWritableAndTheHostUnchanged) {
    const std::string name = unique_name();
    for (const std::string& dir : profile().writable_dirs) {
        const std::string path = (dir == "/" ? "" : dir) + "/" + name;
        auto report = run_probe({"write", path});
        EXPECT_EQ(report["result"], "ok") << path;
        EXPECT_FALSE(path_exists(path)) << path << " appeared on the host";
    }
}

TEST_P(RootlessProfile, TmpIsAFreshEmptyDirectory) {
    auto report = run_probe({"ls", "/tmp"});
    EXPECT_EQ(report["result"], "ok");
    EXPECT_EQ(report["count"], "0") << "/tmp in the sandbox holds: " << report["entries"];
}

TEST_P(RootlessProfile, MaskedPathsAreEmpty) {
    int checked = 0;
    for (const std::string& path : profile().masked_paths) {
        if (!path_exists(path)) continue;  // this kernel has no such file: nothing to hide
        ++checked;
        if (is_directory(path)) {
            auto report = run_probe({"ls", path});
            EXPECT_EQ(report["result"], "ok") << path;
            EXPECT_EQ(report["count"], "0") << path << " lists: " << report["entries"];
        } else {
            // A masked file reads as empty: opening it must work, and give nothing.
            auto report = run_probe({"read", path});
            EXPECT_EQ(report["result"], "ok") << path;
            EXPECT_EQ(report["bytes"], "0") << path;
        }
    }
    RecordProperty("masked_paths_checked", checked);
}

TEST_P(RootlessProfile, OnlyTheSandboxProcessesAreVisible) {
    auto report = run_probe({"pids"});
    ASSERT_EQ(report["result"], "ok");
    std::vector<std::string> pids = split(report["pids"], ',');

    // A fresh pid namespace numbers from 1: the launcher's init, perhaps, and the probe.
    EXPECT_LE(pids.size(), 4u) << "pids=" << report["pids"];
    for (const std::string& pid : pids) {
        EXPECT_LE(std::atoi(pid.c_str()), 32) << "pids=" << report["pids"];
    }
    EXPECT_NE(std::find(pids.begin(), pids.end(), report["pid"]), pids.end())
        << "the probe's own pid " << report["pid"] << " is not in /proc";
}

TEST_P(RootlessProfile, NetworkDevicesFollowIsolation) {
    auto report = run_probe({"netdevs"});
    ASSERT_EQ(report["result"], "ok");
    std::vector<std::string> list = split(report["netdevs"], ',');
    std::set<std::string> seen(list.begin(), list.end());

    if (profile().network_isolated) {
        EXPECT_EQ(seen, std::set<std::string>{"lo"}) << "netdevs=" << report["netdevs"];
    } else {
        EXPECT_EQ(seen, host_netdevs()) << "a profile that does not isolate the network "
                                           "shares the host's";
    }
}

TEST_P(RootlessProfile, PrivilegedOperationsFail) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"mount"}, {"ptrace", "1"}, {"reboot"}, {"init_module"}, {"unshare", "mount"}}) {
        auto report = run_probe(args);
        EXPECT_TRUE(denied(report["result"]))
            << ::testing::PrintToString(args) << ": result=" << report["result"];
    }
}

INSTANTIATE_TEST_SUITE_P(Builtin, RootlessProfile, ::testing::ValuesIn(builtin_profiles()),
                         [](const auto& info) { return test_name_of(info.param.name); });

}  // namespace
}  // namespace cvtest
