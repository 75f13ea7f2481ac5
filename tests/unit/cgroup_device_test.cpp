// The device BPF program alone. A sandbox on this hybrid host also gets the v1 devices
// controller, which denies the same nodes, so no sandbox test can tell a device program that
// lets everything through from a right one. Here a child sits in a unified-tree group that
// holds only the program (its v1 devices group is the caller's), and opens real nodes.
#include "linux/cgroups.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace containerv::linux_ {
namespace {

// Where cgroup BPF programs attach here: the hybrid host's unified mount, or the v2 root.
std::string unified_root() {
    struct stat st {};
    if (::stat("/sys/fs/cgroup/unified/cgroup.procs", &st) == 0) return "/sys/fs/cgroup/unified";
    if (::stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0) return "/sys/fs/cgroup";
    return "";
}

struct Open {
    const char* path;
    int flags;
};

// errno of each open (0 when it opened), from a child moved into the group before it tries.
std::vector<int> open_in_group(const std::vector<DeviceRule>& rules,
                               const std::vector<Open>& opens) {
    CgroupSpec spec;
    spec.devices = rules;
    spec.unified_root = unified_root();
    auto group = cgroup_detail::create_v2_bpf_only(spec, cgroup_detail::own_name());
    if (!group) {
        ADD_FAILURE() << "making the group: " << group.error().to_string();
        return {};
    }
    int go[2], result[2];
    if (::pipe2(go, O_CLOEXEC) != 0 || ::pipe2(result, O_CLOEXEC) != 0) {
        ADD_FAILURE() << "pipe: " << std::strerror(errno);
        return {};
    }
    pid_t child = ::fork();
    if (child == 0) {
        char byte;
        if (::read(go[0], &byte, 1) != 1) ::_exit(1);
        for (const auto& o : opens) {
            int fd = ::open(o.path, o.flags | O_CLOEXEC | O_NOCTTY);
            int err = fd < 0 ? errno : 0;
            if (fd >= 0) ::close(fd);
            if (::write(result[1], &err, sizeof err) != sizeof err) ::_exit(1);
        }
        ::_exit(0);
    }
    ::close(result[1]);
    EXPECT_TRUE((*group)->add(child)) << "moving the child into the group";
    (void)::write(go[1], "x", 1);
    std::vector<int> errs;
    int err;
    while (::read(result[0], &err, sizeof err) == sizeof err) errs.push_back(err);
    int status = 0;
    ::waitpid(child, &status, 0);
    ::close(go[0]);
    ::close(go[1]);
    ::close(result[0]);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return errs;
}

class DeviceProgram : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root to make a cgroup and load a program";
        if (unified_root().empty()) GTEST_SKIP() << "no cgroup v2 tree mounted on this host";
    }
};

TEST_F(DeviceProgram, AllowsListedNodesWithListedAccessOnly) {
    // null read-write; zero read only; the 5:* pair (tty, ptmx) read only by a wildcard minor.
    std::vector<DeviceRule> rules = {{'c', 1, 3, "rw"}, {'c', 1, 5, "r"}, {'c', 5, -1, "r"}};
    auto errs = open_in_group(rules, {{"/dev/null", O_RDWR},
                                      {"/dev/zero", O_RDONLY},
                                      {"/dev/zero", O_WRONLY},
                                      {"/dev/full", O_RDONLY},
                                      {"/dev/urandom", O_RDONLY},
                                      {"/dev/ptmx", O_RDONLY},
                                      {"/dev/ptmx", O_RDWR}});
    ASSERT_EQ(errs.size(), 7u);
    EXPECT_EQ(errs[0], 0) << "/dev/null rw is listed";
    EXPECT_EQ(errs[1], 0) << "/dev/zero r is listed";
    EXPECT_EQ(errs[2], EPERM) << "/dev/zero w is not";
    EXPECT_EQ(errs[3], EPERM) << "/dev/full (1:7) is not listed";
    EXPECT_EQ(errs[4], EPERM) << "/dev/urandom (1:9) is not listed";
    EXPECT_EQ(errs[5], 0) << "/dev/ptmx r matches 5:*";
    EXPECT_EQ(errs[6], EPERM) << "/dev/ptmx w does not";
}

TEST_F(DeviceProgram, AnEmptyListDeniesEveryNode) {
    auto errs = open_in_group({}, {{"/dev/null", O_RDONLY}, {"/dev/zero", O_RDONLY}});
    ASSERT_EQ(errs.size(), 2u);
    EXPECT_EQ(errs[0], EPERM);
    EXPECT_EQ(errs[1], EPERM);
}

TEST_F(DeviceProgram, AWildcardMajorMatchesByMinorAndType) {
    // Any major with minor 3 (null is 1:3), char only; a block rule never matches a char node.
    std::vector<DeviceRule> rules = {{'c', -1, 3, "rw"}, {'b', 1, 5, "rw"}};
    auto errs = open_in_group(rules, {{"/dev/null", O_RDWR}, {"/dev/zero", O_RDONLY}});
    ASSERT_EQ(errs.size(), 2u);
    EXPECT_EQ(errs[0], 0);
    EXPECT_EQ(errs[1], EPERM) << "b 1:5 must not let the char node 1:5 through";
}

TEST_F(DeviceProgram, ALongListMatchesItsLastRule) {
    // Thousands of rules: a program whose jumps led to one shared end would need offsets past
    // what a BPF jump holds (16 bits). Block devices 7:N first, null last.
    std::vector<DeviceRule> rules;
    for (long minor = 0; minor < 3000; ++minor) rules.push_back({'b', 7, minor, "r"});
    rules.push_back({'c', 1, 3, "rw"});
    auto errs = open_in_group(rules, {{"/dev/null", O_RDWR}, {"/dev/zero", O_RDONLY}});
    ASSERT_EQ(errs.size(), 2u);
    EXPECT_EQ(errs[0], 0);
    EXPECT_EQ(errs[1], EPERM);
}

}  // namespace
}  // namespace containerv::linux_
